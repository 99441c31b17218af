//! The AWS calls of the custom resource's operations, end to end against moto and the
//! CodeGuru Profiler fake: how many a function-mode Create makes, which run at once,
//! throttling and server errors survived (acceptance 9), and a Create that fails midway
//! taking back what it changed.

mod support;

use serde_json::json;
use support::*;

const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";

#[tokio::test]
async fn function_mode_create_makes_twenty_four_calls_on_a_new_role_and_eighteen_on_a_known_one() {
    let Some(s) = servers() else { return };
    let setup = clients(s, &unique("setup")).await;
    let role_arn = create_role(&setup, &unique("countrole")).await;
    let layer = publish_layer(&setup, PY_LAYER).await;
    let mut counts = Vec::new();
    for _ in 0..2 {
        let name = unique("count");
        create_function(&setup, &name, "python3.12", &role_arn, &[], &[]).await;
        let app = unique("count");
        let c = clients(s, &app).await;
        let p = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
        let (_, r) = Stack::new("Count").send(s, &c, "Create", p, None, None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
        let mut made: Vec<String> = calls(s, &app)
            .await
            .into_iter()
            .map(|seen| {
                if seen.action.is_empty() {
                    seen.method
                } else {
                    seen.action
                }
            })
            .collect();
        made.sort();
        eprintln!("function-mode Create: {} AWS calls: {made:?}", made.len());
        counts.push(made);
    }
    // Each Create here has a new group (its default name is its function's).
    let first = [
        "AttachRolePolicy",
        "GET",     // GetFunctionConfiguration
        "GET",     // the group's tags: does it exist, did an earlier version make it?
        "GET",     // the function read back, and judged as status judges it
        "GetItem", // the ledger item
        "GetItem", // the group's record: none
        "GetItem", // made
        "GetItem", // decided
        "GetItem", // the role's record: none
        "GetItem", // made
        "GetItem", // decided
        "GetRole", // the role's own spelling, which keys its record
        "ListAttachedRolePolicies",
        "ListRoleTags", // a tag-format reference's ledger?
        "ListRoleTags", // whose the policy is, and tag-format references
        "POST",         // CreateProfilingGroup
        "PUT",          // UpdateFunctionConfiguration
        "PutItem",      // the ledger item
        "PutItem",      // the group's record
        "PutItem",      // the role's record
        "UpdateItem",   // whose the group is
        "UpdateItem",   // the group's reference
        "UpdateItem",   // whose the policy is
        "UpdateItem",   // the role's reference
    ];
    assert_eq!(counts[0], first);
    let next = [
        "AttachRolePolicy",
        "GET",
        "GET",
        "GET",
        "GetItem",
        "GetItem",
        "GetItem",
        "GetItem",
        "GetItem",
        "GetRole",
        "ListRoleTags",
        "POST",
        "PUT",
        "PutItem",
        "PutItem",
        "UpdateItem",
        "UpdateItem",
        "UpdateItem",
    ];
    assert_eq!(counts[1], next);
}

/// The group and the role's policy do not depend on each other: while the group's
/// creation is held up, the reference is recorded and the policy attached.
#[tokio::test]
async fn the_group_and_the_role_policy_are_set_up_at_the_same_time() {
    let Some(s) = servers() else { return };
    let setup = clients(s, &unique("setup")).await;
    let role = unique("concurrole");
    let role_arn = create_role(&setup, &role).await;
    let layer = publish_layer(&setup, PY_LAYER).await;
    let name = unique("concur");
    create_function(&setup, &name, "python3.12", &role_arn, &[], &[]).await;
    delay(&s.codeguru, &["/profilingGroups", &name], "POST", 1, 1000).await;
    let app = unique("concur");
    let c = clients(s, &app).await;
    let p = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let (_, r) = Stack::new("Concur").send(s, &c, "Create", p, None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");

    let made = calls(s, &app).await;
    let group = made
        .iter()
        .find(|seen| seen.method == "POST" && seen.path == "/profilingGroups")
        .expect("the group was created");
    let role_calls: Vec<_> = made
        .iter()
        .filter(|seen| ["ListAttachedRolePolicies", "AttachRolePolicy"].contains(&seen.action.as_str()))
        .collect();
    // Whose the policy is, then the attach.
    assert_eq!(role_calls.len(), 2, "{made:#?}");
    let end = |seen: &Seen| seen.ended.expect("answered");
    let role_start = role_calls
        .iter()
        .map(|seen| seen.started)
        .fold(f64::MAX, f64::min);
    let role_end = role_calls.iter().map(|seen| end(seen)).fold(0.0, f64::max);
    assert!(
        role_start < end(group) && group.started < role_end,
        "the role's calls ({role_start:.3}..{role_end:.3}) did not overlap the group's creation ({:.3}..{:.3}): {made:#?}",
        group.started,
        end(group)
    );
}

#[tokio::test]
async fn throttling_and_server_errors_for_the_first_tries_converge() {
    let Some(s) = servers() else { return };
    let app = unique("faults");
    let c = clients(s, &app).await;
    let role = unique("faultrole");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("faulty");
    create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let throttled_xml = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>";
    let xml = json!({"Content-Type": "text/xml"});
    fault(
        &s.aws,
        &["Action=AttachRolePolicy", &format!("RoleName={role}")],
        "POST",
        2,
        400,
        xml.clone(),
        throttled_xml,
    )
    .await;
    fault(
        &s.aws,
        &["Action=ListRoleTags", &format!("RoleName={role}")],
        "POST",
        1,
        500,
        xml,
        "",
    )
    .await;
    let lambda_500 = json!({"x-amzn-ErrorType": "ServiceException", "Content-Type": "application/json"});
    fault(
        &s.aws,
        &[&name, "/configuration"],
        "PUT",
        2,
        500,
        lambda_500,
        r#"{"message":"internal error"}"#,
    )
    .await;
    let throttled = json!({"x-amzn-ErrorType": "ThrottlingException", "Content-Type": "application/json"});
    fault(
        &s.codeguru,
        &["/profilingGroups", &format!("aws-lambda-{name}")],
        "POST",
        2,
        429,
        throttled,
        r#"{"message":"Rate exceeded"}"#,
    )
    .await;

    let p = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let (_, r) = Stack::new("Faults").send(s, &c, "Create", p, None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await.layers, [layer]);
    let made = calls(s, &app).await;
    let count = |pred: &dyn Fn(&Seen) -> bool| made.iter().filter(|x| pred(x)).count();
    assert_eq!(
        count(&|x| x.action == "AttachRolePolicy"),
        3,
        "two throttled, then attached"
    );
    assert_eq!(
        count(&|x| x.method == "PUT" && x.path.ends_with("/configuration")),
        3
    );
    assert_eq!(count(&|x| x.method == "POST" && x.path == "/profilingGroups"), 3);
}

#[tokio::test]
async fn a_create_that_fails_midway_undoes_what_it_changed() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("undo")).await;
    let role = unique("undorole");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("undo");
    create_function(&c, &name, "python3.12", &role_arn, &[("A", "1")], &[]).await;
    let before = function_state(&c, &name).await;
    let invalid =
        json!({"x-amzn-ErrorType": "InvalidParameterValueException", "Content-Type": "application/json"});
    fault(
        &s.aws,
        &[&name, "/configuration"],
        "PUT",
        1,
        400,
        invalid,
        r#"{"message":"Layers are not valid"}"#,
    )
    .await;
    let p = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let (_, r) = Stack::new("Undo").send(s, &c, "Create", p, None, None).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("InvalidParameterValueException") && reason.contains("was undone"),
        "{reason}"
    );
    assert_eq!(function_state(&c, &name).await, before);
    assert!(
        group_tags(s).await.get(format!("aws-lambda-{name}")).is_none(),
        "the group it made is gone"
    );
    assert!(attached_policies(&c, &role).await.is_empty());
    assert!(role_tags(&c, &role).await.is_empty());
}
