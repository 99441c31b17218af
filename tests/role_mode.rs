//! Role mode against moto's IAM (acceptance 1 and 2).

mod support;

use serde_json::json;
use support::*;

const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";

#[tokio::test]
async fn role_mode_create_then_delete_attaches_then_detaches_and_keeps_the_users_things() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("role1")).await;
    let role = unique("role");
    let arn = create_role(&c, &role).await;
    c.iam
        .attach_role_policy()
        .role_name(&role)
        .policy_arn("arn:aws:iam::aws:policy/AWSLambdaExecute")
        .send()
        .await
        .unwrap();
    c.iam
        .tag_role()
        .role_name(&role)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("x")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let before = (attached_policies(&c, &role).await, role_tags(&c, &role).await);

    let stack = Stack::new("Profiling");
    let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
    let (answered, response) = stack.send(s, &c, "Create", props.clone(), None, None).await;
    assert!(answered.delivered);
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["PhysicalResourceId"], format!("role:{role}"));
    assert_eq!(response["Data"]["RoleName"], role.as_str());
    assert!(attached_policies(&c, &role).await.contains(&POLICY.to_owned()));

    // The reference is in the role's record, not in its tags.
    let id = lambda_profiling_switch::references::ledger::reference(
        &stack_id(&stack),
        "Profiling",
        &format!("role:{role}"),
    );
    assert_eq!(record_refs(&c, &role).await, [id]);
    assert_eq!(role_tags(&c, &role).await, before.1, "no tag of ours");

    let (_, response) = stack
        .send(s, &c, "Delete", props, Some(&format!("role:{role}")), None)
        .await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(
        (attached_policies(&c, &role).await, role_tags(&c, &role).await),
        before
    );
    assert!(
        record(&c, &role).await.is_none(),
        "the last Delete removes the record"
    );
}

#[tokio::test]
async fn two_stacks_share_a_role_and_a_role_that_had_the_policy_keeps_it() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("role2")).await;
    for preattached in [false, true] {
        let role = unique("shared");
        let arn = create_role(&c, &role).await;
        if preattached {
            c.iam
                .attach_role_policy()
                .role_name(&role)
                .policy_arn(POLICY)
                .send()
                .await
                .unwrap();
        }
        let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
        let id = format!("role:{role}");
        let (a, b) = (Stack::new("Profiling"), Stack::new("Profiling"));
        for stack in [&a, &b] {
            let (_, r) = stack.send(s, &c, "Create", props.clone(), None, None).await;
            assert_eq!(r["Status"], "SUCCESS", "{r}");
        }
        assert!(attached_policies(&c, &role).await.contains(&POLICY.to_owned()));

        let (_, r) = a.send(s, &c, "Delete", props.clone(), Some(&id), None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
        assert!(
            attached_policies(&c, &role).await.contains(&POLICY.to_owned()),
            "b still needs it"
        );

        let (_, r) = b.send(s, &c, "Delete", props.clone(), Some(&id), None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
        assert_eq!(
            attached_policies(&c, &role).await.contains(&POLICY.to_owned()),
            preattached,
            "preattached={preattached}"
        );
        assert!(
            role_tags(&c, &role).await.is_empty(),
            "no lambda-profiling tags left"
        );
        assert!(record(&c, &role).await.is_none(), "no record left");
    }
}

#[tokio::test]
async fn a_role_already_gone_is_deleted_successfully() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("role3")).await;
    let role = unique("gone");
    let props =
        json!({"ServiceToken": service_token(), "RoleArn": format!("arn:aws:iam::{ACCOUNT}:role/{role}")});
    let stack = Stack::new("Profiling");
    let (_, r) = stack.send(s, &c, "Create", props.clone(), None, None).await;
    assert_eq!(r["Status"], "FAILED");
    assert!(r["Reason"].as_str().unwrap().contains("does not exist"), "{r}");
    let (_, r) = stack
        .send(s, &c, "Delete", props, Some(&format!("role:{role}")), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
}

#[tokio::test]
async fn a_role_create_whose_attach_fails_takes_its_reference_back() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("role4")).await;
    let role = unique("denied");
    let arn = create_role(&c, &role).await;
    let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error><RequestId>1</RequestId></ErrorResponse>";
    let xml = json!({"Content-Type": "text/xml"});
    fault(
        &s.aws,
        &["Action=AttachRolePolicy", &format!("RoleName={role}")],
        "POST",
        1,
        403,
        xml,
        denied,
    )
    .await;
    let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
    let (_, r) = Stack::new("Profiling")
        .send(s, &c, "Create", props, None, None)
        .await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("iam:AttachRolePolicy")
            && reason.contains("lacks this permission")
            && reason.contains("undone"),
        "{reason}"
    );
    assert!(role_tags(&c, &role).await.is_empty());
    assert!(attached_policies(&c, &role).await.is_empty());
    assert!(
        record(&c, &role).await.is_none(),
        "the undo took the reference and the record back"
    );
}

/// IAM's role names are case-insensitive (the test front plays it, where moto is not):
/// two stacks that spell one role differently share one record, so the first Delete does
/// not detach the policy the other still needs.
#[tokio::test]
async fn one_role_spelt_two_ways_has_one_record() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("case")).await;
    let role = format!("Case-{}", unique("Role"));
    let arn = create_role(&c, &role).await;
    let lower = arn.replace(&role, &role.to_lowercase());
    assert_ne!(arn, lower);
    let (a, b) = (Stack::new("Profiling"), Stack::new("Profiling"));
    let (pa, pb) = (
        json!({"ServiceToken": service_token(), "RoleArn": arn}),
        json!({"ServiceToken": service_token(), "RoleArn": lower}),
    );
    let (_, r) = a.send(s, &c, "Create", pa.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let (_, r) = b.send(s, &c, "Create", pb.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(r["Data"]["RoleName"], role.as_str(), "the role's own spelling");
    assert_eq!(
        record_refs(&c, &role).await.len(),
        2,
        "one record, both references"
    );
    assert!(record(&c, &role.to_lowercase()).await.is_none());

    let id_a = format!("role:{role}");
    let (_, r) = a.send(s, &c, "Delete", pa, Some(&id_a), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        attached_policies(&c, &role).await.contains(&POLICY.to_owned()),
        "the other stack still needs the policy"
    );
    let id_b = format!("role:{}", role.to_lowercase());
    let (_, r) = b.send(s, &c, "Delete", pb, Some(&id_b), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(!attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
    assert!(record(&c, &role).await.is_none());
}

/// IAM acts in the macro stack's account: a role ARN of another account (or partition)
/// would otherwise reach a role of the same name here.
#[tokio::test]
async fn a_role_of_another_account_or_partition_is_refused() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("elsewhere")).await;
    let role = unique("samename");
    create_role(&c, &role).await;
    for arn in [
        format!("arn:aws:iam::999999999999:role/{role}"),
        format!("arn:aws-cn:iam::{ACCOUNT}:role/{role}"),
    ] {
        let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
        let (_, r) = Stack::new("Profiling")
            .send(s, &c, "Create", props, None, None)
            .await;
        assert_eq!(r["Status"], "FAILED", "{r}");
        assert!(
            r["Reason"]
                .as_str()
                .unwrap()
                .contains("give a role of this account"),
            "{r}"
        );
    }
    assert!(
        attached_policies(&c, &role).await.is_empty(),
        "the same-named role here is untouched"
    );
    assert!(record(&c, &role).await.is_none());
}
