//! What AWS publishes of the agent layers, found with `lambda:GetLayerVersion` (the
//! publisher grants it to every account, but not `ListLayerVersions`): the macro's
//! input [`Published`], found at the edge.
//!
//! - **Probing.** For each family, the versions from the built-in one up are asked for
//!   [`WINDOW`] at a time, concurrently, until a window holds a version that does not
//!   exist: a handful of calls, not one per version since 1. A gap inside a window is
//!   passed over; a whole missing window ends the catalog.
//! - **A pinned version or ARN** the macro took unverified is asked for on its own.
//! - **Cached per execution environment:** what was found is kept for [`FRESH`], a failure
//!   for [`RETRY_AFTER`] (so that a denied or silent API does not slow every request).
//! - **Bounded:** a resolution never outlasts its budget. What it could not find is left
//!   out, and the macro uses the built-in table for it: the layers are then unverified,
//!   which [`Resolution::failures`] says (code and class only, never AWS's message).

mod probe;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lambda_profiling_macro::agent::{Family, Listing, Published};

use crate::aws::failure::AwsFailure;

pub use probe::WINDOW;

/// How long what was found stays fresh.
pub const FRESH: Duration = Duration::from_secs(15 * 60);
/// How long a failure is remembered before the API is asked again.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);
/// Windows probed at most per family: versions up to the built-in one + 40.
const MAX_WINDOWS: u32 = 10;

/// Finds what the publisher publishes, and remembers it.
#[derive(Debug)]
pub struct LayerResolver {
    lambda: aws_sdk_lambda::Client,
    cache: Mutex<Cache>,
}

/// A family's versions in a region, by ARN, each with its listing; or why not known.
type Catalog = Result<Vec<(String, Listing)>, AwsFailure>;

#[derive(Debug, Default)]
struct Cache {
    /// A family's catalog in a region: its versions' ARNs and listings, or the failure.
    catalogs: HashMap<(Family, String), (Instant, Catalog)>,
    /// A layer version asked for on its own.
    versions: HashMap<String, (Instant, Result<Listing, AwsFailure>)>,
}

/// What one resolution found, and what it could not.
#[derive(Debug, Default)]
pub struct Resolution {
    pub published: Published,
    /// What could not be verified: the family and region, or the layer version ARN, and
    /// why (code and class only).
    pub failures: Vec<(String, AwsFailure)>,
    /// Calls made to AWS (the cache answers the rest).
    pub calls: usize,
}

impl LayerResolver {
    pub fn new(lambda: aws_sdk_lambda::Client) -> Self {
        LayerResolver {
            lambda,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// Both families' catalogs in `region`, and the layer versions `arns`, within `budget`.
    pub async fn resolve(&self, region: &str, arns: &[String], budget: Duration) -> Resolution {
        let deadline = Instant::now() + budget;
        let mut out = Resolution::default();
        for family in [Family::Python, Family::Java] {
            let key = (family, region.to_owned());
            let cached = self.fresh_catalog(&key);
            let found = match cached {
                Some(found) => found,
                None => {
                    let (found, calls) =
                        probe::catalog(&self.lambda, family, region, MAX_WINDOWS, deadline).await;
                    out.calls += calls;
                    self.lock().catalogs.insert(key, (Instant::now(), found.clone()));
                    found
                }
            };
            match found {
                Ok(versions) => {
                    for (arn, listing) in versions {
                        out.published.insert(arn, listing);
                    }
                    out.published.mark_complete(family, region);
                }
                Err(failure) => out
                    .failures
                    .push((format!("{} in {region}", family.label()), failure)),
            }
        }
        self.resolve_versions(arns, deadline, &mut out).await;
        out
    }

    /// The layer versions `arns`, each asked for on its own (concurrently).
    async fn resolve_versions(&self, arns: &[String], deadline: Instant, out: &mut Resolution) {
        let mut asked = Vec::new();
        for arn in arns {
            match self.fresh_version(arn) {
                Some(Ok(listing)) => out.published.insert(arn.clone(), listing),
                Some(Err(failure)) => out.failures.push((arn.clone(), failure)),
                None => asked.push(arn.clone()),
            }
        }
        out.calls += asked.len();
        let answers = probe::versions(&self.lambda, &asked, deadline).await;
        for (arn, found) in asked.into_iter().zip(answers) {
            self.lock()
                .versions
                .insert(arn.clone(), (Instant::now(), found.clone()));
            match found {
                Ok(listing) => out.published.insert(arn, listing),
                Err(failure) => out.failures.push((arn, failure)),
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves a cache that is still whole.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh_catalog(&self, key: &(Family, String)) -> Option<Catalog> {
        let cache = self.lock();
        let (at, found) = cache.catalogs.get(key)?;
        fresh(*at, found.is_ok()).then(|| found.clone())
    }

    fn fresh_version(&self, arn: &str) -> Option<Result<Listing, AwsFailure>> {
        let cache = self.lock();
        let (at, found) = cache.versions.get(arn)?;
        fresh(*at, found.is_ok()).then(|| found.clone())
    }
}

fn fresh(at: Instant, found: bool) -> bool {
    at.elapsed() < if found { FRESH } else { RETRY_AFTER }
}

#[cfg(test)]
#[path = "layers_tests.rs"]
mod tests;
