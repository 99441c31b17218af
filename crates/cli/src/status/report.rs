//! The report of `lambda-profiling status`: JSON for tools, a table for people, and the
//! exit code that gates a pipeline.

use serde::Serialize;

use super::assess::{FunctionStatus, State};
use crate::printable::printable;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub profiled: usize,
    pub broken: usize,
    pub off: usize,
    pub unsupported: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Sorted by ARN: by region, then name.
    pub functions: Vec<FunctionStatus>,
    pub summary: Summary,
    /// Said on stderr (for example: the stacks could not be read).
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// Functions named with `--function` that no region given has, with what to do: the
    /// others are reported, and the exit code says the report is not whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl Report {
    pub fn new(mut functions: Vec<FunctionStatus>, warnings: Vec<String>) -> Report {
        functions.sort_by(|a, b| a.function_arn.cmp(&b.function_arn));
        let count = |s: State| functions.iter().filter(|f| f.state == s).count();
        let summary = Summary {
            profiled: count(State::Profiled),
            broken: count(State::Broken),
            off: count(State::Off),
            unsupported: count(State::Unsupported),
        };
        Report {
            functions,
            summary,
            warnings,
            missing: Vec::new(),
        }
    }

    /// 1 when any function is in a state of `fail_on` (by default broken), so that `status`
    /// can gate a pipeline or an audit; 2 when a function named was not found (the report
    /// is not whole).
    pub fn exit_code(&self, fail_on: &[State]) -> u8 {
        if !self.missing.is_empty() {
            return 2;
        }
        u8::from(self.functions.iter().any(|f| fail_on.contains(&f.state)))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes") + "\n"
    }

    /// One row per function, each problem indented under it, then the summary. A REGION
    /// column only when the functions span regions, an ACCOUNT column only when they span
    /// accounts.
    pub fn to_table(&self) -> String {
        let spans = |part: usize| {
            let parts = self.functions.iter().map(|f| arn_part(&f.function_arn, part));
            parts.collect::<std::collections::BTreeSet<_>>().len() > 1
        };
        let (with_region, with_account) = (spans(3), spans(4));
        let mut rows: Vec<Vec<String>> = vec![];
        let mut header = vec!["FUNCTION", "RUNTIME", "STATE", "STACK", "PROFILING GROUP"];
        if with_region {
            header.insert(1, "REGION");
        }
        if with_account {
            header.insert(1, "ACCOUNT");
        }
        rows.push(header.into_iter().map(str::to_owned).collect());
        for f in &self.functions {
            let dash = || "-".to_owned();
            let mut row = vec![
                printable(&f.function_name),
                f.runtime.as_deref().map_or_else(dash, printable),
                f.state.label().to_owned(),
                f.stack.as_deref().map_or_else(dash, printable),
                f.profiling_group
                    .as_deref()
                    .filter(|_| matches!(f.state, State::Profiled | State::Broken))
                    .map_or_else(dash, |g| printable(&group_name(g))),
            ];
            if with_region {
                row.insert(1, arn_part(&f.function_arn, 3).to_owned());
            }
            if with_account {
                row.insert(1, arn_part(&f.function_arn, 4).to_owned());
            }
            rows.push(row);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for (i, row) in rows.iter().enumerate() {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
            if i > 0 {
                for problem in &self.functions[i - 1].problems {
                    out.push_str(&format!("    - {}\n", printable(problem)));
                }
                for note in &self.functions[i - 1].notes {
                    out.push_str(&format!("    note: {}\n", printable(note)));
                }
            }
        }
        let s = &self.summary;
        let total = self.functions.len();
        out.push_str(&format!(
            "\n{total} function{}: {} profiled, {} broken, {} off, {} unsupported\n",
            if total == 1 { "" } else { "s" },
            s.profiled,
            s.broken,
            s.off,
            s.unsupported
        ));
        out
    }
}

/// A part of an ARN: 3 is the region, 4 the account.
fn arn_part(arn: &str, part: usize) -> &str {
    arn.split(':').nth(part).unwrap_or_default()
}

fn group_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
