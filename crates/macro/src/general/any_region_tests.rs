use serde_json::{Value, json};

use crate::{Lanes, MacroStatus, Options, answer_with};

const TOKEN: &str = "arn:aws:lambda:us-east-1:123456789012:function:lambda-profiling";

fn expand(fragment: Value) -> (MacroStatus, Value) {
    let event = json!({
        "region": "eu-west-1", "accountId": "111122223333", "requestId": "r",
        "transformId": "111122223333::LambdaProfiling", "params": {"Profiling": true},
        "templateParameterValues": {}, "fragment": fragment,
    });
    let options = Options {
        lanes: Lanes::Any,
        report: false,
        any_region: true,
    };
    let answer = answer_with(&event.to_string(), TOKEN, &options).unwrap();
    let response: Value = serde_json::from_slice(&answer.json).unwrap();
    (answer.status, response)
}

fn function(runtime: &str, role: Value) -> Value {
    json!({"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": runtime, "Handler": "index.handler", "Role": role, "Code": {"ZipFile": "x"},
        "Environment": {"Variables": {"TABLE": "orders"}},
    }})
}

#[test]
fn no_region_or_account_is_written_but_in_the_table() {
    let (status, response) = expand(json!({"Resources": {
        "Py": function("python3.12", json!({"Fn::GetAtt": ["Role", "Arn"]})),
        "Jv": function("java17", json!("arn:aws:iam::111122223333:role/outside")),
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
    }}));
    assert_eq!(status, MacroStatus::Success, "{response:#}");
    let mut t = response["fragment"].clone();
    let table = t["Mappings"]["LambdaProfilingAgentLayers"].take();
    assert_eq!(
        table.as_object().unwrap().len(),
        crate::agent::SERVICE_REGIONS.len()
    );
    assert_eq!(
        table["us-west-2"],
        json!({
            "Java12": "arn:aws:lambda:us-west-2:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:12",
            "Python13": "arn:aws:lambda:us-west-2:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13",
        })
    );
    // The template's own role ARN keeps its account (in the function, and as the custom
    // resource's RoleArn); nothing the macro wrote names one.
    for r in t["Resources"].as_object_mut().unwrap().values_mut() {
        let props = r["Properties"].as_object_mut().unwrap();
        if props.get("Role").and_then(Value::as_str).is_some() {
            props.remove("Role");
        }
        props.remove("RoleArn");
    }
    let text = t.to_string();
    for region in crate::agent::LAYER_REGIONS {
        assert!(
            !text.contains(region),
            "{region} is written outside the table: {text}"
        );
    }
    assert!(!text.contains("111122223333"), "the account is written: {text}");
    let py = &t["Resources"]["Py"]["Properties"];
    assert_eq!(py["Layers"][0]["Fn::FindInMap"][2], "Python13");
    assert_eq!(
        py["Environment"]["Variables"]["AWS_CODEGURU_PROFILER_TARGET_REGION"],
        json!({"Ref": "AWS::Region"})
    );
    assert_eq!(
        t["Parameters"]["LambdaProfilingMacroName"]["Default"],
        "LambdaProfiling"
    );
    let token = response["fragment"]["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "Custom::LambdaProfiling")
        .map(|r| r["Properties"]["ServiceToken"].clone());
    assert_eq!(
        token,
        Some(json!({"Fn::ImportValue": {"Fn::Sub": "${LambdaProfilingMacroName}:ServiceToken"}}))
    );
}

#[test]
fn a_named_group_is_found_in_the_region_and_account_it_is_deployed_in() {
    let mut f = function("python3.12", json!("arn:aws:iam::111122223333:role/r"));
    f["Properties"]["Profiling"] = json!({"ProfilingGroup": "shared"});
    let (status, response) = expand(json!({"Resources": {"F": f}}));
    assert_eq!(status, MacroStatus::Success, "{response:#}");
    let vars = &response["fragment"]["Resources"]["F"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        vars["AWS_CODEGURU_PROFILER_GROUP_ARN"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:codeguru-profiler:${AWS::Region}:${AWS::AccountId}:profilingGroup/shared"})
    );
}

#[test]
fn the_names_it_adds_must_be_free() {
    let (status, response) = expand(json!({
        "Mappings": {"LambdaProfilingAgentLayers": {"a": {"b": "c"}}},
        "Parameters": {"LambdaProfilingMacroName": {"Type": "String"}},
        "Resources": {"F": function("python3.12", json!("arn:aws:iam::111122223333:role/r"))},
    }));
    assert_eq!(status, MacroStatus::Failure);
    let message = response["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("Mappings.LambdaProfilingAgentLayers"),
        "{message}"
    );
    assert!(
        message.contains("Parameters.LambdaProfilingMacroName"),
        "{message}"
    );
}

#[test]
fn a_group_name_read_from_variables_stays_literal_in_its_arn() {
    let mut f = function("python3.12", json!("arn:aws:iam::111122223333:role/r"));
    f["Properties"]["Environment"]["Variables"]["AWS_CODEGURU_PROFILER_GROUP_NAME"] = json!("g${Bogus}");
    let (status, response) = expand(json!({"Resources": {"F": f}}));
    assert_eq!(status, MacroStatus::Success, "{response:#}");
    let vars = &response["fragment"]["Resources"]["F"]["Properties"]["Environment"]["Variables"];
    let arn = vars["AWS_CODEGURU_PROFILER_GROUP_ARN"]["Fn::Sub"]
        .as_str()
        .unwrap();
    assert!(arn.ends_with(":profilingGroup/g${!Bogus}"), "{arn}");
}
