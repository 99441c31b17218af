//! The report of `enable` and `disable` (feature `aws`): per function, a header, the plan's lines and
//! what became of it; problems on stderr; exit 1 when any function was refused or failed.

use std::fmt::Write as _;

use super::Printed;
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

/// The whole run's output: `verb` is `enable` or `disable`.
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
