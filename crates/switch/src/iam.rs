//! The IAM calls on a role, shared by role mode and function mode through the references'
//! protocol ([`crate::references`]), which decides when to make them. A role that does not
//! exist is `None`, never an error: what that means depends on the operation.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::operation::list_attached_role_policies::{
    ListAttachedRolePoliciesError, ListAttachedRolePoliciesOutput,
};
use aws_sdk_iam::operation::list_role_tags::ListRoleTagsOutput;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::http::Response as HttpResponse;

use crate::aws::{Clients, repeated};
use crate::error::{Error, Result};
use crate::message::Advice;
use crate::say;
use lambda_profiling_macro::agent;

fn policy_arn(clients: &Clients) -> String {
    agent::policy_arn(agent::partition(&clients.region))
}

pub(crate) fn missing_role(role: &str) -> Error {
    Error::Invalid(say![format!("role {role} does not exist: "), Advice::CheckRole])
}

/// The role's name as IAM spells it. IAM's names are case-insensitive (`MyRole` and
/// `myrole` are one role, whichever a template wrote), so the role's record is keyed by
/// this spelling: one record per role. `None`: no such role.
pub(crate) async fn canonical_name(clients: &Clients, role: &str) -> Result<Option<String>> {
    match clients.iam.get_role().role_name(role).send().await {
        Ok(out) => Ok(Some(out.role().map_or(role, |r| r.role_name()).to_owned())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(Error::aws("iam:GetRole", role, e)),
    }
}

/// The role's name as IAM spells it, or as given when the role is gone (a Delete still
/// releases its reference).
pub(crate) async fn canonical_or_given(clients: &Clients, role: &str) -> Result<String> {
    Ok(canonical_name(clients, role)
        .await?
        .unwrap_or_else(|| role.to_owned()))
}

/// `None` when the role does not exist.
pub(crate) async fn is_attached(clients: &Clients, role: &str) -> Result<Option<bool>> {
    let arn = policy_arn(clients);
    let attached = attached_policies(&clients.iam, role).await;
    let attached = attached.map_err(|e| listing_error("iam:ListAttachedRolePolicies", role, e))?;
    Ok(attached.map(|arns| arns.contains(&arn)))
}

/// Why a listing of a role's came back incomplete.
#[derive(Debug)]
pub enum Listing<E> {
    Aws(Box<SdkError<E, HttpResponse>>),
    /// IAM answered the same Marker twice: ending there could hide an item.
    RepeatedMarker,
}

/// Every page of a listing of `role`'s (`marker` reads a page's Marker); `None`: no such role.
async fn role_pages<O, E>(
    mut pages: PaginationStream<std::result::Result<O, SdkError<E, HttpResponse>>>,
    marker: fn(&O) -> Option<&str>,
    no_role: fn(&E) -> bool,
) -> std::result::Result<Option<Vec<O>>, Listing<E>> {
    let (mut all, mut last) = (Vec::new(), None);
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) if e.as_service_error().is_some_and(no_role) => return Ok(None),
            Err(e) => return Err(Listing::Aws(Box::new(e))),
        };
        if repeated(&mut last, marker(&page)) {
            return Err(Listing::RepeatedMarker);
        }
        all.push(page);
    }
    Ok(Some(all))
}

