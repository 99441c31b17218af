//! Property tests over generated templates with random intrinsic shapes: the macro
//! never panics, never changes what it was not asked to, is idempotent, and writes
//! valid JSON; problems always name a path.

use lambda_profiling_macro::{
    FunctionOutcome, Lane, Lanes, MacroStatus, Options, ParameterValues, answer_with,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const PARAMS: [&str; 3] = ["P1", "P2", "Layers"];
const IDS: [&str; 4] = ["F1", "F2", "Role", "Group"];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("python3.12")),
        Just(json!("java21")),
        Just(json!("nodejs22.x")),
        Just(json!("java8")),
        Just(json!("arm64")),
        Just(json!("x86_64")),
        Just(json!(
            "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:3"
        )),
        Just(json!("arn:aws:iam::123456789012:role/r")),
        Just(json!("AWS_LAMBDA_EXEC_WRAPPER")),
        "[a-z]{0,6}".prop_map(Value::String),
        any::<i32>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ]
}

/// Values, with the intrinsic shapes templates use, nested a few levels.
fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        let name = prop_oneof![
            proptest::sample::select(PARAMS.to_vec()),
            proptest::sample::select(IDS.to_vec()),
            Just("AWS::NoValue"),
            Just("Missing"),
        ];
        prop_oneof![
            name.clone().prop_map(|n| json!({"Ref": n})),
            name.clone().prop_map(|n| json!({"Fn::GetAtt": [n, "Arn"]})),
            name.prop_map(|n| json!({"Fn::GetAtt": format!("{n}.Arn")})),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| json!({"Fn::If": ["C", a, b]})),
            inner.clone().prop_map(|v| json!({"Fn::If": ["C", v]})),
            "[a-z${}:]{0,8}".prop_map(|s| json!({"Fn::Sub": s})),
            inner.clone().prop_map(|v| json!({"Fn::Split": [",", v]})),
            prop::collection::vec(inner.clone(), 0..7).prop_map(Value::Array),
            prop::collection::btree_map("[A-Z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn profiling() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        4 => Just(None),
        6 => Just(Some(json!(true))),
        1 => Just(Some(json!(false))),
        1 => Just(Some(json!("True"))),
        1 => Just(Some(json!("yes"))),
        1 => Just(Some(json!({"Enabled": false}))),
        2 => Just(Some(json!({"ProfilingGroup": {"Ref": "Group"}}))),
        2 => Just(Some(json!({"ProfilingGroupName": "g", "Retain": true}))),
        2 => Just(Some(json!({"LayerVersion": 4, "HeapSummary": true}))),
        1 => Just(Some(json!({"Enabld": true}))),
        1 => value().prop_map(Some),
    ]
}

/// Mostly shapes a real template has, sometimes anything at all.
fn mostly(usual: impl Strategy<Value = Option<Value>> + 'static) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![12 => usual, 1 => prop::option::of(value())]
}

fn function() -> impl Strategy<Value = Value> {
    let runtime = prop_oneof![
        8 => Just(json!("python3.12")),
        4 => Just(json!("java21")),
        4 => Just(json!({"Ref": "P1"})),
        2 => Just(json!({"Fn::If": ["C", "python3.11", "python3.13"]})),
        1 => scalar(),
        1 => value(),
    ];
    let layers = mostly(prop_oneof![
        Just(None),
        Just(Some(json!(["arn:aws:lambda:us-east-1:1:layer:a:1"]))),
        Just(Some(json!({"Ref": "Layers"}))),
        Just(Some(
            json!({"Fn::If": ["C", ["arn:aws:lambda:us-east-1:1:layer:b:2"], {"Ref": "AWS::NoValue"}]})
        )),
    ]);
    let env = mostly(prop_oneof![
        Just(None),
        Just(Some(json!({"Variables": {"A": "1"}}))),
        Just(Some(
            json!({"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel", "JAVA_TOOL_OPTIONS": "-Xmx1g"}})
        )),
        Just(Some(
            json!({"Fn::If": ["C", {"Variables": {"B": {"Ref": "P2"}}}, {"Ref": "AWS::NoValue"}]})
        )),
    ]);
    let role = mostly(prop_oneof![
        3 => Just(Some(json!({"Fn::GetAtt": ["Role", "Arn"]}))),
        1 => Just(Some(json!({"Fn::GetAtt": "Role.Arn"}))),
        1 => Just(Some(json!({"Ref": "P2"}))),
        1 => Just(Some(json!("arn:aws:iam::123456789012:role/x"))),
        1 => Just(None),
    ]);
    let arch = mostly(
        prop_oneof![3 => Just(None), 1 => Just(Some(json!(["x86_64"]))), 1 => Just(Some(json!(["arm64"])))],
    );
    let handler = mostly(Just(Some(json!("app.handler"))));
    let depends = mostly(
        prop_oneof![3 => Just(None), 1 => Just(Some(json!("Queue"))), 1 => Just(Some(json!(["Queue"])))],
    );
    let props = (runtime, arch, layers, env, role, handler, profiling());
    (any::<bool>(), props, depends, any::<bool>()).prop_map(
        |(sam, (rt, arch, layers, env, role, handler, prof), depends, conditional)| {
            let mut p = Map::new();
            p.insert("Runtime".into(), rt);
            let optional = [
                ("Architectures", arch),
                ("Layers", layers),
                ("Environment", env),
                ("Role", role),
                ("Handler", handler),
                ("Profiling", prof),
            ];
            for (k, v) in optional {
                if let Some(v) = v {
                    p.insert(k.into(), v);
                }
            }
            let ty = if sam {
                "AWS::Serverless::Function"
            } else {
                "AWS::Lambda::Function"
            };
            let mut r = json!({"Type": ty, "Properties": p});
            if let Some(d) = depends {
                r["DependsOn"] = d;
            }
            if conditional {
                r["Condition"] = json!("C");
            }
            r
        },
    )
}

