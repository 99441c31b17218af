//! What `status` looks up beyond the functions (feature `aws`): each distinct role once
//! (its attached policies, and its inline policies only when the managed one is missing),
//! and each distinct group once, in its own region.

use super::assess::{GroupPresence, GroupRef, RoleAccess, Unread};
use super::calls::{Limit, unread};
use super::policy;
use crate::session::Session;
use lambda_profiling_macro::agent;
use lambda_profiling_switch::iam::{Listing, attached_policies};

/// Whether role `name` lets the agent report (`iam` at `endpoint`).
pub(crate) async fn role(iam: &aws_sdk_iam::Client, endpoint: &str, name: &str, limit: &Limit) -> RoleAccess {
    match limit.run(attached_policies(iam, name)).await {
        Ok(None) => return RoleAccess::Missing,
        Ok(Some(arns)) if arns.iter().any(|arn| agent::is_policy_name(arn)) => return RoleAccess::Granted,
        Ok(Some(_)) => {}
        Err(Listing::Aws(e)) => return RoleAccess::Unreadable(unread(&e, endpoint.to_owned())),
        Err(Listing::RepeatedMarker) => {
            return RoleAccess::Unreadable(Unread {
                said: "IAM answered the same Marker twice".into(),
                denied: false,
                endpoint: endpoint.to_owned(),
            });
        }
    }
    inline(iam, endpoint, name, limit).await
}

/// The role's inline policies: one of them may allow the agent's calls (CDK's way).
async fn inline(iam: &aws_sdk_iam::Client, endpoint: &str, role: &str, limit: &Limit) -> RoleAccess {
    let mut names = Vec::new();
    let mut pages = iam.list_role_policies().role_name(role).into_paginator().send();
    while let Some(page) = limit.run(pages.next()).await {
        match page {
            Ok(page) => names.extend(page.policy_names().iter().cloned()),
            Err(e) => return RoleAccess::Unreadable(unread(&e, endpoint.to_owned())),
        }
    }
    for policy_name in names {
        match limit
            .run(
                iam.get_role_policy()
                    .role_name(role)
                    .policy_name(&policy_name)
                    .send(),
            )
            .await
        {
            Ok(out) if policy::grants_agent(out.policy_document()) => return RoleAccess::Granted,
            Ok(_) => {}
            Err(e) => return RoleAccess::Unreadable(unread(&e, endpoint.to_owned())),
        }
    }
    RoleAccess::Lacks
}

/// Whether group `g` exists, asked in its region.
pub(crate) async fn group(session: &Session, g: &GroupRef, limit: &Limit) -> GroupPresence {
    let codeguru = session.codeguru(&g.region);
    match limit
        .run(
            codeguru
                .describe_profiling_group()
                .profiling_group_name(&g.name)
                .send(),
        )
        .await
    {
        Ok(_) => GroupPresence::Exists,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            GroupPresence::Missing
        }
        Err(e) => GroupPresence::Unreadable(unread(&e, session.endpoint_of("CODEGURUPROFILER", &g.region))),
    }
}
