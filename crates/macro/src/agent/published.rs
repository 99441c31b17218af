//! What AWS says it publishes: the agent layers' versions in a region and the runtimes
//! each lists (`CompatibleRuntimes`). Found at the edge (the Lambda's handler, the command
//! line's `--resolve-layers`) and given to the macro as an input, like the stack's
//! parameters; empty, the macro uses the built-in table and the layers are unverified.
//!
//! A layer is taken for a runtime only when AWS lists the runtime and the built-in table
//! does not know otherwise ([`Family::layer_carries`]: a layer's listing has been wrong
//! before). A layer that lists no runtime at all is judged by the built-in table alone.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::{Family, PUBLISHER_ACCOUNT, parse_layer_arn};

/// A layer version, as AWS answered for it: `None` when it does not exist, else the
/// runtimes it lists (empty when it lists none).
pub type Listing = Option<Vec<String>>;

/// The facts, keyed by layer version ARN.
#[derive(Debug, Default)]
pub struct Published {
    versions: BTreeMap<String, Listing>,
    /// The (family, region) pairs whose every version from the built-in one up is known:
    /// a version of those that is not in `versions` does not exist.
    complete: BTreeSet<(Family, String)>,
    /// Layer versions the macro took without knowing: the edge may ask and answer again.
    asked: RefCell<BTreeSet<String>>,
}

/// Why no layer can be taken, from what AWS publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The version does not exist in the region.
    Missing,
    /// The version exists and does not serve the runtime; what it lists.
    Incompatible(Vec<String>),
}

impl Published {
    /// Records what AWS answered for a layer version ARN.
    pub fn insert(&mut self, arn: String, listing: Listing) {
        self.versions.insert(arn, listing);
    }

    /// Records that every version of `family`'s layer in `region` from the built-in one
    /// up has been inserted.
    pub fn mark_complete(&mut self, family: Family, region: &str) {
        self.complete.insert((family, region.to_owned()));
    }

    /// Adds what `other` found (another region's, say).
    pub fn merge(&mut self, other: Published) {
        self.versions.extend(other.versions);
        self.complete.extend(other.complete);
    }

    /// Whether anything was found: otherwise the layers are not verified.
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// The layer version ARNs the macro took unverified, since the last call.
    pub fn take_asked(&self) -> Vec<String> {
        std::mem::take(&mut *self.asked.borrow_mut())
            .into_iter()
            .collect()
    }

    /// What is known of the publisher's `family` layers in `region`, when every version is:
    /// the versions that exist, oldest first, with what they list.
    pub fn catalog(&self, family: Family, region: &str) -> Option<Vec<(u32, &[String])>> {
        if !self.complete.contains(&(family, region.to_owned())) {
            return None;
        }
        let prefix = official_prefix(family, region);
        let mut found: Vec<(u32, &[String])> = self
            .versions
            .iter()
            .filter_map(|(arn, listing)| {
                let version = arn.strip_prefix(&prefix)?.parse().ok()?;
                Some((version, listing.as_deref()?))
            })
            .collect();
        found.sort_by_key(|(v, _)| *v);
        Some(found)
    }

    /// The newest version of the publisher's layer in `region` that serves every one of
    /// `runtimes`: `None` when the catalog is not known (the built-in table decides),
    /// `Some(Err(runtime))` when none serves that runtime.
    pub fn newest<'r>(
        &self,
        family: Family,
        region: &str,
        runtimes: &[&'r str],
    ) -> Option<Result<u32, &'r str>> {
        let catalog = self.catalog(family, region)?;
        let serving = |r: &str| {
            catalog
                .iter()
                .filter(|(v, listed)| serves(family, *v, listed, r))
                .map(|(v, _)| *v)
                .collect::<BTreeSet<u32>>()
        };
        let mut common: Option<BTreeSet<u32>> = None;
        for runtime in runtimes {
            let these = serving(runtime);
            let both: BTreeSet<u32> = match common {
                Some(c) => c.intersection(&these).copied().collect(),
                None => these,
            };
            if both.is_empty() {
                return Some(Err(runtime));
            }
            common = Some(both);
        }
        Some(common.and_then(|c| c.last().copied()).ok_or(""))
    }

    /// Checks the layer version `arn` against every one of `runtimes`: `Ok` when it serves
    /// them or is not known (then it is asked for).
    pub fn check(&self, arn: &str, family: Family, runtimes: &[&str]) -> Result<(), Refusal> {
        let listing = match self.versions.get(arn) {
            Some(listing) => listing,
            None if self.known_missing(arn) => return Err(Refusal::Missing),
            None => {
                self.asked.borrow_mut().insert(arn.to_owned());
                return Ok(());
            }
        };
        let Some(listed) = listing else {
            return Err(Refusal::Missing);
        };
        let version = parse_layer_arn(arn).and_then(|l| l.version.parse().ok());
        let fits = |r: &&str| match version {
            Some(v) if is_official(arn, family) => serves(family, v, listed, r),
            _ => listed.is_empty() || listed.iter().any(|l| l == r),
        };
        match runtimes.iter().all(fits) {
            true => Ok(()),
            false => Err(Refusal::Incompatible(listed.clone())),
        }
    }

    /// A version of a complete catalog that was never found: it does not exist.
    fn known_missing(&self, arn: &str) -> bool {
        let Some(layer) = parse_layer_arn(arn) else {
            return false;
        };
        let Ok(version) = layer.version.parse::<u32>() else {
            return false;
        };
        [Family::Python, Family::Java].into_iter().any(|family| {
            is_official(arn, family)
                && version >= family.spec_default_version()
                && self.complete.contains(&(family, layer.region.to_owned()))
        })
    }
}

/// Whether version `v` of the publisher's `family` layer, listing `listed`, can start the
/// agent on `runtime`.
fn serves(family: Family, v: u32, listed: &[String], runtime: &str) -> bool {
    let listed_ok = listed.is_empty() || listed.iter().any(|l| l == runtime);
    listed_ok && family.layer_carries(v, runtime)
}

fn official_prefix(family: Family, region: &str) -> String {
    format!(
        "arn:aws:lambda:{region}:{PUBLISHER_ACCOUNT}:layer:{}:",
        family.layer_name()
    )
}

fn is_official(arn: &str, family: Family) -> bool {
    parse_layer_arn(arn).is_some_and(|l| l.account == PUBLISHER_ACCOUNT && l.name == family.layer_name())
}

/// What a layer lists, in words: runtime identifiers only (anything else is left out).
pub fn listing_words(listed: &[String]) -> String {
    let shown: Vec<&str> = listed
        .iter()
        .map(String::as_str)
        .filter(|r| {
            !r.is_empty() && r.len() <= 32 && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        })
        .collect();
    match shown.is_empty() {
        true => "no runtime listed".into(),
        false => shown.join(", "),
    }
}

#[cfg(test)]
#[path = "published_tests.rs"]
mod tests;
