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

use super::direct_calls::{self, other_user, stack_of};
use super::direct_plan::{self, GroupFate, RolePolicy};
use super::error::Error;
use super::function_calls::read_settled;
use super::function_config::{self, Snapshot};
use super::function_mode::{self, physical_id};
use super::group::{self, Ownership};
use super::ledger::{self, Ledger};
use super::outcome::StackResource;
use super::record::{self, LedgerItem, Record};
use super::request::Properties;
use super::{references, role, table};
use crate::aws::{Clients, Settings};
use lambda_profiling_macro::agent::{self, env};

/// The stack-id part of the command line's references and ledgers, and of the owner tag
/// of the groups it creates; the function's ARN is the logical-id part. So `disable`, from
/// any workstation, finds what `enable` recorded, and a group one function's `enable`
/// created is never taken for another's.
pub const HOLDER: &str = "lambda-profiling-cli";
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

/// Function mode's messages name its properties and speak to stack authors; here they
/// name flags and speak to the caller. Only whole phrases of its own are replaced, never
/// a bare word (a function's name could hold one).
fn for_cli(message: &str) -> String {
    [
        ("check RoleArn, or the function's execution role", "check the function's execution role"),
        ("check FunctionName", "check the function's name"),
        ("FunctionName \"", "the function \""),
        ("remove ProfilingGroupName", "remove --profiling-group-name"),
        ("give ProfilingGroupName", "give --profiling-group-name"),
        ("LayerArn \"", "--layer-arn \""),
        ("give LayerArn", "give --layer-arn"),
        (
            "give every macro stack of this account the same HomeRegion",
            "pass the macro stacks' HomeRegion as --reference-region",
        ),
        (
            "The lambda-profiling execution role lacks this permission: update the macro stack's role or its FunctionScope parameter",
            "Your credentials lack this permission: grant it (the README lists what enable and disable need)",
        ),
        ("retry the stack operation later", "run it again later"),
        ("what this Create had changed", "what this enable had changed"),
    ]
    .iter()
    .fold(message.to_owned(), |m, (from, to)| m.replace(from, to))
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

/// `lambda-profiling enable`: the console's toggle, recorded in the shared ledger.
pub async fn enable(clients: &Clients, request: &Request) -> Result<Report, DirectError> {
    let (group_name, layer_arn) = (request.group_name.as_deref(), request.layer_arn.as_deref());
    let probe = properties(request, group_name, layer_arn)?;
    let (snap, stack) = function(clients, request).await?;
    let previous = match references::read_ledger(clients, reference_id(&snap.arn)).await? {
        Some(item) => Ledger::decode(&item.ledger),
        None => Ledger::default(),
    };
    let desired = function_config::desired(&snap, &probe, &previous).map_err(Error::Unsupported)?;
    let change = function_config::enable(&snap, &desired, &previous).map_err(Error::Unsupported)?;
    let owner_tag = ledger::owner_value(HOLDER, &snap.arn);
    let owner = group::Owner {
        resource: &owner_tag,
        function_arn: &snap.arn,
    };
    // A group the function's own variables name is used as it is: never looked up.
    let exists = async {
        match desired.users_group {
            true => Ok::<_, Error>(true),
            false => Ok(group::owned(clients, &desired.group, owner).await? != Ownership::Missing),
        }
    };
    let (exists, attached) = tokio::join!(exists, role::is_attached(clients, &snap.role));
    let policy = match attached?.ok_or_else(|| role::missing_role(&snap.role))? {
        true => RolePolicy::AlreadyHeld,
        false => RolePolicy::Attach,
    };
    let mut report = Report {
        function_arn: snap.arn.clone(),
        stack,
        note: (!change.changes(&snap)).then(|| "its configuration already has the agent".to_owned()),
        steps: direct_plan::enable_steps(&snap, &desired, &change, exists?, policy),
        applied: false,
    };
    if request.dry_run {
        return Ok(report);
    }
    // By ARN: the function read is the one changed.
    let by_arn = Request {
        function: snap.arn.clone(),
        ..request.clone()
    };
    let props = properties(&by_arn, group_name, layer_arn)?;
    let request_id = request_id();
    let resource = holder(&snap.arn, &request_id);
    function_mode::enable(clients, &resource, &props, None, deadline()).await?;
    report.applied = true;
    Ok(report)
}

/// `lambda-profiling disable`: takes back what `enable` recorded, nothing else.
pub async fn disable(clients: &Clients, request: &Request) -> Result<Report, DirectError> {
    properties(request, None, None)?;
    let (snap, stack) = match function(clients, request).await {
        Err(DirectError::NotFound { .. }) if is_function_arn(&request.function) => {
            return disable_gone(clients, request).await;
        }
        found => found?,
    };
    let id = reference_id(&snap.arn);
    let mut report = Report {
        function_arn: snap.arn.clone(),
        stack,
        steps: Vec::new(),
        note: None,
        applied: false,
    };
    let Some(item) = references::read_ledger(clients, id).await? else {
        report.note = Some(not_enabled(&snap, clients));
        return Ok(report);
    };
    let recorded = Ledger::decode(&item.ledger);
    let props = recorded_properties(&snap, &recorded)?;
    let desired = function_config::desired(&snap, &props, &recorded).map_err(|why| {
        DirectError::Refused(format!(
            "cannot tell what enable added to {} ({}); nothing was changed: put the function back as it was \
             (its runtime, say) and run disable again",
            snap.name(),
            for_cli(&why)
        ))
    })?;
    let change = function_config::disable(&snap, &desired, &recorded);
    let owner_tag = ledger::owner_value(HOLDER, &snap.arn);
    let owner = group::Owner {
        resource: &owner_tag,
        function_arn: &snap.arn,
    };
    let group = match desired.users_group {
        true => GroupFate::KeepNotOurs,
        false => match group::owned(clients, &desired.group, owner).await? {
            Ownership::Ours => match other_user(clients, &desired.group, &snap.arn).await? {
                Some(other) => {
                    let theirs = references::read_ledger(clients, reference_id(&other))
                        .await?
                        .is_some();
                    GroupFate::KeepInUse { other, theirs }
                }
                None => GroupFate::Delete,
            },
            Ownership::Missing | Ownership::Others => GroupFate::KeepNotOurs,
        },
    };
    // The role the reference is on is the ledger's (the function may have another now).
    let policy = after_release(clients, &item, id).await?;
    report.steps = direct_plan::disable_steps(&snap, &desired, &change, &group, (&item.role, policy));
    if request.dry_run {
        return Ok(report);
    }
    let request_id = request_id();
    let resource = holder(&snap.arn, &request_id);
    if let GroupFate::KeepInUse { other, theirs: true } = &group {
        direct_calls::hand_over(
            clients,
            &desired.group,
            &ledger::owner_value(HOLDER, other),
            other,
        )
        .await?;
    }
    let keep_group = group != GroupFate::Delete;
    function_mode::disable_keeping(
        clients,
        &resource,
        &snap.arn,
        Some(&props),
        deadline(),
        keep_group,
    )
    .await?;
    report.applied = true;
    Ok(report)
}

/// A function deleted after `enable`, named by its ARN: its reference on the role is released.
async fn disable_gone(clients: &Clients, request: &Request) -> Result<Report, DirectError> {
    let arn = request.function.as_str();
    let id = reference_id(arn);
    let Some(item) = references::read_ledger(clients, id).await? else {
        return Err(DirectError::NotFound {
            function: arn.to_owned(),
            region: clients.region.clone(),
        });
    };
    let policy = after_release(clients, &item, id).await?;
    let mut report = Report {
        function_arn: arn.to_owned(),
        stack: None,
        steps: direct_plan::gone_steps(&item.role, policy),
        note: None,
        applied: false,
    };
    if !request.dry_run {
        let request_id = request_id();
        function_mode::disable(clients, &holder(arn, &request_id), arn, None, deadline()).await?;
        report.applied = true;
    }
    Ok(report)
}

/// What `enable` used, from what the ledger says it added: the group its variables name
/// (the ARN first: a user who retargets the group edits the name, rarely the ARN) and its
/// layer, so `disable` needs neither flag again.
fn recorded_properties(snap: &Snapshot, recorded: &Ledger) -> Result<Properties, DirectError> {
    let ours = |name: &str| {
        recorded
            .vars
            .contains(name)
            .then(|| snap.vars.get(name))
            .flatten()
    };
    let group_name = match (ours(env::GROUP_ARN), ours(env::GROUP_NAME)) {
        (Some(arn), _) => agent::parse_group_arn(arn).map(|g| g.name.to_owned()),
        (None, name) => name.cloned(),
    };
    // An ARN too long for the ledger is recorded empty; the default is then planned.
    let layer = recorded
        .layer
        .as_deref()
        .filter(|l| agent::parse_layer_arn(l).is_some());
    let by_arn = Request {
        function: snap.arn.clone(),
        ..Request::default()
    };
    properties(&by_arn, group_name.as_deref(), layer)
}

/// Why `disable` has nothing of `enable`'s to take back.
fn not_enabled(snap: &Snapshot, clients: &Clients) -> String {
    let table = &clients.table;
    let mut note = format!(
        "lambda-profiling enable has not turned profiling on for it (no entry in the table {} in {}; if \
         enable ran with another --reference-table or --reference-region, give the same)",
        table.name, table.region
    );
    if snap.vars.contains_key(env::GROUP_NAME) || snap.vars.contains_key(env::GROUP_ARN) {
        note.push_str("; its profiling was turned on another way (the console, a stack): turn it off there");
    }
    note
}

/// What releasing reference `id` does to the policy of the ledger's role, from its record.
async fn after_release(clients: &Clients, item: &LedgerItem, id: u64) -> Result<RolePolicy, DirectError> {
    let record = table::get(clients, record::role_key(&item.role)).await?;
    let Some(record) = record.map(|r| Record::read(&r, record::now_epoch_secs())) else {
        return Ok(RolePolicy::KeptAsUsers);
    };
    let others = record.sharing() - usize::from(record.item.refs.contains(&id));
    Ok(match (others, record.item.ours) {
        (0, Some(true)) => RolePolicy::Detach,
        (0, _) => RolePolicy::KeptAsUsers,
        (others, _) => RolePolicy::KeptForOthers { others },
    })
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
