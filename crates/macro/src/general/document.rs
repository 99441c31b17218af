//! The template as the macro holds it, read in one pass: the sections, the resources
//! and each resource's properties as entries in input order, every value kept as the
//! raw JSON text it arrived as. Only the few values the macro reads are parsed
//! ([`Template::parse_resources`]); untouched values are written back as they came,
//! and cost no parsing, no allocation and no freeing.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::loops;
use super::reader::{ObjectOr, RawResource, RawTemplate, Section};
use super::slot::{Entries, Slot};
use crate::problems::Problem;
use crate::rules::ids::IdMap;
use crate::rules::json::{write_key, write_value};

#[derive(Debug)]
pub(crate) struct Resource<'a> {
    pub id: String,
    pub ty: String,
    /// The resource's own keys (`Type`, `Properties`, `Condition`, …).
    body: Slot<'a>,
    /// What the macro reads: the attributes and the properties it needs, parsed.
    view: Option<Value>,
}

/// The resource attributes the macro reads.
const ATTRIBUTES: [&str; 3] = ["Condition", "DependsOn", "Metadata"];

impl<'a> Resource<'a> {
    /// The parsed view of the resource (see [`Template::parse_resources`]).
    pub(crate) fn value(&self) -> Option<&Value> {
        self.view.as_ref()
    }

    pub(crate) fn properties(&self) -> Option<&Map<String, Value>> {
        self.value()?.get("Properties")?.as_object()
    }

    fn entries_mut(&mut self) -> Option<&mut Entries<'a>> {
        match &mut self.body {
            Slot::Object(e) => Some(e),
            _ => None,
        }
    }

    /// The whole resource, parsed (a copy).
    pub(crate) fn body_value(&self) -> Value {
        self.body.to_value()
    }

    /// The view of `properties`, built afresh (not kept).
    pub(crate) fn build_view(&self, properties: &[&str]) -> Value {
        let Slot::Object(entries) = &self.body else {
            return self.body.to_value();
        };
        let mut view = Map::new();
        for key in ATTRIBUTES {
            if let Some(v) = entries.get(key) {
                view.insert(key.to_string(), v.to_value());
            }
        }
        match entries.get("Properties") {
            Some(Slot::Object(props)) => {
                let wanted = props.0.iter().filter(|(k, _)| properties.contains(&k.as_ref()));
                let props: Map<String, Value> = wanted.map(|(k, v)| (k.to_string(), v.to_value())).collect();
                view.insert("Properties".into(), Value::Object(props));
            }
            Some(other) => {
                view.insert("Properties".into(), other.to_value());
            }
            None => {}
        }
        Value::Object(view)
    }
}

const RESOURCES: &str = "Resources";

#[derive(Debug)]
pub(crate) struct Template<'a> {
    /// Top-level sections in input order; the `Resources` entry's slot is a
    /// placeholder when the resources live in `resources`.
    sections: Entries<'a>,
    pub resources: Vec<Resource<'a>>,
    index: IdMap<String, usize>,
    /// A fragment that is not an object, kept to be answered back.
    not_object: Option<Value>,
    /// `Resources` was an object, and its resources are in `resources`.
    resources_read: bool,
}

impl<'a> Template<'a> {
    /// The template read by [`RawTemplate`], and its structural problems: the fragment
    /// must be an object with a `Resources` object whose resources are objects with a
    /// string `Type`. The template is kept whole either way, to be answered back.
    pub(crate) fn from_raw(raw: RawTemplate<'a>) -> (Self, Vec<Problem>) {
        let mut t = Template {
            sections: Entries::default(),
            resources: Vec::new(),
            index: IdMap::default(),
            not_object: None,
            resources_read: false,
        };
        let sections = match raw.0 {
            ObjectOr::Object(sections) => sections,
            ObjectOr::Other(v) => {
                t.not_object = Some(v);
                return (
                    t,
                    vec![Problem::new("fragment", "the template must be a JSON object")],
                );
            }
        };
        let mut problems = Vec::new();
        for (key, section) in sections {
            match section {
                Section::Other(slot) => t.sections.0.push((key, slot)),
                Section::Resources(ObjectOr::Other(v)) => {
                    problems.push(Problem::new(
                        RESOURCES,
                        "Resources must be an object that maps logical ids to resources",
                    ));
                    t.sections.0.push((key, Slot::Value(v)));
                }
                Section::Resources(ObjectOr::Object(resources)) => {
                    t.resources_read = true;
                    t.sections.0.push((key, Slot::Value(Value::Null)));
                    for (id, r) in resources {
                        // A loop is `AWS::LanguageExtensions`' (see `loops`): kept as it came.
                        if id.starts_with(loops::LOOP_PREFIX) {
                            let body = match r {
                                ObjectOr::Other(v) => Slot::Value(v),
                                ObjectOr::Object(entries) => Slot::Object(Entries(entries)),
                            };
                            t.push(id.into_owned(), loops::LOOP.to_string(), body);
                            continue;
                        }
                        let (ty, body) = match resource(r) {
                            Ok(found) => found,
                            Err((message, body)) => {
                                problems.push(Problem::new(format!("Resources.{id}"), message));
                                (String::new(), body)
                            }
                        };
                        t.push(id.into_owned(), ty, body);
                    }
                }
            }
        }
        if !t.resources_read && problems.is_empty() {
            problems.push(Problem::new(
                RESOURCES,
                "the template has no Resources section; a CloudFormation template needs at least one resource",
            ));
        }
        (t, problems)
    }

