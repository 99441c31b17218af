//! Logical ids and names the macro adds: alphanumeric, unique, bounded in length,
//! and stable from run to run (long inputs are shortened with a stable hash).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// CloudFormation's limit on logical id length.
pub(crate) const MAX_LOGICAL_ID: usize = 255;

/// FNV-1a, 64 bits: stable across runs, platforms and releases, and quick on the
/// short keys of a template (logical ids), which the macro hashes by the thousand.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Maps and sets keyed by logical ids.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
pub(crate) type IdSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// Eight hex digits of FNV-1a: stable across runs, platforms and releases.
pub(crate) fn short_hash(s: &str) -> String {
    let mut h = Fnv::default();
    h.write(s.as_bytes());
    let h = h.finish();
    format!("{:08x}", (h >> 32) ^ (h & 0xffff_ffff))
}

/// `text` cut to at most `max` characters; when cut, its tail becomes a hash of the whole.
pub(crate) fn fit(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let hash = short_hash(text);
    let mut keep = max.saturating_sub(hash.len());
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    Cow::Owned(format!("{}{hash}", &text[..keep]))
}

/// The alphanumeric characters of `text` (logical ids allow nothing else).
pub(crate) fn alphanumeric(text: &str) -> Cow<'_, str> {
    match text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        true => Cow::Borrowed(text),
        false => Cow::Owned(text.chars().filter(char::is_ascii_alphanumeric).collect()),
    }
}

/// `<base><suffix>`, alphanumeric and at most 255 characters.
pub(crate) fn logical_id(base: &str, suffix: &str) -> String {
    let base = alphanumeric(base);
    let base = fit(&base, MAX_LOGICAL_ID - suffix.len());
    let mut id = String::with_capacity(base.len() + suffix.len());
    id.push_str(&base);
    id.push_str(suffix);
    id
}

/// The suffix of a created profiling group's logical id: `<FunctionId>ProfilingGroup`.
const GROUP_SUFFIX: &str = "ProfilingGroup";

/// The logical ids in use: the template's (borrowed) and those the macro has added.
#[derive(Debug, Default)]
pub(crate) struct LogicalIds<'a> {
    taken: IdSet<Cow<'a, str>>,
}

impl<'a> LogicalIds<'a> {
    pub(crate) fn new(existing: impl IntoIterator<Item = &'a str>) -> Self {
        LogicalIds {
            taken: existing.into_iter().map(Cow::Borrowed).collect(),
        }
    }

    /// `wanted` if free, else the first free `wanted2`, `wanted3`, … (kept within 255).
    pub(crate) fn free(&self, wanted: &str) -> String {
        if !self.taken.contains(wanted) {
            return wanted.to_string();
        }
        (2u32..)
            .map(|n| {
                let n = n.to_string();
                format!("{}{n}", fit(wanted, MAX_LOGICAL_ID - n.len()))
            })
            .find(|id| !self.taken.contains(id.as_str()))
            .unwrap_or_default()
    }

    pub(crate) fn claim(&mut self, id: &str) {
        self.taken.insert(Cow::Owned(id.to_string()));
    }

    /// The id a group created for `function_id` gets, if claimed next: `<FunctionId>ProfilingGroup`
    /// made alphanumeric and short enough, or its first free numbered variant.
    pub(crate) fn group_id(&self, function_id: &str) -> String {
        self.free(&logical_id(function_id, GROUP_SUFFIX))
    }
}

#[cfg(test)]
#[path = "ids_tests.rs"]
mod tests;
