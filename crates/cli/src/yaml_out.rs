//! `expand --format yaml`: a template as block YAML that every reader reads back as the
//! same values, YAML 1.1 readers included (PyYAML, hence the AWS CLI's `package`, the SAM
//! CLI and cfn-lint), which take `yes`, `on`, `Off`, `1_000`, `12:30` or `2024-01-02` for
//! booleans, numbers and dates. A string is written plain only when it starts with a
//! letter (or `_`, `/`, `$`) and holds nothing a reader could take for anything else;
//! every other string is double-quoted, as JSON writes it (JSON strings are YAML).

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// The template as YAML, one key or item a line, two spaces an indent.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn mapping(out: &mut String, map: &Map<String, Value>, indent: usize) {
    for (i, (key, value)) in map.iter().enumerate() {
        // The first key of a mapping that is a sequence item follows its dash.
        if i > 0 || indent == 0 || !out.ends_with("- ") {
            pad(out, indent);
        }
        out.push_str(&string(key));
        out.push(':');
        nested(out, value, indent);
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for (i, item) in items.iter().enumerate() {
        // The first item of a sequence that is itself an item follows its dash.
        if i > 0 || !out.ends_with("- ") {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(out, map, indent + 2),
            Value::Array(inner) if !inner.is_empty() => sequence(out, inner, indent + 2),
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

/// A mapping's value: inline when a scalar (or empty), else on the lines below.
fn nested(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(out, items, indent);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    let _ = write!(out, "{:indent$}", "");
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => string(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// A number as YAML 1.1 reads it too: a float with an exponent needs a dot and a signed
/// exponent (`1.0e+20`), or PyYAML reads a string.
fn number(n: &serde_json::Number) -> String {
    let text = n.to_string();
    let Some(e) = text.find(['e', 'E']).filter(|_| n.is_f64()) else {
        return text;
    };
    let (mantissa, exponent) = (&text[..e], &text[e + 1..]);
    let dot = if mantissa.contains('.') { "" } else { ".0" };
    let sign = if exponent.starts_with(['+', '-']) { "" } else { "+" };
    format!("{mantissa}{dot}e{sign}{exponent}")
}

/// A string plain when every reader takes it for that string, else double-quoted.
fn string(s: &str) -> String {
    if plain(s) { s.to_owned() } else { quoted(s) }
}

/// `s` double-quoted: JSON's escapes (YAML's double-quoted style takes them all), and `\u`
/// escapes for what JSON leaves as it is but a YAML reader would not: DEL and the C1
/// controls (not printable in YAML; a reader refuses them), NEL, LS and PS (line breaks
/// in YAML 1.1, which a reader folds), the byte order mark U+FEFF (which a reader may drop)
/// and the noncharacters U+FFFE and U+FFFF.
fn quoted(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_default();
    if !json.chars().any(yaml_escapes) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if yaml_escapes(c) {
            out += &format!("\\u{:04X}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

fn yaml_escapes(c: char) -> bool {
    matches!(
        c,
        '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
    )
}

/// Words YAML 1.1 reads as booleans or null, in any of their spellings.
const SPECIAL: &[&str] = &["y", "yes", "n", "no", "true", "false", "on", "off", "null"];

fn plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let starts_well = first.is_ascii_alphabetic() || matches!(first, '_' | '/' | '$');
    let inner_ok = s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | '.' | '/' | ':' | '-' | ' ' | '@' | '+' | '=' | ',' | '(' | ')' | '$'
            )
    });
    starts_well
        && inner_ok
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !SPECIAL.iter().any(|w| s.eq_ignore_ascii_case(w))
}

#[cfg(test)]
#[path = "yaml_out_tests.rs"]
mod tests;
