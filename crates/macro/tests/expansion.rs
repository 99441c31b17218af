//! The macro's rules (contract §2.2–§2.3), each on a small template, answered through the
//! dispatcher by both lanes (see `support::answered`).

mod support;

use lambda_profiling_macro::answer;
use serde_json::{Value, json};
use support::*;

#[test]
fn a_python_function_gets_the_console_setup() {
    let t = json!({"Resources": {"Fn": python(json!({"Profiling": true})), "Role": role()}});
    let out = run(&t).unwrap();
    let props = &out["Resources"]["Fn"]["Properties"];
    assert!(props.get("Profiling").is_none(), "Profiling is removed");
    assert_eq!(props["Layers"], json!([PY_LAYER]));
    assert_eq!(
        props["Environment"]["Variables"],
        json!({
            "AWS_CODEGURU_PROFILER_GROUP_NAME": {"Ref": "FnProfilingGroup"},
            "AWS_CODEGURU_PROFILER_GROUP_ARN": {"Fn::GetAtt": ["FnProfilingGroup", "Arn"]},
            "AWS_CODEGURU_PROFILER_TARGET_REGION": "us-east-1",
            "AWS_CODEGURU_PROFILER_ENABLED": "TRUE",
            "AWS_LAMBDA_EXEC_WRAPPER": "/opt/codeguru_profiler_lambda_exec"
        })
    );
    assert_eq!(
        out["Resources"]["FnProfilingGroup"],
        json!({"Type": "AWS::CodeGuruProfiler::ProfilingGroup", "Properties": {
            "ProfilingGroupName": {"Fn::Sub": "${AWS::StackName}-Fn"}, "ComputePlatform": "AWSLambda"}})
    );
    assert_eq!(
        out["Resources"]["Role"]["Properties"]["ManagedPolicyArns"],
        json!([policy()])
    );
}

