//! `disable`: what `enable` recorded, planned from the ledger, the group's owner and
//! users and the role's record, then function mode's disable under the same holder.

use super::calls::other_user;
use super::plan::{self, GroupFate, RolePolicy};
use super::{
    Effect, Job, ToggleError, Turning, deadline, function, holder, is_function_arn, properties, reference_id,
    request_id,
};
use crate::aws::Clients;
use crate::function;
use crate::function::config::{self, Desired, Snapshot};
use crate::group;
use crate::message::Reader;
use crate::properties::Properties;
use crate::references::ledger::{self, Ledger};
use crate::references::record::{self, LedgerItem, Record};
use crate::references::{self, table};
use lambda_profiling_macro::agent::{self, env};

/// `lambda-profiling disable`: takes back what `enable` recorded, nothing else.
pub async fn disable(clients: &Clients, request: &Job) -> Result<Effect, ToggleError> {
    properties(request, None, None)?;
    let (snap, stack) = match function(clients, request, Turning::Off).await {
        Err(ToggleError::NotFound { .. }) if is_function_arn(&request.function) => {
            return disable_gone(clients, request).await;
        }
        found => found?,
    };
    let id = reference_id(&snap.arn);
    let mut report = Effect {
        function_arn: snap.arn.clone(),
        stack,
        steps: Vec::new(),
        note: None,
        applied: false,
        new_group: None,
    };
    let Some(item) = references::read_ledger(clients, id).await? else {
        report.note = Some(not_enabled(&snap, clients));
        return Ok(report);
    };
    let recorded = Ledger::decode(&item.ledger);
    // A ledger of an earlier version: the values from what its variables hold.
    let earlier_props = match recorded.setting {
        Some(_) => None,
        None => Some(recorded_properties(&snap, &recorded)?),
    };
    let desired = match (Desired::recorded(&recorded), &earlier_props) {
        (Some(desired), _) => desired,
        (None, props) => {
            let props = props
                .as_ref()
                .expect("a ledger without a setting has its properties");
            config::desired_to_undo(&snap, props, &recorded).map_err(|why| {
                ToggleError::Refused(format!(
                    "cannot tell what enable added to {} ({}); nothing was changed: put the function back as it \
                     was (its runtime, say) and run disable again",
                    snap.name(),
                    why.render(Reader::CommandLine)
                ))
            })?
        }
    };
    if let Some(code) = &snap.env_error {
        return Err(ToggleError::Refused(config::unreadable_environment(&snap, code)));
    }
    let change = config::disable(&snap, &desired, &recorded);
    let group = group_fate(clients, &desired, id, &snap.arn).await?;
    // The role the reference is on is the ledger's (the function may have another now).
    let policy = after_release(clients, &item, id).await?;
    report.steps = plan::disable_steps(&snap, &desired, &change, &group, (&item.role, policy));
    if request.dry_run {
        return Ok(report);
    }
    let request_id = request_id();
    let resource = holder(&snap.arn, &request_id);
    let keep_group = matches!(group, GroupFate::KeepInUse { .. });
    let (arn, props) = (&snap.arn, earlier_props.as_ref());
    function::disable_keeping(clients, &resource, arn, props, deadline(), keep_group).await?;
    report.applied = true;
    Ok(report)
}

/// What becomes of the group: its record says who else uses it and whether lambda-profiling
/// created it; a group it would delete is kept while a function outside lambda-profiling's
/// records (set up by hand, or by a template naming the group) still profiles into it.
async fn group_fate(
    clients: &Clients,
    desired: &Desired,
    id: u64,
    function_arn: &str,
) -> Result<GroupFate, ToggleError> {
    // A group outside the function's region and account is never in the records.
    if !group::joins(&desired.group.arn, function_arn) {
        return Ok(GroupFate::KeepNotOurs);
    }
    let group = &desired.group;
    let record = table::get(clients, record::group_key(&group.arn)).await?;
    let record = record.map(|r| Record::read(&r, record::now_epoch_secs()));
    let others = record
        .as_ref()
        .map_or(0, |r| r.sharing() - usize::from(r.item.refs.contains(&id)));
    if others > 0 {
        return Ok(GroupFate::KeepForOthers { others });
    }
    // Without a decided record, the group's tags tell whether lambda-profiling made it,
    // and whether an earlier version's resource holds it (as the records will decide).
    let ours = match record.and_then(|r| r.item.ours) {
        Some(ours) => ours,
        None => match group::tags(clients, group).await? {
            None => return Ok(GroupFate::Gone),
            Some(tags) => match ledger::earlier_creator(&tags) {
                Some(creator) if creator != id => return Ok(GroupFate::KeepForOthers { others: 1 }),
                _ => tags.contains_key(ledger::OWNER_KEY),
            },
        },
    };
    if !ours {
        return Ok(GroupFate::KeepNotOurs);
    }
    Ok(match other_user(clients, group, function_arn).await? {
        Some(other) => GroupFate::KeepInUse { other },
        None => GroupFate::Delete,
    })
}

