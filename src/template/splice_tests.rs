use serde_json::{Value, json};

use super::*;
use crate::template::tests::{TOKEN, function, python, role};
use crate::template::{handle_request, with_general_planner};

fn request(fragment: &Value, params: Value) -> String {
    json!({"region": "us-east-1", "accountId": "123456789012", "requestId": "r-\"1\"",
        "transformId": "123456789012::LambdaProfiling", "params": params,
        "templateParameterValues": {}, "fragment": fragment})
    .to_string()
}

/// The splice lane's answer, after checking it is the general lane's, byte for byte
/// (and the general planner's alone, once normalised: it writes what it parsed compact).
fn spliced(event: &str) -> Option<Answer> {
    let general = crate::template::answer(serde_json::from_str(event).unwrap(), TOKEN);
    let answer = answer(event, TOKEN)?;
    assert_eq!(answer.json, general.json, "the lanes disagree on {event}");
    assert_eq!(answer.profiled, general.profiled);
    let planner = with_general_planner(|| handle_request(event, TOKEN));
    let normal = |json: &str| serde_json::from_str::<Value>(json).unwrap().to_string();
    assert_eq!(
        normal(std::str::from_utf8(&answer.json).unwrap()),
        normal(&planner)
    );
    Some(answer)
}

fn common() -> Value {
    let mut conditional = python(json!({"Environment": {"Variables": {"Q": {"Ref": "Queue"}}}}));
    conditional["Condition"] = json!("IsProd");
    json!({"AWSTemplateFormatVersion": "2010-09-09", "Conditions": {"IsProd": {"Fn::Equals": ["a", "a"]}},
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
            "Plain": python(json!({"Profiling": true, "Timeout": 3})),
            "Conditional": conditional,
            "Java": function(json!({"Runtime": "java21", "Handler": "a.B", "Role": {"Fn::GetAtt": "Role.Arn"},
                "Layers": ["arn:aws:lambda:us-east-1:1:layer:x:1"]})),
            "Role": role(),
            "PlainProfilingGroup": {"Type": "AWS::SNS::Topic"},
            "Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"Q": {"Value": {"Ref": "Queue"}}}})
}

#[test]
fn the_common_case_is_spliced_as_the_general_lane_writes_it() {
    for params in [
        json!({"Profiling": true}),
        json!({"Profiling": true, "Retain": true, "Tags": {"team": "a\"b"}, "PythonLayerVersion": 9}),
    ] {
        let answer = spliced(&request(&common(), params)).expect("the common case is the splice lane's");
        assert_eq!((answer.status, answer.profiled), (Status::Success, 3));
        let out: Value = serde_json::from_slice(&answer.json).unwrap();
        let resources = &out["fragment"]["Resources"];
        assert!(resources["PlainProfilingGroup2"]["Type"] == "AWS::CodeGuruProfiler::ProfilingGroup");
        assert_eq!(resources["ConditionalProfilingGroup"]["Condition"], "IsProd");
        assert!(resources["Plain"]["Properties"].get("Profiling").is_none());
        assert_eq!(out["requestId"], "r-\"1\"");
    }
    // Only explicit requests, and none at all.
    assert_eq!(spliced(&request(&common(), json!({}))).unwrap().profiled, 1);
    let quiet = json!({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}});
    assert_eq!(spliced(&request(&quiet, Value::Null)).unwrap().profiled, 0);
}

#[test]
fn whitespace_and_escapes_inside_values_are_kept_as_they_came() {
    let fragment = serde_json::to_string_pretty(&common())
        .unwrap()
        .replace("\"a\"", "\"\\u0061\"");
    let event = format!(
        r#"{{ "region" : "us-east-1", "accountId":"123456789012", "requestId":"r", "transformId":"x",
        "params": {{"Profiling": true}}, "fragment" : {fragment} }}"#
    );
    let answer = spliced(&event).unwrap();
    let json = answer.into_string();
    assert!(json.contains("[\n        \"\\u0061\","), "{json}");
}

