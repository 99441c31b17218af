//! Shared harness of the custom resource's integration tests: local AWS stand-ins and helpers.
//!
//! `servers()` starts `tests/support/servers.py` (moto for IAM, Lambda, S3 and DynamoDB,
//! with the references' table of `macro-template.yaml` created in us-east-1; a fake of
//! CodeGuru Profiler, and a fault-injecting front) once per test binary, with the Python
//! of the pinned tools, found by `tests/toolbox`: `$LAMBDA_PROFILING_TOOLS` (a bin dir),
//! else `<repo>/.venv/bin` (made by `scripts/dev-tools`). The process ends when this one does: it waits on its
//! standard input, which closes when the test process exits. Everything binds 127.0.0.1.
//!
//! Without the tools a test prints that it was SKIPPED and why, and passes, unless
//! `LAMBDA_PROFILING_REQUIRE_TOOLS=1` (as in CI), when it fails.
#![allow(dead_code)] // each test binary uses a different part

mod accounts;
mod responses;
mod status;
mod toggle;
#[path = "../toolbox/mod.rs"]
pub mod toolbox;
mod trust;

#[allow(unused_imports)] // as above: not every binary uses every part
pub use {accounts::*, responses::*, status::*, toggle::*, trust::*};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::{AppName, BehaviorVersion, Region};
use lambda_profiling_switch::{Clients, Settings};
use serde_json::{Value, json};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

pub struct Servers {
    /// moto behind the fault-injecting front: what the code under test talks to.
    pub aws: String,
    /// moto directly, for reading back what the tests check.
    pub moto: String,
    pub codeguru: String,
    _process: Mutex<(Child, ChildStdin)>,
}

/// The running servers, or `None` (after saying SKIPPED) when the tools are missing.
pub fn servers() -> Option<&'static Servers> {
    static SERVERS: OnceLock<Option<Servers>> = OnceLock::new();
    SERVERS
        .get_or_init(|| {
            let python = toolbox::tool("python")?; // moto's Python, from the pinned tools
            match start(&python) {
                Ok(servers) => Some(servers),
                Err(why) if std::env::var("LAMBDA_PROFILING_REQUIRE_TOOLS").as_deref() == Ok("1") => {
                    panic!("LAMBDA_PROFILING_REQUIRE_TOOLS=1 but {why}")
                }
                Err(why) => {
                    let line = format!("{why}; run scripts/dev-tools or set LAMBDA_PROFILING_TOOLS");
                    eprintln!("SKIPPED: {line}");
                    toolbox::record_skip(&line);
                    None
                }
            }
        })
        .as_ref()
        .or_else(|| {
            let line = "the local AWS stand-ins (moto, the CodeGuru Profiler fake) are not available";
            eprintln!("SKIPPED: {line} (see the first SKIPPED line)");
            toolbox::record_skip(line);
            None
        })
}

fn start(python: &Path) -> Result<Servers, String> {
    let script = toolbox::repo().join("tests/support/servers.py");
    let mut child = Command::new(python)
        .arg(script)
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .env("AWS_DEFAULT_REGION", REGION)
        .env("LAMBDA_PROFILING_TABLE", table_definition().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
    let stdin = child.stdin.take().expect("piped");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let ports: Value = serde_json::from_str(&line).map_err(|_| {
        format!(
            "the servers did not start (is moto installed beside {}?)",
            python.display()
        )
    })?;
    let url = |k: &str| format!("http://127.0.0.1:{}", ports[k]);
    Ok(Servers {
        aws: url("aws"),
        moto: url("moto"),
        codeguru: url("codeguru"),
        _process: Mutex::new((child, stdin)),
    })
}

/// A unique, readable name for one test's resources.
pub fn unique(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{n}-{t:x}", std::process::id())
}

pub fn settings() -> Settings {
    Settings {
        // moto accepts layers of its own account only: stand-ins are published there.
        allowed_layer_accounts: vec![ACCOUNT.into()],
        allowed_layer_names: Vec::new(),
        insecure_response_hosts: vec!["127.0.0.1".into()],
        any_layer: false,
    }
}

/// Clients pointed at the stand-ins. `app` tags their User-Agent so that the front can
/// list this client's calls (see [`calls`]).
pub async fn clients(s: &Servers, app: &str) -> Clients {
    clients_in(s, app, REGION).await
}

/// [`clients`] acting in `region` (the references' table stays in the home region, REGION).
pub async fn clients_in(s: &Servers, app: &str, region: &str) -> Clients {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(lambda_profiling_switch::https_client())
        .region(Region::new(region.to_owned()))
        .endpoint_url(&s.aws)
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .app_name(AppName::new(app.to_owned()).expect("valid app name"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(50)),
        )
        .load()
        .await;
    let codeguru = aws_sdk_codeguruprofiler::Client::from_conf(
        aws_sdk_codeguruprofiler::config::Builder::from(&config)
            .endpoint_url(&s.codeguru)
            .build(),
    );
    Clients::new(
        aws_sdk_iam::Client::new(&config),
        aws_sdk_lambda::Client::new(&config),
        codeguru,
        aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&config)
                .region(Region::new(REGION))
                .build(),
        ),
        lambda_profiling_switch::ReferenceTable {
            name: lambda_profiling_switch::DEFAULT_REFERENCE_TABLE.into(),
            region: REGION.into(),
            absent_reads_empty: false,
        },
        region.into(),
        settings(),
    )
}

