//! The deploy rehearsal: the real `bootstrap`, run under the project's Lambda
//! Runtime API emulator with moto and the CodeGuru Profiler fake behind
//! `AWS_ENDPOINT_URL_*`, while this test plays CloudFormation: it sends the macro
//! request, lints the result, creates what the template describes, sends the custom
//! resource's Create, Update and Delete, and checks the IAM and Lambda state at each step.

mod support;

#[path = "support/runtime_api/mod.rs"]
mod runtime_api;

mod rehearsal {
    pub mod cloudformation;
    pub mod deploy;
    pub mod deployed;
}

use std::path::Path;
use std::time::Duration;

use lambda_profiling_cli::cfn_yaml::parse_template;
use lambda_profiling_macro::agent::env;
use lambda_profiling_switch::Clients;
use lambda_profiling_switch::references::ledger;
use rehearsal::cloudformation::{macro_request, parameter_values};
use rehearsal::deploy::{Cloud, Stack};
use rehearsal::deployed::{self, BOOTSTRAP};
use runtime_api::{FunctionConfig, Invocation, Reply, RuntimeApi};
use serde_json::{Map, Value, json};
use support::*;

const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";
const BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";
const JAVA_LAYER: &str = "AWSCodeGuruProfilerJavaAgentLayer";

