//! The macro (SPEC §2): a pure function from a template, the transform's parameters
//! and the invocation's context to a new template, or to every problem found.
//! No I/O happens here.
//!
//! Split by concern: [`settings`] (what is asked), [`runtime`] (can it be done),
//! [`group`], [`layers`], [`environment`] and [`role`] (what changes), [`function`]
//! (the plan for each function), [`document`] (the template, raw until touched).

mod document;
mod environment;
mod function;
mod group;
mod ids;
mod intrinsics;
mod layers;
mod problems;
pub mod protocol;
mod report;
mod role;
mod runtime;
mod sam;
mod settings;
mod view;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

pub use document::Template;
pub use intrinsics::ParameterValues;
pub use problems::{Problem, Problems};
pub use report::{FunctionReport, Outcome};

use function::{Edits, Planner};
use protocol::{MacroRequest, MacroResponse, Status};
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

/// Runs the macro on a fragment (the template without its `Transform` section).
pub fn expand<'a>(
    fragment: &'a RawValue,
    params: Option<&Value>,
    ctx: &Context,
) -> Result<Expansion<'a>, Problems> {
    let mut problems = Vec::new();
    let settings = settings::parse_transform_parameters(params, ctx.values)
        .map_err(|p| problems.extend(p))
        .ok();
    let template = Template::load(fragment).map_err(|p| problems.extend(p)).ok();
    let (Some(settings), Some(mut template)) = (settings, template) else {
        return Err(Problems(problems));
    };
    template
        .parse_resources(|ty| is_function(ty) || ty == role::IAM_ROLE || ty == role::CUSTOM_RESOURCE)
        .map_err(Problems)?;
    let globals: Option<Map<String, Value>> = template
        .section("Globals")
        .and_then(|g| g.get("Function"))
        .and_then(Value::as_object)
        .cloned();
    let parameters = template
        .section("Parameters")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let planner = Planner::new(&template, &settings, ctx, globals.as_ref(), parameters).plan_all();
    if !planner.problems.is_empty() {
        return Err(Problems(planner.problems));
    }
    let (edits, report) = (planner.edits, planner.report);
    apply(&mut template, edits);
    if globals.is_some_and(|g| g.contains_key("Profiling")) {
        template.remove_global_profiling();
    }
    Ok(Expansion { template, report })
}

fn apply(template: &mut Template, edits: Edits) {
    for edit in edits.functions {
        let Some(Value::Object(resource)) = template.resource_mut(&edit.id) else {
            continue;
        };
        // Planning refused a function whose Properties is not an object; a SAM function may have none.
        let props = resource
            .entry("Properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(props) = props {
            props.shift_remove("Profiling");
            for (key, value) in edit.properties {
                props.insert(key.to_string(), value);
            }
        }
        if let Some(depends_on) = edit.depends_on {
            resource.insert("DependsOn".into(), depends_on);
        }
        if edit.opt_out {
            record_opt_out(resource);
        }
    }
    for (role, arns) in edits.roles {
        if let Some(Value::Object(props)) = template.resource_mut(&role).and_then(|r| r.get_mut("Properties"))
        {
            props.insert("ManagedPolicyArns".into(), arns);
        } else if let Some(Value::Object(resource)) = template.resource_mut(&role) {
            resource.insert(
                "Properties".into(),
                serde_json::json!({"ManagedPolicyArns": arns}),
            );
        }
    }
    for (id, ty, body) in edits.new_resources {
        template.add_resource(id, ty, body);
    }
}

/// Keeps a function's opt-out as `Metadata.LambdaProfiling.Profiling: false`: the
/// property itself must go (CloudFormation rejects it), but the choice must stay.
fn record_opt_out(resource: &mut Map<String, Value>) {
    let metadata = resource
        .entry("Metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(metadata) = metadata else { return };
    let marker = metadata
        .entry(function::MARKER)
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(marker) = marker {
        marker.insert("Profiling".into(), Value::Bool(false));
    }
}

/// Answers one macro request (JSON in, JSON out); never fails, never panics.
pub fn handle_request(request: &str, service_token: &str) -> String {
    let request: MacroRequest = match serde_json::from_str(request) {
        Ok(r) => r,
        Err(e) => {
            return respond(
                "",
                Status::Failure,
                Value::Object(Map::new()),
                Some(format!("the macro request cannot be read: {e}")),
            );
        }
    };
    let no_values = ParameterValues::new();
    let ctx = Context {
        region: &request.region,
        account_id: &request.account_id,
        service_token,
        values: request.template_parameter_values.as_ref().unwrap_or(&no_values),
    };
    match expand(request.fragment, request.params.as_ref(), &ctx) {
        Ok(expansion) => respond(&request.request_id, Status::Success, &expansion.template, None),
        Err(problems) => respond(
            &request.request_id,
            Status::Failure,
            request.fragment,
            Some(problems.to_string()),
        ),
    }
}

fn respond<F: serde::Serialize>(
    request_id: &str,
    status: Status,
    fragment: F,
    error_message: Option<String>,
) -> String {
    let response = MacroResponse {
        request_id,
        status,
        fragment,
        error_message,
    };
    serde_json::to_string(&response).unwrap_or_else(|e| {
        format!(r#"{{"requestId":{},"status":"failure","fragment":{{}},"errorMessage":"cannot write the response: {}"}}"#,
            Value::from(request_id), e.to_string().replace('"', "'"))
    })
}

#[cfg(test)]
mod tests;
