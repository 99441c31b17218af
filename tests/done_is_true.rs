//! "Done" is said only of what `lambda-profiling status` would agree with: after changing
//! a function, function mode reads it back and judges it by `status`'s own rules. Against
//! moto and the CodeGuru Profiler fake, and the test front, which can answer a function's
//! read without its layers (as a read after a concurrent change that removed them would).

mod support;

use lambda_profiling_macro::agent::env;
use lambda_profiling_switch::toggle;
use serde_json::json;
use support::*;

/// CDK's `profiling: true`: the group's variables and an inline grant, no layer, and a
/// group that may not exist. `enable` creates the group it names (and records it, so
/// `disable` deletes it), and leaves the user's variables as theirs.
#[tokio::test]
async fn enable_creates_the_missing_group_the_functions_own_variables_name() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("cdk")).await;
    let role_arn = create_role(&c, &unique("cdkrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("cdk");
    let group = unique("cdk-group");
    let arn = format!("arn:aws:codeguru-profiler:{REGION}:{ACCOUNT}:profilingGroup/{group}");
    let cdk = [(env::GROUP_ARN, arn.as_str()), (env::ENABLED, "TRUE")];
    create_function(&c, &name, "python3.12", &role_arn, &cdk, &[]).await;
    assert!(group_tags(s).await.get(&group).is_none());

    let request = toggle::Job {
        function: name.clone(),
        layer_arn: Some(layer),
        ..toggle::Job::default()
    };
    toggle::enable(&c, &request).await.unwrap();
    assert!(group_tags(s).await.get(&group).is_some(), "the group is created");
    assert_eq!(status_of(s, &name).await.0, "profiled");

    let off = toggle::Job {
        function: name.clone(),
        ..toggle::Job::default()
    };
    let report = toggle::disable(&c, &off).await.unwrap();
    let said = format!("delete profiling group {group} (lambda-profiling created it");
    assert!(
        report.steps.iter().any(|l| l.starts_with(&said)),
        "{:?}",
        report.steps
    );
    assert!(
        group_tags(s).await.get(&group).is_none(),
        "lambda-profiling made it: it goes"
    );
    let after = function_state(&c, &name).await;
    assert_eq!(
        after.vars[env::GROUP_ARN],
        arn,
        "the function's own variables stay"
    );
    assert!(after.layers.is_empty());
}

/// The function, read back after the update, is not profiled (here its layers are gone,
/// as after a concurrent change): the Create fails with what `status` says, and takes
/// back what it did.
#[tokio::test]
async fn a_function_not_profiled_after_the_change_is_a_failure_not_a_success() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("readback")).await;
    let role = unique("readbackrole");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("readback");
    create_function(&c, &name, "python3.12", &role_arn, &[("MODE", "fast")], &[]).await;
    // The first read (before the change) shows the layers; the read-back, the second, does not.
    let rule = json!({"hide_layers": {"function": name, "code": "hidden", "from_read": 2}});
    http()
        .post(format!("{}/_config", s.aws))
        .json(&rule)
        .send()
        .await
        .unwrap();

    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let reason = failed_create(s, &c, props).await;
    let cleared = json!({"env_error": {"function": name, "code": null}});
    http()
        .post(format!("{}/_config", s.aws))
        .json(&cleared)
        .send()
        .await
        .unwrap();
    assert!(
        reason.contains("is broken after the change, as lambda-profiling status would say: no agent layer"),
        "{reason}"
    );
    assert!(reason.contains("was undone"), "{reason}");
    assert!(!function_state(&c, &name).await.vars.contains_key(env::GROUP_NAME));
    assert!(record_refs(&c, &role).await.is_empty());
}

