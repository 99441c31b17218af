//! What lambda-profiling records so that Delete removes exactly what it added.
//!
//! - Each resource has a **reference id**, a stable hash of (stack, logical id, physical
//!   id). The physical id is part of it so that a replacement (new function, same role)
//!   does not release the new resource's reference when CloudFormation deletes the old one.
//!   The id is what the role's record in the references' table holds (see [`crate::references::record`]).
//! - Function mode's **ledger**: the layer and variables that this resource added to the
//!   function (what was there before is the user's and stays), in its `ref#<id>` item, and
//!   the values it gave them (its [`Setting`]: the agent's family, the group): so that a
//!   Delete undoes from the ledger alone, whatever the function, the properties or the
//!   administrator's settings have become since. Ledgers of earlier versions have no
//!   setting; their Delete works the values out from the properties, as they did.
//! - The groups whose records hold this resource's reference: the one in use, and those
//!   an Update renamed away from, kept until the next Update or the Delete (**retired**),
//!   so that a rollback finds its old group.
//! - On a profiling group lambda-profiling created, an **owner tag**, for people.
//! - Versions before the references' table kept references as role tags, `lambda-profiling:ref:<id>`
//!   (the ledger as the value) and `lambda-profiling:attached-policy`; they are read (and
//!   removed) for migration, never written.
//!
//! Ledgers keep the tag value's alphabet (letters, digits, spaces and `_ . : / = + - @ ,`),
//! so old and new ledgers read alike; only the old tags were limited to 256 characters.

use std::collections::BTreeSet;

use lambda_profiling_macro::agent::{Family, env};

pub const REF_PREFIX: &str = "lambda-profiling:ref:";
pub const ATTACHED_KEY: &str = "lambda-profiling:attached-policy";
pub(crate) const ATTACHED_VALUE: &str = "true";
pub(crate) const OWNER_KEY: &str = "lambda-profiling:owner";
/// Beside the owner tag on the groups that versions before the group records created:
/// the function the group served (with the owner, it names that resource's reference).
pub(crate) const TAG_FORMAT_FUNCTION_KEY: &str = "lambda-profiling:function";
/// Beside the owner tag on the groups this version creates: their users are in the group
/// records. A group with the owner tag and without it was created by an earlier version.
pub(crate) const RECORDS_KEY: &str = "lambda-profiling:records";
pub(crate) const RECORDS_VALUE: &str = "true";
/// Who holds a group an earlier version created when its tags cannot say who created it
/// (an owner shortened with a hash, no function tag): a reference no resource releases,
/// so the group is kept (left, never lost) for a person to delete.
pub(crate) const UNKNOWN_CREATOR: u64 = u64::MAX;
const MAX_TAG_VALUE: usize = 256;

/// A resource's reference id.
pub(crate) fn reference_id(stack_id: &str, logical_id: &str, physical_id: &str) -> u64 {
    fnv1a(&[stack_id, logical_id, physical_id])
}

/// The old reference tag's key for one resource (versions before the references' table).
pub fn ref_key(stack_id: &str, logical_id: &str, physical_id: &str) -> String {
    tag_format_key(reference_id(stack_id, logical_id, physical_id))
}

pub(crate) fn tag_format_key(id: u64) -> String {
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

/// The reference of the resource that created a group under a version before the group
/// records, from the group's tags (its owner and function), when they name one.
/// [`earlier_creator`] reads a group's tags.
pub(crate) fn tag_format_creator(owner: &str, function_arn: &str) -> Option<u64> {
    // `<StackId>/<LogicalResourceId>`; a logical id has no '/'. A value shortened with a
    // hash (`…#<16 hex>`) cannot be split back.
    let (stack, logical) = owner.rsplit_once('/')?;
    let hashed =
        logical.len() > 17 && logical.as_bytes()[logical.len() - 17] == b'#' && owner.len() == MAX_TAG_VALUE;
    (!hashed && !logical.is_empty())
        .then(|| reference_id(stack, logical, &format!("function:{function_arn}")))
}

/// Who created a group, when an earlier version did (the owner tag without the records
/// tag): its reference, or [`UNKNOWN_CREATOR`]. `None`: this version created it, or no
/// version of lambda-profiling did.
pub(crate) fn earlier_creator(tags: &std::collections::HashMap<String, String>) -> Option<u64> {
    let owner = tags.get(OWNER_KEY)?;
    if tags.get(RECORDS_KEY).is_some_and(|v| v == RECORDS_VALUE) {
        return None;
    }
    let function = tags.get(TAG_FORMAT_FUNCTION_KEY);
    Some(
        function
            .and_then(|f| tag_format_creator(owner, f))
            .unwrap_or(UNKNOWN_CREATOR),
    )
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
    /// The layer version ARN it added; `Some("")` in an old tag whose ARN was too long to
    /// record, meaning "the agent layer of the function's family".
    pub layer: Option<String>,
    /// Names of the variables it added (of the fixed set the agent reads).
    pub vars: BTreeSet<&'static str>,
    /// It moved the handler into `HANDLER_ENV_NAME_FOR_CODEGURU` (Python redirect).
    pub handler_redirected: bool,
    pub java_options: Option<JavaOptions>,
    /// The values it set; `None` in ledgers of earlier versions.
    pub setting: Option<Setting>,
    /// ARNs of groups it no longer uses whose records still hold its reference.
    pub retired: BTreeSet<String>,
}

/// The values a resource gave the agent's variables, from which each is derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    pub family: Family,
    /// The group's ARN (its name and region are in it).
    pub group_arn: String,
    /// The group came from the function's own variables (and stays theirs on the function;
    /// its record decides, as for any group, whether it is deleted).
    pub users_group: bool,
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
            setting: other.setting.clone().or_else(|| self.setting.clone()),
            retired: self.retired.union(&other.retired).cloned().collect(),
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
            out += &format!(" layer={layer}");
        }
        if let Some(setting) = &self.setting {
            let family = match setting.family {
                Family::Python => "python",
                Family::Java => "java",
            };
            out += &format!(" family={family} group={}", setting.group_arn);
            if setting.users_group {
                out += " group=users";
            }
        }
        if !self.retired.is_empty() {
            let arns: Vec<&str> = self.retired.iter().map(String::as_str).collect();
            out += &format!(" retired={}", arns.join(","));
        }
        out
    }

    /// Reads a value written by [`Ledger::encode`]; unknown words are ignored.
    pub(crate) fn decode(value: &str) -> Ledger {
        let mut ledger = Ledger::default();
        let (mut family, mut group, mut users_group) = (None, None, false);
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
                Some(("family", "python")) => family = Some(Family::Python),
                Some(("family", "java")) => family = Some(Family::Java),
                Some(("group", "users")) => users_group = true,
                Some(("group", arn)) => group = Some(arn.to_owned()),
                Some(("retired", arns)) => {
                    ledger.retired = arns
                        .split(',')
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                _ => {}
            }
        }
        if let (Some(family), Some(group_arn)) = (family, group) {
            ledger.setting = Some(Setting {
                family,
                group_arn,
                users_group,
            });
        }
        ledger
    }
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
