//! The guards of the lifecycle runner and the responder, end to end: failed and invented
//! ids (acceptance 8), the response's delivery, deadline, size, headers and URL rules (10).
//! The AWS calls an operation makes are `tests/aws_calls.rs`.

mod support;

use std::time::{Duration, Instant};

use lambda_profiling::custom_resource;
use serde_json::json;
use support::*;

#[tokio::test]
async fn deletes_of_failed_or_invented_ids_succeed_without_aws_calls() {
    let Some(s) = servers() else { return };
    let app = unique("ids");
    let c = clients(s, &app).await;
    let stack = Stack::new("Profiler");
    let bad = json!({"ServiceToken": service_token(), "FunctionName": "f", "Bogus": "1"});
    let (_, r) = stack.send(s, &c, "Create", bad.clone(), None, None).await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    let failed_id = r["PhysicalResourceId"].as_str().unwrap().to_owned();
    assert!(failed_id.starts_with("failed-create:"));
    let invented = format!("{}-Profiler-1A2B3C4D5E6F", stack.name);
    for id in [
        failed_id.as_str(),
        invented.as_str(),
        "function:not-an-arn",
        "role:",
    ] {
        let (answered, r) = stack.send(s, &c, "Delete", bad.clone(), Some(id), None).await;
        assert_eq!(
            (r["Status"].as_str(), r["PhysicalResourceId"].as_str()),
            (Some("SUCCESS"), Some(id)),
            "{r}"
        );
        assert!(answered.delivered);
    }
    let made = calls(s, &app).await;
    assert!(made.is_empty(), "no AWS calls expected, got {made:?}");
}

/// The calls of a function-mode Create, by name: the first on a role makes its record
/// (and decides whose the policy is); the next only joins it.
#[tokio::test]
async fn the_response_put_failing_twice_lands_once() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("s3faults")).await;
    let key = unique("flaky-response");
    let url = response_url(s, &key).await;
    fault(
        &s.aws,
        &[&key],
        "PUT",
        2,
        503,
        json!({}),
        "<Error><Code>SlowDown</Code></Error>",
    )
    .await;
    let e = event(
        "Delete",
        &url,
        "stack",
        "Res",
        json!({"ServiceToken": service_token()}),
        Some("failed-create:x"),
        None,
    );
    let answered = custom_resource::handle(e, deadline(60), &c).await;
    assert!(answered.delivered, "{answered:?}");
    let puts = requests_to(s, &key)
        .await
        .into_iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(puts, 3, "two failures, one success, no more");
    let (response, _) = read_response(s, &key).await.expect("the response landed");
    assert_eq!(response["Status"], "SUCCESS");
}

#[tokio::test]
async fn a_deadline_seconds_away_is_answered_failed_in_time() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("deadline")).await;
    let name = unique("stuck");
    // Lambda keeps saying an update is in progress: the code would wait forever.
    let stuck = json!({"FunctionName": name, "FunctionArn": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
        "Runtime": "python3.12", "LastUpdateStatus": "InProgress", "State": "Active"});
    fault(
        &s.aws,
        &[&name, "/configuration"],
        "GET",
        10_000,
        200,
        json!({"Content-Type": "application/json"}),
        &stuck.to_string(),
    )
    .await;
    let key = unique("deadline-response");
    let url = response_url(s, &key).await;
    let e = event(
        "Create",
        &url,
        "stack",
        "Res",
        json!({"ServiceToken": service_token(), "FunctionName": name}),
        None,
        None,
    );
    let start = Instant::now();
    let answered = custom_resource::handle(e, Instant::now() + Duration::from_secs(3), &c).await;
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        start.elapsed()
    );
    assert!(answered.delivered);
    let (response, _) = read_response(s, &key).await.unwrap();
    assert_eq!(response["Status"], "FAILED");
    assert!(
        response["Reason"].as_str().unwrap().contains("timeout"),
        "{response}"
    );
    assert!(
        response["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with("failed-create:")
    );
}

#[tokio::test]
async fn a_long_reason_is_trimmed_to_4096_bytes_sent_with_empty_content_type() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("long")).await;
    let key = unique("long-response");
    let url = response_url(s, &key).await;
    let long_name = "Unknown\"Property".repeat(600);
    let e = event(
        "Create",
        &url,
        "stack",
        "Res",
        json!({"ServiceToken": service_token(), long_name: "x"}),
        None,
        None,
    );
    let answered = custom_resource::handle(e, deadline(30), &c).await;
    assert!(
        answered.reason.as_ref().unwrap().len() > 9000,
        "the reason itself is long"
    );
    let put = requests_to(s, &key)
        .await
        .into_iter()
        .find(|r| r.method == "PUT")
        .expect("one PUT");
    assert_eq!(put.content_type.as_deref(), Some(""), "{put:?}");
    let length: usize = put.content_length.as_deref().unwrap().parse().unwrap();
    assert!(length <= 4096, "{length}");
    let (response, _) = read_response(s, &key).await.unwrap();
    assert_eq!(
        serde_json::to_vec(&response).unwrap().len(),
        length,
        "the object is the whole, valid body"
    );
    assert_eq!(response["Status"], "FAILED");
    assert!(response["Reason"].as_str().unwrap().ends_with("[truncated]"));
}

