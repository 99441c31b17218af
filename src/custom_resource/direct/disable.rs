//! `disable`: what `enable` recorded, planned from the ledger, the group's owner and
//! users and the role's record, then function mode's disable under the same holder.

use super::calls::{self, other_user};
use super::plan::{self, GroupFate, RolePolicy};
use super::{
    DirectError, HOLDER, Report, Request, deadline, for_cli, function, holder, is_function_arn, properties,
    reference_id, request_id,
};
use crate::aws::Clients;
use crate::custom_resource::function_config::{self, Snapshot};
use crate::custom_resource::function_mode;
use crate::custom_resource::group::{self, Ownership};
use crate::custom_resource::ledger::{self, Ledger};
use crate::custom_resource::record::{self, LedgerItem, Record};
use crate::custom_resource::request::Properties;
use crate::custom_resource::{references, table};
use lambda_profiling_macro::agent::{self, env};

/// `lambda-profiling disable`: takes back what `enable` recorded, nothing else.
pub async fn disable(clients: &Clients, request: &Request) -> Result<Report, DirectError> {
    properties(request, None, None)?;
    let (snap, stack) = match function(clients, request).await {
        Err(DirectError::NotFound { .. }) if is_function_arn(&request.function) => {
            return disable_gone(clients, request).await;
        }
        found => found?,
    };
    let id = reference_id(&snap.arn);
    let mut report = Report {
        function_arn: snap.arn.clone(),
        stack,
        steps: Vec::new(),
        note: None,
        applied: false,
    };
    let Some(item) = references::read_ledger(clients, id).await? else {
        report.note = Some(not_enabled(&snap, clients));
        return Ok(report);
    };
    let recorded = Ledger::decode(&item.ledger);
    let props = recorded_properties(&snap, &recorded)?;
    let desired = function_config::desired(&snap, &props, &recorded).map_err(|why| {
        DirectError::Refused(format!(
            "cannot tell what enable added to {} ({}); nothing was changed: put the function back as it was \
             (its runtime, say) and run disable again",
            snap.name(),
            for_cli(&why)
        ))
    })?;
    let change = function_config::disable(&snap, &desired, &recorded);
    let owner_tag = ledger::owner_value(HOLDER, &snap.arn);
    let owner = group::Owner {
        resource: &owner_tag,
        function_arn: &snap.arn,
    };
    let group = match desired.users_group {
        true => GroupFate::KeepNotOurs,
        false => match group::owned(clients, &desired.group, owner).await? {
            Ownership::Ours => match other_user(clients, &desired.group, &snap.arn).await? {
                Some(other) => {
                    let theirs = references::read_ledger(clients, reference_id(&other))
                        .await?
                        .is_some();
                    GroupFate::KeepInUse { other, theirs }
                }
                None => GroupFate::Delete,
            },
            Ownership::Missing | Ownership::Others => GroupFate::KeepNotOurs,
        },
    };
    // The role the reference is on is the ledger's (the function may have another now).
    let policy = after_release(clients, &item, id).await?;
    report.steps = plan::disable_steps(&snap, &desired, &change, &group, (&item.role, policy));
    if request.dry_run {
        return Ok(report);
    }
    let request_id = request_id();
    let resource = holder(&snap.arn, &request_id);
    if let GroupFate::KeepInUse { other, theirs: true } = &group {
        calls::hand_over(
            clients,
            &desired.group,
            &ledger::owner_value(HOLDER, other),
            other,
        )
        .await?;
    }
    let keep_group = group != GroupFate::Delete;
    function_mode::disable_keeping(
        clients,
        &resource,
        &snap.arn,
        Some(&props),
        deadline(),
        keep_group,
    )
    .await?;
    report.applied = true;
    Ok(report)
}

/// A function deleted after `enable`, named by its ARN: its reference on the role is released.
async fn disable_gone(clients: &Clients, request: &Request) -> Result<Report, DirectError> {
    let arn = request.function.as_str();
    let id = reference_id(arn);
    let Some(item) = references::read_ledger(clients, id).await? else {
        return Err(DirectError::NotFound {
            function: arn.to_owned(),
            region: clients.region.clone(),
        });
    };
    let policy = after_release(clients, &item, id).await?;
    let mut report = Report {
        function_arn: arn.to_owned(),
        stack: None,
        steps: plan::gone_steps(&item.role, policy),
        note: None,
        applied: false,
    };
    if !request.dry_run {
        let request_id = request_id();
        function_mode::disable(clients, &holder(arn, &request_id), arn, None, deadline()).await?;
        report.applied = true;
    }
    Ok(report)
}

/// What `enable` used, from what the ledger says it added: the group its variables name
/// (the ARN first: a user who retargets the group edits the name, rarely the ARN) and its
/// layer, so `disable` needs neither flag again.
fn recorded_properties(snap: &Snapshot, recorded: &Ledger) -> Result<Properties, DirectError> {
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
    let by_arn = Request {
        function: snap.arn.clone(),
        ..Request::default()
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
async fn after_release(clients: &Clients, item: &LedgerItem, id: u64) -> Result<RolePolicy, DirectError> {
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
