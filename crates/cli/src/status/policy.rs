//! Whether an inline policy lets the agent report, without AWS types. CDK's
//! `profiling: true` grants the agent's calls this way (`grantPublish`) rather than with
//! the managed policy.

use serde_json::Value;

/// The calls the agent makes; a role must be allowed both.
const AGENT_ACTIONS: [&str; 2] = [
    "codeguru-profiler:ConfigureAgent",
    "codeguru-profiler:PostAgentProfile",
];

/// Whether `document` (as IAM returns it: URL-encoded JSON) allows both of the agent's
/// calls. Only `Allow` statements with `Action` count; `Deny`, conditions and resources
/// are not weighed, so a policy that allows on another group's ARN still counts.
pub fn grants_agent(document: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(&percent_decode(document)) else {
        return false;
    };
    let statements: Vec<&Value> = match &doc["Statement"] {
        Value::Array(items) => items.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => return false,
    };
    let allowed: Vec<&str> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| match &s["Action"] {
            Value::String(a) => vec![a.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        })
        .collect();
    AGENT_ACTIONS
        .iter()
        .all(|action| allowed.iter().any(|pattern| matches(pattern, action)))
}

/// IAM's action match: `*` and `?` wildcards, case-insensitive.
fn matches(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    glob(p.as_bytes(), a.as_bytes())
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(x), Some(y)) if x == y => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

/// Decodes `%XX` escapes (IAM returns policy documents URL-encoded); text without them,
/// or with a malformed one, is kept as it is.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
