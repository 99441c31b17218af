//! `enable`: the plan from what is read, then function mode's enable under the command
//! line's holder.

use super::plan::{self, RolePolicy};
use super::{
    Effect, Job, ToggleError, Turning, deadline, function, holder, properties, reference_id, request_id,
};
use crate::aws::Clients;
use crate::error::Error;
use crate::function;
use crate::function::config;
use crate::group;
use crate::iam;
use crate::layers;
use crate::properties::Target;
use crate::references;
use crate::references::ledger::Ledger;

/// Why `--upgrade` leaves a function: its agent layer is not one lambda-profiling added.
const NOT_OURS: &str = "lambda-profiling did not add the publisher's agent layer to it, so --upgrade leaves it \
     (a layer the function had, or a copy given with --layer-arn, is not moved)";

/// Whether the layer lambda-profiling added is the publisher's (a copy's versions are its own).
fn publishers(added: Option<&str>) -> bool {
    let parsed = added.and_then(lambda_profiling_macro::agent::parse_layer_arn);
    parsed.is_some_and(|l| l.account == lambda_profiling_macro::agent::PUBLISHER_ACCOUNT)
}

/// `lambda-profiling enable`: the console's toggle, recorded in the shared ledger. Run
/// again, it moves the layer it added to the newest version the region publishes for the
/// runtime; with `upgrade`, it does only that.
pub async fn enable(clients: &Clients, request: &Job) -> Result<Effect, ToggleError> {
    let (group_name, layer_arn) = (request.group_name.as_deref(), request.layer_arn.as_deref());
    let mut props = properties(request, group_name, layer_arn)?;
    let (snap, stack) = function(clients, request, Turning::On).await?;
    let previous = match references::read_ledger(clients, reference_id(&snap.arn)).await? {
        Some(item) => Ledger::decode(&item.ledger),
        None => Ledger::default(),
    };
    if request.upgrade && !publishers(previous.layer.as_deref()) {
        return Ok(Effect {
            function_arn: snap.arn.clone(),
            stack,
            note: Some(NOT_OURS.to_owned()),
            steps: Vec::new(),
            applied: false,
            new_group: None,
        });
    }
    let published = layers::published_for(clients, snap.region(), snap.runtime.as_deref(), &props).await;
    let desired = config::desired(&snap, &props, &previous, &published).map_err(Error::Unsupported)?;
    let change = config::enable(&snap, &desired, &previous).map_err(Error::Unsupported)?;
    // A group in another region or account (the function's own variables may name one) is
    // used as it is: never looked up.
    let exists = async {
        match group::joins(&desired.group.arn, &snap.arn) {
            false => Ok::<_, Error>(true),
            true => Ok(group::tags(clients, &desired.group).await?.is_some()),
        }
    };
    let (exists, attached) = tokio::join!(exists, iam::is_attached(clients, &snap.role));
    let policy = match attached?.ok_or_else(|| iam::missing_role(&snap.role))? {
        true => RolePolicy::AlreadyHeld,
        false => RolePolicy::Attach,
    };
    let exists = exists?;
    let mut report = Effect {
        function_arn: snap.arn.clone(),
        stack,
        note: (!change.changes(&snap)).then(|| "its configuration already has the agent".to_owned()),
        steps: plan::enable_steps(&snap, &desired, &change, exists, policy),
        applied: false,
        new_group: (!exists).then(|| desired.group.arn.clone()),
    };
    if request.dry_run {
        return Ok(report);
    }
    // By ARN: the function read is the one changed.
    props.target = Target::Function {
        name: snap.arn.clone(),
    };
    let request_id = request_id();
    let resource = holder(&snap.arn, &request_id);
    let occasion = function::Occasion::Command;
    function::enable(clients, &resource, &props, None, deadline(), occasion).await?;
    report.applied = true;
    Ok(report)
}
