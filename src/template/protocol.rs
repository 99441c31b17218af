//! The CloudFormation macro protocol (SPEC §2.1): request and response.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::intrinsics::ParameterValues;

/// A macro invocation. The fragment stays raw: the macro parses only what it needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MacroRequest<'a> {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(borrow)]
    pub fragment: &'a RawValue,
    #[serde(default)]
    pub transform_id: String,
    #[serde(default)]
    pub params: Option<Value>,
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub template_parameter_values: Option<ParameterValues>,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Success,
    Failure,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MacroResponse<'r, F: Serialize> {
    pub request_id: &'r str,
    pub status: Status,
    pub fragment: F,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}
