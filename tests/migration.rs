//! Migration from the versions before the references' table, which kept references as role tags
//! (`lambda-profiling:ref:<id>`, whose value is function mode's ledger, and
//! `lambda-profiling:attached-policy`): this version releases their resources correctly,
//! and a mixed fleet (a region still on the old version) converges once every region runs
//! this one. The old version is played call for call by the tag protocol's state machine
//! (`lambda_profiling_protocol::tag_format`, as the checker runs it) against moto.

mod support;

use lambda_profiling_protocol::model::{Call, IamSnap, Kind, Reply, Step};
use lambda_profiling_protocol::tag_format;
use lambda_profiling_switch::Clients;
use lambda_profiling_switch::references::ledger::{ATTACHED_KEY, REF_PREFIX, ref_key, reference};
use serde_json::json;
use support::*;

const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";
const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";

fn id_of(stack: &Stack, role: &str) -> u64 {
    u64::from_str_radix(
        &reference(&stack_id(stack), "Profiling", &format!("role:{role}")),
        16,
    )
    .unwrap()
}

/// The old version's Create or Delete of `stack`'s role-mode resource, call for call.
async fn old_version(c: &Clients, role: &str, kind: Kind, stack: &Stack) {
    let mut op = tag_format::Op::new(kind, id_of(stack, role));
    let mut step = op.next(None);
    while let Step::Call(call) = step {
        let reply = match call {
            Call::ReadAttached => {
                Reply::Attached(attached_policies(c, role).await.contains(&POLICY.to_owned()))
            }
            Call::ReadTags => {
                let tags = role_tags(c, role).await;
                let ref_tags = tags
                    .iter()
                    .filter_map(|(k, _)| k.strip_prefix(REF_PREFIX))
                    .map(|h| u64::from_str_radix(h, 16).unwrap())
                    .collect();
                let attached_tag = tags.iter().any(|(k, v)| k == ATTACHED_KEY && v == "true");
                Reply::Tags(IamSnap {
                    attached: false,
                    ref_tags,
                    attached_tag,
                })
            }
            Call::Tag { refs, attached_tag } => {
                let tag = |k: String, v: &str| {
                    aws_sdk_iam::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .unwrap()
                };
                let mut tags: Vec<_> = refs
                    .iter()
                    .map(|id| tag(format!("{REF_PREFIX}{id:016x}"), "role"))
                    .collect();
                if attached_tag {
                    tags.push(tag(ATTACHED_KEY.into(), "true"));
                }
                c.iam
                    .tag_role()
                    .role_name(role)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .unwrap();
                Reply::Ok
            }
            Call::Untag { refs, attached_tag } => {
                let mut keys: Vec<_> = refs.iter().map(|id| format!("{REF_PREFIX}{id:016x}")).collect();
                if attached_tag {
                    keys.push(ATTACHED_KEY.into());
                }
                c.iam
                    .untag_role()
                    .role_name(role)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .unwrap();
                Reply::Ok
            }
            Call::Attach => {
                c.iam
                    .attach_role_policy()
                    .role_name(role)
                    .policy_arn(POLICY)
                    .send()
                    .await
                    .unwrap();
                Reply::Ok
            }
            Call::Detach => {
                let _ = c
                    .iam
                    .detach_role_policy()
                    .role_name(role)
                    .policy_arn(POLICY)
                    .send()
                    .await;
                Reply::Ok
            }
            other => unreachable!("the tag protocol makes no {other:?}"),
        };
        step = op.next(Some(reply));
    }
}

async fn new_version(s: &Servers, c: &Clients, kind: &str, stack: &Stack, arn: &str, role: &str) {
    let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
    let physical = format!("role:{role}");
    let physical = (kind != "Create").then_some(physical.as_str());
    let (_, r) = stack
        .send(
            s,
            c,
            kind,
            props.clone(),
            physical,
            kind.eq("Update").then_some(props),
        )
        .await;
    assert_eq!(r["Status"], "SUCCESS", "{kind}: {r}");
}

async fn has_policy(c: &Clients, role: &str) -> bool {
    attached_policies(c, role).await.contains(&POLICY.to_owned())
}

async fn ours(c: &Clients, role: &str) -> Vec<String> {
    let tags = role_tags(c, role).await.into_iter().map(|(k, _)| k);
    tags.filter(|k| k.starts_with("lambda-profiling:")).collect()
}

