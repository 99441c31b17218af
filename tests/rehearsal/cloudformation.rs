//! CloudFormation's own bookkeeping, as far as the rehearsal needs it: the macro request
//! it builds from a template, the intrinsics of the processed template (resolved from
//! the stack's parameters and the resources created so far), and the creation order.
//!
//! Written from CloudFormation's documentation, not from the product's code, so that
//! the rehearsal does not check the product against itself. Anything it cannot resolve
//! is a panic that says so, never a silent guess.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use crate::support::{ACCOUNT, REGION};

/// The request CloudFormation sends a macro: `fragment` is the template without its
/// `Transform`, `params` the parameters of our `Transform` entry (unevaluated) with the
/// rehearsal's `extra_params` over them, `templateParameterValues` every declared
/// parameter's given value, else its `Default`.
pub fn macro_request(template: &Value, given: &Map<String, Value>, extra_params: Value) -> Value {
    let mut fragment = template.clone();
    fragment.as_object_mut().unwrap().shift_remove("Transform");
    let entries = match &template["Transform"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let mut params = entries
        .iter()
        .find(|e| e == &"LambdaProfiling" || e["Name"] == "LambdaProfiling")
        .expect("the template names the LambdaProfiling transform")
        .get("Parameters")
        .cloned()
        .unwrap_or_else(|| json!({}));
    params
        .as_object_mut()
        .unwrap()
        .extend(extra_params.as_object().unwrap().clone());
    json!({
        "region": REGION,
        "accountId": ACCOUNT,
        "fragment": fragment,
        "transformId": format!("{ACCOUNT}::LambdaProfiling"),
        "params": params,
        "requestId": format!("{:x}", std::process::id()),
        "templateParameterValues": parameter_values(template, given),
    })
}

/// The stack's parameter values as CloudFormation evaluates them; lists become arrays.
pub fn parameter_values(template: &Value, given: &Map<String, Value>) -> Map<String, Value> {
    let declared = template["Parameters"].as_object().cloned().unwrap_or_default();
    for name in given.keys() {
        assert!(
            declared.contains_key(name),
            "the template has no parameter {name}"
        );
    }
    let mut values = Map::new();
    for (name, decl) in declared {
        let value = given.get(&name).or(decl.get("Default"));
        let value = value.unwrap_or_else(|| panic!("parameter {name} has no value and no Default"));
        let is_list = decl["Type"]
            .as_str()
            .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
        let value = match (is_list, value) {
            (true, Value::String(s)) => s.split(',').map(|p| Value::String(p.trim().into())).collect(),
            (_, v) => v.clone(),
        };
        values.insert(name, value);
    }
    values
}

/// What the resources created so far are known by: `Ref` and `Fn::GetAtt` values.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub physical: HashMap<String, String>,
    pub attributes: HashMap<String, Map<String, Value>>,
}

pub struct Resolver<'a> {
    pub stack_name: &'a str,
    pub stack_id: &'a str,
    pub parameters: &'a Map<String, Value>,
    pub known: &'a Known,
}

impl Resolver<'_> {
    /// `v` with every intrinsic replaced by its value.
    pub fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next().unwrap();
                match k.as_str() {
                    "Ref" => self.reference(arg.as_str().expect("Ref takes a name")),
                    "Fn::GetAtt" => {
                        let (resource, attribute) = get_att_parts(arg);
                        self.attribute(&resource, &attribute)
                    }
                    "Fn::Sub" => Value::String(self.sub(arg)),
                    "Fn::Join" => {
                        let sep = arg[0].as_str().expect("Fn::Join separator");
                        let parts = self.resolve(&arg[1]);
                        let parts: Vec<&str> = parts
                            .as_array()
                            .expect("Fn::Join list")
                            .iter()
                            .map(|p| p.as_str().expect("Fn::Join items are strings"))
                            .collect();
                        Value::String(parts.join(sep))
                    }
                    other if other.starts_with("Fn::") || other == "Condition" => {
                        panic!("the rehearsal does not resolve {other}: {v}")
                    }
                    _ => Value::Object(self.resolve_map(m)),
                }
            }
            Value::Object(m) => Value::Object(self.resolve_map(m)),
            Value::Array(items) => items.iter().map(|i| self.resolve(i)).collect(),
            scalar => scalar.clone(),
        }
    }

    fn resolve_map(&self, m: &Map<String, Value>) -> Map<String, Value> {
        m.iter().map(|(k, v)| (k.clone(), self.resolve(v))).collect()
    }

    fn reference(&self, name: &str) -> Value {
        match name {
            "AWS::StackName" => self.stack_name.into(),
            "AWS::StackId" => self.stack_id.into(),
            "AWS::Region" => REGION.into(),
            "AWS::AccountId" => ACCOUNT.into(),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            _ => {
                if let Some(v) = self.parameters.get(name) {
                    return v.clone();
                }
                let id = self.known.physical.get(name);
                id.unwrap_or_else(|| panic!("Ref {name}: neither a parameter nor a created resource"))
                    .clone()
                    .into()
            }
        }
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Value {
        let attributes = self.known.attributes.get(resource);
        attributes
            .and_then(|a| a.get(attribute))
            .unwrap_or_else(|| panic!("Fn::GetAtt {resource}.{attribute}: not created or no such attribute"))
            .clone()
    }

    fn sub(&self, arg: &Value) -> String {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), Map::new()),
            Value::Array(a) => (
                a[0].as_str().expect("Fn::Sub text"),
                a[1].as_object().cloned().unwrap_or_default(),
            ),
            _ => panic!("Fn::Sub takes a string or [string, variables]"),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').expect("an unclosed ${") + start;
            let name = &rest[start + 2..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str(&format!("${{{literal}}}"));
            } else {
                let value = match (vars.get(name), name.split_once('.')) {
                    (Some(v), _) => self.resolve(v),
                    (None, Some((r, a))) if !name.starts_with("AWS::") => self.attribute(r, a),
                    _ => self.reference(name),
                };
                out.push_str(value.as_str().expect("a Sub variable is a string"));
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

fn get_att_parts(arg: &Value) -> (String, String) {
    match arg {
        Value::Array(a) => (
            a[0].as_str().unwrap().to_owned(),
            a[1].as_str().expect("a literal attribute name").to_owned(),
        ),
        Value::String(s) => {
            let (r, a) = s.split_once('.').expect("Fn::GetAtt Resource.Attribute");
            (r.to_owned(), a.to_owned())
        }
        _ => panic!("Fn::GetAtt takes [resource, attribute]"),
    }
}

/// The resources `v` refers to (Ref, GetAtt, Sub), among `resources`.
fn references(v: &Value, resources: &Map<String, Value>, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, arg) in m {
                match k.as_str() {
                    "Ref" => out.extend(arg.as_str().map(str::to_owned)),
                    "Fn::GetAtt" => {
                        out.insert(get_att_parts(arg).0);
                    }
                    "Fn::Sub" => {
                        let text = if arg.is_array() { &arg[0] } else { arg };
                        for piece in text.as_str().unwrap_or_default().split("${").skip(1) {
                            let name = piece.split('}').next().unwrap_or_default();
                            out.insert(name.split('.').next().unwrap_or_default().to_owned());
                        }
                    }
                    _ => {}
                }
                references(arg, resources, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, resources, out)),
        _ => {}
    }
    out.retain(|name| resources.contains_key(name));
}

