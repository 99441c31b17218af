//! The splice lane's reading of a fragment: where its sections, resources, their keys
//! and their properties are, as text, with nothing parsed into values. A fragment this
//! reading declines (see [`Decline`]) is the general lane's.
//!
//! A resource here is a [`ResourceText`]: ranges into flat lists of `(key, text)`
//! pairs, so that reading thousands of resources allocates a few vectors, not one per
//! resource. The general lane's resource ([`crate::general`]) is entries that can be
//! edited; the two are two readings of one template, one per lane.

use std::borrow::Cow;
use std::ops::Range;

use super::decline::Decline;
use super::scan::Scanner;
use crate::rules::resource_types::SAM_FUNCTION;

/// A resource with more keys or properties than this is declined (the lane checks for
/// repeated keys pairwise).
const MAX_ENTRIES: usize = 64;

/// The fragment's outline: its sections, resources, their keys and properties, as text.
#[derive(Default)]
pub(crate) struct Outline<'a> {
    /// Top-level sections; the `Resources` entry's text is not kept.
    pub sections: Vec<(&'a str, &'a str)>,
    pub resources: Vec<ResourceText<'a>>,
    /// Every resource's own keys, and every `Properties`' entries: resources hold ranges.
    pub keys: Vec<(&'a str, &'a str)>,
    pub properties: Vec<(&'a str, &'a str)>,
}

/// A resource as places in the text.
pub(crate) struct ResourceText<'a> {
    pub id: &'a str,
    pub ty: &'a str,
    pub keys: Range<usize>,
    /// `None` when the resource has no `Properties`.
    pub properties: Option<Range<usize>>,
}

type Read<T> = Result<T, Decline>;

fn scanned<T>(r: Result<T, super::scan::ScanError>) -> Read<T> {
    r.map_err(|_| Decline::NotJson)
}

/// An object key without escapes.
fn unescaped_key<'a>(s: &mut Scanner<'a>, first: &mut bool) -> Read<Option<&'a str>> {
    match scanned(s.next_key(first))? {
        None => Ok(None),
        Some(Cow::Borrowed(key)) => Ok(Some(key)),
        Some(Cow::Owned(_)) => Err(Decline::EscapedKey),
    }
}

/// The text of a JSON string without escapes.
pub(crate) fn unescaped(json: &str) -> Option<&str> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// Reads an object's entries after `enter_object`, refusing repeated keys.
fn entries<'a>(
    s: &mut Scanner<'a>,
    into: &mut Vec<(&'a str, &'a str)>,
    mut value: impl FnMut(&mut Scanner<'a>, &'a str) -> Read<&'a str>,
) -> Read<Range<usize>> {
    let (start, mut first) = (into.len(), true);
    while let Some(key) = unescaped_key(s, &mut first)? {
        if into.len() - start >= MAX_ENTRIES {
            return Err(Decline::LargeObject);
        }
        if into[start..].iter().any(|(k, _)| *k == key) {
            return Err(Decline::RepeatedKey);
        }
        let text = value(s, key)?;
        into.push((key, text));
    }
    Ok(start..into.len())
}

/// Opens the object that comes next, or declines.
fn enter(s: &mut Scanner) -> Read<()> {
    match scanned(s.enter_object())? {
        true => Ok(()),
        false => Err(Decline::NotAnObject),
    }
}

impl<'a> Outline<'a> {
    /// Reads the fragment that comes next in `s`.
    pub(crate) fn read_from(s: &mut Scanner<'a>) -> Read<Self> {
        // Sized for templates like most: about 250 bytes per resource.
        let guess = s.remaining() / 256 + 4;
        let mut o = Outline {
            sections: Vec::new(),
            resources: Vec::with_capacity(guess),
            keys: Vec::with_capacity(2 * guess),
            properties: Vec::with_capacity(4 * guess),
        };
        enter(s)?;
        let mut sections = Vec::new();
        entries(s, &mut sections, |s, key| match key {
            "Resources" => o.read_resources(s).map(|()| ""),
            _ => scanned(s.value()),
        })?;
        o.sections = sections;
        match o.sections.iter().any(|(k, _)| *k == "Resources") {
            true => Ok(o),
            false => Err(Decline::NotAnObject),
        }
    }

    fn read_resources(&mut self, s: &mut Scanner<'a>) -> Read<()> {
        enter(s)?;
        let mut first = true;
        while let Some(id) = unescaped_key(s, &mut first)? {
            enter(s)?;
            let mut properties = None;
            let keys = entries(s, &mut self.keys, |s, key| match key {
                "Properties" => {
                    enter(s)?;
                    properties = Some(entries(s, &mut self.properties, |s, _| scanned(s.value()))?);
                    Ok("")
                }
                _ => scanned(s.value()),
            })?;
            let ty = self.keys[keys.clone()]
                .iter()
                .find(|(k, _)| *k == "Type")
                .and_then(|(_, ty)| unescaped(ty))
                .ok_or(Decline::ResourceType)?;
            // The lane would decline it when planning: say so now, not after reading the rest.
            if ty == SAM_FUNCTION {
                return Err(Decline::SamFunction);
            }
            self.resources.push(ResourceText {
                id,
                ty,
                keys,
                properties,
            });
        }
        Ok(())
    }

    /// A resource's own key (`Condition`, `Metadata`, …), as text.
    pub(crate) fn key(&self, r: &ResourceText, key: &str) -> Option<&'a str> {
        self.keys[r.keys.clone()]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// A property's raw JSON text; `None` when absent.
    pub(crate) fn property(&self, r: &ResourceText, key: &str) -> Option<&'a str> {
        let range = r.properties.clone()?;
        self.properties[range]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}
