//! Create, Update and Delete as CloudFormation means them, turned into an [`Outcome`].
//! Nothing here returns an error: every failure becomes a FAILED outcome with a reason.
//!
//! Physical ids: `role:<role name>` ([`role_mode`]), `function:<function ARN>`
//! ([`function_mode`]), and `failed-create:<RequestId>` for a Create that failed (it has
//! undone itself). A Delete of a failed Create succeeds untouched; so does the Delete of
//! an id CloudFormation invented after a Create that never answered, except that in role
//! mode it releases the reference that Create may have added.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

use super::outcome::{Outcome, is_failed_create};
use super::request::Action;
use lambda_profiling_switch::Clients;
use lambda_profiling_switch::error::{Error, Result};
use lambda_profiling_switch::properties::{Properties, Target};
use lambda_profiling_switch::resource::{Done, StackResource};
use lambda_profiling_switch::role::Created;
use lambda_profiling_switch::{function as function_mode, role as role_mode};

/// Runs one request to its outcome.
pub(crate) async fn run(
    clients: &Clients,
    resource: &StackResource<'_>,
    action: &Action,
    deadline: Instant,
) -> Outcome {
    let result = match action {
        Action::Create { properties } => create(clients, resource, properties, None, deadline).await,
        Action::Update {
            physical_id,
            properties,
            old_properties,
        } => {
            update(
                clients,
                resource,
                physical_id,
                properties,
                old_properties,
                deadline,
            )
            .await
        }
        Action::Delete {
            physical_id,
            properties,
        } => delete(clients, resource, physical_id, properties, deadline)
            .await
            .map(|()| Done {
                physical_id: physical_id.clone(),
                data: BTreeMap::new(),
            }),
    };
    match result {
        Ok(done) => Outcome::done(done),
        Err(e) => Outcome::failed(action.failure_id(resource.request_id), e.to_string()),
    }
}

fn parse(properties: &Value, clients: &Clients) -> Result<Properties> {
    Properties::parse(properties, &clients.settings).map_err(Error::Invalid)
}

/// A Create, or an Update's reconciling (`old`: the physical id and properties it had).
async fn create(
    clients: &Clients,
    resource: &StackResource<'_>,
    properties: &Value,
    old: Option<(&str, &Value)>,
    deadline: Instant,
) -> Result<Done> {
    let props = parse(properties, clients)?;
    match &props.target {
        Target::Role { name, home } => {
            if let Some((partition, account)) = home {
                role_mode::check_home(resource, partition, account)?;
            }
            role_mode::enable(clients, resource, name, old.map(|(id, _)| id), deadline).await
        }
        Target::Function { .. } => {
            // The request's kind, whether or not the old properties still parse.
            let occasion = match old {
                None => function_mode::Occasion::Create,
                Some(_) => function_mode::Occasion::Update,
            };
            let undoing = clients.settings.for_undoing();
            let old = old.map(|(id, v)| (id, Properties::parse(v, &undoing).ok()));
            let old = old.as_ref().map(|(id, p)| (*id, p.as_ref()));
            function_mode::enable(clients, resource, &props, old, deadline, occasion).await
        }
    }
}

/// An Update reconciles: same target, same id; a new target is a replacement (new id),
/// after which CloudFormation deletes the old id.
async fn update(
    clients: &Clients,
    resource: &StackResource<'_>,
    physical_id: &str,
    properties: &Value,
    old: &Value,
    deadline: Instant,
) -> Result<Done> {
    let done = create(clients, resource, properties, Some((physical_id, old)), deadline).await?;
    if done.physical_id != physical_id {
        tracing::debug!(old = physical_id, new = %done.physical_id, "target changed: replacement");
    }
    Ok(done)
}

async fn delete(
    clients: &Clients,
    resource: &StackResource<'_>,
    physical_id: &str,
    properties: &Value,
    deadline: Instant,
) -> Result<()> {
    if let Some(role) = role_mode::role_of(physical_id) {
        return role_mode::disable(clients, resource, role, Created::Answered, deadline).await;
    }
    // The properties only name the group; a Delete proceeds even if they no longer parse,
    // and is never held to the administrator's lists as they are now.
    let props = Properties::parse(properties, &clients.settings.for_undoing()).ok();
    if let Some(arn) = function_mode::function_of(physical_id) {
        return function_mode::disable(clients, resource, arn, props.as_ref(), deadline).await;
    }
    let unanswered = !is_failed_create(physical_id);
    if let (true, Some(Target::Role { name, .. })) = (unanswered, props.as_ref().map(|p| &p.target)) {
        tracing::debug!(
            physical_id,
            "an id CloudFormation invented: releasing what its Create may have held"
        );
        return role_mode::disable(clients, resource, name, Created::Unanswered, deadline).await;
    }
    tracing::debug!(
        physical_id,
        "not an id this resource made (failed or cancelled Create): nothing to undo"
    );
    Ok(())
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
