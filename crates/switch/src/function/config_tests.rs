use super::*;
use crate::properties::Properties;
use lambda_profiling_macro::agent::env;
use lambda_profiling_macro::agent::{Family, Published};
use lambda_profiling_macro::assess::Function;

const REGION_ARN: &str = "arn:aws:lambda:eu-west-1:111122223333:function:orders";
const PY_DEFAULT: &str =
    "arn:aws:lambda:eu-west-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13";
/// A copy of the agent layer in the user's account: its version numbers are its own.
const PY9: &str = "arn:aws:lambda:eu-west-1:111122223333:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:9";
const USER: &str = "arn:aws:lambda:eu-west-1:111122223333:layer:deps:3";

fn snap(runtime: &str, vars: &[(&str, &str)], layers: &[&str]) -> Snapshot {
    Snapshot {
        function: Function {
            name: "orders".into(),
            arn: REGION_ARN.into(),
            runtime: Some(runtime.into()),
            architectures: vec!["x86_64".into()],
            package_type: Some("Zip".into()),
            role: "arn:aws:iam::123456789012:role/orders-role".into(),
            handler: Some("app.handler".into()),
            layers: layers.iter().map(|s| s.to_string()).collect(),
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            env_error: None,
            stack: None,
        },
        role: "orders-role".into(),
        revision_id: Some("r".into()),
    }
}

fn props() -> Properties {
    Properties {
        target: Target::Function {
            name: "orders".into(),
        },
        group_name: None,
        layer_version: None,
        layer_arn: None,
        heap_summary: false,
    }
}

use crate::properties::Target;

fn plan(s: &Snapshot, p: &Properties, ledger: &Ledger) -> Result<(Desired, Change), String> {
    let d = desired(s, p, ledger, &Published::default()).map_err(|m| m.to_string())?;
    let c = enable(s, &d, ledger).map_err(|m| m.to_string())?;
    Ok((d, c))
}

/// Applies a change to a snapshot, as Lambda would.
fn apply(s: &Snapshot, c: &Change) -> Snapshot {
    let mut applied = s.clone();
    applied.layers = c.layers.clone();
    applied.vars = c.vars.clone();
    applied.handler = c.handler.clone().or(s.handler.clone());
    applied
}

#[test]
fn python_gets_layer_variables_and_wrapper_and_disable_restores() {
    let s = snap("python3.12", &[("DB", "x")], &[USER]);
    let (d, c) = plan(&s, &props(), &Ledger::default()).unwrap();
    assert_eq!(c.layers, [USER, PY_DEFAULT]);
    assert_eq!(c.vars[env::GROUP_NAME], "aws-lambda-orders");
    assert_eq!(
        c.vars[env::GROUP_ARN],
        "arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/aws-lambda-orders"
    );
    assert_eq!(c.vars[env::TARGET_REGION], "eu-west-1");
    assert_eq!(c.vars[env::ENABLED], "TRUE");
    assert_eq!(c.vars[env::EXEC_WRAPPER], env::EXEC_WRAPPER_VALUE);
    assert_eq!(c.handler, None);
    assert_eq!(c.added.layer.as_deref(), Some(PY_DEFAULT));
    assert_eq!(c.added.vars.len(), 5);
    let on = apply(&s, &c);
    let off = apply(&on, &disable(&on, &d, &c.added));
    assert_eq!(off, s);
}

#[test]
fn another_exec_wrapper_gets_the_handler_redirect_and_it_is_undone() {
    let s = snap("python3.11", &[(env::EXEC_WRAPPER, "/opt/otel-instrument")], &[]);
    let (d, c) = plan(&s, &props(), &Ledger::default()).unwrap();
    assert_eq!(c.vars[env::EXEC_WRAPPER], "/opt/otel-instrument");
    assert_eq!(
        c.handler.as_deref(),
        Some(lambda_profiling_macro::agent::REDIRECT_HANDLER)
    );
    assert_eq!(c.vars[env::REDIRECTED_HANDLER], "app.handler");
    assert!(c.added.handler_redirected && !c.added.vars.contains(env::EXEC_WRAPPER));
    let on = apply(&s, &c);
    // Idempotent: a replay changes nothing and keeps the record.
    let (_, again) = plan(&on, &props(), &c.added).unwrap();
    assert!(!again.changes(&on));
    assert!(again.added.handler_redirected);
    let off = apply(&on, &disable(&on, &d, &c.added));
    assert_eq!(off, s);
}

