//! Reading CloudFormation intrinsic functions in their JSON (long) form.

use serde_json::{Value, json};

use crate::context::ParameterValues;
use crate::problems::{Checked, Problem, fail};

pub(crate) const NO_VALUE: &str = "AWS::NoValue";

/// The key and value of an object with exactly one key, the shape of every intrinsic.
pub(crate) fn single_key(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Object(m) if m.len() == 1 => m.iter().next().map(|(k, v)| (k.as_str(), v)),
        _ => None,
    }
}

/// `{"Ref": name}` gives `name`.
pub(crate) fn ref_name(v: &Value) -> Option<&str> {
    match single_key(v)? {
        ("Ref", Value::String(name)) => Some(name),
        _ => None,
    }
}

pub(crate) fn is_no_value(v: &Value) -> bool {
    ref_name(v) == Some(NO_VALUE)
}

/// Any intrinsic: `Ref`, `Condition` or a `Fn::` function.
pub(crate) fn is_intrinsic(v: &Value) -> bool {
    single_key(v).is_some_and(|(k, _)| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
}

/// `Fn::GetAtt` in either form, `[R, Attr]` or `"R.Attr"`, gives `(R, Attr)`.
pub(crate) fn get_att(v: &Value) -> Option<(&str, &str)> {
    match single_key(v)? {
        ("Fn::GetAtt", Value::Array(a)) => match a.as_slice() {
            [Value::String(r), Value::String(attr)] => Some((r, attr)),
            _ => None,
        },
        ("Fn::GetAtt", Value::String(s)) => s.split_once('.'),
        _ => None,
    }
}

/// The branches of an `Fn::If`: `Some(Ok([condition, then, else]))`, `Some(Err)` when malformed.
pub(crate) fn fn_if(v: &Value) -> Option<Result<&[Value], ()>> {
    match single_key(v)? {
        ("Fn::If", Value::Array(a)) if a.len() == 3 && a[0].is_string() => Some(Ok(a.as_slice())),
        ("Fn::If", _) => Some(Err(())),
        _ => None,
    }
}

/// A short description of a value for messages: `a Fn::Split`, `a number`, …
pub(crate) fn describe(v: &Value) -> String {
    if let Some(name) = ref_name(v) {
        return format!("a Ref to {name}");
    }
    if let Some((k, _)) = single_key(v).filter(|_| is_intrinsic(v)) {
        return format!("an {k}");
    }
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn malformed_if(path: &str) -> Vec<Problem> {
    vec![Problem::new(
        path,
        "Fn::If must be a list of three items: [ConditionName, ValueIfTrue, ValueIfFalse]",
    )]
}

/// Called on each value an `Fn::If` tree can take, with its path; returns the new value.
pub(crate) type BranchFn<'f> = dyn FnMut(Option<&Value>, &str) -> Checked<Option<Value>> + 'f;

/// Applies `leaf` to every value an `Fn::If` tree can take (`None` for an absent value
/// or `AWS::NoValue`). Returns the rewritten tree, or `None` when no branch changed.
pub(crate) fn map_branches(v: Option<&Value>, path: &str, leaf: &mut BranchFn) -> Checked<Option<Value>> {
    let Some(value) = v.filter(|v| !is_no_value(v)) else {
        return leaf(None, path);
    };
    match fn_if(value) {
        None => leaf(Some(value), path),
        Some(Err(())) => Err(malformed_if(path)),
        Some(Ok(items)) => {
            let then_path = format!("{path}.Fn::If[1]");
            let else_path = format!("{path}.Fn::If[2]");
            let then = map_branches(Some(&items[1]), &then_path, leaf);
            let other = map_branches(Some(&items[2]), &else_path, leaf);
            match (then, other) {
                (Ok(None), Ok(None)) => Ok(None),
                (Ok(a), Ok(b)) => Ok(Some(json!({"Fn::If": [
                    items[0].clone(),
                    a.unwrap_or_else(|| items[1].clone()),
                    b.unwrap_or_else(|| items[2].clone()),
                ]}))),
                (Err(mut a), Err(b)) => {
                    a.extend(b);
                    Err(a)
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
    }
}

/// Whether any string inside `v` contains `needle` (to recognise an ARN spelled by an intrinsic).
pub(crate) fn mentions(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s.contains(needle),
        Value::Array(a) => a.iter().any(|x| mentions(x, needle)),
        Value::Object(m) => m.values().any(|x| mentions(x, needle)),
        _ => false,
    }
}

/// Every literal value `v` can take: a literal, a `Ref` to a template parameter
/// (resolved through `templateParameterValues`), or an `Fn::If` of those. `None`
/// stands for an absent value or `AWS::NoValue`. Each value comes with its path.
pub(crate) fn possible_values(
    v: Option<&Value>,
    path: &str,
    params: &ParameterValues,
    what: &str,
) -> Checked<Vec<(Option<Value>, String)>> {
    let mut out = Vec::new();
    map_branches(v, path, &mut |leaf, at| {
        out.push((resolve_leaf(leaf, at, params, what)?, at.to_string()));
        Ok(None)
    })?;
    Ok(out)
}

/// How a parameter without a value gets one, wherever the macro runs: a stack gets it
/// from a `Default` or the deploy, `lambda-profiling expand` from `--parameter`.
pub(crate) fn give_a_value(name: &str) -> String {
    format!(
        "give it a Default, or a value when deploying (with lambda-profiling expand, --parameter {name}=VALUE)"
    )
}

fn resolve_leaf(
    leaf: Option<&Value>,
    at: &str,
    params: &ParameterValues,
    what: &str,
) -> Checked<Option<Value>> {
    let Some(value) = leaf else { return Ok(None) };
    if let Some(name) = ref_name(value) {
        return match params.get(name) {
            Some(v) => Ok(Some(v.clone())),
            None => fail(
                at,
                format!(
                    "{what} refers to parameter {name}, which has no value: {}, or write the {what} literally",
                    give_a_value(name)
                ),
            ),
        };
    }
    if is_intrinsic(value) {
        return fail(
            at,
            format!(
                "{what} is {}, which the macro cannot evaluate; write it literally, as a Ref to a template \
                 parameter, or as an Fn::If of those",
                describe(value)
            ),
        );
    }
    Ok(Some(value.clone()))
}

/// A list value from a parameter: JSON arrays as they arrive, or a comma-delimited string.
pub(crate) fn parameter_list(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) => Some(a.clone()),
        Value::String(s) if s.is_empty() => Some(Vec::new()),
        Value::String(s) => Some(
            s.split(',')
                .map(|p| Value::String(p.trim().to_string()))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
#[path = "intrinsics_tests.rs"]
mod tests;
