//! IAM's role names ignore case, and this version keys a role's record by IAM's own
//! spelling. Earlier versions keyed it by the spelling they were given (the stack's
//! `RoleArn`, the function's configuration), so after an upgrade one role can have two
//! records. A resource of such a record moves to IAM's spelling (an Update) or leaves
//! (a Delete) without detaching the policy, which the other record's users may still
//! need: the policy is left (for a person to detach), never lost. Against moto through
//! the test front, which plays IAM's case-insensitive names.

mod support;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_profiling::Clients;
use lambda_profiling::custom_resource::reference;
use serde_json::json;
use support::*;

const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";
const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";

/// Moves reference `id` (16 hex) from `role`'s record to one keyed by `spelling`, as an
/// earlier version wrote it: a copy of the record, with its decision that the policy is ours.
async fn as_earlier_spelling(c: &Clients, role: &str, spelling: &str, id: &str) {
    let mut own = record(c, role).await.expect("the role's record");
    let mut earlier = own.clone();
    earlier.insert("pk".into(), AttributeValue::S(format!("role#{spelling}")));
    earlier.insert("refs".into(), AttributeValue::Ss(vec![id.to_owned()]));
    let rest: Vec<String> = record_refs(c, role).await.into_iter().filter(|r| r != id).collect();
    assert!(!rest.is_empty(), "another resource stays in the role's own record");
    own.insert("refs".into(), AttributeValue::Ss(rest));
    put_item(c, earlier).await;
    put_item(c, own).await;
}

async fn has_policy(c: &Clients, role: &str) -> bool {
    attached_policies(c, role).await.contains(&POLICY.to_owned())
}

#[tokio::test]
async fn a_role_mode_resource_under_an_earlier_spelling_leaves_without_detaching() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("spelt")).await;
    let role = format!("Spelt-{}", unique("Role"));
    let arn = create_role(&c, &role).await;
    let lower = role.to_lowercase();
    let (a, b) = (Stack::new("Profiling"), Stack::new("Profiling"));
    let pa = json!({"ServiceToken": service_token(), "RoleArn": arn});
    let pb = json!({"ServiceToken": service_token(), "RoleArn": arn.replace(&role, &lower)});
    for (stack, p) in [(&a, &pa), (&b, &pb)] {
        let (_, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
    }
    let id_b = format!("role:{lower}");
    as_earlier_spelling(&c, &role, &lower, &reference(&stack_id(&b), "Profiling", &id_b)).await;

    let (_, r) = b.send(s, &c, "Delete", pb, Some(&id_b), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(has_policy(&c, &role).await, "the other stack still needs the policy");
    assert!(record(&c, &lower).await.is_none(), "the earlier spelling's reference left");

    let (_, r) = a.send(s, &c, "Delete", pa, Some(&format!("role:{role}")), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(!has_policy(&c, &role).await, "the last user of the role's own record detaches");
}

/// A function-mode resource whose earlier version's ledger names the role as the function
/// spelt it: its Update moves the reference to IAM's spelling without detaching the policy
/// (the function itself still needs it), and the last Delete detaches it.
#[tokio::test]
async fn a_function_mode_resource_under_an_earlier_spelling_moves_without_detaching() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("speltfn")).await;
    let role = format!("Spelt-{}", unique("FnRole"));
    let role_arn = create_role(&c, &role).await;
    let lower = role.to_lowercase();
    let layer = publish_layer(&c, PY_LAYER).await;
    let (fx, fy) = (unique("spelt-x"), unique("spelt-y"));
    let arn_x = create_function(&c, &fx, "python3.12", &role_arn, &[], &[]).await;
    let arn_y = create_function(&c, &fy, "python3.12", &role_arn, &[], &[]).await;
    let props = |f: &str, group: &str| {
        json!({"ServiceToken": service_token(), "FunctionName": f, "LayerArn": layer, "ProfilingGroupName": group})
    };
    let (x, y) = (Stack::new("Profiling"), Stack::new("Profiling"));
    for (stack, f) in [(&x, &fx), (&y, &fy)] {
        let (_, r) = stack.send(s, &c, "Create", props(f, "spelt"), None, None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
    }
    let (id_x, id_y) = (format!("function:{arn_x}"), format!("function:{arn_y}"));
    let ref_x = reference(&stack_id(&x), "Profiling", &id_x);
    as_earlier_spelling(&c, &role, &lower, &ref_x).await;
    let ledger = format!("ref#{ref_x}");
    as_earlier_version(&c, &ledger).await;
    let mut item = item(&c, &ledger).await.unwrap();
    item.insert("role".into(), AttributeValue::S(lower.clone()));
    put_item(&c, item).await;

    let (new, old) = (props(&fx, "spelt-renamed"), props(&fx, "spelt"));
    let (_, r) = x.send(s, &c, "Update", new.clone(), Some(&id_x), Some(old)).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(has_policy(&c, &role).await, "both functions still need the policy");
    assert!(record(&c, &lower).await.is_none(), "the reference moved");
    assert_eq!(record_refs(&c, &role).await.len(), 2);

    for (stack, p, id) in [(&y, props(&fy, "spelt"), &id_y), (&x, new, &id_x)] {
        let (_, r) = stack.send(s, &c, "Delete", p, Some(id), None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
    }
    assert!(!has_policy(&c, &role).await, "the last user detaches it");
    assert!(record(&c, &role).await.is_none());
}