fn example(name: &str) -> Value {
    let path = toolbox::repo().join("examples").join(name).join("template.yaml");
    parse_template(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn values(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// What the rehearsal compares before and after: each role's policies and tags.
async fn iam_state(c: &Clients, roles: &[&str]) -> Vec<(Vec<String>, Vec<(String, String)>)> {
    let mut state = Vec::new();
    for role in roles {
        state.push((attached_policies(c, role).await, role_tags(c, role).await));
    }
    state
}

/// A role of the platform team, outside any stack, with a policy and a tag of its own.
async fn platform_role(c: &Clients, name: &str) -> String {
    let arn = create_role(c, name).await;
    let attach = c.iam.attach_role_policy().role_name(name).policy_arn(BASIC);
    attach.send().await.unwrap();
    let tag = aws_sdk_iam::types::Tag::builder()
        .key("team")
        .value("platform")
        .build()
        .unwrap();
    c.iam.tag_role().role_name(name).tags(tag).send().await.unwrap();
    arn
}

fn lint(template: &Value) -> Option<Vec<String>> {
    let file = std::env::temp_dir().join(format!("{}.json", unique("rehearsal-processed")));
    std::fs::write(&file, serde_json::to_string_pretty(template).unwrap()).unwrap();
    let errors = toolbox::cfn_lint_errors(std::slice::from_ref(&file));
    std::fs::remove_file(&file).unwrap();
    errors
}

fn of_type<'t>(template: &'t Value, ty: &str) -> Vec<(&'t String, &'t Value)> {
    let resources = template["Resources"].as_object().unwrap();
    resources.iter().filter(|(_, r)| r["Type"] == ty).collect()
}

/// Each deployed function runs with the role, the stand-in layer of its runtime, and
/// variables naming a group that exists in the fake for Lambda.
async fn check_functions(s: &Servers, c: &Clients, stack: &Stack, role_arn: &str, layers: &Value) {
    let groups = group_tags(s).await;
    let functions = of_type(&stack.template, "AWS::Lambda::Function");
    assert_eq!(functions.len(), 2);
    for (id, _) in functions {
        let name = &stack.known.physical[id.as_str()];
        let config = c.lambda.get_function_configuration().function_name(name);
        let config = config.send().await.unwrap();
        assert_eq!(config.role(), Some(role_arn), "{id}");
        let runtime = config.runtime().unwrap().as_str().to_owned();
        let layer = if runtime.starts_with("python") {
            &layers["PythonLayerArn"]
        } else {
            &layers["JavaLayerArn"]
        };
        let deployed: Vec<&str> = config.layers().iter().filter_map(|l| l.arn()).collect();
        assert_eq!(deployed, [layer.as_str().unwrap()], "{id}");
        let state = function_state(c, name).await;
        let group = &state.vars[env::GROUP_NAME];
        assert_eq!(groups[group]["computePlatform"], "AWSLambda", "{id}: {group}");
        assert_eq!(
            groups[group]["arn"].as_str(),
            Some(state.vars[env::GROUP_ARN].as_str())
        );
        assert_eq!(state.vars[env::ENABLED], "TRUE");
        assert_eq!(state.vars[env::TARGET_REGION], REGION);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_role_stack_is_rehearsed_from_macro_to_delete() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("rehearsal")).await;
    let (role_a, role_b) = (unique("platform-a"), unique("platform-b"));
    let (arn_a, arn_b) = (platform_role(&c, &role_a).await, platform_role(&c, &role_b).await);
    let start = iam_state(&c, &[&role_a, &role_b]).await;
    // Test-only: stand-ins for the agent layers, since moto has only its own account's.
    let layers = json!({
        "PythonLayerArn": publish_layer(&c, PY_LAYER).await,
        "JavaLayerArn": publish_layer(&c, JAVA_LAYER).await,
    });
    let template = example("external-role");

    let api = RuntimeApi::start(FunctionConfig::default()).unwrap();
    let mut function = api
        .spawn(Path::new(BOOTSTRAP), &deployed::environment(s))
        .unwrap();
    let mut cloud = Cloud {
        servers: s,
        clients: c.clone(),
        function: &mut function,
        response_urls: Vec::new(),
    };
    let mut stack = Stack::new(unique("rehearsal"));

    // 1. The macro request, as CloudFormation builds it.
    let given = values(json!({"ExecutionRoleArn": arn_a}));
    let processed = cloud.run_macro(&macro_request(&template, &given, layers.clone()));
    // 2. What CloudFormation would deploy passes cfn-lint.
    if let Some(errors) = lint(&processed) {
        assert!(errors.is_empty(), "cfn-lint: {errors:?}");
    }
    let customs = of_type(&processed, "Custom::LambdaProfiling");
    assert_eq!(customs.len(), 1, "one resource for the one external role");
    let (custom_id, custom) = (customs[0].0.clone(), customs[0].1.clone());
    assert_eq!(custom["Properties"]["ServiceToken"], api.config().arn());
    assert_eq!(
        custom["Properties"]["RoleArn"],
        json!({"Ref": "ExecutionRoleArn"})
    );

    // 3 and 4. The stack is created: groups, then the custom resource, then the functions.
    cloud
        .create_stack(&mut stack, processed, parameter_values(&template, &given))
        .await;
    // 5. The response CloudFormation reads, and the state it leaves.
    let (kind, id, created) = &stack.responses[0];
    assert_eq!((kind.as_str(), id), ("Create", &custom_id));
    let physical_a = format!("role:{role_a}");
    assert_eq!(created["PhysicalResourceId"], physical_a.as_str());
    assert_eq!(created["Data"]["RoleName"], role_a.as_str());
    assert_eq!(
        (&created["StackId"], &created["LogicalResourceId"]),
        (&json!(stack.id), &json!(custom_id))
    );
    assert!(attached_policies(&c, &role_a).await.contains(&POLICY.to_owned()));
    // The reference is in the role's record in the table; the role's tags are the user's.
    let id = ledger::reference(&stack.id, &custom_id, &physical_a);
    assert_eq!(record_refs(&c, &role_a).await, [id]);
    assert_eq!(role_tags(&c, &role_a).await, start[0].1, "no tag of ours");
    check_functions(s, &c, &stack, &arn_a, &layers).await;

    // 6. A stack update moves the functions to another role: the custom resource is
    // replaced, and CloudFormation deletes the old one in the cleanup phase.
    let given = values(json!({"ExecutionRoleArn": arn_b}));
    let processed = cloud.run_macro(&macro_request(&template, &given, layers.clone()));
    cloud
        .update_stack(&mut stack, processed, parameter_values(&template, &given))
        .await;
    let kinds: Vec<(&str, &Value)> = stack.responses[1..]
        .iter()
        .map(|(k, _, r)| (k.as_str(), &r["PhysicalResourceId"]))
        .collect();
    let physical_b = format!("role:{role_b}");
    assert_eq!(
        kinds,
        [("Update", &json!(physical_b)), ("Delete", &json!(physical_a))]
    );
    assert_eq!(iam_state(&c, &[&role_a]).await, start[..1], "role A is as it was");
    assert!(attached_policies(&c, &role_b).await.contains(&POLICY.to_owned()));
    check_functions(s, &c, &stack, &arn_b, &layers).await;

    // The stack is deleted: every role is as it was; the retained group stays.
    cloud.delete_stack(&mut stack).await;
    assert_eq!(stack.responses.last().unwrap().0, "Delete");
    assert_eq!(iam_state(&c, &[&role_a, &role_b]).await, start);
    assert!(record(&c, &role_a).await.is_none() && record(&c, &role_b).await.is_none());
    let groups = group_tags(s).await;
    assert!(groups.get("reports").is_some(), "DeletionPolicy Retain");
    assert!(
        groups
            .get(format!("{}-ExportFunction", stack.name).as_str())
            .is_none()
    );

    let urls = std::mem::take(&mut cloud.response_urls);
    drop(cloud);
    assert!(
        function.is_running(),
        "one execution environment served every request"
    );
    assert!(api.violations().is_empty(), "{:?}", api.violations());
    let stopped = function.stop();
    let queries: Vec<&str> = urls.iter().map(|u| u.split_once('?').unwrap().1).collect();
    let secrets: Vec<&str> = urls.iter().map(String::as_str).chain(queries).collect();
    // Two macro requests, then Create, Update, the cleanup Delete, and Delete.
    let lines = deployed::check_logs(&stopped, 6, &secrets);
    let (macros, resources): (Vec<&Value>, Vec<&Value>) =
        lines.iter().partition(|l| l["fields"]["kind"] == "macro");
    assert_eq!((macros.len(), resources.len()), (2, 4), "{lines:#?}");
    for line in resources {
        // The request kind, the stack id and the logical id (contract §4).
        let span = &line["span"];
        assert_eq!(
            (&span["stack_id"], &span["logical_id"]),
            (&json!(stack.id), &json!(custom_id)),
            "{line}"
        );
        assert!(span["request_type"].is_string(), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_mode_on_a_function_outside_any_stack_goes_and_comes_back() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("rehearsal-fn")).await;
    let role = unique("fn-role");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("outside");
    const SECRET: &str = "database-password-never-logged";
    create_function(
        &c,
        &name,
        "python3.12",
        &role_arn,
        &[("DB_PASSWORD", SECRET)],
        &[],
    )
    .await;
    let before = (function_state(&c, &name).await, iam_state(&c, &[&role]).await);

    let api = RuntimeApi::start(FunctionConfig::default()).unwrap();
    let mut function = api
        .spawn(Path::new(BOOTSTRAP), &deployed::environment(s))
        .unwrap();
    let mut cloud = Cloud {
        servers: s,
        clients: c.clone(),
        function: &mut function,
        response_urls: Vec::new(),
    };
    // A hand-written Custom::LambdaProfiling, with the exported service token.
    let template = json!({"Resources": {"Profiling": {"Type": "Custom::LambdaProfiling",
        "Properties": {"ServiceToken": api.config().arn(), "FunctionName": name, "LayerArn": layer}}}});
    let mut stack = Stack::new(unique("by-hand"));
    cloud.create_stack(&mut stack, template, Map::new()).await;

    let created = &stack.responses[0].2;
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
    assert_eq!(created["PhysicalResourceId"], format!("function:{arn}"));
    let group = format!("aws-lambda-{name}");
    assert_eq!(created["Data"]["ProfilingGroupName"], group.as_str());
    assert_eq!(created["Data"]["LayerArn"], layer.as_str());
    let on = function_state(&c, &name).await;
    assert_eq!(on.layers, std::slice::from_ref(&layer));
    assert_eq!(
        (on.vars[env::GROUP_NAME].as_str(), on.vars["DB_PASSWORD"].as_str()),
        (group.as_str(), SECRET)
    );
    assert!(group_tags(s).await.get(&group).is_some());
    assert!(attached_policies(&c, &role).await.contains(&POLICY.to_owned()));

    cloud.delete_stack(&mut stack).await;
    assert_eq!(
        (function_state(&c, &name).await, iam_state(&c, &[&role]).await),
        before
    );
    assert!(
        group_tags(s).await.get(&group).is_none(),
        "the group it created is gone"
    );

    let urls = std::mem::take(&mut cloud.response_urls);
    drop(cloud);
    let stopped = function.stop();
    let secrets: Vec<&str> = urls.iter().map(String::as_str).chain([SECRET]).collect();
    deployed::check_logs(&stopped, 2, &secrets);
}

/// No AWS stand-ins needed: the macro and a malformed event only.
#[test]
fn a_malformed_event_is_a_clear_error_and_the_next_event_is_served() {
    let api = RuntimeApi::start(FunctionConfig::default()).unwrap();
    let environment = [("AWS_LAMBDA_LOG_FORMAT", "JSON")];
    let mut function = api.spawn(Path::new(BOOTSTRAP), &environment).unwrap();
    let timeout = Duration::from_secs(30);

    let reply = function.invoke(r#"{"hello": "world"}"#, timeout).unwrap();
    let Reply::Error { error_type, message } = reply else {
        panic!("a success for a malformed event: {reply:?}")
    };
    assert_eq!(error_type, "UnknownEvent");
    assert!(
        message.contains("neither a CloudFormation macro request"),
        "{message}"
    );
    let reply = function.invoke("not JSON at all", timeout).unwrap();
    assert!(matches!(reply, Reply::Error { .. }), "{reply:?}");

    // Still the same process: the next event, a macro request invoked through an alias,
    // is answered, with the unqualified ARN as the ServiceToken.
    let request = macro_request(&example("external-role"), &Map::new(), json!({}));
    let invocation = Invocation::new(serde_json::to_vec(&request).unwrap(), timeout).qualified("live");
    let answer = function.send(invocation).unwrap();
    let response: Value = serde_json::from_str(answer.reply.text()).unwrap();
    assert_eq!(response["status"], "success", "{response}");
    let customs = of_type(&response["fragment"], "Custom::LambdaProfiling");
    assert_eq!(customs[0].1["Properties"]["ServiceToken"], api.config().arn());

    // The loop goes on: after three answers it asks for a fourth event.
    let waiting = std::time::Instant::now();
    while api.polls() < 4 && waiting.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(api.polls(), 4);
    assert!(function.is_running());
    assert!(api.violations().is_empty(), "{:?}", api.violations());
    let stopped = function.stop();
    assert_eq!(stopped.exited_by_itself, None);
    // One line each: the runtime logs the two errors, the macro its outcome; and, once, as
    // the process starts, that without credentials the agent layers are not verified
    // (Lambda always gives its function a session; this test gives none, so nothing
    // leaves the machine).
    let all = deployed::check_logs(&stopped, 4, &[]);
    let (layers, lines): (Vec<&Value>, Vec<&Value>) =
        all.iter().partition(|l| l["fields"]["kind"] == "layers");
    assert_eq!(layers.len(), 1, "{all:?}");
    let message = |i: usize| {
        lines[i]["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        message(0).starts_with("UnknownEvent: the event is neither"),
        "{}",
        lines[0]
    );
    assert!(message(1).contains("deserialization"), "{}", lines[1]);
    assert_eq!(lines[2]["fields"]["kind"], "macro", "{}", lines[2]);
}
