//! A profiling group several resources use is kept while any of them does: it has a record
//! of its users in the references' table, as a role has (see `crates/switch/src/references/`),
//! and goes with its last user, only if lambda-profiling created it. Against moto (Lambda,
//! IAM, DynamoDB) and the CodeGuru Profiler fake, judged by `lambda-profiling status`.

mod support;

use lambda_profiling_macro::agent::env;
use lambda_profiling_switch::Clients;
use lambda_profiling_switch::toggle;
use serde_json::{Value, json};
use support::*;

const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";

fn props(function: &str, layer: &str, group: &str) -> Value {
    json!({"ServiceToken": service_token(), "FunctionName": function, "LayerArn": layer, "ProfilingGroupName": group})
}

async fn exists(s: &Servers, group: &str) -> bool {
    group_tags(s).await.get(group).is_some()
}

/// Rewrites what `stack`'s resource on `function_arn` left as an earlier version would
/// have: a ledger without the values it set, no group record, and the group's owner and
/// function tags without the records tag.
async fn as_earlier_versions(s: &Servers, c: &Clients, stack: &Stack, function_arn: &str, group: &str) {
    let id = format!("function:{function_arn}");
    let reference =
        lambda_profiling_switch::references::ledger::reference(&stack_id(stack), "Profiling", &id);
    as_earlier_version(c, &format!("ref#{reference}")).await;
    delete_item(c, &group_key(group)).await;
    let owner = format!("{}/Profiling", stack_id(stack));
    let tags = [
        ("lambda-profiling:owner", owner.as_str()),
        ("lambda-profiling:function", function_arn),
    ];
    tag_group(s, group, &tags).await;
    let group_arn = format!("arn:aws:codeguru-profiler:{REGION}:{ACCOUNT}:profilingGroup/{group}");
    let untag = c.codeguru.untag_resource().resource_arn(group_arn);
    untag.tag_keys("lambda-profiling:records").send().await.unwrap();
}

