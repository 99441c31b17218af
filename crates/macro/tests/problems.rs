//! Bad input: every problem is reported, with its path and a fix, and nothing changes.

use serde_json::{Value, json};

mod support;

use support::*;

/// The problems for a template, as `path: message` lines.
fn problems_in(region: &str, t: &Value) -> Vec<String> {
    match run_in(region, t, Value::Null, json!({})) {
        Ok(_) => panic!("expected problems for {t}"),
        Err(p) => p.0.iter().map(ToString::to_string).collect(),
    }
}

fn single(t: Value) -> Value {
    json!({"Resources": {"F": t, "Role": role()}})
}

fn assert_problem(region: &str, t: Value, path: &str, needle: &str) {
    let problems = problems_in(region, &t);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{path}: ")) && p.contains(needle)),
        "expected {path}: …{needle}… in {problems:#?}"
    );
}

#[test]
fn bad_profiling_values() {
    for bad in [json!("yes"), json!(3)] {
        assert_problem(
            "us-east-1",
            single(python(json!({"Profiling": bad}))),
            "Resources.F.Properties.Profiling",
            "must be true, false, or an object",
        );
    }
    assert_problem(
        "us-east-1",
        single(python(json!({"Profiling": {"Enabld": true}}))),
        "Resources.F.Properties.Profiling.Enabld",
        "did you mean Enabled?",
    );
}

#[test]
fn explicit_profiling_on_what_cannot_be_profiled() {
    for (extra, path, needle) in [
        (
            json!({"Runtime": "nodejs20.x"}),
            "Resources.F.Properties.Runtime",
            "nodejs20.x is not supported",
        ),
        (
            json!({"Runtime": "python2.7"}),
            "Resources.F.Properties.Runtime",
            "python2.7",
        ),
        (
            json!({"Runtime": "java8"}),
            "Resources.F.Properties.Runtime",
            "use java8.al2",
        ),
        (
            json!({"Architectures": ["arm64"]}),
            "Resources.F.Properties.Architectures[0]",
            "x86_64 only",
        ),
        (
            json!({"PackageType": "Image"}),
            "Resources.F.Properties.PackageType",
            "container image",
        ),
        (
            json!({"Runtime": {"Ref": "P"}}),
            "Resources.F.Properties.Runtime",
            "parameter P, which has no value: give it a Default, or a value when deploying (with \
             lambda-profiling expand, --parameter P=VALUE)",
        ),
        (
            json!({"Layers": ["a", "b", "c", "d", "e"]}),
            "Resources.F.Properties.Layers",
            "Lambda allows at most 5",
        ),
        (
            json!({"Environment": {"Variables": {"Fn::FindInMap": ["M", "a", "b"]}}}),
            "Resources.F.Properties.Environment.Variables",
            "Fn::FindInMap",
        ),
    ] {
        let mut props = extra.clone();
        props["Profiling"] = json!(true);
        assert_problem("us-east-1", single(python(props)), path, needle);
    }
}

#[test]
fn regions_without_the_layer_or_the_service() {
    assert_problem(
        "eu-south-1",
        single(python(json!({"Profiling": true}))),
        "Resources.F.Properties.Profiling",
        "no CodeGuru Profiler Python agent layer is published in eu-south-1",
    );
    assert_problem(
        "eu-south-1",
        single(python(json!({"Profiling": true}))),
        "Resources.F.Properties.Profiling",
        "PythonLayerArn",
    );
    assert_problem(
        "ca-central-1",
        single(python(json!({"Profiling": true}))),
        "Resources.F.Properties.Profiling",
        "ca-central-1 has no CodeGuru Profiler service",
    );
    assert_problem(
        "ca-central-1",
        single(python(json!({"Profiling": {"ProfilingGroup": "by-name"}}))),
        "Resources.F.Properties.Profiling.ProfilingGroup",
        "give the ARN",
    );
    let mirrored = single(python(
        json!({"Profiling": {"LayerArn": "arn:aws:lambda:eu-south-1:111122223333:layer:mirror:3",
        "ProfilingGroup": "arn:aws:codeguru-profiler:eu-central-1:111122223333:profilingGroup/g"}}),
    ));
    let out = run_in("eu-south-1", &mirrored, Value::Null, json!({})).unwrap();
    assert_eq!(
        out["Resources"]["F"]["Properties"]["Layers"],
        json!(["arn:aws:lambda:eu-south-1:111122223333:layer:mirror:3"])
    );
}