    /// Adds a resource; a repeated id keeps its first place and its last body, as JSON parsers do.
    fn push(&mut self, id: String, ty: String, body: Slot<'a>) {
        let resource = Resource {
            id,
            ty,
            body,
            view: None,
        };
        match self.index.get(&resource.id) {
            Some(&i) => self.resources[i] = resource,
            None => {
                self.index.insert(resource.id.clone(), self.resources.len());
                self.resources.push(resource);
            }
        }
    }

    /// Parses what the macro reads of each resource: its attributes, and the
    /// properties `wanted` names for it (`None`: the resource is not read).
    pub(crate) fn parse_resources(&mut self, wanted: impl Fn(&Resource) -> Option<&'static [&'static str]>) {
        for r in self.resources.iter_mut() {
            if let Some(properties) = wanted(r).filter(|_| r.view.is_none()) {
                r.view = Some(r.build_view(properties));
            }
        }
    }

    pub(crate) fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.index.get(id).map(|&i| &self.resources[i])
    }

    pub(crate) fn type_of(&self, id: &str) -> Option<&str> {
        self.resource(id).map(|r| r.ty.as_str())
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    fn entries_mut(&mut self, id: &str) -> Option<&mut Entries<'a>> {
        let &i = self.index.get(id)?;
        self.resources[i].entries_mut()
    }

    /// The resource's `Properties` entries, created when absent; `None` if the
    /// resource or its `Properties` is not an object (planning refuses those).
    pub(crate) fn properties_mut(&mut self, id: &str) -> Option<&mut Entries<'a>> {
        let entries = self.entries_mut(id)?;
        if entries.get("Properties").is_none() {
            entries
                .0
                .push((Cow::Borrowed("Properties"), Slot::Object(Entries::default())));
        }
        match entries.get_mut("Properties")? {
            Slot::Object(props) => Some(props),
            _ => None,
        }
    }

    /// Sets a resource attribute (`DependsOn`, `Metadata`, …).
    pub(crate) fn set_attribute(&mut self, id: &str, key: &str, value: Value) {
        if let Some(entries) = self.entries_mut(id) {
            entries.set(key, value);
        }
    }

    pub(crate) fn attribute(&self, id: &str, key: &str) -> Option<Value> {
        match &self.resource(id)?.body {
            Slot::Object(e) => e.get(key).map(Slot::to_value),
            _ => None,
        }
    }

    pub(crate) fn add_resource(&mut self, id: String, ty: &str, body: Slot<'static>) {
        self.push(id, ty.to_string(), body);
    }

    /// A top-level section, parsed (for small sections such as `Globals` and `Parameters`).
    pub(crate) fn section(&self, name: &str) -> Option<Value> {
        self.sections.get(name).map(Slot::to_value)
    }

    /// Sets `key` in the top-level section `name` (a mapping), adding the section if absent.
    pub(crate) fn set_section_entry(&mut self, name: &str, key: &str, value: Value) {
        let mut section = match self.section(name) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        section.insert(key.to_string(), value);
        self.sections.set(name, Value::Object(section));
    }

    /// Removes `Globals.Function.Profiling`, which SAM would reject, and then
    /// `Function` and `Globals` if nothing is left in them.
    pub(crate) fn remove_global_profiling(&mut self) {
        let Some(Value::Object(mut globals)) = self.section("Globals") else {
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
            self.sections.remove("Globals");
        } else {
            self.sections.set("Globals", Value::Object(globals));
        }
    }
}

/// A resource's type and body, or what is wrong with it (and the body, kept).
fn resource(r: RawResource<'_>) -> Result<(String, Slot<'_>), (&'static str, Slot<'_>)> {
    let entries = match r {
        ObjectOr::Object(entries) => Entries(entries),
        ObjectOr::Other(v) => {
            return Err((
                "a resource must be an object with a Type and Properties",
                Slot::Value(v),
            ));
        }
    };
    let ty = match entries.get("Type") {
        Some(Slot::Raw(raw)) => serde_json::from_str::<String>(raw.get()).ok(),
        _ => None,
    };
    match ty {
        Some(ty) => Ok((ty, Slot::Object(entries))),
        None if entries.get("Type").is_some() => Err((
            "Type must be a string, such as AWS::Lambda::Function",
            Slot::Object(entries),
        )),
        None => Err((
            "the resource has no Type; every resource needs one, such as AWS::Lambda::Function",
            Slot::Object(entries),
        )),
    }
}

impl Template<'_> {
    /// Writes the template as compact JSON: raw values and the input's keys are copied
    /// as they came, so that writing costs little more than copying.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        if let Some(v) = &self.not_object {
            write_value(out, v);
            return;
        }
        out.push(b'{');
        for (i, (k, v)) in self.sections.0.iter().enumerate() {
            write_key(out, i, k);
            if k == RESOURCES && self.resources_read {
                out.push(b'{');
                for (i, r) in self.resources.iter().enumerate() {
                    write_key(out, i, &r.id);
                    r.body.write_json(out);
                }
                out.push(b'}');
            } else {
                v.write_json(out);
            }
        }
        out.push(b'}');
    }
}
