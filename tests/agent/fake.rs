//! The CodeGuru Profiler fake of `tests/support/servers.py`, as the suite uses it: the
//! groups a stack creates or names, the agents' calls it recorded, and the shorter
//! reporting interval its ConfigureAgent answer gives. A small blocking HTTP/1.1 client
//! over loopback, so that the suite needs no async runtime for it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// One request; returns the status and the body.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let host = base.strip_prefix("http://").expect("a loopback http URL");
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("connecting to {host}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = answer[split + 4..].to_vec();
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
    (status, if chunked { dechunk(&body) } else { body })
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

/// An `Authorization` header whose SigV4 credential scope names `region`: the fake
/// acts in that region (it does not check signatures).
fn signed_for(region: &str) -> (&'static str, String) {
    (
        "Authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDSUITE/20250101/{region}/codeguru-profiler/aws4_request, \
             SignedHeaders=host, Signature=0"
        ),
    )
}

/// Creates a group as CloudFormation (or another stack, or a person) would; returns
/// its ARN. An existing group of that name in that region is kept.
pub fn create_group(codeguru: &str, region: &str, name: &str, compute_platform: &str) -> String {
    let body = json!({"profilingGroupName": name, "computePlatform": compute_platform});
    let headers = [signed_for(region), ("Content-Type", "application/json".into())];
    let path = "/profilingGroups?clientToken=suite";
    let (status, body) = request(codeguru, "POST", path, &headers, body.to_string().as_bytes());
    match status {
        201 => serde_json::from_slice::<Value>(&body).unwrap()["arn"]
            .as_str()
            .unwrap()
            .to_owned(),
        409 => format!(
            "arn:aws:codeguru-profiler:{region}:{}:profilingGroup/{name}",
            crate::support::ACCOUNT
        ),
        _ => panic!(
            "creating group {name} in {region}: {status} {}",
            String::from_utf8_lossy(&body)
        ),
    }
}

/// Makes the fake's ConfigureAgent answer tell agents to report every `period_s`
/// seconds, no sooner than `minimum_ms` after the last report (the agent refuses a
/// period below the minimum, whose default is 30 s).
pub fn shorten_reporting(codeguru: &str, period_s: u64, minimum_ms: u64) {
    let change = json!({"periodInSeconds": period_s,
        "agentParameters": {"MinimumTimeForReportingInMilliseconds": minimum_ms.to_string()}});
    let (status, _) = request(
        codeguru,
        "POST",
        "/_orchestration",
        &[],
        change.to_string().as_bytes(),
    );
    assert_eq!(status, 200);
}

/// One call an agent made.
#[derive(Debug, Clone)]
pub struct AgentCall {
    /// `ConfigureAgent` or `PostAgentProfile`.
    pub operation: String,
    pub group: String,
    /// The region and service of its SigV4 credential scope.
    pub region: String,
    pub service: Option<String>,
    pub status: u16,
    /// The function ARN the agent identifies itself by: ConfigureAgent's
    /// `fleetInstanceId`, or the posted profile's `agentMetadata.fleetInfo.functionArn`.
    pub function_arn: Option<String>,
    pub profile: Option<Value>,
    /// When the fake received it (seconds since the epoch).
    pub time: f64,
}

pub fn agent_calls(codeguru: &str) -> Vec<AgentCall> {
    let (status, body) = request(codeguru, "GET", "/_agent_calls", &[], b"");
    assert_eq!(status, 200);
    let calls: Vec<Value> = serde_json::from_slice(&body).unwrap();
    calls
        .into_iter()
        .map(|c| {
            let profile = c.get("profile").cloned();
            let function_arn = c["fleetInstanceId"].as_str().map(str::to_owned).or_else(|| {
                let fleet = &profile.as_ref()?["agentMetadata"]["fleetInfo"];
                fleet["functionArn"].as_str().map(str::to_owned)
            });
            AgentCall {
                operation: c["operation"].as_str().unwrap().to_owned(),
                group: c["group"].as_str().unwrap().to_owned(),
                region: c["region"].as_str().unwrap().to_owned(),
                service: c["service"].as_str().map(str::to_owned),
                status: c["status"].as_u64().unwrap() as u16,
                function_arn,
                profile,
                time: c["time"].as_f64().unwrap(),
            }
        })
        .collect()
}

/// The calls made since `since` by the agent running as `function_arn` (qualified or
/// not).
pub fn calls_of(codeguru: &str, function_arn: &str, since: SystemTime) -> Vec<AgentCall> {
    let since = since.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    agent_calls(codeguru)
        .into_iter()
        .filter(|c| c.time >= since)
        .filter(|c| {
            c.function_arn
                .as_deref()
                .is_some_and(|a| a == function_arn || a.starts_with(&format!("{function_arn}:")))
        })
        .collect()
}

/// The frame names anywhere in a posted profile's call graph.
pub fn frames(profile: &Value) -> Vec<String> {
    fn walk(node: &Value, out: &mut Vec<String>) {
        if let Some(children) = node["children"].as_object() {
            for (name, child) in children {
                out.push(name.clone());
                walk(child, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&profile["callgraph"], &mut out);
    out
}
