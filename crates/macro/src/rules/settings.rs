//! What the template asks for: the transform's parameters (template-wide defaults)
//! and each function's `Profiling` property.

use serde_json::{Map, Value};

use super::intrinsics::{describe, is_intrinsic, ref_name};
use crate::agent;
use crate::context::ParameterValues;
use crate::problems::{Checked, Problem, fail};

pub(crate) const PARAMETERS_PATH: &str = "Transform(LambdaProfiling).Parameters";

/// The transform's parameters: defaults for every function of the template.
#[derive(Debug, Clone, Default)]
pub(crate) struct TransformSettings {
    pub default_on: bool,
    pub python_layer: LayerOverride,
    pub java_layer: LayerOverride,
    pub tags: Vec<(String, Value)>,
    pub retain: bool,
}

/// A layer version or a whole layer ARN (a literal or an intrinsic) chosen by the user.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LayerOverride {
    pub version: Option<u32>,
    pub arn: Option<Value>,
}

/// The object form of `Profiling`; every key optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Options {
    pub group_name: Option<Value>,
    pub group: Option<Value>,
    pub layer: LayerOverride,
    pub heap_summary: bool,
    pub retain: Option<bool>,
    pub anomaly_topic: Option<Value>,
}

/// What one `Profiling` value says.
// A few per template: boxing the options would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Setting {
    Off,
    On(Options),
}

/// The JSON Schema of `Profiling` and of the transform's `Parameters`, as the macro
/// reads them: `lambda-profiling schema` prints it, the cfn-lint plugin ships a copy
/// (checked equal), and the tests hold its keys to [`OPTION_KEYS`] and [`PARAMETER_KEYS`].
pub(crate) const SCHEMA: &str = include_str!("profiling.schema.json");

const OPTION_KEYS: &[&str] = &[
    "Enabled",
    "ProfilingGroupName",
    "ProfilingGroup",
    "LayerVersion",
    "LayerArn",
    "HeapSummary",
    "Retain",
    "AnomalyNotificationTopicArn",
];

const PARAMETER_KEYS: &[&str] = &[
    "Profiling",
    "PythonLayerVersion",
    "JavaLayerVersion",
    "PythonLayerArn",
    "JavaLayerArn",
    "Tags",
    "Retain",
];

pub(crate) fn parse_transform_parameters(
    params: Option<&Value>,
    values: &ParameterValues,
) -> Checked<TransformSettings> {
    let mut settings = TransformSettings::default();
    let map = match params {
        None | Some(Value::Null) => return Ok(settings),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return fail(
                PARAMETERS_PATH,
                format!(
                    "the transform's Parameters must be an object, not {}",
                    describe(other)
                ),
            );
        }
    };
    let mut problems = Vec::new();
    for (key, v) in map {
        let path = format!("{PARAMETERS_PATH}.{key}");
        let result = match key.as_str() {
            "Profiling" => parse_bool(v, &path, values).map(|b| settings.default_on = b),
            "Retain" => parse_bool(v, &path, values).map(|b| settings.retain = b),
            "PythonLayerVersion" => {
                parse_version(v, &path, values).map(|n| settings.python_layer.version = Some(n))
            }
            "JavaLayerVersion" => {
                parse_version(v, &path, values).map(|n| settings.java_layer.version = Some(n))
            }
            "PythonLayerArn" => parse_layer_arn(v, &path).map(|a| settings.python_layer.arn = Some(a)),
            "JavaLayerArn" => parse_layer_arn(v, &path).map(|a| settings.java_layer.arn = Some(a)),
            "Tags" => parse_tags(v, &path).map(|t| settings.tags = t),
            _ => Err(vec![unknown_key(&path, key, PARAMETER_KEYS)]),
        };
        if let Err(p) = result {
            problems.extend(p);
        }
    }
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems)
    }
}

