//! A template role's new `ManagedPolicyArns`, written from the text it had.

use std::borrow::Cow;

use super::outline::unescaped;
use super::scan::array_items;
use crate::agent::{self, POLICY_ARN_SUB};
use crate::rules::json::write_string;

/// Appends a role's new `ManagedPolicyArns`, from its current text, to `out`: `Some(true)`;
/// `Some(false)` (nothing written) when it has the policy already; `None` when it is not
/// a literal list of names (the general lane's case; `out` may then hold a part).
pub(crate) fn role_arns(current: Option<&str>, out: &mut Vec<u8>) -> Option<bool> {
    let start = out.len();
    out.push(b'[');
    for item in current.map(array_items).unwrap_or(Some(Vec::new()))? {
        let name: Cow<str> = match unescaped(item) {
            Some(name) => Cow::Borrowed(name),
            None => serde_json::from_str::<String>(item).ok()?.into(),
        };
        if agent::is_policy_name(&name) {
            out.truncate(start);
            return Some(false);
        }
        write_string(out, &name);
        out.push(b',');
    }
    out.extend_from_slice(b"{\"Fn::Sub\":");
    write_string(out, POLICY_ARN_SUB);
    out.extend_from_slice(b"}]");
    Some(true)
}

#[cfg(test)]
#[path = "role_tests.rs"]
mod tests;
