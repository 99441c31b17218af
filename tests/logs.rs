//! Acceptance 11: no log line contains an environment value or the ResponseURL, across
//! a full function-mode Create and Delete, a retried response PUT and a failure.

mod support;

use serde_json::json;
use support::*;

const SECRET: &str = "s3cr3t-VALUE-do-not-log";

#[tokio::test]
async fn logs_never_contain_environment_values_or_the_response_url() {
    let Some(s) = servers() else { return };
    // Every target at TRACE, the SDK's too: stricter than the product's own filter.
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let c = clients(s, &unique("logs")).await;
    let role_arn = create_role(&c, &unique("logrole")).await;
    let layer = publish_layer(&c, "AWSCodeGuruProfilerPythonAgentLambdaLayer").await;
    let name = unique("logged");
    create_function(
        &c,
        &name,
        "python3.12",
        &role_arn,
        &[
            ("API_TOKEN", SECRET),
            ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/otel-wrapper"),
        ],
        &[],
    )
    .await;
    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});

    let mut urls = Vec::new();
    let mut answers = Vec::new();
    for (kind, physical) in [
        ("Create", None),
        (
            "Delete",
            Some(format!(
                "function:arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
            )),
        ),
    ] {
        let key = unique("log-response");
        let url = response_url(s, &key).await;
        fault(&s.aws, &[&key], "PUT", 1, 500, json!({}), "").await; // a retry logs an error
        let e = event(
            kind,
            &url,
            "stack",
            "Logged",
            props.clone(),
            physical.as_deref(),
            None,
        );
        answers.push(lambda_profiling::custom_resource::handle(e, deadline(60), &c).await);
        urls.push(url);
    }
    // And a failure whose reason the logs carry.
    let key = unique("log-response");
    let url = response_url(s, &key).await;
    let e = event(
        "Create",
        &url,
        "stack",
        "Logged",
        json!({"FunctionName": SECRET.replace('-', "_")}),
        None,
        None,
    );
    answers.push(lambda_profiling::custom_resource::handle(e, deadline(60), &c).await);
    urls.push(url);
    drop(_guard);

    assert!(
        answers
            .iter()
            .take(2)
            .all(|a| a.delivered && a.status == lambda_profiling::custom_resource::Status::Success),
        "{answers:?}"
    );
    let logs = captured.text();
    assert!(
        logs.contains("SUCCESS") && logs.contains("retrying"),
        "the capture works: {logs}"
    );
    assert!(!logs.contains(SECRET), "an environment value was logged");
    assert!(
        !logs.contains("/opt/otel-wrapper"),
        "an environment value was logged"
    );
    for url in &urls {
        let query = url.split_once('?').unwrap().1;
        assert!(
            !logs.contains(url.as_str()) && !logs.contains(query),
            "the ResponseURL was logged"
        );
    }
    assert!(!logs.contains("X-Amz-Signature"), "a signature was logged");
}
