//! `lambda-profiling enable` and `disable` (issue 14): function mode's add-and-undo, asked
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

use super::direct_plan::{self, RolePolicy};
use super::error::Error;
use super::function_calls::read_settled;
use super::function_config::{self, Snapshot};
use super::function_mode::{self, physical_id};
use super::group::{self, Ownership};
use super::ledger::{self, Ledger};
use super::outcome::StackResource;
use super::record::{self, Record};
use super::request::Properties;
use super::{references, role, table};
use crate::aws::{Clients, Settings};
use lambda_profiling_macro::agent::env;

/// The stack-id part of the command line's references and ledgers, and of the owner tag
/// of the groups it creates: one identity, so that `disable` finds what `enable` recorded.
pub const HOLDER: &str = "lambda-profiling-cli";
const LOGICAL_ID: &str = "enable";
/// A run's deadline, which bounds the protocol's waits and its lease (see `references`).
const DEADLINE: Duration = Duration::from_secs(300);

/// One function to enable or disable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// A name, or a full or partial ARN of the unqualified function.
    pub function: String,
    /// `enable` only: the group [default: `aws-lambda-<function name>`, as the console names it].
    pub group_name: Option<String>,
    /// `enable` only: the agent layer version to add [default: the published one for the runtime].
    pub layer_arn: Option<String>,
    /// Change a function that a CloudFormation stack owns.
    pub force: bool,
    /// Print the plan; change nothing.
    pub dry_run: bool,
}

/// What was (or, in a dry run, would be) done to one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub function_arn: String,
    /// The stack that owns the function (its `aws:cloudformation:stack-name` tag), if any.
    pub stack: Option<String>,
    /// One line per change; empty: nothing to do.
    pub steps: Vec<String>,
    /// Why there is nothing to do, when there is not.
    pub note: Option<String>,
    pub applied: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectError {
    #[error("function {function} does not exist in {region}: check its name and --region")]
    NotFound { function: String, region: String },
    #[error(
        "{function} belongs to CloudFormation stack {stack}: a direct change drifts from the stack, and \
         its next update may undo it. Turn profiling on in the stack (Transform: LambdaProfiling and \
         Profiling: true on the function), or pass --force to change it anyway"
    )]
    InStack { function: String, stack: String },
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

impl From<Error> for DirectError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(m) | Error::Unsupported(m) => DirectError::Refused(for_cli(&m)),
            other => DirectError::Failed {
                message: for_cli(&other.to_string()),
                source: Box::new(other),
            },
        }
    }
}

/// Function mode's messages name its properties; here they are flags.
fn for_cli(message: &str) -> String {
    [
        (
            "check RoleArn, or the function's execution role",
            "check the function's execution role",
        ),
        ("check FunctionName", "check the function's name"),
        ("FunctionName", "the function"),
        ("ProfilingGroupName", "--profiling-group-name"),
        ("LayerArn", "--layer-arn"),
        (
            "give every macro stack of this account the same HomeRegion",
            "pass the macro stacks' HomeRegion as --reference-region",
        ),
    ]
    .iter()
    .fold(message.to_owned(), |m, (from, to)| m.replace(from, to))
}

fn holder(request_id: &str) -> StackResource<'_> {
    StackResource {
        stack_id: HOLDER,
        logical_id: LOGICAL_ID,
        request_id,
    }
}

/// Properties as function mode parses them, so that bad input gets its errors.
fn properties(
    request: &Request,
    group_name: Option<&str>,
    layer_arn: Option<&str>,
) -> Result<Properties, DirectError> {
    let mut props = json!({ "FunctionName": request.function });
    if let Some(name) = group_name {
        props["ProfilingGroupName"] = Value::from(name);
    }
    // The administrator's list of layer accounts guards the shared Lambda against stack
    // authors; here the caller acts with their own credentials, so their layer is theirs.
    let mut settings = Settings::default();
    if let Some(arn) = layer_arn {
        props["LayerArn"] = Value::from(arn);
        settings.allowed_layer_accounts = arn.split(':').nth(4).map(str::to_owned).into_iter().collect();
    }
    Properties::parse(&props, &settings).map_err(|m| DirectError::Refused(for_cli(&m)))
}

/// The function, settled, and the stack that owns it; refused when owned without `force`.
async fn function(clients: &Clients, request: &Request) -> Result<(Snapshot, Option<String>), DirectError> {
    let snap = read_settled(clients, &request.function)
        .await?
        .ok_or_else(|| DirectError::NotFound {
            function: request.function.clone(),
            region: clients.region.clone(),
        })?;
    let stack = stack_of(clients, &snap.arn).await?;
    if let Some(stack) = stack.as_ref().filter(|_| !request.force) {
        return Err(DirectError::InStack {
            function: snap.name().to_owned(),
            stack: stack.clone(),
        });
    }
    Ok((snap, stack))
}

async fn stack_of(clients: &Clients, arn: &str) -> Result<Option<String>, Error> {
    let out = clients.lambda.list_tags().resource(arn).send().await;
    let out = out.map_err(|e| Error::aws("lambda:ListTags", arn, e))?;
    Ok(out
        .tags()
        .and_then(|t| t.get("aws:cloudformation:stack-name"))
        .cloned())
}

