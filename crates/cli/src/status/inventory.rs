//! Reading the functions (feature `aws`): every function of a region, page by page as
//! Lambda pages (50 at most, `NextMarker`), with the stacks' tags read in pages of 100
//! from the Resource Groups Tagging API at the same time; or only the functions named.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_resourcegroupstagging::types::TagFilter;

use super::assess::Function;
use super::calls::{Limit, StatusError, said, what_to_do};
use super::progress::Progress;
use crate::session::Session;
use lambda_profiling_switch::aws::repeated;
use lambda_profiling_switch::function::snapshot::listed;

/// The tag CloudFormation puts on every resource of a stack.
pub(crate) const STACK_TAG: &str = "aws:cloudformation:stack-name";
/// Lambda's own page size for ListFunctions.
const PAGE: i32 = 50;
/// The Tagging API's largest page.
const TAG_PAGE: i32 = 100;

/// Every function of `region`, with its stack; and a warning when the stacks could not be read.
pub(crate) async fn list(
    session: &Session,
    region: &str,
    limit: &Limit,
    progress: &Progress,
) -> Result<(Vec<Function>, Option<String>), StatusError> {
    let (functions, stacks) = tokio::join!(
        functions(session, region, limit, progress),
        stacks(session, region, limit)
    );
    let mut functions = functions?;
    let warning = match stacks {
        Ok(stacks) => {
            for f in &mut functions {
                f.stack = stacks.get(&f.arn).cloned();
            }
            None
        }
        Err(e) => Some(format!(
            "the stacks of the functions in {region} could not be read ({e}); the STACK column is empty: allow \
             tag:GetResources to see them"
        )),
    };
    Ok((functions, warning))
}

async fn functions(
    session: &Session,
    region: &str,
    limit: &Limit,
    progress: &Progress,
) -> Result<Vec<Function>, StatusError> {
    let lambda = session.lambda(region);
    let mut out = Vec::new();
    // A marker seen twice would loop for ever: it is an error, not the end.
    let list = lambda.list_functions().into_paginator().page_size(PAGE);
    let mut pages = list.stop_on_duplicate_token(false).send();
    let mut marker: Option<String> = None;
    while let Some(page) = limit.run(pages.next()).await {
        let page = page.map_err(|e| StatusError::List {
            region: region.to_owned(),
            error: what_to_do(&e, "lambda:ListFunctions", session.endpoint_of("LAMBDA", region)),
        })?;
        out.extend(page.functions().iter().map(|c| listed(c, None)));
        progress.listed(page.functions().len());
        if repeated(&mut marker, page.next_marker()) {
            let next = marker.as_deref().unwrap_or_default();
            return Err(StatusError::List {
                region: region.to_owned(),
                error: format!("(Lambda answered the same NextMarker {next} twice): retry"),
            });
        }
    }
    Ok(out)
}

/// Function ARN → stack name, for the functions that carry the stack tag.
async fn stacks(session: &Session, region: &str, limit: &Limit) -> Result<HashMap<String, String>, String> {
    let tagging = session.tagging(region);
    let filter = TagFilter::builder().key(STACK_TAG).build();
    let mut out = HashMap::new();
    let request = tagging
        .get_resources()
        .resource_type_filters("lambda:function")
        .tag_filters(filter)
        .resources_per_page(TAG_PAGE);
    let mut pages = request.into_paginator().stop_on_duplicate_token(false).send();
    let mut token: Option<String> = None;
    while let Some(page) = limit.run(pages.next()).await {
        let page = page.map_err(|e| said(&e))?;
        for mapping in page.resource_tag_mapping_list() {
            let stack = mapping.tags().iter().find(|t| t.key() == STACK_TAG);
            if let (Some(arn), Some(stack)) = (mapping.resource_arn(), stack) {
                out.insert(arn.to_owned(), stack.value().to_owned());
            }
        }
        if repeated(&mut token, page.pagination_token()) {
            let next = token.as_deref().unwrap_or_default();
            return Err(format!(
                "the Tagging API answered the same PaginationToken {next} twice"
            ));
        }
    }
    Ok(out)
}

/// The functions named (names, partial or full ARNs), each looked up in its ARN's region
/// or else in every region given; one GetFunction each, which also gives the tags. A name
/// found nowhere is said in the second list, and the others are still read.
pub(crate) async fn named(
    session: &Session,
    names: &[String],
    regions: &[String],
    limit: &Limit,
    progress: &Progress,
) -> Result<(Vec<Function>, Vec<StatusError>), StatusError> {
    let lookups = names.iter().flat_map(|name| {
        let arn_region = name
            .starts_with("arn:")
            .then(|| name.split(':').nth(3).unwrap_or_default().to_owned());
        let regions: Vec<String> = arn_region.map_or_else(|| regions.to_vec(), |r| vec![r]);
        regions.into_iter().map(move |region| (name.clone(), region))
    });
    let found = futures_util::future::join_all(lookups.map(|(name, region)| async move {
        let got = get(session, &name, &region, limit).await;
        progress.listed(usize::from(matches!(got, Ok(Some(_)))));
        (name, region, got)
    }))
    .await;
    let mut out: BTreeMap<String, Function> = BTreeMap::new();
    let mut seen: BTreeMap<&str, bool> = names.iter().map(|n| (n.as_str(), false)).collect();
    for (name, _, got) in &found {
        if let Some(f) = got.as_ref().map_err(Clone::clone)? {
            seen.insert(name, true);
            out.insert(f.arn.clone(), f.clone());
        }
    }
    let missing = seen
        .iter()
        .filter(|(_, found)| !**found)
        .map(|(name, _)| StatusError::NotFound {
            name: (*name).to_owned(),
            regions: regions.join(", "),
        })
        .collect();
    Ok((out.into_values().collect(), missing))
}

async fn get(
    session: &Session,
    name: &str,
    region: &str,
    limit: &Limit,
) -> Result<Option<Function>, StatusError> {
    match limit
        .run(session.lambda(region).get_function().function_name(name).send())
        .await
    {
        Ok(out) => Ok(out.configuration().map(|c| {
            let stack = out.tags().and_then(|t| t.get(STACK_TAG)).cloned();
            listed(c, stack)
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(StatusError::Get {
            name: name.to_owned(),
            region: region.to_owned(),
            error: what_to_do(&e, "lambda:GetFunction", session.endpoint_of("LAMBDA", region)),
        }),
    }
}
