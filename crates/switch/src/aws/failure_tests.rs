use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;

use super::*;

/// Lambda's refusal of a large environment, as the service words it: the message quotes it.
const QUOTING: &str = "Lambda was unable to configure your environment variables because the environment \
                       variables you have provided exceeded the 4KB limit. String measured: {\"API_TOKEN\":\"s3cr3t\"}";

fn service(code: Option<&str>, message: &str, status: u16) -> SdkError<ErrorMetadata, Response> {
    let mut meta = ErrorMetadata::builder().message(message);
    if let Some(code) = code {
        meta = meta.code(code);
    }
    let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(message));
    SdkError::service_error(meta.build(), raw)
}

#[test]
fn a_service_error_keeps_its_code_and_never_its_message() {
    let failure = AwsFailure::of(&service(Some("InvalidParameterValueException"), QUOTING, 400));
    assert_eq!(failure.kind, FailureKind::Refused);
    assert_eq!(failure.to_string(), "InvalidParameterValueException");
    assert!(!format!("{failure:?}").contains("s3cr3t"));
}

#[test]
fn each_class_of_failure_is_told_apart() {
    let cases = [
        (Some("AccessDeniedException"), 403, FailureKind::AccessDenied),
        (Some("AccessDenied"), 403, FailureKind::AccessDenied),
        (Some("ExpiredToken"), 403, FailureKind::Credentials),
        (Some("ThrottlingException"), 400, FailureKind::Throttled),
        (Some("TooManyRequestsException"), 429, FailureKind::Throttled),
        (Some("ServiceException"), 500, FailureKind::ServerError),
        (None, 500, FailureKind::ServerError),
        (None, 429, FailureKind::Throttled),
        (Some("ResourceConflictException"), 409, FailureKind::Refused),
        (None, 404, FailureKind::Unreadable),
    ];
    for (code, status, kind) in cases {
        let failure = AwsFailure::of(&service(code, QUOTING, status));
        assert_eq!(failure.kind, kind, "{code:?} {status}");
        assert!(!failure.to_string().contains("s3cr3t"));
    }
}

#[test]
fn a_server_error_without_a_code_says_so_with_its_status() {
    let failure = AwsFailure::of(&service(None, "<html>Internal Server Error</html>", 500));
    assert_eq!(failure.to_string(), "a server error (HTTP 500)");
}

#[test]
fn transport_failures_are_named_without_the_connectors_words() {
    let timeout: SdkError<ErrorMetadata, Response> =
        SdkError::dispatch_failure(ConnectorError::timeout("read timed out after 3.1s".into()));
    assert_eq!(AwsFailure::of(&timeout).kind, FailureKind::Timeout);
    assert_eq!(AwsFailure::of(&timeout).to_string(), "no answer in time");
    let refused: SdkError<ErrorMetadata, Response> =
        SdkError::dispatch_failure(ConnectorError::io("tcp connect error: Connection refused".into()));
    assert_eq!(
        AwsFailure::of(&refused).to_string(),
        "the endpoint could not be reached"
    );
    let unreadable: SdkError<ErrorMetadata, Response> = SdkError::response_error(
        "invalid JSON",
        Response::new(StatusCode::try_from(200).unwrap(), SdkBody::empty()),
    );
    assert_eq!(AwsFailure::of(&unreadable).kind, FailureKind::Unreadable);
}

#[test]
fn an_access_denied_keeps_the_action_it_names_and_nothing_else() {
    let message = "User: arn:aws:sts::123456789012:assumed-role/lambda-profiling-Role/fn is not authorized to \
                   perform: lambda:GetLayerVersion on resource: arn:aws:lambda:us-east-1:999999999999:layer:secret-team-layer:3 \
                   because no resource-based policy allows the lambda:GetLayerVersion action";
    let failure = AwsFailure::of(&service(Some("AccessDeniedException"), message, 403));
    assert_eq!(failure.denied_action.as_deref(), Some("lambda:GetLayerVersion"));
    assert_eq!(failure.to_string(), "AccessDeniedException");
    let odd = AwsFailure::of(&service(
        Some("AccessDeniedException"),
        "not authorized to perform: x y",
        403,
    ));
    assert_eq!(odd.denied_action, None);
    let other = AwsFailure::of(&service(Some("ThrottlingException"), message, 400));
    assert_eq!(other.denied_action, None, "only an access denied names an action");
}

#[test]
fn a_missing_layer_version_keeps_its_arn_and_nothing_else() {
    let arn = "arn:aws:lambda:us-east-1:123456789012:layer:deps:99";
    let failure = AwsFailure::of(&service(
        Some("InvalidParameterValueException"),
        &format!("Layer version {arn} does not exist."),
        400,
    ));
    assert_eq!(failure.missing_layer.as_deref(), Some(arn));
    let quoting = AwsFailure::of(&service(Some("InvalidParameterValueException"), QUOTING, 400));
    assert_eq!(quoting.missing_layer, None);
    let odd = AwsFailure::of(&service(
        Some("InvalidParameterValueException"),
        "Layer version {\"SECRET\":\"x\"} does not exist.",
        400,
    ));
    assert_eq!(odd.missing_layer, None, "only an ARN's shape is kept");
}
