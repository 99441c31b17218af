//! What AWS says it publishes: the agent layers' versions in a region and the runtimes
//! each lists (`CompatibleRuntimes`). Found at the edge (the Lambda's handler, the command
//! line's `--resolve-layers`) and given to the macro as an input, like the stack's
//! parameters; empty, the macro uses the built-in table and the layers are unverified.
//!
//! What a version serves is judged by the built-in table where it knows the version (a
//! version's `CompatibleRuntimes` is fixed when it is published, so it never names a
//! later runtime it serves), and by its listing only for a Python version newer than
//! the table; a version that lists no runtime is judged by the table alone. A mirror's
//! layer (another account's) is judged by its listing, or taken when it lists none.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use super::{Family, NEWEST_KNOWN_PYTHON_LAYER, PUBLISHER_ACCOUNT, parse_layer_arn};

/// A layer version, as AWS answered for it: `None` when it does not exist, else the
/// runtimes it lists (empty when it lists none).
pub type Listing = Option<Vec<String>>;

/// The facts, keyed by layer version ARN.
#[derive(Debug, Default)]
pub struct Published {
    versions: BTreeMap<String, Listing>,
    /// The (family, region) pairs whose every version from the built-in one up to the
    /// one given is known: a version in that range not in `versions` does not exist.
    complete: BTreeMap<(Family, String), RangeInclusive<u32>>,
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

    /// Records that every version of `family`'s layer in `region` in `probed` has been
    /// inserted: a version in that range that is not there does not exist, and one
    /// outside it is asked for on its own.
    pub fn mark_complete(&mut self, family: Family, region: &str, probed: RangeInclusive<u32>) {
        self.complete.insert((family, region.to_owned()), probed);
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
        if !self.complete.contains_key(&(family, region.to_owned())) {
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
        common.and_then(|c| c.last().copied()).map(Ok)
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

    /// Whether what AWS says of the layer version `arn` is known (found, or known missing).
    pub fn covers(&self, arn: &str) -> bool {
        self.versions.contains_key(arn) || self.known_missing(arn)
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
            let probed = self.complete.get(&(family, layer.region.to_owned()));
            is_official(arn, family) && probed.is_some_and(|r| r.contains(&version))
        })
    }
}

/// Whether version `v` of the publisher's `family` layer, listing `listed`, can start the
/// agent on `runtime`. A version's listing is fixed when it is published, so it never
/// names a runtime released after it: Java's one jar serves every Java runtime, and a
/// Python version the built-in table knows is judged by the table (which knows what
/// each holds); only a newer Python version is judged by its listing.
fn serves(family: Family, v: u32, listed: &[String], runtime: &str) -> bool {
    match family {
        Family::Java => true,
        Family::Python if v <= NEWEST_KNOWN_PYTHON_LAYER || listed.is_empty() => {
            family.layer_carries(v, runtime)
        }
        Family::Python => listed.iter().any(|l| l == runtime),
    }
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