#[test]
fn broken_templates() {
    let go = |t: Value| problems_in("us-east-1", &t);
    assert!(
        go(json!({"Description": "x"}))[0].starts_with("Resources: the template has no Resources section")
    );
    assert!(go(json!({"Resources": []}))[0].starts_with("Resources: Resources must be an object"));
    assert!(
        go(json!({"Resources": {"X": {"Properties": {}}}}))[0]
            .starts_with("Resources.X: the resource has no Type")
    );
    assert!(
        go(json!({"Resources": {"X": {"Type": 3}}}))[0].starts_with("Resources.X: Type must be a string")
    );
    assert!(
        go(json!({"Resources": {"X": "oops"}}))[0].starts_with("Resources.X: a resource must be an object")
    );
    assert!(go(json!([1]))[0].starts_with("fragment: the template must be a JSON object"));
}

#[test]
fn every_problem_is_listed_not_just_the_first() {
    let t = json!({"Resources": {
        "A": python(json!({"Profiling": "yes"})),
        "B": python(json!({"Profiling": true, "Runtime": "nodejs20.x", "Layers": ["1", "2", "3", "4", "5"]})),
        "C": function(json!({"Runtime": "java17", "Profiling": {"Colour": "red", "LayerVersion": "x"}})),
        "Role": role()}});
    let problems = problems_in("us-east-1", &t);
    let paths: Vec<&str> = problems.iter().map(|p| p.split(": ").next().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "Resources.A.Properties.Profiling",
            "Resources.B.Properties.Runtime",
            "Resources.C.Properties.Profiling.Colour",
            "Resources.C.Properties.Profiling.LayerVersion",
        ],
        "{problems:#?}"
    );
    let t = json!({"Resources": {"B": python(json!({"Profiling": true, "Layers": ["1", "2", "3", "4", "5"], "Environment": {"Ref": "E"}})), "Role": role()}});
    assert_eq!(
        problems_in("us-east-1", &t).len(),
        2,
        "layer and environment problems of one function are both listed"
    );
}

#[test]
fn problems_leave_the_template_untouched() {
    let t = json!({"Resources": {"Good": python(json!({"Profiling": true})), "Bad": python(json!({"Profiling": 3})), "Role": role()}});
    let message = run(&t).unwrap_err().to_string();
    assert!(
        message.starts_with("LambdaProfiling found 1 problem:\n- Resources.Bad.Properties.Profiling: "),
        "{message}"
    );
    let ok =
        run(&json!({"Resources": {"Good": python(json!({"Profiling": true})), "Role": role()}})).unwrap();
    assert_eq!(ok["Resources"]["Good"]["Properties"]["Layers"], json!([PY_LAYER]));
}

#[test]
fn bad_transform_parameters_are_reported() {
    let t = single(python(json!({})));
    let err = run_in(
        "us-east-1",
        &t,
        json!({"Profiling": "yes", "Tags": ["x"]}),
        json!({}),
    )
    .unwrap_err();
    let lines: Vec<String> = err.0.iter().map(ToString::to_string).collect();
    assert!(
        lines[0].starts_with("Transform(LambdaProfiling).Parameters.Profiling: expected true or false"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("Transform(LambdaProfiling).Parameters.Tags: Tags must be an object"),
        "{lines:?}"
    );
}

#[test]
fn a_layer_that_lacks_the_runtimes_agent_is_refused_where_asked_and_skipped_by_default() {
    assert_problem(
        "us-east-1",
        single(python(json!({"Profiling": {"LayerVersion": 11}}))),
        "Resources.F.Properties.Profiling.LayerVersion",
        "does not carry the agent for python3.12",
    );
    assert_problem(
        "us-east-1",
        single(python(json!({"Runtime": "python3.14", "Profiling": true}))),
        "Resources.F.Properties.Profiling",
        "carries the agent for python3.14",
    );
    // Under the template-wide default, the same functions are left as they are.
    let t = json!({"Resources": {"Old": python(json!({})), "New": python(json!({"Runtime": "python3.14"})), "Role": role()}});
    let out = run_in(
        "us-east-1",
        &t,
        json!({"Profiling": true, "PythonLayerVersion": 12}),
        json!({}),
    )
    .unwrap();
    assert_eq!(out["Resources"]["Old"], t["Resources"]["Old"]);
    assert_eq!(out["Resources"]["New"], t["Resources"]["New"]);
}

#[test]
fn a_layer_arn_that_cannot_start_the_agent_is_refused_where_it_was_written() {
    let publisher = |name: &str, v: u32| format!("arn:aws:lambda:us-east-1:157417159150:layer:{name}:{v}");
    let java_layer = publisher("AWSCodeGuruProfilerJavaAgentLayer", 12);
    let python_layer = publisher("AWSCodeGuruProfilerPythonAgentLambdaLayer", 13);
    assert_problem(
        "us-east-1",
        single(python(json!({"Profiling": {"LayerArn": java_layer}}))),
        "Resources.F.Properties.Profiling.LayerArn",
        "is the Java agent layer; a python3.12 function needs the Python agent layer",
    );
    assert_problem(
        "us-east-1",
        single(python(
            json!({"Runtime": "java17", "Profiling": {"LayerArn": python_layer}}),
        )),
        "Resources.F.Properties.Profiling.LayerArn",
        "is the Python agent layer; a java17 function needs the Java agent layer",
    );
    let t = single(python(json!({"Profiling": true})));
    let old = publisher("AWSCodeGuruProfilerPythonAgentLambdaLayer", 11);
    let problems = match run_in("us-east-1", &t, json!({"PythonLayerArn": old}), json!({})) {
        Ok(_) => panic!("layer 11 on python3.12 was accepted"),
        Err(p) => p.0.iter().map(ToString::to_string).collect::<Vec<_>>(),
    };
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("Transform(LambdaProfiling).Parameters.PythonLayerArn: version 11")),
        "{problems:#?}"
    );
}

