//! Create, Update and Delete as CloudFormation means them, turned into an [`Outcome`].
//! Nothing here returns an error: every failure becomes a FAILED outcome with a reason.
//!
//! Physical ids: `role:<role name>`, `function:<function ARN>`, and
//! `failed-create:<RequestId>` for a Create that failed. A Delete of a failed Create, or
//! of an id CloudFormation invented after a cancelled Create, succeeds untouched.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::{Error, Result};
use super::ledger;
use super::request::{Action, Properties, Target, role_name};
use super::{function, role};
use crate::aws::Clients;

/// The stack-side identity of the resource.
#[derive(Debug, Clone, Copy)]
pub struct Ids<'a> {
    pub stack_id: &'a str,
    pub logical_id: &'a str,
    pub request_id: &'a str,
}

/// A successful operation: the physical id and the `Data` for `Fn::GetAtt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub physical_id: String,
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failed,
}

impl Status {
    /// As CloudFormation spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
        }
    }
}

/// What is answered to CloudFormation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub reason: Option<String>,
    pub physical_id: String,
    pub data: BTreeMap<String, String>,
}

impl Outcome {
    pub fn failed(physical_id: impl Into<String>, reason: impl Into<String>) -> Self {
        Outcome {
            status: Status::Failed,
            reason: Some(reason.into()),
            physical_id: physical_id.into(),
            data: BTreeMap::new(),
        }
    }
    fn from_done(done: Done) -> Self {
        Outcome {
            status: Status::Success,
            reason: None,
            physical_id: done.physical_id,
            data: done.data,
        }
    }
}

pub const FAILED_CREATE_PREFIX: &str = "failed-create:";

/// The physical id a failed Create answers with; its Delete is a no-op.
pub fn failed_create_id(request_id: &str) -> String {
    format!("{FAILED_CREATE_PREFIX}{request_id}")
}

/// The physical id this request keeps when it fails.
pub fn failure_id(action: &Action, request_id: &str) -> String {
    match action {
        Action::Create { .. } => failed_create_id(request_id),
        Action::Update { physical_id, .. } | Action::Delete { physical_id, .. } => physical_id.clone(),
    }
}

/// Runs one request to its outcome.
pub async fn run(clients: &Clients, ids: &Ids<'_>, action: &Action) -> Outcome {
    let failure_id = failure_id(action, ids.request_id);
    let result = match action {
        Action::Create { properties } => create(clients, ids, properties, None).await,
        Action::Update {
            physical_id,
            properties,
            old_properties,
        } => update(clients, ids, physical_id, properties, old_properties).await,
        Action::Delete {
            physical_id,
            properties,
        } => delete(clients, ids, physical_id, properties)
            .await
            .map(|()| Done {
                physical_id: physical_id.clone(),
                data: BTreeMap::new(),
            }),
    };
    match result {
        Ok(done) => Outcome::from_done(done),
        Err(e) => Outcome::failed(failure_id, e.to_string()),
    }
}

fn parse(properties: &Value, clients: &Clients) -> Result<Properties> {
    Properties::parse(properties, &clients.settings).map_err(Error::Invalid)
}

async fn create(
    clients: &Clients,
    ids: &Ids<'_>,
    properties: &Value,
    old: Option<(&str, &Value)>,
) -> Result<Done> {
    let props = parse(properties, clients)?;
    match &props.target {
        Target::Role { name } => {
            let physical_id = format!("role:{name}");
            let key = ledger::ref_key(ids.stack_id, ids.logical_id, &physical_id);
            let state = role::read(clients, name, false).await?;
            if let Err(e) = role::acquire(clients, name, &state, &key, "role".into()).await {
                // A Create that tagged but could not attach takes its reference back; an
                // Update of the same role keeps the reference the Create made.
                if old.is_none_or(|(id, _)| id != physical_id) {
                    let note = match role::release(clients, name, &key).await {
                        Ok(()) => "; what this request had changed was undone".to_owned(),
                        Err(undo) => format!("; undoing what this request had changed also failed: {undo}"),
                    };
                    return Err(Error::Partial {
                        source: Box::new(e),
                        note,
                    });
                }
                return Err(e);
            }
            let data = BTreeMap::from([("RoleName".to_owned(), name.clone())]);
            Ok(Done { physical_id, data })
        }
        Target::Function { .. } => {
            let old_props = old.and_then(|(id, v)| Some((id, Properties::parse(v, &clients.settings).ok()?)));
            function::enable(clients, ids, &props, old_props.as_ref().map(|(id, p)| (*id, p))).await
        }
    }
}

/// An Update reconciles: same target, same id; a new target is a replacement (new id),
/// after which CloudFormation deletes the old id.
async fn update(
    clients: &Clients,
    ids: &Ids<'_>,
    physical_id: &str,
    properties: &Value,
    old: &Value,
) -> Result<Done> {
    let done = create(clients, ids, properties, Some((physical_id, old))).await?;
    if done.physical_id != physical_id {
        tracing::debug!(old = physical_id, new = %done.physical_id, "target changed: replacement");
    }
    Ok(done)
}

async fn delete(clients: &Clients, ids: &Ids<'_>, physical_id: &str, properties: &Value) -> Result<()> {
    if let Some(name) = physical_id.strip_prefix("role:")
        && role_name(name).is_ok()
    {
        let key = ledger::ref_key(ids.stack_id, ids.logical_id, physical_id);
        return role::release(clients, name, &key).await;
    }
    if let Some(arn) = physical_id.strip_prefix("function:")
        && arn.starts_with("arn:")
        && arn.split(':').nth(5) == Some("function")
    {
        // The properties only name the group; a Delete proceeds even if they no longer parse.
        let props = Properties::parse(properties, &clients.settings).ok();
        return function::disable(clients, ids, arn, props.as_ref()).await;
    }
    tracing::debug!(
        physical_id,
        "not an id this resource made (failed or cancelled Create): nothing to undo"
    );
    Ok(())
}
