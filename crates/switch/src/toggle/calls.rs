//! The calls only the command line's `enable` and `disable` make: a function's stack tag,
//! and the other functions of the region that profile into a group (which the caller's
//! own credentials may list; the Lambda's role may not read every function's variables).

use crate::aws::{Clients, repeated};
use crate::error::{Error, Result};
use crate::group::Group;
use lambda_profiling_macro::agent::env;

/// The stack that owns the function: its `aws:cloudformation:stack-name` tag.
pub(crate) async fn stack_of(clients: &Clients, arn: &str) -> Result<Option<String>> {
    let out = clients.lambda.list_tags().resource(arn).send().await;
    let out = out.map_err(|e| Error::aws("lambda:ListTags", arn, e))?;
    Ok(out
        .tags()
        .and_then(|t| t.get("aws:cloudformation:stack-name"))
        .cloned())
}

/// Another function of this region whose variables name `group` (by ARN, or by name
/// without an ARN), if any, by its ARN: a group still in use is not deleted. Pages of 50.
pub(crate) async fn other_user(clients: &Clients, group: &Group, except_arn: &str) -> Result<Option<String>> {
    let list = clients.lambda.list_functions().into_paginator().page_size(50);
    let mut pages = list.stop_on_duplicate_token(false).send();
    let mut marker = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("lambda:ListFunctions", &clients.region, e))?;
        // Ending at a repeated marker could miss a user of the group, and delete it under them.
        if repeated(&mut marker, page.next_marker()) {
            return Err(Error::blocked(format!(
                "Lambda answered the same NextMarker twice while listing the functions of {}: nothing was \
                 changed; run it again later",
                clients.region
            )));
        }
        for f in page.functions() {
            let vars = f.environment().and_then(|e| e.variables());
            let uses = vars.is_some_and(|v| match v.get(env::GROUP_ARN) {
                Some(arn) => *arn == group.arn,
                None => v.get(env::GROUP_NAME) == Some(&group.name),
            });
            match f.function_arn() {
                Some(arn) if uses && arn != except_arn => return Ok(Some(arn.to_owned())),
                _ => {}
            }
        }
    }
    Ok(None)
}
