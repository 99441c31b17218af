//! For `lambda-profiling status`: a CLI session pointed at the stand-ins, accounts of
//! functions in any state, and the calls a session made.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{AppName, BehaviorVersion, Region};
use aws_sdk_lambda::primitives::Blob;
use lambda_profiling_cli::session::{Endpoints, Session};
use lambda_profiling_cli::status::{FailOn, StatusArgs, StatusFormat, execute};
use lambda_profiling_switch::https_client;
use serde_json::{Value, json};

use super::{EMPTY_ZIP, Servers, add_fault, calls};

pub const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";
pub const JAVA_LAYER: &str = "AWSCodeGuruProfilerJavaAgentLayer";
pub const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";

/// The CLI's session in `region`, its calls tagged `app` (see [`calls`]); quick retries.
pub async fn status_session(s: &Servers, app: &str, region: &str) -> Session {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .region(Region::new(region.to_owned()))
        .endpoint_url(&s.aws)
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .app_name(AppName::new(app.to_owned()).expect("valid app name"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(8)
                .with_initial_backoff(Duration::from_millis(20)),
        )
        .timeout_config(lambda_profiling_cli::session::timeouts())
        .load()
        .await;
    Session::new(
        config,
        Endpoints {
            codeguru: Some(s.codeguru.clone()),
            ..Endpoints::default()
        },
    )
}

/// A function to create, `python3.12` on x86_64 unless said.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub runtime: String,
    pub role_arn: String,
    pub vars: Vec<(String, String)>,
    pub layers: Vec<String>,
    pub arch: String,
    pub stack: Option<String>,
}

impl Spec {
    pub fn new(name: &str, role_arn: &str) -> Spec {
        Spec {
            name: name.to_owned(),
            runtime: "python3.12".into(),
            role_arn: role_arn.to_owned(),
            vars: Vec::new(),
            layers: Vec::new(),
            arch: "x86_64".into(),
            stack: None,
        }
    }

    pub fn var(mut self, k: &str, v: &str) -> Spec {
        self.vars.push((k.to_owned(), v.to_owned()));
        self
    }
}

pub async fn create(lambda: &aws_sdk_lambda::Client, spec: &Spec) -> String {
    let env = aws_sdk_lambda::types::Environment::builder()
        .set_variables(Some(spec.vars.iter().cloned().collect()))
        .build();
    let mut call = lambda
        .create_function()
        .function_name(&spec.name)
        .runtime(spec.runtime.as_str().into())
        .role(&spec.role_arn)
        .handler("app.handler")
        .architectures(spec.arch.as_str().into())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP))
                .build(),
        )
        .environment(env)
        .set_layers(Some(spec.layers.clone()));
    if let Some(stack) = &spec.stack {
        call = call.tags("aws:cloudformation:stack-name", stack);
    }
    call.send().await.unwrap().function_arn().unwrap().to_owned()
}

/// Creates the functions eight at a time.
pub async fn create_all(lambda: &aws_sdk_lambda::Client, specs: &[Spec]) {
    use futures_util::StreamExt;
    futures_util::stream::iter(specs)
        .for_each_concurrent(8, |spec| async move {
            create(lambda, spec).await;
        })
        .await;
}

pub async fn role(iam: &aws_sdk_iam::Client, name: &str, with_policy: bool) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let out = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    if with_policy {
        iam.attach_role_policy()
            .role_name(name)
            .policy_arn(POLICY)
            .send()
            .await
            .unwrap();
    }
    out.role().unwrap().arn().to_owned()
}

/// What CDK's `profiling: true` grants: the agent's two calls, inline, on the group.
pub async fn grant_publish_inline(iam: &aws_sdk_iam::Client, role: &str, group_arn: &str) {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["codeguru-profiler:PostAgentProfile", "codeguru-profiler:ConfigureAgent"],
        "Resource": group_arn}]});
    iam.put_role_policy()
        .role_name(role)
        .policy_name("ServiceRoleDefaultPolicy")
        .policy_document(doc.to_string())
        .send()
        .await
        .unwrap();
}

pub async fn publish(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    let content = aws_sdk_lambda::types::LayerVersionContentInput::builder()
        .zip_file(Blob::new(EMPTY_ZIP))
        .build();
    let out = lambda
        .publish_layer_version()
        .layer_name(name)
        .content(content)
        .send()
        .await
        .unwrap();
    out.layer_version_arn().unwrap().to_owned()
}

/// Creates a group; returns its ARN.
pub async fn group(codeguru: &aws_sdk_codeguruprofiler::Client, name: &str) -> String {
    let out = codeguru
        .create_profiling_group()
        .profiling_group_name(name)
        .compute_platform(aws_sdk_codeguruprofiler::types::ComputePlatform::Awslambda)
        .client_token(name)
        .send()
        .await
        .unwrap();
    out.profiling_group().unwrap().arn().unwrap().to_owned()
}

/// The variables `enable` sets on a Python function for group `arn`.
pub fn agent_vars(spec: Spec, group_arn: &str, region: &str) -> Spec {
    let name = group_arn.rsplit('/').next().unwrap().to_owned();
    spec.var("AWS_CODEGURU_PROFILER_GROUP_NAME", &name)
        .var("AWS_CODEGURU_PROFILER_GROUP_ARN", group_arn)
        .var("AWS_CODEGURU_PROFILER_TARGET_REGION", region)
        .var("AWS_CODEGURU_PROFILER_ENABLED", "TRUE")
}

/// The largest number of `app`'s calls the fronts had in flight at one time.
pub async fn most_in_flight(s: &Servers, app: &str) -> usize {
    let mut edges: Vec<(f64, i32)> = Vec::new();
    for c in calls(s, app).await {
        edges.push((c.started, 1));
        edges.push((c.ended.unwrap_or(f64::MAX), -1));
    }
    // An end at the same instant as a start counts first: the two did not overlap.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

/// Makes the front answer the first `count` of `app`'s requests that contain every
/// string of `contains` with `status` and the error `body` (a throttle, say).
pub async fn fault_app(
    base: &str,
    app: &str,
    contains: &[&str],
    count: u32,
    status: u16,
    headers: Value,
    body: &str,
) {
    let spec = json!({"ua": format!("app/{app}"), "contains": contains, "count": count,
        "status": status, "headers": headers, "body": body});
    add_fault(base, spec).await;
}

/// Makes the front hold `app`'s requests that contain `contains` for `ms` each.
pub async fn delay_app(base: &str, app: &str, contains: &[&str], count: u32, ms: u64) {
    let spec = json!({"ua": format!("app/{app}"), "contains": contains, "count": count, "delay_ms": ms});
    add_fault(base, spec).await;
}

/// `status --region R --format F`, eight calls at once.
pub fn status_args(region: &str, format: StatusFormat) -> StatusArgs {
    StatusArgs {
        regions: vec![region.to_owned()],
        functions: Vec::new(),
        format,
        concurrency: 8,
        fail_on: vec![FailOn::Broken],
        accounts: Default::default(),
    }
}

pub async fn json_status(s: &Servers, app: &str, a: &StatusArgs) -> (Value, u8) {
    let session = status_session(s, app, &a.regions[0]).await;
    let out = execute(a, &session, (false, false), Box::new(std::io::sink())).await;
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    (serde_json::from_str(&out.stdout).expect("JSON"), out.code)
}

pub fn by_name<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["functionName"] == name)
        .unwrap_or_else(|| panic!("{name} is not listed: {report}"))
}
