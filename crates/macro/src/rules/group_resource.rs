//! The profiling group the macro adds for a function, written as JSON text by both lanes:
//! `AWS::CodeGuruProfiler::ProfilingGroup` with `ComputePlatform: AWSLambda`, its name,
//! the function's `Condition`, `Retain` as deletion policies, the anomaly topic and tags.

use serde_json::Value;

use super::json::{write_string, write_value};
use super::resource_types::PROFILING_GROUP;
use crate::agent;
use crate::rules::ids;

/// The group resource for function `function_id`.
pub(crate) struct GroupResource<'a> {
    pub function_id: &'a str,
    /// The name asked for; `None`: `${AWS::StackName}-<FunctionId>` ([`write_default_name`]).
    pub name: Option<&'a Value>,
    pub condition: Option<&'a Value>,
    pub retain: bool,
    pub topic: Option<&'a Value>,
    pub tags: &'a [(String, Value)],
}

/// The longest function part of the default name: 128 is the longest stack name.
const MAX_NAME_PART: usize = agent::MAX_GROUP_NAME_LEN - 128 - 1;

/// Writes the default name, `{"Fn::Sub": "${AWS::StackName}-<FunctionId>"}`: the id part
/// made alphanumeric (so it needs no escaping) and hashed short enough that any stack
/// name leaves the whole within 255 characters.
fn write_default_name(out: &mut Vec<u8>, function_id: &str) {
    let id = ids::alphanumeric(function_id);
    out.extend_from_slice(b"{\"Fn::Sub\":\"${AWS::StackName}-");
    out.extend_from_slice(ids::fit(&id, MAX_NAME_PART).as_bytes());
    out.extend_from_slice(b"\"}");
}

/// The longest a group's name can be at deploy time: a literal's own length, the default
/// name's with the longest stack name, else the service's limit. The environment's size is
/// checked with the agent's group variables at this length, since they are intrinsics.
pub(crate) fn longest_name(name: Option<&Value>, function_id: &str) -> usize {
    match name {
        Some(Value::String(s)) => s.len(),
        Some(_) => agent::MAX_GROUP_NAME_LEN,
        None => 128 + 1 + ids::fit(&ids::alphanumeric(function_id), MAX_NAME_PART).len(),
    }
}

impl GroupResource<'_> {
    /// Writes the resource as compact JSON, its keys in CloudFormation's usual order.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        // The type, the default name's frame and the fixed values need no escaping.
        out.extend_from_slice(b"{\"Type\":\"");
        out.extend_from_slice(PROFILING_GROUP.as_bytes());
        out.push(b'"');
        if let Some(c) = self.condition {
            out.extend_from_slice(b",\"Condition\":");
            write_value(out, c);
        }
        if self.retain {
            out.extend_from_slice(b",\"DeletionPolicy\":\"Retain\",\"UpdateReplacePolicy\":\"Retain\"");
        }
        out.extend_from_slice(b",\"Properties\":{\"ProfilingGroupName\":");
        match self.name {
            Some(name) => write_value(out, name),
            None => write_default_name(out, self.function_id),
        }
        out.extend_from_slice(b",\"ComputePlatform\":\"AWSLambda\"");
        if let Some(topic) = self.topic {
            out.extend_from_slice(b",\"AnomalyDetectionNotificationConfiguration\":[{\"channelUri\":");
            write_value(out, topic);
            out.extend_from_slice(b"}]");
        }
        for (i, (key, value)) in self.tags.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b",\"Tags\":[" } else { b"," });
            out.extend_from_slice(b"{\"Key\":");
            write_string(out, key);
            out.extend_from_slice(b",\"Value\":");
            write_value(out, value);
            out.push(b'}');
        }
        if !self.tags.is_empty() {
            out.push(b']');
        }
        out.extend_from_slice(b"}}");
    }

    /// [`Self::write`] into a new string.
    pub(crate) fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write(&mut out);
        // Only valid UTF-8 is written: serde_json's output and ASCII.
        String::from_utf8(out).unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "group_resource_tests.rs"]
mod tests;
