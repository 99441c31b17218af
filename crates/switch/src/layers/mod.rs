//! What AWS publishes of the agent layers, found with `lambda:GetLayerVersion` (the
//! publisher grants it to every account, but not `ListLayerVersions`): the macro's
//! input [`Published`], found at the edge.
//!
//! - **Probing.** For each family asked for (at once), the newest version the built-in
//!   table knows and [`WINDOW`] past it are asked for in one round, concurrently, then
//!   [`WINDOW`] more at a time until [`WINDOW`] versions in a row do not exist; the older
//!   ones down to the built-in floor only when the newest known is missing. A handful of
//!   calls in one round trip, not one per version since 1; a deleted version is passed
//!   over. Regions where no agent layer is published are not asked.
//! - **A pinned version or ARN** the macro took unverified is asked for on its own.
//! - **Cached per execution environment:** what was found is kept for [`FRESH`] (and
//!   served past it while AWS cannot be asked), a failure for [`RETRY_AFTER`] (so that a
//!   denied or silent API does not slow every request).
//! - **Bounded:** a resolution never outlasts its budget. What it could not find is left
//!   out, and the macro uses the built-in table for it: the layers are then unverified,
//!   which [`Resolution::failures`] says (code and class only, never AWS's message).

mod probe;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lambda_profiling_macro::agent::{self, Family, Listing, Published};

use futures_util::StreamExt as _;
use tracing::warn;

use crate::aws::Clients;
use crate::aws::failure::AwsFailure;
use crate::properties::Properties;

pub use probe::{Probed, WINDOW};

/// The longest the engine waits for one resolution before changing a function.
pub const BUDGET: Duration = Duration::from_secs(3);

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
    /// Calls in flight at most (the command line's `--concurrency`).
    limit: usize,
}

/// A family's catalog in a region, or why it is not known.
type Catalog = Result<Probed, AwsFailure>;

#[derive(Debug, Default)]
struct Cache {
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

/// Layer versions asked for on their own in one resolution, at most: a template that pins
/// more has the rest taken unverified.
pub const MAX_PINS: usize = 16;

impl LayerResolver {
    pub fn new(lambda: aws_sdk_lambda::Client) -> Self {
        LayerResolver {
            lambda,
            cache: Mutex::new(Cache::default()),
            limit: usize::MAX,
        }
    }

