//! The profiling group of a function: one the macro creates, one in the template
//! named by `ProfilingGroup`, one outside the stack, or the one its variables name.

use serde_json::{Map, Value, json};

use super::Context;
use super::document::Template;
use super::ids::{self, Ids};
use super::intrinsics::{describe, get_att, is_intrinsic, ref_name};
use super::problems::{Checked, fail};
use super::settings::{Options, TransformSettings};
use super::view::FunctionView;
use crate::agent;

pub const PROFILING_GROUP: &str = "AWS::CodeGuruProfiler::ProfilingGroup";

/// The values the agent's variables take for a group. `None` where the value
/// cannot be derived from what the user wrote (the agent needs only one of them).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRef {
    pub name: Option<Value>,
    pub arn: Option<Value>,
    pub region: Value,
    /// For the summary: how the group was found.
    pub label: String,
}

/// A group resource the macro adds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub id: String,
    pub resource: Value,
}

/// Picks the group of a profiled function. `named` holds the group variables the
/// function already sets (`AWS_CODEGURU_PROFILER_GROUP_NAME`, `_ARN`), if any.
pub fn choose(
    f: &FunctionView,
    opts: &Options,
    settings: &TransformSettings,
    named: Option<(Option<Value>, Option<Value>)>,
    template: &Template,
    ctx: &Context,
    ids: &Ids<'_>,
) -> Checked<(GroupRef, Option<NewGroup>)> {
    let path = f.path("Profiling");
    if let Some((name, arn)) = named {
        return Ok((from_variables(name, arn, template, ctx), None));
    }
    if let Some(group) = &opts.group {
        return existing(group, &format!("{path}.ProfilingGroup"), template, ctx).map(|g| (g, None));
    }
    if !agent::has_service(ctx.region) {
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
    let id = ids.free(&ids::logical_id(f.id, "ProfilingGroup"));
    let name = opts.group_name.clone().unwrap_or_else(|| default_name(f.id));
    let group = GroupRef {
        name: Some(json!({"Ref": id})),
        arn: Some(json!({"Fn::GetAtt": [id, "Arn"]})),
        region: json!(ctx.region),
        label: format!("new group {id}"),
    };
    let retain = opts.retain.unwrap_or(settings.retain);
    let resource = group_resource(
        name,
        f.attribute("Condition"),
        retain,
        opts.anomaly_topic.as_ref(),
        &settings.tags,
    );
    Ok((group, Some(NewGroup { id, resource })))
}

/// `${AWS::StackName}-<FunctionId>`, the id part hashed short enough that any
/// stack name (at most 128 characters) leaves the whole within 255.
pub fn default_name(function_id: &str) -> Value {
    json!({"Fn::Sub": default_name_sub(function_id)})
}

/// The longest function part of [`default_name`]: 128 is the longest stack name.
const MAX_NAME_PART: usize = agent::MAX_GROUP_NAME_LEN - 128 - 1;

/// The `Fn::Sub` text of [`default_name`].
fn default_name_sub(function_id: &str) -> String {
    let id = ids::alphanumeric(function_id);
    format!("${{AWS::StackName}}-{}", ids::fit(&id, MAX_NAME_PART))
}

/// Writes `group_resource(default_name(function_id), condition, retain, None, tags)` as
/// compact JSON, without building it: the splice lane adds one per function.
pub fn write_default_group(
    out: &mut Vec<u8>,
    function_id: &str,
    condition: Option<&Value>,
    retain: bool,
    tags: &[(String, Value)],
) {
    out.extend_from_slice(b"{\"Type\":\"");
    out.extend_from_slice(PROFILING_GROUP.as_bytes());
    out.push(b'"');
    if let Some(c) = condition {
        out.extend_from_slice(b",\"Condition\":");
        write_json(out, c);
    }
    if retain {
        out.extend_from_slice(b",\"DeletionPolicy\":\"Retain\",\"UpdateReplacePolicy\":\"Retain\"");
    }
    out.extend_from_slice(b",\"Properties\":{\"ProfilingGroupName\":{\"Fn::Sub\":\"${AWS::StackName}-");
    // The function's part is alphanumeric: it needs no escaping.
    let id = ids::alphanumeric(function_id);
    out.extend_from_slice(ids::fit(&id, MAX_NAME_PART).as_bytes());
    out.extend_from_slice(b"\"},\"ComputePlatform\":\"AWSLambda\"");
    for (i, (key, value)) in tags.iter().enumerate() {
        out.extend_from_slice(if i == 0 {
            b",\"Tags\":[{\"Key\":"
        } else {
            b",{\"Key\":"
        });
        write_json(out, key);
        out.extend_from_slice(b",\"Value\":");
        write_json(out, value);
        out.push(b'}');
    }
    if !tags.is_empty() {
        out.push(b']');
    }
    out.extend_from_slice(b"}}");
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

pub fn group_resource(
    name: Value,
    condition: Option<&Value>,
    retain: bool,
    topic: Option<&Value>,
    tags: &[(String, Value)],
) -> Value {
    let mut props = Map::new();
    props.insert("ProfilingGroupName".into(), name);
    props.insert("ComputePlatform".into(), json!("AWSLambda"));
    if let Some(topic) = topic {
        props.insert(
            "AnomalyDetectionNotificationConfiguration".into(),
            json!([{"channelUri": topic}]),
        );
    }
    if !tags.is_empty() {
        let tags: Vec<Value> = tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
        props.insert("Tags".into(), Value::Array(tags));
    }
    let mut resource = Map::new();
    resource.insert("Type".into(), json!(PROFILING_GROUP));
    if let Some(c) = condition {
        resource.insert("Condition".into(), c.clone());
    }
    if retain {
        resource.insert("DeletionPolicy".into(), json!("Retain"));
        resource.insert("UpdateReplacePolicy".into(), json!("Retain"));
    }
    resource.insert("Properties".into(), Value::Object(props));
    Value::Object(resource)
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
    if !agent::has_service(ctx.region) {
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
        arn: Some(json!(agent::group_arn(ctx.region, ctx.account_id, text))),
        region: json!(ctx.region),
        label: format!("existing group {text}"),
    })
}

fn template_group(target: &str, path: &str, template: &Template, ctx: &Context) -> Checked<GroupRef> {
    match template.type_of(target) {
        Some(PROFILING_GROUP) => Ok(GroupRef {
            name: Some(json!({"Ref": target})),
            arn: Some(json!({"Fn::GetAtt": [target, "Arn"]})),
            region: json!(ctx.region),
            label: format!("template group {target}"),
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
        .map_or_else(|| json!(ctx.region), |a| json!(a.region));
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
        (None, Some(Value::String(n))) => Some(json!(agent::group_arn(ctx.region, ctx.account_id, n))),
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
    GroupRef {
        name: derived_name,
        arn: derived_arn,
        region,
        label,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_group_is_the_built_group() {
        let tags = [
            ("team".to_string(), json!("a\"b")),
            ("cost".to_string(), json!({"Ref": "C"})),
        ];
        let condition = json!("IsProd");
        for (condition, retain, tags) in [
            (None, false, &tags[..0]),
            (Some(&condition), true, &tags[..]),
            (None, true, &tags[..1]),
        ] {
            for id in ["Api", "My-Fn\u{e9}", &"F".repeat(300)] {
                let mut out = Vec::new();
                write_default_group(&mut out, id, condition, retain, tags);
                let built = group_resource(default_name(id), condition, retain, None, tags);
                assert_eq!(String::from_utf8(out).unwrap(), built.to_string());
            }
        }
    }

    #[test]
    fn default_names_fit_any_stack_name() {
        let Value::Object(m) = default_name(&"F".repeat(255)) else {
            panic!()
        };
        let sub = m["Fn::Sub"].as_str().unwrap();
        let part = sub.strip_prefix("${AWS::StackName}-").unwrap();
        assert_eq!(part.len(), 126);
        assert!(128 + 1 + part.len() <= 255);
        assert_eq!(default_name("Api"), json!({"Fn::Sub": "${AWS::StackName}-Api"}));
    }

    #[test]
    fn group_resources_carry_tags_retain_topic_and_condition() {
        let r = group_resource(
            json!("g"),
            Some(&json!("IsProd")),
            true,
            Some(&json!("arn:aws:sns:us-east-1:1:t")),
            &[("team".into(), json!("x"))],
        );
        assert_eq!(
            r,
            json!({
                "Type": PROFILING_GROUP, "Condition": "IsProd",
                "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "ProfilingGroupName": "g", "ComputePlatform": "AWSLambda",
                    "AnomalyDetectionNotificationConfiguration": [{"channelUri": "arn:aws:sns:us-east-1:1:t"}],
                    "Tags": [{"Key": "team", "Value": "x"}]
                }
            })
        );
        let keys: Vec<_> = r.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "Type",
                "Condition",
                "DeletionPolicy",
                "UpdateReplacePolicy",
                "Properties"
            ]
        );
    }
}
