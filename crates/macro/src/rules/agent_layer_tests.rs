use serde_json::json;

use super::*;
use crate::context::LayerSource;

const PY: &str = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:";

fn layer(runtimes: &[&str], opts: &Options, settings: &TransformSettings, region: &str) -> Checked<Value> {
    let family = crate::agent::classify_runtime(runtimes[0]).unwrap();
    agent_layer(
        family,
        runtimes,
        opts,
        settings,
        LayerSource::Region(region, &Published::default()),
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
        LayerSource::Mapped,
        at,
    );
    let layer = built_in.unwrap();
    assert_eq!(
        layer,
        json!({"Fn::FindInMap": [LAYER_MAPPING, {"Ref": "AWS::Region"}, "Python13"]})
    );
    assert_eq!(mapped(&layer), Some((Family::Python, 13)));
    let java = agent_layer(
        Family::Java,
        &["java17"],
        &pinned,
        &settings,
        LayerSource::Mapped,
        at,
    )
    .unwrap();
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

/// What a region publishes, as the edge would find it: versions from the built-in one up,
/// each with the runtimes it lists.
fn published(region: &str, python: &[(u32, &[&str])]) -> Published {
    let mut p = Published::default();
    for (v, listed) in python {
        let arn = Family::Python.layer_arn(region, *v).unwrap();
        p.insert(arn, Some(listed.iter().map(|r| r.to_string()).collect()));
    }
    p.mark_complete(Family::Python, region, 11..=20);
    p
}

fn resolved(runtime: &str, opts: &Options, settings: &TransformSettings, p: &Published) -> Checked<Value> {
    let source = LayerSource::Region("eu-west-1", p);
    agent_layer(
        Family::Python,
        &[runtime],
        opts,
        settings,
        source,
        "Resources.F.Properties.Profiling",
    )
}

const OLD: &[&str] = &["python3.8", "python3.9"];
const NEW: &[&str] = &["python3.10", "python3.11", "python3.12", "python3.13"];

#[test]
fn the_newest_published_version_that_serves_the_runtime_is_taken() {
    let none = Options::default();
    let settings = TransformSettings::default();
    let p = published(
        "eu-west-1",
        &[(11, OLD), (12, OLD), (13, &["python3.12"]), (14, &["python3.14"])],
    );
    let chosen = |runtime| version(resolved(runtime, &none, &settings, &p));
    assert_eq!(chosen("python3.9"), "13", "the table knows 13 holds python3.9");
    assert_eq!(
        chosen("python3.12"),
        "13",
        "14, newer than the table, does not list it"
    );
    assert_eq!(chosen("python3.14"), "14", "beyond the built-in table");

    // A region with fewer versions: 13 is not there, so nothing serves python3.12.
    let fewer = published("eu-west-1", &[(11, OLD), (12, OLD)]);
    let refused = resolved("python3.12", &none, &settings, &fewer).unwrap_err();
    let text: String = refused.into_iter().map(|p| p.to_string()).collect();
    for needle in [
        "Resources.F.Properties.Profiling",
        "python3.12",
        "eu-west-1",
        "11 (python3.8, python3.9)",
        "12 (",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
}

fn problems(checked: Checked<Value>) -> String {
    checked.unwrap_err().into_iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_listing_never_overrules_what_the_built_in_table_knows() {
    let none = Options::default();
    let settings = TransformSettings::default();
    // Layer 12 lists python3.12 but holds the agent for python3.6-3.9 only.
    let p = published("eu-west-1", &[(11, OLD), (12, &["python3.9", "python3.12"])]);
    let text = problems(resolved("python3.12", &none, &settings, &p));
    assert!(
        text.contains("serves python3.12") && text.contains("12 (python3.9, python3.12)"),
        "{text}"
    );
    // A version newer than the table is judged by its listing; one that lists no runtime,
    // by the table alone.
    let newer = published("eu-west-1", &[(13, NEW), (14, &["python3.14"])]);
    assert_eq!(version(resolved("python3.12", &none, &settings, &newer)), "13");
    let unlisted = published("eu-west-1", &[(13, NEW), (14, &[])]);
    assert_eq!(version(resolved("python3.12", &none, &settings, &unlisted)), "14");
}

#[test]
fn a_pinned_version_must_exist_and_serve_the_runtime() {
    let settings = TransformSettings::default();
    let p = published(
        "eu-west-1",
        &[(11, OLD), (12, OLD), (13, NEW), (14, &["python3.14"])],
    );
    let pin = |v| Options {
        layer: LayerOverride {
            version: Some(v),
            arn: None,
        },
        ..Options::default()
    };
    assert_eq!(version(resolved("python3.12", &pin(13), &settings, &p)), "13");
    let missing = problems(resolved("python3.12", &pin(15), &settings, &p));
    assert!(
        missing.contains("Profiling.LayerVersion") && missing.contains("does not exist"),
        "{missing}"
    );
    let wrong = problems(resolved("python3.12", &pin(14), &settings, &p));
    assert!(
        wrong.contains("does not serve python3.12") && wrong.contains("lists: python3.14"),
        "{wrong}"
    );

    // Below the versions probed, the version is taken, and asked about.
    assert_eq!(version(resolved("python3.9", &pin(9), &settings, &p)), "9");
    let asked = p.take_asked();
    assert_eq!(asked, vec![Family::Python.layer_arn("eu-west-1", 9).unwrap()]);
}

#[test]
fn a_pinned_arn_is_checked_when_it_is_known_and_asked_about_when_not() {
    let settings = TransformSettings::default();
    let mirror = "arn:aws:lambda:eu-west-1:111122223333:layer:mirror:3";
    let pin = Options {
        layer: LayerOverride {
            version: None,
            arn: Some(json!(mirror)),
        },
        ..Options::default()
    };
    let mut p = published("eu-west-1", &[(13, NEW)]);
    assert_eq!(
        resolved("python3.12", &pin, &settings, &p).unwrap(),
        json!(mirror)
    );
    assert_eq!(p.take_asked(), vec![mirror.to_string()]);
    p.insert(mirror.into(), None);
    let gone = resolved("python3.12", &pin, &settings, &p)
        .unwrap_err()
        .into_iter()
        .map(|p| p.to_string())
        .collect::<String>();
    assert!(
        gone.contains("Profiling.LayerArn") && gone.contains("does not exist"),
        "{gone}"
    );
    p.insert(mirror.into(), Some(vec!["python3.11".into()]));
    assert!(resolved("python3.12", &pin, &settings, &p).is_err());
    assert!(resolved("python3.11", &pin, &settings, &p).is_ok());
    assert!(p.take_asked().is_empty());
}

#[test]
fn the_self_built_layer_serves_only_what_no_published_layer_does() {
    let own = "arn:aws:lambda:us-east-1:111122223333:layer:LambdaProfilingPythonAgent:3";
    let mut settings = TransformSettings::default();
    settings.python_layer.arn = Some(json!(own));
    let none = Options::default();
    assert_eq!(
        layer(&["python3.12"], &none, &settings, "us-east-1").unwrap(),
        json!(format!("{PY}13")),
        "a published layer serves python3.12: the self-built one steps aside"
    );
    assert_eq!(
        layer(&["python3.14"], &none, &settings, "us-east-1").unwrap(),
        json!(own)
    );
    assert_eq!(
        layer(&["python3.12", "python3.14"], &none, &settings, "us-east-1").unwrap(),
        json!(own),
        "under Fn::If, one layer must serve both branches"
    );
    let far = "arn:aws:lambda:eu-south-1:111122223333:layer:LambdaProfilingPythonAgent:1";
    settings.python_layer.arn = Some(json!(far));
    assert_eq!(
        layer(&["python3.12"], &none, &settings, "eu-south-1").unwrap(),
        json!(far),
        "a region without the publisher's layers"
    );

    // The function's own choice, and a mirror as the transform's, serve every runtime.
    settings.python_layer.arn = Some(json!(own));
    let pinned = Options {
        layer: LayerOverride {
            version: None,
            arn: Some(json!(own)),
        },
        ..Default::default()
    };
    assert_eq!(
        layer(&["python3.12"], &pinned, &settings, "us-east-1").unwrap(),
        json!(own)
    );
    let mirror = "arn:aws:lambda:us-east-1:111122223333:layer:CodeGuruMirror:2";
    settings.python_layer.arn = Some(json!(mirror));
    assert_eq!(
        layer(&["python3.12"], &none, &settings, "us-east-1").unwrap(),
        json!(mirror)
    );
}

#[test]
fn a_published_version_for_the_runtime_wins_over_the_self_built_layer() {
    let own = "arn:aws:lambda:us-east-1:111122223333:layer:LambdaProfilingPythonAgent:3";
    let mut settings = TransformSettings::default();
    settings.python_layer.arn = Some(json!(own));
    let mut published = Published::default();
    for v in 11..=14 {
        let listed = if v == 14 {
            vec!["python3.14".to_string()]
        } else {
            vec![]
        };
        published.insert(format!("{PY}{v}"), Some(listed));
    }
    published.mark_complete(Family::Python, "us-east-1", 11..=18);
    let at = |runtime: &str| {
        agent_layer(
            Family::Python,
            &[runtime],
            &Options::default(),
            &settings,
            LayerSource::Region("us-east-1", &published),
            "Resources.F.Properties.Profiling",
        )
    };
    assert_eq!(at("python3.14").unwrap(), json!(format!("{PY}14")));
    assert_eq!(
        at("python3.15").unwrap(),
        json!(own),
        "nothing published serves it"
    );
}

#[test]
fn the_self_built_layer_is_an_agent_layer() {
    let own = "arn:aws:lambda:us-east-1:111122223333:layer:LambdaProfilingPythonAgent:3";
    assert!(crate::agent::is_agent_layer(own, Family::Python));
    assert!(!crate::agent::is_agent_layer(own, Family::Java));
    assert!(crate::agent::is_self_built_layer(own));
    assert!(!crate::agent::is_self_built_layer(&format!("{PY}13")));
}

#[test]
fn a_pinned_version_stays_where_the_self_built_layer_steps_aside() {
    let own = "arn:aws:lambda:us-east-1:111122223333:layer:LambdaProfilingPythonAgent:3";
    let mut settings = TransformSettings {
        python_layer: LayerOverride {
            version: Some(14),
            arn: Some(json!(own)),
        },
        ..Default::default()
    };
    let none = Options::default();
    assert_eq!(
        version(layer(&["python3.12"], &none, &settings, "us-east-1")),
        "14"
    );
    settings.python_layer.version = Some(12);
    assert_eq!(
        layer(&["python3.12"], &none, &settings, "us-east-1").unwrap(),
        json!(own),
        "12 does not carry python3.12: the self-built layer serves it"
    );
    assert_eq!(
        version(layer(&["python3.9"], &none, &settings, "us-east-1")),
        "12"
    );
}

#[test]
fn the_self_built_layer_is_refused_for_java() {
    let own = "arn:aws:lambda:us-east-1:111122223333:layer:LambdaProfilingPythonAgent:3";
    let why = crate::agent::layer_mismatch(own, Family::Java, "java21").expect("a Python layer");
    assert!(why.contains("Python agent layer"), "{why}");
    assert_eq!(
        crate::agent::layer_mismatch(own, Family::Python, "python3.14"),
        None
    );
}
