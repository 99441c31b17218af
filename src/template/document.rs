//! The template as the macro holds it: sections and resources in input order, each
//! kept as the raw JSON it arrived as until the macro needs to read or change it.
//! Untouched parts are written back byte for byte, and cost no parsing.

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::problems::{Checked, Problem};

/// A JSON value: the input's raw text, parsed when the macro reads it. It is
/// written back as the raw text unless the macro changed it.
#[derive(Debug)]
pub struct Slot<'a> {
    raw: Option<&'a RawValue>,
    parsed: Option<Value>,
    edited: bool,
}

impl<'a> Slot<'a> {
    fn raw(raw: &'a RawValue) -> Self {
        Slot {
            raw: Some(raw),
            parsed: None,
            edited: false,
        }
    }

    fn new(value: Value) -> Self {
        Slot {
            raw: None,
            parsed: Some(value),
            edited: true,
        }
    }

    /// Parses the raw text once.
    fn parse(&mut self) -> serde_json::Result<&Value> {
        if self.parsed.is_none() {
            let raw = self.raw.map_or("null", RawValue::get);
            self.parsed = Some(serde_json::from_str(raw)?);
        }
        Ok(self.parsed.get_or_insert(Value::Null))
    }

    /// The value, to change: from now on it is written back parsed.
    fn edit(&mut self) -> Option<&mut Value> {
        self.parse().ok()?;
        self.edited = true;
        self.parsed.as_mut()
    }

    pub fn value(&self) -> Option<&Value> {
        self.parsed.as_ref()
    }
}

impl Serialize for Slot<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.raw, &self.parsed) {
            (Some(raw), _) if !self.edited => raw.serialize(s),
            (_, Some(v)) => v.serialize(s),
            (_, None) => Value::Null.serialize(s),
        }
    }
}

/// An object's entries in input order, values left raw.
struct RawEntries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawEntries<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, &'de RawValue)> = Vec::new();
                let mut seen: HashMap<String, usize> = HashMap::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    // A repeated key keeps its first place and its last value, as serde_json does.
                    match seen.get(&k) {
                        Some(&i) => entries[i].1 = v,
                        None => {
                            seen.insert(k.clone(), entries.len());
                            entries.push((k, v));
                        }
                    }
                }
                Ok(RawEntries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

fn raw_entries<'a>(raw: &'a RawValue) -> Option<Vec<(String, &'a RawValue)>> {
    serde_json::from_str::<RawEntries<'a>>(raw.get())
        .ok()
        .map(|e| e.0)
}

/// The `Type` of a resource, read without parsing the rest of it.
#[derive(Deserialize)]
struct TypePeek<'a> {
    #[serde(rename = "Type", borrow, default)]
    ty: Option<&'a RawValue>,
}

#[derive(Debug)]
pub struct Resource<'a> {
    pub id: String,
    pub ty: String,
    pub body: Slot<'a>,
}

impl Resource<'_> {
    /// The parsed body; only resources the macro reads are parsed (see [`Template::parse_resources`]).
    pub fn value(&self) -> Option<&Value> {
        self.body.value()
    }

    pub fn properties(&self) -> Option<&serde_json::Map<String, Value>> {
        self.value()?.get("Properties")?.as_object()
    }
}

const RESOURCES: &str = "Resources";

#[derive(Debug)]
pub struct Template<'a> {
    /// Top-level sections in input order; the `Resources` entry's slot stays raw and
    /// unused, since the resources live in `resources`.
    sections: Vec<(String, Slot<'a>)>,
    pub resources: Vec<Resource<'a>>,
    index: HashMap<String, usize>,
}

