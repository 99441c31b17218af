use super::*;
use serde_json::json;

fn group() -> GroupRef {
    GroupRef {
        name: Some(json!({"Ref": "G"})),
        arn: Some(json!({"Fn::GetAtt": ["G", "Arn"]})),
        region: json!("us-east-1"),
        label: String::new(),
        longest_name: 30,
    }
}

fn run(props: Value, family: Family, heap: bool) -> Checked<EnvEdit> {
    let resource = json!({"Properties": props});
    let f = FunctionView::new("F", "AWS::Lambda::Function", &resource, None);
    merge(&f, &inspect(&f)?, family, &group(), heap)
}

fn run_sam(props: Value, globals: Value) -> Checked<EnvEdit> {
    let resource = json!({"Properties": props});
    let globals = globals.as_object().unwrap().clone();
    let f = FunctionView::new("F", "AWS::Serverless::Function", &resource, Some(&globals));
    merge(&f, &inspect(&f)?, Family::Python, &group(), false)
}

fn agent_vars() -> Value {
    json!({
        "AWS_CODEGURU_PROFILER_GROUP_NAME": {"Ref": "G"},
        "AWS_CODEGURU_PROFILER_GROUP_ARN": {"Fn::GetAtt": ["G", "Arn"]},
        "AWS_CODEGURU_PROFILER_TARGET_REGION": "us-east-1",
        "AWS_CODEGURU_PROFILER_ENABLED": "TRUE",
    })
}

#[test]
fn python_gets_the_wrapper_and_keeps_user_values() {
    let edit = run(
        json!({"Environment": {"Variables": {"A": "1", "AWS_CODEGURU_PROFILER_ENABLED": "FALSE"}}}),
        Family::Python,
        false,
    )
    .unwrap();
    let vars = &edit.environment.unwrap()["Variables"];
    assert_eq!(vars["A"], "1");
    assert_eq!(
        vars["AWS_CODEGURU_PROFILER_ENABLED"], "FALSE",
        "the user's value is kept"
    );
    assert_eq!(
        vars["AWS_LAMBDA_EXEC_WRAPPER"],
        "/opt/codeguru_profiler_lambda_exec"
    );
    assert_eq!(vars["AWS_CODEGURU_PROFILER_GROUP_NAME"], json!({"Ref": "G"}));
    let keys: Vec<_> = vars.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys[..2],
        ["A", "AWS_CODEGURU_PROFILER_ENABLED"],
        "user keys keep their order, first"
    );
    assert_eq!(edit.handler, None);
}

