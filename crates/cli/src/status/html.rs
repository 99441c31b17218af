//! `status --format html`: one self-contained page a platform lead opens or attaches to a
//! ticket. Coverage per account and region first (profiled, broken, off and unsupported
//! as a stacked bar), then each broken function with its problems and their fixes, then
//! what could not be read. Pure: the report in, the page out; inline CSS, no script, no
//! fetch of anything. Every text read from AWS is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lambda_profiling_macro::assess::State;

use super::report::Report;

/// The states in the order the bars show them, with their colours.
const STATES: [(State, &str); 4] = [
    (State::Profiled, "#2e7d32"),
    (State::Broken, "#c62828"),
    (State::Off, "#9e9e9e"),
    (State::Unsupported, "#d7ccc8"),
];

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#212121}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse}\
td,th{padding:.3em .8em;text-align:left;vertical-align:top}tr+tr td{border-top:1px solid #eee}\
.bar{display:flex;width:24em;height:1.1em;background:#f5f5f5}.bar span{display:block;height:100%}\
.n{text-align:right;font-variant-numeric:tabular-nums}.key span{display:inline-block;width:.9em;\
height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}ul{margin:.2em 0;padding-left:1.2em}\
code{font-size:.95em}";

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// The account and region of a function's ARN.
fn place(arn: &str) -> (String, String) {
    let part = |i| arn.split(':').nth(i).unwrap_or_default().to_owned();
    (part(4), part(3))
}

impl Report {
    /// The page; `title` names the run (what was asked, for the heading).
    pub fn to_html(&self, title: &str) -> String {
        let mut counts: BTreeMap<(String, String), [usize; 4]> = BTreeMap::new();
        for f in &self.functions {
            let row = counts.entry(place(&f.function_arn)).or_default();
            let i = STATES
                .iter()
                .position(|(s, _)| *s == f.state)
                .expect("every state has a bar");
            row[i] += 1;
        }
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{t}</title><style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n",
            t = esc(title)
        );
        let s = &self.summary;
        let _ = writeln!(
            out,
            "<p>{} functions: {} profiled, {} broken, {} off, {} unsupported.</p>",
            self.functions.len(),
            s.profiled,
            s.broken,
            s.off,
            s.unsupported
        );
        coverage(&mut out, &counts);
        self.broken(&mut out);
        self.unread(&mut out);
        out.push_str("</body></html>\n");
        out
    }

    fn broken(&self, out: &mut String) {
        let broken: Vec<_> = self
            .functions
            .iter()
            .filter(|f| f.state == State::Broken)
            .collect();
        let _ = writeln!(out, "<h2>Broken functions ({})</h2>", broken.len());
        if broken.is_empty() {
            out.push_str("<p>None: every function with a trace of profiling has what it needs.</p>\n");
            return;
        }
        out.push_str("<table><tr><th>function</th><th>account</th><th>region</th><th>runtime</th><th>what to fix</th></tr>\n");
        for f in broken {
            let (account, region) = place(&f.function_arn);
            let problems: String = f
                .problems
                .iter()
                .map(|p| format!("<li>{}</li>", esc(p)))
                .collect();
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><ul>{problems}</ul></td></tr>",
                esc(&f.function_name),
                esc(&account),
                esc(&region),
                esc(f.runtime.as_deref().unwrap_or("-"))
            );
        }
        out.push_str("</table>\n");
    }

    /// What could not be read: the report is not whole without it.
    fn unread(&self, out: &mut String) {
        let said: Vec<&String> = self.missing.iter().chain(&self.warnings).collect();
        if said.is_empty() {
            return;
        }
        out.push_str("<h2>Not read</h2>\n<ul>\n");
        for s in said {
            let _ = writeln!(out, "<li>{}</li>", esc(s));
        }
        out.push_str("</ul>\n");
    }
}

fn coverage(out: &mut String, counts: &BTreeMap<(String, String), [usize; 4]>) {
    out.push_str("<h2>Coverage by account and region</h2>\n<p class=\"key\">");
    for (state, colour) in STATES {
        let _ = write!(
            out,
            "<span style=\"background:{colour}\"></span>{}",
            state.label()
        );
    }
    out.push_str("</p>\n<table><tr><th>account</th><th>region</th><th>functions</th>");
    for (state, _) in STATES {
        let _ = write!(out, "<th class=\"n\">{}</th>", state.label());
    }
    out.push_str("<th></th></tr>\n");
    for ((account, region), row) in counts {
        let total: usize = row.iter().sum();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{total}</td>",
            esc(account),
            esc(region)
        );
        for n in row {
            let _ = write!(out, "<td class=\"n\">{n}</td>");
        }
        out.push_str("<td><div class=\"bar\">");
        for ((state, colour), n) in STATES.iter().zip(row).filter(|(_, n)| **n > 0) {
            let width = 100.0 * *n as f64 / total as f64;
            let _ = write!(
                out,
                "<span style=\"width:{width:.2}%;background:{colour}\" title=\"{n} {}\"></span>",
                state.label()
            );
        }
        out.push_str("</div></td></tr>\n");
    }
    out.push_str("</table>\n");
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
