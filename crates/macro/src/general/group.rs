//! The profiling group of a function: one the macro creates, one in the template
//! named by `ProfilingGroup`, one outside the stack, or the one its variables name.

use serde_json::{Value, json};

use super::document::Template;
use super::view::FunctionView;
use crate::agent;
use crate::context::Context;
use crate::problems::{Checked, fail};
use crate::rules::group_resource::{GroupResource, longest_name};
use crate::rules::ids::LogicalIds;
use crate::rules::intrinsics::{describe, get_att, is_intrinsic, ref_name};
use crate::rules::resource_types::PROFILING_GROUP;
use crate::rules::settings::{Options, TransformSettings};

/// The values the agent's variables take for a group. `None` where the value
/// cannot be derived from what the user wrote (the agent needs only one of them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupRef {
    pub name: Option<Value>,
    pub arn: Option<Value>,
    pub region: Value,
    /// For the summary: how the group was found.
    pub label: String,
    /// The longest its name can be at deploy time ([`longest_name`]).
    pub longest_name: usize,
}

/// A group resource the macro adds: its id and its JSON text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewGroup {
    pub id: String,
    pub resource: String,
}

/// Picks the group of a profiled function. `named` holds the group variables the
/// function already sets (`AWS_CODEGURU_PROFILER_GROUP_NAME`, `_ARN`), if any.
pub(crate) fn choose(
    f: &FunctionView,
    opts: &Options,
    settings: &TransformSettings,
    named: Option<(Option<Value>, Option<Value>)>,
    template: &Template,
    ctx: &Context,
    ids: &LogicalIds<'_>,
) -> Checked<(GroupRef, Option<NewGroup>)> {
    let path = f.path("Profiling");
    if let Some((name, arn)) = named {
        return Ok((from_variables(name, arn, template, ctx), None));
    }
    if let Some(group) = &opts.group {
        return existing(group, &format!("{path}.ProfilingGroup"), template, ctx).map(|g| (g, None));
    }
    if !ctx.has_service() {
        return fail(
            &path,
            format!(
                "{} has no CodeGuru Profiler service, so no profiling group can be created here; set \
                 Profiling.ProfilingGroup to the ARN of a group in a region that has it ({})",
                ctx.region,
                agent::SERVICE_REGIONS.join(", ")
            ),
        );
    }
    let id = ids.group_id(f.id);
    let group = GroupRef {
        name: Some(json!({"Ref": id})),
        arn: Some(json!({"Fn::GetAtt": [id, "Arn"]})),
        region: ctx.region_value(),
        label: format!("new group {id}"),
        longest_name: longest_name(opts.group_name.as_ref(), f.id),
    };
    let resource = GroupResource {
        function_id: f.id,
        name: opts.group_name.as_ref(),
        condition: f.attribute("Condition"),
        retain: opts.retain.unwrap_or(settings.retain),
        topic: opts.anomaly_topic.as_ref(),
        tags: &settings.tags,
    }
    .to_json();
    Ok((group, Some(NewGroup { id, resource })))
}

/// The group named by `ProfilingGroup`: a template group, a name, or an ARN.
fn existing(group: &Value, path: &str, template: &Template, ctx: &Context) -> Checked<GroupRef> {
    if let Some(target) = ref_name(group).or_else(|| get_att(group).map(|(r, _)| r)) {
        if template.contains(target) {
            return template_group(target, path, template, ctx);
        }
        if let Some(v) = ctx.values.get(target) {
            return existing(v, path, template, ctx);
        }
        return fail(
            path,
            format!("refers to {target}, which is neither a resource nor a parameter of this template"),
        );
    }
    let Value::String(text) = group else {
        return fail(
            path,
            format!(
                "ProfilingGroup cannot be {}; write a group name, a group ARN, a Ref to a parameter holding \
                 one, or a Ref/GetAtt to an {PROFILING_GROUP} in this template",
                describe(group)
            ),
        );
    };
    if let Some(arn) = agent::parse_group_arn(text) {
        if !agent::has_service(arn.region) {
            return fail(
                path,
                format!(
                    "{} has no CodeGuru Profiler service; use a group in a region that has it ({})",
                    arn.region,
                    agent::SERVICE_REGIONS.join(", ")
                ),
            );
        }
        return Ok(GroupRef {
            name: Some(json!(arn.name)),
            arn: Some(json!(text)),
            region: json!(arn.region),
            label: format!("existing group {text}"),
            longest_name: arn.name.len(),
        });
    }
    if text.starts_with("arn:") || !agent::is_valid_group_name(text) {
        return fail(
            path,
            format!(
                "{text:?} is neither a profiling group name (1-255 of A-Z a-z 0-9 - _) nor a group ARN \
                 (arn:aws:codeguru-profiler:<region>:<account>:profilingGroup/<name>)"
            ),
        );
    }
    if !ctx.has_service() {
        return fail(
            path,
            format!(
                "{} has no CodeGuru Profiler service, so there is no group {text} here; give the ARN of a \
                 group in a region that has it ({})",
                ctx.region,
                agent::SERVICE_REGIONS.join(", ")
            ),
        );
    }
    Ok(GroupRef {
        name: Some(json!(text)),
        arn: Some(ctx.group_arn(text)),
        region: ctx.region_value(),
        label: format!("existing group {text}"),
        longest_name: text.len(),
    })
}

