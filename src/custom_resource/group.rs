//! The profiling group of function mode: created when missing (and tagged with its owner),
//! adopted when it exists, deleted only by the resource that created it.
//!
//! Two tags mark a group this resource created: the owner (`<StackId>/<LogicalResourceId>`)
//! and the function it serves. A replacement (same logical id, new function, same group
//! name) finds the group owned by its own logical id and moves the function tag to the
//! new function, so CloudFormation's Delete of the old function keeps the group.

use aws_sdk_codeguruprofiler::types::ComputePlatform;

use super::error::{Error, Result};
use super::ledger::{FUNCTION_KEY, OWNER_KEY};
use crate::aws::Clients;
use lambda_profiling_macro::agent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub name: String,
    pub arn: String,
}

/// Who a created group belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owner<'a> {
    /// The owner tag's value, from [`super::ledger::owner_value`].
    pub resource: &'a str,
    pub function_arn: &'a str,
}

/// Creates the group, or adopts it when it already exists. One call when the group is
/// new; the ARN of an existing group in this account and region is known without asking.
pub(crate) async fn ensure(clients: &Clients, name: &str, account: &str, owner: Owner<'_>) -> Result<Group> {
    let created = clients
        .codeguru
        .create_profiling_group()
        .profiling_group_name(name)
        .compute_platform(ComputePlatform::Awslambda)
        .tags(OWNER_KEY, owner.resource)
        .tags(FUNCTION_KEY, owner.function_arn)
        .send()
        .await;
    let group = |arn: Option<&str>| Group {
        name: name.to_owned(),
        arn: arn.map_or_else(|| agent::group_arn(&clients.region, account, name), str::to_owned),
    };
    match created {
        Ok(out) => Ok(group(out.profiling_group().and_then(|g| g.arn()))),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_conflict_exception()) => {
            let group = group(None);
            let tags = list_tags(clients, &group).await?.unwrap_or_default();
            if tags.get(OWNER_KEY).map(String::as_str) == Some(owner.resource)
                && tags.get(FUNCTION_KEY).map(String::as_str) != Some(owner.function_arn)
            {
                // Ours from before a replacement: it now serves the new function.
                clients
                    .codeguru
                    .tag_resource()
                    .resource_arn(&group.arn)
                    .tags(FUNCTION_KEY, owner.function_arn)
                    .send()
                    .await
                    .map_err(|e| Error::aws("codeguru-profiler:TagResource", name, e))?;
            } else {
                tracing::debug!(group = name, "profiling group exists: adopted");
            }
            Ok(group)
        }
        Err(e) => Err(Error::aws("codeguru-profiler:CreateProfilingGroup", name, e)),
    }
}

async fn list_tags(
    clients: &Clients,
    group: &Group,
) -> Result<Option<std::collections::HashMap<String, String>>> {
    match clients
        .codeguru
        .list_tags_for_resource()
        .resource_arn(&group.arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.tags().cloned().unwrap_or_default())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(Error::aws(
            "codeguru-profiler:ListTagsForResource",
            &group.name,
            e,
        )),
    }
}

/// Whether the group exists and this resource created it for this function (for a plan;
/// [`delete_if_owned`] asks again when it acts).
pub(crate) async fn owned(clients: &Clients, group: &Group, owner: Owner<'_>) -> Result<Ownership> {
    Ok(match list_tags(clients, group).await? {
        None => Ownership::Missing,
        Some(tags) if is_ours(&tags, owner) => Ownership::Ours,
        Some(_) => Ownership::Others,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ownership {
    Missing,
    Ours,
    Others,
}

fn is_ours(tags: &std::collections::HashMap<String, String>, owner: Owner<'_>) -> bool {
    tags.get(OWNER_KEY).map(String::as_str) == Some(owner.resource)
        && tags.get(FUNCTION_KEY).is_none_or(|f| f == owner.function_arn)
}

/// Deletes the group if this resource created it for this function. Gone is success.
pub(crate) async fn delete_if_owned(clients: &Clients, group: &Group, owner: Owner<'_>) -> Result<bool> {
    let Some(tags) = list_tags(clients, group).await? else {
        return Ok(false);
    };
    if !is_ours(&tags, owner) {
        tracing::debug!(group = %group.name, "profiling group not created by this resource for this function: kept");
        return Ok(false);
    }
    match clients
        .codeguru
        .delete_profiling_group()
        .profiling_group_name(&group.name)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(Error::aws(
            "codeguru-profiler:DeleteProfilingGroup",
            &group.name,
            e,
        )),
    }
}
