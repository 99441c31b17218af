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
    // A function's variables are rewritten compact, as the general lane writes them.
    assert!(
        spliced(&pretty).is_ok(),
        "a pretty event is the splice lane's too"
    );
    let compact = event(escaped(serde_json::to_string(&common()).unwrap()));
    let json = spliced(&compact).expect("spliced").into_string();
    assert!(json.contains(r#"["\u0061","\u0061"]"#), "{json}");
}

/// CloudFormation does not document how it formats a macro's event: the splice lane
/// answers the common case in any formatting, with the general lane's bytes.
#[test]
fn the_common_case_is_spliced_whatever_the_events_formatting() {
    let compact = request(&common(), json!({"Profiling": true}));
    let spaced = compact
        .replace("\":", "\": ")
        .replace(",\"", ", \"")
        .replace(",{", ", {");
    let event: Value = serde_json::from_str(&compact).unwrap();
    let pretty = serde_json::to_string_pretty(&event).unwrap();
    let crlf = pretty.replace('\n', "\r\n");
    let tabs = pretty.replace("  ", "\t");
    for (name, text) in [
        ("compact", &compact),
        ("spaced", &spaced),
        ("pretty", &pretty),
        ("CRLF", &crlf),
        ("tabs", &tabs),
    ] {
        let answer = spliced(text).unwrap_or_else(|d| panic!("a {name} event declined: {d:?}"));
        assert_eq!(answer.profiled, 3, "{name}");
    }
    // The variables' text is spliced compact, whatever it was.
    let json = spliced(&pretty).unwrap().into_string();
    assert!(
        json.contains(r#"{"Variables":{"Q":{"Ref":"Queue"},"AWS_CODEGURU_PROFILER_GROUP_NAME""#),
        "{json}"
    );
    // Escapes and numbers in the variables are the general lane's: serde_json may spell them
    // otherwise.
    for variables in [json!({"A": "a"}), json!({"N": 1.50})] {
        let mut t = common();
        t["Resources"]["Plain"]["Properties"]["Environment"] = json!({"Variables": variables});
        let text = request(&t, json!({"Profiling": true})).replace("\"a\"", "\"\\u0061\"");
        assert_eq!(spliced(&text).err(), Some(Decline::Environment), "{variables}");
    }
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
