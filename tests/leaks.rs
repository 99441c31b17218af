//! Nothing of a function's configuration leaks through what lambda-profiling says: the
//! FAILED `Reason` (which anyone who can read the stack's events reads), its logs, and the
//! command line's output never quote an AWS error's message.
//!
//! Against moto behind the test front, which adds what moto lacks and Lambda does (see
//! `tests/support/servers.py`): the 4 KB limit on a function's environment measured over
//! its compact JSON, refused with `InvalidParameterValueException` and a message that
//! quotes every variable and value, as Lambda's does.

mod support;

use lambda_profiling_switch::toggle;
use serde_json::json;
use support::*;

const SECRET: &str = "s3cr3t-token-of-another-team";
const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";

/// 100 short variables and a secret: names and values fit in 4 KB with the agent's, their
/// compact JSON (what Lambda measures) does not.
fn crowded_variables() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = (0..100)
        .map(|i| (format!("VAR_{i:02}"), "v".repeat(28)))
        .collect();
    vars.push(("API_TOKEN".into(), SECRET.into()));
    vars
}

async fn crowded_function(c: &lambda_profiling_switch::Clients, name: &str) -> String {
    let role_arn = create_role(c, &unique("leakrole")).await;
    let vars = crowded_variables();
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    create_function(c, name, "python3.12", &role_arn, &pairs, &[]).await
}

fn updates_of(calls: &[Seen]) -> usize {
    calls
        .iter()
        .filter(|c| c.method == "PUT" && c.path.ends_with("/configuration"))
        .count()
}

#[tokio::test]
async fn an_environment_lambda_would_refuse_is_refused_first_without_quoting_it() {
    let Some(s) = servers() else { return };
    let logs = captured();
    let app = unique("crowded");
    let c = clients(s, &app).await;
    let name = unique("crowded");
    crowded_function(&c, &name).await;
    let names_and_values: usize = crowded_variables().iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(
        names_and_values + 300 < 4096,
        "with the agent's, names and values fit: {names_and_values}"
    );
    let before = function_state(&c, &name).await;
    let layer = publish_layer(&c, PY_LAYER).await;

    let stack = Stack::new("Crowded");
    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let (answered, r) = stack.send(s, &c, "Create", props, None, None).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("compact JSON") && reason.contains("4096"),
        "{reason}"
    );
    assert!(
        !reason.contains(SECRET) && !reason.contains("vvvv"),
        "the reason quotes the function's variables: {reason}"
    );
    assert_eq!(answered.reason.as_deref(), Some(reason));
    assert_eq!(
        updates_of(&calls(s, &app).await),
        0,
        "refused before Lambda was asked"
    );
    assert_eq!(function_state(&c, &name).await, before, "nothing changed");
    assert!(logs.text().contains(&stack.name), "the capture works");
    assert!(
        !logs.text().contains(SECRET),
        "a log line quotes the configuration"
    );
}

#[tokio::test]
async fn an_aws_refusal_that_quotes_the_configuration_is_reported_by_its_code_only() {
    let Some(s) = servers() else { return };
    let app = unique("quoted");
    let c = clients(s, &app).await;
    let role_arn = create_role(&c, &unique("quotedrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("quoted");
    create_function(&c, &name, "python3.12", &role_arn, &[("API_TOKEN", SECRET)], &[]).await;
    // Lambda refuses, quoting every variable (its own reasons for it are not this test's).
    let quoting = format!(
        "Lambda was unable to configure your environment variables because the environment variables \
         you have provided exceeded the 4KB limit. String measured: {{\"API_TOKEN\":\"{SECRET}\"}}"
    );
    let headers =
        json!({"x-amzn-ErrorType": "InvalidParameterValueException", "Content-Type": "application/json"});
    let body = json!({"Type": "User", "message": quoting}).to_string();
    fault(&s.aws, &[&name, "/configuration"], "PUT", 1, 400, headers, &body).await;

    let logs = captured();
    let stack = Stack::new("Quoted");
    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let (_, r) = stack.send(s, &c, "Create", props, None, None).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("lambda:UpdateFunctionConfiguration")
            && reason.contains("failed: InvalidParameterValueException"),
        "{reason}"
    );
    assert!(
        !reason.contains(SECRET) && !reason.contains("String measured"),
        "{reason}"
    );
    let logs = logs.text();
    assert!(
        logs.contains(&stack.name) && logs.contains("FAILED"),
        "the capture works: {logs}"
    );
    assert!(
        !logs.contains(SECRET),
        "a log line quotes the configuration: {logs}"
    );
}

#[tokio::test]
async fn the_command_line_never_prints_an_aws_message() {
    let Some(s) = servers() else { return };
    let logs = captured();
    let app = unique("cliquoted");
    let c = clients(s, &app).await;
    let name = unique("cliquoted");
    crowded_function(&c, &name).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let request = toggle::Job {
        function: name.clone(),
        layer_arn: Some(layer),
        ..toggle::Job::default()
    };
    let refused = toggle::enable(&c, &request).await.unwrap_err().to_string();
    assert!(refused.contains("compact JSON"), "{refused}");
    assert!(!refused.contains(SECRET), "{refused}");

    // An AWS refusal that quotes the configuration: by its code only, and nothing of it
    // in the error's chain of sources either.
    let role_arn = create_role(&c, &unique("clirole")).await;
    let plain = unique("cliplain");
    create_function(&c, &plain, "python3.12", &role_arn, &[("API_TOKEN", SECRET)], &[]).await;
    let headers = json!({"x-amzn-ErrorType": "InvalidParameterValueException"});
    let body = json!({"message": format!("String measured: {{\"API_TOKEN\":\"{SECRET}\"}}")}).to_string();
    fault(&s.aws, &[&plain, "/configuration"], "PUT", 1, 400, headers, &body).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let request = toggle::Job {
        function: plain,
        layer_arn: Some(layer),
        ..toggle::Job::default()
    };
    let failed = toggle::enable(&c, &request).await.unwrap_err();
    let mut chain = failed.to_string();
    let mut source = std::error::Error::source(&failed);
    while let Some(s) = source {
        chain.push_str(&format!(" <- {s} / {s:?}"));
        source = s.source();
    }
    assert!(chain.contains("InvalidParameterValueException"), "{chain}");
    assert!(!chain.contains(SECRET), "{chain}");
    assert!(
        !logs.text().contains(SECRET),
        "a log line quotes the configuration"
    );
}
