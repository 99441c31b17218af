//! `status` across a region or the functions named (feature `aws`): list, inspect, look
//! up each distinct role and group once, conclude, and note where a newer agent layer is
//! published. Every AWS call goes through one
//! `Limit`, so that at most `concurrency` are in flight; the SDK's retries absorb
//! throttling (see [`crate::session`]).

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt as _;
use lambda_profiling_macro::agent::{Family, Published};
use lambda_profiling_switch::layers::LayerResolver;

use super::assess::{self, FunctionStatus, GroupRef, Inspection};
use super::calls::{Limit, StatusError};
use super::progress::Progress;
use super::report::Report;
use super::{freshness, inventory, lookups};
use crate::printable::printable;
use crate::session::Session;

/// What to scan.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Empty: the session's region.
    pub regions: Vec<String>,
    /// Empty: every function of the regions.
    pub functions: Vec<String>,
    /// The most AWS calls in flight at once.
    pub concurrency: usize,
}

/// The status of every function asked for.
pub async fn scan(session: &Session, request: &Scope, progress: &Progress) -> Result<Report, StatusError> {
    let mut regions: Vec<String> = Vec::new();
    for r in &request.regions {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    if regions.is_empty() {
        regions.push(session.region().ok_or(StatusError::NoRegion)?);
    }
    let limit = Limit::new(request.concurrency);
    let (functions, warnings, missing) = if request.functions.is_empty() {
        let listed = futures_util::future::join_all(
            regions
                .iter()
                .map(|region| inventory::list(session, region, &limit, progress)),
        )
        .await;
        let mut functions = Vec::new();
        let mut warnings = Vec::new();
        for region in listed {
            let (fs, warning) = region?;
            functions.extend(fs);
            warnings.extend(warning);
        }
        (functions, warnings, Vec::new())
    } else {
        let (named, missing) =
            inventory::named(session, &request.functions, &regions, &limit, progress).await?;
        (named, Vec::new(), missing)
    };

    let inspections: Vec<Inspection> = functions.iter().map(assess::inspect).collect();
    let roles: BTreeSet<String> = inspections.iter().filter_map(|i| i.role.clone()).collect();
    let groups: BTreeSet<GroupRef> = inspections.iter().filter_map(|i| i.group.clone()).collect();
    progress.will_check(roles.len() + groups.len());
    let iam = session.iam(&regions[0]);
    let iam_endpoint = session.endpoint_of("IAM", &regions[0]);
    let role_lookups = futures_util::future::join_all(roles.into_iter().map(|name| {
        let (iam, endpoint, limit) = (&iam, &iam_endpoint, &limit);
        async move {
            let access = lookups::role(iam, endpoint, &name, limit).await;
            progress.checked_one();
            (name, access)
        }
    }));
    let group_lookups = futures_util::future::join_all(groups.into_iter().map(|g| {
        let limit = &limit;
        async move {
            let presence = lookups::group(session, &g, limit).await;
            progress.checked_one();
            (g, presence)
        }
    }));
    let (roles, groups) = tokio::join!(role_lookups, group_lookups);
    let roles: BTreeMap<_, _> = roles.into_iter().collect();
    let groups: BTreeMap<_, _> = groups.into_iter().collect();
    progress.finish();

    let mut statuses: Vec<FunctionStatus> = inspections
        .into_iter()
        .map(|i| {
            let role = i.role.as_ref().and_then(|r| roles.get(r));
            let group = i.group.as_ref().and_then(|g| groups.get(g));
            i.conclude(role, group)
        })
        .collect();
    let mut warnings = warnings;
    newer_layers(session, request.concurrency, &mut statuses, &mut warnings).await;
    let mut report = Report::new(statuses, warnings);
    report.missing = missing.iter().map(ToString::to_string).collect();
    Ok(report)
}

/// Notes on profiled functions whose region publishes a newer agent layer that serves
/// their runtime: a handful of `GetLayerVersion` calls per region, not per function.
async fn newer_layers(
    session: &Session,
    concurrency: usize,
    statuses: &mut [FunctionStatus],
    warnings: &mut Vec<String>,
) {
    let regions = freshness::regions_to_ask(statuses);
    // One region after the other, each within the bound on calls in flight.
    let asked = regions.iter().map(|region| async move {
        let resolver = LayerResolver::new(session.lambda(region)).with_concurrency(concurrency);
        let families = [Family::Python, Family::Java];
        resolver.resolve(region, &families, &[], LAYERS_BUDGET).await
    });
    let mut published = Published::default();
    let asked: Vec<_> = futures_util::stream::iter(asked).buffered(1).collect().await;
    for found in asked {
        for (what, why) in &found.failures {
            let (what, why) = (printable(what), printable(&why.to_string()));
            warnings.push(format!("newer agent layers not looked for in {what}: {why}"));
        }
        published.merge(found.published);
    }
    for status in statuses.iter_mut() {
        status.notes.extend(freshness::newer_layer(status, &published));
        status.notes.extend(freshness::untested_layer(status));
    }
}

/// The longest the layers of one region are waited for.
const LAYERS_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);