#[tokio::test]
async fn a_group_two_stacks_and_the_command_line_share_goes_with_its_last_user() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("shared")).await;
    let role_arn = create_role(&c, &unique("sharedrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let (fa, fb, fc) = (unique("sh-a"), unique("sh-b"), unique("sh-c"));
    let mut arns = Vec::new();
    for f in [&fa, &fb, &fc] {
        arns.push(create_function(&c, f, "python3.12", &role_arn, &[], &[]).await);
    }
    let team = unique("team");
    // Stack A's resource creates the group; stack B's and the command line adopt it.
    let (stack_a, stack_b) = (Stack::new("Profiling"), Stack::new("Profiling"));
    let (_, r) = stack_a
        .send(s, &c, "Create", props(&fa, &layer, &team), None, None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let (_, r) = stack_b
        .send(s, &c, "Create", props(&fb, &layer, &team), None, None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let cli = toggle::Job {
        function: fc.clone(),
        group_name: Some(team.clone()),
        layer_arn: Some(layer.clone()),
        ..toggle::Job::default()
    };
    toggle::enable(&c, &cli).await.unwrap();
    assert_eq!(record_users(&c, &group_key(&team)).await.len(), 3);

    // The creator goes first: the group stays for the other two.
    let id_a = format!("function:{}", arns[0]);
    let (_, r) = stack_a
        .send(s, &c, "Delete", props(&fa, &layer, &team), Some(&id_a), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        exists(s, &team).await,
        "stack B and the command line still profile into it"
    );
    assert_eq!(status_of(s, &fb).await.0, "profiled");
    let id_b = format!("function:{}", arns[1]);
    let (_, r) = stack_b
        .send(s, &c, "Delete", props(&fb, &layer, &team), Some(&id_b), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        exists(s, &team).await,
        "the command line's function still profiles into it"
    );
    assert_eq!(status_of(s, &fc).await.0, "profiled");

    // The last user deletes it, and its record.
    let off = toggle::Job {
        function: fc.clone(),
        ..toggle::Job::default()
    };
    let report = toggle::disable(&c, &off).await.unwrap();
    assert!(
        report
            .steps
            .iter()
            .any(|l| l.starts_with(&format!("delete profiling group {team}"))),
        "{report:?}"
    );
    assert!(!exists(s, &team).await);
    assert!(item(&c, &group_key(&team)).await.is_none());
}

#[tokio::test]
async fn a_failed_replacement_leaves_the_group_of_the_function_still_profiled() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("replace")).await;
    let role_arn = create_role(&c, &unique("replacerole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let (old, new) = (unique("rp-old"), unique("rp-new"));
    let arn_old = create_function(&c, &old, "python3.12", &role_arn, &[], &[]).await;
    create_function(&c, &new, "python3.12", &role_arn, &[], &[]).await;
    let group = unique("kept");
    let stack = Stack::new("Profiling");
    let (p_old, p_new) = (props(&old, &layer, &group), props(&new, &layer, &group));
    let (_, r) = stack.send(s, &c, "Create", p_old.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");

    // The replacement's function refuses its update: the new resource takes back what it
    // did, and must not take the group from the function that still uses it.
    let headers = json!({"x-amzn-ErrorType": "InvalidParameterValueException"});
    fault(
        &s.aws,
        &[&new, "/configuration"],
        "PUT",
        1,
        400,
        headers,
        r#"{"message":"no"}"#,
    )
    .await;
    let id_old = format!("function:{arn_old}");
    let (_, r) = stack
        .send(s, &c, "Update", p_new, Some(&id_old), Some(p_old.clone()))
        .await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    assert!(r["Reason"].as_str().unwrap().contains("was undone"), "{r}");
    assert!(exists(s, &group).await, "the live function's group was deleted");
    assert_eq!(status_of(s, &old).await.0, "profiled");
    assert!(!function_state(&c, &new).await.vars.contains_key(env::GROUP_NAME));

    // CloudFormation rolls back (an Update to the old properties), and later deletes it.
    let (_, r) = stack
        .send(s, &c, "Update", p_old.clone(), Some(&id_old), Some(p_old.clone()))
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let (_, r) = stack.send(s, &c, "Delete", p_old, Some(&id_old), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(!exists(s, &group).await);
}

/// A group that a version before the group records created is tagged with its creator
/// (owner and function) and has no record: the creator holds it like a tag-format
/// reference, until its own Delete, which the new version then runs.
#[tokio::test]
async fn a_group_an_earlier_version_created_is_kept_for_its_creator() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("tagformatgroup")).await;
    let role_arn = create_role(&c, &unique("tagformatrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let (fa, fb) = (unique("lg-a"), unique("lg-b"));
    let arn_a = create_function(&c, &fa, "python3.12", &role_arn, &[], &[]).await;
    let arn_b = create_function(&c, &fb, "python3.12", &role_arn, &[], &[]).await;
    let group = unique("tagformat");
    let (stack_a, stack_b) = (Stack::new("Profiling"), Stack::new("Profiling"));
    let (_, r) = stack_a
        .send(s, &c, "Create", props(&fa, &layer, &group), None, None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    as_earlier_versions(s, &c, &stack_a, &arn_a, &group).await;

    // A resource of the new version adopts it, and goes: the creator still uses it.
    let (_, r) = stack_b
        .send(s, &c, "Create", props(&fb, &layer, &group), None, None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let id_b = format!("function:{arn_b}");
    let (_, r) = stack_b
        .send(s, &c, "Delete", props(&fb, &layer, &group), Some(&id_b), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        exists(s, &group).await,
        "the earlier version's creator still profiles into it"
    );
    assert_eq!(status_of(s, &fa).await.0, "profiled");

    // The creator's Delete, by this version: the group goes with it.
    let id = format!("function:{arn_a}");
    let (_, r) = stack_a
        .send(s, &c, "Delete", props(&fa, &layer, &group), Some(&id), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(!exists(s, &group).await);
    assert!(function_state(&c, &fa).await.vars.is_empty());
}

/// The group the function's own variables name is recorded like any other: when the user
/// points the function at another one, the next Update retires the first, and the Delete
/// deletes both (lambda-profiling created them), nothing is left behind.
#[tokio::test]
async fn a_group_the_functions_own_variables_named_before_goes_with_the_resource() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("ownvars")).await;
    let role_arn = create_role(&c, &unique("ownvarsrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let (first, second) = (unique("own-first"), unique("own-second"));
    let name = unique("ownvars");
    let arn = create_function(
        &c,
        &name,
        "python3.12",
        &role_arn,
        &[(env::GROUP_NAME, &first)],
        &[],
    )
    .await;
    let stack = Stack::new("Profiling");
    let (_, r) = stack
        .send(s, &c, "Create", props(&name, &layer, &first), None, None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        exists(s, &first).await,
        "created: the agent must report somewhere"
    );

    set_vars(&c, &name, &[(env::GROUP_NAME, &second)]).await;
    let (new, old) = (props(&name, &layer, &second), props(&name, &layer, &first));
    let id = format!("function:{arn}");
    let (_, r) = stack
        .send(s, &c, "Update", new.clone(), Some(&id), Some(old))
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        exists(s, &second).await && exists(s, &first).await,
        "kept for a rollback"
    );

    let (_, r) = stack.send(s, &c, "Delete", new, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(!exists(s, &second).await);
    assert!(!exists(s, &first).await, "the group it used before goes too");
    assert_eq!(function_state(&c, &name).await.vars[env::GROUP_NAME], second);
}

/// A group an earlier version created whose tags cannot say which resource created it (no
/// function tag here; an owner shortened with a hash is the same): a resource of this
/// version that adopts it and goes keeps it, since its creator may still profile into it.
/// (It is left for a person to delete: a leak, never a loss.) A group this version creates
/// carries the records tag, and goes with its last user.
#[tokio::test]
async fn a_group_whose_earlier_creator_cannot_be_told_is_kept() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("unknowncreator")).await;
    let role_arn = create_role(&c, &unique("unknownrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("uc");
    let arn = create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let (earlier, ours) = (unique("earlier"), unique("ours"));
    group(&c.codeguru, &earlier).await;
    let owner = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/old/1/Profiling");
    tag_group(s, &earlier, &[("lambda-profiling:owner", &owner)]).await;

    let id = format!("function:{arn}");
    for group in [&earlier, &ours] {
        let stack = Stack::new("Profiling");
        let p = props(&name, &layer, group);
        let (_, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
        let (_, r) = stack.send(s, &c, "Delete", p, Some(&id), None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
    }
    assert!(exists(s, &earlier).await, "its earlier creator may still use it");
    assert!(
        !exists(s, &ours).await,
        "created by this version: it goes with its last user"
    );
}

/// An earlier version's resource whose function was deleted before the stack: its ledger
/// does not name the group, so its Delete finds it from the properties, and the group it
/// created goes with it.
#[tokio::test]
async fn an_earlier_versions_group_goes_with_its_creator_after_the_function_did() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("gonefn")).await;
    let role_arn = create_role(&c, &unique("gonefnrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("gonefn");
    let arn = create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let group = unique("gonefn-group");
    let stack = Stack::new("Profiling");
    let p = props(&name, &layer, &group);
    let (_, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    as_earlier_versions(s, &c, &stack, &arn, &group).await;
    let id = format!("function:{arn}");

    c.lambda
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let (_, r) = stack.send(s, &c, "Delete", p, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(!exists(s, &group).await, "its creator is gone: so is the group");
}

/// The same, but the properties name a group the resource never held (here one this
/// version created, whose record is gone: as after `disable` kept it for a function
/// outside the records): its Delete leaves that group alone, since a Delete by a
/// resource that does not hold a group would decide for the group's users.
#[tokio::test]
async fn a_delete_never_releases_a_group_it_does_not_hold() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("notheld")).await;
    let role_arn = create_role(&c, &unique("notheldrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("notheld");
    let arn = create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let (held, theirs) = (unique("held"), unique("theirs"));
    let stack = Stack::new("Profiling");
    let (_, r) = stack
        .send(s, &c, "Create", props(&name, &layer, &held), None, None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    as_earlier_versions(s, &c, &stack, &arn, &held).await;
    group(&c.codeguru, &theirs).await;
    let owner = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/other/1/Profiling");
    let tags = [
        ("lambda-profiling:owner", owner.as_str()),
        ("lambda-profiling:records", "true"),
    ];
    tag_group(s, &theirs, &tags).await;

    c.lambda
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let id = format!("function:{arn}");
    let (_, r) = stack
        .send(s, &c, "Delete", props(&name, &layer, &theirs), Some(&id), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        exists(s, &theirs).await,
        "never held by this resource: left alone"
    );
}

/// The same through an Update: an earlier version's ledger does not name its group, so an
/// Update retires the group its old properties name, and the next operation releases it;
/// one the resource never held is left alone.
#[tokio::test]
async fn an_update_never_releases_a_group_it_does_not_hold() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("notheldupd")).await;
    let role_arn = create_role(&c, &unique("notheldupdrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("notheldupd");
    let arn = create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let (held, theirs) = (unique("held"), unique("theirs"));
    let stack = Stack::new("Profiling");
    let (_, r) = stack
        .send(s, &c, "Create", props(&name, &layer, &held), None, None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    as_earlier_versions(s, &c, &stack, &arn, &held).await;
    group(&c.codeguru, &theirs).await;
    let owner = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/other/1/Profiling");
    let tags = [
        ("lambda-profiling:owner", owner.as_str()),
        ("lambda-profiling:records", "true"),
    ];
    tag_group(s, &theirs, &tags).await;

    let id = format!("function:{arn}");
    let (new, old) = (props(&name, &layer, &held), props(&name, &layer, &theirs));
    for old in [old, new.clone()] {
        let (_, r) = stack
            .send(s, &c, "Update", new.clone(), Some(&id), Some(old))
            .await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
    }
    assert!(
        exists(s, &theirs).await,
        "never held by this resource: left alone"
    );
}
