//! The calls on a profiling group, which the references protocol
//! ([`crate::references`]) decides when to make: a group function mode uses has a record of
//! its users, like a role, and is created when missing and deleted with its last user, only
//! if lambda-profiling created it.
//!
//! A group lambda-profiling creates carries an owner tag (`<StackId>/<LogicalResourceId>` of
//! the resource that created it), so that a person can tell where it came from, and a
//! records tag; versions before the group records decided from the owner tag alone which
//! resource deletes a group, and a group without the records tag is held for its creator.

use std::collections::HashMap;

use aws_sdk_codeguruprofiler::types::ComputePlatform;

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::references::ledger::{OWNER_KEY, RECORDS_KEY, RECORDS_VALUE};
use lambda_profiling_macro::agent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub name: String,
    pub arn: String,
}

impl Group {
    /// The group of this name in `region` of `account`.
    pub(crate) fn named(name: &str, region: &str, account: &str) -> Group {
        Group {
            name: name.to_owned(),
            arn: agent::group_arn(region, account, name),
        }
    }

    /// The group an ARN names.
    pub(crate) fn from_arn(arn: &str) -> Option<Group> {
        agent::parse_group_arn(arn).map(|g| Group {
            name: g.name.to_owned(),
            arn: arn.to_owned(),
        })
    }
}

/// Whether function mode keeps a record of `group_arn`'s users for the function: a group
/// in the function's region and account, which it can create and delete. (A group the
/// function's own variables name in another region or account is used as it is.)
pub(crate) fn joins(group_arn: &str, function_arn: &str) -> bool {
    let here = |arn: &str| {
        let mut parts = arn.split(':').skip(3);
        (parts.next().map(str::to_owned), parts.next().map(str::to_owned))
    };
    Group::from_arn(group_arn).is_some() && here(group_arn) == here(function_arn)
}

/// Creates the group (`ComputePlatform: AWSLambda`) with its owner tag and the tag that
/// says its users are in the records; one that exists already is fine.
pub(crate) async fn create(clients: &Clients, group: &Group, owner: &str) -> Result<()> {
    let created = clients
        .codeguru
        .create_profiling_group()
        .profiling_group_name(&group.name)
        .compute_platform(ComputePlatform::Awslambda)
        .tags(OWNER_KEY, owner)
        .tags(RECORDS_KEY, RECORDS_VALUE)
        .send()
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_conflict_exception()) => {
            tracing::debug!(group = %group.name, "profiling group exists");
            Ok(())
        }
        Err(e) => Err(Error::aws(
            "codeguru-profiler:CreateProfilingGroup",
            &group.name,
            e,
        )),
    }
}

/// The group's tags; `None` when it does not exist.
pub(crate) async fn tags(clients: &Clients, group: &Group) -> Result<Option<HashMap<String, String>>> {
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

/// Deletes the group; one that is gone already is fine.
pub(crate) async fn delete(clients: &Clients, group: &Group) -> Result<()> {
    match clients
        .codeguru
        .delete_profiling_group()
        .profiling_group_name(&group.name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(Error::aws(
            "codeguru-profiler:DeleteProfilingGroup",
            &group.name,
            e,
        )),
    }
}
