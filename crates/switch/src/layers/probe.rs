//! The `GetLayerVersion` calls: a family's catalog, window by window, and single versions.

use std::time::Instant;

use futures_util::future::join_all;
use lambda_profiling_macro::agent::{Family, Listing, PUBLISHER_ACCOUNT, parse_layer_arn};

use crate::aws::failure::{AwsFailure, FailureKind};

/// Versions asked for at once.
pub const WINDOW: u32 = 4;

/// The publisher's versions of `family` in `region` from the built-in one up, each with
/// its listing (a version that does not exist is kept as such), and the calls made.
pub(crate) async fn catalog(
    lambda: &aws_sdk_lambda::Client,
    family: Family,
    region: &str,
    max_windows: u32,
    deadline: Instant,
) -> (Result<Vec<(String, Listing)>, AwsFailure>, usize) {
    let layer = format!(
        "arn:aws:lambda:{region}:{PUBLISHER_ACCOUNT}:layer:{}",
        family.layer_name()
    );
    let first = family.built_in_floor();
    let mut found = Vec::new();
    let mut calls = 0;
    for window in 0..max_windows {
        let start = first + window * WINDOW;
        let versions: Vec<u32> = (start..start + WINDOW).collect();
        calls += versions.len();
        let answers = join_all(versions.iter().map(|&v| version(lambda, &layer, v, deadline))).await;
        let mut ended = false;
        for (v, answer) in versions.into_iter().zip(answers) {
            match answer {
                Ok(listing) => {
                    ended |= listing.is_none();
                    found.push((format!("{layer}:{v}"), listing));
                }
                Err(failure) => return (Err(failure), calls),
            }
        }
        if ended {
            break;
        }
    }
    (Ok(found), calls)
}

/// The layer versions `arns`, concurrently; an ARN that is not a layer version's is
/// refused without a call.
pub(crate) async fn versions(
    lambda: &aws_sdk_lambda::Client,
    arns: &[String],
    deadline: Instant,
) -> Vec<Result<Listing, AwsFailure>> {
    join_all(arns.iter().map(|arn| async move {
        let parsed = parse_layer_arn(arn).and_then(|l| Some((l.version.parse::<u32>().ok()?, l)));
        let Some((v, _)) = parsed else {
            return Err(failure(FailureKind::Request));
        };
        let layer = arn.rsplit_once(':').map_or(arn.as_str(), |(layer, _)| layer);
        version(lambda, layer, v, deadline).await
    }))
    .await
}

/// One version of `layer` (its ARN without the version): what it lists, or `None` when
/// it does not exist.
async fn version(
    lambda: &aws_sdk_lambda::Client,
    layer: &str,
    v: u32,
    deadline: Instant,
) -> Result<Listing, AwsFailure> {
    let call = lambda
        .get_layer_version()
        .layer_name(layer)
        .version_number(i64::from(v))
        .send();
    let answer = match tokio::time::timeout_at(deadline.into(), call).await {
        Ok(answer) => answer,
        Err(_) => return Err(failure(FailureKind::Timeout)),
    };
    match answer {
        Ok(out) => Ok(Some(
            out.compatible_runtimes()
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
        )),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsFailure::of(&e)),
    }
}

fn failure(kind: FailureKind) -> AwsFailure {
    AwsFailure {
        kind,
        code: None,
        status: None,
        denied_action: None,
        missing_layer: None,
    }
}
