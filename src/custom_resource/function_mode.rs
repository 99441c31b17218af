//! Function mode: the console's "Code profiling" toggle, done at deploy time.
//!
//! Calls in a Create: GetFunctionConfiguration; the ledger item (GetItem; the old tag
//! reference, ListRoleTags, when there is none); CreateProfilingGroup ‖ the role's
//! reference ([`references::join`]: the ledger item first, then the role's record and
//! AttachRolePolicy); UpdateFunctionConfiguration; GetFunctionConfiguration while the
//! update is in progress.

use std::collections::BTreeMap;
use std::time::Instant;

use super::error::{Error, Result, undo_failed_create};
use super::function_calls::{read_settled, update};
use super::function_config::{self, Desired};
use super::group::{self, Group};
use super::ledger::{self, Ledger};
use super::outcome::{Done, StackResource};
use super::record::LedgerItem;
use super::references::{self, Holder};
use super::request::{Properties, Target};
use super::role;
use crate::aws::Clients;

/// `function:<function ARN>`.
pub(crate) fn physical_id(function_arn: &str) -> String {
    format!("function:{function_arn}")
}

/// The function ARN a physical id of this mode names, if it is one.
pub(crate) fn function_of(physical_id: &str) -> Option<&str> {
    physical_id
        .strip_prefix("function:")
        .filter(|arn| arn.starts_with("arn:") && arn.split(':').nth(5) == Some("function"))
}

/// Turns profiling on (Create, Update, replayed Create). On an Update, `old` is the
/// previous physical id and properties: if the function is the same, a group the old
/// properties named and this resource created is deleted once no longer used.
pub(crate) async fn enable(
    clients: &Clients,
    resource: &StackResource<'_>,
    props: &Properties,
    old: Option<(&str, &Properties)>,
    deadline: Instant,
) -> Result<Done> {
    let Target::Function { name } = &props.target else {
        return Err(Error::Invalid("function mode needs FunctionName".into()));
    };
    let snap = read_settled(clients, name)
        .await?
        .ok_or_else(|| Error::Invalid(format!("function {name} does not exist: check FunctionName")))?;
    let physical_id = physical_id(&snap.arn);
    let id = ledger::reference_id(resource.stack_id, resource.logical_id, &physical_id);
    let item = references::read_ledger(clients, id).await?;
    // The function was given another role since: the reference moves to the new one.
    let moved_from = item.as_ref().map(|i| i.role.clone()).filter(|r| *r != snap.role);
    let recorded_before = match &item {
        Some(item) => Some(Ledger::decode(&item.ledger)),
        None => legacy_ledger(clients, id, &snap.role).await?,
    };
    let previous = recorded_before.clone().unwrap_or_default();
    let desired = function_config::desired(&snap, props, &previous).map_err(Error::Unsupported)?;
    let change = function_config::enable(&snap, &desired, &previous).map_err(Error::Unsupported)?;
    let recorded = previous.union(&change.added);

    // A Create that fails after changing something undoes it: CloudFormation's Delete
    // of `failed-create:` ids does nothing. (Not on Update or replay: that would turn
    // off profiling that an earlier request turned on.)
    let fresh = recorded_before.is_none();
    let same_resource = old.is_some_and(|(id, _)| id == physical_id);
    let function_arn = snap.arn.clone();
    let role_name = snap.role.clone();
    let applied = async {
        // Independent: the group, and the policy reference on the role (recorded before
        // the function changes, so a failure in between never leaves an unrecorded change).
        let owner = ledger::owner_value(resource.stack_id, resource.logical_id);
        let ensure_group = async {
            if desired.users_group {
                Ok(desired.group.clone())
            } else {
                let owner = group::Owner {
                    resource: &owner,
                    function_arn: &function_arn,
                };
                group::ensure(clients, &desired.group.name, snap.account(), owner).await
            }
        };
        let item = LedgerItem {
            ledger: recorded.encode("function"),
            role: role_name.clone(),
            function: function_arn.clone(),
        };
        let holder = Holder {
            role: &role_name,
            id,
            resource,
            deadline,
            ledger: Some(&item),
        };
        let joined = async {
            let joined = references::join(clients, &holder, same_resource).await;
            joined.map_err(|failed| failed.error) // the undo below releases it whatever happened
        };
        let (group, acquired) = tokio::join!(ensure_group, joined);
        let group = group?;
        acquired?;

        // Re-plan with the group's ARN as the service returned it.
        let desired = Desired { group, ..desired };
        let change = function_config::enable(&snap, &desired, &previous).map_err(Error::Unsupported)?;
        let layers = update(clients, snap, change, |snap| {
            function_config::enable(snap, &desired, &recorded).map_err(Error::Unsupported)
        })
        .await?;
        Ok((layers, desired))
    };
    let (layers, desired) = match applied.await {
        Ok(applied) => applied,
        Err(e) if fresh && old.is_none_or(|(id, _)| id != physical_id) => {
            let undone = disable(clients, resource, &function_arn, Some(props), deadline).await;
            return Err(undo_failed_create(e, undone));
        }
        Err(e) => return Err(e),
    };
    // (A concurrent change may let the re-plan add more than first recorded; the ledger
    // then under-claims, which errs on the side of leaving things in place.)
    if let Some(old_role) = moved_from {
        let holder = Holder {
            role: &old_role,
            id,
            resource,
            deadline,
            ledger: None,
        };
        references::leave(clients, &holder).await?;
    }
    if let Some((_, old)) = old.filter(|(id, _)| *id == physical_id) {
        release_old_group(clients, resource, old, &desired, &function_arn).await;
    }
    let mut data = BTreeMap::new();
    data.insert(
        "LayerArn".into(),
        function_config::layer_in_effect(&layers, &desired),
    );
    data.insert("ProfilingGroupName".into(), desired.group.name.clone());
    data.insert("ProfilingGroupArn".into(), desired.group.arn.clone());
    data.insert("RoleName".into(), role_name);
    Ok(Done { physical_id, data })
}

