//! The one PUT of the response to CloudFormation's presigned `ResponseURL`.
//!
//! The URL is a credential: it is never logged, and errors are stripped of it. The body
//! is sent with an empty `Content-Type` (the presigned signature covers it) and an
//! explicit `Content-Length`, within 4096 bytes, retried with backoff until the deadline.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};
use reqwest::Url;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};

use super::outcome::{Outcome, Status};
use lambda_profiling_switch::Settings;
use lambda_profiling_switch::resource::StackResource;

/// CloudFormation rejects larger response bodies.
pub(crate) const MAX_BODY: usize = 4096;
const TRUNCATED: &str = " [truncated]";
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub(crate) enum ResponderError {
    #[error(
        "ResponseURL refused: {0}. Only https URLs of CloudFormation's response bucket of the stack's region \
         (cloudformation-custom-resource-response-<region without dashes> on S3) are answered; tests may list \
         loopback hosts in LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS"
    )]
    Refused(&'static str),
    #[error(
        "CloudFormation's response URL answered HTTP {0}; the stack will time out waiting for this resource"
    )]
    Rejected(u16),
    #[error("could not deliver the response before the deadline after {attempts} attempts: {source}")]
    Undelivered {
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    #[error("no time was left to deliver the response")]
    NoTime,
}

