//! The one error type of the custom resource's operations. Each becomes the `Reason` of
//! a FAILED response, so each message says what went wrong and what the user can do.

use std::error::Error as StdError;

use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata};

type Source = Box<dyn StdError + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
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
    /// An AWS call failed after the SDK's own retries.
    #[error("{call} on {target} failed: {detail}{hint}")]
    Aws {
        call: &'static str,
        target: String,
        detail: String,
        hint: &'static str,
        #[source]
        source: Source,
    },
    /// A failure, and what became of the changes made before it.
    #[error("{source}{note}")]
    Partial {
        #[source]
        source: Box<Error>,
        note: String,
    },
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an SDK error, keeping it as the source and naming the call and target.
    pub(crate) fn aws<E>(call: &'static str, target: impl Into<String>, err: E) -> Self
    where
        E: StdError + ProvideErrorMetadata + Send + Sync + 'static,
    {
        let hint = match err.code() {
            Some(code) if code.starts_with("AccessDenied") || code == "UnauthorizedOperation" => {
                ". The lambda-profiling execution role lacks this permission: update the macro stack's role or its FunctionScope parameter"
            }
            Some("ThrottlingException" | "Throttling" | "TooManyRequestsException") => {
                ". AWS kept throttling after several retries: retry the stack operation later"
            }
            _ => "",
        };
        let detail = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            _ => DisplayErrorContext(&err).to_string(),
        };
        Error::Aws {
            call,
            target: target.into(),
            detail,
            hint,
            source: Box::new(err),
        }
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
