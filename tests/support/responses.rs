//! CloudFormation's side: events from the fixtures, presigned S3 response URLs, and
//! the response objects as CloudFormation reads them.

use std::time::{Duration, Instant, SystemTime};

use lambda_profiling_switch::Clients;
use serde_json::Value;

use super::{ACCOUNT, REGION, Servers, http, unique};

const BUCKET: &str = "cfn-responses";

/// A presigned S3 PUT URL (SigV4 in the query, as CloudFormation's) for a new object.
pub async fn response_url(s: &Servers, key: &str) -> String {
    let _ = http().put(format!("{}/{BUCKET}", s.moto)).send().await.unwrap();
    presign("PUT", &s.aws, key)
}

pub fn presign(method: &str, base: &str, key: &str) -> String {
    presign_at(method, base, key, SystemTime::now())
}

/// [`presign`], signed at `time` (CloudFormation signs when it sends the event).
pub fn presign_at(method: &str, base: &str, key: &str, time: SystemTime) -> String {
    use aws_sigv4::http_request::{
        PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        UriPathNormalizationMode, sign,
    };
    let url = format!("{base}/{BUCKET}/{key}");
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let identity = aws_credential_types::Credentials::new("test", "test", None, None, "tests").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(7200));
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("s3")
        .time(time)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let request = SignableRequest::new(
        method,
        url.clone(),
        [("host", host.as_str())].into_iter(),
        SignableBody::UnsignedPayload,
    )
    .unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    let query: Vec<String> = instructions
        .params()
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    format!("{url}?{}", query.join("&"))
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The response CloudFormation would read: the S3 object, with the headers it was put with.
pub async fn read_response(s: &Servers, key: &str) -> Option<(Value, Option<String>)> {
    // moto, like S3, refuses anonymous reads: sign the GET too.
    let resp = http().get(presign("GET", &s.moto, key)).send().await.unwrap();
    if !resp.status().is_success() {
        return None;
    }
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    Some((resp.json().await.unwrap(), content_type))
}

/// A CloudFormation event from the aws_lambda_events fixtures, with these parts.
pub fn event(
    kind: &str,
    url: &str,
    stack: &str,
    logical: &str,
    props: Value,
    physical: Option<&str>,
    old: Option<Value>,
) -> Value {
    let file = match kind {
        "Create" => "create.json",
        "Update" => "update.json",
        _ => "delete.json",
    };
    let text =
        std::fs::read_to_string(format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut e: Value = serde_json::from_str(&text).unwrap();
    e["ResponseURL"] = url.into();
    e["StackId"] = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{stack}/0000").into();
    e["LogicalResourceId"] = logical.into();
    e["RequestId"] = unique("req").into();
    e["ResourceProperties"] = props;
    if let Some(p) = physical {
        e["PhysicalResourceId"] = p.into();
    }
    if let Some(o) = old {
        e["OldResourceProperties"] = o;
    }
    e
}

pub fn deadline(secs: u64) -> Instant {
    Instant::now() + Duration::from_secs(secs)
}

/// One CloudFormation request through the product's entry point, answered to a real
/// presigned S3 URL; returns what was answered and the response object CloudFormation sees.
pub struct Stack {
    pub name: String,
    pub logical: String,
}

impl Stack {
    pub fn new(logical: &str) -> Self {
        Stack {
            name: unique("stack"),
            logical: logical.into(),
        }
    }

    pub async fn send(
        &self,
        s: &Servers,
        c: &Clients,
        kind: &str,
        props: Value,
        physical: Option<&str>,
        old: Option<Value>,
    ) -> (lambda_profiling::custom_resource::Answered, Value) {
        let key = unique("response");
        let url = response_url(s, &key).await;
        let e = event(kind, &url, &self.name, &self.logical, props, physical, old);
        let answered = lambda_profiling::custom_resource::handle(e, deadline(120), c).await;
        let Some((response, _)) = read_response(s, &key).await else {
            panic!("no response object; answered {answered:?}")
        };
        (answered, response)
    }
}

/// The StackId a [`Stack`]'s events carry.
pub fn stack_id(stack: &Stack) -> String {
    format!(
        "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{}/0000",
        stack.name
    )
}

pub fn service_token() -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:lambda-profiling")
}
