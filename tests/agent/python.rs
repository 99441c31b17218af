//! The emulated managed Python runtime: a function, configured as Lambda would be from
//! a template or from moto, run by the real `awslambdaric` against the project's Runtime
//! API emulator, with its layers' stand-ins at `/opt`.
//!
//! How Lambda starts a Python function, and so how this does:
//! 1. it runs the runtime's bootstrap (`runtime/bootstrap.sh`), which execs the
//!    interpreter on the runtime's `bootstrap.py`, or, when `AWS_LAMBDA_EXEC_WRAPPER` is
//!    set, execs that wrapper with the same command line as its arguments;
//! 2. `bootstrap.py` reads `_HANDLER` (after any wrapper changed it), sets the import
//!    path Lambda documents (the function's code, `/opt/python/lib/python3.N/site-packages`,
//!    `/opt/python`, the runtime's packages) and starts awslambdaric's loop;
//! 3. the environment is the function's variables with Lambda's own over them.
//!
//! The functions' code is the suite's (`user_code`): a handler of the name the function
//! declares that works as long as the event asks (the agent samples only while a
//! handler runs) and answers with its own result, which the caller checks came back
//! unchanged.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::agent::fake::{self, AgentCall};
use crate::agent::layers::{self, Content};
use crate::agent::sandbox::{OptMode, opt_mode, scratch};
use crate::agent::tools::{self, Python};
use crate::runtime_api::{FunctionConfig, InvokeError, Reply, RuntimeApi};
use crate::support::{ACCOUNT, REGION, Servers, unique};

/// The handler the agent's exec wrapper puts in front of the function's.
pub const AGENT_HANDLER: &str = "codeguru_profiler_agent.aws_lambda.lambda_handler.call_handler";
pub const ORIGINAL_HANDLER_VARIABLE: &str = "HANDLER_ENV_NAME_FOR_CODEGURU";

/// A function as Lambda holds it.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub runtime: String,
    pub handler: String,
    pub layers: Vec<String>,
    pub variables: BTreeMap<String, String>,
}

impl Function {
    /// The handler the function's author wrote: the one the agent's redirect keeps in
    /// `HANDLER_ENV_NAME_FOR_CODEGURU`, else `Handler`.
    pub fn own_handler(&self) -> &str {
        match self.variables.get(ORIGINAL_HANDLER_VARIABLE) {
            Some(h) if self.handler == AGENT_HANDLER => h,
            _ => &self.handler,
        }
    }

    pub fn arn(&self) -> String {
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{}", self.name)
    }
}

/// The environment a function gets, with `/opt` made real: its variables (after
/// `/opt/` is rewritten, where it must be), Lambda's own over them, and the suite's
/// settings for the launcher (removed before the runtime starts).
pub fn launch_environment(
    variables: &BTreeMap<String, String>,
    lambda: &[(String, String)],
    opt: &Path,
    program: &Path,
) -> Vec<(String, String)> {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let rewritten = |v: &str| match opt_mode() {
        OptMode::Mounted(_) => v.to_owned(),
        OptMode::Rewritten => v.replace("/opt/", &format!("{}/", opt.display())),
    };
    for (k, v) in variables {
        env.insert(k.clone(), rewritten(v));
    }
    for (k, v) in lambda {
        env.insert(k.clone(), v.clone());
    }
    env.insert("_SUITE_OPT".into(), opt.display().to_string());
    env.insert("_SUITE_PROGRAM".into(), program.display().to_string());
    match opt_mode() {
        OptMode::Mounted(options) => {
            env.insert("_SUITE_UNSHARE".into(), (*options).into());
        }
        OptMode::Rewritten => {
            env.insert("LAMBDA_PROFILING_SUITE_OPT".into(), opt.display().to_string());
        }
    }
    env.into_iter().collect()
}

pub fn launcher() -> PathBuf {
    tools::suite_file("runtime/launch")
}

