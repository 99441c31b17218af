//! What the macro did to each function, for the CLI's summary.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionReport {
    pub id: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Profiled {
        runtime: String,
        group: String,
        layer: String,
        role: String,
    },
    /// Profiled only by a template-wide default, and it cannot be: left as it is.
    Skipped { reason: String },
    /// Not asked for (or `Profiling: false`).
    NotProfiled,
}

impl fmt::Display for FunctionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Profiled {
                runtime,
                group,
                layer,
                role,
            } => {
                write!(
                    f,
                    "{}: profiled ({runtime}); {group}; layer {layer}; {role}",
                    self.id
                )
            }
            Outcome::Skipped { reason } => write!(f, "{}: skipped, {reason}", self.id),
            Outcome::NotProfiled => write!(f, "{}: not profiled", self.id),
        }
    }
}