#[tokio::test]
async fn resources_of_the_tag_version_are_released_by_this_one() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("migrate")).await;
    for users_policy in [false, true] {
        let role = unique("old-role");
        let arn = create_role(&c, &role).await;
        if users_policy {
            c.iam
                .attach_role_policy()
                .role_name(&role)
                .policy_arn(POLICY)
                .send()
                .await
                .unwrap();
        }
        let (a, b) = (Stack::new("Profiling"), Stack::new("Profiling"));
        old_version(&c, &role, Kind::Create, &a).await;
        old_version(&c, &role, Kind::Create, &b).await;
        assert_eq!(ours(&c, &role).await.len(), if users_policy { 2 } else { 3 });
        new_version(s, &c, "Delete", &a, &arn, &role).await;
        assert!(has_policy(&c, &role).await, "b still needs it");
        assert_eq!(
            ours(&c, &role).await,
            [ref_key(&stack_id(&b), "Profiling", &format!("role:{role}"))]
        );
        new_version(s, &c, "Delete", &b, &arn, &role).await;
        assert_eq!(has_policy(&c, &role).await, users_policy, "detached only if ours");
        assert!(ours(&c, &role).await.is_empty(), "no tag of ours left");
        assert!(record(&c, &role).await.is_none(), "no record left");
    }
}

/// One region still runs the old version while another runs this one, one request at a
/// time: this version takes the attached tag into the record at first touch (old Deletes
/// then never detach), keeps the policy while an old reference is on the role, and moves
/// a reference the old version made later once this version updates or deletes it.
#[tokio::test]
async fn a_mixed_fleet_converges() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("mixed")).await;
    let role = unique("mixed-role");
    let arn = create_role(&c, &role).await;
    let (o, b, p) = (
        Stack::new("Profiling"),
        Stack::new("Profiling"),
        Stack::new("Profiling"),
    );
    old_version(&c, &role, Kind::Create, &o).await;
    new_version(s, &c, "Create", &b, &arn, &role).await;
    assert!(
        !ours(&c, &role).await.contains(&ATTACHED_KEY.to_owned()),
        "the attached tag is in the record now"
    );
    old_version(&c, &role, Kind::Delete, &o).await;
    assert!(
        has_policy(&c, &role).await,
        "an old Delete no longer detaches under B"
    );
    old_version(&c, &role, Kind::Create, &p).await;
    new_version(s, &c, "Delete", &b, &arn, &role).await;
    assert!(
        has_policy(&c, &role).await,
        "P, a tag-format reference, still needs it"
    );
    // P's region is upgraded: its next stack update moves P from its tag to the table.
    new_version(s, &c, "Update", &p, &arn, &role).await;
    assert!(ours(&c, &role).await.is_empty(), "{:?}", ours(&c, &role).await);
    assert_eq!(
        record_refs(&c, &role).await,
        [format!("{:016x}", id_of(&p, &role))]
    );
    new_version(s, &c, "Delete", &p, &arn, &role).await;
    assert!(
        !has_policy(&c, &role).await,
        "the last Delete detached the policy lambda-profiling attached"
    );
    assert!(ours(&c, &role).await.is_empty() && record(&c, &role).await.is_none());
}

/// Function mode's ledger used to be the reference tag's value: a resource whose ledger is
/// there (and not in the table) is still restored exactly by this version's Delete.
#[tokio::test]
async fn a_function_mode_resource_of_the_tag_version_is_restored_exactly() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("migrate-fn")).await;
    let role = unique("fn-old-role");
    let role_arn = create_role(&c, &role).await;
    let layer = publish_layer(&c, PY_LAYER).await;
    let name = unique("old-fn");
    let fn_arn = create_function(&c, &name, "python3.12", &role_arn, &[("KEEP", "1")], &[]).await;
    let before = function_state(&c, &name).await;
    let stack = Stack::new("Profiling");
    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let (_, r) = stack.send(s, &c, "Create", props.clone(), None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    // Rewrite the state as the old version kept it: the ledger in the tag, no table items.
    let physical = format!("function:{fn_arn}");
    let id = reference(&stack_id(&stack), "Profiling", &physical);
    let ledger = item(&c, &format!("ref#{id}")).await.expect("the ledger item");
    let ledger = ledger["ledger"].as_s().unwrap().clone();
    for pk in [format!("ref#{id}"), format!("role#{role}")] {
        let key = aws_sdk_dynamodb::types::AttributeValue::S(pk);
        c.dynamodb
            .delete_item()
            .table_name(&c.table.name)
            .key("pk", key)
            .send()
            .await
            .unwrap();
    }
    let tag = |k: &str, v: &str| {
        aws_sdk_iam::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    let tags = vec![
        tag(&ref_key(&stack_id(&stack), "Profiling", &physical), &ledger),
        tag(ATTACHED_KEY, "true"),
    ];
    c.iam
        .tag_role()
        .role_name(&role)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();

    let (_, r) = stack.send(s, &c, "Delete", props, Some(&physical), None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    assert_eq!(function_state(&c, &name).await, before, "restored exactly");
    assert!(!has_policy(&c, &role).await && ours(&c, &role).await.is_empty());
    assert!(record(&c, &role).await.is_none() && item(&c, &format!("ref#{id}")).await.is_none());
}
