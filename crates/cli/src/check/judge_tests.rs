use serde_json::{Value, json};

use super::*;
use crate::{ExpandArgs, expand_text};

fn expansion(example: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example)
        .join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    expand_text(&text, &ExpandArgs::new(&path))
        .expect("the example expands")
        .template
}

fn rules(found: &[Violation]) -> Vec<&str> {
    found.iter().map(|v| v.rule.as_str()).collect()
}

#[test]
fn the_embedded_rules_are_the_repositorys() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../guard/template/lambda_profiling.guard"
    );
    assert_eq!(TEMPLATE_RULES, std::fs::read_to_string(path).unwrap());
}

#[test]
fn an_expansion_passes() {
    for example in ["python-function", "java-function", "sam-app", "external-role"] {
        assert_eq!(judge(&expansion(example), false), Ok(vec![]), "{example}");
    }
}

#[test]
fn a_removed_wrapper_is_one_violation_that_says_what_and_how() {
    let mut t = expansion("python-function");
    let vars = t["Resources"]["OrdersFunction"]["Properties"]["Environment"]["Variables"]
        .as_object_mut()
        .unwrap();
    vars.remove("AWS_LAMBDA_EXEC_WRAPPER");
    let found = judge(&t, false).unwrap();
    assert_eq!(rules(&found), ["lambda_profiling_python_start"], "{found:#?}");
    let v = &found[0];
    assert_eq!(v.resource.as_deref(), Some("OrdersFunction"));
    assert!(
        v.violation.starts_with("nothing starts the Python agent"),
        "{}",
        v.violation
    );
    assert!(
        v.fix
            .as_deref()
            .unwrap()
            .contains("/opt/codeguru_profiler_lambda_exec")
    );
}

#[test]
fn the_handler_redirect_without_its_handler_is_named_as_such() {
    let mut t = expansion("python-function");
    let props = &mut t["Resources"]["OrdersFunction"]["Properties"];
    props["Handler"] = json!("codeguru_profiler_agent.aws_lambda.lambda_handler.call_handler");
    props["Environment"]["Variables"]
        .as_object_mut()
        .unwrap()
        .remove("AWS_LAMBDA_EXEC_WRAPPER");
    let found = judge(&t, false).unwrap();
    assert_eq!(rules(&found), ["lambda_profiling_python_start"]);
    assert!(
        found[0].violation.contains("HANDLER_ENV_NAME_FOR_CODEGURU"),
        "{found:#?}"
    );
}

/// cfn-guard's own error text quotes every value it traversed; none of it is kept.
#[test]
fn no_value_of_the_template_reaches_a_violation() {
    let mut t = expansion("python-function");
    let props = &mut t["Resources"]["OrdersFunction"]["Properties"];
    props["Layers"] = json!(["arn:aws:lambda:us-east-1:111122223333:layer:s3cr3t-layer:1"]);
    let vars = props["Environment"]["Variables"].as_object_mut().unwrap();
    vars.remove("AWS_LAMBDA_EXEC_WRAPPER");
    vars.insert("DB_PASSWORD".into(), json!("s3cr3t-hunter2"));
    vars.insert("AWS_CODEGURU_PROFILER_ENABLED".into(), json!("s3cr3t-off"));
    let found = judge(&t, false).unwrap();
    assert_eq!(found.len(), 3, "{found:#?}");
    let said = serde_json::to_string(&found).unwrap();
    assert!(
        !said.contains("s3cr3t"),
        "a value of the template was quoted: {said}"
    );
}

#[test]
fn opt_outs_are_refused_by_the_flag_alone() {
    let mut t = expansion("python-function");
    let f = &mut t["Resources"]["OrdersFunction"];
    f["Metadata"] = json!({"LambdaProfiling": {"Profiling": false}});
    f["Properties"].as_object_mut().unwrap().remove("Layers");
    assert_eq!(judge(&t, false), Ok(vec![]), "an opt-out passes by default");
    let found = judge(&t, true).unwrap();
    assert_eq!(rules(&found), ["lambda_profiling_no_opt_out"]);
    assert_eq!(found[0].resource.as_deref(), Some("OrdersFunction"));
    // A key of that name in the template neither refuses nor allows: the flag decides.
    t["LambdaProfilingGuard"] = json!({"RefuseOptOuts": true});
    assert_eq!(judge(&t, false), Ok(vec![]));
    t["LambdaProfilingGuard"] = json!({"RefuseOptOuts": false});
    assert_eq!(rules(&judge(&t, true).unwrap()), ["lambda_profiling_no_opt_out"]);
}

