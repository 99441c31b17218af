//! Function mode: the console's "Code profiling" toggle, done at deploy time.
//!
//! What a resource adds is written in its ledger item first (see [`crate::references::ledger`]: what it
//! added and the values it gave), then it joins the records of its group and of the
//! function's role at the same time ([`references::join`]: the group is created, the policy
//! attached), then the function is updated with its RevisionId. A Delete undoes from the
//! ledger alone, then leaves the group records, then the role's, whose leaving deletes the
//! ledger item: until then, the ledger still says what to release.
//!
//! Calls in a Create on a role and a group new to lambda-profiling: GetFunctionConfiguration;
//! GetItem of the ledger (ListRoleTags for an old-style one when there is none); PutItem of
//! the ledger; the group's record and CreateProfilingGroup ‖ the role's record and
//! AttachRolePolicy; UpdateFunctionConfiguration; GetFunctionConfiguration while the update
//! is in progress.

pub(crate) mod calls;
pub(crate) mod config;
pub(crate) mod desired;
pub(crate) mod earlier;
pub(crate) mod retired;
pub(crate) mod snapshot;
pub(crate) mod verify;

use std::collections::BTreeMap;
use std::time::Instant;

use crate::aws::Clients;
use crate::error::{Error, Result, undo_failed_create};
use crate::group::{self, Group};
use crate::iam;
use crate::properties::{Properties, Target};
use crate::references::ledger::{self, Ledger};
use crate::references::record::LedgerItem;
use crate::references::{self, Holder, Subject};
use crate::resource::{Done, StackResource};
use calls::{Updated, read_settled, update};
use config::{Change, Desired, Snapshot};
use retired::Retired;

/// `function:<function ARN>`.
pub(crate) fn physical_id(function_arn: &str) -> String {
    format!("function:{function_arn}")
}

/// The function ARN a physical id of this mode names, if it is one.
pub fn function_of(physical_id: &str) -> Option<&str> {
    physical_id
        .strip_prefix("function:")
        .filter(|arn| arn.starts_with("arn:") && arn.split(':').nth(5) == Some("function"))
}

/// Who asks `enable`, which decides what a failure takes back and what a function that is
/// not profiled afterwards means (see [`verify::profiled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// A stack's Create: a failure takes back what it did, since CloudFormation's Delete of
    /// `failed-create:` ids does nothing; not profiled is a failure.
    Create,
    /// A stack's Update: a failure keeps what an earlier request turned on; not profiled is
    /// a warning in the log, so that a rollback never fails because the function's own
    /// values keep the agent off on purpose (`AWS_CODEGURU_PROFILER_ENABLED=false`, say).
    Update,
    /// The command line's `enable`: a failure keeps what an earlier `enable` turned on; not
    /// profiled is a failure.
    Command,
}

/// One resource's hold on a function: who it is, and its ledger's id.
struct Resource<'a> {
    resource: &'a StackResource<'a>,
    id: u64,
    deadline: Instant,
}

