//! Role mode: a role the stack does not own holds the agent policy while the resource
//! exists (SPEC §3.1 `RoleArn`). The role's calls are [`super::role`]'s, which function
//! mode shares; this file is what role mode does with them.

use std::collections::BTreeMap;

use super::error::{Result, undo_failed_create};
use super::ledger;
use super::outcome::{Done, StackResource};
use super::request::role_name;
use super::role;
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

/// Create and Update: records this resource's reference on the role and attaches the
/// policy if needed. `previous` is the physical id an Update had: the same role keeps
/// the reference its Create made, even when this attempt fails.
pub(crate) async fn enable(
    clients: &Clients,
    resource: &StackResource<'_>,
    role: &str,
    previous: Option<&str>,
) -> Result<Done> {
    let physical_id = physical_id(role);
    let key = ledger::ref_key(resource.stack_id, resource.logical_id, &physical_id);
    let state = role::read(clients, role, false).await?;
    if let Err(e) = role::acquire(clients, role, &state, &key, "role".into()).await {
        if previous != Some(physical_id.as_str()) {
            let undone = role::release(clients, role, &key).await;
            return Err(undo_failed_create(e, undone));
        }
        return Err(e);
    }
    let data = BTreeMap::from([("RoleName".to_owned(), role.to_owned())]);
    Ok(Done { physical_id, data })
}

/// Delete: drops the reference; the policy goes with the last one, if ours.
pub(crate) async fn disable(clients: &Clients, resource: &StackResource<'_>, role: &str) -> Result<()> {
    let key = ledger::ref_key(resource.stack_id, resource.logical_id, &physical_id(role));
    role::release(clients, role, &key).await
}
