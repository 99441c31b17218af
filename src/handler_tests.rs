use super::*;

fn raw(s: &str) -> Box<RawValue> {
    RawValue::from_string(s.to_string()).unwrap()
}

fn kind(s: &str) -> &'static str {
    let layers = MacroLayers::built_in_only();
    let read = read(s, "arn:aws:lambda:us-east-1:1:function:f", &layers);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    match runtime.block_on(read) {
        Event::Macro(_) => "macro",
        Event::CustomResource => "custom resource",
        Event::Unknown => "unknown",
    }
}

#[test]
fn events_are_told_apart_by_shape() {
    assert_eq!(
        kind(r#"{"region":"us-east-1","fragment":{},"transformId":"1::LambdaProfiling"}"#),
        "macro"
    );
    assert_eq!(
        kind(r#"{"RequestType":"Create","ResponseURL":"https://x"}"#),
        "custom resource"
    );
    assert_eq!(
        kind(r#"{"ResponseURL":"https://x","region":7}"#),
        "custom resource"
    );
    assert_eq!(kind(r#"{"fragment":{}}"#), "unknown");
    assert_eq!(kind(r#"{"hello":"world"}"#), "unknown");
    assert_eq!(kind("[1,2]"), "unknown");
}

#[test]
fn the_service_token_is_unqualified() {
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:lambda-profiling";
    assert_eq!(unqualified(arn), arn);
    assert_eq!(unqualified(&format!("{arn}:live")), arn);
    assert_eq!(unqualified(&format!("{arn}:$LATEST")), arn);
    assert_eq!(unqualified("not-an-arn"), "not-an-arn");
}

#[tokio::test]
async fn a_macro_request_is_answered_without_aws_clients() {
    let handler = Handler::default();
    let mut ctx = lambda_runtime::Context::default();
    ctx.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lp:3".into();
    let event = r#"{"region":"us-east-1","accountId":"123456789012","requestId":"r","transformId":"x","params":{},
        "templateParameterValues":{"RoleArn":"arn:aws:iam::123456789012:role/r"},
        "fragment":{"Parameters":{"RoleArn":{"Type":"String"}},"Resources":{"F":{"Type":"AWS::Lambda::Function",
        "Properties":{"Runtime":"python3.12","Handler":"h","Role":{"Ref":"RoleArn"},"Profiling":true}}}}}"#;
    let out = handler.handle(LambdaEvent::new(raw(event), ctx)).await.unwrap();
    let out: serde_json::Value = serde_json::from_str(out.get()).unwrap();
    assert_eq!(out["status"], "success");
    let token = out["fragment"]["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "Custom::LambdaProfiling")
        .map(|r| r["Properties"]["ServiceToken"].clone());
    assert_eq!(
        token,
        Some("arn:aws:lambda:us-east-1:123456789012:function:lp".into())
    );
    assert!(!handler.clients.initialized(), "no AWS configuration for a macro");
}

#[tokio::test]
async fn an_unknown_event_is_a_clear_error() {
    let handler = Handler::default();
    let err = handler
        .handle(LambdaEvent::new(
            raw(r#"{"hello":1}"#),
            lambda_runtime::Context::default(),
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("neither a CloudFormation macro request"));
    assert!(format!("{err:?}").starts_with("UnknownEvent: the event is neither"));
    assert_eq!(Diagnostic::from(err).error_type, "UnknownEvent");
}
