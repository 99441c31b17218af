//! The managed policy on a role, shared by role mode and function mode.
//!
//! Attaching is idempotent; the reference count lives in role tags (see [`super::ledger`]).
//! Detaching happens only when no reference remains and lambda-profiling was the one
//! that attached the policy, so a role that held it before keeps it.

use std::collections::HashMap;

use aws_sdk_iam::types::Tag;

use super::error::{Error, Result};
use super::ledger::{self, Ledger};
use crate::aws::Clients;
use lambda_profiling_macro::agent;

/// What a role holds now.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleState {
    pub attached: bool,
    /// All of the role's tags; read only when the caller needs a ledger.
    pub tags: HashMap<String, String>,
}

impl RoleState {
    pub(crate) fn ledger(&self, key: &str) -> Option<Ledger> {
        self.tags.get(key).map(|v| Ledger::decode(v))
    }
}

fn policy_arn(clients: &Clients) -> String {
    agent::policy_arn(agent::partition(&clients.region))
}

fn missing_role(role: &str) -> Error {
    Error::Invalid(format!(
        "role {role} does not exist: check RoleArn, or the function's execution role"
    ))
}

/// Reads whether the policy is attached and, if `with_tags`, the role's tags, concurrently.
/// A missing role is an error: there is nothing to enable.
pub(crate) async fn read(clients: &Clients, role: &str, with_tags: bool) -> Result<RoleState> {
    let tags = async {
        if with_tags {
            list_tags(clients, role).await.map(Option::unwrap_or_default)
        } else {
            Ok(HashMap::new())
        }
    };
    let (attached, tags) = tokio::join!(is_attached(clients, role), tags);
    match (attached?, tags?) {
        (Some(attached), tags) => Ok(RoleState { attached, tags }),
        (None, _) => Err(missing_role(role)),
    }
}

/// `None` when the role does not exist.
async fn is_attached(clients: &Clients, role: &str) -> Result<Option<bool>> {
    let arn = policy_arn(clients);
    let mut marker = None;
    loop {
        let page = match clients
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
        {
            Ok(page) => page,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(Error::aws("iam:ListAttachedRolePolicies", role, e)),
        };
        if page
            .attached_policies()
            .iter()
            .any(|p| p.policy_arn() == Some(arn.as_str()))
        {
            return Ok(Some(true));
        }
        match page.marker() {
            Some(m) if page.is_truncated() => marker = Some(m.to_owned()),
            _ => return Ok(Some(false)),
        }
    }
}

/// All tags of a role; `None` when the role does not exist.
pub(crate) async fn list_tags(clients: &Clients, role: &str) -> Result<Option<HashMap<String, String>>> {
    let mut tags = HashMap::new();
    let mut marker = None;
    loop {
        let page = match clients
            .iam
            .list_role_tags()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
        {
            Ok(page) => page,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(Error::aws("iam:ListRoleTags", role, e)),
        };
        tags.extend(
            page.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned())),
        );
        match page.marker() {
            Some(m) if page.is_truncated() => marker = Some(m.to_owned()),
            _ => return Ok(Some(tags)),
        }
    }
}

/// Records this resource's reference (with its ledger) and attaches the policy if needed.
/// The tags go first, so a failure after them never leaves an unrecorded attachment.
pub(crate) async fn acquire(
    clients: &Clients,
    role: &str,
    state: &RoleState,
    key: &str,
    value: String,
) -> Result<()> {
    let mut tags = Vec::with_capacity(2);
    if state.tags.get(key) != Some(&value) {
        tags.push(tag(key, &value));
    }
    if !state.attached
        && state
            .tags
            .get(ledger::ATTACHED_KEY)
            .is_none_or(|v| v != ledger::ATTACHED_VALUE)
    {
        tags.push(tag(ledger::ATTACHED_KEY, ledger::ATTACHED_VALUE));
    }
    if !tags.is_empty() {
        match clients
            .iam
            .tag_role()
            .role_name(role)
            .set_tags(Some(tags))
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                return Err(missing_role(role));
            }
            Err(e) => return Err(Error::aws("iam:TagRole", role, e)),
        }
    }
    if !state.attached {
        match clients
            .iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn(clients))
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                return Err(missing_role(role));
            }
            Err(e) => return Err(Error::aws("iam:AttachRolePolicy", role, e)),
        }
    }
    Ok(())
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}

/// Drops this resource's reference; detaches the policy when it was the last one and
/// lambda-profiling attached it. A role that is gone is success.
pub(crate) async fn release(clients: &Clients, role: &str, key: &str) -> Result<()> {
    match clients
        .iam
        .untag_role()
        .role_name(role)
        .tag_keys(key)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            return Ok(());
        }
        Err(e) => return Err(Error::aws("iam:UntagRole", role, e)),
    }
    // Read after untagging: two resources deleted at once then both see zero references.
    let Some(tags) = list_tags(clients, role).await? else {
        return Ok(());
    };
    let others = tags.keys().filter(|k| k.starts_with(ledger::REF_PREFIX)).count();
    let ours = tags
        .get(ledger::ATTACHED_KEY)
        .is_some_and(|v| v == ledger::ATTACHED_VALUE);
    if others > 0 || !ours {
        return Ok(());
    }
    match clients
        .iam
        .detach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn(clients))
        .send()
        .await
    {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) => {}
        Err(e) => return Err(Error::aws("iam:DetachRolePolicy", role, e)),
    }
    match clients
        .iam
        .untag_role()
        .role_name(role)
        .tag_keys(ledger::ATTACHED_KEY)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(Error::aws("iam:UntagRole", role, e)),
    }
}
