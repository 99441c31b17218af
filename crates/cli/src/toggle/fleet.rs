//! `enable --all` and `disable --all` against AWS (feature `aws`): the region's functions
//! listed as `status` lists them (pages of 50, with the stacks' tags), the `--tag`s asked
//! of the Resource Groups Tagging API in pages of 100, and each admitted function judged
//! by [`select`](super::select). The calls grow with the pages, not with the functions:
//! no function is read on its own until it is planned.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_resourcegroupstagging::types::TagFilter;
use lambda_profiling_macro::assess::Function;
use lambda_profiling_switch::aws::repeated;

use super::Toggle;
use super::select::{Filter, Verdict, for_disable, for_enable, group_of};
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
    /// `--group-per-tag`: each function's profiling group, by function name.
    pub groups: HashMap<String, String>,
}

/// The functions of `region` that `toggle`'s selection takes; `Err`: why none can be chosen.
pub async fn select(
    session: &Session,
    region: &str,
    toggle: Toggle<'_>,
    filter: &Filter,
) -> Result<Selected, String> {
    let (limit, progress) = (Limit::new(AT_ONCE), Progress::hidden());
    let by_tag = group_tag(toggle);
    // The --tag filters must all hold; GetResources gives each function's every tag, so the
    // group's tag is read from them. Asked for alone only without --tag: as one more
    // filter it would drop the functions that lack it instead of skipping them with why.
    let mut wanted: Vec<(String, Option<String>)> = (filter.tags.iter())
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    if let (true, Some(key)) = (wanted.is_empty(), by_tag) {
        wanted.push((key.to_owned(), None));
    }
    let tags = async {
        match wanted.is_empty() {
            true => Ok(None),
            false => tagged(session, region, &wanted, &limit).await.map(Some),
        }
    };
    let (listed, tagged) = tokio::join!(inventory::list(session, region, &limit, &progress), tags);
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
        let tags = tagged.as_ref().and_then(|t| t.get(&f.arn));
        let holds_tags = filter
            .tags
            .iter()
            .all(|(k, v)| tags.and_then(|t| t.get(k)) == Some(v));
        if !filter.admits(&f, holds_tags) {
            continue;
        }
        let verdict = match (verdict(toggle, &f, force), by_tag) {
            (Verdict::Take, Some(key)) => match group_of(key, tags.and_then(|t| t.get(key))) {
                Ok(group) => {
                    selected.groups.insert(f.name.clone(), group);
                    Verdict::Take
                }
                Err(why) => Verdict::Skip(why),
            },
            (verdict, _) => verdict,
        };
        match verdict {
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

/// The tag whose value names each function's group (`enable --group-per-tag`).
fn group_tag(toggle: Toggle<'_>) -> Option<&str> {
    match toggle {
        Toggle::Enable(a) => a.group_per_tag.as_deref(),
        Toggle::Disable(_) => None,
    }
}

fn verdict(toggle: Toggle<'_>, f: &Function, force: bool) -> Verdict {
    match toggle {
        // `--upgrade` moves only what enable added: the functions that carry the agent.
        Toggle::Enable(a) if a.upgrade => for_disable(f, force),
        Toggle::Enable(_) => for_enable(f, force),
        Toggle::Disable(_) => for_disable(f, force),
    }
}

/// Each function that holds every tag of `filters` (a key alone: any value), by ARN, with
/// all its tags; one `GetResources` per 100 functions.
async fn tagged(
    session: &Session,
    region: &str,
    filters: &[(String, Option<String>)],
    limit: &Limit,
) -> Result<HashMap<String, HashMap<String, String>>, String> {
    let filters = filters.iter().map(|(k, v)| {
        let f = TagFilter::builder().key(k);
        match v {
            Some(v) => f.values(v).build(),
            None => f.build(),
        }
    });
    let request = session
        .tagging(region)
        .get_resources()
        .resource_type_filters("lambda:function")
        .set_tag_filters(Some(filters.collect()))
        .resources_per_page(TAG_PAGE);
    let mut pages = request.into_paginator().stop_on_duplicate_token(false).send();
    let (mut found, mut token) = (HashMap::new(), None::<String>);
    while let Some(page) = limit.run(pages.next()).await {
        let page = page.map_err(|e| {
            format!(
                "cannot read the functions' tags in {region} ({}): allow tag:GetResources, or select without \
                 --tag and --group-per-tag",
                said(&e)
            )
        })?;
        for m in page.resource_tag_mapping_list() {
            let Some(arn) = m.resource_arn() else { continue };
            let tags = m
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()));
            found.insert(arn.to_owned(), tags.collect());
        }
        if repeated(&mut token, page.pagination_token()) {
            return Err(format!(
                "the Tagging API in {region} answered the same PaginationToken twice: retry"
            ));
        }
    }
    Ok(found)
}