#[tokio::test]
async fn a_response_url_not_of_cloudformations_bucket_is_refused_and_nothing_is_sent_or_done() {
    let Some(s) = servers() else { return };
    let app = unique("refuse");
    let c = clients(s, &app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let role_arn = create_role(&clients(s, &unique("setup")).await, &unique("refuserole")).await;
    for url in [
        format!("http://localhost:{port}/bucket/key"),
        format!("https://localhost:{port}/bucket/key"),
        "https://attacker.example.com/collect".to_owned(),
        "https://s3.amazonaws.com.attacker.example/k".to_owned(),
        // Hosts on AWS that are not CloudFormation's response bucket of the stack's region:
        // a tenant's own bucket would receive the answer and its reason.
        "https://tenant-bucket.s3.amazonaws.com/k".to_owned(),
        "https://tenant-bucket.s3.us-east-1.amazonaws.com/k".to_owned(),
        "https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/k".to_owned(),
    ] {
        let e = event(
            "Create",
            &url,
            "stack",
            "Res",
            json!({"ServiceToken": service_token(), "RoleArn": role_arn}),
            None,
            None,
        );
        let answered = custom_resource::handle(e, deadline(30), &c).await;
        assert!(!answered.delivered, "{url}");
        assert!(answered.reason.unwrap().contains("ResponseURL refused"));
    }
    let accepted = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(accepted.is_err(), "nothing may connect to a refused URL");
    assert!(
        calls(s, &app).await.is_empty(),
        "nothing is done for a request that cannot be answered"
    );
}

#[tokio::test]
async fn a_malformed_event_with_a_usable_response_url_is_answered_failed() {
    let Some(s) = servers() else { return };
    let app = unique("malformed");
    let c = clients(s, &app).await;
    let key = unique("malformed-response");
    let url = response_url(s, &key).await;
    let e = json!({"ResponseURL": url, "RequestId": "r-1", "StackId": "arn:aws:cloudformation:us-east-1:1:stack/s/1",
        "LogicalResourceId": "Res", "RequestType": "Explode", "ResourceProperties": {"RoleArn": "r"}});
    let answered = custom_resource::handle(e, deadline(30), &c).await;
    assert!(answered.delivered);
    let (response, _) = read_response(s, &key).await.unwrap();
    assert_eq!(
        (
            response["Status"].as_str(),
            response["PhysicalResourceId"].as_str()
        ),
        (Some("FAILED"), Some("failed-create:r-1"))
    );
    assert_eq!(
        (
            response["RequestId"].as_str(),
            response["LogicalResourceId"].as_str()
        ),
        (Some("r-1"), Some("Res"))
    );
    assert!(
        response["Reason"]
            .as_str()
            .unwrap()
            .contains("not a CloudFormation custom resource request"),
        "{response}"
    );
    assert!(calls(s, &app).await.is_empty());
}

/// CloudFormation stops waiting an hour (or the resource's `ServiceTimeout`) after it sends
/// an event; the URL is signed at that moment. An event older than that, a retry of a
/// crashed invocation replayed after its stack moved on (a rollback, say), is not acted on.
#[tokio::test]
async fn an_event_cloudformation_stopped_waiting_for_is_not_acted_on() {
    let Some(s) = servers() else { return };
    let app = unique("stale");
    let c = clients(s, &app).await;
    let role_arn = create_role(&clients(s, &unique("setup")).await, &unique("stalerole")).await;
    let _ = http().put(format!("{}/cfn-responses", s.moto)).send().await;
    let now = std::time::SystemTime::now();
    for (ago, timeout) in [(7200, None), (120, Some("60"))] {
        let key = unique("stale-response");
        let url = presign_at("PUT", &s.aws, &key, now - Duration::from_secs(ago));
        let mut props = json!({"ServiceToken": service_token(), "RoleArn": role_arn});
        if let Some(t) = timeout {
            props["ServiceTimeout"] = t.into();
        }
        let e = event("Create", &url, "stack", "Res", props, None, None);
        let answered = custom_resource::handle(e, deadline(30), &c).await;
        assert!(!answered.delivered);
        assert!(
            answered.reason.as_deref().unwrap().contains("it has moved on"),
            "{answered:?}"
        );
        assert!(read_response(s, &key).await.is_none(), "nothing is sent");
    }
    assert!(calls(s, &app).await.is_empty(), "nothing is done");
}