/// The order CloudFormation creates the resources in: every resource after the ones it
/// depends on (`DependsOn`, `Ref`, `Fn::GetAtt`, `Fn::Sub`), template order otherwise.
pub fn creation_order(template: &Value) -> Vec<String> {
    let resources = template["Resources"].as_object().expect("Resources");
    let mut needs: Vec<(String, BTreeSet<String>)> = resources
        .iter()
        .map(|(id, r)| {
            assert!(r.get("Condition").is_none(), "{id}: conditions are not rehearsed");
            let mut deps = BTreeSet::new();
            references(r, resources, &mut deps);
            match &r["DependsOn"] {
                Value::String(d) => {
                    deps.insert(d.clone());
                }
                Value::Array(ds) => deps.extend(ds.iter().filter_map(|d| d.as_str()).map(str::to_owned)),
                _ => {}
            }
            (id.clone(), deps)
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    while !needs.is_empty() {
        let ready = needs
            .iter()
            .position(|(_, deps)| deps.iter().all(|d| order.contains(d)))
            .unwrap_or_else(|| panic!("a dependency cycle among {:?}", needs));
        order.push(needs.remove(ready).0);
    }
    order
}

/// Custom resource properties as CloudFormation sends them: every scalar a string.
pub fn as_strings(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), as_strings(v))).collect()),
        Value::Array(items) => items.iter().map(as_strings).collect(),
        Value::Bool(b) => b.to_string().into(),
        Value::Number(n) => n.to_string().into(),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_built_from_the_transform_entry_and_the_defaults() {
        let template = json!({"Transform": [{"Name": "LambdaProfiling", "Parameters": {"Retain": true}}],
            "Parameters": {"A": {"Type": "String", "Default": "a"}, "L": {"Type": "CommaDelimitedList", "Default": "x, y"}},
            "Resources": {}});
        let r = macro_request(&template, &Map::new(), json!({"PythonLayerArn": "arn"}));
        assert_eq!(r["params"], json!({"Retain": true, "PythonLayerArn": "arn"}));
        assert_eq!(r["templateParameterValues"], json!({"A": "a", "L": ["x", "y"]}));
        assert!(r["fragment"].get("Transform").is_none());
    }

    #[test]
    fn resources_come_after_what_they_refer_to() {
        let template = json!({"Resources": {
            "F": {"Type": "T", "Properties": {"E": {"Fn::Sub": "${G.Arn}"}}, "DependsOn": "C"},
            "C": {"Type": "T", "Properties": {"R": {"Ref": "Param"}}},
            "G": {"Type": "T", "Properties": {"N": {"Fn::Sub": "${AWS::StackName}-x"}}}}});
        assert_eq!(creation_order(&template), ["C", "G", "F"]);
    }

    #[test]
    fn intrinsics_resolve_from_parameters_pseudo_parameters_and_created_resources() {
        let mut known = Known::default();
        known.physical.insert("G".into(), "group".into());
        known
            .attributes
            .insert("G".into(), json!({"Arn": "arn:g"}).as_object().unwrap().clone());
        let parameters = json!({"P": "p"}).as_object().unwrap().clone();
        let r = Resolver {
            stack_name: "s",
            stack_id: "id",
            parameters: &parameters,
            known: &known,
        };
        let v = json!({"a": {"Ref": "G"}, "b": {"Fn::GetAtt": "G.Arn"}, "c": {"Fn::Sub": "${AWS::StackName}-${P}-${G.Arn}-${!X}"},
            "d": [{"Ref": "P"}], "e": {"Fn::Join": ["/", [{"Ref": "AWS::Region"}, "x"]]}});
        assert_eq!(
            r.resolve(&v),
            json!({"a": "group", "b": "arn:g", "c": "s-p-arn:g-${X}", "d": ["p"], "e": "us-east-1/x"})
        );
    }
}
