//! Nothing of a user's is lost, and nothing lambda-profiling added is forgotten: variables
//! that Lambda cannot read back are never overwritten, and a Delete undoes what the ledger
//! recorded whatever has changed since (the properties, the administrator's settings, the
//! runtime), or fails and keeps the ledger when it truly cannot.
//!
//! Against moto behind the test front, which plays what moto lacks: Lambda's
//! `Environment.Error` (a function whose variables cannot be decrypted answers
//! GetFunctionConfiguration with the error and without them), and a `PreconditionFailed`
//! on the RevisionId, injected.

mod support;

use lambda_profiling_macro::agent::env;
use lambda_profiling_switch::{Clients, Settings, toggle};
use serde_json::{Value, json};
use support::*;

const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";
const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";
const USERS: &[(&str, &str)] = &[("DB_PASSWORD", "hunter2"), ("MODE", "fast")];

fn props(function: &str, extra: Value) -> Value {
    let mut p = json!({"ServiceToken": service_token(), "FunctionName": function});
    p.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    p
}

/// From its `from_read`-th GetFunctionConfiguration on, the function's variables cannot be
/// read back (`None`: they can again).
async fn unreadable_from(s: &Servers, function: &str, from_read: Option<u32>) {
    let rule = match from_read {
        Some(n) => json!({"function": function, "code": "KMSAccessDeniedException", "from_read": n}),
        None => json!({"function": function, "code": null}),
    };
    http()
        .post(format!("{}/_config", s.aws))
        .json(&json!({ "env_error": rule }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

#[tokio::test]
async fn variables_unreadable_after_a_concurrent_change_are_never_overwritten() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("kms")).await;
    let role = unique("kmsrole");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("kms");
    create_function(&c, &name, "python3.12", &role_arn, USERS, &[]).await;
    let before = function_state(&c, &name).await;
    // The first update meets a concurrent change; the re-read finds the variables unreadable.
    let stale =
        json!({"x-amzn-ErrorType": "PreconditionFailedException", "Content-Type": "application/json"});
    let body =
        r#"{"Type":"User","message":"The Revision Id provided does not match the latest Revision Id."}"#;
    fault(&s.aws, &[&name, "/configuration"], "PUT", 1, 412, stale, body).await;
    unreadable_from(s, &name, Some(2)).await;

    let stack = Stack::new("Profiling");
    let (_, r) = stack
        .send(
            s,
            &c,
            "Create",
            props(&name, json!({"LayerArn": layer})),
            None,
            None,
        )
        .await;
    unreadable_from(s, &name, None).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("cannot read back the environment variables")
            && reason.contains("KMSAccessDeniedException"),
        "{reason}"
    );
    assert_eq!(
        function_state(&c, &name).await,
        before,
        "the user's variables are all there"
    );
    assert!(
        group_tags(s).await.get(format!("aws-lambda-{name}")).is_none(),
        "the group is taken back"
    );
    assert!(!attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
}

/// A Create with a named group and a layer of an account the administrator allows, then a
/// change that defeats working the values out again.
async fn enabled_with_named_group(
    s: &Servers,
    c: &Clients,
    stack: &Stack,
) -> (String, String, FunctionState, Value, String) {
    let role_arn = create_role(c, &unique("ledgerrole")).await;
    let layer = publish_layer(c, PY_LAYER).await;
    let name = unique("ledger");
    let arn = create_function(c, &name, "python3.12", &role_arn, USERS, &[]).await;
    let before = function_state(c, &name).await;
    let group = unique("named");
    let p = props(&name, json!({"LayerArn": layer, "ProfilingGroupName": group}));
    let (_, r) = stack.send(s, c, "Create", p.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    (name, format!("function:{arn}"), before, p, group)
}

#[tokio::test]
async fn a_delete_undoes_from_its_record_when_the_allowed_layer_accounts_were_narrowed() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("narrowed")).await;
    let stack = Stack::new("Profiling");
    let (name, id, before, p, group) = enabled_with_named_group(s, &c, &stack).await;
    // The administrator no longer allows the account the layer came from: the old
    // properties do not parse any more.
    let mut narrowed = c.clone();
    narrowed.settings = Settings {
        allowed_layer_accounts: Vec::new(),
        ..c.settings.clone()
    };
    let (_, r) = stack.send(s, &narrowed, "Delete", p, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(
        function_state(&c, &name).await,
        before,
        "layer, variables: all as before"
    );
    assert!(
        group_tags(s).await.get(&group).is_none(),
        "the named group it created is deleted"
    );
}

#[tokio::test]
async fn a_delete_undoes_from_its_record_after_the_runtime_changed() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("runtime")).await;
    let stack = Stack::new("Profiling");
    let (name, id, before, p, group) = enabled_with_named_group(s, &c, &stack).await;
    c.lambda
        .update_function_configuration()
        .function_name(&name)
        .runtime("nodejs20.x".into())
        .send()
        .await
        .unwrap();
    let (_, r) = stack.send(s, &c, "Delete", p, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let after = function_state(&c, &name).await;
    assert_eq!((&after.layers, &after.vars), (&before.layers, &before.vars));
    assert!(group_tags(s).await.get(&group).is_none());
}