/// A function deleted after `enable`, named by its ARN: its reference on the role is released.
async fn disable_gone(clients: &Clients, request: &Job) -> Result<Effect, ToggleError> {
    let arn = request.function.as_str();
    let id = reference_id(arn);
    let Some(item) = references::read_ledger(clients, id).await? else {
        return Err(ToggleError::NotFound {
            function: arn.to_owned(),
            region: clients.region.clone(),
        });
    };
    let policy = after_release(clients, &item, id).await?;
    let mut report = Effect {
        function_arn: arn.to_owned(),
        stack: None,
        steps: plan::gone_steps(&item.role, policy),
        note: None,
        applied: false,
        new_group: None,
    };
    if !request.dry_run {
        let request_id = request_id();
        function::disable(clients, &holder(arn, &request_id), arn, None, deadline()).await?;
        report.applied = true;
    }
    Ok(report)
}

/// What `enable` used, from what the ledger says it added: the group its variables name
/// (the ARN first: a user who retargets the group edits the name, rarely the ARN) and its
/// layer, so `disable` needs neither flag again.
fn recorded_properties(snap: &Snapshot, recorded: &Ledger) -> Result<Properties, ToggleError> {
    let ours = |name: &str| {
        recorded
            .vars
            .contains(name)
            .then(|| snap.vars.get(name))
            .flatten()
    };
    let group_name = match (ours(env::GROUP_ARN), ours(env::GROUP_NAME)) {
        (Some(arn), _) => agent::parse_group_arn(arn).map(|g| g.name.to_owned()),
        (None, name) => name.cloned(),
    };
    // An ARN too long for the ledger is recorded empty; the default is then planned.
    let layer = recorded
        .layer
        .as_deref()
        .filter(|l| agent::parse_layer_arn(l).is_some());
    let by_arn = Job {
        function: snap.arn.clone(),
        ..Job::default()
    };
    properties(&by_arn, group_name.as_deref(), layer)
}

/// Why `disable` has nothing of `enable`'s to take back.
fn not_enabled(snap: &Snapshot, clients: &Clients) -> String {
    let table = &clients.table;
    let mut note = format!(
        "lambda-profiling enable has not turned profiling on for it (no entry in the table {} in {}; if \
         enable ran with another --reference-table or --reference-region, give the same)",
        table.name, table.region
    );
    if snap.vars.contains_key(env::GROUP_NAME) || snap.vars.contains_key(env::GROUP_ARN) {
        note.push_str("; its profiling was turned on another way (the console, a stack): turn it off there");
    }
    note
}

/// What releasing reference `id` does to the policy of the ledger's role, from its record.
async fn after_release(clients: &Clients, item: &LedgerItem, id: u64) -> Result<RolePolicy, ToggleError> {
    let record = table::get(clients, record::role_key(&item.role)).await?;
    let Some(record) = record.map(|r| Record::read(&r, record::now_epoch_secs())) else {
        return Ok(RolePolicy::KeptAsUsers);
    };
    let others = record.sharing() - usize::from(record.item.refs.contains(&id));
    Ok(match (others, record.item.ours) {
        (0, Some(true)) => RolePolicy::Detach,
        (0, _) => RolePolicy::KeptAsUsers,
        (others, _) => RolePolicy::KeptForOthers { others },
    })
}
