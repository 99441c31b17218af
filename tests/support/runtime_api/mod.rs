//! An emulator of the Lambda Runtime API (the `2018-06-01` interface a custom runtime
//! polls), so that the real `bootstrap` can be run and measured as Lambda runs it.
//!
//! It is a small HTTP/1.1 server on 127.0.0.1, one thread per connection, with
//! keep-alive and both `Content-Length` and chunked request bodies (`http.rs`; routes in `serve.rs`).
//! It knows one function, run in one execution environment at a time:
//!
//! ```ignore
//! let api = RuntimeApi::start(FunctionConfig::default())?;
//! let mut function = api.spawn(Path::new(bootstrap), &[("AWS_ENDPOINT_URL", url)])?;
//! match function.invoke(br#"{"fragment": ...}"#, Duration::from_secs(30))? {
//!     Reply::Response(bytes) => ..,
//!     Reply::Error { error_type, message } => ..,
//! }
//! let stopped = function.stop(); // kills it; its stdout lines, stderr, peak RSS
//! ```
//!
//! It has no test-only assumptions (no panics on the function's behaviour, no cargo
//! variables), so both the integration tests and the cold-start harness under `benches/`
//! include it with `#[path = ...]`. Protocol mistakes of the function (a response for an
//! unknown or already answered request id) are answered as Lambda answers them (400)
//! and recorded in [`RuntimeApi::violations`].

// Each user (a test binary, the cold-start harness) uses a different part.
#![allow(dead_code, unused_imports)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const RUNTIME: &str = "/2018-06-01/runtime";
/// Lambda's limit on a synchronous invocation's response (6 MB); more is a 413.
const MAX_BODY: usize = 6 * 1024 * 1024;
/// A request line plus headers larger than this is refused (the runtime sends ~200 bytes).
const MAX_HEAD: usize = 64 * 1024;
/// How long after its deadline an invocation is given up, and how often a waiting
/// invoker looks whether the function's process is still alive.
const GRACE: Duration = Duration::from_secs(2);
const LIVENESS_POLL: Duration = Duration::from_millis(20);
/// How often a waiting `GET /invocation/next` looks whether its client is still there.
const PEER_CHECK: Duration = Duration::from_millis(100);

/// The function the emulator serves: what Lambda would put in its environment and in
/// the invocation headers.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    pub name: String,
    pub region: String,
    pub account: String,
    pub memory_mb: u32,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            name: "lambda-profiling".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            memory_mb: 256,
        }
    }
}

impl FunctionConfig {
    /// The unqualified function ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account, self.name
        )
    }
}

/// What the function answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `POST /invocation/{id}/response`: the body as sent.
    Response(Vec<u8>),
    /// `POST /invocation/{id}/error`: its `errorType` and `errorMessage`.
    Error { error_type: String, message: String },
}

impl Reply {
    /// The response body as text, or a panic naming the error (for tests).
    pub fn text(&self) -> &str {
        match self {
            Reply::Response(b) => std::str::from_utf8(b).expect("a UTF-8 response"),
            Reply::Error { error_type, message } => {
                panic!("the function answered an error: {error_type}: {message}")
            }
        }
    }
}

/// An invocation ended without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    /// The function reported `POST /init/error` (Lambda would return this to the caller).
    InitError { error_type: String, message: String },
    /// The function's process ended before answering.
    Exited(String),
    /// No answer by the deadline (plus a grace period).
    TimedOut(Duration),
    /// The emulator is shutting down.
    Stopped,
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvokeError::InitError { error_type, message } => write!(f, "init error {error_type}: {message}"),
            InvokeError::Exited(status) => write!(f, "the function exited ({status}) before answering"),
            InvokeError::TimedOut(after) => write!(f, "no answer after {after:?}"),
            InvokeError::Stopped => write!(f, "the emulator stopped"),
        }
    }
}

impl std::error::Error for InvokeError {}

/// One event to deliver.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub event: Vec<u8>,
    /// The function's timeout: `Lambda-Runtime-Deadline-Ms` is now plus this.
    pub timeout: Duration,
    /// Appended to the function ARN in `Lambda-Runtime-Invoked-Function-Arn`
    /// (a version or alias, as when the caller invoked a qualified ARN).
    pub qualifier: Option<String>,
}

impl Invocation {
    pub fn new(event: impl Into<Vec<u8>>, timeout: Duration) -> Self {
        Invocation {
            event: event.into(),
            timeout,
            qualifier: None,
        }
    }

    pub fn qualified(mut self, qualifier: &str) -> Self {
        self.qualifier = Some(qualifier.into());
        self
    }
}

/// A queued invocation, to wait for with [`Function::wait`].
#[derive(Debug)]
pub struct Ticket {
    pub request_id: String,
    give_up_at: Instant,
    timeout: Duration,
}

/// An answer and the instant the emulator had read all of it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub reply: Reply,
    pub received_at: Instant,
}

