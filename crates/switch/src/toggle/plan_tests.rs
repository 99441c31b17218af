use super::*;
use crate::function::config::{desired, disable, enable};
use crate::properties::{Properties, Target};
use crate::references::ledger::Ledger;
use lambda_profiling_macro::agent::Published;
use lambda_profiling_macro::assess::Function;

const ARN: &str = "arn:aws:lambda:eu-west-1:111122223333:function:orders";
const PY_DEFAULT: &str =
    "arn:aws:lambda:eu-west-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13";
const USER: &str = "arn:aws:lambda:eu-west-1:111122223333:layer:deps:3";

fn snap(runtime: &str, vars: &[(&str, &str)]) -> Snapshot {
    Snapshot {
        function: Function {
            name: "orders".into(),
            arn: ARN.into(),
            runtime: Some(runtime.into()),
            architectures: vec!["x86_64".into()],
            package_type: Some("Zip".into()),
            role: "arn:aws:iam::157417159150:role/orders-role".into(),
            handler: Some("app.handler".into()),
            layers: vec![USER.into()],
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            env_error: None,
            stack: None,
        },
        role: "orders-role".into(),
        revision_id: Some("r".into()),
    }
}

fn props(group: Option<&str>) -> Properties {
    Properties {
        target: Target::Function { name: ARN.into() },
        group_name: group.map(str::to_owned),
        layer_version: None,
        layer_arn: None,
        heap_summary: false,
    }
}

#[test]
fn enable_lists_the_layer_each_variable_the_group_and_the_policy() {
    let s = snap("python3.12", &[("DB_HOST", "db")]);
    let d = desired(&s, &props(None), &Ledger::default(), &Published::default()).unwrap();
    let c = enable(&s, &d, &Ledger::default()).unwrap();
    let steps = enable_steps(&s, &d, &c, false, RolePolicy::Attach);
    assert_eq!(
        steps,
        [
            format!("add layer {PY_DEFAULT}"),
            "set AWS_CODEGURU_PROFILER_ENABLED=TRUE".to_owned(),
            "set AWS_CODEGURU_PROFILER_GROUP_ARN=arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/aws-lambda-orders".to_owned(),
            "set AWS_CODEGURU_PROFILER_GROUP_NAME=aws-lambda-orders".to_owned(),
            "set AWS_CODEGURU_PROFILER_TARGET_REGION=eu-west-1".to_owned(),
            "set AWS_LAMBDA_EXEC_WRAPPER=/opt/codeguru_profiler_lambda_exec".to_owned(),
            "create profiling group aws-lambda-orders in eu-west-1".to_owned(),
            "attach AmazonCodeGuruProfilerAgentAccess to role orders-role".to_owned(),
        ]
    );
    // An existing group and a role that holds the policy already are said so.
    let steps = enable_steps(&s, &d, &c, true, RolePolicy::AlreadyHeld);
    assert!(steps.contains(&"use the existing profiling group aws-lambda-orders in eu-west-1".to_owned()));
    assert_eq!(
        steps.last().unwrap(),
        "record a reference only: role orders-role already holds AmazonCodeGuruProfilerAgentAccess"
    );
}

#[test]
fn a_users_wrapper_is_redirected_and_the_handler_change_is_shown() {
    let s = snap("python3.12", &[("AWS_LAMBDA_EXEC_WRAPPER", "/opt/mine")]);
    let d = desired(
        &s,
        &props(Some("shop")),
        &Ledger::default(),
        &Published::default(),
    )
    .unwrap();
    let c = enable(&s, &d, &Ledger::default()).unwrap();
    let steps = config_steps(&s, &c);
    assert!(
        steps.contains(&"set HANDLER_ENV_NAME_FOR_CODEGURU=app.handler".to_owned()),
        "{steps:?}"
    );
    assert!(
        steps.contains(&"set the handler to codeguru_profiler_agent.aws_lambda.lambda_handler.call_handler (was app.handler)".to_owned()),
        "{steps:?}"
    );
    assert!(
        !steps.iter().any(|l| l.contains("AWS_LAMBDA_EXEC_WRAPPER")),
        "the user's wrapper stays"
    );
}

