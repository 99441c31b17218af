//! The one error type of the custom resource's operations. Each becomes the `Reason` of
//! a FAILED response, so each message says what went wrong and what the user can do.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::failure::{AwsFailure, FailureKind};
use crate::message::{Advice, Message, Reader};
use crate::say;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is wrong (properties, ids): fixing the template fixes it.
    #[error("{0}")]
    Invalid(Message),
    /// The function cannot be profiled as it is.
    #[error("{0}")]
    Unsupported(Message),
    /// A limit or a missing piece stops the operation; the message names it, says how
    /// many resources share the role where that matters, and what to do.
    #[error("{0}")]
    Blocked(Message),
    /// An AWS call failed after the SDK's own retries. Only its code is kept: the
    /// service's message can quote a function's configuration (see [`AwsFailure`]).
    #[error("{}", self.render(Reader::StackAuthor))]
    Aws {
        call: &'static str,
        target: String,
        /// Boxed: a `Result` with this error stays small.
        failure: Box<AwsFailure>,
    },
    /// A failure, and what became of the changes made before it.
    #[error("{}", self.render(Reader::StackAuthor))]
    Partial {
        #[source]
        source: Box<Error>,
        after: Aftermath,
    },
}

/// What became of a failed operation's earlier changes.
#[derive(Debug)]
pub enum Aftermath {
    /// A Create (or `enable`) that failed after changing something took its changes back
    /// (CloudFormation's Delete of a `failed-create:` id does nothing).
    Undone,
    /// Taking them back failed too.
    UndoFailed(Box<Error>),
    /// The function was left unchanged, but recording so failed.
    Unrecorded(Box<Error>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(message: impl Into<Message>) -> Self {
        Error::Invalid(message.into())
    }

    pub(crate) fn unsupported(message: impl Into<Message>) -> Self {
        Error::Unsupported(message.into())
    }

    pub(crate) fn blocked(message: impl Into<Message>) -> Self {
        Error::Blocked(message.into())
    }

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

    /// The error as `reader` reads it: a stack's author (the FAILED reason) or a
    /// command-line user.
    pub fn render(&self, reader: Reader) -> String {
        match self {
            Error::Invalid(m) | Error::Unsupported(m) | Error::Blocked(m) => m.render(reader),
            Error::Aws {
                call,
                target,
                failure,
            } => format!(
                "{call} on {target} failed: {failure}{}",
                hint(failure.kind).render(reader)
            ),
            Error::Partial { source, after } => {
                let what = Advice::ThisOperation.say(reader);
                let note = match after {
                    Aftermath::Undone => format!("; what {what} had changed was undone"),
                    Aftermath::UndoFailed(e) => {
                        format!(
                            "; undoing what {what} had changed also failed: {}",
                            e.render(reader)
                        )
                    }
                    Aftermath::Unrecorded(e) => format!(
                        "; recording that the function is unchanged also failed: {}",
                        e.render(reader)
                    ),
                };
                source.render(reader) + &note
            }
        }
    }
}

/// What to do about a class of failure.
fn hint(kind: FailureKind) -> Message {
    match kind {
        FailureKind::AccessDenied => say![". ", Advice::GrantPermission],
        FailureKind::Throttled => say![
            ". AWS kept throttling after several retries: ",
            Advice::RetryLater
        ],
        FailureKind::ServerError
        | FailureKind::Timeout
        | FailureKind::Connection
        | FailureKind::Unreadable => say![
            ". AWS did not answer normally; nothing here is wrong with the request: ",
            Advice::RetryLater
        ],
        FailureKind::Credentials => Message::from(". The credentials were not accepted: check them"),
        FailureKind::Refused | FailureKind::Request => Message::default(),
    }
}

/// A Create that failed after changing something has taken its changes back: the error,
/// and whether the undoing worked.
pub(crate) fn undo_failed_create(source: Error, undone: Result<()>) -> Error {
    let after = match undone {
        Ok(()) => Aftermath::Undone,
        Err(e) => Aftermath::UndoFailed(Box::new(e)),
    };
    Error::Partial {
        source: Box::new(source),
        after,
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
