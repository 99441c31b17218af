//! The resolver's calls, against mocked `GetLayerVersion` answers.

use std::time::Duration;

use aws_sdk_lambda::error::ErrorMetadata;
use aws_sdk_lambda::operation::get_layer_version::{GetLayerVersionError, GetLayerVersionOutput};
use aws_sdk_lambda::types::Runtime;
use aws_sdk_lambda::types::error::ResourceNotFoundException;
use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use lambda_profiling_macro::agent::Family;

use super::*;

const BUDGET: Duration = Duration::from_secs(5);

/// A publisher with Python 11–13 and Java 12 in every region; `deny` answers every call
/// with AccessDeniedException instead.
fn publisher(deny: bool) -> aws_sdk_lambda::Client {
    let rule = mock!(aws_sdk_lambda::Client::get_layer_version).then_compute_response(move |input| {
        if deny {
            let meta = ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("quoted secret")
                .build();
            return MockResponse::Error(GetLayerVersionError::generic(meta));
        }
        let name = input.layer_name().unwrap_or_default();
        let runtimes: &[Runtime] = match (name.contains("Python"), input.version_number()) {
            (true, Some(11 | 12)) => &[Runtime::Python38, Runtime::Python39],
            (true, Some(13)) => &[Runtime::Python310, Runtime::Python312, Runtime::Python313],
            (false, Some(12)) => &[Runtime::Java21],
            _ => {
                let missing = ResourceNotFoundException::builder().build();
                return MockResponse::Error(GetLayerVersionError::ResourceNotFoundException(missing));
            }
        };
        let out = GetLayerVersionOutput::builder().set_compatible_runtimes(Some(runtimes.to_vec()));
        MockResponse::Output(out.build())
    });
    mock_client!(aws_sdk_lambda, RuleMode::MatchAny, &[&rule])
}

#[tokio::test]
async fn both_catalogs_are_probed_a_window_at_a_time_then_cached() {
    let resolver = LayerResolver::new(publisher(false));
    let first = resolver.resolve("eu-west-1", &[], BUDGET).await;
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    // Python 11-14 (14 missing ends it), Java 12-15: two windows of four.
    assert_eq!(first.calls, 2 * WINDOW as usize);
    let p = &first.published;
    assert_eq!(
        p.newest(Family::Python, "eu-west-1", &["python3.12"]),
        Some(Ok(13))
    );
    assert_eq!(
        p.newest(Family::Python, "eu-west-1", &["python3.9"]),
        Some(Ok(12))
    );
    assert_eq!(p.newest(Family::Java, "eu-west-1", &["java21"]), Some(Ok(12)));
    let again = resolver.resolve("eu-west-1", &[], BUDGET).await;
    assert_eq!(again.calls, 0, "a warm execution environment asks nothing");
    assert_eq!(
        again
            .published
            .newest(Family::Python, "eu-west-1", &["python3.12"]),
        Some(Ok(13))
    );
}

#[tokio::test]
async fn a_pinned_version_is_asked_for_once() {
    let resolver = LayerResolver::new(publisher(false));
    let nine = Family::Python.layer_arn("eu-west-1", 9).unwrap();
    let found = resolver
        .resolve("eu-west-1", std::slice::from_ref(&nine), BUDGET)
        .await;
    assert_eq!(found.calls, 2 * WINDOW as usize + 1);
    let refused = found.published.check(&nine, Family::Python, &["python3.9"]);
    assert_eq!(refused, Err(lambda_profiling_macro::agent::Refusal::Missing));
    let again = resolver.resolve("eu-west-1", &[nine], BUDGET).await;
    assert_eq!(again.calls, 0);
}

#[tokio::test]
async fn a_denied_api_leaves_the_layers_unverified_and_is_not_asked_again_at_once() {
    let resolver = LayerResolver::new(publisher(true));
    let denied = resolver.resolve("eu-west-1", &[], BUDGET).await;
    assert!(denied.published.is_empty());
    assert_eq!(denied.failures.len(), 2, "{:?}", denied.failures);
    let (what, why) = &denied.failures[0];
    assert_eq!(what, "Python in eu-west-1");
    assert!(why.is_access_denied());
    assert!(
        !format!("{why} {why:?}").contains("quoted secret"),
        "AWS's message is never kept"
    );
    assert_eq!(
        denied
            .published
            .newest(Family::Python, "eu-west-1", &["python3.12"]),
        None
    );
    let again = resolver.resolve("eu-west-1", &[], BUDGET).await;
    assert_eq!(again.calls, 0, "a failure is remembered for a while");
}
