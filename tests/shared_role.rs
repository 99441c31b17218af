//! A platform team's shared role: a thousand stacks' resources on one role,
//! eight requests at a time, with IAM's 50-tags-per-role quota enforced by the front and
//! the role already carrying 50 tags of the user's own; then every one is deleted.
//! The answers go to a local sink rather than to S3 (the other suites check those), so
//! that moto's time goes to IAM and DynamoDB.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use futures_util::StreamExt;
use lambda_profiling::custom_resource::{self, Status};
use serde_json::json;
use support::*;

/// Accepts every PUT on 127.0.0.1 with 200 (keep-alive, one thread per connection).
fn sink() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut length = 0;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':')
                            && k.eq_ignore_ascii_case("content-length")
                        {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    if writer
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}/response")
}

const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";
const STACKS: usize = 1_000;
const AT_ONCE: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_stacks_share_one_role_and_all_are_deleted() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("thousand")).await;
    let role = unique("platform");
    let arn = create_role(&c, &role).await;
    // The role's tags are the user's, up to IAM's quota: nothing of ours needs one.
    let tag = |i: usize| {
        aws_sdk_iam::types::Tag::builder()
            .key(format!("team-{i}"))
            .value("x")
            .build()
            .unwrap()
    };
    let user_tags: Vec<_> = (0..50).map(tag).collect();
    c.iam
        .tag_role()
        .role_name(&role)
        .set_tags(Some(user_tags))
        .send()
        .await
        .unwrap();
    let over = c.iam.tag_role().role_name(&role).tags(tag(50)).send().await;
    let code = over
        .expect_err("the front enforces IAM's quota")
        .into_service_error();
    assert!(code.is_limit_exceeded_exception(), "{code:?}");
    let before = role_tags(&c, &role).await;
    assert_eq!(before.len(), 50);

    let props = json!({"ServiceToken": service_token(), "RoleArn": arn});
    let stacks: Vec<Stack> = (0..STACKS).map(|_| Stack::new("Profiling")).collect();
    let started = std::time::Instant::now();
    let url = sink();
    let answers = |kind: &'static str| {
        let (c, props, role, url) = (&c, &props, &role, &url);
        futures_util::stream::iter(&stacks)
            .map(move |stack| async move {
                let physical = format!("role:{role}");
                let physical = (kind == "Delete").then_some(physical.as_str());
                let e = event(
                    kind,
                    url,
                    &stack.name,
                    &stack.logical,
                    props.clone(),
                    physical,
                    None,
                );
                custom_resource::handle(e, deadline(120), c).await
            })
            .buffer_unordered(AT_ONCE)
            .collect::<Vec<_>>()
    };
    let created = answers("Create").await;
    let failed: Vec<_> = created
        .iter()
        .filter(|a| a.status != Status::Success || !a.delivered)
        .collect();
    assert!(
        failed.is_empty(),
        "{} Creates failed, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    let created_in = started.elapsed();

    assert!(attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
    assert_eq!(role_tags(&c, &role).await, before, "no tag of ours on the role");
    let mut expected: Vec<String> = stacks
        .iter()
        .map(|st| {
            lambda_profiling_switch::references::ledger::reference(
                &stack_id(st),
                "Profiling",
                &format!("role:{role}"),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(
        record_refs(&c, &role).await,
        expected,
        "every stack's reference, once"
    );

    let deleted = answers("Delete").await;
    let failed: Vec<_> = deleted
        .iter()
        .filter(|a| a.status != Status::Success || !a.delivered)
        .collect();
    assert!(
        failed.is_empty(),
        "{} Deletes failed, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    assert!(
        !attached_policies(&c, &role).await.contains(&POLICY.to_owned()),
        "the last Delete detached it"
    );
    assert_eq!(role_tags(&c, &role).await, before, "the user's tags, untouched");
    assert!(record(&c, &role).await.is_none(), "no record left");
    eprintln!(
        "{STACKS} stacks on one role: created in {created_in:.1?}, all deleted after {:.1?}",
        started.elapsed()
    );
}