/// Credentials as Lambda passes them from the execution role.
pub fn credentials() -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", "ASIAAGENTSUITE000001"),
        ("AWS_SECRET_ACCESS_KEY", "agent-suite-secret"),
        ("AWS_SESSION_TOKEN", "agent-suite-session-token"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// What the suite adds to every function's environment, none of it ours to test:
/// the endpoint of the CodeGuru Profiler fake (boto3 honours it), the agent's fast
/// sampling, the function's log level (so that the agent's INFO lines are logged), and
/// no shared AWS config files.
pub fn suite_settings(s: &Servers) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL_CODEGURUPROFILER", s.codeguru.as_str()),
        ("AWS_CODEGURU_PROFILER_SAMPLING_INTERVAL_MS", "50"),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The suite's handler module for `handler` (`index.handler`, `pkg/mod.fn`): waits as
/// long as the event asks, then answers with what identifies it and the event.
fn user_code(task: &Path, handler: &str) {
    let (module, function) = handler.rsplit_once('.').expect("module.function");
    let file = task.join(format!("{}.py", module.replace('.', "/")));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let code = format!(
        r#"import os
import time


def {function}(event, context):
    time.sleep(event.get("work_ms", 0) / 1000.0)
    return {{
        "handler": "{handler}",
        "id": event.get("id"),
        "other_wrapper_ran": os.environ.get("OTEL_STAND_IN_WRAPPER_RAN") == "1",
    }}
"#
    );
    std::fs::write(file, code).unwrap();
}

/// The answer the function's own handler gives to `id`.
pub fn own_answer(f: &Function, id: &str, other_wrapper: bool) -> Value {
    json!({"handler": f.own_handler(), "id": id, "other_wrapper_ran": other_wrapper})
}

/// How long to go on invoking.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// Until the agent posted a profile, at most this many invocations.
    Reported(usize),
    /// Exactly this many invocations, then a grace period for late calls.
    Invocations(usize),
}

/// How long each invocation's handler works: longer than the shortened reporting
/// interval, so that one invocation is normally enough.
pub const WORK: Duration = Duration::from_millis(1300);
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long after the last invocation the suite waits for a post it may have started
/// (the agent posts from its own thread, which an invocation's end does not stop).
const POST_GRACE: Duration = Duration::from_secs(3);
/// How long it looks for a post after an earlier invocation, before invoking again.
const POLL_AFTER_INVOCATION: Duration = Duration::from_millis(500);

