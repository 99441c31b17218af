//! The resolver's calls, against mocked `GetLayerVersion` answers shaped as Lambda's: a
//! version of another account's layer that does not exist is refused with 403
//! AccessDeniedException "... because no resource-based policy allows ..." (what Lambda
//! says of a version no policy shares), not 404.

use std::time::Duration;

use aws_sdk_lambda::error::ErrorMetadata;
use aws_sdk_lambda::operation::get_layer_version::{GetLayerVersionError, GetLayerVersionOutput};
use aws_sdk_lambda::types::Runtime;
use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use lambda_profiling_macro::agent::{Family, Refusal};

use super::*;

const BUDGET: Duration = Duration::from_secs(5);
const BOTH: [Family; 2] = [Family::Python, Family::Java];

fn denied(message: &str) -> MockResponse<GetLayerVersionOutput, GetLayerVersionError> {
    let meta = ErrorMetadata::builder()
        .code("AccessDeniedException")
        .message(message)
        .build();
    MockResponse::Error(GetLayerVersionError::generic(meta))
}

/// The publisher with Python 11-13 (and `python_extra`, say a version after a gap) and
/// Java 12; `deny` answers every call as the caller's own policy would.
fn publisher(deny: bool, python_extra: Option<i64>) -> aws_sdk_lambda::Client {
    let rule = mock!(aws_sdk_lambda::Client::get_layer_version).then_compute_response(move |input| {
        if deny {
            return denied(
                "User: arn:aws:sts::1:assumed-role/quoted-secret is not authorized to perform: \
                 lambda:GetLayerVersion because no identity-based policy allows the lambda:GetLayerVersion action",
            );
        }
        let name = input.layer_name().unwrap_or_default();
        let version = input.version_number();
        let runtimes: &[Runtime] = match (name.contains("Python"), version) {
            (true, Some(11 | 12)) => &[Runtime::Python38, Runtime::Python39],
            (true, Some(13)) => &[Runtime::Python310, Runtime::Python312, Runtime::Python313],
            (true, v) if v == python_extra => &[Runtime::Python313],
            (false, Some(12)) => &[Runtime::Java21],
            _ => {
                return denied(
                    "User: arn:aws:sts::1:assumed-role/r is not authorized to perform: lambda:GetLayerVersion \
                     on resource: arn:aws:lambda:eu-west-1:157417159150:layer:x:99 because no resource-based \
                     policy allows the lambda:GetLayerVersion action",
                );
            }
        };
        let out = GetLayerVersionOutput::builder().set_compatible_runtimes(Some(runtimes.to_vec()));
        MockResponse::Output(out.build())
    });
    mock_client!(aws_sdk_lambda, RuleMode::MatchAny, &[&rule])
}

#[tokio::test]
async fn both_catalogs_are_probed_in_one_round_then_cached() {
    let resolver = LayerResolver::new(publisher(false, None));
    let first = resolver.resolve("eu-west-1", &BOTH, &[], BUDGET).await;
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    // One round each: Python 13-17 (the newest the table knows, and four past it; 11 and
    // 12 are not needed, 13 serves what they do), Java 12-16.
    assert_eq!(first.calls, 5 + 5);
    let python = resolver
        .resolve("eu-west-2", &[Family::Python], &[], BUDGET)
        .await;
    assert_eq!(python.calls, 5, "a family not asked for is not probed");
    let p = &first.published;
    assert_eq!(
        p.newest(Family::Python, "eu-west-1", &["python3.12"]),
        Some(Ok(13))
    );
    assert_eq!(p.newest(Family::Java, "eu-west-1", &["java21"]), Some(Ok(12)));
    let fourteen = Family::Python.layer_arn("eu-west-1", 14).unwrap();
    assert_eq!(
        p.check(&fourteen, Family::Python, &["python3.12"]),
        Err(Refusal::Missing)
    );
    let again = resolver.resolve("eu-west-1", &BOTH, &[], BUDGET).await;
    assert_eq!(again.calls, 0, "a warm execution environment asks nothing");
    assert_eq!(
        again
            .published
            .newest(Family::Python, "eu-west-1", &["python3.12"]),
        Some(Ok(13))
    );
}

#[tokio::test]
async fn a_deleted_version_is_passed_over() {
    // 14 is gone, 15 is there: the probe goes on until four in a row are missing.
    let resolver = LayerResolver::new(publisher(false, Some(15)));
    let found = resolver.resolve("eu-west-1", &BOTH, &[], BUDGET).await;
    let p = &found.published;
    assert_eq!(
        p.newest(Family::Python, "eu-west-1", &["python3.13"]),
        Some(Ok(15))
    );
    assert_eq!(found.calls, 5 + 4 + 5, "Python 13-17 then 18-21, Java 12-16");
}

#[tokio::test]
async fn a_pinned_version_is_asked_for_once_and_no_region_without_layers_is_probed() {
    let resolver = LayerResolver::new(publisher(false, None));
    let nine = Family::Python.layer_arn("eu-west-1", 9).unwrap();
    let pins = vec![nine.clone(), nine.clone()];
    let found = resolver.resolve("eu-west-1", &BOTH, &pins, BUDGET).await;
    assert_eq!(found.calls, 5 + 5 + 1, "the same pin twice is asked once");
    let refused = found.published.check(&nine, Family::Python, &["python3.9"]);
    assert_eq!(refused, Err(Refusal::Missing), "not shared: as good as missing");
    let again = resolver.resolve("eu-west-1", &BOTH, &[nine], BUDGET).await;
    assert_eq!(again.calls, 0);
    let elsewhere = resolver.resolve("eu-south-1", &BOTH, &[], BUDGET).await;
    assert_eq!(
        (elsewhere.calls, elsewhere.failures.len()),
        (0, 0),
        "no agent layer there"
    );
}

#[tokio::test]
async fn a_denied_api_leaves_the_layers_unverified_and_is_not_asked_again_at_once() {
    let resolver = LayerResolver::new(publisher(true, None));
    let denied = resolver.resolve("eu-west-1", &BOTH, &[], BUDGET).await;
    assert!(denied.published.is_empty());
    assert_eq!(denied.failures.len(), 2, "{:?}", denied.failures);
    let (what, why) = &denied.failures[0];
    assert_eq!(what, "Python in eu-west-1");
    assert!(why.is_access_denied());
    assert!(
        !format!("{why} {why:?}").contains("quoted-secret"),
        "AWS's message is never kept"
    );
    assert_eq!(
        denied
            .published
            .newest(Family::Python, "eu-west-1", &["python3.12"]),
        None
    );
    let again = resolver.resolve("eu-west-1", &BOTH, &[], BUDGET).await;
    assert_eq!(again.calls, 0, "a failure is remembered for a while");
}
