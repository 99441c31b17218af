//! `bootstrap`: the Lambda function (`provided.al2023`). Wiring only: see `handler`,
//! and `macro_lane`, which answers macro requests from the invocation's bytes.

use lambda_profiling::handler::{Handler, init_logging};
use lambda_profiling::macro_lane::MacroLayer;
use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{Error, Runtime, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let handler = Handler::default();
    Runtime::new(service_fn(|event| handler.handle(event)))
        .layer(MacroLayer::from_env()?)
        .layer(TracingLayer::new())
        .run()
        .await
}
