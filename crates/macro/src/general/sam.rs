//! SAM's `Globals.Function`: how SAM merges a global value under a function's own
//! (samtranslator's `globals.py`), so the macro reads what SAM will deploy.
//!
//! - values of different kinds, and scalars: the function's own wins;
//! - two maps: merged key by key, recursively, the function's own winning;
//! - two lists: concatenated, the global items first.
//!
//! An intrinsic function (`{"Ref": …}`, `{"Fn::If": …}`) counts as a scalar.

use serde_json::Value;

use crate::rules::intrinsics::is_intrinsic;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Map,
    List,
}

pub(crate) fn kind(v: &Value) -> Kind {
    match v {
        Value::Object(_) if !is_intrinsic(v) => Kind::Map,
        Value::Array(_) => Kind::List,
        _ => Kind::Scalar,
    }
}

/// The value SAM gives a function from a global value and its own.
pub(crate) fn merge(global: &Value, own: &Value) -> Value {
    match (global, own, kind(global) == kind(own)) {
        (Value::Object(g), Value::Object(o), true) if kind(own) == Kind::Map => {
            let mut out = g.clone();
            for (k, v) in o {
                let merged = match g.get(k) {
                    Some(gv) => merge(gv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(g), Value::Array(o), true) => Value::Array(g.iter().chain(o).cloned().collect()),
        _ => own.clone(),
    }
}

#[cfg(test)]
#[path = "sam_tests.rs"]
mod tests;
