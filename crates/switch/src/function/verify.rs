//! After function mode changes a function, it reads it back and judges it: "done" is said
//! only of a function that `lambda-profiling status` would call profiled (after enabling),
//! or that holds nothing this resource recorded (after disabling). Any other verdict is a
//! failure that names the problems, as `status` words them.

use lambda_profiling_macro::assess::{self, GroupPresence, RoleAccess, State};

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::function::calls::read_settled;
use crate::function::config::{self, Desired, Snapshot};
use crate::group::{self, Group};
use crate::references::ledger::Ledger;

/// Enabled: the function, read back, is profiled by `status`'s rules. The role holds the
/// policy (the references protocol attached it; IAM's reads may lag, so it is not read),
/// and the group exists where this resource created or joined it; a group elsewhere (the
/// function's own variables may name one in another region) is read.
pub(crate) async fn profiled(clients: &Clients, function_arn: &str, desired: &Desired) -> Result<()> {
    let after = read_back(clients, function_arn).await?;
    let inspection = assess::inspect(&after.function);
    let presence = match &inspection.group {
        Some(g) if group::joins(&desired.group.arn, &after.arn) && g.name == desired.group.name => {
            Some(GroupPresence::Exists)
        }
        Some(g) if g.region == clients.region => {
            let group = Group::named(&g.name, &g.region, &g.account);
            Some(match group::tags(clients, &group).await? {
                Some(_) => GroupPresence::Exists,
                None => GroupPresence::Missing,
            })
        }
        _ => None,
    };
    let verdict = inspection.conclude(Some(&RoleAccess::Granted), presence.as_ref());
    match verdict.state {
        State::Profiled => Ok(()),
        state => Err(Error::blocked(format!(
            "{} is {} after the change, as lambda-profiling status would say: {}",
            after.name(),
            state.label(),
            verdict.problems.join("; ")
        ))),
    }
}

/// Disabled: the function, read back, holds nothing this resource recorded it added (the
/// undo, planned again from what is there now, has nothing left to do).
pub(crate) async fn undone(
    clients: &Clients,
    function_arn: &str,
    desired: &Desired,
    recorded: &Ledger,
) -> Result<()> {
    let after = read_back(clients, function_arn).await?;
    let again = config::disable(&after, desired, recorded);
    if !again.changes(&after) {
        return Ok(());
    }
    let left: Vec<String> = after
        .layers
        .iter()
        .filter(|l| !again.layers.contains(l))
        .cloned()
        .chain(
            after
                .vars
                .keys()
                .filter(|k| !again.vars.contains_key(*k))
                .cloned(),
        )
        .collect();
    Err(Error::blocked(format!(
        "{} still has what this resource added after the change ({}): a concurrent change may have put it \
         back; delete again",
        after.name(),
        left.join(", ")
    )))
}

async fn read_back(clients: &Clients, function_arn: &str) -> Result<Snapshot> {
    read_settled(clients, function_arn).await?.ok_or_else(|| {
        Error::invalid(format!(
            "function {function_arn} was deleted while profiling was being changed"
        ))
    })
}