#[test]
fn java_options_are_appended_once_and_restored() {
    let s = snap("java17", &[(env::JAVA_TOOL_OPTIONS, "-Xmx1g")], &[]);
    let p = Properties {
        heap_summary: true,
        ..props()
    };
    let (d, c) = plan(&s, &p, &Ledger::default()).unwrap();
    assert_eq!(
        c.vars[env::JAVA_TOOL_OPTIONS],
        format!("-Xmx1g {}", env::JAVA_AGENT_FLAG)
    );
    assert_eq!(c.vars[env::HEAP_SUMMARY], "true");
    assert!(!c.vars.contains_key(env::EXEC_WRAPPER));
    assert!(c.layers[0].contains("AWSCodeGuruProfilerJavaAgentLayer:12"));
    let on = apply(&s, &c);
    let (_, again) = plan(&on, &p, &c.added).unwrap();
    assert_eq!(
        again.vars[env::JAVA_TOOL_OPTIONS],
        c.vars[env::JAVA_TOOL_OPTIONS],
        "once"
    );
    assert_eq!(apply(&on, &disable(&on, &d, &c.added)), s);
    // Created from nothing: removed entirely.
    let bare = snap("java21", &[], &[]);
    let (d, c) = plan(&bare, &props(), &Ledger::default()).unwrap();
    assert_eq!(c.added.java_options, Some(JavaOptions::Created));
    let on = apply(&bare, &c);
    assert_eq!(apply(&on, &disable(&on, &d, &c.added)), bare);
    // Set but empty, or with trailing spaces: restored exactly as written.
    for options in ["", "-Xss1m  "] {
        let s = snap("java21", &[(env::JAVA_TOOL_OPTIONS, options)], &[]);
        let (d, c) = plan(&s, &props(), &Ledger::default()).unwrap();
        let on = apply(&s, &c);
        assert_eq!(apply(&on, &disable(&on, &d, &c.added)), s, "{options:?}");
    }
}

