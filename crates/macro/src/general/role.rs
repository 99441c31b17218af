//! The execution role's `AmazonCodeGuruProfilerAgentAccess`: on a role in the
//! template, in a SAM function's `Policies`, or through a role-mode custom resource
//! for a role the stack does not own.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::document::Template;
use super::view::FunctionView;
use crate::agent::{self, POLICY_ARN_SUB, POLICY_NAME};
use crate::context::ParameterValues;
use crate::problems::{Checked, fail};
use crate::rules::ids::{self, IdMap};
use crate::rules::intrinsics::{
    describe, get_att, is_intrinsic, map_branches, mentions, parameter_list, ref_name, single_key,
};
use crate::rules::resource_types::{CUSTOM_RESOURCE, IAM_ROLE};

/// Where the policy must go for one function.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RolePlan {
    /// Template roles (by logical id) whose `ManagedPolicyArns` need the policy.
    pub template_roles: Vec<String>,
    /// A role expression the stack does not own: it gets a custom resource.
    pub external: Option<Value>,
    /// A SAM function's new `Policies` (for the role SAM generates), if it changes.
    pub policies: Option<Value>,
    pub sam_role: bool,
}

pub(crate) fn plan(f: &FunctionView, template: &Template, parameters: &HashSet<String>) -> Checked<RolePlan> {
    let mut plan = RolePlan::default();
    let mut external = false;
    let mut absent = false;
    let role = f.own("Role");
    map_branches(role, &f.path("Role"), &mut |leaf, at| {
        match leaf {
            None if f.sam => plan.sam_role = true,
            None => {
                absent = true;
                return fail(
                    at,
                    "the function has no Role; an AWS::Lambda::Function needs an execution role",
                );
            }
            Some(v) => match get_att(v) {
                Some((id, "Arn")) if template.type_of(id) == Some(IAM_ROLE) => {
                    if !plan.template_roles.iter().any(|r| r == id) {
                        plan.template_roles.push(id.to_string());
                    }
                }
                _ => {
                    check_external(v, at, template, parameters)?;
                    external = true;
                }
            },
        }
        Ok(None)
    })?;
    if external {
        if plan.sam_role || absent {
            return fail(
                &f.path("Role"),
                "an Fn::If that chooses between a role outside the template and AWS::NoValue is not supported; \
                 give both branches a role",
            );
        }
        plan.external = role.cloned();
    }
    if plan.sam_role {
        plan.policies = sam_policies(f)?;
    }
    Ok(plan)
}

/// A role outside the template is copied into a custom resource: it must be an
/// expression CloudFormation can evaluate, or the copy would fail a second time.
fn check_external(role: &Value, at: &str, template: &Template, parameters: &HashSet<String>) -> Checked<()> {
    let target = match (single_key(role), get_att(role), ref_name(role)) {
        (Some(("Fn::GetAtt", _)), None, _) => {
            return fail(
                at,
                "Fn::GetAtt must name a resource and an attribute, as two strings",
            );
        }
        (_, Some((id, _)), _) => Some(id),
        (_, _, Some(name)) if !name.starts_with("AWS::") && !parameters.contains(name) => Some(name),
        _ => None,
    };
    match target {
        Some(id) if !template.contains(id) => fail(
            at,
            format!("Role refers to {id}, which is neither a resource nor a parameter of this template"),
        ),
        _ => Ok(()),
    }
}

/// Whether a policy entry is the agent policy, by name, ARN or an intrinsic spelling its ARN.
fn is_agent_policy(v: &Value) -> bool {
    match v {
        Value::String(s) => agent::is_policy_name(s),
        other if is_intrinsic(other) => mentions(other, &format!("policy/{POLICY_NAME}")),
        _ => false,
    }
}

