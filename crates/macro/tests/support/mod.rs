//! What the macro's tests share: requests as CloudFormation sends them, answered through
//! the one dispatcher, and the check that wherever the splice lane answers, it answers
//! exactly as the general lane does.
#![allow(dead_code)]

use lambda_profiling_macro::{Answer, Lane, Lanes, MacroStatus, Options, Problems, answer_with};
use serde_json::{Value, json};

pub const TOKEN: &str = "arn:aws:lambda:us-east-1:123456789012:function:lambda-profiling";
pub const PY_LAYER: &str =
    "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13";
pub const JAVA_LAYER: &str =
    "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:12";

/// The macro request for `fragment` (`params`: the transform's; `values`: the stack's).
pub fn request(region: &str, fragment: &Value, params: Value, values: Value) -> String {
    json!({"region": region, "accountId": "123456789012", "requestId": "r-\"1\"",
        "transformId": "123456789012::LambdaProfiling", "params": params,
        "templateParameterValues": values, "fragment": fragment})
    .to_string()
}

/// The request's text with the fragment's text as it is (not re-serialized).
pub fn request_text(region: &str, fragment: &str, params: &str) -> String {
    format!(
        r#"{{"region":"{region}","accountId":"1","requestId":"r","transformId":"x","params":{params},"templateParameterValues":{{}},"fragment":{fragment}}}"#
    )
}

/// The answer by both lanes: the general lane's, after checking that the splice lane,
/// wherever it answers, gives the same bytes and the same report.
pub fn answered(event: &str) -> Answer {
    let with = |lanes| Options {
        lanes,
        report: true,
        any_region: false,
    };
    let general = answer_with(event, TOKEN, &with(Lanes::General)).expect("a macro request");
    let any = answer_with(event, TOKEN, &with(Lanes::Any)).expect("a macro request");
    if any.lane == Lane::Splice {
        assert_eq!(
            String::from_utf8_lossy(&any.json),
            String::from_utf8_lossy(&general.json),
            "the lanes disagree on {event}"
        );
        assert_eq!(
            any.report, general.report,
            "the lanes' reports disagree on {event}"
        );
        assert_eq!(
            general.status,
            MacroStatus::Success,
            "the splice lane answered a failure"
        );
    }
    general
}

/// The fragment's text inside an answer's JSON, exactly as written.
pub fn fragment_text(answer: &Answer) -> &str {
    let json = std::str::from_utf8(&answer.json).expect("UTF-8");
    let start = json.find(r#","fragment":"#).expect("a fragment") + r#","fragment":"#.len();
    let end = json.rfind(r#","errorMessage":"#).unwrap_or(json.len() - 1);
    &json[start..end]
}

/// Runs the macro; the output template, or the problems.
pub fn run_in(region: &str, template: &Value, params: Value, values: Value) -> Result<Value, Problems> {
    let answer = answered(&request(region, template, params, values));
    match answer.status {
        MacroStatus::Success => Ok(serde_json::from_str(fragment_text(&answer)).expect("JSON")),
        MacroStatus::Failure => Err(Problems(answer.problems)),
    }
}

pub fn run(template: &Value) -> Result<Value, Problems> {
    run_in("us-east-1", template, Value::Null, json!({}))
}

pub fn function(props: Value) -> Value {
    json!({"Type": "AWS::Lambda::Function", "Properties": props})
}

pub fn python(extra: Value) -> Value {
    let mut props = json!({"Runtime": "python3.12", "Handler": "app.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Code": {"ZipFile": "x"}});
    props
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    function(props)
}

pub fn role() -> Value {
    json!({"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}})
}

pub fn policy() -> Value {
    json!({"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"})
}

/// Runs the macro on a template that must expand: the output and the report's lines.
pub fn run_with_report(region: &str, template: &Value) -> (Value, String) {
    let answer = answered(&request(region, template, Value::Null, json!({})));
    assert_eq!(answer.status, MacroStatus::Success, "{:?}", answer.problems);
    let out = serde_json::from_str(fragment_text(&answer)).expect("JSON");
    let report = answer.report.iter().map(|r| format!("{r}\n")).collect();
    (out, report)
}
