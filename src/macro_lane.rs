//! Macro requests answered from the invocation's bytes (the cold start).
//!
//! Through the runtime's handler, a macro request costs two passes the macro does not
//! need: the runtime reads the event into a `Box<RawValue>` (checking the whole
//! template), and the answer is checked again by `RawValue::from_string` (a larger
//! text still). This layer sits outermost in the runtime: it answers a macro request
//! from the body's bytes and posts the answer's bytes to the Runtime API itself. Every
//! other event (custom resources, unknown events) goes on to the handler, and so does a
//! macro request whose answering panicked, which the runtime then reports as it would.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use http::Method;
use lambda_runtime::tower::Layer;
use lambda_runtime::{LambdaInvocation, Service};
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{BoxError, Client, build_request};

use lambda_runtime::Diagnostic;

use crate::custom_resource;
use crate::handler::{self, HandlerError};
use crate::layers::{MacroLayers, may_be_macro};

/// Echoed on the response, as the runtime does, so that Lambda can refuse a stale one.
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";

/// The layer; its client talks to the Runtime API named by `AWS_LAMBDA_RUNTIME_API`.
pub struct MacroLayer {
    client: Arc<Client>,
    layers: Arc<MacroLayers>,
}

impl MacroLayer {
    /// The layer, sharing `layers` (and so its cache) with the handler.
    pub fn from_env(layers: Arc<MacroLayers>) -> Result<Self, BoxError> {
        let client = Client::builder().build()?;
        Ok(MacroLayer {
            client: Arc::new(client),
            layers,
        })
    }
}

impl<S> Layer<S> for MacroLayer {
    type Service = MacroService<S>;

    fn layer(&self, inner: S) -> MacroService<S> {
        MacroService {
            inner,
            client: self.client.clone(),
            layers: self.layers.clone(),
        }
    }
}

pub struct MacroService<S> {
    inner: S,
    client: Arc<Client>,
    layers: Arc<MacroLayers>,
}

/// The handler's future, or the post of an answer.
pub enum MacroFuture<F> {
    Handler(Pin<Box<F>>),
    Posted(Pin<Box<dyn Future<Output = Result<(), BoxError>>>>),
}

impl<F: Future<Output = Result<(), BoxError>>> Future for MacroFuture<F> {
    type Output = Result<(), BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            MacroFuture::Handler(f) => f.as_mut().poll(cx),
            MacroFuture::Posted(f) => f.as_mut().poll(cx),
        }
    }
}

impl<S> Service<LambdaInvocation> for MacroService<S>
where
    S: Service<LambdaInvocation, Response = (), Error = BoxError>,
{
    type Response = ();
    type Error = BoxError;
    type Future = MacroFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> Self::Future {
        let text = std::str::from_utf8(&invocation.body).unwrap_or_default();
        if !may_be_macro(text) || custom_resource::has_response_url(text) {
            return MacroFuture::Handler(Box::pin(self.inner.call(invocation)));
        }
        let client = self.client.clone();
        let layers = self.layers.clone();
        MacroFuture::Posted(Box::pin(async move {
            let text = std::str::from_utf8(&invocation.body).unwrap_or_default();
            let token = handler::unqualified(&invocation.context.invoked_function_arn);
            // Outside the runtime's own panic guard: a panic here is caught, and answered.
            let answering = AssertUnwindSafe(layers.answer(text, token)).catch_unwind();
            let request = match answering.await {
                Ok(Ok(Some(answer))) => {
                    handler::log_macro(&answer);
                    response_request(&invocation, answer.json)
                }
                // Neither a macro request nor a custom resource's: what the handler answers.
                Ok(Ok(None)) => {
                    tracing::warn!(kind = "unknown", error = ?HandlerError::UnknownEvent);
                    error_request(&invocation, &Diagnostic::from(HandlerError::UnknownEvent))
                }
                Ok(Err(())) | Err(_) => error_request(&invocation, &panicked()),
            };
            client.call(request?).await.map(drop).inspect_err(|e| {
                tracing::error!(error = ?e, "failed to send the macro's answer to the Lambda Runtime API");
            })
        }))
    }
}

/// What is reported when answering panicked: never the panic's message, which could
/// quote the template.
fn panicked() -> Diagnostic {
    tracing::error!(kind = "macro", status = "panicked");
    Diagnostic {
        error_type: "MacroPanic".into(),
        error_message:
            "the macro failed unexpectedly; nothing was changed, and this function's log has the request"
                .into(),
    }
}

/// `POST /2018-06-01/runtime/invocation/{id}/error` with the diagnostic as its body.
fn error_request(
    invocation: &LambdaInvocation,
    diagnostic: &Diagnostic,
) -> Result<http::Request<Body>, BoxError> {
    let uri = format!(
        "/2018-06-01/runtime/invocation/{}/error",
        invocation.context.request_id
    );
    let body =
        serde_json::json!({"errorType": diagnostic.error_type, "errorMessage": diagnostic.error_message});
    let mut request = build_request().method(Method::POST).uri(uri).header(
        "lambda-runtime-function-error-type",
        diagnostic.error_type.as_str(),
    );
    if let Some(id) = invocation.parts.headers.get(INVOCATION_ID) {
        request = request.header(INVOCATION_ID, id);
    }
    Ok(request.body(Body::from(body.to_string()))?)
}

/// `POST /2018-06-01/runtime/invocation/{id}/response` with the answer as its body.
fn response_request(invocation: &LambdaInvocation, body: Vec<u8>) -> Result<http::Request<Body>, BoxError> {
    let uri = format!(
        "/2018-06-01/runtime/invocation/{}/response",
        invocation.context.request_id
    );
    let mut request = build_request().method(Method::POST).uri(uri);
    if let Some(id) = invocation.parts.headers.get(INVOCATION_ID) {
        request = request.header(INVOCATION_ID, id);
    }
    Ok(request.body(Body::from(body))?)
}

#[cfg(test)]
#[path = "macro_lane_tests.rs"]
mod tests;
