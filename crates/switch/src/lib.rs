//! lambda-profiling-switch: turns CodeGuru Profiler on and off on Lambda functions and
//! their roles in AWS, and keeps track of what it did so that it can undo exactly that.
//!
//! One engine for both callers: the Lambda's custom resource `Custom::LambdaProfiling`
//! (which adds CloudFormation's protocol around it) and the command line's `enable` and
//! `disable` ([`toggle`]). The lanes:
//!
//! - [`function`]: function mode, the add-and-undo of one function's configuration;
//! - [`role`]: role mode, the agent policy on a role the stack does not own;
//! - [`references`]: the references protocol, which keeps the users of a shared role or
//!   profiling group in a DynamoDB table, and the ledger of what each resource added;
//! - [`layers`]: what AWS publishes of the agent layers, asked at the edge and cached;
//! - [`aws`]: the clients, the administrator's settings, and AWS failures kept without
//!   their messages.
//!
//! What decides when something shared is created or removed is the protocol's state
//! machine in `lambda-profiling-protocol`, checked there over every interleaving.

pub mod aws;
pub mod error;
pub mod function;
pub(crate) mod group;
pub mod iam;
pub mod layers;
pub mod message;
pub mod properties;
pub mod references;
pub mod resource;
pub mod role;
pub mod toggle;

pub use aws::{
    Clients, DEFAULT_REFERENCE_TABLE, ReferenceTable, Settings, https_client, install_crypto_provider,
    lambda_client_from_env,
};
