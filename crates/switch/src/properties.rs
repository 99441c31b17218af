//! The custom resource's properties, typed: what to act on (a role or a function) and
//! how. Parsed from CloudFormation's `ResourceProperties` (every scalar may come as a
//! string) and built by the command line for `enable` and `disable`.

use serde_json::Value;

use crate::aws::Settings;
use crate::message::{Input, Message, Reader};
use crate::say;
use lambda_profiling_macro::agent;

/// What the resource acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Role mode: the role's name (the last part of its ARN), and, when given as an ARN,
    /// the partition and account it names.
    Role {
        name: String,
        home: Option<(String, String)>,
    },
    /// Function mode: the name or ARN exactly as given; resolved to an ARN by Lambda.
    Function { name: String },
}

/// The typed `ResourceProperties` of contract §3.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Properties {
    pub target: Target,
    pub group_name: Option<String>,
    pub layer_version: Option<u32>,
    pub layer_arn: Option<String>,
    pub heap_summary: bool,
}

/// `ServiceToken` and `ServiceTimeout` are CloudFormation's own and are not used here.
const KNOWN: &[&str] = &[
    "ServiceToken",
    "ServiceTimeout",
    "RoleArn",
    "FunctionName",
    "ProfilingGroupName",
    "LayerVersion",
    "LayerArn",
    "HeapSummary",
];
const FUNCTION_ONLY: [Input; 4] = [
    Input::GroupName,
    Input::LayerVersion,
    Input::LayerArn,
    Input::HeapSummary,
];

impl Properties {
    /// Parses and checks the properties, listing every problem in one message.
    pub fn parse(props: &Value, settings: &Settings) -> Result<Self, Message> {
        let Some(map) = props.as_object() else {
            return Err(not_an_object(props));
        };
        let mut problems = unknown_keys(map);
        let mut fields = Fields {
            map,
            problems: &mut problems,
        };
        let role = fields.text("RoleArn");
        let function = fields.text("FunctionName");
        let group_name = fields.text("ProfilingGroupName");
        let layer_version = fields.text("LayerVersion");
        let layer_arn = fields.text("LayerArn");
        let heap_summary = fields.text("HeapSummary");

        let target = target(role, function, &mut problems);
        if matches!(target, Some(Target::Role { .. })) {
            let given = FUNCTION_ONLY
                .into_iter()
                .filter(|i| map.contains_key(i.name(Reader::StackAuthor)));
            for input in given {
                problems.push(say![
                    input,
                    " applies only in function mode (",
                    Input::Function,
                    "); remove it from a ",
                    Input::Role,
                    " resource"
                ]);
            }
        }
        if let Some(name) = &group_name
            && !agent::is_valid_group_name(name)
        {
            problems.push(say![
                Input::GroupName,
                format!(" {name:?} must be 1-255 characters of letters, digits, '-' and '_'")
            ]);
        }
        let layer_version = layer_version.and_then(|v| positive(&v, &mut problems));
        if let Some(arn) = &layer_arn {
            if let Err(e) = check_layer_arn(arn, settings) {
                problems.push(e);
            }
            if layer_version.is_some() {
                problems.push(say![
                    "give ",
                    Input::LayerVersion,
                    " or ",
                    Input::LayerArn,
                    ", not both: ",
                    Input::LayerArn,
                    " already names a version"
                ]);
            }
        }
        let heap_summary = switch(heap_summary.as_deref(), &mut problems);
        match target {
            Some(target) if problems.is_empty() => Ok(Properties {
                target,
                group_name,
                layer_version,
                layer_arn,
                heap_summary,
            }),
            _ => Err(Message::join(problems, "; ")),
        }
    }
}

/// Why properties that are not an object cannot be read.
fn not_an_object(props: &Value) -> Message {
    match props {
        Value::Null => say![
            "the event's ResourceProperties could not be read (missing, or nested deeper than 128 levels): give ",
            Input::Role,
            " or ",
            Input::Function,
            " and the other properties as plain values"
        ],
        _ => say![
            "ResourceProperties must be an object with ",
            Input::Role,
            " or ",
            Input::Function
        ],
    }
}

/// Each key this resource does not know, with the nearest known one.
fn unknown_keys(map: &serde_json::Map<String, Value>) -> Vec<Message> {
    let unknown = map.keys().filter(|k| !KNOWN.contains(&k.as_str()));
    unknown
        .map(|key| match lambda_profiling_macro::closest(key, KNOWN) {
            Some(near) => Message::from(format!("unknown property {key}: did you mean {near}?")),
            None => Message::from(format!(
                "unknown property {key}: known properties are {}",
                KNOWN[2..].join(", ")
            )),
        })
        .collect()
}

/// The properties' scalars as text: CloudFormation sends every scalar as a string, and a
/// template may write a number or a boolean.
struct Fields<'a, 'p> {
    map: &'a serde_json::Map<String, Value>,
    problems: &'p mut Vec<Message>,
}

impl Fields<'_, '_> {
    fn text(&mut self, key: &str) -> Option<String> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(_) => {
                self.problems.push(format!("{key} must be a string").into());
                None
            }
        }
    }
}

