//! The macro (SPEC §2): a pure function from a template, the transform's parameters
//! and the invocation's context to a new template, or to every problem found.
//! No I/O happens here.
//!
//! Split by concern: [`settings`] (what is asked), [`runtime`] (can it be done),
//! [`group`], [`layers`], [`environment`] and [`role`] (what changes), [`function`]
//! (the plan for each function), [`document`] (the template, raw until touched).

mod document;
mod environment;
mod fast;
mod function;
mod group;
mod ids;
mod intrinsics;
mod layers;
mod outline;
mod problems;
pub mod protocol;
mod reader;
mod report;
mod role;
mod runtime;
mod sam;
mod scan;
mod settings;
mod splice;
mod view;

use std::cell::Cell;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

pub use document::Template;
pub use intrinsics::ParameterValues;
pub use problems::{Problem, Problems};
pub use reader::RawTemplate;
pub use report::{FunctionReport, Outcome};

use fast::Triage;
use function::{Edits, Planner};
pub use protocol::{MacroRequest, Status};
use view::is_function;

/// What the macro needs besides the template.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub region: &'a str,
    pub account_id: &'a str,
    /// The macro function's own ARN: the `ServiceToken` of the custom resources it adds.
    pub service_token: &'a str,
    /// `templateParameterValues`: the stack's evaluated parameters.
    pub values: &'a ParameterValues,
}

/// The processed template and what happened to each function.
#[derive(Debug)]
pub struct Expansion<'a> {
    pub template: Template<'a>,
    pub report: Vec<FunctionReport>,
}

/// The properties read of the other resources the macro looks at; the rest are never parsed.
fn read_properties(ty: &str) -> Option<&'static [&'static str]> {
    match ty {
        role::IAM_ROLE => Some(&["ManagedPolicyArns"]),
        role::CUSTOM_RESOURCE => Some(&["RoleArn"]),
        _ => None,
    }
}

thread_local! {
    static GENERAL_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the general planner for every function, without the common-case
/// fast path ([`fast`]): tests hold the two to the same results with it.
#[doc(hidden)]
pub fn with_general_planner<T>(f: impl FnOnce() -> T) -> T {
    GENERAL_ONLY.with(|g| g.set(true));
    let out = f();
    GENERAL_ONLY.with(|g| g.set(false));
    out
}

/// Answers a macro request's text by the splice lane ([`splice`]), when the
/// template is the common case; `None` leaves it to the general lane.
pub fn splice_answer(request: &str, service_token: &str) -> Option<Answer> {
    match GENERAL_ONLY.with(Cell::get) {
        true => None,
        false => splice::answer(request, service_token),
    }
}

/// The fragment expanded by the splice lane, or `None` when it is not its case: tests
/// hold it to [`expand`]'s result, byte for byte.
#[doc(hidden)]
pub fn splice_fragment(fragment: &str, params: Option<&Value>, ctx: &Context) -> Option<String> {
    splice::fragment(fragment, params, ctx)
}

/// Runs the macro on a fragment (the template without its `Transform` section).
pub fn expand<'a>(
    fragment: &'a RawValue,
    params: Option<&Value>,
    ctx: &Context,
) -> Result<Expansion<'a>, Problems> {
    let mut template = Template::load(fragment).map_err(Problems)?;
    let report = expand_template(&mut template, params, ctx)?;
    Ok(Expansion { template, report })
}

