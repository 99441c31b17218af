use super::*;
use serde_json::json;

/// Parsed, with its problems as a stack's author reads them.
fn parse(v: Value) -> Result<Properties, String> {
    Properties::parse(&v, &Settings::default()).map_err(|m| m.to_string())
}

#[test]
fn stringified_scalars_are_accepted() {
    let p = parse(
        json!({"ServiceToken": "arn:x", "FunctionName": "f", "LayerVersion": "12", "HeapSummary": "True"}),
    )
    .unwrap();
    assert_eq!(p.target, Target::Function { name: "f".into() });
    assert_eq!((p.layer_version, p.heap_summary), (Some(12), true));
    let p =
        parse(json!({"FunctionName": "f", "LayerVersion": 9, "HeapSummary": false, "ServiceTimeout": "300"}))
            .unwrap();
    assert_eq!((p.layer_version, p.heap_summary), (Some(9), false));
}

#[test]
fn unknown_property_is_named_with_a_suggestion() {
    let e = parse(json!({"FunctionName": "f", "LayerVerison": "3"}))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown property LayerVerison: did you mean LayerVersion?"),
        "{e}"
    );
    let e = parse(json!({"RoleArn": "r", "Zzzzzzzz": 1}))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown property Zzzzzzzz: known properties are"),
        "{e}"
    );
}

#[test]
fn exactly_one_target() {
    assert!(
        parse(json!({"ServiceToken": "x"}))
            .unwrap_err()
            .to_string()
            .contains("missing target")
    );
    assert!(
        parse(json!({"RoleArn": "r", "FunctionName": "f"}))
            .unwrap_err()
            .to_string()
            .contains("exactly one")
    );
    assert!(
        parse(json!({"RoleArn": "r", "LayerVersion": "3"}))
            .unwrap_err()
            .to_string()
            .contains("only in function mode")
    );
}

#[test]
fn role_arns_give_role_names() {
    assert_eq!(
        role_name("arn:aws:iam::123456789012:role/service/my-role").unwrap(),
        "my-role"
    );
    assert_eq!(role_name("my-role").unwrap(), "my-role");
    assert!(role_name("arn:aws:iam::123456789012:user/u").is_err());
    assert!(role_name("arn:aws:lambda:us-east-1:1:function:f").is_err());
}

#[test]
fn function_names_must_be_unqualified() {
    for ok in [
        "f",
        "123456789012:function:f",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
    ] {
        assert!(check_function_name(ok).is_ok(), "{ok}");
    }
    assert!(
        check_function_name("arn:aws:lambda:us-east-1:123456789012:function:f:live")
            .unwrap_err()
            .to_string()
            .contains("version or alias")
    );
    assert!(check_function_name("bad name").is_err());
}

#[test]
fn layer_overrides_only_from_trusted_accounts_and_only_agent_layers() {
    let foreign = "arn:aws:lambda:us-east-1:999999999999:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:1";
    let e = parse(json!({"FunctionName": "f", "LayerArn": foreign}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("account 999999999999 is not allowed"), "{e}");
    let mirror = Settings {
        allowed_layer_accounts: vec!["999999999999".into()],
        ..Settings::default()
    };
    assert!(Properties::parse(&json!({"FunctionName": "f", "LayerArn": foreign}), &mirror).is_ok());
    // An allowed account's other layers (an extension, say) are not the agent's.
    let extension = "arn:aws:lambda:us-east-1:999999999999:layer:secrets-extension:4";
    let e = Properties::parse(&json!({"FunctionName": "f", "LayerArn": extension}), &mirror)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not an agent layer") && e.contains("LAMBDA_PROFILING_ALLOWED_LAYER_NAMES"),
        "{e}"
    );
    // The self-built layer is an agent layer, from an allowed account only.
    let own = "arn:aws:lambda:us-east-1:999999999999:layer:LambdaProfilingPythonAgent:1";
    assert!(Properties::parse(&json!({"FunctionName": "f", "LayerArn": own}), &mirror).is_ok());
    let e = parse(json!({"FunctionName": "f", "LayerArn": own}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("account 999999999999 is not allowed"), "{e}");
    let named = Settings {
        allowed_layer_names: vec!["codeguru-python".into()],
        ..mirror.clone()
    };
    let renamed = "arn:aws:lambda:us-east-1:999999999999:layer:codeguru-python:2";
    assert!(Properties::parse(&json!({"FunctionName": "f", "LayerArn": renamed}), &named).is_ok());
    assert!(Properties::parse(&json!({"FunctionName": "f", "LayerArn": renamed}), &mirror).is_err());
    // The publisher's own: its two agent layers only.
    let official = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11";
    assert!(parse(json!({"FunctionName": "f", "LayerArn": official})).is_ok());
    assert!(parse(json!({"FunctionName": "f", "LayerArn": official, "LayerVersion": "2"})).is_err());
    let publishers_other = "arn:aws:lambda:us-east-1:157417159150:layer:codeguru-python:2";
    assert!(
        Properties::parse(
            &json!({"FunctionName": "f", "LayerArn": publishers_other}),
            &named
        )
        .is_err()
    );
}
