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
//! GetItem of the ledger (ListRoleTags for one in the tag format when there is none); PutItem of
//! the ledger; the group's record and CreateProfilingGroup ‖ the role's record and
//! AttachRolePolicy; UpdateFunctionConfiguration; GetFunctionConfiguration while the update
//! is in progress.

pub(crate) mod calls;
pub(crate) mod config;
pub(crate) mod desired;
pub(crate) mod earlier;
mod enable;
pub(crate) mod retired;
pub mod snapshot;
pub(crate) mod verify;

use std::time::Instant;

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::group::{self, Group};
use crate::iam;
use crate::message::Message;
use crate::properties::{Properties, Target};
use crate::references::ledger::{self, Ledger};
use crate::references::record::LedgerItem;
use crate::references::{self, Holder, Subject};
use crate::resource::StackResource;
use calls::{read_settled, update};
use config::{Desired, Snapshot};

pub use enable::enable;

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
        (None, Some(snap)) => match earlier::tag_format_ledger(clients, id, &snap.role).await? {
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
        return Err(Error::blocked(format!(
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
        let name = snap.name();
        let what = format!(
            "cannot tell what this resource added to {name} from its record, which an earlier version of \
             lambda-profiling wrote ("
        );
        let then = "). Nothing was changed and the record is kept: put the function back as it was when \
                    profiling was turned on (its runtime, say) and delete again, or retain this resource and \
                    remove the agent's layer and variables by hand";
        Error::Blocked(Message::from(what).then(why).then(Message::from(then)))
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