/// Reads a `Profiling` value: `true`, `false` (also as strings), or the object form.
pub(crate) fn parse_setting(v: &Value, path: &str, values: &ParameterValues) -> Checked<Setting> {
    let Value::Object(map) = v else {
        return parse_bool(v, path, values)
            .map(|on| {
                if on {
                    Setting::On(Options::default())
                } else {
                    Setting::Off
                }
            })
            .map_err(|_| vec![Problem::new(path, profiling_shape_message(v))]);
    };
    if ref_name(v).is_some() {
        return parse_bool(v, path, values).map(|on| {
            if on {
                Setting::On(Options::default())
            } else {
                Setting::Off
            }
        });
    }
    if is_intrinsic(v) {
        return fail(
            path,
            format!(
                "Profiling cannot be {}: the macro runs before CloudFormation evaluates it. Write true, false, \
                 a Ref to a parameter, or an object of options",
                describe(v)
            ),
        );
    }
    parse_options(map, path, values)
}

fn profiling_shape_message(v: &Value) -> String {
    format!(
        "Profiling must be true, false, or an object with any of the keys {}; got {}",
        OPTION_KEYS.join(", "),
        describe(v)
    )
}

fn parse_options(map: &Map<String, Value>, path: &str, values: &ParameterValues) -> Checked<Setting> {
    let mut o = Options::default();
    let mut enabled = true;
    let mut problems = Vec::new();
    for (key, v) in map {
        let at = format!("{path}.{key}");
        let result = match key.as_str() {
            "Enabled" => parse_bool(v, &at, values).map(|b| enabled = b),
            "ProfilingGroupName" => parse_group_name(v, &at).map(|n| o.group_name = Some(n)),
            "ProfilingGroup" => string_or_intrinsic(v, &at, "ProfilingGroup").map(|g| o.group = Some(g)),
            "LayerVersion" => parse_version(v, &at, values).map(|n| o.layer.version = Some(n)),
            "LayerArn" => parse_layer_arn(v, &at).map(|a| o.layer.arn = Some(a)),
            "HeapSummary" => parse_bool(v, &at, values).map(|b| o.heap_summary = b),
            "Retain" => parse_bool(v, &at, values).map(|b| o.retain = Some(b)),
            "AnomalyNotificationTopicArn" => parse_topic(v, &at).map(|t| o.anomaly_topic = Some(t)),
            _ => Err(vec![unknown_key(&at, key, OPTION_KEYS)]),
        };
        if let Err(p) = result {
            problems.extend(p);
        }
    }
    if o.group_name.is_some() && o.group.is_some() {
        problems.push(Problem::new(
            path,
            "give either ProfilingGroupName (a group the macro creates) or ProfilingGroup (an existing group), not both",
        ));
    }
    if o.layer.version.is_some() && o.layer.arn.is_some() {
        problems.push(Problem::new(
            path,
            "give either LayerVersion or LayerArn, not both",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(if enabled { Setting::On(o) } else { Setting::Off })
}

impl Options {
    /// `self` over `base`: keys set here win (SAM merges `Globals` maps the same way).
    pub(crate) fn over(self, base: &Options) -> Options {
        let layer = if self.layer.version.is_some() || self.layer.arn.is_some() {
            self.layer
        } else {
            base.layer.clone()
        };
        let (group_name, group) = if self.group_name.is_some() || self.group.is_some() {
            (self.group_name, self.group)
        } else {
            (base.group_name.clone(), base.group.clone())
        };
        Options {
            group_name,
            group,
            layer,
            heap_summary: self.heap_summary || base.heap_summary,
            retain: self.retain.or(base.retain),
            anomaly_topic: self.anomaly_topic.or_else(|| base.anomaly_topic.clone()),
        }
    }
}

/// `true`, `"true"`, `"True"` and their `false` forms, or a `Ref` to a parameter holding one.
pub(crate) fn parse_bool(v: &Value, path: &str, values: &ParameterValues) -> Checked<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" || s == "True" => Ok(true),
        Value::String(s) if s == "false" || s == "False" => Ok(false),
        _ => match ref_name(v).map(|p| (p, values.get(p))) {
            Some((_, Some(resolved))) if !is_intrinsic(resolved) => parse_bool(resolved, path, values),
            Some((p, None)) => fail(
                path,
                format!(
                    "refers to parameter {p}, which has no value: {}",
                    super::intrinsics::give_a_value(p)
                ),
            ),
            _ => fail(
                path,
                format!(
                    "expected true or false (also \"true\" or \"True\"); got {}",
                    describe(v)
                ),
            ),
        },
    }
}

fn parse_version(v: &Value, path: &str, values: &ParameterValues) -> Checked<u32> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse::<u64>().ok(),
        _ => {
            if let Some(resolved) = ref_name(v)
                .and_then(|p| values.get(p))
                .filter(|r| !is_intrinsic(r))
            {
                return parse_version(resolved, path, values);
            }
            None
        }
    };
    match n.and_then(|n| u32::try_from(n).ok()).filter(|&n| n >= 1) {
        Some(n) => Ok(n),
        None => fail(
            path,
            format!(
                "a layer version is a whole number from 1, such as 11; got {}",
                describe(v)
            ),
        ),
    }
}