/// `AWS_CODEGURU_PROFILER_ENABLED=false`, the user's own switch, keeps the agent off on
/// purpose: a Create that would leave the function so fails (it was never profiled) and
/// is undone, but an Update, and so a rollback, after the user turned the switch succeeds
/// (it says in the log what `status` would say); the user's value stays.
#[tokio::test]
async fn the_users_switch_fails_a_create_but_never_an_update_or_its_rollback() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("switch")).await;
    let role_arn = create_role(&c, &unique("switchrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let off = [(env::ENABLED, "false")];

    let held = unique("switchoff");
    create_function(&c, &held, "python3.12", &role_arn, &off, &[]).await;
    let props = json!({"ServiceToken": service_token(), "FunctionName": held, "LayerArn": layer});
    let reason = failed_create(s, &c, props).await;
    assert!(
        reason.contains(env::ENABLED) && reason.contains("is not true"),
        "{reason}"
    );
    let after = function_state(&c, &held).await;
    assert_eq!(after.vars[env::ENABLED], "false");
    assert!(after.layers.is_empty(), "the failed Create is undone");

    let name = unique("switch");
    create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let stack = Stack::new("Profiling");
    let (_, r) = stack.send(s, &c, "Create", props.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let id = r["PhysicalResourceId"].as_str().unwrap().to_owned();

    set_vars(&c, &name, &[(env::ENABLED, "false")]).await;

    let mut renamed = props.clone();
    renamed["ProfilingGroupName"] = json!(unique("switch-group"));
    // Old properties that no longer parse are still an Update's.
    let mut unparsable = props.clone();
    unparsable["HeapSummary"] = json!("perhaps");
    for (new, old) in [(&renamed, &props), (&props, &renamed), (&props, &unparsable)] {
        let (_, r) = stack
            .send(s, &c, "Update", new.clone(), Some(&id), Some(old.clone()))
            .await;
        assert_eq!(r["Status"], "SUCCESS", "an Update, then its rollback: {r}");
    }
    let after = function_state(&c, &name).await;
    assert_eq!(after.vars[env::ENABLED], "false", "the user's switch stays");
    assert_eq!(after.layers, [layer]);
}

/// A Create delivered again (Lambda's asynchronous invocation is at least once; the first
/// attempt may have answered SUCCESS) that finds the function not profiled fails, but
/// never undoes the first attempt's work, which CloudFormation may show as complete: its
/// record still says what is on the function, and the resource's Delete removes it.
#[tokio::test]
async fn a_create_delivered_again_that_fails_keeps_the_first_attempts_work() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("replay")).await;
    let role = unique("replayrole");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("replay");
    let arn = create_function(&c, &name, "python3.12", &role_arn, &[("MODE", "fast")], &[]).await;
    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let stack = Stack::new("Profiling");
    let (_, r) = stack.send(s, &c, "Create", props.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "the first attempt: {r}");
    // The second delivery's read-back (its second read, only) shows no layers.
    let rule = json!({"hide_layers": {"function": name, "code": "hidden", "from_read": 2, "to_read": 2}});
    http()
        .post(format!("{}/_config", s.aws))
        .json(&rule)
        .send()
        .await
        .unwrap();
    let (_, r) = stack.send(s, &c, "Create", props.clone(), None, None).await;
    let cleared = json!({"env_error": {"function": name, "code": null}});
    http()
        .post(format!("{}/_config", s.aws))
        .json(&cleared)
        .send()
        .await
        .unwrap();
    assert_eq!(r["Status"], "FAILED", "{r}");
    assert_eq!(
        status_of(s, &name).await.0,
        "profiled",
        "the first attempt's work stays"
    );
    assert_eq!(record_refs(&c, &role).await.len(), 1, "and its record");

    let id = format!("function:{arn}");
    let (_, r) = stack.send(s, &c, "Delete", props, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let after = function_state(&c, &name).await;
    assert!(after.layers.is_empty(), "{after:?}");
    assert_eq!(after.vars.keys().collect::<Vec<_>>(), ["MODE"]);
    assert!(record_refs(&c, &role).await.is_empty());
}
