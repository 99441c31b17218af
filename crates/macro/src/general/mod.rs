//! The general lane: any template, read into entries (raw until touched) and planned
//! function by function, with every problem found. It answers whatever the splice lane
//! declines, and its answer is the reference the splice lane is held to.
//!
//! Split by concern: [`reader`] and [`document`] (the template, raw until touched),
//! [`view`] and [`sam`] (a function as SAM will deploy it), [`runtime`] (can it be
//! profiled), [`group`], [`layers`], [`environment`] and [`role`] (what changes),
//! [`planner`] (the plan for each function). Planning only reads; the edits are applied
//! once all is known, so that a template with problems is answered back untouched.

mod any_region;
mod document;
mod environment;
mod group;
mod layers;
mod loops;
mod planner;
mod reader;
mod role;
mod runtime;
mod sam;
mod slot;
mod view;

use serde_json::{Map, Value};

use crate::context::Context;
use crate::problems::{Problem, Problems};
use crate::report::{FunctionOutcome, FunctionReport};
use crate::response::{Answer, Lane, MacroStatus, write_response};
use crate::rules::resource_types::{CUSTOM_RESOURCE, IAM_ROLE};
use crate::rules::settings;
use document::Template;
use planner::{Edits, Planner};
use reader::RawTemplate;

/// The properties read of the other resources the macro looks at; the rest are never parsed.
fn read_properties(ty: &str) -> Option<&'static [&'static str]> {
    match ty {
        IAM_ROLE => Some(&["ManagedPolicyArns"]),
        CUSTOM_RESOURCE => Some(&["RoleArn"]),
        _ => None,
    }
}

/// Answers a macro request whose fragment is `fragment` (its JSON text).
pub(crate) fn answer(
    fragment: &str,
    params: Option<&Value>,
    ctx: &Context,
    request_id: &str,
    report: bool,
    lane: Lane,
) -> Answer {
    let (mut template, result) = match serde_json::from_str::<RawTemplate>(fragment) {
        Ok(raw) => match Template::from_raw(raw) {
            (mut template, problems) if problems.is_empty() => {
                let result = expand(&mut template, params, ctx);
                (Some(template), result)
            }
            (template, problems) => (Some(template), Err(Problems(problems))),
        },
        Err(e) => {
            let problem = Problem::new("fragment", format!("cannot be read: {e}"));
            (None, Err(Problems(vec![problem])))
        }
    };
    let fragment_text = |out: &mut Vec<u8>| match &mut template {
        Some(t) => t.write_json(out),
        None => out.extend_from_slice(fragment.as_bytes()),
    };
    match result {
        Ok(functions) => {
            let profiled = functions
                .iter()
                .filter(|r| matches!(r.outcome, FunctionOutcome::Profiled { .. }))
                .count();
            let capacity = fragment.len() + 1024 * profiled + 256;
            Answer {
                json: write_response(capacity, request_id, MacroStatus::Success, fragment_text, None),
                status: MacroStatus::Success,
                lane,
                problems: Vec::new(),
                profiled,
                report: if report { functions } else { Vec::new() },
                unverified_layers: Vec::new(),
            }
        }
        // On failure the fragment goes back as it came: nothing was applied.
        Err(problems) => {
            let message = problems.to_string();
            let capacity = fragment.len() + message.len() + 256;
            Answer {
                json: write_response(
                    capacity,
                    request_id,
                    MacroStatus::Failure,
                    fragment_text,
                    Some(&message),
                ),
                status: MacroStatus::Failure,
                lane,
                problems: problems.0,
                profiled: 0,
                unverified_layers: Vec::new(),
                report: Vec::new(),
            }
        }
    }
}

/// Runs the macro on a template read by [`Template::from_raw`]; the template is
/// changed only when no problem is found.
fn expand(
    template: &mut Template,
    params: Option<&Value>,
    ctx: &Context,
) -> Result<Vec<FunctionReport>, Problems> {
    let settings = settings::parse_transform_parameters(params, ctx.values).map_err(Problems)?;
    if ctx.any_region {
        any_region::check_names(template).map_err(Problems)?;
    }
    // Roles and role-mode custom resources are read up front, functions as they are planned.
    template.parse_resources(|r| read_properties(&r.ty));
    let globals: Option<Map<String, Value>> = template
        .section("Globals")
        .and_then(|g| g.get("Function").and_then(Value::as_object).cloned());
    let parameters = template
        .section("Parameters")
        .and_then(|p| p.as_object().map(|p| p.keys().cloned().collect()))
        .unwrap_or_default();
    let planner = Planner::new(template, &settings, ctx, globals.as_ref(), parameters).plan_all();
    if !planner.problems.is_empty() {
        return Err(Problems(planner.problems));
    }
    let (edits, report) = (planner.edits, planner.report);
    let for_any_region = any_region::Additions::of(&edits, ctx.any_region);
    apply(template, edits);
    for_any_region.apply(template);
    if globals.is_some_and(|g| g.contains_key("Profiling")) {
        template.remove_global_profiling();
    }
    Ok(report)
}

fn apply(template: &mut Template, edits: Edits) {
    for edit in edits.functions {
        // Planning refused a function whose Properties is not an object; a SAM function may have none.
        if let Some(props) = template.properties_mut(&edit.id) {
            props.remove("Profiling");
            for (key, value) in edit.properties {
                props.set_slot(key, value);
            }
        }
        if let Some(depends_on) = edit.depends_on {
            template.set_attribute(&edit.id, "DependsOn", depends_on);
        }
        if edit.opt_out {
            let metadata = record_opt_out(template.attribute(&edit.id, "Metadata"));
            template.set_attribute(&edit.id, "Metadata", metadata);
        }
    }
    for (role, arns) in edits.roles {
        if let Some(props) = template.properties_mut(&role) {
            props.set("ManagedPolicyArns", arns);
        }
    }
    for (id, ty, body) in edits.new_resources {
        template.add_resource(id, ty, body);
    }
}

/// Keeps a function's opt-out as `Metadata.LambdaProfiling.Profiling: false`: the
/// property itself must go (CloudFormation rejects it), but the choice must stay.
fn record_opt_out(metadata: Option<Value>) -> Value {
    let mut metadata = match metadata {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let marker = metadata
        .entry(planner::MARKER)
        .or_insert_with(|| Value::Object(Map::new()));
    if !marker.is_object() {
        *marker = Value::Object(Map::new());
    }
    if let Value::Object(marker) = marker {
        marker.insert("Profiling".into(), Value::Bool(false));
    }
    Value::Object(metadata)
}