#[test]
fn disable_lists_what_the_ledger_took_back_and_the_policy_kept_for_others() {
    let before = snap("python3.12", &[("DB_HOST", "db")]);
    let d = desired(&before, &props(None), &Ledger::default(), &Published::default()).unwrap();
    let on = enable(&before, &d, &Ledger::default()).unwrap();
    let mut after = before.clone();
    (after.layers, after.vars) = (on.layers.clone(), on.vars.clone());
    let off = disable(&after, &d, &on.added);
    assert_eq!((&off.layers, &off.vars), (&before.layers, &before.vars));
    let policy = RolePolicy::KeptForOthers { others: 2 };
    let steps = disable_steps(&after, &d, &off, &GroupFate::Delete, ("orders-role", policy));
    assert_eq!(steps[0], format!("remove layer {PY_DEFAULT}"));
    assert_eq!(steps.iter().filter(|l| l.starts_with("remove AWS_")).count(), 5);
    let delete =
        "delete profiling group aws-lambda-orders (lambda-profiling created it, and nothing else uses it)";
    assert!(steps.contains(&delete.to_owned()), "{steps:?}");
    assert_eq!(
        steps.last().unwrap(),
        "keep AmazonCodeGuruProfilerAgentAccess on role orders-role: 2 other lambda-profiling resources need it"
    );
    let steps = disable_steps(
        &after,
        &d,
        &off,
        &GroupFate::KeepNotOurs,
        ("orders-role", RolePolicy::Detach),
    );
    assert!(
        steps.contains(
            &"keep profiling group aws-lambda-orders: lambda-profiling did not create it".to_owned()
        )
    );
    let in_use = GroupFate::KeepInUse {
        other: "arn:aws:lambda:eu-west-1:111122223333:function:billing".into(),
    };
    let steps = disable_steps(&after, &d, &off, &in_use, ("orders-role", RolePolicy::Detach));
    let kept = "keep profiling group aws-lambda-orders: function billing profiles into it too (delete it by hand once none does)";
    assert!(steps.contains(&kept.to_owned()), "{steps:?}");
    let shared = GroupFate::KeepForOthers { others: 1 };
    let steps = disable_steps(&after, &d, &off, &shared, ("orders-role", RolePolicy::Detach));
    let kept = "keep profiling group aws-lambda-orders: 1 other lambda-profiling resource uses it (the last to go deletes it)";
    assert!(steps.contains(&kept.to_owned()), "{steps:?}");
    assert!(
        steps
            .last()
            .unwrap()
            .starts_with("detach AmazonCodeGuruProfilerAgentAccess from role orders-role")
    );
}

/// A dry run prints `would ` before each line: every line starts with a verb.
#[test]
fn every_line_starts_with_its_verb() {
    const VERBS: &[&str] = &[
        "add", "remove", "set", "change", "use", "create", "attach", "record", "delete", "keep", "detach",
        "leave", "take",
    ];
    let before = snap("python3.12", &[("DB_HOST", "db")]);
    let d = desired(&before, &props(None), &Ledger::default(), &Published::default()).unwrap();
    let on = enable(&before, &d, &Ledger::default()).unwrap();
    let mut lines = Vec::new();
    for policy in [RolePolicy::Attach, RolePolicy::AlreadyHeld] {
        lines.extend(enable_steps(&before, &d, &on, false, policy));
        lines.extend(enable_steps(&before, &d, &on, true, policy));
    }
    let mut after = before.clone();
    (after.layers, after.vars) = (on.layers.clone(), on.vars.clone());
    let off = disable(&after, &d, &on.added);
    let fates = [
        GroupFate::Delete,
        GroupFate::KeepForOthers { others: 2 },
        GroupFate::KeepInUse { other: ARN.into() },
        GroupFate::KeepNotOurs,
        GroupFate::Gone,
    ];
    let policies = [
        RolePolicy::Detach,
        RolePolicy::KeptForOthers { others: 1 },
        RolePolicy::KeptAsUsers,
    ];
    for fate in &fates {
        for policy in policies {
            lines.extend(disable_steps(&after, &d, &off, fate, ("orders-role", policy)));
            lines.extend(gone_steps("orders-role", policy));
        }
    }
    for line in lines {
        let verb = line.split(' ').next().unwrap();
        assert!(VERBS.contains(&verb), "would {line}");
    }
}