struct Event {
    request_id: String,
    body: Vec<u8>,
    deadline_ms: u128,
    invoked_arn: String,
    trace_id: String,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Event>,
    /// Delivered by `/next`, not yet answered.
    in_flight: HashSet<String>,
    answers: HashMap<String, Answer>,
    init_error: Option<(String, String)>,
    violations: Vec<String>,
    polls: u64,
    first_poll_at: Option<Instant>,
    stopping: bool,
    /// Open connections by number, so that a stop can shut them all down.
    connections: HashMap<u64, TcpStream>,
    next_connection: u64,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    config: FunctionConfig,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not wedge the invoker: the state stays usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The emulator; stops (and unblocks every connection) when dropped.
pub struct RuntimeApi {
    shared: Arc<Shared>,
    address: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl RuntimeApi {
    /// Binds a free port of 127.0.0.1 and starts serving.
    pub fn start(config: FunctionConfig) -> io::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            config,
        });
        let accepting = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("runtime-api-accept".into())
            .spawn(move || serve::accept(listener, accepting))?;
        Ok(RuntimeApi {
            shared,
            address,
            acceptor: Some(acceptor),
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    pub fn config(&self) -> &FunctionConfig {
        &self.shared.config
    }

    /// The environment Lambda gives a `provided.al2023` function, pointed at this emulator.
    pub fn lambda_environment(&self) -> Vec<(String, String)> {
        let c = &self.shared.config;
        let stream = format!("2025/01/01/[$LATEST]{:032x}", unique_number());
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", c.name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", c.memory_mb.to_string()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", c.name)),
            ("AWS_LAMBDA_LOG_STREAM_NAME", stream),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
            ("AWS_REGION", c.region.clone()),
            ("AWS_DEFAULT_REGION", c.region.clone()),
            ("_HANDLER", "bootstrap".into()),
            ("TZ", ":UTC".into()),
            ("LANG", "en_US.UTF-8".into()),
            ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Starts `program` as Lambda would: a clean environment (nothing of this process's
    /// own, so no credentials leak in) made of [`Self::lambda_environment`] and then
    /// `env`, which wins. Its stdout and stderr are collected line by line.
    pub fn spawn<K: AsRef<str>, V: AsRef<str>>(
        &self,
        program: &Path,
        env: &[(K, V)],
    ) -> io::Result<Function<'_>> {
        let mut command = Command::new(program);
        command
            .env_clear()
            .envs(self.lambda_environment())
            .envs(env.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Taken just before exec: the cold start's clock starts here.
        let spawned_at = Instant::now();
        let child = command.spawn()?;
        Ok(Function::new(self, child, spawned_at))
    }

    /// Queues an event; the function gets it from its next `GET /invocation/next`.
    pub fn enqueue(&self, invocation: Invocation) -> Ticket {
        let config = &self.shared.config;
        let request_id = request_id();
        let deadline = SystemTime::now() + invocation.timeout;
        let event = Event {
            request_id: request_id.clone(),
            body: invocation.event,
            deadline_ms: deadline
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis(),
            invoked_arn: match &invocation.qualifier {
                Some(q) => format!("{}:{q}", config.arn()),
                None => config.arn(),
            },
            trace_id: trace_id(),
        };
        self.shared.lock().queue.push_back(event);
        self.shared.changed.notify_all();
        Ticket {
            request_id,
            give_up_at: Instant::now() + invocation.timeout + GRACE,
            timeout: invocation.timeout,
        }
    }

    /// Waits for the answer to `ticket`; `alive` is asked now and then whether the
    /// function can still answer.
    pub fn wait(
        &self,
        ticket: &Ticket,
        mut alive: impl FnMut() -> Result<(), String>,
    ) -> Result<Answer, InvokeError> {
        loop {
            {
                // Conditions are checked under the same lock the wait releases: no lost wake-up.
                let state = self.shared.lock();
                let now = Instant::now();
                let (mut state, _) = self
                    .shared
                    .changed
                    .wait_timeout_while(
                        state,
                        LIVENESS_POLL.min(ticket.give_up_at.saturating_duration_since(now)),
                        |s| {
                            !s.answers.contains_key(&ticket.request_id)
                                && s.init_error.is_none()
                                && !s.stopping
                        },
                    )
                    .unwrap_or_else(|p| p.into_inner());
                if let Some(answer) = state.answers.remove(&ticket.request_id) {
                    return Ok(answer);
                }
                if let Some((error_type, message)) = state.init_error.clone() {
                    return Err(InvokeError::InitError { error_type, message });
                }
                if state.stopping {
                    return Err(InvokeError::Stopped);
                }
            }
            if Instant::now() >= ticket.give_up_at {
                return Err(InvokeError::TimedOut(ticket.timeout + GRACE));
            }
            alive().map_err(InvokeError::Exited)?;
        }
    }

    /// Protocol mistakes the function made so far (answers for unknown request ids).
    pub fn violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// When the function first asked for an event: the end of its initialisation.
    pub fn first_poll_at(&self) -> Option<Instant> {
        self.shared.lock().first_poll_at
    }

    /// How many times the function asked for its next event.
    pub fn polls(&self) -> u64 {
        self.shared.lock().polls
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        let connections = {
            let mut state = self.shared.lock();
            state.stopping = true;
            std::mem::take(&mut state.connections)
        };
        self.shared.changed.notify_all();
        for c in connections.into_values() {
            let _ = c.shutdown(Shutdown::Both);
        }
        // The acceptor blocks in accept(): one connection wakes it to see `stopping`.
        let _ = TcpStream::connect(self.address);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn unique_number() -> u128 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) as u128;
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    (t << 24) ^ (u128::from(std::process::id()) << 96) ^ n
}

/// A fresh id in the UUID shape Lambda uses.
fn request_id() -> String {
    let h = format!("{:032x}", unique_number());
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn trace_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let h = format!("{:032x}", unique_number());
    format!("Root=1-{secs:08x}-{};Parent={};Sampled=0", &h[8..32], &h[0..16])
}

mod http;
mod process;
mod serve;

pub use process::{Function, Stopped, peak_rss_kib};