#[test]
fn an_agent_layer_the_function_has_that_cannot_start_the_agent_is_refused() {
    let old = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11";
    assert_problem(
        "us-east-1",
        single(python(
            json!({"Profiling": true, "Layers": ["arn:aws:lambda:us-east-1:1:layer:deps:1", old]}),
        )),
        "Resources.F.Properties.Layers[1]",
        "the function already has this agent layer: version 11 of the Python agent layer carries the agent \
         for python3.6 to 3.9 only",
    );
}

#[test]
fn the_summary_names_the_layer_the_output_holds() {
    // A mirror of the agent layer the function has already wins: the summary says so.
    let mirror = "arn:aws:lambda:us-east-1:111122223333:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:4";
    let t = single(python(json!({"Profiling": true, "Layers": [mirror]})));
    let (out, report) = run_with_report("us-east-1", &t);
    assert_eq!(out["Resources"]["F"]["Properties"]["Layers"], json!([mirror]));
    assert!(report.contains(&format!("layer {mirror}")), "{report}");
}

#[test]
fn the_groups_variables_count_at_their_longest() {
    // The created group's name is `${AWS::StackName}-F` at deploy time: up to 130
    // characters, in the name and the ARN the macro writes as intrinsics.
    let vars: serde_json::Map<String, Value> = (0..100)
        .map(|i| (format!("VAR_{i:02}"), json!("v".repeat(24))))
        .collect();
    let function = |profiling: Value| {
        single(python(
            json!({"Profiling": profiling, "Environment": {"Variables": vars}}),
        ))
    };
    assert_problem(
        "us-east-1",
        function(json!(true)),
        "Resources.F.Properties.Environment.Variables",
        "the group's name at its longest",
    );
    // A short name the template gives leaves room.
    assert!(run(&function(json!({"ProfilingGroupName": "g"}))).is_ok());
}

#[test]
fn an_environment_is_measured_as_lambda_measures_it() {
    // Names and values fit in 4 KB with the agent's; their compact JSON, which is what
    // Lambda measures (six bytes more a variable), does not. Lambda would refuse the
    // deploy with a message that quotes every variable and value.
    let vars: serde_json::Map<String, Value> = (0..100)
        .map(|i| (format!("VAR_{i:02}"), json!("v".repeat(28))))
        .collect();
    let names_and_values: usize = vars
        .iter()
        .map(|(k, v)| k.len() + v.as_str().unwrap().len())
        .sum();
    assert!(names_and_values + 200 < 4096);
    assert_problem(
        "us-east-1",
        single(python(
            json!({"Profiling": true, "Environment": {"Variables": vars}}),
        )),
        "Resources.F.Properties.Environment.Variables",
        "measures 4564 bytes (as Lambda measures it: the compact JSON",
    );
}
