//! Function mode's calls on the function itself: its configuration read once no update
//! is in progress, and an update applied with its RevisionId (re-planned on a concurrent
//! change) and waited for.

use std::time::Duration;

use aws_sdk_lambda::types::{Environment, LastUpdateStatus, State};

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::function::config::{Change, Snapshot, unreadable_environment};
use crate::message::{Advice, Input};
use crate::say;

/// How often an update is re-applied after a concurrent change (PreconditionFailed) or
/// while another update holds the function (ResourceConflictException).
const MAX_APPLY_ATTEMPTS: u32 = 8;
const FIRST_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(4);

/// How an update ended.
#[derive(Debug)]
pub(crate) enum Updated {
    /// Applied and finished; the layers in effect.
    Done(Vec<String>),
    /// Not applied: the function is as it was.
    NotApplied(Error),
    /// Sent and accepted, then not seen to finish well: the function may have changed.
    Applied(Error),
}

impl Updated {
    pub(crate) fn into_result(self) -> Result<Vec<String>> {
        match self {
            Updated::Done(layers) => Ok(layers),
            Updated::NotApplied(e) | Updated::Applied(e) => Err(e),
        }
    }
}

/// Applies `change` with the snapshot's RevisionId; on a concurrent change, reads again and
/// re-plans with `replan`. Waits for the update to finish.
pub(crate) async fn update(
    clients: &Clients,
    snap: Snapshot,
    change: Change,
    replan: impl FnMut(&Snapshot) -> Result<Change>,
) -> Updated {
    let name = snap.arn.clone();
    match send(clients, snap, change, replan).await {
        Ok(Sent::InProgress(layers)) => match wait_for_update(clients, &name).await {
            Ok(()) => Updated::Done(layers),
            Err(e) => Updated::Applied(e),
        },
        Ok(Sent::Finished(layers)) => Updated::Done(layers),
        Err(e) => Updated::NotApplied(e),
    }
}

/// What [`send`] left: the layers in effect, and whether Lambda is still applying them.
enum Sent {
    /// Applied already, or nothing to change.
    Finished(Vec<String>),
    InProgress(Vec<String>),
}

/// Sends the update until Lambda accepts it.
async fn send(
    clients: &Clients,
    mut snap: Snapshot,
    mut change: Change,
    mut replan: impl FnMut(&Snapshot) -> Result<Change>,
) -> Result<Sent> {
    let name = snap.arn.clone();
    let mut pause = FIRST_POLL;
    for attempt in 1..=MAX_APPLY_ATTEMPTS {
        // Every read is checked, the re-reads after a conflict too: sending `Environment`
        // planned from variables that could not be read would replace them with ours.
        if let Some(code) = &snap.env_error {
            return Err(Error::unsupported(unreadable_environment(&snap, code)));
        }
        if !change.changes(&snap) {
            return Ok(Sent::Finished(snap.function.layers));
        }
        let mut call = clients
            .lambda
            .update_function_configuration()
            .function_name(&name)
            .set_revision_id(snap.revision_id.clone());
        if change.layers != snap.layers {
            call = call.set_layers(Some(change.layers.clone()));
        }
        if change.vars != snap.vars {
            let vars = change.vars.clone().into_iter().collect();
            call = call.environment(Environment::builder().set_variables(Some(vars)).build());
        }
        call = call.set_handler(change.handler.clone());
        match call.send().await {
            Ok(out) if out.last_update_status() == Some(&LastUpdateStatus::Successful) => {
                return Ok(Sent::Finished(change.layers));
            }
            Ok(_) => return Ok(Sent::InProgress(change.layers)),
            Err(e) => {
                let service = e.as_service_error();
                let conflict = service.is_some_and(|s| s.is_resource_conflict_exception());
                let stale = service.is_some_and(|s| s.is_precondition_failed_exception());
                if service.is_some_and(|s| s.is_resource_not_found_exception()) {
                    return Err(not_found(clients, &name, &change).await);
                }
                if !(conflict || stale) || attempt == MAX_APPLY_ATTEMPTS {
                    let error = Error::aws("lambda:UpdateFunctionConfiguration", &name, e);
                    return Err(layer_missing(&snap, layer_denied(&snap, &change, error)));
                }
                tracing::debug!(
                    attempt,
                    conflict,
                    stale,
                    "function changed or busy: reading it again"
                );
                if conflict {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_POLL);
                }
            }
        }
        snap = read_settled(clients, &name).await?.ok_or_else(|| {
            Error::invalid(format!(
                "function {name} was deleted while profiling was being changed"
            ))
        })?;
        change = replan(&snap)?;
    }
    unreachable!("the last attempt returns")
}

