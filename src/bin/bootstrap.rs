//! `bootstrap`: the Lambda function (`provided.al2023`). Wiring only: see `handler`.

use lambda_profiling::handler::{Handler, init_logging};
use lambda_runtime::{Error, service_fn};

// The macro allocates many small values; mimalloc does that at a fraction of glibc's cost.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let handler = Handler::default();
    lambda_runtime::run(service_fn(|event| handler.handle(event))).await
}
