//! `enable --all` and `disable --all` against AWS (feature `aws`): the region's functions
//! listed as `status` lists them (pages of 50, with the stacks' tags), the `--tag`s asked
//! of the Resource Groups Tagging API in pages of 100, and each admitted function judged
//! by [`select`](super::select). The calls grow with the pages, not with the functions:
//! no function is read on its own until it is planned.

use std::collections::{BTreeSet, HashSet};

use aws_sdk_resourcegroupstagging::types::TagFilter;
use lambda_profiling_macro::assess::Function;
use lambda_profiling_switch::aws::repeated;

use super::Toggle;
use super::select::{Filter, Verdict, for_disable, for_enable};
use crate::session::Session;
use crate::status::calls::{Limit, said};
use crate::status::inventory;
use crate::status::progress::Progress;

/// Calls in flight while listing.
const AT_ONCE: usize = 8;
/// The Tagging API's largest page.
const TAG_PAGE: i32 = 100;

/// A function a selection leaves as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub arn: String,
    pub why: String,
}

/// What a selection takes (function names, in the region's order) and what it leaves.
#[derive(Debug, Default)]
pub struct Selected {
    pub taken: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// The `--exclude`s that named a function listed here.
    pub excluded: BTreeSet<String>,
    /// What the listing could not read (the stacks' tags), said on stderr.
    pub warning: Option<String>,
}

/// The functions of `region` that `toggle`'s selection takes; `Err`: why none can be chosen.
pub async fn select(
    session: &Session,
    region: &str,
    toggle: Toggle<'_>,
    filter: &Filter,
) -> Result<Selected, String> {
    let (limit, progress) = (Limit::new(AT_ONCE), Progress::hidden());
    let (listed, tagged) = tokio::join!(
        inventory::list(session, region, &limit, &progress),
        tagged(session, region, &filter.tags, &limit)
    );
    let (functions, warning) = listed.map_err(|e| e.to_string())?;
    let tagged = tagged?;
    let force = toggle.common().force;
    let mut selected = Selected {
        warning,
        ..Selected::default()
    };
    for f in functions {
        if let Some(e) = filter.excluding(&f) {
            selected.excluded.insert(e.to_owned());
        }
        let holds_tags = tagged.as_ref().is_none_or(|arns| arns.contains(&f.arn));
        if !filter.admits(&f, holds_tags) {
            continue;
        }
        match verdict(toggle, &f, force) {
            Verdict::Take => selected.taken.push(f.name),
            Verdict::Skip(why) => selected.skipped.push(Skipped {
                name: f.name,
                arn: f.arn,
                why,
            }),
        }
    }
    Ok(selected)
}

fn verdict(toggle: Toggle<'_>, f: &Function, force: bool) -> Verdict {
    match toggle {
        // `--upgrade` moves only what enable added: the functions that carry the agent.
        Toggle::Enable(a) if a.upgrade => for_disable(f, force),
        Toggle::Enable(_) => for_enable(f, force),
        Toggle::Disable(_) => for_disable(f, force),
    }
}

/// The ARNs of the functions that hold every tag; `None` when no tag is asked for.
async fn tagged(
    session: &Session,
    region: &str,
    tags: &[(String, String)],
    limit: &Limit,
) -> Result<Option<HashSet<String>>, String> {
    if tags.is_empty() {
        return Ok(None);
    }
    let filters = tags
        .iter()
        .map(|(k, v)| TagFilter::builder().key(k).values(v).build());
    let request = session
        .tagging(region)
        .get_resources()
        .resource_type_filters("lambda:function")
        .set_tag_filters(Some(filters.collect()))
        .resources_per_page(TAG_PAGE);
    let mut pages = request.into_paginator().stop_on_duplicate_token(false).send();
    let (mut arns, mut token) = (HashSet::new(), None::<String>);
    while let Some(page) = limit.run(pages.next()).await {
        let page = page.map_err(|e| {
            format!(
                "cannot read the functions' tags in {region} ({}): allow tag:GetResources, or select without --tag",
                said(&e)
            )
        })?;
        arns.extend(
            page.resource_tag_mapping_list()
                .iter()
                .filter_map(|m| m.resource_arn())
                .map(str::to_owned),
        );
        if repeated(&mut token, page.pagination_token()) {
            return Err(format!(
                "the Tagging API in {region} answered the same PaginationToken twice: retry"
            ));
        }
    }
    Ok(Some(arns))
}
