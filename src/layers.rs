//! The macro's edge: what AWS publishes of the agent layers, resolved before a macro
//! request is answered, so that a function never gets a layer that does not exist or
//! cannot start the agent (`lambda_profiling_switch::layers` asks and caches).
//!
//! The resolver runs on a thread of its own, started with the process ([`MacroLayers::start`]):
//! it asks for Python's catalog in the function's region while the runtime starts and
//! reads the first event, so that a cold start waits for the rest of that resolution
//! only (and for Java's, when the request names a Java runtime). Its HTTP connections stay on its own runtime; a request asks it
//! through a channel, and a warm execution environment's requests are answered from its
//! cache.
//!
//! Where AWS cannot be asked (no credentials, denied, throttled, silent past [`BUDGET`]),
//! the macro answers from the built-in table and a warning is logged with the failure's
//! code: a layer the table names always carries the agent for the runtime, so the worst
//! case is a deploy that fails on a version the region lacks, never a function that
//! cannot start.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lambda_profiling_macro::agent::{Family, Published};
use lambda_profiling_macro::{Answer, Options, answer_published};
use lambda_profiling_switch::aws::failure::{AwsFailure, FailureKind};
use lambda_profiling_switch::layers::{LayerResolver, Resolution};
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

/// The longest a request waits for AWS, however many lookups it makes.
pub const BUDGET: Duration = Duration::from_secs(3);

/// How long past the budget a request waits for the resolver's thread to answer.
const MARGIN: Duration = Duration::from_millis(200);

/// Both families: what a request may name.
const BOTH: [Family; 2] = [Family::Python, Family::Java];

/// The resolver of one execution environment.
#[derive(Debug)]
pub struct MacroLayers {
    /// The resolver's thread; `None` when the environment has no credentials to ask with.
    resolver: OnceLock<Option<Resolver>>,
    /// Whether AWS is asked at all.
    ask: bool,
}

/// One resolution asked of the resolver's thread.
struct Job {
    region: String,
    /// When whoever asked stops waiting: the job gets what is left of its budget.
    deadline: Instant,
    families: Vec<Family>,
    arns: Vec<String>,
    /// `None`: nobody waits (the resolution at start only fills the cache).
    reply: Option<oneshot::Sender<Resolution>>,
}

#[derive(Debug)]
struct Resolver {
    jobs: mpsc::UnboundedSender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("region", &self.region).finish()
    }
}

impl Default for MacroLayers {
    fn default() -> Self {
        MacroLayers {
            resolver: OnceLock::new(),
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
            resolver: OnceLock::new(),
            ask: false,
        }
    }

    /// Starts the resolver's thread and its first resolution, Python's catalog in this
    /// function's region (most templates' family; Java's is asked when a request names
    /// it), while the runtime starts.
    pub fn start(&self) {
        if let Some(resolver) = self.resolver() {
            let families = vec![Family::Python];
            let job = Job {
                region: region(),
                deadline: Instant::now() + BUDGET,
                families,
                arns: Vec::new(),
                reply: None,
            };
            let _ = resolver.jobs.send(job);
        }
    }

    fn resolver(&self) -> Option<&Resolver> {
        match self.ask {
            true => self.resolver.get_or_init(spawn).as_ref(),
            false => None,
        }
    }

    /// What AWS publishes of `families` and `arns` here, by `deadline`; empty when it
    /// cannot be asked.
    async fn resolve(&self, families: &[Family], arns: &[String], deadline: Instant) -> Published {
        let Some(resolver) = self.resolver() else {
            return Published::default();
        };
        let (reply, answered) = oneshot::channel();
        let job = Job {
            region: region(),
            deadline,
            families: families.to_vec(),
            arns: arns.to_vec(),
            reply: Some(reply),
        };
        if resolver.jobs.send(job).is_err() {
            warn!(
                kind = "layers",
                "the layers' lookup has stopped; the built-in table is used"
            );
            return Published::default();
        }
        // The thread answers by the deadline; a margin past it, in case it cannot.
        let waited = tokio::time::timeout_at((deadline + MARGIN).into(), answered).await;
        let Ok(Ok(resolution)) = waited else {
            warn!(
                kind = "layers",
                "the layers' lookup did not answer; the built-in table is used"
            );
            return Published::default();
        };
        resolution.log_failures();
        resolution.published
    }

    /// Answers a macro request with the layers AWS publishes in this function's region;
    /// `None` when it is not one. `Err` when answering panicked.
    pub async fn answer(&self, text: &str, token: &str) -> Result<Option<Answer>, ()> {
        if !may_be_macro(text) {
            return answer(text, token, &Published::default());
        }
        // Only the families the request may name (its runtimes are in its text, literally
        // or as a parameter's value): a Python-only template waits for nothing of Java's.
        let families: Vec<Family> = BOTH.into_iter().filter(|f| f.named_in(text)).collect();
        // One budget for the request, however many lookups it makes.
        let deadline = Instant::now() + BUDGET;
        let first = self.resolve(&families, &[], deadline).await;
        let Some(answered) = answer(text, token, &first)? else {
            return Ok(None);
        };
        if answered.unverified_layers.is_empty() {
            return Ok(Some(answered));
        }
        // A function names a layer version the catalogs do not hold: ask, and answer again.
        let second = self
            .resolve(&families, &answered.unverified_layers, deadline)
            .await;
        answer(text, token, &second)
    }
}

fn region() -> String {
    std::env::var("AWS_REGION").unwrap_or_default()
}

/// The resolver's thread, when the environment has credentials to ask with (Lambda always
/// gives its function a session); else `None`, said once.
fn spawn() -> Option<Resolver> {
    let has = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if !has("AWS_ACCESS_KEY_ID") || !has("AWS_SECRET_ACCESS_KEY") {
        warn!(
            kind = "layers",
            "no AWS credentials in the environment: the agent layers are not verified; the built-in table is used"
        );
        return None;
    }
    let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
    let thread = std::thread::Builder::new().name("layers".into()).spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return; // the channel closes: every request answers from the built-in table
        };
        runtime.block_on(async move {
            let resolver = LayerResolver::new(lambda_profiling_switch::lambda_client_from_env());
            while let Some(job) = queue.recv().await {
                // A job whose asker has stopped waiting is not run (nor its timeouts kept).
                let budget = job.deadline.saturating_duration_since(Instant::now());
                let found = match budget.is_zero() {
                    true => too_late(&job),
                    false => {
                        resolver
                            .resolve(&job.region, &job.families, &job.arns, budget)
                            .await
                    }
                };
                if let Some(reply) = job.reply {
                    let _ = reply.send(found);
                }
            }
        });
    });
    thread.ok().map(|_| Resolver { jobs })
}

/// What a job whose asker's budget ran out while it waited answers: no time, said.
fn too_late(job: &Job) -> Resolution {
    let timeout = AwsFailure {
        kind: FailureKind::Timeout,
        code: None,
        status: None,
        denied_action: None,
        missing_layer: None,
    };
    Resolution {
        failures: vec![(format!("the agent layers in {}", job.region), timeout)],
        ..Resolution::default()
    }
}

fn answer(text: &str, token: &str, published: &Published) -> Result<Option<Answer>, ()> {
    catch_unwind(AssertUnwindSafe(|| {
        answer_published(text, token, &Options::default(), published)
    }))
    .map_err(drop)
}
