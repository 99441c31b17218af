use serde_json::json;

use super::*;

fn written(g: &GroupResource) -> Value {
    serde_json::from_str(&g.to_json()).expect("valid JSON")
}

/// The default name written for `function_id`: its `Fn::Sub` text.
fn default_name(function_id: &str) -> String {
    let mut out = Vec::new();
    write_default_name(&mut out, function_id);
    let name: Value = serde_json::from_slice(&out).expect("valid JSON");
    name["Fn::Sub"].as_str().expect("a Sub").to_string()
}

#[test]
fn default_names_fit_any_stack_name() {
    let sub = default_name(&"F".repeat(255));
    let part = sub.strip_prefix("${AWS::StackName}-").unwrap();
    assert_eq!(part.len(), 126);
    assert!(128 + 1 + part.len() <= 255);
    assert_eq!(default_name("My-Fn\u{e9}"), "${AWS::StackName}-MyFn");
    assert_ne!(
        default_name(&"F".repeat(300)),
        default_name(&"F".repeat(301)),
        "hashed, not cut"
    );
}

#[test]
fn group_resources_carry_tags_retain_topic_and_condition() {
    let (name, condition, topic) = (json!("g"), json!("IsProd"), json!("arn:aws:sns:us-east-1:1:t"));
    let tags = [
        ("team".to_string(), json!("x")),
        ("q\"".to_string(), json!({"Ref": "C"})),
    ];
    let g = GroupResource {
        function_id: "Api",
        name: Some(&name),
        condition: Some(&condition),
        retain: true,
        topic: Some(&topic),
        tags: &tags,
    };
    let r = written(&g);
    assert_eq!(
        r,
        json!({
            "Type": PROFILING_GROUP, "Condition": "IsProd",
            "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {
                "ProfilingGroupName": "g", "ComputePlatform": "AWSLambda",
                "AnomalyDetectionNotificationConfiguration": [{"channelUri": "arn:aws:sns:us-east-1:1:t"}],
                "Tags": [{"Key": "team", "Value": "x"}, {"Key": "q\"", "Value": {"Ref": "C"}}]
            }
        })
    );
    let keys: Vec<_> = r.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "Type",
            "Condition",
            "DeletionPolicy",
            "UpdateReplacePolicy",
            "Properties"
        ]
    );
    // Written as serde_json writes the same value, byte for byte.
    assert_eq!(g.to_json(), r.to_string());
}

#[test]
fn the_default_group_has_the_stack_named_name_only() {
    let g = GroupResource {
        function_id: "My-Fn\u{e9}",
        name: None,
        condition: None,
        retain: false,
        topic: None,
        tags: &[],
    };
    assert_eq!(
        g.to_json(),
        r#"{"Type":"AWS::CodeGuruProfiler::ProfilingGroup","Properties":{"ProfilingGroupName":{"Fn::Sub":"${AWS::StackName}-MyFn"},"ComputePlatform":"AWSLambda"}}"#
    );
}
