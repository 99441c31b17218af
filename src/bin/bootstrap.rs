//! `bootstrap`: the Lambda function (`provided.al2023`). Wiring only: see `handler`.

use lambda_profiling::handler::{Handler, init_logging};
use lambda_runtime::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let handler = Handler::default();
    lambda_runtime::run(service_fn(|event| handler.handle(event))).await
}
