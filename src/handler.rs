//! The Lambda handler (contract §4): one binary serves both event kinds, told apart by
//! shape. AWS clients are built on the first custom-resource event, so that a
//! macro-only cold start never loads the AWS configuration.

use std::fmt;

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::value::RawValue;
use tokio::sync::OnceCell;
use tracing::level_filters::LevelFilter;
use tracing::{info, warn};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use lambda_profiling_macro::{Answer, Lane, MacroStatus};

use crate::custom_resource;
use crate::layers::MacroLayers;
use lambda_profiling_switch::Clients;
use std::sync::Arc;

/// An event the function cannot serve.
#[derive(thiserror::Error)]
pub enum HandlerError {
    #[error(
        "the event is neither a CloudFormation macro request (with fragment and transformId) nor a \
         custom resource request (with RequestType and ResponseURL); invoke this function only \
         through the LambdaProfiling macro or a Custom::LambdaProfiling resource"
    )]
    UnknownEvent,
    #[error("the response cannot be written: {0}")]
    Response(#[from] serde_json::Error),
}

impl HandlerError {
    fn error_type(&self) -> &'static str {
        match self {
            HandlerError::UnknownEvent => "UnknownEvent",
            HandlerError::Response(_) => "ResponseError",
        }
    }
}

/// The runtime logs a handler's error once, with `{:?}`: that line is the request's one
/// log line, so it carries the type and the whole message.
impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {self}", self.error_type())
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Self {
        Diagnostic {
            error_type: e.error_type().into(),
            error_message: e.to_string(),
        }
    }
}

/// The function's state across invocations of one execution environment.
#[derive(Default)]
pub struct Handler {
    clients: OnceCell<Clients>,
    layers: Arc<MacroLayers>,
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("clients_ready", &self.clients.initialized())
            .finish()
    }
}

impl Handler {
    /// The macro's layer resolver, to share with [`crate::MacroLayer`].
    pub fn layers(&self) -> Arc<MacroLayers> {
        self.layers.clone()
    }

    /// Serves one event; what it holds tells its kind (contract §4): `fragment` and
    /// `transformId` make a macro request (answered by the macro's one dispatcher), a
    /// `ResponseURL` a custom resource request, and anything else is an error.
    pub async fn handle(&self, event: LambdaEvent<Box<RawValue>>) -> Result<Box<RawValue>, HandlerError> {
        let (payload, context) = event.into_parts();
        let token = unqualified(&context.invoked_function_arn);
        match read(payload.get(), token, &self.layers).await {
            Event::Macro(answer) => {
                log_macro(&answer);
                Ok(RawValue::from_string(answer.into_string())?)
            }
            Event::CustomResource => {
                let clients = self.clients.get_or_init(Clients::from_env).await;
                let deadline = custom_resource::deadline_from_epoch_millis(context.deadline);
                // Boxed: the SDK's futures are deep, and the runtime's type would overflow.
                let answered = Box::pin(custom_resource::handle_text(payload.get(), deadline, clients)).await;
                // CloudFormation has its answer; Lambda gets Ok so that it does not retry.
                let summary = serde_json::json!({"Status": answered.status.as_str(), "PhysicalResourceId": answered.physical_id});
                Ok(RawValue::from_string(summary.to_string())?)
            }
            // Not logged here: the runtime logs the returned error (see its Debug).
            Event::Unknown => Err(HandlerError::UnknownEvent),
        }
    }
}

/// An event, by its shape (contract §4).
// One per invocation, never stored: boxing the answer would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Event {
    /// `fragment` and `transformId`: a macro request, answered.
    Macro(Answer),
    /// A `ResponseURL`: a custom resource request. One whose other fields are malformed
    /// is still answered (FAILED), rather than left to make CloudFormation wait an hour.
    CustomResource,
    Unknown,
}

/// What an event is: a macro request is answered as it is read.
async fn read(payload: &str, token: &str, layers: &MacroLayers) -> Event {
    // A custom resource's event is never a macro request: no layers are asked for it.
    let answered = match custom_resource::has_response_url(payload) {
        true => lambda_profiling_macro::answer(payload, token),
        // A panic is the runtime's to report, as for any handler.
        false => match layers.answer(payload, token).await {
            Ok(answered) => answered,
            Err(()) => panic!("the macro failed unexpectedly"),
        },
    };
    match answered {
        Some(answer) => Event::Macro(answer),
        // A custom resource event with malformed fields still has its ResponseURL.
        None if custom_resource::has_response_url(payload) => Event::CustomResource,
        None => Event::Unknown,
    }
}

/// The function's ARN without a version or alias: the `ServiceToken` of the custom
/// resources the macro adds, stable across versions.
pub(crate) fn unqualified(arn: &str) -> &str {
    match arn.match_indices(':').nth(6) {
        Some((i, _)) => &arn[..i],
        None => arn,
    }
}

/// The macro's one log line: its outcome and lane, never the template.
pub(crate) fn log_macro(answer: &Answer) {
    let lane = match answer.lane {
        Lane::Splice => "splice",
        Lane::General(_) => "general",
    };
    let declined = match answer.lane {
        Lane::Splice => "",
        Lane::General(why) => why.reason(),
    };
    match answer.status {
        MacroStatus::Success => {
            info!(
                kind = "macro",
                status = "success",
                profiled = answer.profiled,
                lane,
                declined
            )
        }
        MacroStatus::Failure => {
            warn!(
                kind = "macro",
                status = "failure",
                problems = answer.problems.len(),
                lane,
                declined
            )
        }
    }
}

/// JSON logs, one object per line; `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` set the level
/// (a level name such as `debug`; INFO otherwise) of this crate's own lines ([`log_filter`]).
pub fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(true)
        .with_span_list(false)
        .without_time()
        .with_target(false)
        .finish()
        .with(log_filter(level))
        .try_init();
}

/// What is logged: lambda-profiling's own lines at `level`, every other crate's (the
/// runtime, the SDK, the HTTP client) at WARN at most, whatever `level` says. At TRACE the
/// runtime logs each raw event (its ResponseURL is a credential, its properties name
/// functions) and the SDK each answer whole (an error's message can quote a function's
/// variables); lambda-profiling's own lines never carry either, at any level.
pub fn log_filter(level: LevelFilter) -> Targets {
    Targets::new()
        .with_default(level.min(LevelFilter::WARN))
        // A prefix: the engine's (`lambda_profiling_switch`) and the macro's lines too.
        .with_target("lambda_profiling", level)
        .with_target("bootstrap", level)
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
