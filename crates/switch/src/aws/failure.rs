//! An AWS call's failure in words that quote nothing of what was sent.
//!
//! AWS error messages can quote the request or the resource: Lambda refuses an environment
//! over 4 KB with `... String measured: {every variable and its value}`. A CloudFormation
//! `Reason` is read by anyone who can read the stack's events, and logs and the command
//! line's output travel further still. So a failure keeps only what classifies it: the
//! error code, the HTTP status, and which part of the transport failed. Its message is
//! never kept, and the SDK error itself is dropped, so that no error chain can print it.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What went wrong with one AWS call, without the service's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFailure {
    pub kind: FailureKind,
    /// The service's error code (`AccessDeniedException`, `ThrottlingException`, …).
    pub code: Option<String>,
    /// The HTTP status of the answer, when there was one.
    pub status: Option<u16>,
    /// For an access denied, the action IAM names in its message (`lambda:GetLayerVersion`),
    /// when it names one: an action's name only, nothing else of the message.
    pub denied_action: Option<String>,
    /// For Lambda's "Layer version <ARN> does not exist.", that ARN (a layer version the
    /// request named), and nothing else of the message.
    pub missing_layer: Option<String>,
}

/// The classes of failure that call for different advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The caller lacks a permission.
    AccessDenied,
    /// The credentials are missing, expired or not recognised.
    Credentials,
    /// AWS kept throttling after the SDK's retries.
    Throttled,
    /// The service failed (HTTP 5xx), not the request.
    ServerError,
    /// No answer in time.
    Timeout,
    /// The endpoint could not be reached.
    Connection,
    /// An answer came but could not be read as the service's.
    Unreadable,
    /// The service refused the request for another reason, named by its code.
    Refused,
    /// The request could not be built or sent.
    Request,
}

impl AwsFailure {
    /// Classifies an SDK error, keeping its code and status only.
    pub fn of<E>(err: &SdkError<E, Response>) -> AwsFailure
    where
        E: ProvideErrorMetadata,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = err.code().map(str::to_owned);
        let kind = match err {
            SdkError::TimeoutError(_) => FailureKind::Timeout,
            SdkError::DispatchFailure(d) if d.is_timeout() => FailureKind::Timeout,
            SdkError::DispatchFailure(d) if d.is_user() => FailureKind::Request,
            SdkError::DispatchFailure(_) => FailureKind::Connection,
            SdkError::ConstructionFailure(_) => FailureKind::Request,
            SdkError::ResponseError(_) => FailureKind::Unreadable,
            _ => classify(code.as_deref(), status),
        };
        let denied_action = match kind {
            FailureKind::AccessDenied => err.message().and_then(denied_action),
            _ => None,
        };
        let missing_layer = match kind {
            FailureKind::Refused => err.message().and_then(missing_layer),
            _ => None,
        };
        AwsFailure {
            kind,
            code,
            status,
            denied_action,
            missing_layer,
        }
    }

    pub fn is_access_denied(&self) -> bool {
        self.kind == FailureKind::AccessDenied
    }
}

/// The action of `… is not authorized to perform: <service>:<Action> on resource: …`, when
/// it has that shape exactly.
fn denied_action(message: &str) -> Option<String> {
    let (_, after) = message.split_once("not authorized to perform: ")?;
    let action = after.split(|c: char| c.is_whitespace() || c == ',').next()?;
    let (service, name) = action.split_once(':')?;
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric());
    (service_ok && name_ok).then(|| action.to_owned())
}

/// The ARN of `Layer version <ARN> does not exist.`, when it is a layer version ARN.
fn missing_layer(message: &str) -> Option<String> {
    let arn = message
        .strip_prefix("Layer version ")?
        .strip_suffix(" does not exist.")?;
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() == 8
        && parts[0] == "arn"
        && parts[2] == "lambda"
        && parts[5] == "layer"
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        && !parts[7].is_empty();
    ok.then(|| arn.to_owned())
}

/// A service's answer, by its code, else its status.
fn classify(code: Option<&str>, status: Option<u16>) -> FailureKind {
    match code {
        Some(c)
            if c.starts_with("AccessDenied") || c == "UnauthorizedOperation" || c == "AuthorizationError" =>
        {
            FailureKind::AccessDenied
        }
        Some(
            "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "MissingAuthenticationToken"
            | "IncompleteSignature",
        ) => FailureKind::Credentials,
        Some(
            "ThrottlingException"
            | "Throttling"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "ProvisionedThroughputExceededException"
            | "RequestThrottled"
            | "SlowDown",
        ) => FailureKind::Throttled,
        _ if status.is_some_and(|s| s >= 500) => FailureKind::ServerError,
        Some(_) => FailureKind::Refused,
        None if status == Some(429) => FailureKind::Throttled,
        None => FailureKind::Unreadable,
    }
}

impl fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = |f: &mut fmt::Formatter<'_>| match self.status {
            Some(s) => write!(f, " (HTTP {s})"),
            None => Ok(()),
        };
        match (&self.code, self.kind) {
            (_, FailureKind::Timeout) => f.write_str("no answer in time"),
            (_, FailureKind::Connection) => f.write_str("the endpoint could not be reached"),
            (_, FailureKind::Request) => f.write_str("the request could not be sent"),
            (Some(code), FailureKind::ServerError) => {
                write!(f, "{code}, a server error")?;
                status(f)
            }
            (None, FailureKind::ServerError) => {
                write!(f, "a server error")?;
                status(f)
            }
            (Some(code), _) => f.write_str(code),
            (None, _) => {
                write!(f, "an answer that is not the service's")?;
                status(f)
            }
        }
    }
}

#[cfg(test)]
#[path = "failure_tests.rs"]
mod tests;
