//! `lambda-profiling status` when AWS does not answer as it should: an endpoint that cannot
//! be reached, a server error with an HTML page, a permission the caller lacks. Each is
//! told apart and said with what to do (a permission to grant only for the last), the
//! endpoint is named, and nothing of the SDK's inner workings or AWS's page is printed.
//! Against moto and the CodeGuru Profiler fake behind the test front, which answers as the
//! fault says.

mod support;

use lambda_profiling_cli::session::{Endpoints, Session};
use lambda_profiling_cli::status::{StatusFormat, execute};
use serde_json::json;
use support::*;

/// A Python function with the agent's layer and variables, and its group's name.
async fn profiled(s: &Servers, region: &str) -> (String, String) {
    let setup = status_session(s, &unique("err-setup"), region).await;
    let lambda = setup.lambda(region);
    let layer = publish(&lambda, PY_LAYER).await;
    let role_arn = role(&setup.iam(region), &unique("err-role"), true).await;
    let group_name = unique("err-group");
    let group_arn = format!("arn:aws:codeguru-profiler:{region}:{ACCOUNT}:profilingGroup/{group_name}");
    let name = unique("err-fn");
    let mut spec = agent_vars(Spec::new(&name, &role_arn), &group_arn, region)
        .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
    spec.layers = vec![layer];
    create(&lambda, &spec).await;
    (name, group_name)
}

/// What `status --function NAME` says of the function's group, with CodeGuru at `codeguru`.
async fn group_problem(s: &Servers, region: &str, name: &str, codeguru: &str, app: &str) -> String {
    let base = status_session(s, app, region).await;
    let session = Session::new(
        base.config().clone(),
        Endpoints {
            codeguru: Some(codeguru.to_owned()),
            ..Endpoints::default()
        },
    );
    let mut args = status_args(region, StatusFormat::Table);
    args.functions = vec![name.to_owned()];
    let out = execute(&args, &session, (false, false), Box::new(std::io::sink())).await;
    assert_eq!(
        out.code, 1,
        "the function is broken: {}{}",
        out.stdout, out.stderr
    );
    for inner in [
        "DispatchFailure",
        "ConnectorError",
        "hyper",
        "Error {",
        "<html",
        "Internal Server Error",
    ] {
        assert!(!out.stdout.contains(inner), "{inner}: {}", out.stdout);
    }
    out.stdout
        .lines()
        .find(|l| l.contains("could not be checked"))
        .unwrap_or_else(|| panic!("no problem about the group: {}", out.stdout))
        .to_owned()
}

#[tokio::test]
async fn an_unreachable_or_failing_endpoint_is_not_a_permission_to_grant() {
    let Some(s) = servers() else { return };
    let region = "eu-west-2";
    let (name, group) = profiled(s, region).await;

    // Nothing listens there: connection refused.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let said = group_problem(s, region, &name, &closed, &unique("err-closed")).await;
    assert!(
        said.contains(&format!(
            "profiling group {group} in {region} could not be checked (the endpoint could not be reached from {closed})"
        )),
        "{said}"
    );
    assert!(
        said.contains("which no permission fixes; retry later") && !said.contains("allow"),
        "{said}"
    );

    // A server error with an HTML page, every attempt.
    let app = unique("err-500");
    let html = json!({"Content-Type": "text/html"});
    let page = "<html><body><h1>500 Internal Server Error</h1></body></html>";
    fault_app(&s.codeguru, &app, &[&group], 20, 500, html, page).await;
    let said = group_problem(s, region, &name, &s.codeguru, &app).await;
    assert!(
        said.contains(&format!("(a server error (HTTP 500) from {})", s.codeguru)),
        "{said}"
    );
    assert!(!said.contains("allow"), "{said}");

    // Denied: the permission to grant.
    let app = unique("err-denied");
    let denied = json!({"x-amzn-ErrorType": "AccessDeniedException", "Content-Type": "application/json"});
    let body = r#"{"message":"User: arn:aws:sts::123456789012:assumed-role/dev/me is not authorized"}"#;
    fault_app(&s.codeguru, &app, &[&group], 20, 403, denied, body).await;
    let said = group_problem(s, region, &name, &s.codeguru, &app).await;
    assert!(
        said.contains(
            "(AccessDeniedException): allow codeguru-profiler:DescribeProfilingGroup to the caller"
        ),
        "{said}"
    );
    assert!(!said.contains("assumed-role"), "{said}");
}
