//! CodeGuru Profiler's quota of profiling groups per account and region (500 by default,
//! adjustable in Service Quotas), checked before a selection acts (feature `aws`): one
//! group per function would stop a rollout at the 500th, half done. The groups a plan
//! would make in each account and region are counted with those there already.

use std::collections::BTreeSet;

use lambda_profiling_switch::Clients;

use super::render::Line;
use crate::status::calls::said;

/// ListProfilingGroups' largest page.
const PAGE: i32 = 1000;

/// How many distinct profiling groups `lines` would make.
pub fn new_groups<'l>(lines: impl IntoIterator<Item = &'l Line>) -> usize {
    let arns = lines
        .into_iter()
        .filter_map(|l| l.result.as_ref().ok()?.new_group.as_ref());
    arns.collect::<BTreeSet<_>>().len()
}

/// The groups in `clients`' account and region.
pub async fn existing(clients: &Clients) -> Result<usize, String> {
    let mut pages = clients
        .codeguru
        .list_profiling_groups()
        .include_description(false)
        .max_results(PAGE)
        .into_paginator()
        .send();
    let mut count = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "cannot count the profiling groups in {} ({}): allow codeguru-profiler:ListProfilingGroups",
                clients.region,
                said(&e)
            )
        })?;
        count += page.profiling_group_names().len();
    }
    Ok(count)
}

/// What is said of a place whose plan would cross the quota.
pub fn over(place: &str, new: usize, existing: usize, quota: usize) -> String {
    format!(
        "the plan makes {new} profiling groups in {place}, which has {existing}: over CodeGuru Profiler's \
         quota of {quota} per account and region, so the rollout would stop part way. Share groups \
         (--profiling-group-name NAME puts the selection's functions in one), select fewer functions, or, \
         if Service Quotas raised the quota, give it (--group-quota N)"
    )
}

#[cfg(test)]
#[path = "quota_tests.rs"]
mod tests;
