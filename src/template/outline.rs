//! The splice lane's reading of a fragment: where its sections, resources, their keys
//! and their properties are, as text, with nothing parsed into values. A fragment this
//! reading refuses (escaped keys, repeated keys or ids, a resource that is not an
//! object with a string `Type`) is the general lane's.

use std::borrow::Cow;
use std::ops::Range;

use super::fast::FunctionText;
use super::scan::Scanner;

/// A resource with more keys or properties than this goes to the general lane (the
/// lane checks for repeated keys pairwise).
const MAX_ENTRIES: usize = 64;

/// The fragment's outline: its sections, resources, their keys and properties, as text.
#[derive(Default)]
pub struct Outline<'a> {
    /// Top-level sections; the `Resources` entry's text is not kept.
    pub sections: Vec<(&'a str, &'a str)>,
    pub resources: Vec<Resource<'a>>,
    /// Every resource's own keys, and every `Properties`' entries: resources hold ranges.
    pub keys: Vec<(&'a str, &'a str)>,
    pub properties: Vec<(&'a str, &'a str)>,
}

pub struct Resource<'a> {
    pub id: &'a str,
    pub ty: &'a str,
    pub keys: Range<usize>,
    /// `None` when the resource has no `Properties`.
    pub properties: Option<Range<usize>>,
}

/// An object key without escapes (`None`: the general lane writes escaped keys).
fn plain_key<'a>(s: &mut Scanner<'a>, first: &mut bool) -> Option<Option<&'a str>> {
    match s.next_key(first).ok()? {
        None => Some(None),
        Some(Cow::Borrowed(key)) => Some(Some(key)),
        Some(Cow::Owned(_)) => None,
    }
}

/// The text of a JSON string without escapes.
pub fn plain_text(json: &str) -> Option<&str> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// Reads an object's entries after `enter_object`, refusing repeated keys.
fn entries<'a>(
    s: &mut Scanner<'a>,
    into: &mut Vec<(&'a str, &'a str)>,
    mut value: impl FnMut(&mut Scanner<'a>, &'a str) -> Option<&'a str>,
) -> Option<Range<usize>> {
    let (start, mut first) = (into.len(), true);
    while let Some(key) = plain_key(s, &mut first)? {
        if into.len() - start >= MAX_ENTRIES || into[start..].iter().any(|(k, _)| *k == key) {
            return None;
        }
        let text = value(s, key)?;
        into.push((key, text));
    }
    Some(start..into.len())
}

impl<'a> Outline<'a> {
    pub fn read(fragment: &'a str) -> Option<Self> {
        let mut s = Scanner::new(fragment);
        let outline = Self::read_from(&mut s)?;
        s.end().ok().map(|()| outline)
    }

    /// Reads the fragment that comes next in `s`.
    pub fn read_from(s: &mut Scanner<'a>) -> Option<Self> {
        // Sized for templates like most: about 250 bytes per resource.
        let guess = s.remaining() / 256 + 4;
        let mut o = Outline {
            sections: Vec::new(),
            resources: Vec::with_capacity(guess),
            keys: Vec::with_capacity(2 * guess),
            properties: Vec::with_capacity(4 * guess),
        };
        if !s.enter_object().ok()? {
            return None;
        }
        let mut sections = Vec::new();
        entries(s, &mut sections, |s, key| match key {
            "Resources" => o.read_resources(s).map(|()| ""),
            _ => s.value().ok(),
        })?;
        o.sections = sections;
        o.sections.iter().any(|(k, _)| *k == "Resources").then_some(o)
    }

    fn read_resources(&mut self, s: &mut Scanner<'a>) -> Option<()> {
        if !s.enter_object().ok()? {
            return None;
        }
        let mut first = true;
        while let Some(id) = plain_key(s, &mut first)? {
            if !s.enter_object().ok()? {
                return None;
            }
            let mut properties = None;
            let keys = entries(s, &mut self.keys, |s, key| match key {
                "Properties" if s.enter_object().ok()? => {
                    properties = Some(entries(s, &mut self.properties, |s, _| s.value().ok())?);
                    Some("")
                }
                "Properties" => None, // not an object: the general lane reports it
                _ => s.value().ok(),
            })?;
            let ty = self.keys[keys.clone()].iter().find(|(k, _)| *k == "Type")?.1;
            self.resources.push(Resource {
                id,
                ty: plain_text(ty)?,
                keys,
                properties,
            });
        }
        Some(())
    }

    pub fn key(&self, r: &Resource, key: &str) -> Option<&'a str> {
        self.keys[r.keys.clone()]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    pub fn property(&self, r: &Resource, key: &str) -> Option<&'a str> {
        let range = r.properties.clone()?;
        self.properties[range]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}

/// A function of the outline, as [`fast::triage`] reads it.
pub struct FunctionAt<'o, 'a>(pub &'o Outline<'a>, pub &'o Resource<'a>);

impl<'a> FunctionText<'a> for FunctionAt<'_, 'a> {
    fn ty(&self) -> &str {
        self.1.ty
    }
    fn has(&self, key: &str) -> bool {
        self.0.key(self.1, key).is_some()
    }
    fn property(&self, key: &str) -> Option<&'a str> {
        self.0.property(self.1, key)
    }
}