impl<'a> Template<'a> {
    /// Reads the fragment's structure. Problems: a fragment that is not an object,
    /// no `Resources`, and resources that are not objects or lack a string `Type`.
    pub fn load(fragment: &'a RawValue) -> Checked<Self> {
        let Some(entries) = raw_entries(fragment) else {
            return Err(vec![Problem::new(
                "fragment",
                "the template must be a JSON object",
            )]);
        };
        let sections: Vec<(String, Slot<'a>)> = entries.into_iter().map(|(k, v)| (k, Slot::raw(v))).collect();
        let Some(raw_resources) = sections
            .iter()
            .find(|(k, _)| k == RESOURCES)
            .and_then(|(_, v)| v.raw)
        else {
            return Err(vec![Problem::new(
                RESOURCES,
                "the template has no Resources section; a CloudFormation template needs at least one resource",
            )]);
        };
        let Some(raw) = raw_entries(raw_resources) else {
            return Err(vec![Problem::new(
                RESOURCES,
                "Resources must be an object that maps logical ids to resources",
            )]);
        };
        let mut problems = Vec::new();
        let mut resources = Vec::with_capacity(raw.len());
        for (id, body) in raw {
            match resource_type(body) {
                Ok(ty) => resources.push(Resource {
                    id,
                    ty,
                    body: Slot::raw(body),
                }),
                Err(message) => problems.push(Problem::new(format!("Resources.{id}"), message)),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let index = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Ok(Template {
            sections,
            resources,
            index,
        })
    }

    /// Parses the bodies of the resources whose type satisfies `wanted`.
    pub fn parse_resources(&mut self, wanted: impl Fn(&str) -> bool) -> Checked<()> {
        let mut problems = Vec::new();
        for r in self.resources.iter_mut().filter(|r| wanted(&r.ty)) {
            if let Err(e) = r.body.parse() {
                problems.push(Problem::new(
                    format!("Resources.{}", r.id),
                    format!("cannot be read: {e}"),
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    pub fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.index.get(id).map(|&i| &self.resources[i])
    }

    pub fn type_of(&self, id: &str) -> Option<&str> {
        self.resource(id).map(|r| r.ty.as_str())
    }

    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// A parsed resource body to edit; `None` if the id is unknown.
    pub fn resource_mut(&mut self, id: &str) -> Option<&mut Value> {
        let &i = self.index.get(id)?;
        self.resources[i].body.edit()
    }

    pub fn add_resource(&mut self, id: String, ty: &str, body: Value) {
        self.index.insert(id.clone(), self.resources.len());
        self.resources.push(Resource {
            id,
            ty: ty.to_string(),
            body: Slot::new(body),
        });
    }

    /// A top-level section, parsed to read (for small sections such as `Globals`).
    pub fn section(&mut self, name: &str) -> Option<&Value> {
        self.sections.iter_mut().find(|(k, _)| k == name)?.1.parse().ok()
    }

    fn section_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.sections.iter_mut().find(|(k, _)| k == name)?.1.edit()
    }

    /// Removes `Globals.Function.Profiling`, which SAM would reject, and then
    /// `Function` and `Globals` if nothing is left in them.
    pub fn remove_global_profiling(&mut self) {
        let Some(Value::Object(globals)) = self.section_mut("Globals") else {
            return;
        };
        let Some(Value::Object(function)) = globals.get_mut("Function") else {
            return;
        };
        function.shift_remove("Profiling");
        if function.is_empty() {
            globals.shift_remove("Function");
        }
        if globals.is_empty() {
            self.sections.retain(|(k, _)| k != "Globals");
        }
    }
}

/// The `Type` of a raw resource, or what is wrong with it.
fn resource_type(body: &RawValue) -> Result<String, String> {
    if !body.get().trim_start().starts_with('{') {
        return Err("a resource must be an object with a Type and Properties".into());
    }
    let peek: TypePeek = serde_json::from_str(body.get()).map_err(|e| format!("cannot be read: {e}"))?;
    match peek.ty.map(|t| serde_json::from_str::<String>(t.get())) {
        Some(Ok(ty)) => Ok(ty),
        Some(Err(_)) => Err("Type must be a string, such as AWS::Lambda::Function".into()),
        None => {
            Err("the resource has no Type; every resource needs one, such as AWS::Lambda::Function".into())
        }
    }
}

impl Serialize for Template<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Resources<'r, 'a>(&'r [Resource<'a>]);
        impl Serialize for Resources<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for r in self.0 {
                    m.serialize_entry(&r.id, &r.body)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(self.sections.len()))?;
        for (k, v) in &self.sections {
            if k == RESOURCES {
                m.serialize_entry(k, &Resources(&self.resources))?;
            } else {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}