#[test]
fn a_failing_rule_without_a_message_is_still_a_violation() {
    let report = json!([{"not_compliant": [{"Rule": {"name": "bare", "checks": [
        {"Clause": {"Unary": {"messages": {"custom_message": ""}, "check": {}}}}
    ]}}]}]);
    let found = violations(&report, &[]);
    assert_eq!(rules(&found), ["bare"]);
    assert_eq!(found[0].violation, "the rule bare failed");
}

#[test]
fn a_handler_that_is_an_intrinsic_without_the_wrapper_is_one_problem() {
    let mut t = expansion("python-function");
    let props = &mut t["Resources"]["OrdersFunction"]["Properties"];
    props["Handler"] = json!({"Ref": "HandlerName"});
    props["Environment"]["Variables"]
        .as_object_mut()
        .unwrap()
        .remove("AWS_LAMBDA_EXEC_WRAPPER");
    let found = judge(&t, false).unwrap();
    assert_eq!(rules(&found), ["lambda_profiling_python_start"], "{found:#?}");
    assert!(found[0].violation.starts_with("nothing starts"), "{found:#?}");
}

/// cfn-guard reads the data with a YAML loader that refuses DEL and some other characters
/// JSON allows, and on a refusal quoted the data's first 100 bytes, or panicked when byte
/// 100 fell inside a character. Every character reaches it escaped: judged as any other.
#[test]
fn characters_yaml_refuses_are_judged_and_never_quoted() {
    let mut t = expansion("python-function");
    let props = &mut t["Resources"]["OrdersFunction"]["Properties"];
    props["Description"] = json!(format!("{}é\u{7f}\u{85}\u{fffe}😀", "x".repeat(19)));
    let vars = props["Environment"]["Variables"].as_object_mut().unwrap();
    vars.insert("DB_PASSWORD".into(), json!("s3cr3t-é\u{7f}-😀"));
    assert_eq!(
        judge(&t, false),
        Ok(vec![]),
        "a compliant template passes whatever it holds"
    );
    let vars = t["Resources"]["OrdersFunction"]["Properties"]["Environment"]["Variables"]
        .as_object_mut()
        .unwrap();
    vars.remove("AWS_LAMBDA_EXEC_WRAPPER");
    let found = judge(&t, false).unwrap();
    assert_eq!(rules(&found), ["lambda_profiling_python_start"]);
    assert!(!serde_json::to_string(&found).unwrap().contains("s3cr3t"));
}

#[test]
fn the_data_is_ascii_with_yamls_escapes() {
    let text = ascii_json(&json!({"k": "é\u{7f}😀\"\\"}));
    assert!(text.is_ascii() && !text.contains('\u{7f}'), "{text}");
    assert_eq!(text, r#"{"k":"\u00e9\u007f\U0001f600\"\\"}"#);
    assert_eq!(ascii_json(&json!({"k": "plain"})), r#"{"k":"plain"}"#);
}

#[test]
fn a_role_in_a_branch_of_fn_if_as_a_getatt_string_is_not_followed() {
    let mut t = expansion("python-function");
    t["Conditions"] = json!({"Prod": {"Fn::Equals": ["a", "a"]}});
    t["Resources"]["OrdersFunction"]["Properties"]["Role"] = json!({"Fn::If": ["Prod", {"Fn::GetAtt": "OrdersFunctionRole.Arn"}, {"Fn::GetAtt": ["OrdersFunctionRole", "Arn"]}]});
    let found = judge(&t, false).unwrap();
    assert_eq!(rules(&found), ["lambda_profiling_role_followed_if"], "{found:#?}");
}
