use super::*;
use serde_json::json;

fn values() -> ParameterValues {
    serde_json::from_value(json!({"On": "true", "V": "9"})).unwrap()
}

#[test]
fn booleans_in_every_accepted_spelling() {
    for t in [json!(true), json!("true"), json!("True"), json!({"Ref": "On"})] {
        assert_eq!(
            parse_setting(&t, "P", &values()),
            Ok(Setting::On(Options::default())),
            "{t}"
        );
    }
    for f in [json!(false), json!("false"), json!("False")] {
        assert_eq!(parse_setting(&f, "P", &values()), Ok(Setting::Off), "{f}");
    }
}

#[test]
fn bad_profiling_values_name_the_path_and_the_fix() {
    for bad in [json!("yes"), json!(3), json!(null), json!([true])] {
        let err = parse_setting(&bad, "Resources.F.Properties.Profiling", &values()).unwrap_err();
        assert_eq!(err[0].path, "Resources.F.Properties.Profiling");
        assert!(
            err[0]
                .message
                .starts_with("Profiling must be true, false, or an object"),
            "{err:?}"
        );
    }
    let err = parse_setting(&json!({"Enabld": true}), "P", &values()).unwrap_err();
    assert_eq!(err[0].path, "P.Enabld");
    assert!(err[0].message.contains("did you mean Enabled?"), "{err:?}");
    let err = parse_setting(&json!({"Fn::If": ["C", true, false]}), "P", &values()).unwrap_err();
    assert!(err[0].message.contains("Fn::If"));
}

#[test]
fn object_form_reads_every_key() {
    let v = json!({
        "Enabled": "True", "ProfilingGroupName": "g-1", "LayerVersion": "12", "HeapSummary": true,
        "Retain": false, "AnomalyNotificationTopicArn": {"Ref": "Topic"}
    });
    let Setting::On(o) = parse_setting(&v, "P", &values()).unwrap() else {
        panic!("on")
    };
    assert_eq!(o.group_name, Some(json!("g-1")));
    assert_eq!(o.layer.version, Some(12));
    assert!(o.heap_summary);
    assert_eq!(o.retain, Some(false));
    assert_eq!(
        parse_setting(&json!({"Enabled": false}), "P", &values()),
        Ok(Setting::Off)
    );
}

#[test]
fn object_form_collects_every_problem() {
    let v = json!({"LayerVersion": 0, "ProfilingGroupName": "bad name", "LayerArn": "x", "Colour": 1});
    let err = parse_setting(&v, "P", &values()).unwrap_err();
    let paths: Vec<_> = err.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["P.LayerVersion", "P.ProfilingGroupName", "P.LayerArn", "P.Colour"]
    );
}

#[test]
fn transform_parameters() {
    let p = json!({"Profiling": "true", "PythonLayerVersion": {"Ref": "V"}, "Tags": {"team": "a", "n": 1}});
    let s = parse_transform_parameters(Some(&p), &values()).unwrap();
    assert!(s.default_on);
    assert_eq!(s.python_layer.version, Some(9));
    assert_eq!(
        s.tags,
        vec![("team".into(), json!("a")), ("n".into(), json!("1"))]
    );
    let err = parse_transform_parameters(Some(&json!({"Profilng": true})), &values()).unwrap_err();
    assert!(err[0].message.contains("did you mean Profiling?"), "{err:?}");
    assert_eq!(err[0].path, "Transform(LambdaProfiling).Parameters.Profilng");
}

#[test]
fn options_merge_function_over_globals() {
    let global = Options {
        layer: LayerOverride {
            version: Some(3),
            arn: None,
        },
        retain: Some(true),
        ..Default::default()
    };
    let own = Options {
        group: Some(json!("g")),
        ..Default::default()
    };
    let merged = own.over(&global);
    assert_eq!(merged.layer.version, Some(3));
    assert_eq!(merged.retain, Some(true));
    assert_eq!(merged.group, Some(json!("g")));
}

#[test]
fn the_schema_lists_the_keys_the_macro_reads_in_its_order() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    let keys = |definition: &str| -> Vec<String> {
        schema["definitions"][definition]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{definition} has properties"))
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys("ProfilingOptions"), OPTION_KEYS);
    assert_eq!(keys("TransformParameters"), PARAMETER_KEYS);
    for definition in ["ProfilingOptions", "TransformParameters"] {
        assert_eq!(
            schema["definitions"][definition]["additionalProperties"],
            json!(false),
            "{definition}: an unknown key is an error, as in the macro"
        );
    }
}
