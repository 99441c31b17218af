//! Reading templates as CloudFormation writes them: JSON, or YAML with the short
//! forms of intrinsic functions (`!Ref`, `!GetAtt a.b`, `!Sub`, …) turned into the
//! long JSON forms a macro receives.

use serde_json::{Map, Number, Value};
use yaml_serde::Value as Yaml;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is neither valid JSON nor valid YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
    #[error("the template's JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "unknown tag !{0}; CloudFormation's short forms are !Ref, !GetAtt, !Sub, !If, !Join and the other Fn:: names"
    )]
    UnknownTag(String),
    #[error("a mapping key must be a string, number or boolean; got {0}")]
    Key(String),
}

impl TemplateError {
    /// Where the text stops reading (line and column, from 1), when the reader knows.
    pub fn location(&self) -> Option<(usize, usize)> {
        match self {
            TemplateError::Yaml(e) => e.location().map(|l| (l.line(), l.column())),
            TemplateError::Json(e) => Some((e.line(), e.column())),
            TemplateError::UnknownTag(_) | TemplateError::Key(_) => None,
        }
    }
}

/// Short forms whose long form is `Fn::<name>`.
const FN_TAGS: &[&str] = &[
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
];

/// Parses a JSON or YAML template into the JSON a macro would receive.
pub fn parse_template(text: &str) -> Result<Value, TemplateError> {
    if text.trim_start().starts_with('{') {
        return Ok(serde_json::from_str(text)?);
    }
    to_json(yaml_serde::from_str(text)?)
}

fn to_json(y: Yaml) -> Result<Value, TemplateError> {
    Ok(match y {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(key(k)?, to_json(v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let name = tagged.tag.to_string();
            let name = name.trim_start_matches('!');
            let value = to_json(tagged.value)?;
            let (long, value) = match name {
                "Ref" | "Condition" => (name.to_string(), value),
                "GetAtt" => ("Fn::GetAtt".to_string(), get_att(value)),
                _ if FN_TAGS.contains(&name) => (format!("Fn::{name}"), value),
                _ => return Err(TemplateError::UnknownTag(name.to_string())),
            };
            let mut m = Map::new();
            m.insert(long, value);
            Value::Object(m)
        }
    })
}

/// `!GetAtt Res.Attr.Sub` is `["Res", "Attr.Sub"]`: the logical id ends at the first dot.
fn get_att(value: Value) -> Value {
    match value {
        Value::String(s) => match s.split_once('.') {
            Some((res, attr)) => Value::Array(vec![Value::String(res.into()), Value::String(attr.into())]),
            None => Value::String(s),
        },
        other => other,
    }
}

fn number(n: &yaml_serde::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        // YAML's .inf and .nan have no JSON number; keep them as text.
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

fn key(k: Yaml) -> Result<String, TemplateError> {
    match k {
        Yaml::String(s) => Ok(s),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Null => Ok("null".into()),
        other => Err(TemplateError::Key(format!("{other:?}"))),
    }
}

#[cfg(test)]
#[path = "cfn_yaml_tests.rs"]
mod tests;
