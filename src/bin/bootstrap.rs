//! `bootstrap`: the Lambda function (`provided.al2023`). Wiring only: see `Handler`,
//! and `MacroLayer`, which answers macro requests from the invocation's bytes.

use lambda_profiling::{Handler, MacroLayer, init_logging};
use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{Error, Runtime, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let handler = Handler::default();
    // The agent layers' lookup starts now, beside the runtime's start.
    handler.layers().start();
    Runtime::new(service_fn(|event| handler.handle(event)))
        .layer(MacroLayer::from_env(handler.layers())?)
        .layer(TracingLayer::new())
        .run()
        .await
}