/// Runs the macro on a template read by [`Template::load`] or [`Template::from_raw`];
/// the template is changed only when no problem is found.
pub fn expand_template(
    template: &mut Template,
    params: Option<&Value>,
    ctx: &Context,
) -> Result<Vec<FunctionReport>, Problems> {
    let settings = settings::parse_transform_parameters(params, ctx.values).map_err(Problems)?;
    // Roles and role-mode custom resources are read up front; each function is read
    // either from its raw text (the common case) or into a view for the general planner.
    template.parse_resources(|r| read_properties(&r.ty));
    let fast = !GENERAL_ONLY.with(Cell::get);
    let agent_layers = fast::AgentLayers::default();
    let triage: Vec<Option<Triage>> = template
        .resources
        .iter()
        .map(|r| match (is_function(&r.ty), fast) {
            (false, _) => None,
            (true, true) => Some(fast::triage(
                r,
                |id| template.type_of(id),
                &settings,
                ctx,
                &agent_layers,
            )),
            (true, false) => Some(Triage::General),
        })
        .collect();
    let globals: Option<Map<String, Value>> = template
        .section("Globals")
        .and_then(|g| g.get("Function").and_then(Value::as_object).cloned());
    let parameters = template
        .section("Parameters")
        .and_then(|p| p.as_object().map(|p| p.keys().cloned().collect()))
        .unwrap_or_default();
    let planner = Planner::new(template, &settings, ctx, globals.as_ref(), parameters).plan_all(triage);
    if !planner.problems.is_empty() {
        return Err(Problems(planner.problems));
    }
    let (edits, report) = (planner.edits, planner.report);
    apply(template, edits);
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
        .entry(function::MARKER)
        .or_insert_with(|| Value::Object(Map::new()));
    if !marker.is_object() {
        *marker = Value::Object(Map::new());
    }
    if let Value::Object(marker) = marker {
        marker.insert("Profiling".into(), Value::Bool(false));
    }
    Value::Object(metadata)
}

/// The macro's answer, and what to log of it.
#[derive(Debug)]
pub struct Answer {
    /// The response JSON, `{requestId, status, fragment[, errorMessage]}`, as the bytes
    /// the Lambda sends.
    pub json: Vec<u8>,
    pub status: Status,
    pub problems: usize,
    pub profiled: usize,
}

impl Answer {
    /// The response JSON as text.
    pub fn into_string(self) -> String {
        // Only valid UTF-8 is written: the request's own text, ASCII and serde_json's output.
        String::from_utf8(self.json).unwrap_or_default()
    }
}

/// Answers one macro request (JSON in, JSON out); never fails, never panics.
pub fn handle_request(request: &str, service_token: &str) -> String {
    if let Some(answer) = splice_answer(request, service_token) {
        return answer.into_string();
    }
    match serde_json::from_str::<MacroRequest>(request) {
        Ok(request) => answer(request, service_token).into_string(),
        Err(e) => unreadable(&e.to_string()).into_string(),
    }
}

/// The answer to a request that cannot be read as a macro request.
pub fn unreadable(why: &str) -> Answer {
    let message = format!("the macro request cannot be read: {why}");
    let json = protocol::response(
        256 + message.len(),
        "",
        Status::Failure,
        |out| out.extend_from_slice(b"{}"),
        Some(&message),
    );
    Answer {
        json,
        status: Status::Failure,
        problems: 1,
        profiled: 0,
    }
}

/// Answers a macro request read by [`MacroRequest`] (one pass over the event).
pub fn answer(request: MacroRequest, service_token: &str) -> Answer {
    let no_values = ParameterValues::new();
    let ctx = Context {
        region: &request.region,
        account_id: &request.account_id,
        service_token,
        values: request.template_parameter_values.as_ref().unwrap_or(&no_values),
    };
    let Some(fragment) = request.fragment else {
        return unreadable("it has no fragment");
    };
    let (mut template, problems) = Template::from_raw(fragment);
    let result = match problems.is_empty() {
        true => expand_template(&mut template, request.params.as_ref(), &ctx),
        false => Err(Problems(problems)),
    };
    let (status, message, problems, profiled) = match result {
        Ok(report) => {
            let profiled = report
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Profiled { .. }))
                .count();
            (Status::Success, None, 0, profiled)
        }
        // On failure the fragment goes back as it came: nothing was applied.
        Err(problems) => (Status::Failure, Some(problems.to_string()), problems.0.len(), 0),
    };
    let json = protocol::response(
        64 * 1024,
        &request.request_id,
        status,
        |out| template.write_json(out),
        message.as_deref(),
    );
    Answer {
        json,
        status,
        problems,
        profiled,
    }
}

#[cfg(test)]
mod tests;
