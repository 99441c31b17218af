//! `lambda-profiling enable` and `disable`: function mode's add-and-undo, asked
//! for by a person at a terminal instead of by a stack.
//!
//! The same code as `Custom::LambdaProfiling` with `FunctionName` does the work, with the
//! same ledger and the same role references in the same table, under one holder identity
//! for the command line ([`HOLDER`]): so `disable` removes exactly what `enable` added, and
//! a policy a stack's resource needs on a shared role is never detached by `disable`.
//! What is read first (the function, its stack tag, the ledger, the group, the role) makes
//! the plan that is printed; `--dry-run` stops there.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod calls;
mod disable;
mod enable;
mod plan;

pub use disable::disable;
pub use enable::enable;

use crate::aws::{Clients, Settings};
use crate::error::Error;
use crate::function::calls::read_settled;
use crate::function::config::Snapshot;
use crate::function::physical_id;
use crate::message::Reader;
use crate::properties::Properties;
use crate::references::ledger;
use crate::references::record;
use crate::resource::StackResource;
use calls::stack_of;

/// The stack-id part of the command line's references and ledgers, and of the owner tag
/// of the groups it creates; the function's ARN is the logical-id part. So `disable`, from
/// any workstation, finds what `enable` recorded, and a group one function's `enable`
/// created is never taken for another's.
pub const HOLDER: &str = "lambda-profiling-cli";
/// A run's deadline, which bounds the protocol's waits and its lease (see `references`).
const DEADLINE: Duration = Duration::from_secs(300);

/// One function to enable or disable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Job {
    /// A name, or a full or partial ARN of the unqualified function.
    pub function: String,
    /// `enable` only: the group [default: `aws-lambda-<function name>`, as the console names it].
    pub group_name: Option<String>,
    /// `enable` only: the agent layer version to add [default: the published one for the runtime].
    pub layer_arn: Option<String>,
    /// `enable` only: act only on a function whose agent layer lambda-profiling added,
    /// moving it to the newest version the region publishes for its runtime.
    pub upgrade: bool,
    /// Change a function that a CloudFormation stack owns.
    pub force: bool,
    /// Print the plan; change nothing.
    pub dry_run: bool,
}

/// What was (or, in a dry run, would be) done to one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub function_arn: String,
    /// The stack that owns the function (its `aws:cloudformation:stack-name` tag), if any.
    pub stack: Option<String>,
    /// One line per change; empty: nothing to do.
    pub steps: Vec<String>,
    /// Why there is nothing to do, when there is not.
    pub note: Option<String>,
    pub applied: bool,
    /// `enable`: the ARN of the profiling group it creates (or, planned, would create), so
    /// that a plan over many functions can count them against the account's quota.
    pub new_group: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ToggleError {
    #[error("function {function} does not exist in {region}: check its name and --region")]
    NotFound { function: String, region: String },
    #[error(
        "{function} belongs to CloudFormation stack {stack}: a direct change drifts from the stack, and \
         its next update may undo it. {fix}, or pass --force to change it anyway"
    )]
    InStack {
        function: String,
        stack: String,
        /// How to make the change in the stack instead.
        fix: &'static str,
    },
    /// The request or the function cannot be profiled as it is (function mode's own words).
    #[error("{0}")]
    Refused(String),
    /// An AWS call or a limit stopped it; the message says what to do.
    #[error("{message}")]
    Failed {
        message: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl From<Error> for ToggleError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(m) | Error::Unsupported(m) => ToggleError::Refused(m.render(Reader::CommandLine)),
            other => ToggleError::Failed {
                message: other.render(Reader::CommandLine),
                source: Box::new(other),
            },
        }
    }
}

/// The command line's resource for one function.
fn holder<'a>(function_arn: &'a str, request_id: &'a str) -> StackResource<'a> {
    StackResource {
        stack_id: HOLDER,
        logical_id: function_arn,
        request_id,
    }
}

fn reference_id(function_arn: &str) -> u64 {
    ledger::reference_id(HOLDER, function_arn, &physical_id(function_arn))
}

/// Properties as function mode parses them, so that bad input gets its errors.
fn properties(
    request: &Job,
    group_name: Option<&str>,
    layer_arn: Option<&str>,
) -> Result<Properties, ToggleError> {
    let mut props = json!({ "FunctionName": request.function });
    if let Some(name) = group_name {
        props["ProfilingGroupName"] = Value::from(name);
    }
    // The administrator's list of layer accounts guards the shared Lambda against stack
    // authors; here the caller acts with their own credentials, so their layer is theirs.
    let mut settings = Settings::default();
    if let Some(arn) = layer_arn {
        props["LayerArn"] = Value::from(arn);
        let layer = lambda_profiling_macro::agent::parse_layer_arn(arn);
        settings.allowed_layer_accounts = layer.as_ref().map(|l| l.account.to_owned()).into_iter().collect();
        settings.allowed_layer_names = layer.map(|l| l.name.to_owned()).into_iter().collect();
    }
    Properties::parse(&props, &settings).map_err(|m| ToggleError::Refused(m.render(Reader::CommandLine)))
}

/// The function, settled, and the stack that owns it; refused when owned without `force`,
/// and when its ARN names another region than the one the clients act in (where it would
/// not be found, and `disable` would take it for deleted and release its references).
async fn function(
    clients: &Clients,
    request: &Job,
    turning: Turning,
) -> Result<(Snapshot, Option<String>), ToggleError> {
    if let Some(region) = is_function_arn(&request.function)
        .then(|| request.function.split(':').nth(3))
        .flatten()
        .filter(|r| *r != clients.region)
    {
        return Err(ToggleError::Refused(format!(
            "{} is in {region}, not in {} where this runs: pass --region {region}",
            request.function, clients.region
        )));
    }
    let snap = read_settled(clients, &request.function)
        .await?
        .ok_or_else(|| ToggleError::NotFound {
            function: request.function.clone(),
            region: clients.region.clone(),
        })?;
    let stack = stack_of(clients, &snap.arn).await?;
    if let Some(stack) = stack.as_ref().filter(|_| !request.force) {
        return Err(ToggleError::InStack {
            function: snap.name().to_owned(),
            stack: stack.clone(),
            fix: match turning {
                Turning::On => {
                    "Turn profiling on in the stack (Transform: LambdaProfiling and Profiling: true on the function)"
                }
                Turning::Off => {
                    "Turn profiling off in the stack (Profiling: false on the function, or remove its \
                     Custom::LambdaProfiling resource)"
                }
            },
        });
    }
    Ok((snap, stack))
}

/// Which way a command turns profiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turning {
    On,
    Off,
}

fn is_function_arn(name: &str) -> bool {
    name.starts_with("arn:") && name.split(':').nth(5) == Some("function")
}

fn request_id() -> String {
    format!("cli-{}", record::now_epoch_secs())
}

fn deadline() -> Instant {
    Instant::now() + DEADLINE
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod errors_tests;
