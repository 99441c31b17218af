//! The two lanes: which one answers, why the splice lane declines, and that where it
//! answers, its bytes are the general lane's.

mod support;

use lambda_profiling_macro::{Answer, Decline, Lane, MacroStatus, answer};
use serde_json::{Value, json};
use support::*;

fn request(fragment: &Value, params: Value) -> String {
    support::request("us-east-1", fragment, params, json!({}))
}

/// The splice lane's answer (after checking it is the general lane's, byte for byte),
/// or the reason it declined.
fn spliced(event: &str) -> Result<Answer, Decline> {
    let general = answered(event);
    let answer = answer(event, TOKEN).expect("a macro request");
    assert_eq!(answer.json, general.json, "the lanes disagree on {event}");
    match answer.lane {
        Lane::Splice => Ok(answer),
        Lane::General(decline) => Err(decline),
    }
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
        json!({"Profiling": true, "Retain": true, "Tags": {"team": "a\"b"}, "PythonLayerVersion": 14}),
    ] {
        let answer = spliced(&request(&common(), params)).expect("the common case is the splice lane's");
        assert_eq!((answer.status, answer.profiled), (MacroStatus::Success, 3));
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
    let event = |fragment: String| {
        format!(
            r#"{{ "region" : "us-east-1", "accountId":"123456789012", "requestId":"r", "transformId":"x",
        "params": {{"Profiling": true}}, "fragment" : {fragment} }}"#
        )
    };
    let escaped = |text: String| text.replace("\"a\"", "\"\\u0061\"");
    // Untouched values keep their text in either lane, whitespace and escapes included.
    let pretty = event(escaped(serde_json::to_string_pretty(&common()).unwrap()));
    let json = answered(&pretty).into_string();
    assert!(json.contains("[\n        \"\\u0061\","), "{json}");
    // A function's variables are rewritten compact, as the general lane writes them: the
    // splice lane copies their text only when it is compact already.
    assert_eq!(spliced(&pretty).err(), Some(Decline::Environment));
    let compact = event(escaped(serde_json::to_string(&common()).unwrap()));
    let json = spliced(&compact).expect("spliced").into_string();
    assert!(json.contains(r#"["\u0061","\u0061"]"#), "{json}");
}

#[test]
fn anything_else_is_left_to_the_general_lane() {
    let t = common();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut t = t.clone();
        f(&mut t);
        request(&t, json!({"Profiling": true}))
    };
    let cases: Vec<(Decline, String)> = vec![
        (
            Decline::Runtime,
            with(&|t| {
                t["Resources"]["Node"] = function(
                    json!({"Runtime": "nodejs22.x", "Handler": "h", "Role": "arn:aws:iam::1:role/r"}),
                )
            }),
        ),
        (
            Decline::SamFunction,
            with(&|t| t["Resources"]["Sam"] = json!({"Type": "AWS::Serverless::Function", "Properties": {}})),
        ),
        (
            Decline::Globals,
            with(&|t| t["Globals"] = json!({"Function": {"Timeout": 3}})),
        ),
        (
            Decline::ProfilingValue,
            with(&|t| t["Resources"]["Plain"]["Properties"]["Profiling"] = json!(false)),
        ),
        (
            Decline::ProfilingValue,
            with(&|t| t["Resources"]["Plain"]["Properties"]["Profiling"] = json!({"Retain": true})),
        ),
        (
            Decline::RolePolicies,
            with(&|t| t["Resources"]["Role"]["Properties"]["ManagedPolicyArns"] = json!({"Ref": "P"})),
        ),
        (
            Decline::RolePolicies,
            with(&|t| t["Resources"]["Role"] = json!({"Type": "AWS::IAM::Role"})),
        ),
        (
            Decline::ResourceType,
            with(&|t| t["Resources"]["Topic"]["Type"] = json!(7)),
        ),
        (
            Decline::NotAnObject,
            with(&|t| t["Resources"]["Topic"]["Properties"] = json!("x")),
        ),
        (Decline::TransformParameters, request(&t, json!({"Profiling": 7}))),
        (Decline::NotAnObject, request(&json!({"Outputs": {}}), json!({}))),
        (
            Decline::EscapedKey,
            request(&common(), json!({})).replace("\"Outputs\"", "\"Out\\u0070uts\""),
        ),
        (
            Decline::RepeatedKey,
            request(&common(), json!({})).replace("\"Topic\":{", "\"Queue\":{"),
        ),
    ];
    for (why, event) in cases {
        assert_eq!(spliced(&event).err(), Some(why), "{event}");
    }
    // Not a macro request at all: no lane answers (the Lambda says the event is unknown).
    let not_a_macro = request(&common(), json!({})).replace("\"transformId\"", "\"other\"");
    let repeated_field =
        request(&common(), json!({})).replacen("{\"region\"", "{\"requestId\":\"a\",\"region\"", 1);
    for event in [not_a_macro, repeated_field, "{\"nope".into()] {
        assert!(answer(&event, TOKEN).is_none(), "{event}");
    }
}
