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
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Method;
use lambda_runtime::tower::Layer;
use lambda_runtime::{LambdaInvocation, Service};
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{BoxError, Client, build_request};

use crate::handler;

/// Echoed on the response, as the runtime does, so that Lambda can refuse a stale one.
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";

/// The layer; its client talks to the Runtime API named by `AWS_LAMBDA_RUNTIME_API`.
pub struct MacroLayer {
    client: Arc<Client>,
}

impl MacroLayer {
    pub fn from_env() -> Result<Self, BoxError> {
        let client = Client::builder().build()?;
        Ok(MacroLayer {
            client: Arc::new(client),
        })
    }
}

impl<S> Layer<S> for MacroLayer {
    type Service = MacroService<S>;

    fn layer(&self, inner: S) -> MacroService<S> {
        MacroService {
            inner,
            client: self.client.clone(),
        }
    }
}

pub struct MacroService<S> {
    inner: S,
    client: Arc<Client>,
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
        let token = handler::unqualified(&invocation.context.invoked_function_arn);
        let answered = catch_unwind(AssertUnwindSafe(|| {
            std::str::from_utf8(&invocation.body)
                .ok()
                .and_then(|text| lambda_profiling_macro::answer(text, token))
        }));
        let Ok(Some(answer)) = answered else {
            return MacroFuture::Handler(Box::pin(self.inner.call(invocation)));
        };
        handler::log_macro(&answer);
        let request = response_request(&invocation, answer.json);
        let client = self.client.clone();
        MacroFuture::Posted(Box::pin(async move {
            client.call(request?).await.map(drop).inspect_err(|e| {
                tracing::error!(error = ?e, "failed to send the macro's answer to the Lambda Runtime API");
            })
        }))
    }
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
