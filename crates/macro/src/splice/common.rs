//! The common case, read from a function's text: a plain `AWS::Lambda::Function` asking
//! for profiling with `Profiling: true` (or by the template-wide default), with a
//! literal supported runtime, a role in the template, and literal `Layers` and
//! `Environment.Variables` that hold nothing of the agent's yet.
//!
//! Such a function is planned without parsing its properties into values, and its new
//! `Layers` and `Environment` are written as JSON text around the text it had. Anything
//! else is declined ([`Decline`]), and the general lane plans it, with the same result:
//! the lane tests, the property tests and the corpus gate hold the two to that.

use std::borrow::Cow;
use std::cell::OnceCell;

use serde_json::Value;

use super::decline::Decline;
use super::outline::{Outline, ResourceText};
use super::scan::{Scanner, array_items, compact, string_pair, string_value};
use crate::agent::{self, Family, MAX_LAYERS, env};
use crate::context::Context;
use crate::context::LayerSource;
use crate::rules::agent_layer::{agent_layer, default_version_for};
use crate::rules::json::write_string;
use crate::rules::resource_types::{IAM_ROLE, LAMBDA_FUNCTION};
use crate::rules::settings::{LayerOverride, Options, TransformSettings};

/// How the lane takes a function.
#[derive(Debug)]
pub(crate) enum Triage<'t, 'l> {
    /// Not asked for, and nothing to remove: left as it is.
    Off,
    /// The common case: planned by [`Plan`].
    Common(Plan<'t, 'l>),
}

/// A function in the common case, read.
#[derive(Debug)]
pub(crate) struct Plan<'t, 'l> {
    pub family: Family,
    pub runtime: Cow<'t, str>,
    /// The role's logical id.
    pub role: Cow<'t, str>,
    pub layer: &'l str,
    layers: Vec<&'t str>,
    /// The function's variables: the text between the braces of its `Variables`, compact.
    variables: Cow<'t, str>,
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

/// Room left under the environment's limit ([`agent::ENVIRONMENT_LIMIT`], which the size is
/// compared with as Lambda measures it) for the agent's variables, with the group name and
/// ARN at their longest; a function closer to the limit is measured exactly by the general
/// lane.
const ENVIRONMENT_ROOM: usize = 1200;

/// The agent layers of an expansion, each made once: one per family and default
/// version (runtimes with the same default version get the same layer), and per runtime
/// where the transform's parameters pin a layer (whether it serves is the runtime's). A
/// few slots, filled in order, so that what they hold can be lent out for the whole
/// expansion.
#[derive(Default)]
pub(crate) struct AgentLayers([OnceCell<LayerSlot>; 4]);

/// A family, default version and pinned runtime, and its layer (`None`: not the common case).
type LayerSlot = ((Family, Option<u32>, Option<String>), Option<String>);

impl AgentLayers {
    /// The agent layer for `runtime` of `family`, when it is a literal ARN.
    pub(crate) fn get(
        &self,
        family: Family,
        runtime: &str,
        settings: &TransformSettings,
        source: LayerSource,
    ) -> Option<&str> {
        let pinned = match family {
            Family::Python => &settings.python_layer,
            Family::Java => &settings.java_layer,
        } != &LayerOverride::default();
        let key = (
            family,
            default_version_for(family, runtime, source),
            pinned.then(|| runtime.to_owned()),
        );
        for slot in &self.0 {
            let (held, layer) = slot.get_or_init(|| {
                let layer = match agent_layer(family, &[runtime], &Options::default(), settings, source, "") {
                    Ok(Value::String(layer)) => Some(layer),
                    _ => None,
                };
                (key.clone(), layer)
            });
            if *held == key {
                return layer.as_deref();
            }
        }
        None
    }
}

/// How the lane takes function `r` of `o`; `type_of` gives a resource's type by its id.
pub(crate) fn triage<'t, 'l, 'x>(
    o: &Outline<'t>,
    r: &ResourceText<'t>,
    type_of: impl Fn(&str) -> Option<&'x str>,
    settings: &TransformSettings,
    ctx: &Context,
    agent_layers: &'l AgentLayers,
) -> Result<Triage<'t, 'l>, Decline> {
    // SAM merges Globals; Metadata may hold an opt-out: the general lane reads those.
    if r.ty != LAMBDA_FUNCTION {
        return Err(Decline::SamFunction);
    }
    if o.key(r, "Metadata").is_some() {
        return Err(Decline::Metadata);
    }
    if r.properties.is_none() {
        return Err(Decline::NoProperties);
    }
    let property = |key: &str| o.property(r, key);
    match property("Profiling") {
        None if !settings.default_on => return Ok(Triage::Off),
        None => {}
        Some("true" | "\"true\"" | "\"True\"") => {}
        Some(_) => return Err(Decline::ProfilingValue),
    }
    let runtime = property("Runtime")
        .and_then(string_value)
        .ok_or(Decline::Runtime)?;
    let family = agent::classify_runtime(&runtime).map_err(|_| Decline::Runtime)?;
    let absent_or = |key: &str, literal: &str| property(key).is_none_or(|v| v == literal);
    if !absent_or("PackageType", "\"Zip\"") || !absent_or("Architectures", "[\"x86_64\"]") {
        return Err(Decline::PackageOrArchitecture);
    }
    if family == Family::Python && property("Handler").is_some_and(|h| h.contains(agent::REDIRECT_HANDLER)) {
        return Err(Decline::Redirected);
    }
    let role = property("Role")
        .and_then(|raw| template_role(raw, type_of))
        .ok_or(Decline::Role)?;
    if !agent::has_service(ctx.region) {
        return Err(Decline::Region);
    }
    let layer = agent_layers
        .get(family, &runtime, settings, ctx.layer_source())
        .ok_or(Decline::Layer)?;
    let layers = literal_layers(property("Layers"), layer, family).ok_or(Decline::Layers)?;
    let variables = literal_variables(property("Environment")).ok_or(Decline::Environment)?;
    Ok(Triage::Common(Plan {
        family,
        runtime,
        role,
        layer,
        layers,
        variables,
    }))
}

