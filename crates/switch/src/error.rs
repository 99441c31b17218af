//! The one error type of the custom resource's operations. Each becomes the `Reason` of
//! a FAILED response, so each message says what went wrong and what the user can do.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::failure::{AwsFailure, FailureKind};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is wrong (properties, ids): fixing the template fixes it.
    #[error("{0}")]
    Invalid(String),
    /// The function cannot be profiled as it is.
    #[error("{0}")]
    Unsupported(String),
    /// A limit or a missing piece stops the operation; the message names it, says how
    /// many resources share the role where that matters, and what to do.
    #[error("{0}")]
    Blocked(String),
    /// An AWS call failed after the SDK's own retries. Only its code is kept: the
    /// service's message can quote a function's configuration (see [`AwsFailure`]).
    #[error("{call} on {target} failed: {failure}{hint}")]
    Aws {
        call: &'static str,
        target: String,
        /// Boxed: a `Result` with this error stays small.
        failure: Box<AwsFailure>,
        hint: &'static str,
    },
    /// A failure, and what became of the changes made before it.
    #[error("{source}{note}")]
    Partial {
        #[source]
        source: Box<Error>,
        note: String,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An SDK error as the failure of `call` on `target`: its code and the advice for
    /// its class, never its message.
    pub(crate) fn aws<E>(call: &'static str, target: impl Into<String>, err: SdkError<E, Response>) -> Self
    where
        E: ProvideErrorMetadata,
    {
        let failure = AwsFailure::of(&err);
        Error::Aws {
            call,
            target: target.into(),
            hint: hint(failure.kind),
            failure: Box::new(failure),
        }
    }

    /// The failure of an AWS call, when this is one.
    pub(crate) fn aws_failure(&self) -> Option<&AwsFailure> {
        match self {
            Error::Aws { failure, .. } => Some(failure),
            Error::Partial { source, .. } => source.aws_failure(),
            _ => None,
        }
    }
}

/// What to do about a class of failure.
fn hint(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::AccessDenied => {
            ". The lambda-profiling execution role lacks this permission: update the macro stack's role or its FunctionScope parameter"
        }
        FailureKind::Throttled => {
            ". AWS kept throttling after several retries: retry the stack operation later"
        }
        FailureKind::ServerError
        | FailureKind::Timeout
        | FailureKind::Connection
        | FailureKind::Unreadable => {
            ". AWS did not answer normally; nothing here is wrong with the request: retry the stack operation later"
        }
        FailureKind::Credentials => ". The credentials were not accepted: check them",
        FailureKind::Refused | FailureKind::Request => "",
    }
}

/// A Create that failed after changing something has taken its changes back
/// (CloudFormation's Delete of a `failed-create:` id does nothing): the error, and
/// whether the undoing worked.
pub(crate) fn undo_failed_create(source: Error, undone: Result<()>) -> Error {
    let note = match undone {
        Ok(()) => "; what this Create had changed was undone".to_owned(),
        Err(undo) => format!("; undoing what this Create had changed also failed: {undo}"),
    };
    Error::Partial {
        source: Box::new(source),
        note,
    }
}
