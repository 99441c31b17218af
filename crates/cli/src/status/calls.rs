//! What every AWS call of `status` shares (feature `aws`), a leaf: the bound on calls in
//! flight, the words for an SDK error, and why `status` could not answer.

use std::future::Future;
use std::sync::Arc;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use lambda_profiling::aws_error::AwsFailure;
use tokio::sync::Semaphore;

/// Why `status` could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("no region: pass --region, or set AWS_REGION or a region in your AWS profile")]
    NoRegion,
    #[error(
        "cannot list the functions in {region} ({error}): check your credentials and that they allow lambda:ListFunctions"
    )]
    List { region: String, error: String },
    #[error("function {name} does not exist in {regions}: check the name, or pass the --region it is in")]
    NotFound { name: String, regions: String },
    #[error(
        "cannot read function {name} in {region} ({error}): check your credentials and that they allow lambda:GetFunction"
    )]
    Get {
        name: String,
        region: String,
        error: String,
    },
}

/// At most N calls in flight.
#[derive(Clone)]
pub(crate) struct Limit(Arc<Semaphore>);

impl Limit {
    pub(crate) fn new(concurrency: usize) -> Limit {
        Limit(Arc::new(Semaphore::new(concurrency.max(1))))
    }

    pub(crate) async fn run<F: Future>(&self, call: F) -> F::Output {
        let _permit = self.0.acquire().await.expect("the semaphore is never closed");
        call.await
    }
}

/// An SDK error as a short phrase: its code or the class of failure, never the service's
/// message, which can quote a function's configuration (see [`AwsFailure`]).
pub(crate) fn said<E>(e: &SdkError<E>) -> String
where
    E: ProvideErrorMetadata,
{
    AwsFailure::of(e).to_string()
}
