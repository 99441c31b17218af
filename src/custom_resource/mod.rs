//! The custom resource `Custom::LambdaProfiling` (SPEC §3).
//!
//! # Entry point
//!
//! ```ignore
//! let clients = Clients::from_env().await;                 // once per cold start
//! let answered = custom_resource::handle(event, deadline, &clients).await;
//! // then return Ok to Lambda, whatever `answered` says
//! ```
//!
//! [`handle`] takes the raw event (`serde_json::Value`) and the invocation's deadline
//! (`deadline_from_epoch_millis(context.deadline)` with `lambda_runtime`'s context). It:
//!
//! - answers **exactly once** with a PUT to the event's `ResponseURL`, SUCCESS or FAILED;
//! - turns a malformed event, an AWS error, a panic inside the operation, or running
//!   out of time (less than a safe margin before the deadline) into FAILED with a reason;
//! - refuses a `ResponseURL` that is not https on `*.amazonaws.com(.cn)` (or a host
//!   listed in `LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS`): then it changes nothing and
//!   sends nothing;
//! - never fails itself: the caller returns `Ok` to Lambda so it does not retry. The
//!   returned [`Answered`] is for logging and tests.
//!
//! It logs one INFO (or WARN when FAILED) line per request, within a span carrying the
//! request type, stack id and logical id; steps are at DEBUG, retries at WARN. Never the
//! `ResponseURL`, environment values or the properties wholesale.
//!
//! # Decisions where SPEC §3 is silent
//!
//! - **What Delete removes** is what this resource recorded that it added: a ledger in
//!   its reference tag on the role (see [`ledger`]), so a value or layer the user had
//!   before (even one equal to ours) stays. A variable is removed only while its value
//!   is still the one set; a user's agent layer (any version) wins over ours.
//! - **`RoleArn`** may be a role ARN (any path) or a bare role name; the physical id uses
//!   the name. **`FunctionName`** must be unqualified (`$LATEST` is what changes).
//! - **`LayerVersion` with `LayerArn`** is an error: the ARN already names a version.
//!   `HeapSummary` on a Python function is an error.
//! - **A function whose own variables name a group** keeps it: no group is created; a
//!   different `ProfilingGroupName` is an error.
//! - **A Create that fails after changing something** undoes it before answering, since
//!   CloudFormation's Delete of `failed-create:` ids does nothing. A Create stopped by
//!   the deadline cannot; its reason says the change may be partial.
//! - **An Update that renames the group** deletes the old group if this resource made it.
//! - **A function already gone on Delete** is success, but its role's reference tag
//!   cannot be found any more and stays (the policy may then stay attached).
//! - **The refused `ResponseURL`**: nothing is done and nothing is sent.

mod error;
mod function;
mod function_config;
mod group;
pub mod ledger;
pub mod lifecycle;
pub mod request;
pub mod responder;
mod role;

#[cfg(test)]
mod mock_tests;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use serde_json::Value;
use tracing::Instrument;

pub use error::Error;
pub use lifecycle::{Ids, Outcome, Status};
use request::{Action, Envelope};

use crate::aws::Clients;

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

/// A request as the operation sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub action: Action,
    pub stack_id: String,
    pub logical_id: String,
    pub request_id: String,
}

impl Request {
    pub fn ids(&self) -> Ids<'_> {
        Ids {
            stack_id: &self.stack_id,
            logical_id: &self.logical_id,
            request_id: &self.request_id,
        }
    }
}

/// The invocation deadline as an [`Instant`], from `lambda_runtime::Context::deadline`
/// (milliseconds since the Unix epoch).
pub fn deadline_from_epoch_millis(millis: u64) -> Instant {
    let at = std::time::UNIX_EPOCH + Duration::from_millis(millis);
    Instant::now()
        + at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
}

/// Handles one custom-resource event: runs it and answers CloudFormation once.
pub async fn handle(event: Value, deadline: Instant, clients: &Clients) -> Answered {
    answer_with(event, deadline, clients, |request| async move {
        lifecycle::run(clients, &request.ids(), &request.action).await
    })
    .await
}

