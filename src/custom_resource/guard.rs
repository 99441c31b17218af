//! The answer guard: every invocation answers CloudFormation exactly once. A malformed
//! event, a panic inside the operation or a near deadline becomes FAILED with a reason;
//! a refused `ResponseURL` means nothing is done and nothing is sent.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use reqwest::Url;
use serde_json::Value;
use tracing::Instrument;

use super::outcome::{Outcome, Status, failed_create_id};
use super::request::{self, Action, Envelope};
use super::responder;
use lambda_profiling_switch::Clients;

/// Time kept back from the operation for the response PUT: at most this much...
const MAX_RESERVE: Duration = Duration::from_secs(10);

/// What was answered, for the caller's log line and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub status: Status,
    pub physical_id: String,
    pub reason: Option<String>,
    /// The response reached the URL. `false` when there was no usable URL or every
    /// attempt failed before the deadline.
    pub delivered: bool,
}

/// The invocation deadline as an [`Instant`], from `lambda_runtime::Context::deadline`
/// (milliseconds since the Unix epoch).
pub fn deadline_from_epoch_millis(millis: u64) -> Instant {
    let at = std::time::UNIX_EPOCH + Duration::from_millis(millis);
    Instant::now()
        + at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
}

/// Runs `operation` on the event's request and answers CloudFormation once, within a
/// span carrying the request type, stack id and logical id.
pub(crate) async fn answer<F, Fut>(
    event: Value,
    deadline: Instant,
    clients: &Clients,
    operation: F,
) -> Answered
where
    F: FnOnce(Envelope, Action) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let envelope = Envelope::from_event(&event);
    let span = tracing::info_span!(
        "custom_resource",
        request_type = %envelope.request_type,
        stack_id = %envelope.stack_id,
        logical_id = %envelope.logical_id,
    );
    async move {
        let fallback_id = envelope
            .physical_id
            .clone()
            .unwrap_or_else(|| failed_create_id(&envelope.request_id));
        let (url, waits, age) = match admit(&event, &envelope, clients) {
            Ok(admitted) => admitted,
            Err(reason) => return unanswered(fallback_id, reason),
        };
        let (deadline, limit) = earliest(deadline, waits, age);
        let outcome = match request::parse_action(event) {
            Err(reason) => Outcome::failed(fallback_id, reason),
            Ok(action) => {
                let failure_id = action.failure_id(&envelope.request_id);
                guarded(operation(envelope.clone(), action), deadline, limit, failure_id).await
            }
        };
        deliver(clients, &url, &envelope, outcome, deadline).await
    }
    .instrument(span)
    .await
}

/// The event's answer URL, checked, with how long CloudFormation waits (its
/// `ServiceTimeout`) and how long ago it sent the event; or why nothing is answered.
fn admit(
    event: &Value,
    envelope: &Envelope,
    clients: &Clients,
) -> Result<(Url, Option<u64>, Duration), String> {
    let url = match &envelope.response_url {
        Some(u) => {
            responder::check_url(&u.0, &envelope.stack_id, &clients.settings).map_err(|e| e.to_string())?
        }
        None => return Err("the event has no ResponseURL: nothing can be answered".into()),
    };
    // CloudFormation stops waiting `ServiceTimeout` after it sent the event (its URL's
    // signing time): an event older than that (a retry of a crashed invocation, replayed
    // after its stack moved on) is acted on no more.
    let waits = service_timeout(event);
    let age =
        responder::signed_at(&url).and_then(|sent| std::time::SystemTime::now().duration_since(sent).ok());
    let waited = Duration::from_secs(waits.unwrap_or(CLOUDFORMATION_WAIT));
    if let Some(age) = age.filter(|age| *age > waited) {
        return Err(format!(
            "CloudFormation sent this event {}s ago and waited for its answer {}s at most: it has moved on, \
             so nothing was done (an invocation retried after its stack's operation ended)",
            age.as_secs(),
            waited.as_secs()
        ));
    }
    Ok((url, waits, age.unwrap_or_default()))
}