/// `lambda-profiling enable`: the console's toggle, recorded in the shared ledger.
pub async fn enable(clients: &Clients, request: &Request) -> Result<Report, DirectError> {
    let probe = properties(
        request,
        request.group_name.as_deref(),
        request.layer_arn.as_deref(),
    )?;
    let (snap, stack) = function(clients, request).await?;
    let id = ledger::reference_id(HOLDER, LOGICAL_ID, &physical_id(&snap.arn));
    let previous = match references::read_ledger(clients, id).await? {
        Some(item) => Ledger::decode(&item.ledger),
        None => Ledger::default(),
    };
    let desired = function_config::desired(&snap, &probe, &previous).map_err(Error::Unsupported)?;
    let change = function_config::enable(&snap, &desired, &previous).map_err(Error::Unsupported)?;
    let owner_tag = ledger::owner_value(HOLDER, LOGICAL_ID);
    let owner = group::Owner {
        resource: &owner_tag,
        function_arn: &snap.arn,
    };
    let (ownership, attached) = tokio::join!(
        group::owned(clients, &desired.group, owner),
        role::is_attached(clients, &snap.role)
    );
    let policy = match attached?.ok_or_else(|| role::missing_role(&snap.role))? {
        true => RolePolicy::AlreadyHeld,
        false => RolePolicy::Attach,
    };
    let steps = direct_plan::enable_steps(&snap, &desired, &change, ownership? != Ownership::Missing, policy);
    let mut report = Report {
        function_arn: snap.arn.clone(),
        stack,
        note: (!change.changes(&snap)).then(|| "its configuration already has the agent".to_owned()),
        steps,
        applied: false,
    };
    if request.dry_run {
        return Ok(report);
    }
    let deadline = Instant::now() + DEADLINE;
    let request_id = format!("cli-{}", record::now_epoch_secs());
    // By ARN: the function read is the one changed, whatever region the name resolved in.
    let by_arn = Request {
        function: snap.arn.clone(),
        ..request.clone()
    };
    let props = properties(
        &by_arn,
        request.group_name.as_deref(),
        request.layer_arn.as_deref(),
    )?;
    function_mode::enable(clients, &holder(&request_id), &props, None, deadline).await?;
    report.applied = true;
    Ok(report)
}

/// `lambda-profiling disable`: takes back what `enable` recorded, nothing else.
pub async fn disable(clients: &Clients, request: &Request) -> Result<Report, DirectError> {
    properties(request, None, None)?;
    let (snap, stack) = function(clients, request).await?;
    let id = ledger::reference_id(HOLDER, LOGICAL_ID, &physical_id(&snap.arn));
    let (item, record) = tokio::join!(
        references::read_ledger(clients, id),
        table::get(clients, record::role_key(&snap.role))
    );
    let mut report = Report {
        function_arn: snap.arn.clone(),
        stack,
        steps: Vec::new(),
        note: None,
        applied: false,
    };
    let Some(item) = item? else {
        let traces = snap.vars.contains_key(env::GROUP_NAME) || snap.vars.contains_key(env::GROUP_ARN);
        report.note = Some(match traces {
            true => "lambda-profiling enable did not turn profiling on for it: its profiling was turned on \
                     elsewhere (the console, a stack); turn it off there"
                .to_owned(),
            false => "lambda-profiling enable did not turn profiling on for it".to_owned(),
        });
        return Ok(report);
    };
    let recorded = Ledger::decode(&item.ledger);
    // The group and layer enable used are the ones the ledger says it added.
    let group_name = recorded
        .vars
        .contains(env::GROUP_NAME)
        .then(|| snap.vars.get(env::GROUP_NAME).cloned())
        .flatten();
    let props = properties(
        &Request {
            function: snap.arn.clone(),
            ..request.clone()
        },
        group_name.as_deref(),
        recorded.layer.as_deref(),
    )?;
    let desired = function_config::desired(&snap, &props, &recorded).ok();
    let change = match &desired {
        Some(d) => function_config::disable(&snap, d, &recorded),
        // Its agent cannot be told (its runtime changed since): function mode leaves it as it is.
        None => function_config::Change {
            layers: snap.layers.clone(),
            vars: snap.vars.clone(),
            handler: None,
            added: Ledger::default(),
        },
    };
    let owner_tag = ledger::owner_value(HOLDER, LOGICAL_ID);
    let owner = group::Owner {
        resource: &owner_tag,
        function_arn: &snap.arn,
    };
    let group_ours = match &desired {
        Some(d) => group::owned(clients, &d.group, owner).await? == Ownership::Ours,
        None => false,
    };
    let policy = after_release(record?.as_ref(), id);
    report.steps = direct_plan::disable_steps(&snap, desired.as_ref(), &change, group_ours, policy);
    if request.dry_run {
        return Ok(report);
    }
    let deadline = Instant::now() + DEADLINE;
    let request_id = format!("cli-{}", record::now_epoch_secs());
    function_mode::disable(clients, &holder(&request_id), &snap.arn, Some(&props), deadline).await?;
    report.applied = true;
    Ok(report)
}

/// What releasing reference `id` does to the role's policy, from its record.
fn after_release(record: Option<&record::Attributes>, id: u64) -> RolePolicy {
    let Some(record) = record.map(|r| Record::read(r, record::now_epoch_secs())) else {
        return RolePolicy::KeptAsUsers;
    };
    let others = record.sharing() - usize::from(record.item.refs.contains(&id));
    match (others, record.item.ours) {
        (0, Some(true)) => RolePolicy::Detach,
        (0, _) => RolePolicy::KeptAsUsers,
        (others, _) => RolePolicy::KeptForOthers { others },
    }
}
