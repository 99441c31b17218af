//! The common case, read from the raw text: a plain `AWS::Lambda::Function` asking
//! for profiling with `Profiling: true` (or by the template-wide default), with a
//! literal supported runtime, a role in the template, and literal `Layers` and
//! `Environment.Variables` that hold nothing of the agent's yet.
//!
//! Such a function is planned without parsing its properties into values, and its new
//! `Layers` and `Environment` are written as JSON text around the raw text it had.
//! Anything else (intrinsics, SAM, options, problems, a function already set up) goes to
//! the general planner, which gives the same result; `tests::fast_and_general_agree`
//! and the corpus gate hold the two to that.

use std::borrow::Cow;

use serde_json::Value;

use super::Context;
use super::document::Resource;
use super::layers;
use super::role::IAM_ROLE;
use super::scan::{Scanner, array_items, string_pair, string_value, write_string};
use super::settings::{Options, TransformSettings};
use super::view::LAMBDA_FUNCTION;
use crate::agent::{self, Family, MAX_ENVIRONMENT_BYTES, MAX_LAYERS, env};
use std::cell::OnceCell;

/// What planning a function needs, decided from its raw text.
#[derive(Debug)]
pub enum Triage<'t> {
    /// Not asked for, and nothing to remove.
    Off,
    /// The common case: planned by [`Plan`].
    Fast(Plan<'t>),
    /// Anything else: the general planner.
    General,
}

/// A function in the common case, read.
#[derive(Debug)]
pub struct Plan<'t> {
    pub family: Family,
    pub runtime: String,
    pub role: String,
    pub layer: String,
    layers: Vec<&'t str>,
    /// The function's variables: the text between the braces of its `Variables`.
    variables: &'t str,
}

/// A function resource as the text it arrived as: what the common case reads of it.
pub trait FunctionText<'t> {
    fn ty(&self) -> &str;
    /// Whether the resource has this key of its own (`Metadata`, `Properties`).
    fn has(&self, key: &str) -> bool;
    /// A property's raw JSON text; `None` when absent.
    fn property(&self, key: &str) -> Option<&'t str>;
}

impl<'t> FunctionText<'t> for Resource<'t> {
    fn ty(&self) -> &str {
        &self.ty
    }
    fn has(&self, key: &str) -> bool {
        self.entries().is_some_and(|e| e.get(key).is_some())
    }
    fn property(&self, key: &str) -> Option<&'t str> {
        self.raw_property(key).map(|raw| raw.get())
    }
}

/// The agent's variables: a function that sets any of them is not the common case.
const AGENT_VARIABLES: [&str; 8] = [
    env::GROUP_NAME,
    env::GROUP_ARN,
    env::TARGET_REGION,
    env::ENABLED,
    env::EXEC_WRAPPER,
    env::REDIRECTED_HANDLER,
    env::JAVA_TOOL_OPTIONS,
    env::HEAP_SUMMARY,
];

/// Room left under Lambda's 4 KB for the agent's variables (group name and ARN at their
/// longest); a function closer to the limit is measured exactly by the general planner.
const ENVIRONMENT_ROOM: usize = 1200;

/// The default agent layer of each family, made once per expansion.
#[derive(Default)]
pub struct AgentLayers([OnceCell<Option<String>>; 2]);

impl AgentLayers {
    fn get(&self, family: Family, settings: &TransformSettings, region: &str) -> Option<&str> {
        let index = match family {
            Family::Python => 0,
            Family::Java => 1,
        };
        let layer = self.0[index].get_or_init(|| {
            match layers::agent_layer(family, &Options::default(), settings, region, "") {
                Ok(Value::String(layer)) => Some(layer),
                _ => None,
            }
        });
        layer.as_deref()
    }
}