/// The ARNs of the managed policies attached to `role`, every page; `None`: no such role.
/// The command line's `status` reads roles with it too.
pub async fn attached_policies(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> std::result::Result<Option<Vec<String>>, Listing<ListAttachedRolePoliciesError>> {
    let list = iam.list_attached_role_policies().role_name(role).into_paginator();
    let pages = role_pages(
        list.stop_on_duplicate_token(false).send(),
        |page| page.marker(),
        |e| e.is_no_such_entity_exception(),
    );
    let arns = |pages: Vec<ListAttachedRolePoliciesOutput>| {
        let attached = pages.iter().flat_map(|page| page.attached_policies());
        attached
            .filter_map(|p| p.policy_arn())
            .map(str::to_owned)
            .collect()
    };
    Ok(pages.await?.map(arns))
}

/// All tags of a role; `None` when the role does not exist.
pub(crate) async fn list_tags(clients: &Clients, role: &str) -> Result<Option<HashMap<String, String>>> {
    let list = clients.iam.list_role_tags().role_name(role).into_paginator();
    let pages = role_pages(
        list.stop_on_duplicate_token(false).send(),
        |page| page.marker(),
        |e| e.is_no_such_entity_exception(),
    );
    let tags = |pages: Vec<ListRoleTagsOutput>| {
        let tags = pages.iter().flat_map(|page| page.tags());
        tags.map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
    };
    Ok(pages
        .await
        .map_err(|e| listing_error("iam:ListRoleTags", role, e))?
        .map(tags))
}

fn listing_error<E>(call: &'static str, role: &str, e: Listing<E>) -> Error
where
    E: aws_sdk_iam::error::ProvideErrorMetadata,
{
    match e {
        Listing::Aws(e) => Error::aws(call, role, *e),
        Listing::RepeatedMarker => Error::blocked(format!(
            "IAM answered the same Marker twice while reading role {role} ({call}): nothing was changed; retry"
        )),
    }
}

/// Attaches the agent policy (idempotent). `None`: the role does not exist. `sharing` is
/// how many resources share the role, for the reason of a quota error.
pub(crate) async fn attach(clients: &Clients, role: &str, sharing: usize) -> Result<Option<()>> {
    let sent = clients
        .iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn(clients))
        .send()
        .await;
    let Err(e) = sent else { return Ok(Some(())) };
    let service = e.as_service_error();
    if service.is_some_and(|s| s.is_no_such_entity_exception()) {
        return Ok(None);
    }
    if service.is_some_and(|s| s.is_limit_exceeded_exception()) {
        return Err(Error::blocked(format!(
            "iam:AttachRolePolicy on {role} failed: the role already has the most managed policies it may have \
             (IAM quota \"Managed policies per role\", 10 by default, adjustable to 25 in Service Quotas); \
             {sharing} lambda-profiling resource(s) share this role. Detach a policy from the role or raise the quota, then retry"
        )));
    }
    if service.is_some_and(|s| s.is_unmodifiable_entity_exception()) {
        return Err(Error::blocked(format!(
            "role {role} is a service-linked role: its policies cannot be changed; give the functions another execution role"
        )));
    }
    if service.is_some_and(|s| s.is_policy_not_attachable_exception()) {
        return Err(Error::blocked(format!(
            "the agent policy {} cannot be attached to {role} in this partition",
            policy_arn(clients)
        )));
    }
    Err(Error::aws("iam:AttachRolePolicy", role, e))
}

/// Detaches the agent policy. Already detached, or the role gone, is done.
pub(crate) async fn detach(clients: &Clients, role: &str) -> Result<()> {
    let sent = clients
        .iam
        .detach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn(clients))
        .send()
        .await;
    match sent {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(Error::aws("iam:DetachRolePolicy", role, e)),
    }
}

/// IAM takes at most 50 keys per UntagRole.
const UNTAG_BATCH: usize = 50;
const UNTAG_ATTEMPTS: u32 = 5;

/// Removes tags (absent keys and a gone role are fine); a concurrent change of the role's
/// tags is retried.
pub(crate) async fn untag(clients: &Clients, role: &str, keys: &[String]) -> Result<()> {
    for batch in keys.chunks(UNTAG_BATCH) {
        let mut pause = Duration::from_millis(200);
        for attempt in 1..=UNTAG_ATTEMPTS {
            let sent = clients
                .iam
                .untag_role()
                .role_name(role)
                .set_tag_keys(Some(batch.to_vec()))
                .send()
                .await;
            let Err(e) = sent else { break };
            let service = e.as_service_error();
            if service.is_some_and(|s| s.is_no_such_entity_exception()) {
                return Ok(());
            }
            if !service.is_some_and(|s| s.is_concurrent_modification_exception()) || attempt == UNTAG_ATTEMPTS
            {
                return Err(Error::aws("iam:UntagRole", role, e));
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput;
    use aws_sdk_iam::types::AttachedPolicy;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::{Listing, attached_policies};

    fn page(arn: &str, marker: Option<&str>) -> ListAttachedRolePoliciesOutput {
        let policy = AttachedPolicy::builder().policy_arn(arn).build();
        let out = ListAttachedRolePoliciesOutput::builder().attached_policies(policy);
        out.is_truncated(marker.is_some())
            .set_marker(marker.map(str::to_owned))
            .build()
    }

    /// Every page is read; a Marker answered twice is an incomplete answer, never the end
    /// (the policy could be on a page not read).
    #[tokio::test]
    async fn every_page_is_read_and_a_repeated_marker_is_not_the_end() {
        let paged = [
            mock!(aws_sdk_iam::Client::list_attached_role_policies).then_output(|| page("a", Some("m1"))),
            mock!(aws_sdk_iam::Client::list_attached_role_policies).then_output(|| page("b", None)),
        ];
        let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, &paged);
        let arns = attached_policies(&iam, "r").await.expect("read").expect("a role");
        assert_eq!(arns, ["a", "b"]);

        let repeating = [
            mock!(aws_sdk_iam::Client::list_attached_role_policies).then_output(|| page("a", Some("m1"))),
            mock!(aws_sdk_iam::Client::list_attached_role_policies).then_output(|| page("b", Some("m1"))),
        ];
        let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, &repeating);
        let read = attached_policies(&iam, "r").await;
        assert!(matches!(read, Err(Listing::RepeatedMarker)), "{read:?}");
    }
}
