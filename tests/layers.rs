//! The agent layers, verified at deploy time: the real `bootstrap`, under the project's
//! Lambda Runtime API emulator, answers macro requests with what the publisher's account
//! publishes in the region, asked with `GetLayerVersion`. moto cannot hold another
//! account's layers, so the front of `tests/support/servers.py` plays the publisher's (its
//! versions per region and the runtimes each lists; a missing version refused with 403
//! AccessDeniedException, as Lambda refuses another account's version no policy shares),
//! and its fault switches play a denied (by the caller's own policy) or silent API. Each
//! test uses a region of its own, so that the calls it counts are its own.

mod support;

#[path = "support/runtime_api/mod.rs"]
mod runtime_api;

mod rehearsal {
    #[allow(dead_code)]
    pub mod deployed;
}

use std::path::Path;
use std::time::{Duration, Instant};

use rehearsal::deployed::{self, BOOTSTRAP};
use runtime_api::{Function, FunctionConfig, RuntimeApi};
use serde_json::{Value, json};
use support::*;

const TIMEOUT: Duration = Duration::from_secs(30);
const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";

/// A macro request for `functions` (logical id, runtime, `Profiling`) in `region`.
fn request(region: &str, functions: &[(String, &str, Value)]) -> String {
    let resources: serde_json::Map<String, Value> = functions
        .iter()
        .map(|(id, runtime, profiling)| {
            let function = json!({"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": runtime, "Handler": "app.handler", "Code": {"ZipFile": "x"},
                "Role": format!("arn:aws:iam::{ACCOUNT}:role/app"), "Profiling": profiling,
            }});
            (id.clone(), function)
        })
        .collect();
    json!({
        "region": region, "accountId": ACCOUNT, "requestId": unique("request"),
        "transformId": format!("{ACCOUNT}::LambdaProfiling"), "params": {}, "templateParameterValues": {},
        "fragment": {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources},
    })
    .to_string()
}

fn many(n: usize, runtime: &'static str) -> Vec<(String, &'static str, Value)> {
    (0..n).map(|i| (format!("F{i}"), runtime, json!(true))).collect()
}

/// Sends the request; the response JSON, and how long the answer took.
fn answer(function: &mut Function, event: String) -> (Value, Duration) {
    let started = Instant::now();
    let reply = function.invoke(event, TIMEOUT).expect("answered");
    (serde_json::from_str(reply.text()).unwrap(), started.elapsed())
}

/// The version of the agent layer the answer gave function `id`.
fn layer_version(response: &Value, id: &str) -> String {
    let layers = &response["fragment"]["Resources"][id]["Properties"]["Layers"];
    let arn = layers
        .as_array()
        .unwrap()
        .iter()
        .find_map(|l| l.as_str().filter(|l| l.contains(PY_LAYER)));
    arn.unwrap_or_else(|| panic!("no agent layer in {layers}"))
        .rsplit(':')
        .next()
        .unwrap()
        .to_string()
}

/// The answer's status and problems, not its whole fragment.
fn short(response: &Value) -> String {
    let message = response["errorMessage"].as_str().unwrap_or_default();
    format!(
        "{}: {}",
        response["status"],
        message.chars().take(2000).collect::<String>()
    )
}

async fn publish(s: &Servers, region: &str, python: Value) {
    let body = json!({"publisher": {"region": region, "layers": {PY_LAYER: python}}});
    http()
        .post(format!("{}/_config", s.aws))
        .json(&body)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

fn start<'a>(api: &'a RuntimeApi, s: &Servers) -> Function<'a> {
    api.spawn(Path::new(BOOTSTRAP), &deployed::environment(s))
        .unwrap()
}

