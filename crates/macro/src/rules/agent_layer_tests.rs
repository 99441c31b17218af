use serde_json::json;

use super::*;

const PY: &str = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:";

fn layer(runtimes: &[&str], opts: &Options, settings: &TransformSettings, region: &str) -> Checked<Value> {
    let family = crate::agent::classify_runtime(runtimes[0]).unwrap();
    agent_layer(
        family,
        runtimes,
        opts,
        settings,
        Some(region),
        "Resources.F.Properties.Profiling",
    )
}

fn version(v: Checked<Value>) -> String {
    let arn = v.unwrap();
    arn.as_str().unwrap().rsplit(':').next().unwrap().to_string()
}

#[test]
fn picks_the_layer_by_precedence() {
    let mut settings = TransformSettings::default();
    let none = Options::default();
    assert_eq!(
        layer(&["python3.12"], &none, &settings, "us-east-1").unwrap(),
        json!(format!("{PY}13"))
    );
    settings.python_layer.version = Some(7);
    assert_eq!(version(layer(&["python3.9"], &none, &settings, "us-east-1")), "7");
    let own = Options {
        layer: LayerOverride {
            version: Some(14),
            arn: None,
        },
        ..Default::default()
    };
    assert_eq!(
        version(layer(&["python3.12"], &own, &settings, "us-east-1")),
        "14"
    );
    let err = layer(&["java21"], &none, &settings, "eu-south-1").unwrap_err();
    assert!(
        err[0].message.contains("eu-south-1") && err[0].message.contains("JavaLayerArn"),
        "{err:?}"
    );
    settings.java_layer.arn = Some(json!("arn:aws:lambda:eu-south-1:1:layer:mirror:1"));
    assert_eq!(
        layer(&["java21"], &none, &settings, "eu-south-1").unwrap(),
        json!("arn:aws:lambda:eu-south-1:1:layer:mirror:1")
    );
}

#[test]
fn the_built_in_layer_follows_the_runtime() {
    let (none, settings) = (Options::default(), TransformSettings::default());
    assert_eq!(
        version(layer(&["python3.9"], &none, &settings, "us-east-1")),
        "11",
        "the contract's default"
    );
    assert_eq!(
        version(layer(&["python3.12"], &none, &settings, "us-east-1")),
        "13"
    );
    // Under Fn::If, one layer that carries both.
    assert_eq!(
        version(layer(&["python3.9", "python3.12"], &none, &settings, "us-east-1")),
        "13"
    );
    let err = layer(&["python3.14"], &none, &settings, "us-east-1").unwrap_err();
    assert_eq!(err[0].path, "Resources.F.Properties.Profiling");
    assert!(
        err[0].message.contains("python3.14") && err[0].message.contains("LayerArn"),
        "{err:?}"
    );
}

#[test]
fn a_layer_version_without_the_runtimes_agent_is_refused_where_it_was_asked_for() {
    let mut settings = TransformSettings::default();
    let own = Options {
        layer: LayerOverride {
            version: Some(11),
            arn: None,
        },
        ..Default::default()
    };
    let err = layer(&["python3.12"], &own, &settings, "us-east-1").unwrap_err();
    assert_eq!(err[0].path, "Resources.F.Properties.Profiling.LayerVersion");
    assert!(
        err[0].message.contains("python3.12") && err[0].message.contains("13 or later"),
        "{err:?}"
    );
    settings.python_layer.version = Some(12);
    let err = layer(&["python3.11"], &Options::default(), &settings, "us-east-1").unwrap_err();
    assert_eq!(
        err[0].path,
        "Transform(LambdaProfiling).Parameters.PythonLayerVersion"
    );
    assert_eq!(
        version(layer(&["python3.9"], &Options::default(), &settings, "us-east-1")),
        "12"
    );
}

#[test]
fn for_any_region_the_layer_comes_from_the_table() {
    let settings = TransformSettings::default();
    let pinned = Options {
        layer: LayerOverride {
            version: Some(11),
            arn: None,
        },
        ..Options::default()
    };
    let at = "Resources.F.Properties.Profiling";
    let built_in = agent_layer(
        Family::Python,
        &["python3.12"],
        &Options::default(),
        &settings,
        None,
        at,
    );
    let layer = built_in.unwrap();
    assert_eq!(
        layer,
        json!({"Fn::FindInMap": [LAYER_MAPPING, {"Ref": "AWS::Region"}, "Python13"]})
    );
    assert_eq!(mapped(&layer), Some((Family::Python, 13)));
    let java = agent_layer(Family::Java, &["java17"], &pinned, &settings, None, at).unwrap();
    assert_eq!(mapped(&java), Some((Family::Java, 11)));
    assert_eq!(
        mapped(&json!({"Fn::FindInMap": ["Other", {"Ref": "AWS::Region"}, "Python13"]})),
        None
    );

    let used = [(Family::Python, 13), (Family::Java, 11)].into_iter().collect();
    let table = layer_mapping(&used);
    let regions: Vec<&String> = table.as_object().unwrap().keys().collect();
    assert_eq!(regions.len(), crate::agent::SERVICE_REGIONS.len(), "{regions:?}");
    assert_eq!(
        table["eu-north-1"]["Python13"],
        "arn:aws:lambda:eu-north-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13"
    );
    assert_eq!(
        table["ap-southeast-2"]["Java11"],
        "arn:aws:lambda:ap-southeast-2:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:11"
    );
}