/// An update refused because Lambda, which checks `lambda:GetLayerVersion` on every layer
/// in the list it is sent, found a layer the lambda-profiling role may not read: which
/// layers, and what to grant. Other errors as they are.
fn layer_denied(snap: &Snapshot, change: &Change, error: Error) -> Error {
    let denied = error.aws_failure().and_then(|f| f.denied_action.as_deref());
    if denied != Some("lambda:GetLayerVersion") {
        return error;
    }
    let layers: Vec<&str> = change
        .layers
        .iter()
        .chain(&snap.layers)
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Error::blocked(format!(
        "Lambda refused to update {}: its layers are sent whole, Lambda checks lambda:GetLayerVersion on each, \
         and the lambda-profiling role may not read one of them ({}). The macro stack's role may read every \
         layer of its region; a layer of another account also needs that account's permission for this one \
         (aws lambda add-layer-version-permission --principal <this account>). Grant it, then retry",
        snap.name(),
        layers.join(", ")
    ))
}

/// Reads the configuration once no update is in progress. `None`: no such function.
pub(crate) async fn read_settled(clients: &Clients, function: &str) -> Result<Option<Snapshot>> {
    let mut pause = FIRST_POLL;
    loop {
        let out = match clients
            .lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => {
                return Err(out_of_scope(
                    function,
                    Error::aws("lambda:GetFunctionConfiguration", function, e),
                ));
            }
        };
        let busy = out.last_update_status() == Some(&LastUpdateStatus::InProgress)
            || out.state() == Some(&State::Pending);
        if !busy {
            return Ok(Some(super::snapshot::read(&out)));
        }
        tracing::debug!("an update of the function is in progress: waiting");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL);
    }
}

/// An update Lambda refused for a layer version that does not exist: which, and what to do.
fn layer_missing(snap: &Snapshot, error: Error) -> Error {
    match error.aws_failure().and_then(|f| f.missing_layer.clone()) {
        Some(arn) => Error::Invalid(say![
            format!(
                "Lambda found no layer version {arn} in {}: check that it is published there, and that this \
                 account may use it (",
                snap.region()
            ),
            Input::LayerArn,
            ")"
        ]),
        None => error,
    }
}

/// What an update answered "not found" lacked: the function, or (it is still there) a
/// layer version of the list it was sent.
async fn not_found(clients: &Clients, name: &str, change: &Change) -> Error {
    match read_settled(clients, name).await {
        Ok(Some(snap)) => {
            let mut new: Vec<&str> = change
                .layers
                .iter()
                .filter(|l| !snap.layers.contains(l))
                .map(String::as_str)
                .collect();
            if new.is_empty() {
                new = change.layers.iter().map(String::as_str).collect(); // one it had, deleted since
            }
            Error::Invalid(say![
                format!(
                    "Lambda found no layer version {} in {}: check that it is published there, and that this \
                     account may use it (",
                    new.join(", "),
                    snap.region()
                ),
                Input::LayerArn,
                ")"
            ])
        }
        Ok(None) => Error::invalid(format!(
            "function {name} was deleted while profiling was being changed"
        )),
        Err(e) => e,
    }
}

/// A function the role may not read is out of the scope the administrator gave function
/// mode (`FunctionScope`, empty by default: function mode off).
fn out_of_scope(function: &str, error: Error) -> Error {
    if !error.aws_failure().is_some_and(|f| f.is_access_denied()) {
        return error;
    }
    Error::Blocked(say![
        format!("lambda-profiling may not read function {function} (AccessDeniedException): "),
        Advice::OutOfScope
    ])
}

/// Waits for our own update to finish; a failed update is an error with Lambda's reason.
async fn wait_for_update(clients: &Clients, function: &str) -> Result<()> {
    let mut pause = FIRST_POLL;
    loop {
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL);
        let out = clients
            .lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| Error::aws("lambda:GetFunctionConfiguration", function, e))?;
        match out.last_update_status() {
            Some(LastUpdateStatus::InProgress) => continue,
            // The reason's text is Lambda's own and can quote the configuration: its code only.
            Some(LastUpdateStatus::Failed) => {
                return Err(Error::unsupported(format!(
                    "Lambda could not apply the profiling configuration to {function} ({}): see the \
                     function's last update in the Lambda console",
                    out.last_update_status_reason_code()
                        .map_or("no reason code", |c| c.as_str())
                )));
            }
            _ => return Ok(()),
        }
    }
}
