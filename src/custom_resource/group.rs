//! The profiling group of function mode: created when missing (and tagged with its owner),
//! adopted when it exists, deleted only by the resource that created it.

use aws_sdk_codeguruprofiler::types::ComputePlatform;

use super::error::{Error, Result};
use super::ledger::OWNER_KEY;
use crate::agent;
use crate::aws::Clients;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub arn: String,
}

/// Creates the group, or adopts it when it already exists (one call either way: the
/// ARN of an existing group in this account and region is known without asking).
pub async fn ensure(clients: &Clients, name: &str, account: &str, owner: &str) -> Result<Group> {
    let created = clients
        .codeguru
        .create_profiling_group()
        .profiling_group_name(name)
        .compute_platform(ComputePlatform::Awslambda)
        .tags(OWNER_KEY, owner)
        .send()
        .await;
    let known_arn = || agent::group_arn(&clients.region, account, name);
    match created {
        Ok(out) => Ok(Group {
            name: name.to_owned(),
            arn: out
                .profiling_group()
                .and_then(|g| g.arn())
                .map_or_else(known_arn, str::to_owned),
        }),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_conflict_exception()) => {
            tracing::info!(
                group = name,
                "profiling group exists: adopted, and left in place on delete"
            );
            Ok(Group {
                name: name.to_owned(),
                arn: known_arn(),
            })
        }
        Err(e) => Err(Error::aws("codeguru-profiler:CreateProfilingGroup", name, e)),
    }
}

/// Deletes the group if its owner tag names this resource. A group that is gone is success.
pub async fn delete_if_owned(clients: &Clients, group: &Group, owner: &str) -> Result<bool> {
    let tags = match clients
        .codeguru
        .list_tags_for_resource()
        .resource_arn(&group.arn)
        .send()
        .await
    {
        Ok(out) => out.tags().cloned().unwrap_or_default(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(false);
        }
        Err(e) => {
            return Err(Error::aws(
                "codeguru-profiler:ListTagsForResource",
                &group.name,
                e,
            ));
        }
    };
    if tags.get(OWNER_KEY).map(String::as_str) != Some(owner) {
        tracing::info!(group = %group.name, "profiling group not created by this resource: kept");
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
