//! `enable`: a Create, an Update, a replayed Create or the command line's `enable`, as
//! named steps: read the function, plan from what is recorded, record the plan, apply it
//! (the references, then the function's update, then the check that it is profiled), and
//! on failure take back or keep what the occasion calls for.

use std::collections::BTreeMap;
use std::time::Instant;

use super::calls::{Updated, read_settled, update};
use super::config::{self, Change, Desired, Snapshot};
use super::retired::Retired;
use super::{Occasion, Resource, disable, earlier, physical_id, release, verify, write_ledger};
use crate::aws::Clients;
use crate::error::{Aftermath, Error, Result, undo_failed_create};
use crate::group::{self, Group};
use crate::iam;
use crate::layers;
use crate::message::{Advice, Input};
use crate::properties::{Properties, Target};
use crate::references::ledger::{self, Ledger};
use crate::references::{self, Subject};
use crate::resource::{Done, StackResource};
use crate::say;

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
    let snap = read_target(clients, props).await?;
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
        None => earlier::tag_format_ledger(clients, id, &snap.role).await?,
    };
    let previous = recorded_before.clone().unwrap_or_default();
    let published = layers::published_for(clients, snap.region(), snap.runtime.as_deref(), props).await;
    let desired = config::desired(&snap, props, &previous, &published).map_err(Error::Unsupported)?;
    let change = config::enable(&snap, &desired, &previous).map_err(Error::Unsupported)?;
    let same_resource = old.is_some_and(|(id, _)| id == physical_id);
    let old_props = old.filter(|_| same_resource).and_then(|(_, p)| p);
    let groups = Retired::plan(&previous, &desired, old_props, &snap);

    let mut recorded = previous.union(&change.added);
    recorded.setting = Some(desired.setting());
    recorded.retired = groups.held_until_done();
    write_ledger(clients, id, &recorded, &snap).await?;

    let how = (same_resource, occasion);
    let layers = match apply(clients, &me, &snap, &desired, change, &recorded, how).await {
        Ok(layers) => layers,
        Err((e, touched)) => {
            let attempt = Attempt {
                snap: &snap,
                desired: &desired,
                previous,
                recorded,
                // Nothing recorded before, and not this resource's function before.
                first: recorded_before.is_none() && !same_resource,
            };
            return Err(recover(clients, &me, props, attempt, e, touched).await);
        }
    };
    if let Some(old_role) = moved_from {
        // Another role, or the same one under an earlier version's spelling: the detach
        // looks for the records of every spelling first (see `table::other_spellings_hold`).
        references::leave(clients, &me.holder(Subject::Role(&old_role))).await?;
    }
    release_retired(clients, &me, groups, &mut recorded, &snap).await;
    Ok(Done {
        physical_id,
        data: data(&snap, &desired, &layers),
    })
}

/// The function the properties name, under its role's own spelling: the role's record is
/// keyed by it (IAM's names ignore case).
async fn read_target(clients: &Clients, props: &Properties) -> Result<Snapshot> {
    let Target::Function { name } = &props.target else {
        return Err(Error::Invalid(say!["function mode needs ", Input::Function]));
    };
    let mut snap = read_settled(clients, name).await?.ok_or_else(|| {
        Error::Invalid(say![
            format!("function {name} does not exist: "),
            Advice::CheckFunction
        ])
    })?;
    snap.role = iam::canonical_name(clients, &snap.role)
        .await?
        .ok_or_else(|| iam::missing_role(&snap.role))?;
    Ok(snap)
}

/// An attempt that failed: what it read, planned and recorded.
struct Attempt<'a> {
    snap: &'a Snapshot,
    desired: &'a Desired,
    /// What was recorded before this attempt (empty for none).
    previous: Ledger,
    /// What this attempt recorded before it acted.
    recorded: Ledger,
    first: bool,
}

/// After a failure: a first Create undoes what it changed (CloudFormation's Delete of
/// `failed-create:` ids does nothing). A replay (its first attempt may have answered
/// SUCCESS, or still be running), an Update or the command line keeps what an earlier
/// request turned on: when the function was not touched, its ledger goes back to what is
/// on the function, holding the new group to release.
async fn recover(
    clients: &Clients,
    me: &Resource<'_>,
    props: &Properties,
    attempt: Attempt<'_>,
    e: Error,
    touched: bool,
) -> Error {
    let snap = attempt.snap;
    if attempt.first {
        let undone = match touched {
            true => disable(clients, me.resource, &snap.arn, Some(props), me.deadline).await,
            false => release(clients, me, &snap.arn, &snap.role, &attempt.recorded, false).await,
        };
        return undo_failed_create(e, undone);
    }
    if touched {
        return e;
    }
    let group_arn = &attempt.desired.group.arn;
    let mut restored = attempt.previous;
    restored.retired = attempt.recorded.retired;
    if group::joins(group_arn, &snap.arn)
        && restored.setting.as_ref().map(|s| &s.group_arn) != Some(group_arn)
    {
        restored.retired.insert(group_arn.clone());
    }
    match write_ledger(clients, me.id, &restored, snap).await {
        Ok(()) => e,
        Err(unrecorded) => Error::Partial {
            source: Box::new(e),
            after: Aftermath::Unrecorded(Box::new(unrecorded)),
        },
    }
}

/// Releases the groups an Update renamed away from (only those this resource holds: a
/// leave by a non-holder would decide for its users), and records which it kept.
async fn release_retired(
    clients: &Clients,
    me: &Resource<'_>,
    groups: Retired,
    recorded: &mut Ledger,
    snap: &Snapshot,
) {
    let leave = |group: Group| async move {
        references::leave_if_held(clients, &me.holder(Subject::Group(&group))).await
    };
    if let Some(kept) = groups.release(leave).await {
        recorded.retired = kept;
        if let Err(e) = write_ledger(clients, me.id, recorded, snap).await {
            tracing::warn!(error = %e, "could not record the released groups; the next operation releases them again");
        }
    }
}

/// The resource's `Data`, for `Fn::GetAtt`.
fn data(snap: &Snapshot, desired: &Desired, layers: &[String]) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("LayerArn".into(), config::layer_in_effect(layers, desired)),
        ("ProfilingGroupName".into(), desired.group.name.clone()),
        ("ProfilingGroupArn".into(), desired.group.arn.clone()),
        ("RoleName".into(), snap.role.clone()),
    ])
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