/// Exactly one of `RoleArn` and `FunctionName`, checked.
fn target(role: Option<String>, function: Option<String>, problems: &mut Vec<Message>) -> Option<Target> {
    match (role, function) {
        (Some(_), Some(_)) => {
            problems.push(say![
                "give exactly one of ",
                Input::Role,
                " (role mode) and ",
                Input::Function,
                " (function mode), not both"
            ]);
            None
        }
        (None, None) => {
            problems.push(say![
                "missing target: give ",
                Input::Role,
                " (role mode) or ",
                Input::Function,
                " (function mode)"
            ]);
            None
        }
        (Some(arn), None) => role_name(&arn)
            .map(|name| Target::Role {
                name,
                home: role_home(&arn),
            })
            .map_err(|e| problems.push(e))
            .ok(),
        (None, Some(f)) => check_function_name(&f)
            .map(|()| Target::Function { name: f })
            .map_err(|e| problems.push(e))
            .ok(),
    }
}

/// `LayerVersion`: a positive whole number.
fn positive(v: &str, problems: &mut Vec<Message>) -> Option<u32> {
    match v.parse::<u32>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            problems.push(say![
                Input::LayerVersion,
                format!(" {v:?} must be a positive whole number, such as 11")
            ]);
            None
        }
    }
}

/// `HeapSummary`: true or false, in any case; absent is false.
fn switch(value: Option<&str>, problems: &mut Vec<Message>) -> bool {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            problems.push(say![
                Input::HeapSummary,
                format!(" must be true or false, not {other:?}")
            ]);
            false
        }
    }
}

/// A role ARN (`arn:<partition>:iam::<account>:role/<path>/<name>`) or a bare role name.
pub fn role_name(arn: &str) -> Result<String, Message> {
    let name = match arn.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            match parts.as_slice() {
                [_, "iam", "", _, resource] if resource.starts_with("role/") => {
                    resource.rsplit('/').next().unwrap_or_default()
                }
                _ => {
                    return Err(say![
                        Input::Role,
                        format!(" {arn:?} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
                    ]);
                }
            }
        }
        None => arn,
    };
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if valid {
        Ok(name.to_owned())
    } else {
        Err(say![
            Input::Role,
            format!(" {arn:?} does not name a valid IAM role")
        ])
    }
}

/// The partition and account a role ARN names (`None` for a bare name).
fn role_home(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.strip_prefix("arn:")?.splitn(5, ':');
    let partition = parts.next()?;
    let _service = parts.next()?;
    let _region = parts.next()?;
    let account = parts.next()?;
    Some((partition.to_owned(), account.to_owned()))
}

/// A function name, partial ARN or full ARN of `$LATEST`: a version's configuration cannot change.
fn check_function_name(name: &str) -> Result<(), Message> {
    let parts: Vec<&str> = name.split(':').collect();
    let unqualified = match parts.as_slice() {
        [_] | [_, "function", _] | ["arn", _, "lambda", _, _, "function", _] => true,
        [_, "function", _, _] | ["arn", _, "lambda", _, _, "function", _, _] => false,
        _ => {
            return Err(say![
                Input::Function,
                format!(" {name:?} is not a function name or ARN")
            ]);
        }
    };
    let base = parts[parts.iter().position(|p| *p == "function").map_or(0, |i| i + 1)];
    let valid = (1..=64).contains(&base.len())
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(say![
            Input::Function,
            format!(" {name:?} is not a function name or ARN")
        ]);
    }
    if !unqualified {
        return Err(say![
            Input::Function,
            format!(
                " {name:?} names a version or alias; give the unqualified function, whose $LATEST configuration can change"
            )
        ]);
    }
    Ok(())
}

/// A layer override may only come from the publisher or an account the administrator
/// allows, and be an agent layer by its name (or a name the administrator allows):
/// otherwise any stack author could inject code into any function in scope, an allowed
/// account's extensions and libraries included.
fn check_layer_arn(arn: &str, settings: &Settings) -> Result<(), Message> {
    let Some(layer) = agent::parse_layer_arn(arn) else {
        return Err(say![
            Input::LayerArn,
            format!(
                " {arn:?} is not a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)"
            )
        ]);
    };
    if settings.any_layer {
        return Ok(());
    }
    if layer.account != agent::PUBLISHER_ACCOUNT
        && !settings.allowed_layer_accounts.iter().any(|a| a == layer.account)
    {
        return Err(say![
            Input::LayerArn,
            format!(
                " account {} is not allowed: only the CodeGuru publisher {} or accounts the administrator lists in {} may provide the agent layer",
                layer.account,
                agent::PUBLISHER_ACCOUNT,
                crate::aws::ALLOWED_LAYER_ACCOUNTS_VAR
            )
        ]);
    }
    // The self-built layer is an agent layer too, from an allowed account like a mirror.
    let agent_layer = [agent::Family::Python, agent::Family::Java]
        .iter()
        .any(|f| f.layer_name() == layer.name)
        || (layer.account != agent::PUBLISHER_ACCOUNT && layer.name == agent::SELF_BUILT_PYTHON_LAYER);
    let allowed = layer.account != agent::PUBLISHER_ACCOUNT
        && settings.allowed_layer_names.iter().any(|n| n == layer.name);
    if agent_layer || allowed {
        Ok(())
    } else {
        Err(say![
            Input::LayerArn,
            format!(
                " names layer {}, which is not an agent layer ({}, {}, or {} from an allowed account): the administrator may allow other names in {}",
                layer.name,
                agent::Family::Python.layer_name(),
                agent::Family::Java.layer_name(),
                agent::SELF_BUILT_PYTHON_LAYER,
                crate::aws::ALLOWED_LAYER_NAMES_VAR
            )
        ])
    }
}

#[cfg(test)]
#[path = "properties_tests.rs"]
mod tests;
