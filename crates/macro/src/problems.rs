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