fn parse_layer_arn(v: &Value, path: &str) -> Checked<Value> {
    match v {
        Value::String(s) if agent::parse_layer_arn(s).is_none() => fail(
            path,
            format!(
                "{s:?} is not a layer version ARN; write arn:aws:lambda:<region>:<account>:layer:<name>:<version>"
            ),
        ),
        _ => string_or_intrinsic(v, path, "LayerArn"),
    }
}

fn parse_group_name(v: &Value, path: &str) -> Checked<Value> {
    match v {
        Value::String(s) if !agent::is_valid_group_name(s) => fail(
            path,
            format!("{s:?} is not a valid profiling group name: use 1 to 255 letters, digits, '-' or '_'"),
        ),
        _ => string_or_intrinsic(v, path, "ProfilingGroupName"),
    }
}

fn parse_topic(v: &Value, path: &str) -> Checked<Value> {
    match v {
        Value::String(s) if !(s.starts_with("arn:") && s.split(':').nth(2) == Some("sns")) => fail(
            path,
            format!("{s:?} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)"),
        ),
        _ => string_or_intrinsic(v, path, "AnomalyNotificationTopicArn"),
    }
}

fn string_or_intrinsic(v: &Value, path: &str, what: &str) -> Checked<Value> {
    if v.is_string() || is_intrinsic(v) {
        Ok(v.clone())
    } else {
        fail(
            path,
            format!(
                "{what} must be a string or an intrinsic function; got {}",
                describe(v)
            ),
        )
    }
}

fn parse_tags(v: &Value, path: &str) -> Checked<Vec<(String, Value)>> {
    let Value::Object(map) = v else {
        return fail(
            path,
            format!(
                "Tags must be an object of tag names to values; got {}",
                describe(v)
            ),
        );
    };
    let mut problems = Vec::new();
    let mut tags = Vec::new();
    for (k, val) in map {
        match val {
            Value::String(_) => tags.push((k.clone(), val.clone())),
            Value::Number(_) | Value::Bool(_) => tags.push((k.clone(), Value::String(val.to_string()))),
            _ if is_intrinsic(val) => tags.push((k.clone(), val.clone())),
            _ => problems.push(Problem::new(
                format!("{path}.{k}"),
                format!("a tag value must be a string; got {}", describe(val)),
            )),
        }
    }
    if problems.is_empty() {
        Ok(tags)
    } else {
        Err(problems)
    }
}

/// "unknown key X; did you mean Y?" with the closest known key.
pub(crate) fn unknown_key(path: &str, key: &str, known: &[&str]) -> Problem {
    let hint = crate::suggest::closest(key, known)
        .map(|k| format!("did you mean {k}? "))
        .unwrap_or_default();
    Problem::new(
        path,
        format!(
            "unknown key {key:?}; {hint}the known keys are {}",
            known.join(", ")
        ),
    )
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
