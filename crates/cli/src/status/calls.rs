//! What every AWS call of `status` shares (feature `aws`), a leaf: the bound on calls in
//! flight, the words for an SDK error, and why `status` could not answer.

use std::future::Future;
use std::sync::Arc;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use lambda_profiling_switch::aws::failure::{AwsFailure, FailureKind};

use super::assess::Unread;
use tokio::sync::Semaphore;

/// Why `status` could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("no region: pass --region, or set AWS_REGION or a region in your AWS profile")]
    NoRegion,
    #[error("cannot list the functions in {region} {error}")]
    List { region: String, error: String },
    #[error("function {name} does not exist in {regions}: check the name, or pass the --region it is in")]
    NotFound { name: String, regions: String },
    #[error("cannot read function {name} in {region} {error}")]
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

/// A failed call as `status` says it: denied (the permission to grant), throttled, or a
/// service that did not answer as it should at `endpoint` (nothing to grant: retry).
pub(crate) fn unread<E>(e: &SdkError<E>, endpoint: String) -> Unread
where
    E: ProvideErrorMetadata,
{
    let failure = AwsFailure::of(e);
    Unread {
        said: failure.to_string(),
        denied: matches!(failure.kind, FailureKind::AccessDenied | FailureKind::Credentials),
        endpoint,
    }
}

/// What to do about a call that failed: in parentheses what went wrong, then the fix.
pub(crate) fn what_to_do<E>(e: &SdkError<E>, permission: &str, endpoint: String) -> String
where
    E: ProvideErrorMetadata,
{
    let u = unread(e, endpoint);
    match u.denied {
        true => format!(
            "({}): check your credentials and that they allow {permission}",
            u.said
        ),
        false => format!(
            "({} from {}): AWS did not answer as it should, which no permission fixes; retry later, or check \
             that endpoint",
            u.said, u.endpoint
        ),
    }
}