#[tokio::test]
async fn a_delete_that_cannot_read_the_variables_fails_and_keeps_its_record() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("keeprecord")).await;
    let stack = Stack::new("Profiling");
    let (name, id, before, p, group) = enabled_with_named_group(s, &c, &stack).await;
    let on = function_state(&c, &name).await;
    let ledger = reference_item(&stack, &id);
    unreadable_from(s, &name, Some(1)).await;
    let (_, r) = stack.send(s, &c, "Delete", p.clone(), Some(&id), None).await;
    unreadable_from(s, &name, None).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("record of what this resource added is kept"),
        "{reason}"
    );
    assert_eq!(function_state(&c, &name).await, on, "nothing was changed");
    assert!(item(&c, &ledger).await.is_some(), "the ledger is kept");
    assert!(
        group_tags(s).await.get(&group).is_some(),
        "the group is kept with it"
    );

    // Once the variables can be read again, the Delete does it all.
    let (_, r) = stack.send(s, &c, "Delete", p, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await, before);
    assert!(item(&c, &ledger).await.is_none());
    assert!(group_tags(s).await.get(&group).is_none());
}

#[tokio::test]
async fn a_ledger_of_an_earlier_version_that_cannot_be_worked_out_fails_and_is_kept() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("oldledger")).await;
    let stack = Stack::new("Profiling");
    let (name, id, _, p, _) = enabled_with_named_group(s, &c, &stack).await;
    // An earlier version's ledger does not record its values; the runtime changed since.
    let ledger = reference_item(&stack, &id);
    as_earlier_version(&c, &ledger).await;
    c.lambda
        .update_function_configuration()
        .function_name(&name)
        .runtime("nodejs20.x".into())
        .send()
        .await
        .unwrap();
    let on = function_state(&c, &name).await;
    let (_, r) = stack.send(s, &c, "Delete", p, Some(&id), None).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("record is kept") && reason.contains("retain this resource"),
        "{reason}"
    );
    assert_eq!(function_state(&c, &name).await, on);
    assert!(item(&c, &ledger).await.is_some());
}

