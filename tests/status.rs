//! `lambda-profiling status` against moto's Lambda and IAM and the CodeGuru Profiler
//! fake, over real HTTP, driven as the binary runs it (`status::execute`). Each test
//! has a region of its own, so that listing a region sees only its functions.

mod support;

use lambda_profiling_cli::status::{FailOn, StatusFormat, execute};
use serde_json::{Value, json};
use support::*;

#[tokio::test]
async fn one_function_in_each_state_with_each_problem_named() {
    let Some(s) = servers() else { return };
    let region = "eu-central-1";
    let setup = status_session(s, &unique("st-setup"), region).await;
    let (lambda, iam, codeguru) = (setup.lambda(region), setup.iam(region), setup.codeguru(region));
    // Plain names: this test has its region (and these roles) to itself, and its table
    // is the README's example.
    let ok_role = role(&iam, "orders-role", true).await;
    let bare_role = role(&iam, "reports-role", false).await;
    let cdk_role_name = "cdk-app-role";
    let cdk_role = role(&iam, cdk_role_name, false).await;
    let py = publish(&lambda, PY_LAYER).await;
    let java = publish(&lambda, JAVA_LAYER).await;
    let (profiled, javafn, cdk, deleted, lacks, off, node, arm) = (
        "orders",
        "billing",
        "cdk-app",
        "invoices",
        "reports",
        "worker",
        "node-api",
        "thumbnails",
    );

    let g = group(&codeguru, &format!("aws-lambda-{profiled}")).await;
    let mut spec = agent_vars(Spec::new(profiled, &ok_role), &g, region)
        .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
    spec.layers = vec![py.clone()];
    spec.stack = Some("shop".into());
    create(&lambda, &spec).await;

    let g = group(&codeguru, &format!("aws-lambda-{javafn}")).await;
    let mut spec = agent_vars(Spec::new(javafn, &ok_role), &g, region).var(
        "JAVA_TOOL_OPTIONS",
        "-Xmx512m -javaagent:/opt/codeguru-profiler-java-agent-standalone.jar",
    );
    spec.runtime = "java21".into();
    spec.layers = vec![java.clone()];
    create(&lambda, &spec).await;

    // CDK's `profiling: true`: the group's ARN and ENABLED, an inline grant, no layer.
    let g = group(&codeguru, &format!("{cdk}-profiling")).await;
    grant_publish_inline(&iam, cdk_role_name, &g).await;
    let spec = Spec::new(cdk, &cdk_role)
        .var("AWS_CODEGURU_PROFILER_GROUP_ARN", &g)
        .var("AWS_CODEGURU_PROFILER_ENABLED", "TRUE");
    create(&lambda, &spec).await;

    // Everything there, but its group was deleted.
    let gone = format!("aws-lambda-{deleted}");
    let g = group(&codeguru, &gone).await;
    codeguru
        .delete_profiling_group()
        .profiling_group_name(&gone)
        .send()
        .await
        .unwrap();
    let mut spec = agent_vars(Spec::new(deleted, &ok_role), &g, region)
        .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
    spec.layers = vec![py.clone()];
    create(&lambda, &spec).await;

    let g = group(&codeguru, &format!("aws-lambda-{lacks}")).await;
    let mut spec = agent_vars(Spec::new(lacks, &bare_role), &g, region)
        .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
    spec.layers = vec![py.clone()];
    create(&lambda, &spec).await;

    create(&lambda, &Spec::new(off, &ok_role).var("DB_HOST", "db.internal")).await;
    let mut spec = Spec::new(node, &ok_role);
    spec.runtime = "nodejs20.x".into();
    create(&lambda, &spec).await;
    let mut spec = Spec::new(arm, &ok_role);
    spec.arch = "arm64".into();
    create(&lambda, &spec).await;

    let (report, code) = json_status(s, &unique("st-each"), &status_args(region, StatusFormat::Json)).await;
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert_eq!(code, 1, "a broken function makes status exit 1");
    assert_eq!(
        report["summary"],
        json!({"profiled": 2, "broken": 3, "off": 1, "unsupported": 2})
    );
    let f = by_name(&report, profiled);
    assert_eq!(
        (f["state"].as_str(), f["problems"].as_array().unwrap().len()),
        (Some("profiled"), 0),
        "{f}"
    );
    assert_eq!(f["layer"], py.as_str());
    assert_eq!(f["stack"], "shop");
    assert_eq!(
        f["profilingGroup"],
        format!("arn:aws:codeguru-profiler:{region}:{ACCOUNT}:profilingGroup/aws-lambda-{profiled}")
    );
    assert_eq!(by_name(&report, javafn)["state"], "profiled", "{report}");
    assert_eq!(by_name(&report, javafn)["layer"], java.as_str());

    let f = by_name(&report, cdk);
    assert_eq!(f["state"], "broken");
    let problems: Vec<&str> = f["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "the inline grant counts: {problems:?}");
    assert!(
        problems[0].starts_with("no agent layer: the agent never starts; add "),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("AWS_LAMBDA_EXEC_WRAPPER is not set"),
        "{problems:?}"
    );

    assert_eq!(
        by_name(&report, deleted)["problems"],
        json!([format!(
            "profiling group {gone} does not exist in {region}: the agent cannot report; create it (ComputePlatform AWSLambda) or name an existing one"
        )])
    );
    let bare = bare_role.rsplit('/').next().unwrap();
    assert_eq!(
        by_name(&report, lacks)["problems"],
        json!([format!(
            "role {bare} lacks AmazonCodeGuruProfilerAgentAccess: the agent cannot report; attach it to the role"
        )])
    );
    assert_eq!(by_name(&report, off)["state"], "off");
    assert_eq!(by_name(&report, off)["problems"], json!([]));
    assert_eq!(by_name(&report, node)["state"], "unsupported");
    assert!(
        by_name(&report, arm)["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("runs on arm64")
    );

    // The same as a table: each function once, its stack, the problems under it.
    let session = status_session(s, &unique("st-table"), region).await;
    let out = execute(
        &status_args(region, StatusFormat::Table),
        &session,
        (false, false),
        Box::new(std::io::sink()),
    )
    .await;
    eprintln!("{}", out.stdout);
    assert_eq!(out.code, 1);
    let row = out.stdout.lines().find(|l| l.starts_with(profiled)).unwrap();
    assert!(row.contains("profiled") && row.contains("shop"), "{row}");
    assert!(out.stdout.contains(&format!(
        "    - role {bare} lacks AmazonCodeGuruProfilerAgentAccess"
    )));
    assert!(
        out.stdout
            .ends_with("8 functions: 2 profiled, 3 broken, 1 off, 2 unsupported\n"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn an_account_of_520_functions_is_listed_once_each_through_lambdas_paging() {
    let Some(s) = servers() else { return };
    let region = "eu-west-2";
    let setup = status_session(s, &unique("many-setup"), region).await;
    let (lambda, iam, codeguru) = (setup.lambda(region), setup.iam(region), setup.codeguru(region));
    let py = publish(&lambda, PY_LAYER).await;
    let mut roles = Vec::new();
    for i in 0..5 {
        roles.push(role(&iam, &unique(&format!("many-r{i}")), true).await);
    }
    let mut groups = Vec::new();
    for i in 0..4 {
        groups.push(group(&codeguru, &unique(&format!("many-g{i}"))).await);
    }
    // One in four profiled, the rest off; 5 roles and 4 groups among the profiled.
    let specs: Vec<Spec> = (0..520)
        .map(|i| {
            let mut spec = Spec::new(&format!("many-{i:04}"), &roles[i % 5]);
            if i % 2 == 0 {
                spec.stack = Some(format!("stack-{}", i / 100));
            }
            if i % 4 == 0 {
                let mut spec = agent_vars(spec, &groups[(i / 4) % 4], region)
                    .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
                spec.layers = vec![py.clone()];
                spec
            } else {
                spec
            }
        })
        .collect();
    create_all(&lambda, &specs).await;

    let app = unique("many");
    let (report, code) = json_status(s, &app, &status_args(region, StatusFormat::Json)).await;
    assert_eq!(code, 0, "{}", report["summary"]);
    // An audit that every function an agent serves is profiled fails on the off ones.
    let mut audit = status_args(region, StatusFormat::Json);
    audit.fail_on = vec![FailOn::Broken, FailOn::Off];
    assert_eq!(
        json_status(s, &unique("many-audit"), &audit).await.1,
        1,
        "--fail-on broken,off"
    );
    let names: Vec<&str> = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["functionName"].as_str().unwrap())
        .collect();
    let unique_names: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(
        (names.len(), unique_names.len()),
        (520, 520),
        "each function exactly once"
    );
    assert!(specs.iter().all(|s| unique_names.contains(s.name.as_str())));
    assert_eq!(
        report["summary"],
        json!({"profiled": 130, "broken": 0, "off": 390, "unsupported": 0})
    );
    let f = by_name(&report, "many-0302");
    assert_eq!(
        f["stack"], "stack-3",
        "the stack from GetResources' third page: {f}"
    );
    assert_eq!(by_name(&report, "many-0303")["stack"], Value::Null);

    // Paged as Lambda pages (11 pages of at most 50), each role and group read once.
    let seen = calls(s, &app).await;
    let count = |pred: &dyn Fn(&Seen) -> bool| seen.iter().filter(|c| pred(c)).count();
    assert_eq!(count(&|c| c.path.starts_with("/2015-03-31/functions")), 11);
    assert_eq!(count(&|c| c.action == "ListAttachedRolePolicies"), 5);
    assert_eq!(count(&|c| c.path.starts_with("/profilingGroups/")), 4);
    assert_eq!(
        count(&|c| c.action == "GetResources"),
        3,
        "GetResources: 260 tagged in pages of 100"
    );
}

#[tokio::test]
async fn calls_stay_within_the_bound_and_throttling_is_survived() {
    let Some(s) = servers() else { return };
    let region = "us-west-2";
    let setup = status_session(s, &unique("busy-setup"), region).await;
    let (lambda, iam, codeguru) = (setup.lambda(region), setup.iam(region), setup.codeguru(region));
    let py = publish(&lambda, PY_LAYER).await;
    // 24 profiled functions, each with its own role and group: 48 lookups.
    let mut specs = Vec::new();
    for i in 0..24 {
        let r = role(&iam, &unique(&format!("busy-r{i}")), true).await;
        let g = group(&codeguru, &unique(&format!("busy-g{i}"))).await;
        let mut spec = agent_vars(Spec::new(&unique(&format!("busy-{i}")), &r), &g, region)
            .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
        spec.layers = vec![py.clone()];
        specs.push(spec);
    }
    create_all(&lambda, &specs).await;

    let app = unique("busy");
    // Slow calls, so that overlapping ones show; and throttles from all three services.
    delay_app(&s.aws, &app, &["ListAttachedRolePolicies"], 24, 150).await;
    delay_app(&s.codeguru, &app, &["/profilingGroups/"], 24, 150).await;
    let lambda_throttle = r#"{"Type":"User","message":"Rate exceeded"}"#;
    let headers = json!({"x-amzn-ErrorType": "TooManyRequestsException", "Content-Type": "application/json"});
    fault_app(
        &s.aws,
        &app,
        &["/2015-03-31/functions"],
        2,
        429,
        headers,
        lambda_throttle,
    )
    .await;
    let iam_throttle = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
    let headers = json!({"Content-Type": "text/xml"});
    fault_app(
        &s.aws,
        &app,
        &["ListAttachedRolePolicies"],
        3,
        400,
        headers,
        iam_throttle,
    )
    .await;
    let headers = json!({"x-amzn-ErrorType": "ThrottlingException", "Content-Type": "application/json"});
    fault_app(
        &s.codeguru,
        &app,
        &["/profilingGroups/"],
        3,
        429,
        headers,
        r#"{"message":"Rate exceeded"}"#,
    )
    .await;

    let mut a = status_args(region, StatusFormat::Json);
    a.concurrency = 4;
    let (report, code) = json_status(s, &app, &a).await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report["summary"],
        json!({"profiled": 24, "broken": 0, "off": 0, "unsupported": 0})
    );
    let seen = calls(s, &app).await;
    let throttled_and_retried = seen
        .iter()
        .filter(|c| c.path.starts_with("/2015-03-31/functions"))
        .count();
    assert_eq!(throttled_and_retried, 3, "two throttles, then the one page");
    let most = most_in_flight(s, &app).await;
    assert!(most <= 4, "{most} calls in flight with --concurrency 4");
    assert!(most >= 3, "the lookups ran concurrently: at most {most} at once");
}

#[tokio::test]
async fn named_functions_alone_a_missing_one_and_progress_only_on_a_terminal() {
    let Some(s) = servers() else { return };
    let region = "us-east-2";
    let setup = status_session(s, &unique("named-setup"), region).await;
    let lambda = setup.lambda(region);
    let r = role(&setup.iam(region), &unique("named-r"), false).await;
    let (one, other) = (unique("named-one"), unique("named-other"));
    let mut spec = Spec::new(&one, &r);
    spec.stack = Some("orders".into());
    create(&lambda, &spec).await;
    create(&lambda, &Spec::new(&other, &r)).await;

    let app = unique("named");
    let session = status_session(s, &app, region).await;
    let mut a = status_args(region, StatusFormat::Json);
    a.functions = vec![one.clone()];
    let out = execute(&a, &session, (true, true), Box::new(std::io::sink())).await;
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["functions"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(
        report["functions"][0]["stack"], "orders",
        "GetFunction's tags name the stack"
    );
    let seen = calls(s, &app).await;
    assert!(
        seen.iter().all(|c| c.path != "/2015-03-31/functions"),
        "no ListFunctions"
    );
    assert_eq!(
        seen.len(),
        1,
        "one GetFunction, and an off function needs no lookup: {seen:?}"
    );

    // One name missing among found ones: the others are still reported, the missing one
    // said on stderr and in the JSON, and the exit code says the report is not whole.
    a.functions = vec!["no-such-function".into(), one.clone()];
    let out = execute(&a, &session, (false, false), Box::new(std::io::sink())).await;
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!(
            "function no-such-function does not exist in {region}: check the name, or pass the --region it is in\n"
        )
    );
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["functions"][0]["functionName"], one.as_str(), "{report}");
    assert_eq!(report["missing"].as_array().unwrap().len(), 1, "{report}");

    // Progress: on a terminal, for the table only.
    let shown = |terminals: (bool, bool), format: StatusFormat| {
        let session = session.clone();
        let mut a = status_args(region, format);
        a.functions = vec![one.clone(), other.clone()];
        async move {
            let buf = Capture::default();
            execute(&a, &session, terminals, Box::new(buf.clone())).await;
            buf.text()
        }
    };
    let text = shown((true, true), StatusFormat::Table).await;
    assert!(text.contains("listing functions: 2"), "{text:?}");
    assert!(
        text.ends_with("\r\x1b[2K"),
        "the line is cleared before the report: {text:?}"
    );
    assert_eq!(shown((true, true), StatusFormat::Json).await, "", "JSON mode");
    assert_eq!(
        shown((false, true), StatusFormat::Table).await,
        "",
        "stdout piped"
    );
}

/// A writer whose bytes the test reads back.
#[derive(Clone, Default)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
