//! What `check` says about each template, for a person (text) or a pipeline (JSON).

use serde::Serialize;
use serde_json::{Value, json};

/// One failed check of the rules: which rule, where, and the rules file's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: String,
    /// The template's resource the check looked at (a function, or a function's role).
    pub resource: Option<String>,
    /// Where in the template, as a JSON pointer (`/Resources/Id/Properties/Layers`).
    pub path: Option<String>,
    /// What is missing.
    pub violation: String,
    /// How to fix it.
    pub fix: Option<String>,
}

impl Violation {
    /// From a rules file's message, `Violation: … Fix: …` over several indented lines;
    /// `ids` are the template's logical ids, which name the resource a path is under.
    pub fn new(rule: &str, path: Option<String>, message: &str, ids: &[&str]) -> Violation {
        let (violation, fix) = match message.split_once("Fix:") {
            Some((v, f)) => (v, Some(one_line(f))),
            None => (message, None),
        };
        let violation = one_line(violation.trim_start().trim_start_matches("Violation:"));
        let resource = path
            .as_deref()
            .and_then(|p| resource_of(p, ids))
            .map(str::to_string);
        Violation {
            rule: rule.to_string(),
            resource,
            path,
            violation: match violation.is_empty() {
                true => format!("the rule {rule} failed"),
                false => violation,
            },
            fix: fix.filter(|f| !f.is_empty()),
        }
    }
}

/// The resource a path (`/Resources/<id>/…`) is under: the longest logical id that
/// fits, since an id may hold a `/` (the path does not escape it).
fn resource_of<'i>(path: &str, ids: &[&'i str]) -> Option<&'i str> {
    let rest = path.strip_prefix("/Resources/")?;
    let fits = |id: &&&str| {
        rest.strip_prefix(**id)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
    };
    ids.iter().filter(fits).max_by_key(|id| id.len()).copied()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The verdict on one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every rule holds.
    Pass,
    /// These checks fail.
    Fail(Vec<Violation>),
    /// The template could not be judged: unreadable, or the macro refused it.
    Error(String),
}

/// One template's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The template as it was named on the command line.
    pub template: String,
    /// Whether the macro expanded it first (it declares `Transform: LambdaProfiling`).
    pub expanded: bool,
    pub verdict: Verdict,
    /// What the expansion said that bears on the verdict (loops left unexpanded, so their
    /// functions unjudged).
    pub notes: Vec<String>,
}

/// 0: every template passes; 1: a rule fails; 2: a template could not be judged.
pub fn exit_code(judged: &[Judged]) -> u8 {
    let worst = |v: &Verdict| match v {
        Verdict::Pass => 0,
        Verdict::Fail(_) => 1,
        Verdict::Error(_) => 2,
    };
    judged.iter().map(|j| worst(&j.verdict)).max().unwrap_or(0)
}

/// For a person: a line per template, then each violation with its fix.
pub fn text(judged: &[Judged]) -> String {
    let mut out = String::new();
    for j in judged {
        let how = if j.expanded {
            " (expanded by the macro)"
        } else {
            ""
        };
        let notes: String = j.notes.iter().map(|n| format!("  {n}\n")).collect();
        match &j.verdict {
            Verdict::Pass => out += &format!("pass  {}{how}\n{notes}", j.template),
            Verdict::Error(why) => out += &format!("error {}: {why}\n", j.template),
            Verdict::Fail(violations) => {
                out += &format!(
                    "FAIL  {}{how}: {} problem(s)\n{notes}",
                    j.template,
                    violations.len()
                );
                for v in violations {
                    let at = v.resource.as_deref().unwrap_or("the template");
                    out += &format!("  {at}: {} [{}]\n", v.violation, v.rule);
                    if let Some(fix) = &v.fix {
                        out += &format!("    fix: {fix}\n");
                    }
                }
            }
        }
    }
    out
}

/// For a pipeline: `{"templates": [{template, expanded, verdict, violations, error, notes}]}`.
pub fn json(judged: &[Judged]) -> Value {
    let templates: Vec<Value> = judged
        .iter()
        .map(|j| {
            let (verdict, violations, error) = match &j.verdict {
                Verdict::Pass => ("pass", json!([]), Value::Null),
                Verdict::Fail(v) => ("fail", json!(v), Value::Null),
                Verdict::Error(why) => ("error", json!([]), json!(why)),
            };
            json!({
                "template": j.template, "expanded": j.expanded, "verdict": verdict,
                "violations": violations, "error": error, "notes": j.notes,
            })
        })
        .collect();
    json!({ "templates": templates })
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
