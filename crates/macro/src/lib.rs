//! The `LambdaProfiling` CloudFormation macro (contract §2, in `docs/src/contract.md`) as a pure function: a macro
//! request's text in, the response's bytes out, with a template or every problem found.
//! No I/O and no AWS dependency: the compiler keeps it so.
//!
//! One dispatcher ([`answer`]) chooses between two lanes that give the same bytes: the
//! splice lane (`splice/`: the common case, answered from the request's text) and the
//! general lane (`general/`: any template, planned function by function). What both
//! share is in `rules/`. The CodeGuru facts are [`agent`]; what a deployed function's
//! configuration says about its profiling, by the agent's own rules, is [`assess`].

pub mod agent;
pub mod assess;
mod context;
mod dispatch;
mod general;
mod problems;
mod report;
mod request;
mod response;
mod rules;
mod splice;
mod suggest;

pub use context::ParameterValues;
pub use dispatch::{Lanes, Options, answer, answer_published, answer_with};
pub use problems::{Problem, Problems};
pub use report::{FunctionOutcome, FunctionReport};
pub use response::{Answer, Lane, MacroStatus};
pub use splice::decline::Decline;
pub use suggest::closest;

/// The JSON Schema of `Profiling` and the transform's `Parameters` (`lambda-profiling schema`).
pub const SCHEMA: &str = rules::settings::SCHEMA;
