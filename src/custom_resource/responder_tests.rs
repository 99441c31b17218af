use super::*;
use std::collections::BTreeMap;

fn settings(hosts: &[&str]) -> Settings {
    Settings {
        insecure_response_hosts: hosts.iter().map(|h| h.to_string()).collect(),
        ..Settings::default()
    }
}

#[test]
fn only_aws_https_urls_unless_listed() {
    let s = settings(&[]);
    assert!(
        check_url(
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k?X-Amz-Signature=1",
            &s
        )
        .is_ok()
    );
    assert!(check_url("https://b.s3.cn-north-1.amazonaws.com.cn/k", &s).is_ok());
    for bad in [
        "http://b.s3.amazonaws.com/k",
        "https://evil.example.com/k",
        "https://amazonaws.com.evil.net/k",
        "https://evilamazonaws.com/k",
        "https://user:pw@b.s3.amazonaws.com/k",
        "http://127.0.0.1:9000/k",
        "not a url",
    ] {
        assert!(check_url(bad, &s).is_err(), "{bad}");
    }
    assert!(check_url("http://127.0.0.1:9000/b/k", &settings(&["127.0.0.1"])).is_ok());
    assert!(check_url("http://127.0.0.2:9000/b/k", &settings(&["127.0.0.1"])).is_err());
}

#[test]
fn body_stays_within_limit_with_a_long_reason_and_valid_json() {
    let echo = StackResource {
        stack_id: "arn:aws:cloudformation:us-east-1:1:stack/s/id",
        request_id: "r",
        logical_id: "L",
    };
    for reason in ["é\"\\\n".repeat(3000), "x".repeat(10_000), "😀".repeat(2000)] {
        let outcome = Outcome {
            status: Status::Failed,
            reason: Some(reason.clone()),
            physical_id: "failed-create:r".into(),
            data: BTreeMap::from([("RoleName".into(), "r".into())]),
        };
        let bytes = body(&outcome, &echo);
        assert!(bytes.len() <= MAX_BODY, "{}", bytes.len());
        assert!(bytes.len() > MAX_BODY - 64, "trimmed too much: {}", bytes.len());
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["Status"], "FAILED");
        assert_eq!(v["PhysicalResourceId"], "failed-create:r");
        let got = v["Reason"].as_str().unwrap();
        assert!(got.ends_with(TRUNCATED));
        assert!(reason.starts_with(got.trim_end_matches(TRUNCATED)));
    }
    let short = Outcome {
        status: Status::Success,
        reason: None,
        physical_id: "role:r".into(),
        data: BTreeMap::new(),
    };
    let v: serde_json::Value = serde_json::from_slice(&body(&short, &echo)).unwrap();
    assert_eq!(
        (v["Status"].as_str(), v["LogicalResourceId"].as_str()),
        (Some("SUCCESS"), Some("L"))
    );
}
