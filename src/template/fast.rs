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

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Context;
use super::document::{Resource, Template};
use super::layers;
use super::reader::raw_object;
use super::role::IAM_ROLE;
use super::settings::{Options, TransformSettings};
use super::view::LAMBDA_FUNCTION;
use crate::agent::{self, Family, MAX_ENVIRONMENT_BYTES, MAX_LAYERS, env};

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
    layers: Vec<&'t RawValue>,
    variables: Vec<(Cow<'t, str>, &'t RawValue)>,
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

pub fn triage<'t>(
    r: &Resource<'t>,
    template: &Template,
    settings: &TransformSettings,
    ctx: &Context,
) -> Triage<'t> {
    common_case(r, template, settings, ctx).unwrap_or(Triage::General)
}

fn common_case<'t>(
    r: &Resource<'t>,
    template: &Template,
    settings: &TransformSettings,
    ctx: &Context,
) -> Option<Triage<'t>> {
    let entries = r.entries()?;
    // SAM merges Globals; Metadata may hold an opt-out: the general planner reads those.
    if r.ty != LAMBDA_FUNCTION || entries.get("Metadata").is_some() || entries.get("Properties").is_none() {
        return None;
    }
    match r.raw_property("Profiling") {
        None if !settings.default_on => return Some(Triage::Off),
        None => {}
        Some(p) if matches!(p.get(), "true" | "\"true\"" | "\"True\"") => {}
        Some(_) => return None,
    }
    let runtime: &str = serde_json::from_str(r.raw_property("Runtime")?.get()).ok()?;
    let family = agent::classify_runtime(runtime).ok()?;
    let absent_or = |key: &str, literal: &str| r.raw_property(key).is_none_or(|v| v.get() == literal);
    if !absent_or("PackageType", "\"Zip\"") || !absent_or("Architectures", "[\"x86_64\"]") {
        return None;
    }
    if family == Family::Python
        && r.raw_property("Handler")
            .is_some_and(|h| h.get().contains(agent::REDIRECT_HANDLER))
    {
        return None;
    }
    let role = template_role(r.raw_property("Role")?, template)?;
    if !agent::has_service(ctx.region) {
        return None;
    }
    let layer = match layers::agent_layer(family, &Options::default(), settings, ctx.region, "") {
        Ok(Value::String(layer)) => layer,
        _ => return None,
    };
    let layers = literal_layers(r.raw_property("Layers"), &layer, family)?;
    let variables = literal_variables(r.raw_property("Environment"))?;
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
fn template_role(raw: &RawValue, template: &Template) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum GetAtt<'a> {
        Pair(#[serde(borrow)] [Cow<'a, str>; 2]),
        Dotted(#[serde(borrow)] Cow<'a, str>),
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Role<'a> {
        #[serde(rename = "Fn::GetAtt", borrow)]
        get_att: GetAtt<'a>,
    }
    let role: Role = serde_json::from_str(raw.get()).ok()?;
    let (id, attribute) = match &role.get_att {
        GetAtt::Pair([id, attribute]) => (id.as_ref(), attribute.as_ref()),
        GetAtt::Dotted(text) => text.split_once('.')?,
    };
    (attribute == "Arn" && template.type_of(id) == Some(IAM_ROLE)).then(|| id.to_string())
}

/// Literal layer ARNs with room for the agent's, none of them an agent layer.
fn literal_layers<'t>(raw: Option<&'t RawValue>, layer: &str, family: Family) -> Option<Vec<&'t RawValue>> {
    let Some(raw) = raw else { return Some(Vec::new()) };
    let items: Vec<&RawValue> = serde_json::from_str(raw.get()).ok()?;
    let literal = |item: &&RawValue| {
        serde_json::from_str::<Cow<str>>(item.get())
            .is_ok_and(|arn| !agent::same_agent_layer(&arn, layer, family))
    };
    (items.len() < MAX_LAYERS && items.iter().all(literal)).then_some(items)
}

/// The variables of `{"Variables": {…}}` (or none), none of them the agent's, with room left.
fn literal_variables(raw: Option<&RawValue>) -> Option<Vec<(Cow<'_, str>, &RawValue)>> {
    let Some(raw) = raw else { return Some(Vec::new()) };
    let environment = raw_object(raw)?;
    let variables = match environment.as_slice() {
        [] => return Some(Vec::new()),
        [(key, variables)] if key == "Variables" => raw_object(variables)?,
        _ => return None,
    };
    if let [(key, _)] = variables.as_slice()
        && (key == "Ref" || key == "Condition" || key.starts_with("Fn::"))
    {
        return None; // an intrinsic, not a map of variables
    }
    let size: usize = variables.iter().map(|(k, v)| k.len() + v.get().len()).sum();
    let ours = variables
        .iter()
        .any(|(k, _)| AGENT_VARIABLES.contains(&k.as_ref()));
    (!ours && size + ENVIRONMENT_ROOM <= MAX_ENVIRONMENT_BYTES).then_some(variables)
}

impl Plan<'_> {
    /// The new `Layers`: the raw items, then the agent layer.
    pub fn layers_json(&self) -> String {
        let mut out = Vec::with_capacity(128 * (self.layers.len() + 1));
        out.push(b'[');
        for item in &self.layers {
            out.extend_from_slice(item.get().as_bytes());
            out.push(b',');
        }
        json_string(&mut out, &self.layer);
        out.push(b']');
        text(out)
    }

    /// The new `Environment`: the raw variables, then the agent's for group `group_id`.
    pub fn environment_json(&self, group_id: &str, region: &str) -> String {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(b"{\"Variables\":{");
        for (key, value) in &self.variables {
            json_string(&mut out, key);
            out.push(b':');
            out.extend_from_slice(value.get().as_bytes());
            out.push(b',');
        }
        // The names and fixed values need no escaping; the group id is alphanumeric.
        let (wrapper, value) = match self.family {
            Family::Python => (env::EXEC_WRAPPER, env::EXEC_WRAPPER_VALUE),
            Family::Java => (env::JAVA_TOOL_OPTIONS, env::JAVA_AGENT_FLAG),
        };
        let fixed = format!(
            "\"{}\":{{\"Ref\":\"{group_id}\"}},\"{}\":{{\"Fn::GetAtt\":[\"{group_id}\",\"Arn\"]}},\"{}\":",
            env::GROUP_NAME,
            env::GROUP_ARN,
            env::TARGET_REGION
        );
        out.extend_from_slice(fixed.as_bytes());
        json_string(&mut out, region);
        let rest = format!(
            ",\"{}\":\"{}\",\"{wrapper}\":\"{value}\"",
            env::ENABLED,
            env::ENABLED_VALUE
        );
        out.extend_from_slice(rest.as_bytes());
        out.extend_from_slice(b"}}");
        text(out)
    }
}

fn json_string(out: &mut Vec<u8>, s: &str) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn text(out: Vec<u8>) -> String {
    // Only valid UTF-8 was written: the input's text and serde_json's output.
    String::from_utf8(out).unwrap_or_default()
}
