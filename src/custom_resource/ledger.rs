//! What lambda-profiling records so that Delete removes exactly what it added.
//!
//! - Each resource has a **reference id**, a stable hash of (stack, logical id, physical
//!   id). The physical id is part of it so that a replacement (new function, same role)
//!   does not release the new resource's reference when CloudFormation deletes the old one.
//!   The id is what the role's record in the references' table holds (see [`super::record`]).
//! - Function mode's **ledger**: the layer and variables that this resource added to the
//!   function (what was there before is the user's and stays), in its `ref#<id>` item.
//! - On a profiling group this resource created, an **owner tag** and the function's ARN.
//! - Versions before issue 12 kept references as role tags, `lambda-profiling:ref:<id>`
//!   (the ledger as the value) and `lambda-profiling:attached-policy`; they are read (and
//!   removed) for migration, never written.
//!
//! Ledgers keep the tag value's alphabet and length (letters, digits, spaces and
//! `_ . : / = + - @`, at most 256 characters), so old and new ledgers read alike.

use std::collections::BTreeSet;

use lambda_profiling_macro::agent::env;

pub const REF_PREFIX: &str = "lambda-profiling:ref:";
pub const ATTACHED_KEY: &str = "lambda-profiling:attached-policy";
pub(crate) const ATTACHED_VALUE: &str = "true";
pub(crate) const OWNER_KEY: &str = "lambda-profiling:owner";
/// On a created group, beside the owner: the function it serves.
pub(crate) const FUNCTION_KEY: &str = "lambda-profiling:function";
const MAX_TAG_VALUE: usize = 256;

/// A resource's reference id.
pub(crate) fn reference_id(stack_id: &str, logical_id: &str, physical_id: &str) -> u64 {
    fnv1a(&[stack_id, logical_id, physical_id])
}

/// The old reference tag's key for one resource (versions before issue 12).
pub fn ref_key(stack_id: &str, logical_id: &str, physical_id: &str) -> String {
    legacy_key(reference_id(stack_id, logical_id, physical_id))
}

pub(crate) fn legacy_key(id: u64) -> String {
    format!("{REF_PREFIX}{id:016x}")
}

/// A resource's reference id as the references' table writes it (16 hex digits).
pub fn reference(stack_id: &str, logical_id: &str, physical_id: &str) -> String {
    format!("{:016x}", reference_id(stack_id, logical_id, physical_id))
}

/// The owner tag's value: `<StackId>/<LogicalResourceId>`, shortened with a stable hash
/// when it would not fit in a tag value.
pub(crate) fn owner_value(stack_id: &str, logical_id: &str) -> String {
    let full = format!("{stack_id}/{logical_id}");
    if full.len() <= MAX_TAG_VALUE {
        return full;
    }
    let hash = format!("#{:016x}", fnv1a(&[stack_id, logical_id]));
    let mut cut = MAX_TAG_VALUE - hash.len();
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{hash}", &full[..cut])
}

/// FNV-1a, 64 bits: stable across Rust versions and builds, unlike `DefaultHasher`.
pub(crate) fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        let sep: &[u8] = if i == 0 { b"" } else { b"\n" };
        for b in sep.iter().chain(part.as_bytes()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// How `JAVA_TOOL_OPTIONS` was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JavaOptions {
    /// The variable did not exist; it holds only the agent flag.
    Created,
    /// The user's options got ` <flag>` appended.
    Appended,
}

/// What one resource added to a function. Role mode records an empty ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    /// The layer version ARN it added; `Some("")` when the ARN was too long to record,
    /// meaning "the agent layer of the function's family".
    pub layer: Option<String>,
    /// Names of the variables it added (of the fixed set of SPEC §1).
    pub vars: BTreeSet<&'static str>,
    /// It moved the handler into `HANDLER_ENV_NAME_FOR_CODEGURU` (Python redirect).
    pub handler_redirected: bool,
    pub java_options: Option<JavaOptions>,
}

/// The variables a ledger may name, with their short codes.
const VAR_CODES: &[(&str, &str)] = &[
    (env::GROUP_NAME, "GN"),
    (env::GROUP_ARN, "GA"),
    (env::TARGET_REGION, "TR"),
    (env::ENABLED, "EN"),
    (env::EXEC_WRAPPER, "EW"),
    (env::HEAP_SUMMARY, "HS"),
];

impl Ledger {
    /// Everything either ledger records: a replayed Create finds nothing to add, and
    /// must not forget what the first one added.
    pub(crate) fn union(&self, other: &Ledger) -> Ledger {
        Ledger {
            layer: other.layer.clone().or_else(|| self.layer.clone()),
            vars: self.vars.union(&other.vars).copied().collect(),
            handler_redirected: self.handler_redirected || other.handler_redirected,
            java_options: other.java_options.or(self.java_options),
        }
    }

    pub(crate) fn encode(&self, mode: &str) -> String {
        let mut out = mode.to_owned();
        if !self.vars.is_empty() {
            let codes: Vec<&str> = VAR_CODES
                .iter()
                .filter(|(n, _)| self.vars.contains(n))
                .map(|(_, c)| *c)
                .collect();
            out += &format!(" vars={}", codes.join("+"));
        }
        if self.handler_redirected {
            out += " handler=redirected";
        }
        match self.java_options {
            Some(JavaOptions::Created) => out += " java=created",
            Some(JavaOptions::Appended) => out += " java=appended",
            None => {}
        }
        if let Some(layer) = &self.layer {
            let with_arn = format!("{out} layer={layer}");
            out = if with_arn.len() <= MAX_TAG_VALUE {
                with_arn
            } else {
                out + " layer="
            };
        }
        out
    }

    /// Reads a value written by [`Ledger::encode`]; unknown words are ignored.
    pub(crate) fn decode(value: &str) -> Ledger {
        let mut ledger = Ledger::default();
        for word in value.split(' ') {
            match word.split_once('=') {
                Some(("vars", codes)) => {
                    for code in codes.split('+') {
                        if let Some((name, _)) = VAR_CODES.iter().find(|(_, c)| *c == code) {
                            ledger.vars.insert(name);
                        }
                    }
                }
                Some(("handler", "redirected")) => ledger.handler_redirected = true,
                Some(("java", "created")) => ledger.java_options = Some(JavaOptions::Created),
                Some(("java", "appended")) => ledger.java_options = Some(JavaOptions::Appended),
                Some(("layer", arn)) => ledger.layer = Some(arn.to_owned()),
                _ => {}
            }
        }
        ledger
    }
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
