//! The values of the general lane's template: the input's raw text until the macro
//! touches them, and objects as entries in input order.

use std::borrow::Cow;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::rules::json::{write_key, write_value};

/// A value: the input's raw text, a value the macro set (parsed, or as JSON text it
/// wrote), or an object's entries.
#[derive(Debug)]
pub(crate) enum Slot<'a> {
    Raw(&'a RawValue),
    Value(Value),
    Json(String),
    Object(Entries<'a>),
}

impl Slot<'_> {
    /// The value, parsed (a copy).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Slot::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
            Slot::Json(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            Slot::Value(v) => v.clone(),
            Slot::Object(e) => {
                Value::Object(e.0.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect())
            }
        }
    }
}

/// An object's entries in input order.
#[derive(Debug, Default)]
pub(crate) struct Entries<'a>(pub Vec<(Cow<'a, str>, Slot<'a>)>);

impl<'a> Entries<'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&Slot<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Slot<'a>> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets a key in place, or appends it.
    pub(crate) fn set(&mut self, key: &str, value: Value) {
        self.set_slot(key, Slot::Value(value));
    }

    pub(crate) fn set_slot(&mut self, key: &str, value: Slot<'a>) {
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => self.0.push((Cow::Owned(key.to_string()), value)),
        }
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }
}

impl Slot<'_> {
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Slot::Raw(raw) => out.extend_from_slice(raw.get().as_bytes()),
            Slot::Json(text) => out.extend_from_slice(text.as_bytes()),
            Slot::Value(v) => write_value(out, v),
            Slot::Object(entries) => {
                out.push(b'{');
                for (i, (k, v)) in entries.0.iter().enumerate() {
                    write_key(out, i, k);
                    v.write_json(out);
                }
                out.push(b'}');
            }
        }
    }
}