fn template() -> impl Strategy<Value = (Value, Value, Value)> {
    let role = mostly(prop_oneof![
        Just(None),
        Just(Some(json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"]))),
        Just(Some(json!({"Ref": "Layers"})))
    ])
    .prop_map(|arns| match arns {
        Some(a) => json!({"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": a}}),
        None => json!({"Type": "AWS::IAM::Role", "Properties": {}}),
    });
    let param_value = prop_oneof![
        3 => Just(json!("python3.12")),
        1 => Just(json!("java17")),
        2 => Just(json!(["arn:aws:lambda:us-east-1:1:layer:l:1"])),
        1 => value(),
    ];
    // Usually the parameters have the values a deployed stack would have; sometimes anything.
    let values = (
        any::<bool>(),
        prop::collection::btree_map(proptest::sample::select(PARAMS.to_vec()), param_value, 0..3),
    )
        .prop_map(|(usual, random)| {
            let mut values = std::collections::BTreeMap::new();
            if usual {
                values.insert("P1", json!("python3.12"));
                values.insert("P2", json!("arn:aws:iam::123456789012:role/p2"));
                values.insert("Layers", json!(["arn:aws:lambda:us-east-1:1:layer:l:1"]));
            }
            values.extend(random);
            values
        });
    let params = prop_oneof![8 => Just(Value::Null), 8 => Just(json!({"Profiling": true})), 1 => Just(json!({"Profiling": "nope"}))];
    let globals = prop_oneof![12 => Just(None), 2 => Just(Some(json!(true))), 2 => Just(Some(json!(false))), 1 => value().prop_map(Some)];
    (function(), function(), role, values, params, globals).prop_map(|(f1, f2, role, values, params, globals)| {
        let mut t = json!({
            "Parameters": {"P1": {"Type": "String"}, "P2": {"Type": "String"}, "Layers": {"Type": "CommaDelimitedList"}},
            "Conditions": {"C": {"Fn::Equals": ["a", "b"]}},
            "Resources": {"F1": f1, "F2": f2, "Role": role,
                "Group": {"Type": "AWS::CodeGuruProfiler::ProfilingGroup", "Properties": {"ProfilingGroupName": "g"}},
                "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 1.0}}}
        });
        if let Some(g) = globals {
            t["Globals"] = json!({"Function": {"Profiling": g}});
        }
        (t, Value::Object(values.into_iter().map(|(k, v)| (k.to_string(), v)).collect()), params)
    })
}

thread_local! {
    /// How many templates of this thread the splice lane answered.
    static SPLICED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn run(t: &str, params: &Value, values: &ParameterValues) -> Result<(String, Vec<String>), Vec<String>> {
    let event = format!(
        r#"{{"region":"us-east-1","accountId":"123456789012","requestId":"r","transformId":"x","params":{},"templateParameterValues":{},"fragment":{t}}}"#,
        params,
        Value::Object(values.clone())
    );
    let token = "arn:aws:lambda:us-east-1:123456789012:function:p";
    let with = |lanes| Options {
        lanes,
        report: true,
        any_region: false,
    };
    let general = answer_with(&event, token, &with(Lanes::General)).expect("a macro request");
    let any = answer_with(&event, token, &with(Lanes::Any)).expect("a macro request");
    // Where the splice lane answers, it writes exactly what the general lane writes.
    if any.lane == Lane::Splice {
        assert_eq!(any.json, general.json, "the splice lane disagrees on {t}");
        assert_eq!(
            any.report, general.report,
            "the splice lane's report disagrees on {t}"
        );
        SPLICED.with(|n| n.set(n.get() + 1));
    }
    let response: Value = serde_json::from_slice(&general.json).expect("the answer is JSON");
    match general.status {
        MacroStatus::Success => {
            let profiled = general
                .report
                .iter()
                .filter(|r| matches!(r.outcome, FunctionOutcome::Profiled { .. }))
                .map(|r| r.id.clone())
                .collect();
            // The fragment's text as written: `{"requestId":…,"status":"success","fragment":…}`.
            let json = std::str::from_utf8(&general.json).expect("UTF-8");
            let at = json.find(r#""fragment":"#).expect("a fragment") + r#""fragment":"#.len();
            let fragment = &json[at..json.len() - 1];
            assert_eq!(
                serde_json::from_str::<Value>(fragment).ok().as_ref(),
                Some(&response["fragment"])
            );
            Ok((fragment.to_string(), profiled))
        }
        MacroStatus::Failure => Err(general.problems.iter().map(|p| p.path.clone()).collect()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn the_macro_holds_on_generated_templates((t, values, params) in template()) {
        let text = serde_json::to_string(&t).unwrap();
        let values: ParameterValues = values.as_object().unwrap().clone();
        match run(&text, &params, &values) {
            Err(paths) => {
                prop_assert!(!paths.is_empty());
                for p in paths {
                    prop_assert!(["Resources", "Transform", "Globals", "fragment"].iter().any(|s| p.starts_with(s)), "path {}", p);
                }
            }
            Ok((out, profiled)) => {
                let parsed: Value = serde_json::from_str(&out).expect("valid JSON");
                let raw_queue = r#""Queue":{"Type":"AWS::SQS::Queue","Properties":{"DelaySeconds":1.0}}"#;
                prop_assert!(out.contains(raw_queue), "an untouched resource is written back as it came");
                prop_assert_eq!(&parsed["Resources"]["Group"], &t["Resources"]["Group"]);
                for id in ["F1", "F2"] {
                    if !profiled.iter().any(|p| p == id) {
                        let mut expected = t["Resources"][id].clone();
                        expected["Properties"].as_object_mut().unwrap().shift_remove("Profiling");
                        // An opt-out is the one addition allowed: it is kept in Metadata.
                        let mut actual = parsed["Resources"][id].clone();
                        if let Some(m) = actual.as_object_mut().and_then(|r| r.shift_remove("Metadata")) {
                            prop_assert_eq!(m, json!({"LambdaProfiling": {"Profiling": false}}));
                        }
                        prop_assert_eq!(&actual, &expected, "{} is not profiled and must not change", id);
                    }
                }
                if profiled.is_empty() {
                    prop_assert_eq!(&parsed["Resources"]["Role"], &t["Resources"]["Role"]);
                }
                let again = run(&out, &params, &values).map(|(o, _)| o);
                prop_assert_eq!(again, Ok(out.clone()), "a second run changes nothing");
            }
        }
    }
}

/// Templates in or near the splice lane's case: plain functions with literal layers and
/// variables (or none), template roles with or without a policy list, conditions, escapes,
/// and now and then something that sends the template to the general lane.
fn common_template() -> impl Strategy<Value = (String, Value)> {
    let text = prop_oneof![
        Just(json!("v")),
        Just(json!("a\"b\\c/é")),
        Just(json!({"Ref": "Queue"})),
        Just(json!(3)),
        "[a-z]{0,5}".prop_map(Value::String)
    ];
    let variables = prop::collection::btree_map("[A-Z_]{1,5}", text, 0..4);
    let function = (
        prop_oneof![Just("python3.12"), Just("java17"), Just("python3.9"), Just("nodejs22.x")],
        prop_oneof![3 => Just(Some(json!(true))), 1 => Just(Some(json!("True"))), 2 => Just(None), 1 => Just(Some(json!(false)))],
        prop::option::of(prop::collection::vec("arn:aws:lambda:us-east-1:1:layer:[a-z]{1,3}:1", 0..3)),
        prop::option::of(prop::option::of(variables)),
        prop_oneof![Just(json!({"Fn::GetAtt": ["Role", "Arn"]})), Just(json!({"Fn::GetAtt": "Shared.Arn"}))],
        any::<bool>(),
    )
        .prop_map(|(runtime, profiling, layers, environment, role, conditional)| {
            let mut p = json!({"Runtime": runtime, "Handler": "app.handler", "Role": role, "Timeout": 3});
            if let Some(v) = profiling {
                p["Profiling"] = v;
            }
            if let Some(l) = layers {
                p["Layers"] = json!(l);
            }
            match environment {
                Some(Some(vars)) => p["Environment"] = json!({"Variables": vars}),
                Some(None) => p["Environment"] = json!({}),
                None => {}
            }
            let mut f = json!({"Type": "AWS::Lambda::Function", "Properties": p});
            if conditional {
                f["Condition"] = json!("C");
            }
            f
        });
    let role_arns = prop_oneof![
        Just(None),
        Just(Some(json!(["arn:aws:iam::aws:policy/ReadOnlyAccess", "x\\y"]))),
        Just(Some(json!([
            "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"
        ]))),
    ];
    let params = prop_oneof![
        Just(Value::Null),
        Just(json!({"Profiling": true})),
        Just(json!({"Profiling": true, "Retain": true, "Tags": {"t": "v"}}))
    ];
    (
        prop::collection::vec(function, 1..5),
        role_arns,
        params,
        any::<bool>(),
    )
        .prop_map(|(functions, arns, params, pretty)| {
            let mut resources = Map::new();
            resources.insert("Queue".into(), json!({"Type": "AWS::SQS::Queue"}));
            for (i, f) in functions.into_iter().enumerate() {
                resources.insert(format!("Fn-{i}"), f);
            }
            resources.insert("FnProfilingGroup".into(), json!({"Type": "AWS::SNS::Topic"}));
            let role_props = match arns {
                Some(a) => json!({"ManagedPolicyArns": a, "Path": "/"}),
                None => json!({"Path": "/"}),
            };
            resources.insert(
                "Role".into(),
                json!({"Type": "AWS::IAM::Role", "Properties": role_props}),
            );
            resources.insert(
                "Shared".into(),
                json!({"Type": "AWS::IAM::Role", "Properties": {}}),
            );
            let t = json!({"Conditions": {"C": {"Fn::Equals": ["a", "b"]}}, "Resources": resources});
            let text = if pretty {
                serde_json::to_string_pretty(&t).unwrap()
            } else {
                t.to_string()
            };
            (text, params)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `run` holds the splice lane to the general lane wherever it answers.
    #[test]
    fn the_splice_lane_writes_what_the_general_lane_writes((text, params) in common_template()) {
        let _ = run(&text, &params, &ParameterValues::new());
    }
}

#[test]
fn the_splice_lane_answers_most_common_templates() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    for _ in 0..256 {
        let (text, params) = common_template().new_tree(&mut runner).unwrap().current();
        let _ = run(&text, &params, &ParameterValues::new());
    }
    let spliced = SPLICED.with(|n| n.get());
    println!("the splice lane answered {spliced} of 256 templates near its case");
    assert!((64..256).contains(&spliced), "{spliced}");
}

/// The generator must reach every interesting case, or the property above proves little.
#[test]
fn generated_templates_cover_profiled_skipped_and_failing_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut profiled, mut unchanged, mut failed) = (0, 0, 0);
    for _ in 0..512 {
        let (t, values, params) = template().new_tree(&mut runner).unwrap().current();
        let values: ParameterValues = values.as_object().unwrap().clone();
        match run(&serde_json::to_string(&t).unwrap(), &params, &values) {
            Ok((_, p)) if !p.is_empty() => profiled += 1,
            Ok(_) => unchanged += 1,
            Err(p) => {
                failed += 1;
                if std::env::var("SHOW_PROBLEMS").is_ok() {
                    println!("{p:?}");
                }
            }
        }
    }
    println!("generated: {profiled} with profiled functions, {unchanged} with none, {failed} with problems");
    assert!(
        profiled >= 25 && unchanged >= 25 && failed >= 25,
        "{profiled}/{unchanged}/{failed}"
    );
}
