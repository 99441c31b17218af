//! The role-reference protocol of `Custom::LambdaProfiling`.
//!
//! - [`machine`]: the protocol the product runs, one sans-IO state machine per operation
//!   (`Op::next(reply) -> Step::Call(call)`); the Lambda binds each [`model::Call`] to
//!   DynamoDB and IAM (`crates/switch/src/references/`).
//! - [`tag_format`]: the protocol of the versions before it (reference tags on the role), kept
//!   so that the checker shows what it gets wrong, and for mixed fleets.
//! - [`world`]: an abstract DynamoDB record and IAM with lagging reads; [`checker`]: the
//!   exhaustive scheduler over every interleaving, read outcome and crash; [`scenarios`].
//!
//! `cargo test -p lambda-profiling-protocol` runs a bounded configuration (a few seconds);
//! `cargo run --release -p lambda-profiling-protocol` the full report (see its `main.rs`).

/// The references' table of the macro stacks (`macro-template.yaml`'s default name), where
/// the command line looks unless told otherwise.
pub const DEFAULT_REFERENCE_TABLE: &str = "lambda-profiling-references";

pub mod checker;
pub mod machine;
pub mod model;
pub mod scenarios;
pub mod tag_format;
pub mod world;
