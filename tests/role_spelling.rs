//! IAM's role names ignore case, and this version keys a role's record by IAM's own
//! spelling. Earlier versions keyed it by the spelling they were given (the stack's
//! `RoleArn`, the function's configuration), so after an upgrade one role can have two
//! records. The last user of either record detaches the policy only when no record of
//! another spelling still holds references (a Scan of the role records finds them): a
//! function-mode resource moves to IAM's spelling on its Update, and the last of all
//! detaches. Against moto through the test front, which plays IAM's case-insensitive names.

mod support;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_profiling_switch::Clients;
use lambda_profiling_switch::references::ledger::reference;
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
    let rest: Vec<String> = record_refs(c, role)
        .await
        .into_iter()
        .filter(|r| r != id)
        .collect();
    assert!(
        !rest.is_empty(),
        "another resource stays in the role's own record"
    );
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
    assert!(
        has_policy(&c, &role).await,
        "the other stack still needs the policy"
    );
    assert!(
        record(&c, &lower).await.is_none(),
        "the earlier spelling's reference left"
    );

    let (_, r) = a
        .send(s, &c, "Delete", pa, Some(&format!("role:{role}")), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        !has_policy(&c, &role).await,
        "the last user of the role's own record detaches"
    );
}

/// The other order: the last user of the role's own record goes first, while a record of
/// an earlier spelling still holds a reference. The policy stays for that one (found by
/// a Scan of the role records), which detaches it as the last of all.
#[tokio::test]
async fn the_roles_own_record_emptied_first_keeps_the_policy_for_the_other_spelling() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("speltrev")).await;
    let role = format!("Spelt-{}", unique("RevRole"));
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

    let (_, r) = a
        .send(s, &c, "Delete", pa, Some(&format!("role:{role}")), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        has_policy(&c, &role).await,
        "the other spelling's stack still needs it"
    );
    let (_, r) = b.send(s, &c, "Delete", pb, Some(&id_b), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(record(&c, &lower).await.is_none() && record(&c, &role).await.is_none());
    assert!(!has_policy(&c, &role).await, "the last of all detaches it");
}

/// Two functions of one role, each with a function-mode resource; X's as an earlier
/// version left it: its ledger names the role as the function spelt it, in lower case, and
/// its reference is in that spelling's record.
struct Fleet {
    role: String,
    lower: String,
    x: (Stack, String, String),
    y: (Stack, String, String),
    layer: String,
}

impl Fleet {
    fn props(&self, f: &str, group: &str) -> serde_json::Value {
        json!({"ServiceToken": service_token(), "FunctionName": f, "LayerArn": self.layer, "ProfilingGroupName": group})
    }
}

async fn fleet(s: &Servers, c: &Clients) -> Fleet {
    let role = format!("Spelt-{}", unique("FnRole"));
    let role_arn = create_role(c, &role).await;
    let layer = publish_layer(c, PY_LAYER).await;
    let mut made = Vec::new();
    for prefix in ["spelt-x", "spelt-y"] {
        let f = unique(prefix);
        let arn = create_function(c, &f, "python3.12", &role_arn, &[], &[]).await;
        made.push((Stack::new("Profiling"), f, format!("function:{arn}")));
    }
    let y = made.pop().unwrap();
    let x = made.pop().unwrap();
    let fleet = Fleet {
        lower: role.to_lowercase(),
        role,
        x,
        y,
        layer,
    };
    for (stack, f, _) in [&fleet.x, &fleet.y] {
        let (_, r) = stack
            .send(s, c, "Create", fleet.props(f, "spelt"), None, None)
            .await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
    }
    let ref_x = reference(&stack_id(&fleet.x.0), "Profiling", &fleet.x.2);
    as_earlier_spelling(c, &fleet.role, &fleet.lower, &ref_x).await;
    let ledger = format!("ref#{ref_x}");
    as_earlier_version(c, &ledger).await;
    let mut item = item(c, &ledger).await.unwrap();
    item.insert("role".into(), AttributeValue::S(fleet.lower.clone()));
    put_item(c, item).await;
    fleet
}

