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
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_forms_become_long_forms() {
        let t = parse_template(
            "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt Role.Arn\n      \
             Runtime: !Ref Rt\n      Handler: !Sub '${A}.h'\n      Layers: !If [C, [!Ref L], !Ref 'AWS::NoValue']\n      \
             Description: !Join ['', [!Select [0, !Split [',', 'a,b']]]]\n      Other: !GetAtt [R, Outputs.X]\n      \
             Nested: !GetAtt Stack.Outputs.Arn\n      Cond: !Condition IsProd\n      Imp: !ImportValue x\n",
        )
        .unwrap();
        let p = &t["Resources"]["F"]["Properties"];
        assert_eq!(p["Role"], json!({"Fn::GetAtt": ["Role", "Arn"]}));
        assert_eq!(p["Runtime"], json!({"Ref": "Rt"}));
        assert_eq!(p["Handler"], json!({"Fn::Sub": "${A}.h"}));
        assert_eq!(
            p["Layers"],
            json!({"Fn::If": ["C", [{"Ref": "L"}], {"Ref": "AWS::NoValue"}]})
        );
        assert_eq!(
            p["Description"],
            json!({"Fn::Join": ["", [{"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}]]})
        );
        assert_eq!(p["Other"], json!({"Fn::GetAtt": ["R", "Outputs.X"]}));
        assert_eq!(p["Nested"], json!({"Fn::GetAtt": ["Stack", "Outputs.Arn"]}));
        assert_eq!(p["Cond"], json!({"Condition": "IsProd"}));
        assert_eq!(p["Imp"], json!({"Fn::ImportValue": "x"}));
    }

    #[test]
    fn keeps_key_order_scalars_and_reads_json() {
        let t = parse_template("B: 1\nA: 2010-09-09\nC: [true, 1.5, null, '007']\n").unwrap();
        assert_eq!(t.as_object().unwrap().keys().collect::<Vec<_>>(), ["B", "A", "C"]);
        assert_eq!(t["A"], "2010-09-09");
        assert_eq!(t["C"], json!([true, 1.5, null, "007"]));
        assert_eq!(
            parse_template(" {\"Z\": 1, \"A\": 2}")
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["Z", "A"]
        );
    }

    #[test]
    fn bad_input_is_explained() {
        assert!(matches!(parse_template("A: !Bogus x"), Err(TemplateError::UnknownTag(t)) if t == "Bogus"));
        assert!(
            parse_template("A: [unclosed")
                .unwrap_err()
                .to_string()
                .contains("neither valid JSON nor valid YAML")
        );
        assert!(parse_template("{\"A\": ").is_err());
    }
}
