//! lambda-profiling, the Lambda: one `bootstrap` that serves the CloudFormation macro
//! (answered by the pure `lambda-profiling-macro` crate) and the custom resource
//! `Custom::LambdaProfiling` (contract §3, in `docs/src/contract.md`), which acts on AWS
//! through the engine, `lambda-profiling-switch`.
//!
//! [`MacroLayer`] answers macro requests from the invocation's bytes, before the runtime
//! reads them; [`Handler`] serves the rest: custom resources, and anything unknown.

pub mod custom_resource;
mod handler;
mod layers;
mod macro_lane;

pub use handler::{Handler, init_logging, log_filter};
pub use layers::MacroLayers;
pub use macro_lane::MacroLayer;