/// What a run showed.
#[derive(Debug)]
pub struct Outcome {
    pub function: Function,
    pub python: String,
    /// Each invocation's id and its answer (an error as `{"errorType", "errorMessage"}`).
    pub answers: Vec<(String, Value)>,
    /// Why invoking stopped early, if it did (the runtime died, timed out...).
    pub stopped: Option<String>,
    /// The agent calls made as this function.
    pub calls: Vec<AgentCall>,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Outcome {
    pub fn posted(&self) -> Vec<&AgentCall> {
        self.calls
            .iter()
            .filter(|c| c.operation == "PostAgentProfile" && c.status == 204)
            .collect()
    }

    /// The function's own log and output lines that tell what the agent did: the
    /// agent's log records, and anything that is not a JSON log record (prints,
    /// tracebacks, the runtime's own errors).
    pub fn agent_log(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        for line in self.stdout.iter().chain(&self.stderr) {
            match serde_json::from_str::<Value>(line) {
                Ok(record) if record.is_object() => {
                    let logger = record["logger"].as_str().unwrap_or_default();
                    let level = record["level"].as_str().unwrap_or_default();
                    if logger.starts_with("codeguru_profiler_agent") || level == "ERROR" || level == "WARNING"
                    {
                        lines.push(format!(
                            "  [{level} {logger}] {}",
                            record["message"]
                                .as_str()
                                .map_or_else(|| record["message"].to_string(), str::to_owned)
                        ));
                    }
                }
                _ => lines.push(format!("  {line}")),
            }
        }
        let skip = lines.len().saturating_sub(80);
        if lines.is_empty() {
            "  (the function logged nothing of the agent's)".into()
        } else {
            lines[skip..].join("\n")
        }
    }

    /// A description of the run for failure messages: what was run, the answers, the
    /// agent's calls and its own log lines.
    pub fn story(&self) -> String {
        let calls: Vec<String> = self
            .calls
            .iter()
            .map(|c| {
                format!(
                    "  {} {} group {:?} signed for {} ({})",
                    c.operation,
                    c.status,
                    c.group,
                    c.region,
                    c.service.as_deref().unwrap_or("no SigV4 scope")
                )
            })
            .collect();
        format!(
            "function {} ({} on python{}; handler {}; layers {:?})\nanswers: {:?}{}\nagent calls:\n{}\nthe function's log (agent lines):\n{}",
            self.function.name,
            self.function.runtime,
            self.python,
            self.function.handler,
            self.function.layers,
            self.answers,
            self.stopped
                .as_ref()
                .map(|s| format!("\nstopped: {s}"))
                .unwrap_or_default(),
            if calls.is_empty() {
                "  none".to_owned()
            } else {
                calls.join("\n")
            },
            self.agent_log()
        )
    }
}

/// Runs `f` under `python`'s runtime with its layers (`stand_ins` name what layers
/// published in moto's account hold), invoking it until `until`.
pub fn run(
    s: &Servers,
    f: &Function,
    python: &Python,
    stand_ins: &HashMap<String, Content>,
    until: Until,
) -> Outcome {
    let dir = scratch(&format!("py{}", python.version));
    let opt = dir.join("opt");
    let contents: Vec<Content> = f
        .layers
        .iter()
        .map(|arn| layers::content_of(arn, stand_ins, None))
        .collect();
    layers::extract(&opt, &contents);
    let task = dir.join("task");
    user_code(&task, f.own_handler());
    let runtime = dir.join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let bootstrap = runtime.join("bootstrap");
    let script = std::fs::read_to_string(tools::suite_file("runtime/bootstrap.sh"))
        .unwrap()
        .replace("@VERSION@", &python.version)
        .replace("@PYTHON@", &python.interpreter.display().to_string())
        .replace(
            "@BOOTSTRAP_PY@",
            &tools::suite_file("runtime/bootstrap.py").display().to_string(),
        );
    std::fs::write(&bootstrap, script).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    let config = FunctionConfig {
        name: f.name.clone(),
        region: REGION.into(),
        account: ACCOUNT.into(),
        memory_mb: 256,
    };
    let api = RuntimeApi::start(config).unwrap();
    let mut lambda = vec![
        ("_HANDLER".to_owned(), f.handler.clone()),
        ("LAMBDA_TASK_ROOT".to_owned(), task.display().to_string()),
        ("LAMBDA_RUNTIME_DIR".to_owned(), runtime.display().to_string()),
        (
            "LAMBDA_PROFILING_SUITE_RUNTIME_PACKAGES".to_owned(),
            python.packages.display().to_string(),
        ),
    ];
    lambda.extend(credentials());
    lambda.extend(suite_settings(s));
    let env = launch_environment(&f.variables, &lambda, &opt, &bootstrap);
    let mut function = api.spawn(&launcher(), &env).unwrap();

    // The agent names itself by the function's ARN, which a later run of the same
    // function shares: its calls are those made from now on.
    let since = std::time::SystemTime::now();
    let mut answers = Vec::new();
    let mut stopped = None;
    let (count, until_report) = match until {
        Until::Reported(n) => (n, true),
        Until::Invocations(n) => (n, false),
    };
    for _ in 0..count {
        let id = unique("invocation");
        let event = json!({"id": id, "work_ms": WORK.as_millis() as u64});
        match function.invoke(event.to_string(), INVOKE_TIMEOUT) {
            Ok(Reply::Response(bytes)) => {
                let answer =
                    serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)));
                answers.push((id, answer));
            }
            Ok(Reply::Error { error_type, message }) => {
                answers.push((id, json!({"errorType": error_type, "errorMessage": message})));
            }
            Err(e) => {
                stopped = Some(match e {
                    InvokeError::InitError { error_type, message } => {
                        format!("init error {error_type}: {message}")
                    }
                    other => other.to_string(),
                });
                break;
            }
        }
        let last = answers.len() == count;
        if until_report
            && wait_for_post(
                s,
                &f.arn(),
                since,
                if last { POST_GRACE } else { POLL_AFTER_INVOCATION },
            )
        {
            break;
        }
    }
    if !until_report {
        std::thread::sleep(POST_GRACE);
    }
    let output = function.stop();
    drop(api);
    let calls = fake::calls_of(&s.codeguru, &f.arn(), since);
    let outcome = Outcome {
        function: f.clone(),
        python: python.version.clone(),
        answers,
        stopped,
        calls,
        stdout: output.stdout,
        stderr: output.stderr,
    };
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

/// Whether the agent of `arn` posted a profile since `since`, waiting up to `wait` for
/// one in flight.
fn wait_for_post(s: &Servers, arn: &str, since: std::time::SystemTime, wait: Duration) -> bool {
    let until = Instant::now() + wait;
    loop {
        let calls = fake::calls_of(&s.codeguru, arn, since);
        if calls
            .iter()
            .any(|c| c.operation == "PostAgentProfile" && c.status == 204)
        {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
