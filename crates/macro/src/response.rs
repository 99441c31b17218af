//! The macro's answer: the response (contract §2.1) `{requestId, status, fragment[,
//! errorMessage]}`, written directly (the fragment is most of it, and is copied rather
//! than serialized again), and what to log and report of it. Both lanes make it.

use serde::Serialize;

use crate::problems::Problem;
use crate::report::FunctionReport;
use crate::rules::json::{write_string, write_value};
use crate::splice::decline::Decline;

/// The response's `status`.
#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MacroStatus {
    Success,
    Failure,
}

/// The lane that answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Splice,
    /// The general lane, and why the splice lane declined.
    General(Decline),
}

/// The macro's answer, and what to log of it.
#[derive(Debug)]
pub struct Answer {
    /// The response JSON, `{requestId, status, fragment[, errorMessage]}`, as the bytes
    /// the Lambda sends.
    pub json: Vec<u8>,
    pub status: MacroStatus,
    pub lane: Lane,
    /// Every problem found (the `errorMessage` lists them); empty on success.
    pub problems: Vec<Problem>,
    pub profiled: usize,
    /// One line per function, in template order, when [`Options::report`] asks for it.
    pub report: Vec<FunctionReport>,
    /// Layer version ARNs a function names that were taken without knowing whether they
    /// exist and serve its runtime (see [`crate::answer_published`]).
    pub unverified_layers: Vec<String>,
}

impl Answer {
    /// The response JSON as text.
    pub fn into_string(self) -> String {
        // Only valid UTF-8 is written: the request's own text, ASCII and serde_json's output.
        String::from_utf8(self.json).unwrap_or_default()
    }
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