/// [`handle`] with the operation given: the guards (answer once, panic, deadline) are
/// the same. Public so that tests can drive the guards with a faulty operation.
#[doc(hidden)]
pub async fn answer_with<F, Fut>(event: Value, deadline: Instant, clients: &Clients, operation: F) -> Answered
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let envelope = Envelope::from_event(&event);
    let span = tracing::info_span!(
        "custom_resource",
        request_type = %envelope.request_type,
        stack_id = %envelope.stack_id,
        logical_id = %envelope.logical_id,
    );
    answer(envelope, event, deadline, clients, operation)
        .instrument(span)
        .await
}

async fn answer<F, Fut>(
    envelope: Envelope,
    event: Value,
    deadline: Instant,
    clients: &Clients,
    operation: F,
) -> Answered
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let echo = responder::Echo {
        stack_id: envelope.stack_id.clone(),
        request_id: envelope.request_id.clone(),
        logical_id: envelope.logical_id.clone(),
    };
    let fallback_id = envelope
        .physical_id
        .clone()
        .unwrap_or_else(|| lifecycle::failed_create_id(&envelope.request_id));
    let url = match envelope
        .response_url
        .as_ref()
        .map(|u| responder::check_url(&u.0, &clients.settings))
    {
        Some(Ok(url)) => url,
        Some(Err(e)) => return unanswered(fallback_id, e.to_string()),
        None => {
            return unanswered(
                fallback_id,
                "the event has no ResponseURL: nothing can be answered".into(),
            );
        }
    };

    let outcome = match request::parse_action(event) {
        Err(reason) => Outcome::failed(fallback_id, reason),
        Ok(action) => {
            let failure_id = lifecycle::failure_id(&action, &envelope.request_id);
            let request = Request {
                action,
                stack_id: envelope.stack_id.clone(),
                logical_id: envelope.logical_id.clone(),
                request_id: envelope.request_id.clone(),
            };
            guarded(operation(request), deadline, failure_id).await
        }
    };

    let body = responder::body(&outcome, &echo);
    let delivered = match responder::send(&clients.http, &url, body, deadline).await {
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

/// How much of the time left is kept for answering: a third, at most [`MAX_RESERVE`].
fn reserve(left: Duration) -> Duration {
    (left / 3).min(MAX_RESERVE)
}

/// Runs the operation until the reserve before the deadline; a panic or the deadline
/// becomes FAILED with `failure_id`.
async fn guarded(operation: impl Future<Output = Outcome>, deadline: Instant, failure_id: String) -> Outcome {
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
            format!(
                "lambda-profiling stopped before its Lambda timeout, with {}s left for answering; the change may be partial: raise the function's timeout, or retry",
                reserve(left).as_secs()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn a_panic_becomes_failed() {
        let deadline = Instant::now() + Duration::from_secs(30);
        let out = guarded(async { panic!("boom") }, deadline, "failed-create:r".into()).await;
        assert_eq!(out.status, Status::Failed);
        assert_eq!(out.physical_id, "failed-create:r");
        assert!(out.reason.unwrap().contains("boom"));
    }

    #[tokio::test]
    async fn the_deadline_becomes_failed_before_it_passes() {
        let deadline = Instant::now() + Duration::from_millis(600);
        let start = Instant::now();
        let out = guarded(
            async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Outcome {
                    status: Status::Success,
                    reason: None,
                    physical_id: "x".into(),
                    data: BTreeMap::new(),
                }
            },
            deadline,
            "role:r".into(),
        )
        .await;
        assert_eq!((out.status, out.physical_id.as_str()), (Status::Failed, "role:r"));
        assert!(
            start.elapsed() < Duration::from_millis(600),
            "{:?}",
            start.elapsed()
        );
        assert!(out.reason.unwrap().contains("timeout"));
    }

    #[test]
    fn deadlines_convert_from_epoch_millis() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let left =
            deadline_from_epoch_millis((now + Duration::from_secs(60)).as_millis() as u64) - Instant::now();
        assert!(
            left > Duration::from_secs(59) && left <= Duration::from_secs(60),
            "{left:?}"
        );
        assert!(deadline_from_epoch_millis(0) <= Instant::now());
    }

    #[test]
    fn the_reserve_is_bounded() {
        assert_eq!(reserve(Duration::from_secs(900)), MAX_RESERVE);
        assert_eq!(reserve(Duration::from_secs(3)), Duration::from_secs(1));
    }
}