/// On an Update that changed ProfilingGroupName, the old group goes if this resource made it.
async fn release_old_group(
    clients: &Clients,
    resource: &StackResource<'_>,
    old: &Properties,
    new: &Desired,
    function_arn: &str,
) {
    let function = function_arn.rsplit(':').next().unwrap_or_default();
    let old_name = old
        .group_name
        .clone()
        .unwrap_or_else(|| lambda_profiling_macro::agent::console_group_name(function));
    if new.users_group || old_name == new.group.name {
        return;
    }
    let Some(account) = new.group.arn.split(':').nth(4) else {
        return;
    };
    let old_group = Group {
        arn: lambda_profiling_macro::agent::group_arn(&clients.region, account, &old_name),
        name: old_name,
    };
    let resource = ledger::owner_value(resource.stack_id, resource.logical_id);
    let owner = group::Owner {
        resource: &resource,
        function_arn,
    };
    if let Err(e) = group::delete_if_owned(clients, &old_group, owner).await {
        tracing::warn!(group = %old_group.name, error = %e, "could not delete the previous profiling group; delete it by hand");
    }
}

/// Turns profiling off for `function_arn`: removes what the ledger says this resource
/// added, deletes the group it created, releases the policy reference on the role the
/// ledger item names. A function that is gone is success (its reference is still released).
pub(crate) async fn disable(
    clients: &Clients,
    resource: &StackResource<'_>,
    function_arn: &str,
    props: Option<&Properties>,
    deadline: Instant,
) -> Result<()> {
    disable_keeping(clients, resource, function_arn, props, deadline, false).await
}

/// [`disable`], keeping the group this resource created when `keep_group` (the command
/// line's `disable` found another function profiling into it).
pub(crate) async fn disable_keeping(
    clients: &Clients,
    resource: &StackResource<'_>,
    function_arn: &str,
    props: Option<&Properties>,
    deadline: Instant,
    keep_group: bool,
) -> Result<()> {
    let id = ledger::reference_id(resource.stack_id, resource.logical_id, &physical_id(function_arn));
    let (item, snap) = tokio::join!(
        references::read_ledger(clients, id),
        read_settled(clients, function_arn)
    );
    let (item, snap) = (item?, snap?);
    let Some(snap) = snap else {
        tracing::debug!("function is gone: nothing to undo on it");
        return match &item {
            Some(item) => release(clients, resource, id, &item.role, deadline).await,
            None => Ok(()),
        };
    };
    let role = item.as_ref().map_or(snap.role.clone(), |i| i.role.clone());
    let recorded = match item {
        Some(item) => Ledger::decode(&item.ledger),
        None => legacy_ledger(clients, id, &role).await?.unwrap_or_default(),
    };
    let fallback = Properties {
        target: Target::Function {
            name: snap.arn.clone(),
        },
        group_name: None,
        layer_version: None,
        layer_arn: None,
        heap_summary: false,
    };
    let props = props.unwrap_or(&fallback);
    let desired = match function_config::desired(&snap, props, &recorded) {
        Ok(d) => Some(d),
        Err(why) => {
            tracing::warn!(reason = %why, "cannot tell the agent's values apart; leaving the function as it is");
            None
        }
    };
    if let Some(d) = &desired {
        let change = function_config::disable(&snap, d, &recorded);
        update(clients, snap.clone(), change, |snap| {
            Ok(function_config::disable(snap, d, &recorded))
        })
        .await?;
    }
    let owner_tag = ledger::owner_value(resource.stack_id, resource.logical_id);
    let owner = group::Owner {
        resource: &owner_tag,
        function_arn: &snap.arn,
    };
    let delete_group = async {
        match desired.as_ref().filter(|d| !d.users_group && !keep_group) {
            Some(d) => group::delete_if_owned(clients, &d.group, owner).await.map(|_| ()),
            None => Ok(()),
        }
    };
    let released = release(clients, resource, id, &role, deadline);
    let (deleted, released) = tokio::join!(delete_group, released);
    deleted.and(released)
}

/// Releases this resource's reference on `role`, with its ledger item.
async fn release(
    clients: &Clients,
    resource: &StackResource<'_>,
    id: u64,
    role: &str,
    deadline: Instant,
) -> Result<()> {
    // Only the item's existence matters to the protocol: it deletes `ref#<id>`.
    let item = LedgerItem {
        ledger: String::new(),
        role: role.to_owned(),
        function: String::new(),
    };
    let holder = Holder {
        role,
        id,
        resource,
        deadline,
        ledger: Some(&item),
    };
    references::leave(clients, &holder).await
}

/// What a resource of a version before issue 12 recorded it added: the value of its old
/// reference tag on the role. `None`: no such tag.
async fn legacy_ledger(clients: &Clients, id: u64, role: &str) -> Result<Option<Ledger>> {
    let tags = role::list_tags(clients, role).await?.unwrap_or_default();
    Ok(tags.get(&ledger::legacy_key(id)).map(|v| Ledger::decode(v)))
}
