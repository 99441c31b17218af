//! Problems found in a template: each names where it is and how to fix it.

use std::fmt;

/// One problem, at a template path such as `Resources.Api.Properties.Profiling`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The advice an explicit request gets when the function cannot be profiled.
pub(crate) const OPT_OUT: &str = "remove Profiling from this function";

impl Problem {
    /// Why a function the template-wide default covers is skipped: the problem without
    /// the advice to remove `Profiling`, which such a function does not have.
    pub(crate) fn skip_reason(&self) -> String {
        let message = [", and ", ", or ", "; ", " or ", ", "]
            .iter()
            .find_map(|joint| self.message.strip_suffix(&format!("{joint}{OPT_OUT}")))
            .unwrap_or(&self.message);
        format!("{}: {message}", self.path)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in one run of the macro, in template order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "LambdaProfiling found {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.0 {
            write!(f, "\n- {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// The result of a check that may find several problems.
pub type Checked<T> = Result<T, Vec<Problem>>;

/// Shorthand for a single problem.
pub fn fail<T>(path: &str, message: impl Into<String>) -> Checked<T> {
    Err(vec![Problem::new(path, message)])
}

/// The value of a check, its problems moved into `problems`.
pub fn collect<T>(r: Checked<T>, problems: &mut Vec<Problem>) -> Option<T> {
    r.map_err(|p| problems.extend(p)).ok()
}