#[test]
fn a_function_without_profiling_is_unchanged_byte_for_byte() {
    let fragment = r#"{"Resources":{"Plain":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"python3.12","Timeout":1.0e1,"Code":{"ZipFile":"é\u00e9"}}},"Other":{"Type":"AWS::SQS::Queue","Properties":{"Tags":[ {"Key" : "a", "Value":"b"} ]}}},"Outputs":{"X":{"Value":1.50}}}"#;
    let answer = answered(&request_text("us-east-1", fragment, "null"));
    let out = fragment_text(&answer);
    assert_eq!(out, fragment);
    assert!(out.contains(r#""Timeout":1.0e1"#) && out.contains(r#""Value":1.50"#));
}

#[test]
fn key_order_is_kept_and_additions_come_last() {
    let t = json!({"Z": 1, "Resources": {"Role": role(), "Fn": python(json!({"Profiling": true, "Environment": {"Variables": {"Z": "1", "A": "2"}}})), "A": {"Type": "AWS::SNS::Topic"}}, "B": 2});
    let out = run(&t).unwrap();
    let top: Vec<_> = out.as_object().unwrap().keys().cloned().collect();
    assert_eq!(top, ["Z", "Resources", "B"]);
    let ids: Vec<_> = out["Resources"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(ids, ["Role", "Fn", "A", "FnProfilingGroup"]);
    let props: Vec<_> = out["Resources"]["Fn"]["Properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        props,
        ["Runtime", "Handler", "Role", "Code", "Environment", "Layers"]
    );
    let vars: Vec<_> = out["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
        .as_object()
        .unwrap()
        .keys()
        .take(2)
        .cloned()
        .collect();
    assert_eq!(vars, ["Z", "A"]);
}

#[test]
fn java_keeps_its_tool_options_and_can_have_heap_summaries() {
    let f = function(
        json!({"Runtime": "java21", "Handler": "a.B", "Role": {"Fn::GetAtt": "Role.Arn"},
        "Environment": {"Variables": {"JAVA_TOOL_OPTIONS": "-XX:+UseSerialGC"}},
        "Profiling": {"HeapSummary": "true", "LayerVersion": 10}}),
    );
    let out = run(&json!({"Resources": {"J": f, "Role": role()}})).unwrap();
    let props = &out["Resources"]["J"]["Properties"];
    assert_eq!(props["Layers"], json!([JAVA_LAYER.replace(":12", ":10")]));
    let vars = &props["Environment"]["Variables"];
    assert_eq!(
        vars["JAVA_TOOL_OPTIONS"],
        "-XX:+UseSerialGC -javaagent:/opt/codeguru-profiler-java-agent-standalone.jar"
    );
    assert_eq!(vars["AWS_CODEGURU_PROFILER_HEAP_SUMMARY_ENABLED"], "true");
    assert!(vars.get("AWS_LAMBDA_EXEC_WRAPPER").is_none());
}

#[test]
fn functions_share_a_group_from_the_template() {
    let t = json!({"Resources": {
        "Shared": {"Type": "AWS::CodeGuruProfiler::ProfilingGroup", "Properties": {"ProfilingGroupName": "shared"}},
        "A": python(json!({"Profiling": {"ProfilingGroup": {"Ref": "Shared"}}})),
        "B": python(json!({"Profiling": {"ProfilingGroup": {"Fn::GetAtt": ["Shared", "Arn"]}}})),
        "Role": role()}});
    let out = run(&t).unwrap();
    assert_eq!(
        out["Resources"].as_object().unwrap().len(),
        4,
        "no group is created"
    );
    for f in ["A", "B"] {
        let vars = &out["Resources"][f]["Properties"]["Environment"]["Variables"];
        assert_eq!(vars["AWS_CODEGURU_PROFILER_GROUP_NAME"], json!({"Ref": "Shared"}));
        assert_eq!(
            vars["AWS_CODEGURU_PROFILER_GROUP_ARN"],
            json!({"Fn::GetAtt": ["Shared", "Arn"]})
        );
    }
    assert_eq!(
        out["Resources"]["Role"]["Properties"]["ManagedPolicyArns"],
        json!([policy()]),
        "added once"
    );
}

#[test]
fn an_existing_group_by_arn_in_another_region() {
    let arn = "arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/central";
    let t =
        json!({"Resources": {"F": python(json!({"Profiling": {"ProfilingGroup": arn}})), "Role": role()}});
    let out = run_in("ca-central-1", &t, Value::Null, json!({})).unwrap();
    let vars = &out["Resources"]["F"]["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["AWS_CODEGURU_PROFILER_GROUP_NAME"], "central");
    assert_eq!(vars["AWS_CODEGURU_PROFILER_GROUP_ARN"], arn);
    assert_eq!(vars["AWS_CODEGURU_PROFILER_TARGET_REGION"], "eu-west-1");
    assert!(
        out["Resources"]["F"]["Properties"]["Layers"][0]
            .as_str()
            .unwrap()
            .contains(":ca-central-1:")
    );
    let by_name =
        json!({"Resources": {"F": python(json!({"Profiling": {"ProfilingGroup": "mine"}})), "Role": role()}});
    let out = run(&by_name).unwrap();
    let vars = &out["Resources"]["F"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        vars["AWS_CODEGURU_PROFILER_GROUP_ARN"],
        "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/mine"
    );
}

#[test]
fn group_options_tags_retain_and_topic() {
    let t = json!({"Resources": {"F": python(json!({"Condition": "IsProd", "Profiling": {
        "ProfilingGroupName": "named", "Retain": true, "AnomalyNotificationTopicArn": {"Ref": "Topic"}}})), "Role": role()}});
    let out = run_in("us-east-1", &t, json!({"Tags": {"team": "payments"}}), json!({})).unwrap();
    let g = &out["Resources"]["FProfilingGroup"];
    assert_eq!(g["DeletionPolicy"], "Retain");
    assert_eq!(g["UpdateReplacePolicy"], "Retain");
    assert_eq!(g["Properties"]["ProfilingGroupName"], "named");
    assert_eq!(
        g["Properties"]["Tags"],
        json!([{"Key": "team", "Value": "payments"}])
    );
    assert_eq!(
        g["Properties"]["AnomalyDetectionNotificationConfiguration"],
        json!([{"channelUri": {"Ref": "Topic"}}])
    );
    let retained_by_default = run_in("us-east-1", &t, json!({"Retain": true}), json!({})).unwrap();
    assert_eq!(
        retained_by_default["Resources"]["FProfilingGroup"]["DeletionPolicy"],
        "Retain"
    );
}

#[test]
fn a_conditional_function_gets_a_conditional_group() {
    let mut f = python(json!({"Profiling": true}));
    f["Condition"] = json!("IsProd");
    let out = run(&json!({"Resources": {"F": f, "Role": role()}})).unwrap();
    assert_eq!(out["Resources"]["FProfilingGroup"]["Condition"], "IsProd");
}

#[test]
fn taken_and_long_ids_stay_unique_and_bounded() {
    let long = "F".repeat(250);
    let t = json!({"Resources": {
        "AProfilingGroup": {"Type": "AWS::SNS::Topic"},
        "A": python(json!({"Profiling": true})),
        long.clone(): python(json!({"Profiling": true})),
        "Role": role()}});
    let out = run(&t).unwrap();
    let ids: Vec<String> = out["Resources"].as_object().unwrap().keys().cloned().collect();
    assert!(ids.contains(&"AProfilingGroup2".to_string()), "{ids:?}");
    let long_group = ids
        .iter()
        .find(|i| i.starts_with("FFFF") && i.ends_with("ProfilingGroup"))
        .unwrap();
    assert_eq!(long_group.len(), 255);
    let name = out["Resources"][long_group]["Properties"]["ProfilingGroupName"]["Fn::Sub"]
        .as_str()
        .unwrap();
    assert_eq!(name.len() - "${AWS::StackName}-".len(), 126);
}

#[test]
fn external_roles_get_one_custom_resource_each() {
    let ext = |deps: Value| {
        let mut f = function(
            json!({"Runtime": "python3.11", "Handler": "h", "Role": {"Ref": "RoleArn"}, "Profiling": true}),
        );
        if !deps.is_null() {
            f["DependsOn"] = deps;
        }
        f
    };
    let literal = function(json!({"Runtime": "python3.11", "Handler": "h", "Profiling": true,
        "Role": "arn:aws:iam::123456789012:role/shared"}));
    let t = json!({"Parameters": {"RoleArn": {"Type": "String"}},
        "Resources": {"A": ext(Value::Null), "B": ext(json!("Q")), "C": ext(json!(["Q"])), "D": literal, "Q": {"Type": "AWS::SQS::Queue"}}});
    let out = run(&t).unwrap();
    let customs: Vec<(&String, &Value)> = out["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "Custom::LambdaProfiling")
        .collect();
    assert_eq!(customs.len(), 2, "one per distinct role expression");
    let (id, param_cr) = customs
        .iter()
        .find(|(_, r)| r["Properties"]["RoleArn"] == json!({"Ref": "RoleArn"}))
        .unwrap();
    assert_eq!(param_cr["Properties"]["ServiceToken"], TOKEN);
    assert!(id.starts_with("RoleArnProfilingPolicy") && id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(out["Resources"]["A"]["DependsOn"], json!(id));
    assert_eq!(out["Resources"]["B"]["DependsOn"], json!(["Q", id]));
    assert_eq!(out["Resources"]["C"]["DependsOn"], json!(["Q", id]));
}

#[test]
fn a_role_chosen_by_if_is_handled_per_branch() {
    let f = python(
        json!({"Profiling": true, "Role": {"Fn::If": ["C", {"Fn::GetAtt": ["Role", "Arn"]}, {"Fn::GetAtt": ["Other", "Arn"]}]}}),
    );
    let out = run(&json!({"Resources": {"F": f, "Role": role(), "Other": role()}})).unwrap();
    assert_eq!(
        out["Resources"]["Role"]["Properties"]["ManagedPolicyArns"],
        json!([policy()])
    );
    assert_eq!(
        out["Resources"]["Other"]["Properties"]["ManagedPolicyArns"],
        json!([policy()])
    );
    let mixed = python(
        json!({"Profiling": true, "Role": {"Fn::If": ["C", {"Fn::GetAtt": ["Role", "Arn"]}, {"Ref": "Ext"}]}}),
    );
    let out =
        run(&json!({"Parameters": {"Ext": {"Type": "String"}}, "Resources": {"F": mixed, "Role": role()}}))
            .unwrap();
    let cr = out["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "Custom::LambdaProfiling")
        .unwrap();
    assert_eq!(cr["Properties"]["RoleArn"]["Fn::If"][2], json!({"Ref": "Ext"}));
}

#[test]
fn managed_policy_arns_in_every_shape() {
    let with = |arns: Value| json!({"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": arns}});
    let go = |r: Value| {
        run_in(
            "us-east-1",
            &json!({"Resources": {"F": python(json!({"Profiling": true})), "Role": r}}),
            Value::Null,
            json!({"Arns": "arn:aws:iam::aws:policy/A"}),
        )
        .map(|o| o["Resources"]["Role"]["Properties"]["ManagedPolicyArns"].clone())
    };
    assert_eq!(
        go(with(json!([
            "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"
        ])))
        .unwrap(),
        json!(["arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"])
    );
    assert_eq!(
        go(with(json!({"Ref": "Arns"}))).unwrap(),
        json!(["arn:aws:iam::aws:policy/A", policy()])
    );
    assert_eq!(
        go(with(json!({"Fn::If": ["C", ["x"], {"Ref": "AWS::NoValue"}]}))).unwrap(),
        json!({"Fn::If": ["C", ["x", policy()], [policy()]]})
    );
    let err = go(with(json!({"Fn::Split": [",", "a"]}))).unwrap_err();
    assert_eq!(err.0[0].path, "Resources.Role.Properties.ManagedPolicyArns");
}

#[test]
fn the_template_wide_default_skips_what_it_cannot_profile() {
    let t = json!({"Resources": {
        "Py": python(json!({})),
        "Node": python(json!({"Runtime": "nodejs20.x"})),
        "Arm": python(json!({"Architectures": ["arm64"]})),
        "Off": python(json!({"Profiling": false})),
        "Role": role()}});
    let e = answered(&request("us-east-1", &t, json!({"Profiling": true}), json!({})));
    let out: Value = serde_json::from_str(fragment_text(&e)).unwrap();
    assert_eq!(out["Resources"]["Node"], t["Resources"]["Node"], "left as it is");
    assert_eq!(out["Resources"]["Arm"], t["Resources"]["Arm"]);
    assert!(out["Resources"]["Off"]["Properties"].get("Profiling").is_none());
    assert_eq!(
        out["Resources"]["Off"]["Metadata"],
        json!({"LambdaProfiling": {"Profiling": false}}),
        "the opt-out is kept"
    );
    assert!(out["Resources"]["Off"]["Properties"].get("Layers").is_none());
    assert_eq!(out["Resources"]["Py"]["Properties"]["Layers"], json!([PY_LAYER]));
    let lines: Vec<String> = e.report.iter().map(ToString::to_string).collect();
    assert!(lines[0].starts_with("Py: profiled (python3.12)"), "{lines:?}");
    assert!(
        lines[1].starts_with("Node: skipped") && lines[1].contains("nodejs20.x"),
        "{lines:?}"
    );
    assert!(lines[2].contains("x86_64 only"), "{lines:?}");
    assert_eq!(lines[3], "Off: not profiled");
}

#[test]
fn running_twice_changes_nothing() {
    let t = json!({"Parameters": {"Ext": {"Type": "String"}}, "Resources": {
        "A": python(json!({"Profiling": {"Retain": true}, "Layers": ["arn:aws:lambda:us-east-1:1:layer:mine:1"]})),
        "W": python(json!({"Profiling": true, "Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel"}}})),
        "J": function(json!({"Runtime": "java17", "Handler": "x", "Role": {"Ref": "Ext"}, "Profiling": true})),
        "N": python(json!({"Runtime": "nodejs22.x"})),
        "O": python(json!({"Profiling": {"Enabled": "false", "LayerVersion": 3}, "Metadata": {"Owner": "me"}})),
        "Role": role()}});
    for params in [Value::Null, json!({"Profiling": true})] {
        let once = run_in("us-east-1", &t, params.clone(), json!({})).unwrap();
        let twice = run_in("us-east-1", &once, params.clone(), json!({})).unwrap();
        assert_eq!(
            serde_json::to_string(&twice).unwrap(),
            serde_json::to_string(&once).unwrap(),
            "params {params}"
        );
        let with_default = run_in("us-east-1", &once, json!({"Profiling": true}), json!({})).unwrap();
        assert_eq!(with_default, once, "the default on the output changes nothing");
    }
}

#[test]
fn an_already_set_up_function_keeps_its_group() {
    let f = python(
        json!({"Profiling": true, "Environment": {"Variables": {"AWS_CODEGURU_PROFILER_GROUP_NAME": "mine"}}}),
    );
    let out = run(&json!({"Resources": {"F": f, "Role": role()}})).unwrap();
    assert!(out["Resources"].get("FProfilingGroup").is_none());
    let vars = &out["Resources"]["F"]["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["AWS_CODEGURU_PROFILER_GROUP_NAME"], "mine");
    assert_eq!(
        vars["AWS_CODEGURU_PROFILER_GROUP_ARN"],
        "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/mine"
    );
}

#[test]
fn the_macro_protocol_is_spoken() {
    let ok = json!({"region": "us-east-1", "accountId": "1", "requestId": "r-1", "transformId": "1::LambdaProfiling",
        "params": {}, "templateParameterValues": {}, "fragment": {"Resources": {"F": python(json!({"Profiling": true})), "Role": role()}}});
    let resp: Value = serde_json::from_slice(&answered(&ok.to_string()).json).unwrap();
    assert_eq!(resp["requestId"], "r-1");
    assert_eq!(resp["status"], "success");
    assert!(resp.get("errorMessage").is_none());
    assert_eq!(
        resp["fragment"]["Resources"]["F"]["Properties"]["Layers"],
        json!([PY_LAYER])
    );
    let mut bad = ok.clone();
    bad["fragment"]["Resources"]["F"]["Properties"]["Profiling"] = json!("yes");
    let resp: Value = serde_json::from_slice(&answered(&bad.to_string()).json).unwrap();
    assert_eq!(resp["status"], "failure");
    assert_eq!(
        resp["fragment"], bad["fragment"],
        "the fragment comes back unchanged"
    );
    assert!(
        resp["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Resources.F.Properties.Profiling: ")
    );
    // Not a macro request: the Lambda answers that the event is unknown.
    assert!(answer("{\"nope", TOKEN).is_none());
    assert!(answer(r#"{"fragment": {}}"#, TOKEN).is_none(), "no transformId");
}

#[test]
fn plain_and_other_functions_side_by_side() {
    let env = json!({"Variables": {"A": "1", "N": 1.5, "R": {"Ref": "Q"}}});
    let java = function(
        json!({"Runtime": "java21", "Handler": "a.B", "Role": {"Fn::GetAtt": "Role.Arn"}, "Layers": ["arn:aws:lambda:us-east-1:1:layer:x:1"]}),
    );
    let mut conditional = python(json!({"Environment": env}));
    conditional["Condition"] = json!("IsProd");
    let t = json!({"Resources": {
        "Plain": python(json!({})),
        "Explicit": python(json!({"Profiling": "True", "Environment": {}})),
        "Conditional": conditional,
        "Java": java,
        "Taken": python(json!({"Layers": ["a", "b", "c", "d", "e"]})),
        "Wrapped": python(json!({"Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/x"}}})),
        "Shared": python(json!({"Role": {"Fn::GetAtt": ["Other", "Arn"]}})),
        "PlainProfilingGroup": {"Type": "AWS::SNS::Topic"},
        "Role": role(),
        "Other": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}}}});
    for params in [
        json!({"Profiling": true}),
        json!({"Profiling": true, "Retain": true, "Tags": {"t": "v"}, "PythonLayerVersion": 14}),
    ] {
        let out = run_in("us-east-1", &t, params.clone(), json!({})).unwrap();
        assert_eq!(
            out["Resources"]["Plain"]["Properties"]["Layers"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        run_in("eu-west-1", &t, params.clone(), json!({})).unwrap();
        // No service: the explicit function is an error.
        let err = run_in("ca-central-1", &t, params, json!({})).unwrap_err();
        assert!(
            err.0
                .iter()
                .all(|p| p.path == "Resources.Explicit.Properties.Profiling"),
            "{err}"
        );
    }
}
