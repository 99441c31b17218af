//! Role mode: a role the stack does not own holds the agent policy while the resource
//! exists (SPEC §3.1 `RoleArn`). The role's reference is [`super::references`]'s, which
//! function mode shares; this file is what role mode does with it.

use std::collections::BTreeMap;
use std::time::Instant;

use super::error::{Result, undo_failed_create};
use super::ledger;
use super::outcome::{Done, StackResource};
use super::references::{self, Holder, Subject};
use super::request::role_name;
use crate::aws::Clients;

/// `role:<role name>`.
pub(crate) fn physical_id(role: &str) -> String {
    format!("role:{role}")
}

/// The role a physical id of this mode names, if it is one.
pub(crate) fn role_of(physical_id: &str) -> Option<&str> {
    physical_id
        .strip_prefix("role:")
        .filter(|name| role_name(name).is_ok())
}

fn holder<'a>(resource: &'a StackResource<'a>, role: &'a str, deadline: Instant) -> Holder<'a> {
    let id = ledger::reference_id(resource.stack_id, resource.logical_id, &physical_id(role));
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
pub(crate) async fn enable(
    clients: &Clients,
    resource: &StackResource<'_>,
    role: &str,
    previous: Option<&str>,
    deadline: Instant,
) -> Result<Done> {
    let physical_id = physical_id(role);
    let holder = holder(resource, role, deadline);
    let update = previous == Some(physical_id.as_str());
    if let Err(failed) = references::join(clients, &holder, update).await {
        if !update && failed.held {
            let undone = references::leave(clients, &holder).await;
            return Err(undo_failed_create(failed.error, undone));
        }
        return Err(failed.error);
    }
    let data = BTreeMap::from([("RoleName".to_owned(), role.to_owned())]);
    Ok(Done { physical_id, data })
}

/// Delete: drops the reference; the policy goes with the last one, if ours.
pub(crate) async fn disable(
    clients: &Clients,
    resource: &StackResource<'_>,
    role: &str,
    deadline: Instant,
) -> Result<()> {
    references::leave(clients, &holder(resource, role, deadline)).await
}

/// The Delete of an id CloudFormation invented for a Create that never answered (it died
/// or timed out): releases the reference that Create may have added to the role.
pub(crate) async fn disable_unanswered(
    clients: &Clients,
    resource: &StackResource<'_>,
    role: &str,
    deadline: Instant,
) -> Result<()> {
    references::leave_if_held(clients, &holder(resource, role, deadline)).await
}
