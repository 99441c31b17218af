//! The template's own `Transform` section and `Parameters`, read the way
//! CloudFormation would before it calls the macro.

use serde_json::{Map, Value};

use lambda_profiling_macro::ParameterValues;

pub const MACRO_NAME: &str = "LambdaProfiling";
pub const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";
pub const LANGUAGE_EXTENSIONS: &str = "AWS::LanguageExtensions";

/// The `Transform` section split into our entry and the others, in order.
#[derive(Debug, Default, PartialEq)]
pub struct Transforms {
    /// Whether the template names `LambdaProfiling` at all.
    pub declared: bool,
    /// The `Parameters` of our entry.
    pub params: Option<Value>,
    /// The other transforms, as they must appear in the output (`None`: drop the key).
    pub rest: Option<Value>,
    /// `AWS::LanguageExtensions` runs before ours: CloudFormation expands the template's
    /// `Fn::ForEach` loops before the macro sees them.
    pub loops_expanded_first: bool,
}

fn name_of(entry: &Value) -> Option<&str> {
    match entry {
        Value::String(s) => Some(s),
        Value::Object(m) => m.get("Name").and_then(Value::as_str),
        _ => None,
    }
}

/// Reads `Transform`: a name, a `{Name, Parameters}` object, or a list of those.
pub fn split(transform: Option<&Value>) -> Result<Transforms, String> {
    let entries: Vec<Value> = match transform {
        None => return Ok(Transforms::default()),
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
    };
    let ours = entries.iter().position(|e| name_of(e) == Some(MACRO_NAME));
    let sam = entries.iter().position(|e| name_of(e) == Some(SAM_TRANSFORM));
    let extensions = entries
        .iter()
        .position(|e| name_of(e) == Some(LANGUAGE_EXTENSIONS));
    let loops_expanded_first = matches!((extensions, ours), (Some(e), Some(o)) if e < o);
    if let (Some(o), Some(s)) = (ours, sam)
        && s < o
    {
        return Err(format!(
            "Transform: list {MACRO_NAME} before {SAM_TRANSFORM}; SAM runs first otherwise and rejects the \
                 Profiling property"
        ));
    }
    let Some(ours) = ours else {
        return Ok(Transforms {
            declared: false,
            params: None,
            rest: transform.cloned(),
            loops_expanded_first,
        });
    };
    let params = entries[ours].get("Parameters").cloned();
    let rest: Vec<Value> = entries
        .into_iter()
        .filter(|e| name_of(e) != Some(MACRO_NAME))
        .collect();
    let rest = match rest.len() {
        0 => None,
        // A single remaining transform is written as a single name, as CloudFormation hands it on.
        1 => rest.into_iter().next(),
        _ => Some(Value::Array(rest)),
    };
    Ok(Transforms {
        declared: true,
        params,
        rest,
        loops_expanded_first,
    })
}

/// The stack's parameter values: each `Default`, overridden by `KEY=VALUE`
/// assignments. List parameters become JSON arrays, as CloudFormation sends them.
pub fn parameter_values(
    parameters: Option<&Value>,
    assignments: &[String],
) -> Result<ParameterValues, String> {
    let declared = parameters.and_then(Value::as_object).cloned().unwrap_or_default();
    let mut values = Map::new();
    for (name, decl) in &declared {
        if let Some(default) = decl.get("Default") {
            values.insert(name.clone(), typed(decl, scalar_text(default)));
        }
    }
    for a in assignments {
        let Some((k, v)) = a.split_once('=') else {
            return Err(format!("--parameter {a:?}: write KEY=VALUE"));
        };
        let decl = declared.get(k).ok_or_else(|| {
            format!(
                "--parameter {k}: the template declares no parameter {k}; its parameters are {}",
                declared.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        values.insert(k.to_string(), typed(decl, v.to_string()));
    }
    Ok(values)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn typed(decl: &Value, text: String) -> Value {
    let ty = decl.get("Type").and_then(Value::as_str).unwrap_or("String");
    if ty == "CommaDelimitedList" || ty.starts_with("List<") {
        Value::Array(
            text.split(',')
                .map(|s| Value::String(s.trim().to_string()))
                .collect(),
        )
    } else {
        Value::String(text)
    }
}

#[cfg(test)]
#[path = "transform_tests.rs"]
mod tests;