fn api_in(region: &str) -> RuntimeApi {
    RuntimeApi::start(FunctionConfig {
        region: region.into(),
        ..FunctionConfig::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_newest_published_layer_is_taken_with_a_handful_of_calls_and_none_when_warm() {
    let Some(s) = servers() else { return };
    let region = "eu-west-2";
    let old = json!(["python3.8", "python3.9"]);
    publish(
        s,
        region,
        json!({"11": old, "12": old, "13": ["python3.12"], "14": ["python3.12", "python3.14"]}),
    )
    .await;
    let api = api_in(region);
    let mut function = start(&api, s);

    let mut functions = many(300, "python3.12");
    functions.push(("Newest".into(), "python3.14", json!(true)));
    functions.push(("Old".into(), "python3.9", json!(true)));
    let (response, _) = answer(&mut function, request(region, &functions));
    assert_eq!(response["status"], "success", "{}", short(&response));
    assert_eq!(
        layer_version(&response, "F0"),
        "14",
        "the newest that lists python3.12"
    );
    assert_eq!(layer_version(&response, "F299"), "14");
    assert_eq!(
        layer_version(&response, "Newest"),
        "14",
        "a runtime the built-in table has no layer for"
    );
    assert_eq!(
        layer_version(&response, "Old"),
        "13",
        "14 does not list python3.9; the table knows 13 holds it"
    );
    let cold = requests_to(s, &format!("{region}:157417159150:layer"))
        .await
        .len();
    // Python's catalog, asked as the process starts (the request names no Java runtime):
    // 13-17 in one round (the newest the table knows, and four past it), then 18-21, as 14
    // is there. 9, whatever the number of functions.
    assert_eq!(cold, 9, "calls for a template of 302 functions");

    let (second, _) = answer(&mut function, request(region, &many(5, "python3.12")));
    assert_eq!(second["status"], "success", "{}", short(&second));
    let warm = requests_to(s, &format!("{region}:157417159150:layer"))
        .await
        .len();
    assert_eq!(
        warm, cold,
        "a second template in the same execution environment asks nothing"
    );
    deployed::check_logs(&function.stop(), 2, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_that_serves_the_runtime_fails_the_deploy_naming_the_function_and_what_exists() {
    let Some(s) = servers() else { return };
    let region = "ap-southeast-2";
    let old = json!(["python3.8", "python3.9"]);
    publish(s, region, json!({"11": old, "12": old})).await;
    let api = api_in(region);
    let mut function = start(&api, s);
    let (response, _) = answer(&mut function, request(region, &many(1, "python3.12")));
    assert_eq!(response["status"], "failure", "{}", short(&response));
    let message = response["errorMessage"].as_str().unwrap();
    for needle in [
        "Resources.F0.Properties.Profiling",
        "python3.12",
        region,
        "11 (python3.8, python3.9)",
        "12 (",
    ] {
        assert!(message.contains(needle), "{needle} is not in: {message}");
    }

    // A pinned version the region lacks is refused: asked for on its own, then judged.
    let pinned = vec![("Pinned".to_string(), "python3.9", json!({"LayerVersion": 9}))];
    let (response, _) = answer(&mut function, request(region, &pinned));
    assert_eq!(response["status"], "failure", "{}", short(&response));
    let message = response["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("Profiling.LayerVersion") && message.contains("does not exist"),
        "{message}"
    );
    let asked = requests_to(s, &format!("{region}:157417159150:layer:{PY_LAYER}/versions/9")).await;
    assert_eq!(asked.len(), 1, "the pinned version is asked for once");
    deployed::check_logs(&function.stop(), 2, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_or_silent_api_answers_from_the_built_in_table_within_the_budget() {
    let Some(s) = servers() else { return };
    let secret = "AKIA-quoted-by-the-denial";
    for (region, silent) in [("eu-central-1", false), ("ap-northeast-1", true)] {
        let contains = [region, "/layers/"];
        match silent {
            false => {
                let body = json!({"Message": format!("User: {secret} is not authorized to perform: lambda:GetLayerVersion because no identity-based policy allows the lambda:GetLayerVersion action")});
                let headers =
                    json!({"x-amzn-ErrorType": "AccessDeniedException", "Content-Type": "application/json"});
                fault(&s.aws, &contains, "GET", 100, 403, headers, &body.to_string()).await
            }
            true => delay(&s.aws, &contains, "GET", 100, 20_000).await,
        }
        let api = api_in(region);
        let mut function = start(&api, s);
        let (response, took) = answer(&mut function, request(region, &many(3, "python3.12")));
        assert_eq!(response["status"], "success", "{}", short(&response));
        assert_eq!(layer_version(&response, "F0"), "13", "the built-in table's");
        assert!(took < Duration::from_secs(8), "{region}: answered in {took:?}");
        let stopped = function.stop();
        let all = stopped.stdout.join("\n");
        assert!(
            all.contains("could not be verified"),
            "{region}: no warning in {all}"
        );
        assert!(
            !all.contains(secret),
            "{region}: AWS's message reached the log: {all}"
        );
        if !silent {
            assert!(all.contains("AccessDeniedException"), "{all}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_resource_asks_for_no_layer_and_a_lookalike_is_refused_as_unknown() {
    let Some(s) = servers() else { return };
    let region = "us-west-2";
    let api = api_in(region);
    let mut function = start(&api, s);
    let layers = format!("{region}:157417159150:layer");
    let asked = || requests_to(s, &layers);
    // A macro request: it waits for the lookup the process started with.
    let (response, _) = answer(&mut function, request(region, &many(1, "python3.12")));
    assert_eq!(response["status"], "success", "{}", short(&response));
    let at_start = asked().await.len();
    assert!(at_start > 0, "the process asks as it starts");

    // A custom resource's event that quotes "transformId": a custom resource, nothing asked.
    let event = json!({
        "RequestType": "Create", "ResponseURL": "https://not-allowed.example/x", "StackId": "s",
        "RequestId": "r", "LogicalResourceId": "P", "ResourceType": "Custom::LambdaProfiling",
        "ResourceProperties": {"ServiceToken": "t", "Note": "\"transformId\""},
    });
    let reply = function.invoke(event.to_string(), TIMEOUT).expect("answered");
    let summary: Value = serde_json::from_str(reply.text()).unwrap();
    assert!(summary.get("Status").is_some(), "{summary}");
    assert_eq!(
        asked().await.len(),
        at_start,
        "a custom resource's event asks for no layer"
    );

    // An event with a transformId that is not a macro request: refused as unknown.
    let reply = function
        .invoke(r#"{"transformId": "x", "hello": 1}"#, TIMEOUT)
        .expect("answered");
    match reply {
        runtime_api::Reply::Error { error_type, .. } => assert_eq!(error_type, "UnknownEvent"),
        other => panic!("a lookalike was answered: {other:?}"),
    }
    let stopped = function.stop();
    let all = stopped.stdout.join("\n");
    assert!(all.contains("UnknownEvent"), "the refusal is logged: {all}");
}
