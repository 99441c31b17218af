use super::*;
use std::collections::BTreeMap;

fn settings(hosts: &[&str]) -> Settings {
    Settings {
        insecure_response_hosts: hosts.iter().map(|h| h.to_string()).collect(),
        ..Settings::default()
    }
}

const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/id";

#[test]
fn only_the_response_bucket_of_the_stacks_region_unless_listed() {
    let s = settings(&[]);
    // Every form seen in real events (public fixtures of custom resources), and S3's other ways
    // of naming the same bucket.
    let answered = [
        (
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k?X-Amz-Signature=1",
            STACK,
        ),
        (
            "https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/arn%3Aaws%3A/k",
            STACK,
        ),
        (
            "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/arn%3Aaws%3Acloudformation/k",
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/id",
        ),
        (
            "https://cloudformation-custom-resource-response-apnortheast1.s3-ap-northeast-1.amazonaws.com/xxxxx",
            "arn:aws:cloudformation:ap-northeast-1:123456789012:stack/s/id",
        ),
        (
            "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/arn%3Aaws-cn/k",
            "arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/id",
        ),
        (
            "https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com/k",
            "arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/s/id",
        ),
        (
            "https://s3.us-east-1.amazonaws.com/cloudformation-custom-resource-response-useast1/k",
            STACK,
        ),
    ];
    for (url, stack) in answered {
        assert!(check_url(url, stack, &s).is_ok(), "{url}");
    }
    let refused = [
        // Another tenant's bucket, API or website on AWS: the ResponseURL is where the answer,
        // and its reason, would go.
        "https://their-bucket.s3.amazonaws.com/k",
        "https://their-bucket.s3.us-east-1.amazonaws.com/k",
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod/k",
        "https://s3.us-east-1.amazonaws.com/their-bucket/k",
        "https://s3.us-east-1.amazonaws.com/k/cloudformation-custom-resource-response-useast1",
        // Near misses of the bucket's name, and another region's bucket.
        "https://cloudformation-custom-resource-response-useast1x.s3.amazonaws.com/k",
        "https://xcloudformation-custom-resource-response-useast1.s3.amazonaws.com/k",
        "https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/k",
        "https://cloudformation-custom-resource-response-useast1.s3.us-west-2.amazonaws.com/k",
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.cn/k",
        // Not https, credentials or a port, not AWS at all.
        "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k",
        "https://u:p@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k",
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/k",
        "https://evil.example.com/k",
        "https://amazonaws.com.evil.net/k",
        "http://127.0.0.1:9000/k",
        "not a url",
    ];
    for url in refused {
        assert!(check_url(url, STACK, &s).is_err(), "{url}");
    }
    // Without a StackId there is no region, hence no bucket.
    let url = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k";
    assert!(check_url(url, "", &s).is_err());
    assert!(check_url(url, "stack/s/id", &s).is_err());
    assert!(check_url("http://127.0.0.1:9000/b/k", STACK, &settings(&["127.0.0.1"])).is_ok());
    assert!(check_url("http://127.0.0.2:9000/b/k", STACK, &settings(&["127.0.0.1"])).is_err());
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

#[test]
fn the_signing_time_is_read_from_the_presigned_url() {
    let url = |date: &str| {
        Url::parse(&format!(
            "https://h/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires=7200"
        ))
        .unwrap()
    };
    let at = |secs: u64| Some(std::time::UNIX_EPOCH + Duration::from_secs(secs));
    assert_eq!(signed_at(&url("19700101T000000Z")), at(0));
    assert_eq!(signed_at(&url("20000301T000000Z")), at(951_868_800));
    assert_eq!(signed_at(&url("20261206T225538Z")), at(1_796_597_738));
    for bad in [
        "2026-12-06T22:55:38Z",
        "20261306T225538Z",
        "20261206T255538Z",
        "soon",
    ] {
        assert_eq!(signed_at(&url(bad)), None, "{bad}");
    }
    assert_eq!(signed_at(&Url::parse("https://h/k").unwrap()), None);
}