fn template_group(target: &str, path: &str, template: &Template, ctx: &Context) -> Checked<GroupRef> {
    match template.type_of(target) {
        Some(PROFILING_GROUP) => Ok(GroupRef {
            name: Some(json!({"Ref": target})),
            arn: Some(json!({"Fn::GetAtt": [target, "Arn"]})),
            region: ctx.region_value(),
            label: format!("template group {target}"),
            longest_name: template_group_longest(template, target),
        }),
        other => fail(
            path,
            format!(
                "refers to {target}, which is {} and not an {PROFILING_GROUP}; refer to a profiling group",
                other.map_or("missing".into(), |t| format!("an {t}"))
            ),
        ),
    }
}

/// The longest a template group's name can be: its `ProfilingGroupName` when literal, else
/// CloudFormation's generated name or an intrinsic, at the service's limit.
fn template_group_longest(template: &Template, target: &str) -> usize {
    let view = template
        .resource(target)
        .map(|r| r.build_view(&["ProfilingGroupName"]));
    match view
        .as_ref()
        .and_then(|v| v["Properties"]["ProfilingGroupName"].as_str())
    {
        Some(name) => name.len(),
        None => agent::MAX_GROUP_NAME_LEN,
    }
}

/// The group a function's variables already name; derives the missing one of
/// name and ARN where it can.
fn from_variables(name: Option<Value>, arn: Option<Value>, template: &Template, ctx: &Context) -> GroupRef {
    let is_group = |id: &str| template.type_of(id) == Some(PROFILING_GROUP);
    let literal_arn = arn
        .as_ref()
        .and_then(Value::as_str)
        .and_then(agent::parse_group_arn);
    let region = literal_arn
        .as_ref()
        .map_or_else(|| ctx.region_value(), |a| json!(a.region));
    let derived_name = match (&name, &arn) {
        (Some(n), _) => Some(n.clone()),
        (None, Some(a)) => match (&literal_arn, get_att(a)) {
            (Some(parsed), _) => Some(json!(parsed.name)),
            (None, Some((g, "Arn"))) if is_group(g) => Some(json!({"Ref": g})),
            _ => None,
        },
        (None, None) => None,
    };
    let derived_arn = match (&arn, &name) {
        (Some(a), _) => Some(a.clone()),
        (None, Some(Value::String(n))) => Some(ctx.group_arn(n)),
        (None, Some(n)) => ref_name(n)
            .filter(|g| is_group(g))
            .map(|g| json!({"Fn::GetAtt": [g, "Arn"]})),
        (None, None) => None,
    };
    let label = match derived_name.as_ref().or(derived_arn.as_ref()) {
        Some(Value::String(s)) => format!("group {s} (already set)"),
        Some(v) if is_intrinsic(v) => "the group its variables name (already set)".to_string(),
        _ => "already set".to_string(),
    };
    let longest_name = match derived_name.as_ref() {
        Some(Value::String(n)) => n.len(),
        Some(n) => ref_name(n)
            .filter(|g| is_group(g))
            .map_or(agent::MAX_GROUP_NAME_LEN, |g| template_group_longest(template, g)),
        None => agent::MAX_GROUP_NAME_LEN,
    };
    GroupRef {
        name: derived_name,
        arn: derived_arn,
        region,
        label,
        longest_name,
    }
}
