//! The `GetLayerVersion` calls: a family's catalog, window by window, and single versions.

use std::time::Instant;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::future::join_all;
use lambda_profiling_macro::agent::{Family, Listing, PUBLISHER_ACCOUNT, parse_layer_arn};

use crate::aws::failure::{AwsFailure, FailureKind};

/// Versions asked for at once, and the run of missing versions that ends a catalog.
pub const WINDOW: u32 = 4;

/// What a family's catalog holds: each version probed, with its listing (`None`: it does
/// not exist, or is not shared with this account), up to the last version probed.
#[derive(Debug, Clone)]
pub struct Probed {
    pub versions: Vec<(String, Listing)>,
    pub up_to: u32,
}

/// The publisher's versions of `family` in `region` from the built-in one up, until
/// [`WINDOW`] versions in a row do not exist (a deleted version is passed over), and the
/// calls made. The first round asks every version up to [`WINDOW`] past the newest the
/// built-in table knows, so that today's catalog takes one round trip. Lambda answers a missing version of another account's layer with
/// AccessDenied (its policy allows nothing that does not exist), so such a denial says
/// "missing" once any version has been found; a denial of every version so far is a
/// failure.
pub(crate) async fn catalog(
    lambda: &aws_sdk_lambda::Client,
    family: Family,
    region: &str,
    max_windows: u32,
    deadline: Instant,
) -> (Result<Probed, AwsFailure>, usize) {
    let layer = format!(
        "arn:aws:lambda:{region}:{PUBLISHER_ACCOUNT}:layer:{}",
        family.layer_name()
    );
    let first = family.built_in_floor();
    let mut probed = Probed {
        versions: Vec::new(),
        up_to: first,
    };
    let (mut calls, mut missing_run, mut found_any, mut denied) = (0, 0, false, false);
    let mut start = first;
    for window in 0..max_windows {
        let end = match window {
            0 => family.newest_known().max(first) + WINDOW,
            _ => start + WINDOW - 1,
        };
        let versions: Vec<u32> = (start..=end).collect();
        start = end + 1;
        calls += versions.len();
        let answers = join_all(versions.iter().map(|&v| version(lambda, &layer, v, deadline))).await;
        for (v, answer) in versions.into_iter().zip(answers) {
            let listing = match answer {
                Ok(listing) => listing,
                Err(Unusable::NotShared) => {
                    denied = true;
                    None
                }
                Err(Unusable::Failed(failure)) => return (Err(failure), calls),
            };
            found_any |= listing.is_some();
            missing_run = if listing.is_some() { 0 } else { missing_run + 1 };
            probed.versions.push((format!("{layer}:{v}"), listing));
            probed.up_to = v;
        }
        if missing_run >= WINDOW {
            break;
        }
    }
    if denied && !found_any {
        let mut denial = failure(FailureKind::AccessDenied);
        denial.code = Some("AccessDeniedException".into());
        return (Err(denial), calls);
    }
    (Ok(probed), calls)
}

/// The layer versions `arns`, concurrently; an ARN that is not a layer version's is
/// refused without a call.
pub(crate) async fn versions(
    lambda: &aws_sdk_lambda::Client,
    arns: &[String],
    deadline: Instant,
) -> Vec<Result<Listing, AwsFailure>> {
    join_all(arns.iter().map(|arn| async move {
        let parsed = parse_layer_arn(arn).and_then(|l| l.version.parse::<u32>().ok());
        let Some(v) = parsed else {
            return Err(failure(FailureKind::Request));
        };
        let layer = arn.rsplit_once(':').map_or(arn.as_str(), |(layer, _)| layer);
        match version(lambda, layer, v, deadline).await {
            Ok(listing) => Ok(listing),
            // Not usable by this account: as good as missing for a function here.
            Err(Unusable::NotShared) => Ok(None),
            Err(Unusable::Failed(failure)) => Err(failure),
        }
    }))
    .await
}

/// Why a version's listing is not known.
enum Unusable {
    /// Refused by the layer's own policy: it does not exist, or is not shared with this
    /// account (Lambda says the same of both for another account's layer).
    NotShared,
    Failed(AwsFailure),
}

/// Lambda's words when a layer's policy, not the caller's, refuses it: matched, never kept.
const NOT_SHARED: &str = "because no resource-based policy allows";

/// One version of `layer` (its ARN without the version): what it lists, or `None` when
/// it does not exist.
async fn version(
    lambda: &aws_sdk_lambda::Client,
    layer: &str,
    v: u32,
    deadline: Instant,
) -> Result<Listing, Unusable> {
    let call = lambda
        .get_layer_version()
        .layer_name(layer)
        .version_number(i64::from(v))
        .send();
    let answer = match tokio::time::timeout_at(deadline.into(), call).await {
        Ok(answer) => answer,
        Err(_) => return Err(Unusable::Failed(failure(FailureKind::Timeout))),
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
        Err(e)
            if e.code() == Some("AccessDeniedException")
                && e.message().is_some_and(|m| m.contains(NOT_SHARED)) =>
        {
            Err(Unusable::NotShared)
        }
        Err(e) => Err(Unusable::Failed(AwsFailure::of(&e))),
    }
}

pub(crate) fn failure(kind: FailureKind) -> AwsFailure {
    AwsFailure {
        kind,
        code: None,
        status: None,
        denied_action: None,
        missing_layer: None,
    }
}