#[test]
fn the_users_values_and_agent_layer_win_and_stay_on_disable() {
    let s = snap(
        "python3.12",
        &[(env::ENABLED, "FALSE"), (env::GROUP_NAME, "team")],
        &[PY9],
    );
    let (d, c) = plan(&s, &props(), &Ledger::default()).unwrap();
    assert!(d.users_group);
    assert_eq!(d.group.name, "team");
    assert_eq!(c.layers, [PY9], "the user's agent layer version wins");
    assert_eq!(c.added.layer, None);
    assert_eq!(c.vars[env::ENABLED], "FALSE");
    assert_eq!(c.vars[env::GROUP_NAME], "team");
    assert_eq!(
        c.vars[env::GROUP_ARN],
        "arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/team"
    );
    let on = apply(&s, &c);
    assert_eq!(apply(&on, &disable(&on, &d, &c.added)), s);
    let conflicting = Properties {
        group_name: Some("other".into()),
        ..props()
    };
    assert!(
        desired(&s, &conflicting, &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string()
            .contains("already profiles into group team")
    );
}

#[test]
fn a_value_changed_by_the_user_after_us_is_not_removed() {
    let s = snap("python3.12", &[], &[]);
    let (d, c) = plan(&s, &props(), &Ledger::default()).unwrap();
    let mut on = apply(&s, &c);
    on.vars.insert(env::ENABLED.into(), "FALSE".into());
    let off = apply(&on, &disable(&on, &d, &c.added));
    assert_eq!(off.vars.get(env::ENABLED).map(String::as_str), Some("FALSE"));
    assert_eq!(off.vars.len(), 1);
}

#[test]
fn update_replaces_only_our_layer_version() {
    // Layer 9 carries the agent for python3.6-3.9 only.
    let s = snap("python3.9", &[], &[USER]);
    let (_, c) = plan(&s, &props(), &Ledger::default()).unwrap();
    let on = apply(&s, &c);
    let p9 = Properties {
        layer_version: Some(9),
        ..props()
    };
    let (_, c2) = plan(&on, &p9, &c.added).unwrap();
    let publishers_9 =
        "arn:aws:lambda:eu-west-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:9";
    assert_eq!(c2.layers, [USER, publishers_9]);
    assert_eq!(c2.added.layer.as_deref(), Some(publishers_9));
}

#[test]
fn a_layer_version_without_the_runtimes_agent_is_refused() {
    let s = snap("python3.12", &[], &[]);
    let old = Properties {
        layer_version: Some(11),
        ..props()
    };
    let why = desired(&s, &old, &Ledger::default(), &Published::default())
        .unwrap_err()
        .to_string();
    assert!(
        why.contains("LayerVersion 11") && why.contains("python3.12") && why.contains("13 or later"),
        "{why}"
    );
    let why = desired(
        &snap("python3.14", &[], &[]),
        &props(),
        &Ledger::default(),
        &Published::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(why.contains("python3.14") && why.contains("LayerArn"), "{why}");
    // The built-in layer follows the runtime.
    let layer = |runtime| {
        desired(
            &snap(runtime, &[], &[]),
            &props(),
            &Ledger::default(),
            &Published::default(),
        )
        .unwrap()
        .layer_arn
    };
    assert!(layer("python3.9").ends_with(":11") && layer("python3.12").ends_with(":13"));
}

#[test]
fn unprofilable_functions_are_refused_with_reasons() {
    let mut s = snap("python3.12", &[], &[]);
    s.env_error = Some("KMSAccessDeniedException: denied".into());
    assert!(
        desired(&s, &props(), &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string()
            .contains("cannot read back the environment")
    );
    let mut s = snap("python3.12", &[], &[]);
    s.architectures = vec!["arm64".into()];
    assert!(
        desired(&s, &props(), &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string()
            .contains("x86_64 only")
    );
    let mut s = snap("python3.12", &[], &[]);
    s.package_type = Some("Image".into());
    assert!(
        desired(&s, &props(), &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string()
            .contains("container image")
    );
    let s = snap("nodejs22.x", &[], &[]);
    assert!(
        desired(&s, &props(), &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string()
            .contains("not supported")
    );
    let mut s = snap("python3.12", &[], &[]);
    s.arn = "arn:aws:lambda:af-south-1:111122223333:function:orders".into();
    assert!(
        desired(&s, &props(), &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string()
            .contains("give LayerArn")
    );
    let s = snap("python3.12", &[], &[]);
    let heap = Properties {
        heap_summary: true,
        ..props()
    };
    assert!(
        desired(&s, &heap, &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string()
            .contains("Java functions only")
    );
}

#[test]
fn lambda_limits_are_checked() {
    let five: Vec<String> = (1..=5)
        .map(|i| format!("arn:aws:lambda:eu-west-1:111122223333:layer:l{i}:1"))
        .collect();
    let refs: Vec<&str> = five.iter().map(String::as_str).collect();
    let s = snap("python3.12", &[], &refs);
    assert!(
        plan(&s, &props(), &Ledger::default())
            .unwrap_err()
            .to_string()
            .contains("limit of 5")
    );
    let big = "v".repeat(3900);
    let s = snap("python3.12", &[("BIG", &big)], &[]);
    assert!(
        plan(&s, &props(), &Ledger::default())
            .unwrap_err()
            .to_string()
            .contains("4096 bytes")
    );
}

#[test]
fn the_environment_is_measured_as_lambda_measures_it() {
    // 100 short variables: their names and values fit in 4 KB with the agent's, but their
    // compact JSON (six bytes more a variable) does not; Lambda would refuse them, quoting
    // every value in its message.
    let vars: Vec<(String, String)> = (0..100)
        .map(|i| (format!("VAR_{i:02}"), "v".repeat(28)))
        .collect();
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let s = snap("python3.12", &pairs, &[]);
    let d = desired(&s, &props(), &Ledger::default(), &Published::default()).unwrap();
    let mut with_agent = s.vars.clone();
    with_agent.insert(env::GROUP_NAME.into(), d.group.name.clone());
    with_agent.insert(env::GROUP_ARN.into(), d.group.arn.clone());
    let names_and_values: usize = with_agent.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(
        names_and_values < agent::MAX_ENVIRONMENT_BYTES,
        "{names_and_values}"
    );
    let why = plan(&s, &props(), &Ledger::default()).unwrap_err().to_string();
    assert!(
        why.contains("compact JSON") && why.contains("4096 bytes"),
        "{why}"
    );
    assert!(!why.contains("vvvv"), "no value is quoted: {why}");
}

#[test]
fn an_agent_layer_of_the_users_that_cannot_start_the_agent_is_refused_with_the_fix() {
    // Layer 11 carries the agent for python3.6 to 3.9 only: kept, it would break every
    // invocation of a python3.12 function while the plan said the agent was on.
    let old = "arn:aws:lambda:eu-west-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11";
    let s = snap("python3.12", &[], &[USER, old]);
    let why = plan(&s, &props(), &Ledger::default()).unwrap_err().to_string();
    assert!(
        why.contains(&format!("already has the agent layer {old}: version 11")),
        "{why}"
    );
    assert!(why.contains(&format!("replace it with {PY_DEFAULT}")), "{why}");
    // On python3.9 it carries the agent: the user's layer wins, as ever.
    let s = snap("python3.9", &[], &[USER, old]);
    let (_, change) = plan(&s, &props(), &Ledger::default()).unwrap();
    assert_eq!(change.layers, [USER, old]);
}

/// The user's group variables are recorded in the ledger and released as a group: a value
/// that names none is refused, and the refusal does not quote it. (A ledger is words: an
/// ARN with a space could have written a word of its own, a group to release.)
#[test]
fn the_users_group_variables_that_name_no_group_are_refused() {
    let injected = "arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/mine \
                    retired=arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/victim";
    for (var, value) in [
        (env::GROUP_ARN, injected),
        (
            env::GROUP_ARN,
            "arn:aws:codeguru-profiler:eu-west-1:1:profilingGroup/g",
        ),
        (env::GROUP_NAME, "two words"),
        (env::GROUP_NAME, ""),
    ] {
        let s = snap("python3.12", &[(var, value)], &[]);
        let e = desired(&s, &props(), &Ledger::default(), &Published::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(var) && e.contains("correct it or remove it"), "{e}");
        assert!(value.is_empty() || !e.contains(value), "{e}");
    }
    let fine = "arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/mine";
    let s = snap("python3.12", &[(env::GROUP_ARN, fine)], &[]);
    let d = desired(&s, &props(), &Ledger::default(), &Published::default()).unwrap();
    assert_eq!(
        (d.group.name.as_str(), d.group.arn.as_str(), d.users_group),
        ("mine", fine, true)
    );
}

/// What the function's region publishes: the Python versions given.
fn published(versions: &[u32]) -> Published {
    let mut p = Published::default();
    let region = snap("python3.12", &[], &[]).region().to_owned();
    for &v in versions {
        let listed = vec!["python3.9".to_string()];
        p.insert(Family::Python.layer_arn(&region, v).unwrap(), Some(listed));
    }
    p.mark_complete(Family::Python, &region, 11..=20);
    p
}

#[test]
fn function_mode_takes_what_the_region_publishes_and_refuses_what_it_does_not() {
    let s = snap("python3.12", &[], &[]);
    let serving = published(&[11, 12, 13]);
    let layer = |s: &Snapshot, p: &Properties, published: &Published| {
        desired(s, p, &Ledger::default(), published)
            .map(|d| d.layer_arn)
            .map_err(|m| m.to_string())
    };
    assert!(layer(&s, &props(), &serving).unwrap().ends_with(":13"));
    let old = snap("python3.9", &[], &[]);
    assert!(
        layer(&old, &props(), &serving).unwrap().ends_with(":13"),
        "the table knows 13 holds 3.9"
    );

    // Nothing serves python3.12 in the region: refused before anything changes.
    let why = layer(&s, &props(), &published(&[11, 12])).unwrap_err();
    assert!(
        why.contains("serves python3.12") && why.contains("LayerArn"),
        "{why}"
    );

    // A pinned version the region lacks, and a mirror that lists another runtime.
    let pinned = Properties {
        layer_version: Some(14),
        ..props()
    };
    let why = layer(&s, &pinned, &serving).unwrap_err();
    assert!(
        why.contains("LayerVersion") && why.contains("does not exist"),
        "{why}"
    );
    let mirror = "arn:aws:lambda:eu-west-1:111122223333:layer:mirror:2";
    let mut with_mirror = published(&[13]);
    with_mirror.insert(mirror.into(), Some(vec!["python3.11".into()]));
    let given = Properties {
        layer_arn: Some(mirror.into()),
        ..props()
    };
    let why = layer(&s, &given, &with_mirror).unwrap_err();
    assert!(
        why.contains("LayerArn") && why.contains("lists: python3.11"),
        "{why}"
    );
}

#[test]
fn a_layer_it_added_moves_up_when_the_region_says_so_and_never_down_unseen() {
    let s = snap("python3.12", &[], &[]);
    let region = s.region().to_owned();
    let ledger = Ledger {
        layer: Family::Python.layer_arn(&region, 14),
        ..Ledger::default()
    };
    let layer = |published: &Published| desired(&s, &props(), &ledger, published).unwrap().layer_arn;
    // AWS could not be asked: the version this resource added stays (not 13, the table's).
    assert!(
        layer(&Published::default()).ends_with(":14"),
        "never moved down unseen"
    );
    // The region publishes 15 serving python3.12: it moves up.
    let mut p = published(&[13]);
    p.insert(
        Family::Python.layer_arn(&region, 15).unwrap(),
        Some(vec!["python3.12".into()]),
    );
    assert!(layer(&p).ends_with(":15"));
    // A runtime the kept version cannot carry gets the table's, not the kept one.
    let old = Ledger {
        layer: Family::Python.layer_arn(&region, 12),
        ..Ledger::default()
    };
    let d = desired(&s, &props(), &old, &Published::default()).unwrap();
    assert!(d.layer_arn.ends_with(":13"), "{}", d.layer_arn);
}
