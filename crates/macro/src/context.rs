//! What the macro needs besides the template: the invocation's region, account and
//! service token, and the stack's evaluated parameters. A leaf: both lanes read it.

use serde_json::{Map, Value};

/// The stack's evaluated parameter values (`templateParameterValues`).
pub type ParameterValues = Map<String, Value>;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub region: &'a str,
    pub account_id: &'a str,
    /// The macro function's own ARN: the `ServiceToken` of the custom resources it adds.
    pub service_token: &'a str,
    /// `templateParameterValues`: the stack's evaluated parameters.
    pub values: &'a ParameterValues,
}