/// A SAM function's `Policies` with `AmazonCodeGuruProfilerAgentAccess` added.
fn sam_policies(f: &FunctionView) -> Checked<Option<Value>> {
    map_branches(
        f.own("Policies"),
        &f.path("Policies"),
        &mut |leaf, at| match leaf {
            None => Ok(Some(json!([POLICY_NAME]))),
            Some(Value::Array(items)) if items.iter().any(is_agent_policy) => Ok(None),
            Some(Value::Array(items)) => {
                let mut items = items.clone();
                items.push(json!(POLICY_NAME));
                Ok(Some(Value::Array(items)))
            }
            Some(one) if is_agent_policy(one) => Ok(None),
            // A single policy name, document or policy template becomes a one-item list first.
            Some(one @ (Value::String(_) | Value::Object(_))) if !is_intrinsic(one) => {
                Ok(Some(json!([one, POLICY_NAME])))
            }
            Some(other) => fail(
                at,
                format!(
                    "Policies is {}, which the macro cannot add {POLICY_NAME} to; write Policies as a list",
                    describe(other)
                ),
            ),
        },
    )
}

/// A template role's new `ManagedPolicyArns`, or `None` when it already has the policy.
pub(crate) fn managed_policy_arns(
    role_id: &str,
    template: &Template,
    values: &ParameterValues,
) -> Checked<Option<Value>> {
    let path = format!("Resources.{role_id}.Properties.ManagedPolicyArns");
    let current = template
        .resource(role_id)
        .and_then(|r| r.properties())
        .and_then(|p| p.get("ManagedPolicyArns"));
    map_branches(current, &path, &mut |leaf, at| {
        let mut items = match leaf {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(v) => match ref_name(v).and_then(|p| values.get(p)).and_then(parameter_list) {
                Some(items) => items,
                None => {
                    return fail(
                        at,
                        format!(
                            "ManagedPolicyArns is {}, which the macro cannot add {POLICY_NAME} to; write it \
                             as a list, a Ref to a list parameter, or an Fn::If of those",
                            describe(v)
                        ),
                    );
                }
            },
        };
        if items.iter().any(is_agent_policy) {
            return Ok(None);
        }
        items.push(json!({"Fn::Sub": POLICY_ARN_SUB}));
        Ok(Some(Value::Array(items)))
    })
}

/// The template's role-mode custom resources (from an earlier run), by the JSON text
/// of their `RoleArn`.
pub(crate) fn existing_custom_resources(template: &Template) -> IdMap<String, (String, Option<usize>)> {
    let customs = template.resources.iter().filter(|r| r.ty == CUSTOM_RESOURCE);
    customs
        .filter_map(|r| Some((r.properties()?.get("RoleArn")?.to_string(), (r.id.clone(), None))))
        .collect()
}

/// The logical id for a role expression's custom resource: stable for the expression.
pub(crate) fn custom_resource_id(role: &Value) -> String {
    let readable = ref_name(role).map(ids::alphanumeric).unwrap_or_default();
    ids::logical_id(
        &format!("{readable}ProfilingPolicy{}", ids::short_hash(&role.to_string())),
        "",
    )
}

pub(crate) fn custom_resource(role: &Value, service_token: Value, condition: Option<&Value>) -> Value {
    let mut resource = serde_json::Map::new();
    resource.insert("Type".into(), json!(CUSTOM_RESOURCE));
    if let Some(c) = condition {
        resource.insert("Condition".into(), c.clone());
    }
    resource.insert(
        "Properties".into(),
        json!({"ServiceToken": service_token, "RoleArn": role}),
    );
    Value::Object(resource)
}

/// `DependsOn` with `id` added; `None` when it is already there.
pub(crate) fn depends_on(existing: Option<&Value>, id: &str, path: &str) -> Checked<Option<Value>> {
    match existing {
        None => Ok(Some(json!(id))),
        Some(Value::String(s)) if s == id => Ok(None),
        Some(Value::String(s)) => Ok(Some(json!([s, id]))),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            if items.iter().any(|i| i == id) {
                return Ok(None);
            }
            let mut items = items.clone();
            items.push(json!(id));
            Ok(Some(Value::Array(items)))
        }
        Some(other) => fail(
            path,
            format!(
                "DependsOn must be a logical id or a list of logical ids; got {}",
                describe(other)
            ),
        ),
    }
}

#[cfg(test)]
#[path = "role_tests.rs"]
mod tests;