#[tokio::test]
async fn disable_leaves_a_group_arn_the_user_pointed_at_their_own_group() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("repoint")).await;
    let role_arn = create_role(&c, &unique("repointrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("repoint");
    create_function(&c, &name, "python3.12", &role_arn, USERS, &[]).await;
    let request = toggle::Job {
        function: name.clone(),
        layer_arn: Some(layer),
        ..toggle::Job::default()
    };
    toggle::enable(&c, &request).await.unwrap();
    let theirs = format!(
        "arn:aws:codeguru-profiler:{REGION}:{ACCOUNT}:profilingGroup/{}",
        unique("theirs")
    );
    set_vars(&c, &name, &[(env::GROUP_ARN, &theirs)]).await;

    let off = toggle::Job {
        function: name.clone(),
        ..toggle::Job::default()
    };
    toggle::disable(&c, &off).await.unwrap();
    let after = function_state(&c, &name).await;
    assert_eq!(
        after.vars.get(env::GROUP_ARN),
        Some(&theirs),
        "the user's value stays"
    );
    assert!(!after.vars.contains_key(env::GROUP_NAME) && !after.vars.contains_key(env::EXEC_WRAPPER));
    assert_eq!(after.vars["DB_PASSWORD"], "hunter2");
    assert!(
        group_tags(s).await.get(format!("aws-lambda-{name}")).is_none(),
        "the group enable made is still found, and deleted"
    );
}

/// The key of a stack resource's ledger item, from its physical id.
fn reference_item(stack: &Stack, physical_id: &str) -> String {
    let id =
        lambda_profiling_switch::references::ledger::reference(&stack_id(stack), &stack.logical, physical_id);
    format!("ref#{id}")
}

/// `enable` with one layer, then `enable` with another that Lambda refuses (throttled past
/// the retries): the ledger still says what is on the function, so `disable` removes it.
#[tokio::test]
async fn a_failed_re_enable_leaves_the_ledger_saying_what_is_on_the_function() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("reenable")).await;
    let role_arn = create_role(&c, &unique("reenablerole")).await;
    let (first, second) = (
        publish_layer(&c, PY_LAYER).await,
        publish_layer(&c, PY_LAYER).await,
    );
    let name = unique("reenable");
    create_function(&c, &name, "python3.12", &role_arn, USERS, &[]).await;
    let before = function_state(&c, &name).await;
    let enable = |layer: &str| toggle::Job {
        function: name.clone(),
        layer_arn: Some(layer.to_owned()),
        ..toggle::Job::default()
    };
    toggle::enable(&c, &enable(&first)).await.unwrap();
    let throttled =
        json!({"x-amzn-ErrorType": "TooManyRequestsException", "Content-Type": "application/json"});
    let body = r#"{"Type":"User","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}"#;
    // The tests' clients make five attempts: each is throttled.
    fault(&s.aws, &[&name, "/configuration"], "PUT", 5, 429, throttled, body).await;
    let failed = toggle::enable(&c, &enable(&second))
        .await
        .unwrap_err()
        .to_string();
    assert!(failed.contains("TooManyRequestsException"), "{failed}");
    assert_eq!(function_state(&c, &name).await.layers, [first]);

    let off = toggle::Job {
        function: name.clone(),
        ..toggle::Job::default()
    };
    toggle::disable(&c, &off).await.unwrap();
    assert_eq!(
        function_state(&c, &name).await,
        before,
        "the first layer went too"
    );
}

/// An earlier version's ledger (no values recorded), and the user's own group name (theirs
/// before profiling was turned on, and the properties') changed since, to a value that
/// names no group or to another group: the Delete still undoes what the resource added
/// (what it can tell it set), and the user's value stays. (Enabling such a function is
/// refused; undoing it is not.)
#[tokio::test]
async fn a_users_changed_group_variable_never_blocks_an_undo() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("changedname")).await;
    let role_arn = create_role(&c, &unique("changedrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    for changed in ["not a name".to_owned(), unique("renamed")] {
        let name = unique("changedname");
        let group = unique("theirs");
        let theirs = [(env::GROUP_NAME, group.as_str())];
        let arn = create_function(&c, &name, "python3.12", &role_arn, &theirs, &[]).await;
        let stack = Stack::new("Profiling");
        let p = props(&name, json!({"LayerArn": layer, "ProfilingGroupName": group}));
        let (_, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
        let id = format!("function:{arn}");
        as_earlier_version(&c, &reference_item(&stack, &id)).await;
        set_vars(&c, &name, &[(env::GROUP_NAME, &changed)]).await;

        let (_, r) = stack.send(s, &c, "Delete", p, Some(&id), None).await;
        assert_eq!(r["Status"], "SUCCESS", "{changed}: {r}");
        let after = function_state(&c, &name).await;
        assert!(after.layers.is_empty(), "the agent layer is gone");
        assert_eq!(
            after.vars.get(env::GROUP_NAME),
            Some(&changed),
            "the user's value stays"
        );
        assert!(
            !after.vars.contains_key(env::EXEC_WRAPPER),
            "what it added is gone"
        );
        // The group ARN it set named the user's first group, which the changed name no
        // longer tells: a value that may not be the one set stays (left, never lost).
    }
}
