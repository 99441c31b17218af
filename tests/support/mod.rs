//! Shared harness of the custom resource's integration tests: local AWS stand-ins and helpers.
//!
//! `servers()` starts `tests/support/servers.py` (moto for IAM, Lambda and S3, a fake of
//! CodeGuru Profiler, and a fault-injecting front) once per test binary, with the Python
//! of the pinned tools, found by `tests/toolbox`: `$LAMBDA_PROFILING_TOOLS` (a bin dir),
//! else `<repo>/.venv/bin` (made by `scripts/dev-tools`). The process ends when this one does: it waits on its
//! standard input, which closes when the test process exits. Everything binds 127.0.0.1.
//!
//! Without the tools a test prints that it was SKIPPED and why, and passes, unless
//! `LAMBDA_PROFILING_REQUIRE_TOOLS=1` (as in CI), when it fails.
#![allow(dead_code)] // each test binary uses a different part

#[path = "../toolbox/mod.rs"]
mod toolbox;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::{AppName, BehaviorVersion, Region};
use aws_sdk_lambda::primitives::Blob;
use lambda_profiling::aws::{Clients, Settings};
use serde_json::{Value, json};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
const BUCKET: &str = "cfn-responses";

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
                    eprintln!("SKIPPED: {why}; run scripts/dev-tools or set LAMBDA_PROFILING_TOOLS");
                    None
                }
            }
        })
        .as_ref()
        .or_else(|| {
            eprintln!("SKIPPED: the local AWS stand-ins are not available (see the first SKIPPED line)");
            None
        })
}

fn start(python: &Path) -> Result<Servers, String> {
    let script = toolbox::repo().join("tests/support/servers.py");
    let mut child = Command::new(python)
        .arg(script)
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .env("AWS_DEFAULT_REGION", REGION)
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
        insecure_response_hosts: vec!["127.0.0.1".into()],
    }
}

/// Clients pointed at the stand-ins. `app` tags their User-Agent so that the front can
/// list this client's calls (see [`calls`]).
pub async fn clients(s: &Servers, app: &str) -> Clients {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
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
        REGION.into(),
        settings(),
    )
}

/// A request the front saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The IAM (query protocol) action, else empty.
    pub action: String,
    pub content_type: Option<String>,
    pub content_length: Option<String>,
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
    type Row = (String, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = http().get(url).send().await.unwrap().json().await.unwrap();
    rows.into_iter()
        .map(|(method, path, action, content_type, content_length)| Seen {
            method,
            path,
            action,
            content_type,
            content_length,
        })
        .collect()
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
    reqwest::Client::new()
}

pub async fn create_role(c: &Clients, name: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let out = c
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    out.role().unwrap().arn().to_owned()
}

pub async fn attached_policies(c: &Clients, role: &str) -> Vec<String> {
    let out = c
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    out.attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .map(str::to_owned)
        .collect()
}

pub async fn role_tags(c: &Clients, role: &str) -> Vec<(String, String)> {
    let out = c.iam.list_role_tags().role_name(role).send().await.unwrap();
    let mut tags: Vec<_> = out
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    tags
}

/// An empty zip archive: moto stores code without running it.
const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// Publishes a stand-in version of `name` in the test account; returns its ARN.
pub async fn publish_layer(c: &Clients, name: &str) -> String {
    let content = aws_sdk_lambda::types::LayerVersionContentInput::builder()
        .zip_file(Blob::new(EMPTY_ZIP))
        .build();
    let out = c
        .lambda
        .publish_layer_version()
        .layer_name(name)
        .content(content)
        .send()
        .await
        .unwrap();
    out.layer_version_arn().unwrap().to_owned()
}

pub async fn create_function(
    c: &Clients,
    name: &str,
    runtime: &str,
    role_arn: &str,
    vars: &[(&str, &str)],
    layers: &[String],
) -> String {
    let env = aws_sdk_lambda::types::Environment::builder()
        .set_variables(Some(
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ))
        .build();
    let out = c
        .lambda
        .create_function()
        .function_name(name)
        .runtime(runtime.into())
        .role(role_arn)
        .handler("app.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP))
                .build(),
        )
        .environment(env)
        .set_layers(Some(layers.to_vec()))
        .send()
        .await
        .unwrap();
    out.function_arn().unwrap().to_owned()
}

