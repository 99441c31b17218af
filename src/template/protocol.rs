//! The CloudFormation macro protocol (SPEC §2.1): request and response.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::intrinsics::ParameterValues;
use super::reader::RawTemplate;

/// A macro invocation. The fragment is read as deep as the macro needs, in the same
/// pass. Read from any event, it also tells what the event is: a macro request has
/// `fragment` and `transformId`; a `ResponseURL` shows a custom resource event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MacroRequest<'a> {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(borrow, default)]
    pub fragment: Option<RawTemplate<'a>>,
    #[serde(default)]
    pub transform_id: Option<IgnoredAny>,
    #[serde(default)]
    pub params: Option<Value>,
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub template_parameter_values: Option<ParameterValues>,
    #[serde(rename = "ResponseURL", default)]
    pub response_url: Option<IgnoredAny>,
}

impl MacroRequest<'_> {
    pub fn is_macro(&self) -> bool {
        self.fragment.is_some() && self.transform_id.is_some()
    }

    pub fn is_custom_resource(&self) -> bool {
        !self.is_macro() && self.response_url.is_some()
    }
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Success,
    Failure,
}

/// The response `{requestId, status, fragment[, errorMessage]}`, written directly:
/// the fragment is most of it, and is copied rather than serialized again.
pub fn response(
    capacity: usize,
    request_id: &str,
    status: Status,
    fragment: impl FnOnce(&mut Vec<u8>),
    error_message: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(b"{\"requestId\":");
    let _ = serde_json::to_writer(&mut out, request_id);
    out.extend_from_slice(b",\"status\":");
    let _ = serde_json::to_writer(&mut out, &status);
    out.extend_from_slice(b",\"fragment\":");
    fragment(&mut out);
    if let Some(message) = error_message {
        out.extend_from_slice(b",\"errorMessage\":");
        let _ = serde_json::to_writer(&mut out, message);
    }
    out.push(b'}');
    out
}
