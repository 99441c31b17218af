//! `enable --all` and `disable --all`: which of a region's functions a selection takes,
//! and what each of them is left out for. Pure: the listing and the tags come in, a
//! verdict per function goes out, and each verdict says why in the user's words.
//!
//! A selection never widens what a command may touch: `enable` takes only functions that
//! are off (never one with profiling set up, by hand or by a template, nor one its stack
//! owns without `--force`); `disable` takes only functions that carry the agent, and then
//! changes only those whose ledger says lambda-profiling enabled them.

use std::collections::BTreeSet;

use lambda_profiling_macro::assess::{self, Function, State};

/// Which functions: `--all`, narrowed by filters that must all hold.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Selection {
    /// Every function of the region that the filters admit (instead of names).
    #[arg(long, conflicts_with = "functions")]
    pub all: bool,
    /// Only functions with this tag (repeatable: every one must hold).
    #[arg(long = "tag", value_name = "KEY=VALUE", conflicts_with = "functions")]
    pub tags: Vec<String>,
    /// Only functions whose name matches this regular expression (a search: anchor it with
    /// ^ and $ to match the whole name).
    #[arg(long = "match", value_name = "REGEX", conflicts_with = "functions")]
    pub name_match: Option<String>,
    /// Only functions of this runtime (repeatable: any of them).
    #[arg(long = "runtime", value_name = "RUNTIME", conflicts_with = "functions")]
    pub runtimes: Vec<String>,
    /// Never this function, by name or ARN (repeatable); one that names no function listed
    /// is refused.
    #[arg(long = "exclude", value_name = "NAME", conflicts_with = "functions")]
    pub exclude: Vec<String>,
}

/// A selection whose flags are read: what [`Filter::admits`] checks.
#[derive(Debug)]
pub struct Filter {
    pub tags: Vec<(String, String)>,
    name: Option<regex_lite::Regex>,
    runtimes: BTreeSet<String>,
    exclude: BTreeSet<String>,
}

/// A flag of the selection that cannot be read: which, and how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("--tag {0:?}: write it as KEY=VALUE, such as --tag team=payments")]
    Tag(String),
    #[error("--match {pattern:?} is not a regular expression ({why}); such as --match '^payments-'")]
    Match { pattern: String, why: String },
}

impl Filter {
    pub fn new(s: &Selection) -> Result<Filter, SelectError> {
        let tags = s
            .tags
            .iter()
            .map(|t| match t.split_once('=') {
                Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
                _ => Err(SelectError::Tag(t.clone())),
            })
            .collect::<Result<_, _>>()?;
        let name = s
            .name_match
            .as_deref()
            .map(|p| {
                regex_lite::Regex::new(p).map_err(|e| SelectError::Match {
                    pattern: p.to_owned(),
                    why: e.to_string().lines().last().unwrap_or_default().trim().to_owned(),
                })
            })
            .transpose()?;
        Ok(Filter {
            tags,
            name,
            runtimes: s.runtimes.iter().cloned().collect(),
            exclude: s.exclude.iter().cloned().collect(),
        })
    }

    /// Whether the filters admit `f`; `tagged` is whether it holds every `--tag`.
    pub fn admits(&self, f: &Function, tagged: bool) -> bool {
        let runtime = f.runtime.as_deref().unwrap_or_default();
        tagged
            && self.excluding(f).is_none()
            && self.name.as_ref().is_none_or(|r| r.is_match(&f.name))
            && (self.runtimes.is_empty() || self.runtimes.contains(runtime))
    }

    /// The `--exclude` that names `f` (by name or ARN), if any.
    pub fn excluding(&self, f: &Function) -> Option<&str> {
        self.exclude
            .iter()
            .find(|e| **e == f.name || **e == f.arn)
            .map(String::as_str)
    }

    /// The `--exclude`s that `matched` does not hold: each names no function listed.
    pub fn unmatched_excludes<'a>(&'a self, matched: &BTreeSet<String>) -> Vec<&'a str> {
        self.exclude
            .iter()
            .filter(|e| !matched.contains(*e))
            .map(String::as_str)
            .collect()
    }
}

/// What a selection does with one admitted function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Planned, then acted on once confirmed.
    Take,
    /// Left as it is, and why.
    Skip(String),
}

/// `enable`: only what is off, supported, and not a stack's (unless `force`).
pub fn for_enable(f: &Function, force: bool) -> Verdict {
    let inspected = assess::inspect(f);
    match inspected.status.state {
        State::Unsupported => Verdict::Skip(format!("unsupported: {}", inspected.status.problems.join("; "))),
        State::Off => match (&f.stack, force) {
            (Some(stack), false) => Verdict::Skip(format!(
                "stack {stack} owns it: profile it in the stack (Transform: LambdaProfiling), or pass --force"
            )),
            _ => Verdict::Take,
        },
        _ => Verdict::Skip(
            "profiling is set up on it already (by hand, a template or lambda-profiling): lambda-profiling \
             status says whether it works"
                .into(),
        ),
    }
}

/// `disable` (and `enable --upgrade`): only what carries the agent, whatever its runtime
/// is now, and not a stack's (unless `force`); its ledger then says whether
/// lambda-profiling enabled it.
pub fn for_disable(f: &Function, force: bool) -> Verdict {
    match (assess::has_trace(f), &f.stack, force) {
        (false, _, _) => Verdict::Skip("not profiled".into()),
        (true, Some(stack), false) => Verdict::Skip(format!(
            "stack {stack} owns it: its template says whether it is profiled; pass --force to change what \
             lambda-profiling enable --force added"
        )),
        (true, _, _) => Verdict::Take,
    }
}

/// `--group-per-tag KEY`: the group a function's tag names, or why it is skipped.
pub fn group_of(key: &str, value: Option<&String>) -> Result<String, String> {
    let Some(value) = value else {
        return Err(format!(
            "no tag {key}: tag it (its value names its profiling group), or select it apart"
        ));
    };
    let valid = (1..=255).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match valid {
        true => Ok(value.clone()),
        false => Err(format!(
            "its tag {key} is {value:?}, which is not a profiling group name (1 to 255 letters, digits, - and _)"
        )),
    }
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
