//! Role mode: a role the stack does not own holds the agent policy while the resource
//! exists (contract §3.1 `RoleArn`). The role's reference is [`crate::references`]'s, which
//! function mode shares; this file is what role mode does with it.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::aws::Clients;
use crate::error::{Error, Result, undo_failed_create};
use crate::iam;
use crate::message::Input;
use crate::properties::role_name;
use crate::references::ledger;
use crate::references::{self, Holder, Subject};
use crate::resource::{Done, StackResource};
use crate::say;

/// `role:<role name>`.
pub fn physical_id(role: &str) -> String {
    format!("role:{role}")
}

/// The role a physical id of this mode names, if it is one.
pub fn role_of(physical_id: &str) -> Option<&str> {
    physical_id
        .strip_prefix("role:")
        .filter(|name| role_name(name).is_ok())
}

/// The resource's reference (its id from the role as given, as its physical id) on the
/// role's record (by the role's own spelling).
fn holder<'a>(resource: &'a StackResource<'a>, given: &str, role: &'a str, deadline: Instant) -> Holder<'a> {
    let id = ledger::reference_id(resource.stack_id, resource.logical_id, &physical_id(given));
    Holder {
        subject: Subject::Role(role),
        id,
        resource,
        deadline,
        ledger: false,
        keep: false,
    }
}

/// Create and Update: records this resource's reference on the role and attaches the
/// policy. `previous` is the physical id an Update had: the same role keeps the reference
/// its Create made, even when this attempt fails.
pub async fn enable(
    clients: &Clients,
    resource: &StackResource<'_>,
    role: &str,
    previous: Option<&str>,
    deadline: Instant,
) -> Result<Done> {
    let physical_id = physical_id(role);
    let canonical = iam::canonical_name(clients, role)
        .await?
        .ok_or_else(|| iam::missing_role(role))?;
    let holder = holder(resource, role, &canonical, deadline);
    let update = previous == Some(physical_id.as_str());
    if let Err(failed) = references::join(clients, &holder, update).await {
        if !update && failed.held {
            let undone = references::leave(clients, &holder).await;
            return Err(undo_failed_create(failed.error, undone));
        }
        return Err(failed.error);
    }
    let data = BTreeMap::from([("RoleName".to_owned(), canonical)]);
    Ok(Done { physical_id, data })
}

/// A role ARN of another account or partition is refused: IAM acts in the account the
/// macro stack is deployed in, where a role of the same name would be another role.
pub fn check_home(resource: &StackResource<'_>, partition: &str, account: &str) -> Result<()> {
    let mut stack = resource.stack_id.splitn(6, ':');
    let (here_partition, here_account) = (stack.nth(1).unwrap_or_default(), stack.nth(2).unwrap_or_default());
    if (partition, account) == (here_partition, here_account) {
        return Ok(());
    }
    Err(Error::Invalid(say![
        Input::Role,
        format!(
            " names a role of account {account} in partition {partition}, but this stack is in account \
             {here_account} ({here_partition}), where lambda-profiling acts: give a role of this account, or \
             deploy the macro stack in account {account} and use it there"
        )
    ]))
}

/// How the Create of the reference a Delete releases ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// It answered: the physical id is the one it made.
    Answered,
    /// It never answered (it died or timed out) and CloudFormation invented the id: it
    /// may have added the reference, or not.
    Unanswered,
}

/// Delete: drops the reference; the policy goes with the last one, if ours.
pub async fn disable(
    clients: &Clients,
    resource: &StackResource<'_>,
    role: &str,
    created: Created,
    deadline: Instant,
) -> Result<()> {
    let canonical = iam::canonical_or_given(clients, role).await?;
    let held = holder(resource, role, &canonical, deadline);
    if created == Created::Unanswered {
        return references::leave_if_held(clients, &held).await;
    }
    if canonical != role {
        // An earlier version's reference, in the record of the role as the stack spells it:
        // it leaves that record (whose last leaver detaches only if no record of another
        // spelling still holds references, see `table::other_spellings_hold`).
        let earlier = holder(resource, role, role, deadline);
        if references::holds(clients, &earlier).await? {
            return references::leave(clients, &earlier).await;
        }
    }
    references::leave(clients, &held).await
}
