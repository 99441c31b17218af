//! What the macro did to each function, for the CLI's summary.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionReport {
    pub id: String,
    pub outcome: FunctionOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionOutcome {
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
            FunctionOutcome::Profiled {
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
            FunctionOutcome::Skipped { reason } => write!(f, "{}: skipped, {reason}", self.id),
            FunctionOutcome::NotProfiled => write!(f, "{}: not profiled", self.id),
        }
    }
}