/// What the tests compare before and after: handler, layers and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionState {
    pub handler: String,
    pub layers: Vec<String>,
    pub vars: std::collections::BTreeMap<String, String>,
}

pub async fn function_state(c: &Clients, name: &str) -> FunctionState {
    let out = c
        .lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    FunctionState {
        handler: out.handler().unwrap_or_default().to_owned(),
        layers: out
            .layers()
            .iter()
            .filter_map(|l| l.arn())
            .map(str::to_owned)
            .collect(),
        vars: out
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    }
}

pub async fn group_tags(s: &Servers) -> Value {
    http()
        .get(format!("{}/_groups", s.codeguru))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A presigned S3 PUT URL (SigV4 in the query, as CloudFormation's) for a new object.
pub async fn response_url(s: &Servers, key: &str) -> String {
    let _ = http().put(format!("{}/{BUCKET}", s.moto)).send().await.unwrap();
    presign("PUT", &s.aws, key)
}

pub fn presign(method: &str, base: &str, key: &str) -> String {
    use aws_sigv4::http_request::{
        PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        UriPathNormalizationMode, sign,
    };
    let url = format!("{base}/{BUCKET}/{key}");
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let identity = aws_credential_types::Credentials::new("test", "test", None, None, "tests").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(7200));
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("s3")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let request = SignableRequest::new(
        method,
        url.clone(),
        [("host", host.as_str())].into_iter(),
        SignableBody::UnsignedPayload,
    )
    .unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    let query: Vec<String> = instructions
        .params()
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    format!("{url}?{}", query.join("&"))
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The response CloudFormation would read: the S3 object, with the headers it was put with.
pub async fn read_response(s: &Servers, key: &str) -> Option<(Value, Option<String>)> {
    // moto, like S3, refuses anonymous reads: sign the GET too.
    let resp = http().get(presign("GET", &s.moto, key)).send().await.unwrap();
    if !resp.status().is_success() {
        return None;
    }
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    Some((resp.json().await.unwrap(), content_type))
}

/// A CloudFormation event from the aws_lambda_events fixtures, with these parts.
pub fn event(
    kind: &str,
    url: &str,
    stack: &str,
    logical: &str,
    props: Value,
    physical: Option<&str>,
    old: Option<Value>,
) -> Value {
    let file = match kind {
        "Create" => "create.json",
        "Update" => "update.json",
        _ => "delete.json",
    };
    let text =
        std::fs::read_to_string(format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut e: Value = serde_json::from_str(&text).unwrap();
    e["ResponseURL"] = url.into();
    e["StackId"] = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{stack}/0000").into();
    e["LogicalResourceId"] = logical.into();
    e["RequestId"] = unique("req").into();
    e["ResourceProperties"] = props;
    if let Some(p) = physical {
        e["PhysicalResourceId"] = p.into();
    }
    if let Some(o) = old {
        e["OldResourceProperties"] = o;
    }
    e
}

pub fn deadline(secs: u64) -> Instant {
    Instant::now() + Duration::from_secs(secs)
}

/// One CloudFormation request through the product's entry point, answered to a real
/// presigned S3 URL; returns what was answered and the response object CloudFormation sees.
pub struct Stack {
    pub name: String,
    pub logical: String,
}

impl Stack {
    pub fn new(logical: &str) -> Self {
        Stack {
            name: unique("stack"),
            logical: logical.into(),
        }
    }

    pub async fn send(
        &self,
        s: &Servers,
        c: &Clients,
        kind: &str,
        props: Value,
        physical: Option<&str>,
        old: Option<Value>,
    ) -> (lambda_profiling::custom_resource::Answered, Value) {
        let key = unique("response");
        let url = response_url(s, &key).await;
        let e = event(kind, &url, &self.name, &self.logical, props, physical, old);
        let answered = lambda_profiling::custom_resource::handle(e, deadline(120), c).await;
        let Some((response, _)) = read_response(s, &key).await else {
            panic!("no response object; answered {answered:?}")
        };
        (answered, response)
    }
}

pub fn service_token() -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:lambda-profiling")
}
