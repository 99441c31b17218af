//! The deployed function: `bootstrap` with the environment Lambda and
//! `macro-template.yaml` give it, pointed at the local stand-ins, and what its logs may
//! and may not contain.

use serde_json::Value;

use crate::runtime_api::Stopped;
use crate::support::{ACCOUNT, Servers};

pub const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_bootstrap");

/// Credentials as Lambda passes them; distinctive, so that a leak into the logs shows.
pub const ACCESS_KEY_ID: &str = "ASIAREHEARSAL0000001";
pub const SECRET_ACCESS_KEY: &str = "rehearsal-secret-access-key-never-logged";
pub const SESSION_TOKEN: &str = "rehearsal-session-token-never-logged";

/// The function's environment: Lambda's credentials, the template's settings, and the
/// endpoints of the stand-ins (the test-only part). As on Lambda there is no `HOME`,
/// so no shared config file is read.
pub fn environment(s: &Servers) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.into()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.into()),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN.into()),
        // macro-template.yaml: LoggingConfig LogFormat JSON.
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".into()),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO".into()),
        // Test-only: moto publishes the stand-in layers in its own account.
        ("LAMBDA_PROFILING_ALLOWED_LAYER_ACCOUNTS", ACCOUNT.into()),
        ("LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS", "127.0.0.1".into()),
        // macro-template.yaml: the references' table, in the home region (here, this one).
        (
            "LAMBDA_PROFILING_REFERENCE_TABLE",
            lambda_profiling_switch::DEFAULT_REFERENCE_TABLE.into(),
        ),
        ("LAMBDA_PROFILING_REFERENCE_REGION", crate::support::REGION.into()),
        ("AWS_ENDPOINT_URL", s.aws.clone()),
        ("AWS_ENDPOINT_URL_CODEGURUPROFILER", s.codeguru.clone()),
        // A safety net: credentials come from the environment, never from 169.254.169.254.
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// The function's log: one JSON line per request and nothing on stderr; no secret
/// (credentials, environment values, response URLs or their signatures) anywhere.
/// Returns the parsed lines.
pub fn check_logs(stopped: &Stopped, requests: usize, secrets: &[&str]) -> Vec<Value> {
    let all = format!("{}\n{}", stopped.stdout.join("\n"), stopped.stderr.join("\n"));
    for secret in [
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
        "X-Amz-Signature",
        "X-Amz-Credential",
    ]
    .iter()
    .chain(secrets)
    {
        assert!(!all.contains(secret), "the logs show {secret:?}:\n{all}");
    }
    assert!(stopped.stderr.is_empty(), "stderr: {:?}", stopped.stderr);
    let lines: Vec<Value> = stopped
        .stdout
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}")))
        .collect();
    assert_eq!(
        lines.len(),
        requests,
        "one line per request:\n{}",
        stopped.stdout.join("\n")
    );
    lines
}
