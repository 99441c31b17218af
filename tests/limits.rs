//! The limits that remain, each reached for real against moto: the reason
//! CloudFormation gets names the limit, how many resources share the role, and what to do.
//! Also the Delete of an id CloudFormation invented for a Create that never answered.

mod support;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_profiling::custom_resource;
use serde_json::json;
use support::*;

const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";

fn text(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A role's record, decided (lambda-profiling's policy), with these references.
fn decided(role: &str, refs: Vec<String>) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        ("pk".to_owned(), text(&format!("role#{role}"))),
        ("gen".to_owned(), text("00000000000000ab")),
        ("ours".to_owned(), AttributeValue::Bool(true)),
    ]);
    if !refs.is_empty() {
        item.insert("refs".into(), AttributeValue::Ss(refs));
    }
    item
}

async fn create(s: &Servers, c: &lambda_profiling_switch::Clients, arn: &str) -> serde_json::Value {
    let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
    Stack::new("Profiling")
        .send(s, c, "Create", props, None, None)
        .await
        .1
}

#[tokio::test]
async fn the_twenty_thousand_and_first_reference_is_refused_with_the_limit_named() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("cap")).await;
    let role = unique("capped");
    let arn = create_role(&c, &role).await;
    put_item(
        &c,
        decided(&role, (0..20_000u64).map(|i| format!("{i:016x}")).collect()),
    )
    .await;
    let r = create(s, &c, &arn).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    for part in [
        "already shared by 20000 lambda-profiling resources",
        "400 KB",
        "another execution role",
    ] {
        assert!(reason.contains(part), "{part}: {reason}");
    }
    assert_eq!(record_refs(&c, &role).await.len(), 20_000, "nothing added");
}

#[tokio::test]
async fn the_managed_policies_quota_is_named_with_the_sharing_stacks() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("quota")).await;
    let role = unique("full");
    let arn = create_role(&c, &role).await;
    let full = "<ErrorResponse><Error><Type>Sender</Type><Code>LimitExceeded</Code><Message>Cannot exceed quota for PoliciesPerRole: 10</Message></Error><RequestId>1</RequestId></ErrorResponse>";
    let xml = json!({"Content-Type": "text/xml"});
    let matching = ["Action=AttachRolePolicy", &format!("RoleName={role}")];
    fault(&s.aws, &matching, "POST", 1, 409, xml, full).await;
    let r = create(s, &c, &arn).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let reason = r["Reason"].as_str().unwrap();
    for part in [
        "Managed policies per role",
        "1 lambda-profiling resource(s) share this role",
        "raise the quota",
        "undone",
    ] {
        assert!(reason.contains(part), "{part}: {reason}");
    }
    assert!(
        record(&c, &role).await.is_none(),
        "the failed Create took its reference back"
    );
}

#[tokio::test]
async fn a_create_waits_for_a_detaching_delete_and_names_it_when_out_of_time() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("lease")).await;
    let role = unique("leased");
    let arn = create_role(&c, &role).await;
    let far = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600)
        .to_string();
    let lease = HashMap::from([
        ("owner".to_owned(), text("00000000000000cd")),
        ("token".to_owned(), text("req")),
        ("until".to_owned(), AttributeValue::N(far)),
        (
            "stack".to_owned(),
            text("arn:aws:cloudformation:us-east-1:123456789012:stack/leaving/1"),
        ),
    ]);
    let mut item = decided(&role, Vec::new());
    item.insert("lease".into(), AttributeValue::M(lease));
    put_item(&c, item).await;
    let url = response_url(s, &unique("response")).await;
    let e = event(
        "Create",
        &url,
        &unique("stack"),
        "Profiling",
        json!({"RoleArn": arn}),
        None,
        None,
    );
    let started = std::time::Instant::now();
    let answered = custom_resource::handle(e, deadline(20), &c).await;
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(4),
        "it waited"
    );
    let reason = answered.reason.unwrap_or_default();
    eprintln!("the lease: {reason}");
    for part in [
        "a lambda-profiling Delete (stack arn:aws:cloudformation",
        "leaving",
        "share the role",
        "Retry after",
    ] {
        assert!(reason.contains(part), "{part}: {reason}");
    }
    assert!(
        !attached_policies(&c, &role).await.contains(&POLICY.to_owned()),
        "no attach past the lease"
    );
}

#[tokio::test]
async fn a_missing_table_says_where_to_deploy_the_macro_stack() {
    let Some(s) = servers() else { return };
    let mut c = clients(s, &unique("notable")).await;
    c.table.name = "not-deployed".into();
    let role = unique("r");
    let arn = create_role(&c, &role).await;
    let r = create(s, &c, &arn).await;
    let reason = r["Reason"].as_str().unwrap();
    assert!(
        reason.contains("reference table not-deployed does not exist in us-east-1: deploy the macro stack"),
        "{reason}"
    );
}

/// A Create that died after recording its reference never answered; CloudFormation then
/// deletes an id it invented. That Delete releases the reference (and the policy with it).
#[tokio::test]
async fn the_delete_of_an_invented_id_releases_what_its_create_held() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("invented")).await;
    let role = unique("stranded");
    let arn = create_role(&c, &role).await;
    let stack = Stack::new("Profiling");
    let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
    let (_, r) = stack.send(s, &c, "Create", props.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    // As if its answer had been lost: CloudFormation gives up and deletes an id of its own.
    let invented = format!("{}-Profiling-1A2B3C4D", stack.name);
    let (_, r) = stack
        .send(s, &c, "Delete", props.clone(), Some(&invented), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(!attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
    assert!(record(&c, &role).await.is_none());
    // Another stack's invented id holds nothing here: nothing is touched.
    let other = Stack::new("Profiling");
    let (_, r) = other.send(s, &c, "Create", props.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let (_, r) = Stack::new("Profiling")
        .send(s, &c, "Delete", props, Some(&invented), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        attached_policies(&c, &role).await.contains(&POLICY.to_owned()),
        "the other stack keeps it"
    );
    assert_eq!(record_refs(&c, &role).await.len(), 1);
}