    /// At most `limit` calls in flight (families are asked one after the other then).
    pub fn with_concurrency(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// The catalogs of `families` in `region` (none where no agent layer is published),
    /// at once, and the layer versions `arns`, within `budget`.
    pub async fn resolve(
        &self,
        region: &str,
        families: &[Family],
        arns: &[String],
        budget: Duration,
    ) -> Resolution {
        let deadline = Instant::now() + budget;
        let mut out = Resolution::default();
        if agent::has_layer(region) {
            let catalogs = families
                .iter()
                .map(|&f| async move { (f, self.catalog(f, region, deadline).await) });
            // At once, unless calls are bounded: then one family after the other.
            let at_once = if self.limit == usize::MAX {
                families.len()
            } else {
                1
            };
            let catalogs = futures_util::stream::iter(catalogs).buffered(at_once.max(1));
            let catalogs: Vec<_> = catalogs.collect().await;
            for (family, (found, calls)) in catalogs {
                out.calls += calls;
                match found {
                    Ok(probed) => {
                        for (arn, listing) in probed.versions {
                            out.published.insert(arn, listing);
                        }
                        out.published
                            .mark_complete(family, region, probed.from..=probed.up_to);
                    }
                    Err(failure) => out
                        .failures
                        .push((format!("{} in {region}", family.label()), failure)),
                }
            }
        }
        self.resolve_versions(arns, deadline, &mut out).await;
        out
    }

    /// One family's catalog: the cache's while fresh, else probed. A failure never
    /// replaces what was found before (that is served until a probe succeeds).
    async fn catalog(&self, family: Family, region: &str, deadline: Instant) -> (Catalog, usize) {
        let key = (family, region.to_owned());
        let stale = {
            let cache = self.lock();
            match cache.catalogs.get(&key) {
                Some((at, found)) if fresh(*at, found.is_ok()) => return (found.clone(), 0),
                Some((_, Ok(found))) => Some(found.clone()),
                _ => None,
            }
        };
        let (found, calls) =
            probe::catalog(&self.lambda, family, region, MAX_WINDOWS, deadline, self.limit).await;
        match (found, stale) {
            (Ok(found), _) => {
                self.lock()
                    .catalogs
                    .insert(key, (Instant::now(), Ok(found.clone())));
                (Ok(found), calls)
            }
            (Err(_), Some(stale)) => (Ok(stale), calls),
            (Err(failure), None) => {
                let remembered = (Instant::now(), Err(failure.clone()));
                self.lock().catalogs.insert(key, remembered);
                (Err(failure), calls)
            }
        }
    }

    /// The layer versions `arns`, each asked for on its own (concurrently), at most
    /// [`MAX_PINS`] of them.
    async fn resolve_versions(&self, arns: &[String], deadline: Instant, out: &mut Resolution) {
        let mut asked: Vec<String> = Vec::new();
        for arn in arns {
            match self.fresh_version(arn) {
                Some(Ok(listing)) => out.published.insert(arn.clone(), listing),
                Some(Err(failure)) => out.failures.push((arn.clone(), failure)),
                None if asked.contains(arn) || asked.len() >= MAX_PINS => {}
                None => asked.push(arn.clone()),
            }
        }
        out.calls += asked.len();
        let answers = probe::versions(&self.lambda, &asked, deadline, self.limit).await;
        for (arn, found) in asked.into_iter().zip(answers) {
            let remembered = (Instant::now(), found.clone());
            self.lock().versions.insert(arn.clone(), remembered);
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

    fn fresh_version(&self, arn: &str) -> Option<Result<Listing, AwsFailure>> {
        let cache = self.lock();
        let (at, found) = cache.versions.get(arn)?;
        fresh(*at, found.is_ok()).then(|| found.clone())
    }
}

/// What AWS publishes for a function in `region`: the region's catalogs, and the layer
/// `props` pins where those do not cover it. Empty (the built-in table) for clients without
/// a resolver; what could not be asked is logged (what, and the failure's code).
pub(crate) async fn published_for(
    clients: &Clients,
    region: &str,
    runtime: Option<&str>,
    props: &Properties,
) -> Published {
    let Some(resolver) = &clients.layers else {
        return Published::default();
    };
    // The function's family only; both where its runtime says none (it is refused later).
    let families: Vec<Family> = match runtime.and_then(|r| agent::classify_runtime(r).ok()) {
        Some(family) => vec![family],
        None => vec![Family::Python, Family::Java],
    };
    let mut found = resolver.resolve(region, &families, &[], BUDGET).await;
    let mut pins: Vec<String> = props.layer_arn.iter().cloned().collect();
    if let Some(v) = props.layer_version {
        pins.extend(families.iter().filter_map(|f| f.layer_arn(region, v)));
    }
    pins.retain(|arn| !found.published.covers(arn));
    if !pins.is_empty() {
        found = resolver.resolve(region, &families, &pins, BUDGET).await;
    }
    found.log_failures();
    found.published
}

impl Resolution {
    /// One warning per thing that could not be verified: what, and the failure's code
    /// (never AWS's message).
    pub fn log_failures(&self) {
        for (what, failure) in &self.failures {
            warn!(
                kind = "layers",
                unverified = %what,
                failure = %failure,
                "the agent layers could not be verified with AWS; the built-in table is used"
            );
        }
    }
}

fn fresh(at: Instant, found: bool) -> bool {
    at.elapsed() < if found { FRESH } else { RETRY_AFTER }
}

#[cfg(test)]
#[path = "layers_tests.rs"]
mod tests;