/// Sends the outcome and logs it: the one answer of this invocation.
async fn deliver(
    clients: &Clients,
    url: &Url,
    envelope: &Envelope,
    outcome: Outcome,
    deadline: Instant,
) -> Answered {
    let body = responder::body(&outcome, &envelope.resource());
    let delivered = match responder::send(&clients.http, url, body, deadline).await {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, "response not delivered");
            false
        }
    };
    match outcome.status {
        Status::Success => tracing::info!(physical_id = %outcome.physical_id, delivered, "SUCCESS"),
        Status::Failed => {
            tracing::warn!(physical_id = %outcome.physical_id, reason = outcome.reason.as_deref().unwrap_or(""), delivered, "FAILED")
        }
    }
    Answered {
        status: outcome.status,
        physical_id: outcome.physical_id,
        reason: outcome.reason,
        delivered,
    }
}

fn unanswered(physical_id: String, reason: String) -> Answered {
    tracing::error!(%reason, "request not answered");
    Answered {
        status: Status::Failed,
        physical_id,
        reason: Some(reason),
        delivered: false,
    }
}

/// Which deadline bounds the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// The Lambda invocation's.
    Lambda,
    /// CloudFormation's wait for the answer, the resource's `ServiceTimeout` (seconds).
    ServiceTimeout(u64),
}

/// `ServiceTimeout` (CloudFormation's own property: how long it waits for the answer, 1 to
/// 3600 seconds), when the event sets one.
fn service_timeout(event: &Value) -> Option<u64> {
    let value = event.get("ResourceProperties")?.get("ServiceTimeout")?;
    let secs = match value {
        Value::String(s) => s.trim().parse().ok()?,
        Value::Number(n) => n.as_u64()?,
        _ => return None,
    };
    (1..=3600).contains(&secs).then_some(secs)
}

/// How long CloudFormation waits for a custom resource's answer without `ServiceTimeout`.
const CLOUDFORMATION_WAIT: u64 = 3600;

/// The earlier of the Lambda's deadline and the one CloudFormation keeps: it stops waiting
/// `ServiceTimeout` seconds after it sent the event, `age` ago (a moment before this
/// invocation began, when the URL tells no time).
fn earliest(lambda: Instant, service_timeout: Option<u64>, age: Duration) -> (Instant, Limit) {
    const SENT_BEFORE: Duration = Duration::from_secs(1);
    match service_timeout {
        Some(secs) => {
            let left = Duration::from_secs(secs).saturating_sub(age.max(SENT_BEFORE));
            let cloudformation = Instant::now() + left;
            match cloudformation < lambda {
                true => (cloudformation, Limit::ServiceTimeout(secs)),
                false => (lambda, Limit::Lambda),
            }
        }
        None => (lambda, Limit::Lambda),
    }
}

/// How much of the time left is kept for answering: a third, at most [`MAX_RESERVE`].
fn reserve(left: Duration) -> Duration {
    (left / 3).min(MAX_RESERVE)
}

/// Runs the operation until the reserve before the deadline; a panic or the deadline
/// becomes FAILED with `failure_id`.
async fn guarded(
    operation: impl Future<Output = Outcome>,
    deadline: Instant,
    limit: Limit,
    failure_id: String,
) -> Outcome {
    let left = deadline.saturating_duration_since(Instant::now());
    let stop = tokio::time::Instant::now() + left.saturating_sub(reserve(left));
    match tokio::time::timeout_at(stop, AssertUnwindSafe(operation).catch_unwind()).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            Outcome::failed(
                failure_id,
                format!(
                    "internal error in lambda-profiling ({what}); the change may be partial: retry, and report this if it recurs"
                ),
            )
        }
        Err(_) => Outcome::failed(
            failure_id,
            match limit {
                Limit::Lambda => format!(
                    "lambda-profiling stopped before its Lambda timeout, with {}s left for answering; the change \
                     may be partial: raise the function's timeout, or retry",
                    reserve(left).as_secs()
                ),
                Limit::ServiceTimeout(secs) => format!(
                    "lambda-profiling stopped before the resource's ServiceTimeout ({secs}s, how long CloudFormation \
                     waits), with {}s left for answering; the change may be partial: raise ServiceTimeout, or retry",
                    reserve(left).as_secs()
                ),
            },
        ),
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