/// Decides how function `r` is planned; `type_of` gives a resource's type by its id.
pub fn triage<'t, 'x>(
    r: &impl FunctionText<'t>,
    type_of: impl Fn(&str) -> Option<&'x str>,
    settings: &TransformSettings,
    ctx: &Context,
    agent_layers: &AgentLayers,
) -> Triage<'t> {
    common_case(r, type_of, settings, ctx, agent_layers).unwrap_or(Triage::General)
}

fn common_case<'t, 'x>(
    r: &impl FunctionText<'t>,
    type_of: impl Fn(&str) -> Option<&'x str>,
    settings: &TransformSettings,
    ctx: &Context,
    agent_layers: &AgentLayers,
) -> Option<Triage<'t>> {
    // SAM merges Globals; Metadata may hold an opt-out: the general planner reads those.
    if r.ty() != LAMBDA_FUNCTION || r.has("Metadata") || !r.has("Properties") {
        return None;
    }
    match r.property("Profiling") {
        None if !settings.default_on => return Some(Triage::Off),
        None => {}
        Some("true" | "\"true\"" | "\"True\"") => {}
        Some(_) => return None,
    }
    let runtime = string_value(r.property("Runtime")?)?;
    let family = agent::classify_runtime(&runtime).ok()?;
    let absent_or = |key: &str, literal: &str| r.property(key).is_none_or(|v| v == literal);
    if !absent_or("PackageType", "\"Zip\"") || !absent_or("Architectures", "[\"x86_64\"]") {
        return None;
    }
    if family == Family::Python
        && r.property("Handler")
            .is_some_and(|h| h.contains(agent::REDIRECT_HANDLER))
    {
        return None;
    }
    let role = template_role(r.property("Role")?, type_of)?;
    if !agent::has_service(ctx.region) {
        return None;
    }
    let layer = agent_layers.get(family, settings, ctx.region)?.to_string();
    let layers = literal_layers(r.property("Layers"), &layer, family)?;
    let variables = literal_variables(r.property("Environment"))?;
    Some(Triage::Fast(Plan {
        family,
        runtime: runtime.to_string(),
        role,
        layer,
        layers,
        variables,
    }))
}

/// `{"Fn::GetAtt": [R, "Arn"]}` or `{"Fn::GetAtt": "R.Arn"}` of an `AWS::IAM::Role` in the template.
fn template_role<'x>(raw: &str, type_of: impl Fn(&str) -> Option<&'x str>) -> Option<String> {
    let mut s = Scanner::new(raw);
    if !s.enter_object().ok()? {
        return None;
    }
    let mut first = true;
    if s.next_key(&mut first).ok()?? != "Fn::GetAtt" {
        return None;
    }
    let target = s.value().ok()?;
    if s.next_key(&mut first).ok()?.is_some() {
        return None; // another key: not a GetAtt
    }
    let (id, attribute): (Cow<str>, Cow<str>) = match string_pair(target) {
        Some(pair) => pair,
        None => {
            let dotted = string_value(target)?;
            let (id, attribute) = dotted.split_once('.')?;
            (id.to_string().into(), attribute.to_string().into())
        }
    };
    (attribute == "Arn" && type_of(&id) == Some(IAM_ROLE)).then(|| id.into_owned())
}

/// Literal layer ARNs with room for the agent's, none of them an agent layer.
fn literal_layers<'t>(raw: Option<&'t str>, layer: &str, family: Family) -> Option<Vec<&'t str>> {
    let Some(raw) = raw else { return Some(Vec::new()) };
    let items = array_items(raw)?;
    let literal = |item: &&str| {
        serde_json::from_str::<Cow<str>>(item).is_ok_and(|arn| !agent::same_agent_layer(&arn, layer, family))
    };
    (items.len() < MAX_LAYERS && items.iter().all(literal)).then_some(items)
}