#[test]
fn anything_else_is_left_to_the_general_lane() {
    let t = common();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut t = t.clone();
        f(&mut t);
        request(&t, json!({"Profiling": true}))
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "an unsupported runtime",
            with(&|t| {
                t["Resources"]["Node"] = function(
                    json!({"Runtime": "nodejs22.x", "Handler": "h", "Role": "arn:aws:iam::1:role/r"}),
                )
            }),
        ),
        (
            "SAM",
            with(&|t| t["Resources"]["Sam"] = json!({"Type": "AWS::Serverless::Function", "Properties": {}})),
        ),
        (
            "Globals",
            with(&|t| t["Globals"] = json!({"Function": {"Timeout": 3}})),
        ),
        (
            "an opt-out",
            with(&|t| t["Resources"]["Plain"]["Properties"]["Profiling"] = json!(false)),
        ),
        (
            "options",
            with(&|t| t["Resources"]["Plain"]["Properties"]["Profiling"] = json!({"Retain": true})),
        ),
        (
            "a Ref role list",
            with(&|t| t["Resources"]["Role"]["Properties"]["ManagedPolicyArns"] = json!({"Ref": "P"})),
        ),
        (
            "a role without Properties",
            with(&|t| t["Resources"]["Role"] = json!({"Type": "AWS::IAM::Role"})),
        ),
        (
            "a bad Type",
            with(&|t| t["Resources"]["Topic"]["Type"] = json!(7)),
        ),
        (
            "bad Properties",
            with(&|t| t["Resources"]["Topic"]["Properties"] = json!("x")),
        ),
        ("a bad transform parameter", request(&t, json!({"Profiling": 7}))),
        ("no Resources", request(&json!({"Outputs": {}}), json!({}))),
    ];
    for (what, event) in cases {
        assert!(answer(&event, TOKEN).is_none(), "{what}: {event}");
        let out: Value = serde_json::from_str(&handle_request(&event, TOKEN)).unwrap();
        assert!(out["status"] == "success" || out["status"] == "failure", "{what}");
    }
    let escaped_key = request(&common(), json!({})).replace("\"Outputs\"", "\"Out\\u0070uts\"");
    let repeated_id = request(&common(), json!({})).replace("\"Topic\":{", "\"Queue\":{");
    let not_a_macro = request(&common(), json!({})).replace("\"transformId\"", "\"other\"");
    let repeated_field =
        request(&common(), json!({})).replacen("{\"region\"", "{\"requestId\":\"a\",\"region\"", 1);
    for event in [
        escaped_key,
        repeated_id,
        not_a_macro,
        repeated_field,
        "{\"nope".into(),
    ] {
        assert!(answer(&event, TOKEN).is_none(), "{event}");
    }
}

#[test]
fn role_lists_get_the_policy_once() {
    let arns = |current: Option<&str>| {
        let mut out = b"before".to_vec();
        let added = role_arns(current, &mut out);
        (added, String::from_utf8(out).unwrap())
    };
    let sub = format!(r#"{{"Fn::Sub":"{POLICY_ARN_SUB}"}}"#);
    assert_eq!(
        arns(Some(r#"["arn:aws:iam::aws:policy/ReadOnlyAccess", "a\/b"]"#)),
        (
            Some(true),
            format!(r#"before["arn:aws:iam::aws:policy/ReadOnlyAccess","a/b",{sub}]"#)
        )
    );
    assert_eq!(arns(None), (Some(true), format!("before[{sub}]")));
    let has = r#"["arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"]"#;
    assert_eq!(arns(Some(has)), (Some(false), "before".to_string()));
    assert_eq!(arns(Some(r#"[{"Ref": "P"}]"#)).0, None);
    assert_eq!(arns(Some(r#"{"Ref": "P"}"#)).0, None);
}
