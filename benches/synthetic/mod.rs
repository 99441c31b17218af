//! Inputs of the performance measurements, shared by the criterion bench and
//! the cold-start harness so that both measure the same thing (`mod synthetic;` in each).
// Each bench uses a part of it.
#![allow(dead_code)]
//!
//! The synthetic template is the shape the reference figures (the Datadog serverless
//! macro's) were taken with: N functions, each with its own IAM role, `python3.12`, two
//! user variables and two tags, next to an SQS queue per function. At N = 500 it is
//! about 0.37 MB of compact JSON.

use serde_json::{Value, json};

/// The account and region of [`macro_event`]: the CLI's defaults.
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// The synthetic template with `n` functions (and `n` roles and `n` queues), with a
/// `Transform: LambdaProfiling` section, as its author would write it.
pub fn synthetic_template(n: usize) -> Value {
    let mut resources = serde_json::Map::with_capacity(3 * n);
    for i in 0..n {
        let queue = format!("Queue{i:04}");
        let role = format!("Role{i:04}");
        resources.insert(
            queue.clone(),
            json!({"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 180}}),
        );
        resources.insert(
            role.clone(),
            json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole"
                        }]
                    },
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
                }
            }),
        );
        resources.insert(
            format!("Function{i:04}"),
            json!({
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "app.handler",
                    "Role": {"Fn::GetAtt": [role, "Arn"]},
                    "Code": {"S3Bucket": "artifacts", "S3Key": format!("function-{i:04}.zip")},
                    "Timeout": 30,
                    "Environment": {"Variables": {"QUEUE_URL": {"Ref": queue}, "LOG_LEVEL": "INFO"}},
                    "Tags": [
                        {"Key": "team", "Value": "payments"},
                        {"Key": "service", "Value": format!("function-{i:04}")}
                    ]
                }
            }),
        );
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "LambdaProfiling",
        "Description": format!("Synthetic: {n} functions, each with its own role and queue"),
        "Resources": resources,
    })
}

/// [`synthetic_template`] with its first `sam` functions made SAM functions (with the
/// `AWS::Serverless-2016-10-31` transform after ours): a template of mostly plain
/// functions that the splice lane leaves to the general lane.
pub fn mixed_template(n: usize, sam: usize) -> Value {
    let mut t = synthetic_template(n);
    t["Transform"] = json!(["LambdaProfiling", "AWS::Serverless-2016-10-31"]);
    for i in 0..sam.min(n) {
        let f = &mut t["Resources"][format!("Function{i:04}")];
        f["Type"] = json!("AWS::Serverless::Function");
        let props = f["Properties"].as_object_mut().expect("properties");
        props.remove("Code");
        props.insert(
            "CodeUri".into(),
            json!(format!("s3://artifacts/function-{i:04}.zip")),
        );
        props.insert("Tags".into(), json!({"team": "payments"}));
    }
    t
}

/// The macro request CloudFormation sends for `template`: its `fragment` is the template
/// without `Transform`, `params` are the transform parameters given (for the figures,
/// `{"Profiling": true}`: profile every function), and no stack parameters.
pub fn macro_event(template: &Value, params: Value) -> String {
    let mut fragment = template.clone();
    if let Some(map) = fragment.as_object_mut() {
        // shift_remove keeps the order of the other sections (the map is an IndexMap).
        map.shift_remove("Transform");
    }
    json!({
        "region": REGION,
        "accountId": ACCOUNT,
        "fragment": fragment,
        "transformId": format!("{ACCOUNT}::LambdaProfiling"),
        "params": params,
        "requestId": "synthetic-request",
        "templateParameterValues": {},
    })
    .to_string()
}

/// Checks that the synthetic template has the reference shape (N = 500 is about 0.37 MB
/// of JSON), so that the figures stay comparable across sessions.
pub fn check_reference_shape() {
    let t = synthetic_template(500);
    let bytes = serde_json::to_string(&t).expect("JSON").len();
    assert!((350_000..=400_000).contains(&bytes), "{bytes} bytes");
    let resources = t["Resources"].as_object().expect("resources");
    for ty in ["AWS::Lambda::Function", "AWS::IAM::Role", "AWS::SQS::Queue"] {
        assert_eq!(
            resources.values().filter(|r| r["Type"] == ty).count(),
            500,
            "{ty}"
        );
    }
    let f = &t["Resources"]["Function0499"]["Properties"];
    assert_eq!(
        f["Environment"]["Variables"].as_object().map(|v| v.len()),
        Some(2)
    );
    assert_eq!(f["Role"]["Fn::GetAtt"][0], "Role0499");
}