/// The earlier-spelled resource's Update moves its reference to IAM's spelling without
/// detaching the policy (both functions still need it); the last Delete detaches it.
#[tokio::test]
async fn a_function_mode_resource_under_an_earlier_spelling_moves_without_detaching() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("speltfn")).await;
    let f = fleet(s, &c).await;
    let ((x, fx, id_x), (y, fy, id_y)) = (&f.x, &f.y);
    let (new, old) = (f.props(fx, "spelt-renamed"), f.props(fx, "spelt"));
    let (_, r) = x.send(s, &c, "Update", new.clone(), Some(id_x), Some(old)).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        has_policy(&c, &f.role).await,
        "both functions still need the policy"
    );
    assert!(record(&c, &f.lower).await.is_none(), "the reference moved");
    assert_eq!(record_refs(&c, &f.role).await.len(), 2);

    for (stack, p, id) in [(y, f.props(fy, "spelt"), id_y), (x, new, id_x)] {
        let (_, r) = stack.send(s, &c, "Delete", p, Some(id), None).await;
        assert_eq!(r["Status"], "SUCCESS", "{r}");
    }
    assert!(!has_policy(&c, &f.role).await, "the last user detaches it");
    assert!(record(&c, &f.role).await.is_none());
}

/// The earlier-spelled resource's Delete leaves its record without detaching the policy,
/// which the other function, in the role's own record, still needs.
#[tokio::test]
async fn a_function_mode_resource_under_an_earlier_spelling_leaves_without_detaching() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("speltdel")).await;
    let f = fleet(s, &c).await;
    let ((x, fx, id_x), (y, fy, id_y)) = (&f.x, &f.y);
    let (_, r) = x
        .send(s, &c, "Delete", f.props(fx, "spelt"), Some(id_x), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        has_policy(&c, &f.role).await,
        "the other function still needs the policy"
    );
    assert!(record(&c, &f.lower).await.is_none(), "the reference left");
    assert!(
        function_state(&c, fx).await.layers.is_empty(),
        "its function is restored"
    );

    let (_, r) = y
        .send(s, &c, "Delete", f.props(fy, "spelt"), Some(id_y), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        !has_policy(&c, &f.role).await,
        "the last user of the role's own record detaches it"
    );
}

/// The other order in function mode: the function in the role's own record goes first;
/// the policy stays for the function whose resource is in the earlier spelling's record.
#[tokio::test]
async fn a_function_in_the_roles_own_record_leaving_first_keeps_the_policy() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("speltfnrev")).await;
    let f = fleet(s, &c).await;
    let (y, fy, id_y) = &f.y;
    let (_, r) = y
        .send(s, &c, "Delete", f.props(fy, "spelt"), Some(id_y), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(
        has_policy(&c, &f.role).await,
        "X's function still needs the policy"
    );
    assert_eq!(status_of(s, &f.x.1).await.0, "profiled");
}

/// A macro stack whose role may not Scan the table yet (its template predates the grant):
/// the last user's Delete succeeds and keeps the policy, since it cannot see whether a
/// record of another spelling still needs it (left for a person, never detached unseen).
/// The front answers the Scan with AWS's AccessDeniedException.
#[tokio::test]
async fn a_denied_scan_keeps_the_policy_and_the_delete_succeeds() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("noscan")).await;
    let role = format!("NoScan-{}", unique("Role"));
    let arn = create_role(&c, &role).await;
    let stack = Stack::new("Profiling");
    let p = json!({"ServiceToken": service_token(), "RoleArn": arn});
    let (_, r) = stack.send(s, &c, "Create", p.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let table = format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{}", c.table.name);
    deny(s, &["begins_with(pk, :role)"], "POST", "dynamodb:Scan", &table).await;
    let (_, r) = stack
        .send(s, &c, "Delete", p, Some(&format!("role:{role}")), None)
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert!(has_policy(&c, &role).await, "kept: the Scan could not look");
    assert!(
        record(&c, &role).await.is_none(),
        "the reference is gone all the same"
    );
}
