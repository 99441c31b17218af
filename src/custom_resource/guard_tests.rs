use std::collections::BTreeMap;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

#[tokio::test]
async fn a_panic_becomes_failed() {
    let deadline = Instant::now() + Duration::from_secs(30);
    let out = guarded(
        async { panic!("boom") },
        deadline,
        Limit::Lambda,
        "failed-create:r".into(),
    )
    .await;
    assert_eq!(out.status, Status::Failed);
    assert_eq!(out.physical_id, "failed-create:r");
    assert!(out.reason.unwrap().contains("boom"));
}

#[tokio::test]
async fn the_deadline_becomes_failed_before_it_passes() {
    let deadline = Instant::now() + Duration::from_millis(600);
    let start = Instant::now();
    let out = guarded(
        async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Outcome {
                status: Status::Success,
                reason: None,
                physical_id: "x".into(),
                data: BTreeMap::new(),
            }
        },
        deadline,
        Limit::Lambda,
        "role:r".into(),
    )
    .await;
    assert_eq!((out.status, out.physical_id.as_str()), (Status::Failed, "role:r"));
    assert!(
        start.elapsed() < Duration::from_millis(600),
        "{:?}",
        start.elapsed()
    );
    assert!(out.reason.unwrap().contains("timeout"));
}

#[test]
fn service_timeout_is_the_deadline_when_it_comes_first() {
    let lambda = Instant::now() + Duration::from_secs(300);
    let event = |v: serde_json::Value| json!({"ResourceProperties": {"ServiceTimeout": v}});
    let (at, limit) = earliest(lambda, service_timeout(&event(json!("60"))), Duration::ZERO);
    assert_eq!(limit, Limit::ServiceTimeout(60));
    let left = at - Instant::now();
    assert!(
        left <= Duration::from_secs(59) && left > Duration::from_secs(58),
        "{left:?}"
    );
    assert_eq!(service_timeout(&event(json!(120))), Some(120));
    // Longer than the Lambda's, absent, or not what CloudFormation accepts: the Lambda's.
    assert_eq!(
        earliest(lambda, service_timeout(&event(json!("3600"))), Duration::ZERO),
        (lambda, Limit::Lambda)
    );
    // Sent 20 s ago: 40 s are left of a ServiceTimeout of 60.
    let (at, _) = earliest(lambda, Some(60), Duration::from_secs(20));
    let left = at - Instant::now();
    assert!(
        left <= Duration::from_secs(40) && left > Duration::from_secs(39),
        "{left:?}"
    );
    for bad in [json!("0"), json!("3601"), json!("soon"), json!(null), json!([1])] {
        assert_eq!(service_timeout(&event(bad.clone())), None, "{bad}");
    }
    assert_eq!(service_timeout(&json!({"ResourceProperties": {}})), None);
}

#[tokio::test]
async fn an_operation_is_stopped_before_the_service_timeout_and_says_so() {
    let lambda = Instant::now() + Duration::from_secs(300);
    let (deadline, limit) = earliest(lambda, Some(3), Duration::ZERO);
    let start = Instant::now();
    let out = guarded(
        std::future::pending::<Outcome>(),
        deadline,
        limit,
        "function:f".into(),
    )
    .await;
    assert_eq!(out.status, Status::Failed);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    let reason = out.reason.unwrap();
    assert!(reason.contains("ServiceTimeout (3s"), "{reason}");
}

#[test]
fn deadlines_convert_from_epoch_millis() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let left =
        deadline_from_epoch_millis((now + Duration::from_secs(60)).as_millis() as u64) - Instant::now();
    assert!(
        left > Duration::from_secs(59) && left <= Duration::from_secs(60),
        "{left:?}"
    );
    assert!(deadline_from_epoch_millis(0) <= Instant::now());
}

#[test]
fn the_reserve_is_bounded() {
    assert_eq!(reserve(Duration::from_secs(900)), MAX_RESERVE);
    assert_eq!(reserve(Duration::from_secs(3)), Duration::from_secs(1));
}

/// A one-shot HTTP server on 127.0.0.1 that answers 200 and hands over the request it got.
async fn response_catcher() -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/bucket/response", listener.local_addr().unwrap());
    let caught = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        // Headers, then as many body bytes as Content-Length says.
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_string())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if request.len() >= end + 4 + length || n == 0 {
                    break;
                }
            }
        }
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&request).to_string()
    });
    (url, caught)
}

#[tokio::test]
async fn a_panic_inside_an_operation_is_answered_failed_through_the_put() {
    let (url, caught) = response_catcher().await;
    let clients = Clients::from_lookup(|name| match name {
        "AWS_REGION" => Some("us-east-1".into()),
        "LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS" => Some("127.0.0.1".into()),
        _ => None,
    });
    let event = json!({
        "RequestType": "Update", "ResponseURL": url, "StackId": "stack", "RequestId": "req",
        "LogicalResourceId": "Res", "ResourceType": "Custom::LambdaProfiling", "PhysicalResourceId": "role:r",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:1:function:f", "RoleArn": "r"},
        "OldResourceProperties": {}
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let answered = answer(event, deadline, &clients, |_, _| async {
        panic!("injected fault")
    })
    .await;
    assert_eq!((answered.status, answered.delivered), (Status::Failed, true));
    let request = tokio::time::timeout(Duration::from_secs(10), caught)
        .await
        .unwrap()
        .unwrap();
    assert!(request.starts_with("PUT /bucket/response"), "{request}");
    let body: serde_json::Value = serde_json::from_str(request.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(
        (body["Status"].as_str(), body["PhysicalResourceId"].as_str()),
        (Some("FAILED"), Some("role:r"))
    );
    assert!(
        body["Reason"].as_str().unwrap().contains("injected fault"),
        "{body}"
    );
}
