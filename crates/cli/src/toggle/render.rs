//! The report of `enable` and `disable` (feature `aws`): per function, a header, the plan's lines and
//! what became of it; problems on stderr; exit 1 when any function was refused or failed.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::fleet::Skipped;
use super::{Printed, Toggle, ToggleFormat};
use crate::printable::printable;
use lambda_profiling_switch::toggle::Effect;

/// What became of one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// As the user named it.
    pub function: String,
    /// What was read; `Err`: why nothing was changed (or what went wrong).
    pub result: Result<Effect, String>,
}

impl Line {
    /// Whether it changes (or, planned, would change) the function.
    pub fn changes(&self) -> bool {
        self.result.as_ref().is_ok_and(|e| !e.steps.is_empty())
    }

    /// One word for what became of it.
    fn outcome(&self, dry_run: bool) -> &'static str {
        match &self.result {
            Err(_) => "failed",
            Ok(e) if e.steps.is_empty() => "unchanged",
            Ok(_) if dry_run => "planned",
            Ok(e) if e.applied => "changed",
            Ok(_) => "unchanged",
        }
    }
}

/// The run's output in the format asked for; for a selection (`--all`), also what it
/// left as it is, and a count of each outcome.
pub fn report(toggle: Toggle<'_>, dry_run: bool, skipped: &[Skipped], lines: &[Line]) -> Printed {
    if toggle.common().format == ToggleFormat::Json {
        return as_json(toggle.verb(), dry_run, skipped, lines);
    }
    let mut out = render(toggle.verb(), dry_run, lines);
    if toggle.selection().all {
        for s in skipped {
            let (name, arn, why) = (printable(&s.name), printable(&s.arn), printable(&s.why));
            let _ = writeln!(out.stdout, "skip {name} ({arn}): {why}");
        }
        let counts = summary(dry_run, skipped, lines);
        let said: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let _ = writeln!(out.stdout, "{} --all: {}", toggle.verb(), said.join(", "));
    }
    out
}

/// Each outcome and how many functions had it.
fn summary(dry_run: bool, skipped: &[Skipped], lines: &[Line]) -> Vec<(&'static str, usize)> {
    let count = |o: &str| lines.iter().filter(|l| l.outcome(dry_run) == o).count();
    let mut counts: Vec<(&'static str, usize)> = ["planned", "changed", "unchanged", "failed"]
        .into_iter()
        .map(|o| (o, count(o)))
        .collect();
    counts.insert(3, ("skipped", skipped.len()));
    counts
}

fn as_json(verb: &str, dry_run: bool, skipped: &[Skipped], lines: &[Line]) -> Printed {
    let mut functions: Vec<Value> = lines
        .iter()
        .map(|l| {
            let mut entry = json!({"function": l.function, "outcome": l.outcome(dry_run)});
            match &l.result {
                Ok(e) => {
                    entry["functionArn"] = json!(e.function_arn);
                    entry["steps"] = json!(e.steps);
                    entry["note"] = json!(e.note);
                    entry["stack"] = json!(e.stack);
                }
                Err(why) => entry["error"] = json!(why),
            }
            entry
        })
        .collect();
    functions.extend(
        skipped.iter().map(
            |s| json!({"function": s.name, "functionArn": s.arn, "outcome": "skipped", "reason": s.why}),
        ),
    );
    let summary: serde_json::Map<String, Value> = summary(dry_run, skipped, lines)
        .into_iter()
        .map(|(k, n)| (k.to_owned(), json!(n)))
        .collect();
    let failed = lines.iter().any(|l| l.result.is_err());
    let report = json!({"command": verb, "dryRun": dry_run, "functions": functions, "summary": summary});
    Printed {
        stdout: format!("{report:#}\n"),
        stderr: String::new(),
        code: u8::from(failed),
    }
}

/// The whole run's output as a table: `verb` is `enable` or `disable`.
pub fn render(verb: &str, dry_run: bool, lines: &[Line]) -> Printed {
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let mut failed = 0;
    for line in lines {
        match &line.result {
            Ok(done) => {
                let (function, arn) = (printable(&line.function), printable(&done.function_arn));
                let _ = writeln!(stdout, "{verb} {function} ({arn})");
                if let Some(stack) = &done.stack {
                    let _ = writeln!(
                        stdout,
                        "  note: stack {} owns it, and --force was given: the stack's next update may undo this",
                        printable(stack)
                    );
                }
                let prefix = if dry_run { "would " } else { "" };
                for step in &done.steps {
                    let _ = writeln!(stdout, "  {prefix}{}", printable(step));
                }
                let verdict = match (&done.note, dry_run, done.applied) {
                    (Some(note), _, _) if done.steps.is_empty() => {
                        format!("nothing to do: {}", printable(note))
                    }
                    (_, true, _) => "dry run: nothing was changed".to_owned(),
                    (_, false, true) => match verb {
                        "enable" => "done: CodeGuru Profiler is on".to_owned(),
                        _ => "done: what enable added is removed".to_owned(),
                    },
                    (_, false, false) => "nothing was changed".to_owned(),
                };
                let _ = writeln!(stdout, "  {verdict}");
            }
            Err(why) => {
                failed += 1;
                let (function, why) = (printable(&line.function), printable(why));
                let _ = writeln!(stderr, "error: {verb} {function}: {why}");
            }
        }
    }
    if failed > 0 && lines.len() > 1 {
        let _ = writeln!(stderr, "{failed} of {} functions failed", lines.len());
    }
    Printed {
        stdout,
        stderr,
        code: u8::from(failed > 0),
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