impl<'a> Resource<'a> {
    fn holder(&self, subject: Subject<'a>) -> Holder<'a> {
        Holder {
            subject,
            id: self.id,
            resource: self.resource,
            deadline: self.deadline,
            ledger: false,
            keep: false,
        }
    }
}

/// Turns profiling on (Create, Update, replayed Create). On an Update, `old` is the
/// previous physical id and properties (`None` when they no longer parse).
pub async fn enable(
    clients: &Clients,
    resource: &StackResource<'_>,
    props: &Properties,
    old: Option<(&str, Option<&Properties>)>,
    deadline: Instant,
    occasion: Occasion,
) -> Result<Done> {
    let Target::Function { name } = &props.target else {
        return Err(Error::Invalid("function mode needs FunctionName".into()));
    };
    let mut snap = read_settled(clients, name)
        .await?
        .ok_or_else(|| Error::Invalid(format!("function {name} does not exist: check FunctionName")))?;
    // The role's record is keyed by the role's own spelling (IAM's names ignore case).
    snap.role = iam::canonical_name(clients, &snap.role)
        .await?
        .ok_or_else(|| iam::missing_role(&snap.role))?;
    let physical_id = physical_id(&snap.arn);
    let id = ledger::reference_id(resource.stack_id, resource.logical_id, &physical_id);
    let me = Resource {
        resource,
        id,
        deadline,
    };
    let item = references::read_ledger(clients, id).await?;
    // The function was given another role since: the reference moves to the new one.
    let moved_from = item.as_ref().map(|i| i.role.clone()).filter(|r| *r != snap.role);
    let recorded_before = match &item {
        Some(item) => Some(Ledger::decode(&item.ledger)),
        None => earlier::legacy_ledger(clients, id, &snap.role).await?,
    };
    let previous = recorded_before.clone().unwrap_or_default();
    let desired = config::desired(&snap, props, &previous).map_err(Error::Unsupported)?;
    let change = config::enable(&snap, &desired, &previous).map_err(Error::Unsupported)?;
    let same_resource = old.is_some_and(|(id, _)| id == physical_id);
    let groups = Retired::plan(
        &previous,
        &desired,
        old.filter(|_| same_resource).and_then(|(_, p)| p),
        &snap,
    );

    let mut recorded = previous.union(&change.added);
    recorded.setting = Some(desired.setting());
    recorded.retired = groups.held_until_done();
    write_ledger(clients, id, &recorded, &snap).await?;

    let applied = apply(
        clients,
        &me,
        &snap,
        &desired,
        change,
        &recorded,
        (same_resource, occasion),
    )
    .await;
    let layers = match applied {
        Ok(layers) => layers,
        Err((e, touched)) => {
            // A Create that fails undoes what it changed: CloudFormation's Delete of
            // `failed-create:` ids does nothing. One that finds a record (a replay: its
            // first attempt may have answered SUCCESS, or still be running) never undoes
            // what that attempt did; it leaves the record saying what is on the function.
            let undo = recorded_before.is_none() && !same_resource;
            return Err(match recorded_before {
                _ if undo => {
                    let undone = match touched {
                        true => disable(clients, resource, &snap.arn, Some(props), deadline).await,
                        false => release(clients, &me, &snap.arn, &snap.role, &recorded, false).await,
                    };
                    undo_failed_create(e, undone)
                }
                // An Update or a replay keeps what an earlier request turned on; its ledger
                // goes back to what is on the function, holding the new group to release.
                _ if !touched => {
                    let mut restored = previous;
                    restored.retired = recorded.retired;
                    if group::joins(&desired.group.arn, &snap.arn)
                        && restored.setting.as_ref().map(|s| &s.group_arn) != Some(&desired.group.arn)
                    {
                        restored.retired.insert(desired.group.arn.clone());
                    }
                    match write_ledger(clients, id, &restored, &snap).await {
                        Ok(()) => e,
                        Err(unrecorded) => Error::Partial {
                            source: Box::new(e),
                            note: format!(
                                "; recording that the function is unchanged also failed: {unrecorded}"
                            ),
                        },
                    }
                }
                _ => e,
            });
        }
    };
    if let Some(old_role) = moved_from {
        // Another role, or the same one under an earlier version's spelling: the detach
        // looks for the records of every spelling first (see `table::other_spellings_hold`).
        references::leave(clients, &me.holder(Subject::Role(&old_role))).await?;
    }
    // Only a group this resource holds: a leave by a non-holder would decide for its users.
    let leave = |group: Group| {
        let me = &me;
        async move { references::leave_if_held(clients, &me.holder(Subject::Group(&group))).await }
    };
    if let Some(kept) = groups.release(leave).await {
        recorded.retired = kept;
        if let Err(e) = write_ledger(clients, id, &recorded, &snap).await {
            tracing::warn!(error = %e, "could not record the released groups; the next operation releases them again");
        }
    }
    let mut data = BTreeMap::new();
    data.insert("LayerArn".into(), config::layer_in_effect(&layers, &desired));
    data.insert("ProfilingGroupName".into(), desired.group.name.clone());
    data.insert("ProfilingGroupArn".into(), desired.group.arn.clone());
    data.insert("RoleName".into(), snap.role.clone());
    Ok(Done { physical_id, data })
}

/// The group's and the role's references (at the same time), then the function's update.
/// A failure says whether the function was changed.
async fn apply(
    clients: &Clients,
    me: &Resource<'_>,
    snap: &Snapshot,
    desired: &Desired,
    change: Change,
    recorded: &Ledger,
    (same_resource, occasion): (bool, Occasion),
) -> std::result::Result<Vec<String>, (Error, bool)> {
    // The group is created when missing, even one the function's own variables name (as
    // CDK's `profiling: true` does, without creating it): the agent must report somewhere.
    let joined_group = async {
        if !group::joins(&desired.group.arn, &snap.arn) {
            return Ok(());
        }
        let holder = me.holder(Subject::Group(&desired.group));
        references::join(clients, &holder, false)
            .await
            .map_err(|f| f.error)
    };
    let role_holder = me.holder(Subject::Role(&snap.role));
    let joined_role = async {
        let joined = references::join(clients, &role_holder, same_resource).await;
        joined.map_err(|failed| failed.error) // the undo releases it whatever happened
    };
    let (group, role) = tokio::join!(joined_group, joined_role);
    group.and(role).map_err(|e| (e, false))?;
    let replan = |snap: &Snapshot| config::enable(snap, desired, recorded).map_err(Error::Unsupported);
    let layers = match update(clients, snap.clone(), change, replan).await {
        Updated::Done(layers) => layers,
        Updated::NotApplied(e) => return Err((e, false)),
        Updated::Applied(e) => return Err((e, true)),
    };
    match (verify::profiled(clients, &snap.arn, desired).await, occasion) {
        (Ok(()), _) => {}
        (Err(e), Occasion::Update) => tracing::warn!(problem = %e, "not profiled after the change"),
        (Err(e), Occasion::Create | Occasion::Command) => return Err((e, true)),
    }
    Ok(layers)
}

/// Writes the resource's ledger item: before anything it records is done.
async fn write_ledger(clients: &Clients, id: u64, recorded: &Ledger, snap: &Snapshot) -> Result<()> {
    let item = LedgerItem {
        ledger: recorded.encode("function"),
        role: snap.role.clone(),
        function: snap.arn.clone(),
    };
    references::write_ledger(clients, id, &item).await
}

/// Turns profiling off for `function_arn`: removes what the ledger says this resource
/// added, then releases its groups (the one created goes with its last user) and its
/// reference on the role. A function that is gone is success (its references are still
/// released).
pub async fn disable(
    clients: &Clients,
    resource: &StackResource<'_>,
    function_arn: &str,
    props: Option<&Properties>,
    deadline: Instant,
) -> Result<()> {
    disable_keeping(clients, resource, function_arn, props, deadline, false).await
}

/// [`disable`], keeping a group that would go with this resource when `keep_group` (the
/// command line's `disable` found a function outside lambda-profiling's records that
/// still profiles into it).
pub(crate) async fn disable_keeping(
    clients: &Clients,
    resource: &StackResource<'_>,
    function_arn: &str,
    props: Option<&Properties>,
    deadline: Instant,
    keep_group: bool,
) -> Result<()> {
    let id = ledger::reference_id(resource.stack_id, resource.logical_id, &physical_id(function_arn));
    let me = Resource {
        resource,
        id,
        deadline,
    };
    let (item, snap) = tokio::join!(
        references::read_ledger(clients, id),
        read_settled(clients, function_arn)
    );
    let (item, snap) = (item?, snap?);
    let (recorded, role) = match (item, &snap) {
        (Some(item), _) => (Ledger::decode(&item.ledger), item.role),
        (None, Some(snap)) => match earlier::legacy_ledger(clients, id, &snap.role).await? {
            Some(recorded) => (recorded, iam::canonical_or_given(clients, &snap.role).await?),
            None => return Ok(()), // nothing recorded: nothing of this resource's to undo
        },
        (None, None) => return Ok(()),
    };
    let Some(snap) = snap else {
        tracing::debug!("function is gone: nothing to undo on it");
        let mut recorded = recorded;
        if recorded.setting.is_none() {
            recorded
                .retired
                .extend(earlier::ledgers_group(function_arn, props));
        }
        return release(clients, &me, function_arn, &role, &recorded, keep_group).await;
    };
    let desired = undo_plan(&snap, props, &recorded)?;
    if let Some(code) = &snap.env_error {
        return Err(Error::Blocked(format!(
            "{} The record of what this resource added is kept: delete again once the variables can be read, \
             or retain this resource to leave the function as it is",
            config::unreadable_environment(&snap, code)
        )));
    }
    let change = config::disable(&snap, &desired, &recorded);
    let replan = |snap: &Snapshot| Ok(config::disable(snap, &desired, &recorded));
    update(clients, snap.clone(), change, replan)
        .await
        .into_result()?;
    verify::undone(clients, &snap.arn, &desired, &recorded).await?;
    let mut recorded = recorded;
    recorded.setting = Some(desired.setting());
    release(clients, &me, function_arn, &role, &recorded, keep_group).await
}

/// What to remove: the ledger's own record of its values; for a ledger of an earlier
/// version, worked out from the properties (or the defaults). When even that fails, the
/// Delete fails and keeps the record: forgetting it would leave the agent on the function.
fn undo_plan(snap: &Snapshot, props: Option<&Properties>, recorded: &Ledger) -> Result<Desired> {
    if let Some(desired) = Desired::recorded(recorded) {
        return Ok(desired);
    }
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
    config::desired_to_undo(snap, props, recorded).map_err(|why| {
        Error::Blocked(format!(
            "cannot tell what this resource added to {} from its record, which an earlier version of \
             lambda-profiling wrote ({why}). Nothing was changed and the record is kept: put the function \
             back as it was when profiling was turned on (its runtime, say) and delete again, or retain this \
             resource and remove the agent's layer and variables by hand",
            snap.name()
        ))
    })
}

/// Leaves the records of the groups the ledger names, then the role's, whose leaving
/// deletes the ledger item: a failure on the way keeps what is left to release recorded.
async fn release(
    clients: &Clients,
    me: &Resource<'_>,
    function_arn: &str,
    role: &str,
    recorded: &Ledger,
    keep_group: bool,
) -> Result<()> {
    let current = recorded
        .setting
        .as_ref()
        .filter(|s| group::joins(&s.group_arn, function_arn))
        .map(|s| s.group_arn.clone());
    let groups: Vec<Group> = current
        .iter()
        .chain(&recorded.retired)
        .filter_map(|arn| Group::from_arn(arn))
        .collect();
    let left = futures_util::future::join_all(groups.iter().map(|group| {
        let mut holder = me.holder(Subject::Group(group));
        holder.keep = keep_group;
        // Only a group this resource holds: a Delete by a non-holder would decide for its users.
        async move { references::leave_if_held(clients, &holder).await }
    }))
    .await;
    left.into_iter().collect::<Result<Vec<()>>>()?;
    let mut holder = me.holder(Subject::Role(role));
    holder.ledger = true;
    references::leave(clients, &holder).await
}
