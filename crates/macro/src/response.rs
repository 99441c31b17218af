//! The macro's response (SPEC §2.1): `{requestId, status, fragment[, errorMessage]}`,
//! written directly: the fragment is most of it, and is copied rather than serialized again.

use serde::Serialize;

use crate::rules::json::{write_string, write_value};

/// The response's `status`.
#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MacroStatus {
    Success,
    Failure,
}

/// The response JSON; `fragment` writes the fragment.
pub(crate) fn write_response(
    capacity: usize,
    request_id: &str,
    status: MacroStatus,
    fragment: impl FnOnce(&mut Vec<u8>),
    error_message: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(b"{\"requestId\":");
    write_string(&mut out, request_id);
    out.extend_from_slice(b",\"status\":");
    write_value(&mut out, &status);
    out.extend_from_slice(b",\"fragment\":");
    fragment(&mut out);
    if let Some(message) = error_message {
        out.extend_from_slice(b",\"errorMessage\":");
        write_string(&mut out, message);
    }
    out.push(b'}');
    out
}
