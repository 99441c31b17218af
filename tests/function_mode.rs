//! Function mode against moto's Lambda and IAM and the CodeGuru Profiler fake
//! (acceptance 3 to 7).

mod support;

use lambda_profiling_macro::agent::env;
use serde_json::{Value, json};
use support::*;

const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";
const JAVA_LAYER: &str = "AWSCodeGuruProfilerJavaAgentLayer";
const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";

fn props(function: &str, extra: Value) -> Value {
    let mut p = json!({"ServiceToken": service_token(), "FunctionName": function});
    p.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    p
}

#[tokio::test]
async fn python_create_update_delete_restores_the_function_exactly() {
    let Some(s) = servers() else { return };
    let app = unique("fn3");
    let c = clients(s, &app).await;
    let role = unique("fnrole");
    let role_arn = create_role(&c, &role).await;
    let user_layer = publish_layer(&c, &unique("user-layer")).await;
    let (v1, v2) = (
        publish_layer(&c, PY_LAYER).await,
        publish_layer(&c, PY_LAYER).await,
    );
    let name = unique("py");
    let arn = create_function(
        &c,
        &name,
        "python3.12",
        &role_arn,
        &[("DB_HOST", "db.internal"), ("MODE", "fast")],
        std::slice::from_ref(&user_layer),
    )
    .await;
    let before = function_state(&c, &name).await;
    let stack = Stack::new("Profiler");

    let create = props(&name, json!({"LayerArn": v1}));
    let (answered, r) = stack.send(s, &c, "Create", create.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let id = format!("function:{arn}");
    assert_eq!(
        (answered.physical_id.as_str(), r["PhysicalResourceId"].as_str()),
        (id.as_str(), Some(id.as_str()))
    );
    let group = format!("aws-lambda-{name}");
    assert_eq!(r["Data"]["ProfilingGroupName"], group.as_str());
    assert_eq!(
        r["Data"]["ProfilingGroupArn"],
        format!("arn:aws:codeguru-profiler:{REGION}:{ACCOUNT}:profilingGroup/{group}")
    );
    assert_eq!(r["Data"]["LayerArn"], v1.as_str());
    assert_eq!(r["Data"]["RoleName"], role.as_str());
    let on = function_state(&c, &name).await;
    assert_eq!(on.layers, [user_layer.clone(), v1.clone()]);
    assert_eq!(on.vars["DB_HOST"], "db.internal");
    assert_eq!(on.vars[env::GROUP_NAME], group);
    assert_eq!(on.vars[env::ENABLED], "TRUE");
    assert_eq!(on.vars[env::TARGET_REGION], REGION);
    assert_eq!(on.vars[env::EXEC_WRAPPER], env::EXEC_WRAPPER_VALUE);
    assert_eq!(on.handler, before.handler);
    assert!(attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
    let groups = group_tags(s).await;
    assert!(
        groups[&group]["tags"]["lambda-profiling:owner"]
            .as_str()
            .unwrap()
            .ends_with("/Profiler")
    );
    assert_eq!(groups[&group]["computePlatform"], "AWSLambda");

    let update = props(&name, json!({"LayerArn": v2}));
    let (_, r) = stack
        .send(s, &c, "Update", update.clone(), Some(&id), Some(create))
        .await;
    assert_eq!(
        (r["Status"].as_str(), r["PhysicalResourceId"].as_str()),
        (Some("SUCCESS"), Some(id.as_str())),
        "{r}"
    );
    assert_eq!(
        function_state(&c, &name).await.layers,
        [user_layer.clone(), v2.clone()]
    );

    let (_, r) = stack.send(s, &c, "Delete", update, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await, before);
    assert!(
        group_tags(s).await.get(&group).is_none(),
        "the created group is deleted"
    );
    assert!(!attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
    assert!(role_tags(&c, &role).await.is_empty());
}

#[tokio::test]
async fn java_tool_options_are_kept_and_restored() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fn4")).await;
    let role_arn = create_role(&c, &unique("javarole")).await;
    let layer = publish_layer(&c, JAVA_LAYER).await;
    let name = unique("java");
    create_function(
        &c,
        &name,
        "java21",
        &role_arn,
        &[("JAVA_TOOL_OPTIONS", "-Xmx512m -XX:+UseG1GC")],
        &[],
    )
    .await;
    let before = function_state(&c, &name).await;
    let stack = Stack::new("JavaProfiling");
    let p = props(&name, json!({"LayerArn": layer, "HeapSummary": "true"}));
    let (answered, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let on = function_state(&c, &name).await;
    assert_eq!(
        on.vars[env::JAVA_TOOL_OPTIONS],
        format!("-Xmx512m -XX:+UseG1GC {}", env::JAVA_AGENT_FLAG)
    );
    assert_eq!(on.vars[env::HEAP_SUMMARY], "true");
    assert!(!on.vars.contains_key(env::EXEC_WRAPPER));
    let (_, r) = stack
        .send(s, &c, "Delete", p, Some(&answered.physical_id), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await, before);
}

#[tokio::test]
async fn the_same_create_twice_gives_one_layer_and_the_same_id() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fn5")).await;
    let role_arn = create_role(&c, &unique("twicerole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("twice");
    create_function(&c, &name, "python3.11", &role_arn, &[("A", "1")], &[]).await;
    let before = function_state(&c, &name).await;
    let stack = Stack::new("Twice");
    let p = props(&name, json!({"LayerArn": layer}));
    let (_, first) = stack.send(s, &c, "Create", p.clone(), None, None).await;
    let after_first = function_state(&c, &name).await;
    let (_, second) = stack.send(s, &c, "Create", p.clone(), None, None).await;
    assert_eq!(
        (first["Status"].as_str(), second["Status"].as_str()),
        (Some("SUCCESS"), Some("SUCCESS")),
        "{second}"
    );
    assert_eq!(first["PhysicalResourceId"], second["PhysicalResourceId"]);
    let after_second = function_state(&c, &name).await;
    assert_eq!(after_second, after_first);
    assert_eq!(after_second.layers, [layer]);
    // And the replay did not make Delete forget what the first Create added.
    let id = second["PhysicalResourceId"].as_str().unwrap().to_owned();
    let (_, r) = stack.send(s, &c, "Delete", p, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await, before);
}

#[tokio::test]
async fn an_existing_group_is_adopted_and_not_deleted() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fn6")).await;
    let role_arn = create_role(&c, &unique("adoptrole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("adopt");
    create_function(&c, &name, "python3.13", &role_arn, &[], &[]).await;
    let group = unique("team-group");
    c.codeguru
        .create_profiling_group()
        .profiling_group_name(&group)
        .send()
        .await
        .unwrap();
    let stack = Stack::new("Adopt");
    let p = props(&name, json!({"LayerArn": layer, "ProfilingGroupName": group}));
    let (answered, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(r["Data"]["ProfilingGroupName"], group.as_str());
    assert_eq!(function_state(&c, &name).await.vars[env::GROUP_NAME], group);
    let (_, r) = stack
        .send(s, &c, "Delete", p, Some(&answered.physical_id), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        group_tags(s).await.get(&group).is_some(),
        "an adopted group stays"
    );
    assert!(function_state(&c, &name).await.vars.is_empty());
}

#[tokio::test]
async fn bad_requests_fail_with_a_clear_reason() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fn7")).await;
    let role_arn = create_role(&c, &unique("badrole")).await;
    let node = unique("node");
    create_function(&c, &node, "nodejs20.x", &role_arn, &[], &[]).await;
    let stack = Stack::new("Bad");
    let cases = [
        (
            json!({"ServiceToken": service_token(), "FunctionName": node, "ProfilingGroupNmae": "g"}),
            "unknown property ProfilingGroupNmae: did you mean ProfilingGroupName?",
        ),
        (json!({"ServiceToken": service_token()}), "missing target"),
        (
            json!({"ServiceToken": service_token(), "FunctionName": node}),
            "nodejs20.x is not supported by CodeGuru Profiler",
        ),
        (
            json!({"ServiceToken": service_token(), "FunctionName": unique("nosuch")}),
            "does not exist",
        ),
    ];
    for (p, expected) in cases {
        let (answered, r) = stack.send(s, &c, "Create", p, None, None).await;
        assert_eq!(r["Status"], "FAILED", "{r}");
        assert!(r["Reason"].as_str().unwrap().contains(expected), "{r}");
        assert!(
            r["PhysicalResourceId"]
                .as_str()
                .unwrap()
                .starts_with("failed-create:"),
            "{r}"
        );
        assert_eq!(answered.physical_id, r["PhysicalResourceId"].as_str().unwrap());
    }
    assert!(
        function_state(&c, &node).await.vars.is_empty(),
        "nothing was changed"
    );
}

#[tokio::test]
async fn a_changed_function_is_a_replacement_and_the_shared_role_keeps_the_policy() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fnrepl")).await;
    let role = unique("replrole");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let (a, b) = (unique("first"), unique("second"));
    let arn_a = create_function(&c, &a, "python3.12", &role_arn, &[("K", "v")], &[]).await;
    let arn_b = create_function(&c, &b, "python3.12", &role_arn, &[], &[]).await;
    let (before_a, before_b) = (function_state(&c, &a).await, function_state(&c, &b).await);
    let stack = Stack::new("Moving");
    let (pa, pb) = (
        props(&a, json!({"LayerArn": layer})),
        props(&b, json!({"LayerArn": layer})),
    );
    let (_, r) = stack.send(s, &c, "Create", pa.clone(), None, None).await;
    let id_a = format!("function:{arn_a}");
    assert_eq!(r["PhysicalResourceId"], id_a.as_str(), "{r}");
    let (_, r) = stack
        .send(s, &c, "Update", pb.clone(), Some(&id_a), Some(pa.clone()))
        .await;
    let id_b = format!("function:{arn_b}");
    assert_eq!(
        (r["Status"].as_str(), r["PhysicalResourceId"].as_str()),
        (Some("SUCCESS"), Some(id_b.as_str())),
        "{r}"
    );
    // CloudFormation then deletes the old id, with the old properties.
    let (_, r) = stack.send(s, &c, "Delete", pa, Some(&id_a), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &a).await, before_a);
    assert!(group_tags(s).await.get(format!("aws-lambda-{a}")).is_none());
    assert!(
        attached_policies(&c, &role).await.contains(&POLICY.to_owned()),
        "b still needs the policy"
    );
    assert_eq!(
        function_state(&c, &b).await.vars[env::GROUP_NAME],
        format!("aws-lambda-{b}")
    );
    let (_, r) = stack.send(s, &c, "Delete", pb, Some(&id_b), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &b).await, before_b);
    assert!(!attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
}

/// A rename keeps the group it leaves until the update is over: a rollback (an Update back
/// to the old name) finds it, and the next Update or the Delete releases it.
#[tokio::test]
async fn a_group_rename_keeps_the_old_group_until_the_next_update_or_the_delete() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fngroup")).await;
    let role_arn = create_role(&c, &unique("grouprole")).await;
    let (v1, v2) = (
        publish_layer(&c, PY_LAYER).await,
        publish_layer(&c, PY_LAYER).await,
    );
    let name = unique("regroup");
    let arn = create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let stack = Stack::new("Regroup");
    let (g1, g2) = (unique("g-one"), unique("g-two"));
    let p1 = props(&name, json!({"LayerArn": v1, "ProfilingGroupName": g1}));
    let p2 = props(&name, json!({"LayerArn": v1, "ProfilingGroupName": g2}));
    let id = format!("function:{arn}");
    let exists = |groups: &Value, g: &str| groups.get(g).is_some();
    let (_, r) = stack.send(s, &c, "Create", p1.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");

    let (_, r) = stack
        .send(s, &c, "Update", p2.clone(), Some(&id), Some(p1.clone()))
        .await;
    assert_eq!(
        (r["Status"].as_str(), r["PhysicalResourceId"].as_str()),
        (Some("SUCCESS"), Some(id.as_str())),
        "{r}"
    );
    assert_eq!(r["Data"]["ProfilingGroupName"], g2.as_str());
    let on = function_state(&c, &name).await;
    assert_eq!(on.vars[env::GROUP_NAME], g2);
    assert!(on.vars[env::GROUP_ARN].ends_with(&format!("/{g2}")));
    let groups = group_tags(s).await;
    assert!(
        exists(&groups, &g1) && exists(&groups, &g2),
        "the old group waits: {groups}"
    );

    // The stack's update fails elsewhere: CloudFormation rolls this resource back.
    let (_, r) = stack
        .send(s, &c, "Update", p1.clone(), Some(&id), Some(p2.clone()))
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await.vars[env::GROUP_NAME], g1);
    let groups = group_tags(s).await;
    assert!(exists(&groups, &g1) && exists(&groups, &g2), "{groups}");

    // The next update releases what the one before left behind.
    let p1_v2 = props(&name, json!({"LayerArn": v2, "ProfilingGroupName": g1}));
    let (_, r) = stack
        .send(s, &c, "Update", p1_v2.clone(), Some(&id), Some(p1))
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let groups = group_tags(s).await;
    assert!(exists(&groups, &g1) && !exists(&groups, &g2), "{groups}");

    // A rename then the Delete: both groups go with it.
    let (_, r) = stack
        .send(s, &c, "Update", p2.clone(), Some(&id), Some(p1_v2))
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let (_, r) = stack.send(s, &c, "Delete", p2, Some(&id), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(function_state(&c, &name).await.vars.is_empty());
    let groups = group_tags(s).await;
    assert!(!exists(&groups, &g1) && !exists(&groups, &g2), "{groups}");
    assert!(item(&c, &group_key(&g1)).await.is_none() && item(&c, &group_key(&g2)).await.is_none());
}

#[tokio::test]
async fn another_exec_wrapper_gets_the_handler_redirect_and_delete_restores_it() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fnwrap")).await;
    let role_arn = create_role(&c, &unique("wraprole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("wrapped");
    let arn = create_function(
        &c,
        &name,
        "python3.12",
        &role_arn,
        &[(env::EXEC_WRAPPER, "/opt/otel-instrument")],
        &[],
    )
    .await;
    let before = function_state(&c, &name).await;
    let stack = Stack::new("Wrapped");
    let p = props(&name, json!({"LayerArn": layer}));
    let (_, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let on = function_state(&c, &name).await;
    assert_eq!(on.handler, lambda_profiling_macro::agent::REDIRECT_HANDLER);
    assert_eq!(on.vars[env::REDIRECTED_HANDLER], before.handler);
    assert_eq!(on.vars[env::EXEC_WRAPPER], "/opt/otel-instrument");
    let (_, r) = stack
        .send(s, &c, "Delete", p, Some(&format!("function:{arn}")), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await, before);
}

#[tokio::test]
async fn a_replacement_that_keeps_the_group_name_keeps_the_group() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("fnkeep")).await;
    let role_arn = create_role(&c, &unique("keeprole")).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let (a, b) = (unique("old"), unique("new"));
    let arn_a = create_function(&c, &a, "python3.12", &role_arn, &[], &[]).await;
    let arn_b = create_function(&c, &b, "python3.12", &role_arn, &[], &[]).await;
    let group = unique("shared-group");
    let stack = Stack::new("Keep");
    let pa = props(&a, json!({"LayerArn": layer, "ProfilingGroupName": group}));
    let pb = props(&b, json!({"LayerArn": layer, "ProfilingGroupName": group}));
    let (_, r) = stack.send(s, &c, "Create", pa.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let (id_a, id_b) = (format!("function:{arn_a}"), format!("function:{arn_b}"));
    let (_, r) = stack
        .send(s, &c, "Update", pb.clone(), Some(&id_a), Some(pa.clone()))
        .await;
    assert_eq!(r["PhysicalResourceId"], id_b.as_str(), "{r}");
    assert_eq!(
        record_users(&c, &group_key(&group)).await.len(),
        2,
        "the group's record holds both the old resource and its replacement"
    );
    let (_, r) = stack.send(s, &c, "Delete", pa, Some(&id_a), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        group_tags(s).await.get(&group).is_some(),
        "the new function still uses the group"
    );
    let (_, r) = stack.send(s, &c, "Delete", pb, Some(&id_b), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        group_tags(s).await.get(&group).is_none(),
        "created by this resource: deleted with it"
    );
}
