//! The `GetLayerVersion` calls: a family's catalog, window by window, and single versions.

use std::time::Instant;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::stream::{self, StreamExt};
use lambda_profiling_macro::agent::{Family, Listing, PUBLISHER_ACCOUNT, parse_layer_arn};

use crate::aws::failure::{AwsFailure, FailureKind};

/// Versions asked for past the newest known, and the run of missing versions that ends a catalog.
pub const WINDOW: u32 = 4;

/// What a family's catalog holds: each version probed, with its listing (`None`: it does
/// not exist, or is not shared with this account), and the versions probed.
#[derive(Debug, Clone)]
pub struct Probed {
    pub versions: Vec<(String, Listing)>,
    pub from: u32,
    pub up_to: u32,
}

/// The publisher's versions of `family` in `region`, and the calls made: in one round,
/// the newest the built-in table knows and [`WINDOW`] past it, then [`WINDOW`] more at a
/// time until [`WINDOW`] versions in a row do not exist (a deleted version is passed
/// over); the older ones down to the built-in floor only when the newest known is not
/// there (a newer version serves whatever an older one does, by the table). Lambda
/// answers a missing version of another account's layer with AccessDenied (no policy
/// shares what does not exist), so such a denial says "missing"; a denial of every
/// version probed is a failure.
pub(crate) async fn catalog(
    lambda: &aws_sdk_lambda::Client,
    family: Family,
    region: &str,
    max_windows: u32,
    deadline: Instant,
    limit: usize,
) -> (Result<Probed, AwsFailure>, usize) {
    let layer = format!(
        "arn:aws:lambda:{region}:{PUBLISHER_ACCOUNT}:layer:{}",
        family.layer_name()
    );
    let top = family.newest_known().max(family.built_in_floor());
    let mut probe = Probe::default();
    let mut start = top;
    for window in 0..max_windows {
        let end = start + WINDOW - u32::from(window > 0);
        if let Err(failure) = probe.round(lambda, &layer, start..=end, deadline, limit).await {
            return (Err(failure), probe.calls);
        }
        start = end + 1;
        if probe.missing_run >= WINDOW {
            break;
        }
    }
    let up_to = start - 1;
    let newest_known_found = probe.found.contains(&top);
    let mut from = top;
    if !newest_known_found && family.built_in_floor() < top {
        from = family.built_in_floor();
        if let Err(failure) = probe.round(lambda, &layer, from..=top - 1, deadline, limit).await {
            return (Err(failure), probe.calls);
        }
    }
    if probe.denied && probe.found.is_empty() {
        let mut denial = failure(FailureKind::AccessDenied);
        denial.code = Some("AccessDeniedException".into());
        return (Err(denial), probe.calls);
    }
    let versions = probe
        .versions
        .into_iter()
        .map(|(v, l)| (format!("{layer}:{v}"), l))
        .collect();
    (
        Ok(Probed {
            versions,
            from,
            up_to,
        }),
        probe.calls,
    )
}

/// What the rounds of one catalog found.
#[derive(Default)]
struct Probe {
    versions: Vec<(u32, Listing)>,
    found: Vec<u32>,
    calls: usize,
    /// Versions in a row, to the last asked, that do not exist.
    missing_run: u32,
    denied: bool,
}

impl Probe {
    /// Asks for `versions` of `layer` at once, at most `limit` at a time.
    async fn round(
        &mut self,
        lambda: &aws_sdk_lambda::Client,
        layer: &str,
        versions: std::ops::RangeInclusive<u32>,
        deadline: Instant,
        limit: usize,
    ) -> Result<(), AwsFailure> {
        let versions: Vec<u32> = versions.collect();
        self.calls += versions.len();
        let asked = stream::iter(versions.iter().map(|&v| version(lambda, layer, v, deadline)));
        let answers: Vec<_> = asked.buffered(limit).collect().await;
        for (v, answer) in versions.into_iter().zip(answers) {
            let listing = match answer {
                Ok(listing) => listing,
                Err(Unusable::NotShared) => {
                    self.denied = true;
                    None
                }
                Err(Unusable::Failed(failure)) => return Err(failure),
            };
            match listing.is_some() {
                true => {
                    self.found.push(v);
                    self.missing_run = 0;
                }
                false => self.missing_run += 1,
            }
            self.versions.push((v, listing));
        }
        Ok(())
    }
}

/// The layer versions `arns`, concurrently; an ARN that is not a layer version's is
/// refused without a call.
pub(crate) async fn versions(
    lambda: &aws_sdk_lambda::Client,
    arns: &[String],
    deadline: Instant,
    limit: usize,
) -> Vec<Result<Listing, AwsFailure>> {
    let asked = stream::iter(arns.iter().map(|arn| async move {
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
    }));
    asked.buffered(limit).collect().await
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