/// `{"Fn::GetAtt": [R, "Arn"]}` or `{"Fn::GetAtt": "R.Arn"}` of an `AWS::IAM::Role` in the template.
fn template_role<'t, 'x>(raw: &'t str, type_of: impl Fn(&str) -> Option<&'x str>) -> Option<Cow<'t, str>> {
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
        None => match string_value(target)? {
            Cow::Borrowed(dotted) => {
                let (id, attribute) = dotted.split_once('.')?;
                (id.into(), attribute.into())
            }
            Cow::Owned(dotted) => {
                let (id, attribute) = dotted.split_once('.')?;
                (id.to_string().into(), attribute.to_string().into())
            }
        },
    };
    (attribute == "Arn" && type_of(&id) == Some(IAM_ROLE)).then_some(id)
}

/// Literal layer ARNs with room for the agent's, none of them an agent layer, each
/// without escapes (so that its text is what the general lane writes).
fn literal_layers<'t>(raw: Option<&'t str>, layer: &str, family: Family) -> Option<Vec<&'t str>> {
    let Some(raw) = raw else { return Some(Vec::new()) };
    let items = array_items(raw)?;
    let literal = |item: &&str| match string_value(item) {
        Some(Cow::Borrowed(arn)) => !agent::same_agent_layer(arn, layer, family),
        _ => false,
    };
    (items.len() < MAX_LAYERS && items.iter().all(literal)).then_some(items)
}

/// The text between the braces of `{"Variables": {…}}` (empty for `{}` or none), as the
/// general lane writes it (compact), when none of the variables is the agent's, there is
/// room left for the agent's, and keys and values have no escapes or numbers.
fn literal_variables(raw: Option<&str>) -> Option<Cow<'_, str>> {
    const JSON_SPACE: [char; 4] = [' ', '\n', '\r', '\t'];
    let Some(raw) = raw else {
        return Some(Cow::Borrowed(""));
    };
    let mut s = Scanner::new(raw);
    if !s.enter_object().ok()? {
        return None;
    }
    let mut first = true;
    let inner = match s.next_key(&mut first).ok()? {
        None => return s.end().ok().map(|()| Cow::Borrowed("")),
        Some(key) if key == "Variables" && s.enter_object().ok()? => {
            let open = s.position();
            let (mut first, mut size, mut keys) = (true, 0, 0);
            let mut intrinsic = false;
            while let Some(key) = s.next_key(&mut first).ok()? {
                if AGENT_VARIABLES.contains(&key.as_ref()) {
                    return None;
                }
                intrinsic = key == "Ref" || key == "Condition" || key.starts_with("Fn::");
                // As Lambda measures it: `"key":value,` (the value's text has its quotes).
                size += upper_measure(&key) + 2 + 1 + upper_measure(s.value().ok()?) + 1;
                keys += 1;
            }
            if keys == 1 && intrinsic {
                return None; // an intrinsic, not a map of variables
            }
            if size + ENVIRONMENT_ROOM > agent::ENVIRONMENT_LIMIT {
                return None;
            }
            compact(raw[open..s.position() - 1].trim_matches(JSON_SPACE))?
        }
        Some(_) => return None,
    };
    // `Variables` must be the only key.
    (s.next_key(&mut first).ok()?.is_none() && s.end().is_ok()).then_some(inner)
}

/// No less than what [`agent::environment_size`] counts for this text: a byte outside ASCII
/// counts three times (a character of two, three or four bytes measures six or twelve).
fn upper_measure(text: &str) -> usize {
    text.len() + 2 * text.bytes().filter(|b| !b.is_ascii()).count()
}

impl Plan<'_, '_> {
    /// Writes the new `Layers`: the raw items, then the agent layer.
    pub(crate) fn write_layers(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for item in &self.layers {
            out.extend_from_slice(item.as_bytes());
            out.push(b',');
        }
        write_string(out, self.layer);
        out.push(b']');
    }

    /// Writes the new `Environment`: the raw variables, then the agent's for group `group_id`.
    pub(crate) fn write_environment(&self, out: &mut Vec<u8>, group_id: &str, region: &str) {
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
