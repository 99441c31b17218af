//! The macro's edge: what AWS publishes of the agent layers, resolved before a macro
//! request is answered, so that a function never gets a layer that does not exist or
//! cannot start the agent. The resolver is made on the first macro request of an
//! execution environment (a custom-resource-only function never builds it), and its
//! answers are cached there (`lambda_profiling_switch::layers`).
//!
//! Where AWS cannot be asked (denied, throttled, silent past [`BUDGET`]), the macro
//! answers from the built-in table and a warning is logged with the failure's code: a
//! layer the table names always carries the agent for the runtime, so the worst case is
//! a deploy that fails on a version the region lacks, never a function that cannot start.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use lambda_profiling_macro::agent::Published;
use lambda_profiling_macro::{Answer, Options, answer_published};
use lambda_profiling_switch::layers::{LayerResolver, Resolution};
use tokio::sync::OnceCell;
use tracing::warn;

/// The longest one resolution waits for AWS (a request makes at most two).
pub const BUDGET: Duration = Duration::from_secs(3);

/// The resolver of one execution environment.
#[derive(Debug)]
pub struct MacroLayers {
    /// `None` when the environment has no AWS credentials to ask with.
    resolver: OnceCell<Option<LayerResolver>>,
    /// Whether AWS is asked at all.
    ask: bool,
}

impl Default for MacroLayers {
    fn default() -> Self {
        MacroLayers {
            resolver: OnceCell::new(),
            ask: true,
        }
    }
}

/// Whether `text` may be a macro request: worth resolving the layers for. A request with
/// its keys escaped (`"\u0074ransformId"`) is still answered, from the built-in table.
pub(crate) fn may_be_macro(text: &str) -> bool {
    text.contains("\"transformId\"")
}

impl MacroLayers {
    /// Answers from the built-in table, never asking AWS (unit tests).
    pub fn built_in_only() -> Self {
        MacroLayers {
            resolver: OnceCell::new(),
            ask: false,
        }
    }

    /// Answers a macro request with the layers AWS publishes in this function's region;
    /// `None` when it is not one. `Err` when answering panicked.
    pub async fn answer(&self, text: &str, token: &str) -> Result<Option<Answer>, ()> {
        if !self.ask || !may_be_macro(text) {
            return answer(text, token, &Published::default());
        }
        let region = std::env::var("AWS_REGION").unwrap_or_default();
        let resolver = self.resolver.get_or_init(|| async { resolver_from_env() }).await;
        let Some(resolver) = resolver else {
            return answer(text, token, &Published::default());
        };
        let first = resolver.resolve(&region, &[], BUDGET).await;
        log_failures(&first);
        let Some(answered) = answer(text, token, &first.published)? else {
            return Ok(None);
        };
        if answered.unverified_layers.is_empty() {
            return Ok(Some(answered));
        }
        // A function names a layer version the catalogs do not hold: ask, and answer again.
        let second = resolver
            .resolve(&region, &answered.unverified_layers, BUDGET)
            .await;
        log_failures(&second);
        answer(text, token, &second.published)
    }
}

/// The resolver, when the environment has credentials to ask with (Lambda always gives
/// its function a session); else `None`, said once.
fn resolver_from_env() -> Option<LayerResolver> {
    let has = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if !has("AWS_ACCESS_KEY_ID") || !has("AWS_SECRET_ACCESS_KEY") {
        warn!(
            kind = "layers",
            "no AWS credentials in the environment: the agent layers are not verified; the built-in table is used"
        );
        return None;
    }
    Some(LayerResolver::new(
        lambda_profiling_switch::lambda_client_from_env(),
    ))
}

fn answer(text: &str, token: &str, published: &Published) -> Result<Option<Answer>, ()> {
    catch_unwind(AssertUnwindSafe(|| {
        answer_published(text, token, &Options::default(), published)
    }))
    .map_err(drop)
}

/// One warning per thing that could not be verified: what, and the failure's code.
fn log_failures(resolution: &Resolution) {
    for (what, failure) in &resolution.failures {
        warn!(
            kind = "layers",
            unverified = %what,
            failure = %failure,
            "the agent layers could not be verified with AWS; the built-in table is used"
        );
    }
}
