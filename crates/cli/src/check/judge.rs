//! The template rules (`guard/template`), compiled into the binary and run in-process by the
//! cfn-guard library: the same evaluator, version and rules as `cfn-guard validate`, so
//! `check` and a pipeline's cfn-guard give one verdict (tests/guard_rules.rs holds them
//! to it).
//!
//! What the report keeps of cfn-guard's answer is only ours: the rule's name, the path it
//! judged, and the message written in the rules file. cfn-guard's own error text quotes
//! the values it traversed (a function's whole `Environment.Variables`, secrets included),
//! so it is never read.

use cfn_guard::commands::Executable;
use cfn_guard::commands::validate::{OutputFormatType, ShowSummaryType};
use cfn_guard::utils::reader::{ReadBuffer, Reader};
use cfn_guard::utils::writer::{WriteBuffer, Writer};
use cfn_guard::{CommandBuilder, ValidateBuilder};
use serde_json::{Value, json};

use super::report::Violation;

/// `guard/template/lambda_profiling.guard`, as the repository has it.
pub const TEMPLATE_RULES: &str = include_str!("../../../../guard/template/lambda_profiling.guard");

/// The rules' input parameter that refuses opt-outs, as `--input-params` would give it.
const PARAMETERS_KEY: &str = "LambdaProfilingGuard";

/// Why the rules could not judge a template (never a quote of it).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JudgeError {
    #[error("cfn-guard could not evaluate the rules (exit {0})")]
    Evaluation(i32),
    #[error("cfn-guard's report could not be read")]
    Report,
}

/// Judges `template` (a whole template, as JSON) with the template rules; the violations,
/// in the order cfn-guard reports them, none twice.
pub fn judge(template: &Value, refuse_opt_outs: bool) -> Result<Vec<Violation>, JudgeError> {
    let mut data = template.clone();
    if let Value::Object(top) = &mut data {
        // The flag decides, not a key of the template that happens to have this name.
        top.shift_remove(PARAMETERS_KEY);
        if refuse_opt_outs {
            top.insert(PARAMETERS_KEY.into(), json!({"RefuseOptOuts": true}));
        }
    }
    // cfn-guard reads the data with its YAML loader, which refuses some characters JSON
    // allows, and on a refusal slices the text at byte 100, which may fall inside a
    // character: ASCII only, every other character escaped as YAML reads it.
    let payload = json!({"rules": [TEMPLATE_RULES], "data": [ascii_json(&data)]}).to_string();
    let mut reader = Reader::new(ReadBuffer::Cursor(std::io::Cursor::new(payload.into_bytes())));
    let mut writer = Writer::new_with_err(WriteBuffer::Vec(Vec::new()), WriteBuffer::Vec(Vec::new()))
        .map_err(|_| JudgeError::Evaluation(-1))?;
    let command = ValidateBuilder::default()
        .payload(true)
        .structured(true)
        .output_format(OutputFormatType::JSON)
        .show_summary(vec![ShowSummaryType::None])
        .try_build()
        .map_err(|_| JudgeError::Evaluation(-1))?;
    // 0: every rule passed; 19: a rule failed; anything else: the evaluation failed. A
    // panic of cfn-guard's is an evaluation that failed, and its message (which may quote
    // the data) is not printed.
    silence_cfn_guard_panics();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        command.execute(&mut writer, &mut reader)
    }));
    let code = match run {
        Ok(Ok(code)) => code,
        Ok(Err(_)) | Err(_) => return Err(JudgeError::Evaluation(-1)),
    };
    if code != 0 && code != 19 {
        return Err(JudgeError::Evaluation(code));
    }
    let text = writer.into_string().map_err(|_| JudgeError::Report)?;
    let report: Value = serde_json::from_str(&text).map_err(|_| JudgeError::Report)?;
    let ids: Vec<&str> = match template.get("Resources") {
        Some(Value::Object(resources)) => resources.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    let violations = violations(&report, &ids);
    match (code, violations.is_empty()) {
        (19, true) | (0, false) => Err(JudgeError::Report),
        _ => Ok(violations),
    }
}

/// The violations in cfn-guard's structured JSON report (a list with one entry per data
/// file): for each failing rule, each check that carries the rules file's message.
pub(crate) fn violations(report: &Value, ids: &[&str]) -> Vec<Violation> {
    let mut found = Vec::new();
    let files = report.as_array().map(Vec::as_slice).unwrap_or_default();
    for rule in files
        .iter()
        .flat_map(|f| f["not_compliant"].as_array().into_iter().flatten())
    {
        let name = rule["Rule"]["name"].as_str().unwrap_or("a rule");
        let mut clauses = Vec::new();
        collect_clauses(&rule["Rule"]["checks"], &mut clauses);
        let before = found.len();
        for clause in clauses {
            let message = clause["messages"]["custom_message"].as_str().unwrap_or("").trim();
            if !message.is_empty() {
                push_once(
                    &mut found,
                    Violation::new(name, first_path(&clause["check"]), message, ids),
                );
            }
        }
        if found.len() == before {
            // A failing check without a message of ours still fails the template.
            found.push(Violation::new(name, None, "", ids));
        }
    }
    found
}

fn push_once(found: &mut Vec<Violation>, v: Violation) {
    if !found.contains(&v) {
        found.push(v);
    }
}

/// Every `Clause` (`Unary` or `Binary`) under `node`, depth first.
fn collect_clauses<'a>(node: &'a Value, out: &mut Vec<&'a Value>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("Clause", Value::Object(kinds)) => out.extend(kinds.values()),
                    _ => collect_clauses(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_clauses(v, out)),
        _ => {}
    }
}

/// The first data path under a check (`/Resources/Id/Properties/...`): where it looked.
fn first_path(node: &Value) -> Option<String> {
    match node {
        Value::Object(map) => map.iter().find_map(|(key, value)| match value {
            Value::String(path) if key == "path" => Some(path.clone()),
            _ => first_path(value),
        }),
        Value::Array(items) => items.iter().find_map(first_path),
        _ => None,
    }
}

/// `value` as JSON text of ASCII only: every other character, and DEL, escaped as
/// `\uXXXX` (`\UXXXXXXXX` beyond the BMP: YAML's escape, where JSON would need a surrogate
/// pair that YAML refuses).
pub(crate) fn ascii_json(value: &Value) -> String {
    let text = value.to_string();
    if text.bytes().all(|b| b.is_ascii() && b != 0x7f) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        match c as u32 {
            // Outside strings JSON text is ASCII, so each of these is inside one.
            0x7f..=0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            0x10000.. => out.push_str(&format!("\\U{:08x}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// Once per process: a panic inside cfn-guard prints where it happened, never its
/// message (which may quote the data); any other panic is reported as before.
fn silence_cfn_guard_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            match info.location().filter(|l| l.file().contains("cfn-guard")) {
                Some(at) => eprintln!("cfn-guard panicked at {}:{}", at.file(), at.line()),
                None => previous(info),
            }
        }));
    });
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