/// The references' table as `macro-template.yaml` defines it (its `AWS::DynamoDB::Table`,
/// with the `ReferenceTableName` parameter's default as its name), for `servers.py` to
/// create in moto: the tests cannot drift from the template.
pub fn table_definition() -> Value {
    let text = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let template = lambda_profiling_cli::cfn_yaml::parse_template(&text).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    let (_, table) = resources
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::DynamoDB::Table")
        .expect("macro-template.yaml defines the references' table");
    let p = &table["Properties"];
    assert_eq!(p["TableName"], json!({"Ref": "ReferenceTableName"}));
    json!({
        "TableName": template["Parameters"]["ReferenceTableName"]["Default"],
        "AttributeDefinitions": p["AttributeDefinitions"],
        "KeySchema": p["KeySchema"],
        "BillingMode": p["BillingMode"],
    })
}

/// A request the front saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The IAM (query protocol) action or the DynamoDB (JSON protocol) operation, else empty.
    pub action: String,
    pub content_type: Option<String>,
    pub content_length: Option<String>,
    /// When the front received the request and when it had the answer (seconds, on
    /// the front's monotonic clock), to tell calls made at the same time.
    pub started: f64,
    pub ended: Option<f64>,
}

/// The AWS calls a client tagged `app` made (both fronts share one log).
pub async fn calls(s: &Servers, app: &str) -> Vec<Seen> {
    seen(&format!("{}/_requests?ua=app/{app}", s.aws)).await
}

/// The requests to paths containing `part` (for example a response object's key).
pub async fn requests_to(s: &Servers, part: &str) -> Vec<Seen> {
    seen(&format!("{}/_requests?path={part}", s.aws)).await
}

async fn seen(url: &str) -> Vec<Seen> {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        f64,
        Option<f64>,
    );
    let rows: Vec<Row> = http().get(url).send().await.unwrap().json().await.unwrap();
    rows.into_iter()
        .map(
            |(method, path, action, content_type, content_length, started, ended)| Seen {
                method,
                path,
                action,
                content_type,
                content_length,
                started,
                ended,
            },
        )
        .collect()
}

/// Makes the front hold the first `count` requests containing every string of
/// `contains` for `ms` milliseconds, then forward them.
pub async fn delay(base: &str, contains: &[&str], method: &str, count: u32, ms: u64) {
    let spec = json!({"contains": contains, "method": method, "count": count, "delay_ms": ms});
    add_fault(base, spec).await;
}

/// Makes the front answer the first `count` requests containing every string of
/// `contains` (in path, query or body) with `status`, `headers` and `body`.
pub async fn fault(
    base: &str,
    contains: &[&str],
    method: &str,
    count: u32,
    status: u16,
    headers: Value,
    body: &str,
) {
    let spec = json!({"contains": contains, "method": method, "count": count, "status": status, "headers": headers, "body": body});
    add_fault(base, spec).await;
}

pub(crate) async fn add_fault(base: &str, spec: Value) {
    http()
        .post(format!("{base}/_faults"))
        .json(&spec)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

pub fn http() -> reqwest::Client {
    lambda_profiling_switch::install_crypto_provider();
    reqwest::Client::new()
}