#[test]
fn another_wrapper_means_a_handler_redirect() {
    let edit = run(
        json!({"Handler": "app.handler", "Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}}}),
        Family::Python,
        false,
    )
    .unwrap();
    assert_eq!(edit.handler, Some(json!(agent::REDIRECT_HANDLER)));
    let vars = &edit.environment.unwrap()["Variables"];
    assert_eq!(vars["AWS_LAMBDA_EXEC_WRAPPER"], "/opt/otel-instrument");
    assert_eq!(vars["HANDLER_ENV_NAME_FOR_CODEGURU"], "app.handler");
}

#[test]
fn a_redirected_function_is_left_as_it_is() {
    let mut vars = agent_vars();
    vars["AWS_LAMBDA_EXEC_WRAPPER"] = json!("/opt/otel-instrument");
    vars["HANDLER_ENV_NAME_FOR_CODEGURU"] = json!("app.handler");
    let props = json!({"Handler": agent::REDIRECT_HANDLER, "Environment": {"Variables": vars}});
    assert_eq!(run(props, Family::Python, false).unwrap(), EnvEdit::default());
}

#[test]
fn conflicting_redirect_variable_is_an_error() {
    let props = json!({"Handler": "app.h", "Environment": {"Variables": {
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/x", "HANDLER_ENV_NAME_FOR_CODEGURU": "other.h"}}});
    let err = run(props, Family::Python, false).unwrap_err();
    assert_eq!(
        err[0].path,
        "Resources.F.Properties.Environment.Variables.HANDLER_ENV_NAME_FOR_CODEGURU"
    );
}

#[test]
fn java_tool_options_get_the_agent_once() {
    let edit = run(
        json!({"Environment": {"Variables": {"JAVA_TOOL_OPTIONS": "-Xss512k"}}}),
        Family::Java,
        true,
    )
    .unwrap();
    let vars = edit.environment.unwrap()["Variables"].clone();
    assert_eq!(
        vars["JAVA_TOOL_OPTIONS"],
        format!("-Xss512k {}", env::JAVA_AGENT_FLAG)
    );
    assert_eq!(vars["AWS_CODEGURU_PROFILER_HEAP_SUMMARY_ENABLED"], "true");
    assert!(vars.get("AWS_LAMBDA_EXEC_WRAPPER").is_none());
    let again = run(json!({"Environment": {"Variables": vars}}), Family::Java, true).unwrap();
    assert_eq!(again, EnvEdit::default(), "a second run changes nothing");
    let joined = run(
        json!({"Environment": {"Variables": {"JAVA_TOOL_OPTIONS": {"Ref": "Opts"}}}}),
        Family::Java,
        false,
    )
    .unwrap();
    assert_eq!(
        joined.environment.unwrap()["Variables"]["JAVA_TOOL_OPTIONS"],
        json!({"Fn::Join": [" ", [{"Ref": "Opts"}, env::JAVA_AGENT_FLAG]]})
    );
}

#[test]
fn every_branch_of_an_if_gets_the_variables() {
    let props = json!({"Environment": {"Fn::If": ["C", {"Variables": {"A": "1"}}, {"Ref": "AWS::NoValue"}]}});
    let env = run(props, Family::Python, false).unwrap().environment.unwrap();
    let branches = env["Fn::If"].as_array().unwrap();
    assert_eq!(branches[1]["Variables"]["A"], "1");
    assert_eq!(branches[1]["Variables"]["AWS_CODEGURU_PROFILER_ENABLED"], "TRUE");
    assert_eq!(branches[2]["Variables"]["AWS_CODEGURU_PROFILER_ENABLED"], "TRUE");
    let nested = json!({"Environment": {"Variables": {"Fn::If": ["C", {"A": "1"}, {"B": "2"}]}}});
    let env = run(nested, Family::Python, false).unwrap().environment.unwrap();
    assert_eq!(env["Variables"]["Fn::If"][2]["B"], "2");
    assert_eq!(
        env["Variables"]["Fn::If"][2]["AWS_LAMBDA_EXEC_WRAPPER"],
        env::EXEC_WRAPPER_VALUE
    );
}

#[test]
fn intrinsic_variables_and_oversized_environments_are_errors() {
    let err = run(
        json!({"Environment": {"Variables": {"Fn::GetAtt": ["X", "Y"]}}}),
        Family::Python,
        false,
    )
    .unwrap_err();
    assert_eq!(err[0].path, "Resources.F.Properties.Environment.Variables");
    assert!(err[0].message.contains("Fn::GetAtt"));
    let err = run(json!({"Environment": {"Ref": "E"}}), Family::Python, false).unwrap_err();
    assert!(err[0].message.contains("Ref to E"));
    let big = json!({"Environment": {"Variables": {"BIG": "x".repeat(4000)}}});
    let err = run(big, Family::Python, false).unwrap_err();
    assert!(err[0].message.contains("over Lambda's limit of 4096"), "{err:?}");
}

#[test]
fn sam_globals_count_as_set() {
    let globals =
        json!({"Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/vendor"}}, "Handler": "g.h"});
    let edit = run_sam(json!({}), globals).unwrap();
    assert_eq!(edit.handler, Some(json!(agent::REDIRECT_HANDLER)));
    let vars = &edit.environment.unwrap()["Variables"];
    assert_eq!(vars["HANDLER_ENV_NAME_FOR_CODEGURU"], "g.h");
    assert!(
        vars.get("AWS_LAMBDA_EXEC_WRAPPER").is_none(),
        "the global wrapper is not overridden"
    );
}

#[test]
fn named_group_is_found_in_any_branch() {
    let props = json!({"Environment": {"Fn::If": ["C", {"Variables": {}}, {"Variables": {"AWS_CODEGURU_PROFILER_GROUP_NAME": "g"}}]}});
    let resource = json!({"Properties": props});
    let f = FunctionView::new("F", "AWS::Lambda::Function", &resource, None);
    assert_eq!(inspect(&f).unwrap().named, Some((Some(json!("g")), None)));
}

#[test]
fn sam_global_environment_merges_or_is_refused() {
    // The function's Fn::If replaces the global map in SAM: the global wrapper does not count.
    let globals = json!({"Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/vendor"}}});
    let own_if = json!({"Environment": {"Fn::If": ["C", {"Variables": {}}, {"Variables": {}}]}});
    let edit = run_sam(own_if, globals).unwrap();
    assert_eq!(edit.handler, None);
    let env = edit.environment.unwrap();
    assert_eq!(
        env["Fn::If"][1]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"],
        env::EXEC_WRAPPER_VALUE
    );
    // A global intrinsic would be dropped by the function's own map: refused.
    let err = run_sam(json!({}), json!({"Environment": {"Variables": {"Ref": "Vars"}}})).unwrap_err();
    assert_eq!(err[0].path, "Globals.Function.Environment.Variables");
    let err = run_sam(json!({}), json!({"Environment": {"Fn::If": ["C", {}, {}]}})).unwrap_err();
    assert_eq!(err[0].path, "Globals.Function.Environment");
}