/// Checks the URL before anything is done on the request's behalf: https, and on
/// CloudFormation's response bucket for the stack's region (`StackId` tells it), in each
/// form S3 names a bucket: virtual-hosted (`<bucket>.s3.amazonaws.com`, `<bucket>.s3.<region>`,
/// `<bucket>.s3-<region>`) or path-style (`s3.<region>…/<bucket>/…`), `.amazonaws.com.cn` in
/// China. Any other host, another tenant's bucket on S3 included, is refused.
pub(crate) fn check_url(url: &str, stack_id: &str, settings: &Settings) -> Result<Url, ResponderError> {
    let parsed = Url::parse(url).map_err(|_| ResponderError::Refused("not a URL"))?;
    let host = parsed
        .host_str()
        .ok_or(ResponderError::Refused("no host"))?
        .to_ascii_lowercase();
    if settings.insecure_response_hosts.contains(&host) && matches!(parsed.scheme(), "http" | "https") {
        return Ok(parsed);
    }
    if parsed.scheme() != "https" {
        return Err(ResponderError::Refused("not https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ResponderError::Refused("credentials in the URL"));
    }
    if parsed.port().is_some() {
        return Err(ResponderError::Refused("a port in the URL"));
    }
    let (partition, region) =
        stack_home(stack_id).ok_or(ResponderError::Refused("the event's StackId names no region"))?;
    let path_bucket = parsed
        .path_segments()
        .and_then(|mut s| s.next())
        .unwrap_or_default();
    if is_response_bucket(&host, path_bucket, partition, region) {
        Ok(parsed)
    } else {
        Err(ResponderError::Refused(
            "not CloudFormation's response bucket for the stack's region",
        ))
    }
}

/// When CloudFormation signed the URL, from its `X-Amz-Date` (`20240102T030405Z`): the
/// moment it sent the event, on its clock.
pub(crate) fn signed_at(url: &Url) -> Option<std::time::SystemTime> {
    let (_, date) = url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("X-Amz-Date"))?;
    let b = date.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> { date.get(range)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()?;
    Some(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}

/// The partition and region of `arn:<partition>:cloudformation:<region>:…`.
fn stack_home(stack_id: &str) -> Option<(&str, &str)> {
    let mut parts = stack_id.split(':');
    let (Some("arn"), Some(partition), Some("cloudformation"), Some(region)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    (valid(partition) && valid(region)).then_some((partition, region))
}

/// Whether `host` (with the path's first segment, for path-style URLs) is the response
/// bucket of `region`.
fn is_response_bucket(host: &str, path_bucket: &str, partition: &str, region: &str) -> bool {
    let bucket = format!(
        "cloudformation-custom-resource-response-{}",
        region.replace('-', "")
    );
    let domain = if partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    let mut endpoints = vec![format!("s3.{region}.{domain}"), format!("s3-{region}.{domain}")];
    if partition == "aws" {
        endpoints.push(format!("s3.{domain}")); // the global endpoint
    }
    endpoints.iter().any(|endpoint| {
        host.strip_suffix(endpoint.as_str())
            .is_some_and(|rest| rest.strip_suffix('.') == Some(bucket.as_str()))
            || (host == endpoint && path_bucket == bucket)
    })
}

/// The response body as JSON, at most [`MAX_BODY`] bytes: `Reason` is trimmed first
/// (on a character boundary, re-serialized so the JSON stays valid), then `Data`. The
/// resource's ids are echoed.
pub(crate) fn body(outcome: &Outcome, echo: &StackResource) -> Vec<u8> {
    let mut response = CloudFormationCustomResourceResponse::default();
    response.status = match outcome.status {
        Status::Success => CloudFormationCustomResourceResponseStatus::Success,
        Status::Failed => CloudFormationCustomResourceResponseStatus::Failed,
    };
    response.physical_resource_id = outcome.physical_id.clone();
    response.stack_id = echo.stack_id.to_owned();
    response.request_id = echo.request_id.to_owned();
    response.logical_resource_id = echo.logical_id.to_owned();
    response.data = outcome
        .data
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<HashMap<_, _>>();
    response.reason = Some(outcome.reason.clone().unwrap_or_default());
    let serialize = |r: &CloudFormationCustomResourceResponse| serde_json::to_vec(r).unwrap_or_default();
    let bytes = serialize(&response);
    if bytes.len() <= MAX_BODY {
        return bytes;
    }
    // The longest prefix of Reason that fits: escaping makes byte counts differ, so
    // binary-search the character boundaries.
    let full = response.reason.take().unwrap_or_default();
    let with_prefix = |n: usize| {
        if n == 0 {
            String::new()
        } else {
            format!("{}{TRUNCATED}", &full[..n])
        }
    };
    let cuts: Vec<usize> = full.char_indices().map(|(i, _)| i).collect();
    let fitting = cuts.partition_point(|&n| {
        let mut probe = response.clone();
        probe.reason = Some(with_prefix(n));
        serialize(&probe).len() <= MAX_BODY
    });
    response.reason = Some(with_prefix(fitting.checked_sub(1).map_or(0, |i| cuts[i])));
    let mut bytes = serialize(&response);
    if bytes.len() > MAX_BODY {
        response.data.clear(); // ids alone stay within the limits CloudFormation sets on them
        bytes = serialize(&response);
    }
    bytes
}

/// PUTs `body` to `url`, retrying transient failures with backoff until `deadline`.
/// Returns the number of attempts.
pub(crate) async fn send(
    http: &reqwest::Client,
    url: &Url,
    body: Vec<u8>,
    deadline: Instant,
) -> Result<u32, ResponderError> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempts = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ResponderError::NoTime);
        }
        attempts += 1;
        let result = http
            .put(url.clone())
            .header(CONTENT_TYPE, "")
            .header(CONTENT_LENGTH, body.len())
            .body(body.clone())
            .timeout(left.min(ATTEMPT_TIMEOUT))
            .send()
            .await;
        let retry_error = match result {
            Ok(resp) if resp.status().is_success() => {
                tracing::debug!(attempts, "response delivered");
                return Ok(attempts);
            }
            Ok(resp) => {
                let code = resp.status().as_u16();
                if !(resp.status().is_server_error() || code == 429 || code == 408) {
                    tracing::error!(code, "response URL rejected the response");
                    return Err(ResponderError::Rejected(code));
                }
                tracing::warn!(code, attempts, "response URL failed: retrying");
                None
            }
            Err(e) => {
                let e = e.without_url();
                tracing::warn!(error = %e, attempts, "response PUT failed: retrying");
                Some(e)
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left <= backoff {
            return match retry_error {
                Some(source) => Err(ResponderError::Undelivered { attempts, source }),
                None => Err(ResponderError::NoTime),
            };
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
#[path = "responder_tests.rs"]
mod tests;
