//! Through the real `bootstrap`, under the project's Lambda Runtime API emulator, with
//! moto and the CodeGuru Profiler fake behind `AWS_ENDPOINT_URL_*`: every event with a
//! usable `ResponseURL` is answered, however deeply it nests, and the most verbose logging
//! an administrator can ask for (`AWS_LAMBDA_LOG_LEVEL=trace`) shows neither the
//! `ResponseURL` (a credential) nor a function's variables.

mod support;

#[path = "support/runtime_api/mod.rs"]
mod runtime_api;

mod rehearsal {
    #[allow(dead_code)] // its check of one line per request is not this suite's (it logs at TRACE)
    pub mod deployed;
}

use std::path::Path;
use std::time::Duration;

use rehearsal::deployed::{self, BOOTSTRAP};
use runtime_api::{FunctionConfig, RuntimeApi};
use serde_json::{Value, json};
use support::*;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A custom resource event as CloudFormation sends it, with `properties` as raw JSON text.
fn event_text(kind: &str, url: &str, properties: &str, physical: Option<&str>) -> String {
    let mut envelope = json!({
        "RequestType": kind,
        "ServiceToken": service_token(),
        "ResponseURL": url,
        "StackId": format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/deep/0000"),
        "RequestId": unique("request"),
        "LogicalResourceId": "Profiling",
        "ResourceType": "Custom::LambdaProfiling",
    });
    if let Some(p) = physical {
        envelope["PhysicalResourceId"] = p.into();
    }
    let envelope = envelope.to_string();
    format!(
        "{},\"ResourceProperties\":{properties}}}",
        &envelope[..envelope.len() - 1]
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_nested_deeper_than_128_levels_is_answered() {
    let Some(s) = servers() else { return };
    let api = RuntimeApi::start(FunctionConfig::default()).unwrap();
    let mut function = api
        .spawn(Path::new(BOOTSTRAP), &deployed::environment(s))
        .unwrap();
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let properties = format!(
        r#"{{"ServiceToken":"{}","RoleArn":"r","Tags":{deep}}}"#,
        service_token()
    );

    // A Create cannot be read, and fails with the reason.
    let key = unique("deep-create");
    let url = response_url(s, &key).await;
    let text = event_text("Create", &url, &properties, None);
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "deeper than serde_json reads"
    );
    function.invoke(text, TIMEOUT).unwrap();
    let (response, _) = read_response(s, &key).await.expect("the Create was answered");
    assert_eq!(response["Status"], "FAILED", "{response}");
    let reason = response["Reason"].as_str().unwrap();
    assert!(reason.contains("nested deeper than 128 levels"), "{reason}");
    assert!(
        response["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with("failed-create:")
    );

    // A Delete needs only its physical id: it succeeds (this role is gone).
    let key = unique("deep-delete");
    let url = response_url(s, &key).await;
    let role = unique("gone-role");
    let text = event_text("Delete", &url, &properties, Some(&format!("role:{role}")));
    function.invoke(text, TIMEOUT).unwrap();
    let (response, _) = read_response(s, &key).await.expect("the Delete was answered");
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["PhysicalResourceId"], format!("role:{role}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_level_the_logs_show_no_response_url_and_no_variable() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("trace")).await;
    let role_arn = create_role(&c, &unique("tracerole")).await;
    let layer = publish_layer(&c, "AWSCodeGuruProfilerPythonAgentLambdaLayer").await;
    let name = unique("traced");
    const SECRET: &str = "trace-level-secret-never-logged";
    create_function(
        &c,
        &name,
        "python3.12",
        &role_arn,
        &[("DB_PASSWORD", SECRET)],
        &[],
    )
    .await;

    let mut environment = deployed::environment(s);
    for (k, v) in environment.iter_mut() {
        if *k == "AWS_LAMBDA_LOG_LEVEL" {
            *v = "TRACE".into();
        }
    }
    let api = RuntimeApi::start(FunctionConfig::default()).unwrap();
    let mut function = api.spawn(Path::new(BOOTSTRAP), &environment).unwrap();
    let properties =
        json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer}).to_string();
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
    let mut urls = Vec::new();
    for (kind, physical) in [("Create", None), ("Delete", Some(format!("function:{arn}")))] {
        let key = unique("trace-response");
        let url = response_url(s, &key).await;
        function
            .invoke(event_text(kind, &url, &properties, physical.as_deref()), TIMEOUT)
            .unwrap();
        let (response, _) = read_response(s, &key).await.unwrap();
        assert_eq!(response["Status"], "SUCCESS", "{kind}: {response}");
        urls.push(url);
    }
    let stopped = function.stop();
    let all = format!("{}\n{}", stopped.stdout.join("\n"), stopped.stderr.join("\n"));
    assert!(
        all.contains("\"level\":\"DEBUG\"") || all.contains("\"level\":\"TRACE\""),
        "the level was raised: {all}"
    );
    assert!(!all.contains(SECRET), "a variable's value was logged:\n{all}");
    for url in &urls {
        let query = url.split_once('?').unwrap().1;
        assert!(
            !all.contains(url.as_str()) && !all.contains(query),
            "the ResponseURL was logged:\n{all}"
        );
    }
    assert!(
        !all.contains("X-Amz-Signature") && !all.contains("X-Amz-Credential"),
        "{all}"
    );
    assert!(!all.contains(deployed::SESSION_TOKEN), "{all}");
}