/// The text between the braces of `{"Variables": {…}}` (empty for `{}` or none), when
/// none of the variables is the agent's and there is room left for the agent's.
fn literal_variables(raw: Option<&str>) -> Option<&str> {
    const JSON_SPACE: [char; 4] = [' ', '\n', '\r', '\t'];
    let Some(raw) = raw else { return Some("") };
    let mut s = Scanner::new(raw);
    if !s.enter_object().ok()? {
        return None;
    }
    let mut first = true;
    let inner = match s.next_key(&mut first).ok()? {
        None => return s.end().ok().map(|()| ""),
        Some(key) if key == "Variables" && s.enter_object().ok()? => {
            let open = s.position();
            let (mut first, mut size, mut keys) = (true, 0, 0);
            let mut intrinsic = false;
            while let Some(key) = s.next_key(&mut first).ok()? {
                if AGENT_VARIABLES.contains(&key.as_ref()) {
                    return None;
                }
                intrinsic = key == "Ref" || key == "Condition" || key.starts_with("Fn::");
                size += key.len() + s.value().ok()?.len();
                keys += 1;
            }
            if keys == 1 && intrinsic {
                return None; // an intrinsic, not a map of variables
            }
            if size + ENVIRONMENT_ROOM > MAX_ENVIRONMENT_BYTES {
                return None;
            }
            &raw[open..s.position() - 1]
        }
        Some(_) => return None,
    };
    // `Variables` must be the only key.
    (s.next_key(&mut first).ok()?.is_none() && s.end().is_ok()).then(|| inner.trim_matches(JSON_SPACE))
}

impl Plan<'_> {
    /// The new `Layers`: the raw items, then the agent layer.
    pub fn layers_json(&self) -> String {
        let mut out = Vec::with_capacity(128 * (self.layers.len() + 1));
        self.write_layers(&mut out);
        text(out)
    }

    /// The new `Environment`: the raw variables, then the agent's for group `group_id`.
    pub fn environment_json(&self, group_id: &str, region: &str) -> String {
        let mut out = Vec::with_capacity(self.variables.len() + 2 * group_id.len() + region.len() + 320);
        self.write_environment(&mut out, group_id, region);
        text(out)
    }

    /// Writes [`Self::layers_json`].
    pub fn write_layers(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for item in &self.layers {
            out.extend_from_slice(item.as_bytes());
            out.push(b',');
        }
        write_string(out, &self.layer);
        out.push(b']');
    }

    /// Writes [`Self::environment_json`].
    pub fn write_environment(&self, out: &mut Vec<u8>, group_id: &str, region: &str) {
        let (wrapper, value) = match self.family {
            Family::Python => (env::EXEC_WRAPPER, env::EXEC_WRAPPER_VALUE),
            Family::Java => (env::JAVA_TOOL_OPTIONS, env::JAVA_AGENT_FLAG),
        };
        out.extend_from_slice(b"{\"Variables\":{");
        if !self.variables.is_empty() {
            out.extend_from_slice(self.variables.as_bytes());
            out.push(b',');
        }
        // The names and fixed values need no escaping; the group id is alphanumeric.
        #[rustfmt::skip]
        push_all(out, &[
            "\"", env::GROUP_NAME, "\":{\"Ref\":\"", group_id, "\"},",
            "\"", env::GROUP_ARN, "\":{\"Fn::GetAtt\":[\"", group_id, "\",\"Arn\"]},",
            "\"", env::TARGET_REGION, "\":",
        ]);
        write_string(out, region);
        #[rustfmt::skip]
        push_all(out, &[
            ",\"", env::ENABLED, "\":\"", env::ENABLED_VALUE, "\",",
            "\"", wrapper, "\":\"", value, "\"}}",
        ]);
    }
}

fn push_all(out: &mut Vec<u8>, parts: &[&str]) {
    for part in parts {
        out.extend_from_slice(part.as_bytes());
    }
}

fn text(out: Vec<u8>) -> String {
    // Only valid UTF-8 was written: the input's text and serde_json's output.
    String::from_utf8(out).unwrap_or_default()
}
