//! The references' table: the protocol's DynamoDB calls as conditional writes (their
//! expressions are in `crates/protocol/src/model.rs`, beside each call). Every write names its attributes through
//! `#name` placeholders (some are DynamoDB reserved words), and a failed condition is a
//! [`Written::Refused`], read through the SDK's typed error, with the item that won.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::aws::Clients;
use crate::aws::failure::AwsFailure;
use crate::error::{Error, Result};
use crate::message::Advice;
use crate::references::record::{Attributes, PK, REFS};
use crate::say;

/// What a conditional write did.
#[derive(Debug)]
pub(crate) enum Written {
    /// Applied; the item as written (for an update, `ALL_NEW`).
    Applied(Attributes),
    /// The condition was false: nothing was written; the item as it is (`ALL_OLD`), if any.
    Refused(Option<Attributes>),
}

/// One UpdateItem on a role's record.
pub(crate) struct Update<'a> {
    pub update: &'a str,
    pub condition: &'a str,
    pub values: Vec<(&'static str, AttributeValue)>,
}

/// The `#name` placeholders an expression uses, each standing for the attribute of that name.
fn names(expressions: &[&str]) -> Option<HashMap<String, String>> {
    let mut names = HashMap::new();
    for e in expressions {
        for (i, _) in e.match_indices('#') {
            let name: String = e[i + 1..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            names.insert(format!("#{name}"), name);
        }
    }
    (!names.is_empty()).then_some(names)
}

fn values(values: Vec<(&'static str, AttributeValue)>) -> Option<HashMap<String, AttributeValue>> {
    (!values.is_empty()).then(|| values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// The reason when the table is not there: the macro stack of the home region makes it.
fn missing_table(clients: &Clients) -> Error {
    let t = &clients.table;
    Error::Blocked(say![
        format!(
            "the lambda-profiling reference table {} does not exist in {}: deploy the macro stack \
             (macro-template.yaml) in {} first, or ",
            t.name, t.region, t.region
        ),
        Advice::SameHomeRegion
    ])
}

/// Maps an SDK error: a missing table is [`missing_table`], a failed condition `Refused`.
fn refused<E>(
    clients: &Clients,
    call: &'static str,
    target: &str,
    e: SdkError<E, aws_smithy_runtime_api::http::Response>,
    classify: impl Fn(&E) -> (bool, bool, Option<Attributes>),
) -> Result<Written>
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + Send + Sync + 'static,
{
    if let Some(service) = e.as_service_error() {
        let (missing, failed, old) = classify(service);
        if missing {
            return Err(missing_table(clients));
        }
        if failed {
            return Ok(Written::Refused(old));
        }
    }
    Err(Error::aws(call, target, e))
}

/// GetItem, strongly consistent.
pub(crate) async fn get(clients: &Clients, key: AttributeValue) -> Result<Option<Attributes>> {
    let target = key.as_s().cloned().unwrap_or_default();
    let read = clients
        .dynamodb
        .get_item()
        .table_name(&clients.table.name)
        .key(PK, key)
        .consistent_read(true)
        .send()
        .await;
    match read {
        Ok(out) => Ok(out.item),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            match clients.table.absent_reads_empty {
                true => Ok(None),
                false => Err(missing_table(clients)),
            }
        }
        Err(e) => Err(Error::aws("dynamodb:GetItem", target, e)),
    }
}

/// Whether a record of `role` under another spelling of its name still holds references
/// (earlier versions keyed a role's record by the spelling they were given; IAM's names
/// ignore case). A Scan of the table's role records, page by page: made only before the
/// last user of a role's record detaches the policy. A denied Scan counts as held.
pub(crate) async fn other_spellings_hold(clients: &Clients, role: &str) -> Result<bool> {
    let own = format!("role#{role}");
    let mut pages = clients
        .dynamodb
        .scan()
        .table_name(&clients.table.name)
        .filter_expression("begins_with(pk, :role)")
        .expression_attribute_values(":role", AttributeValue::S("role#".into()))
        .projection_expression(format!("{PK}, {REFS}"))
        .consistent_read(true)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            // A macro stack not yet updated to the template that grants the Scan: the
            // policy is kept (a leak a person can fix), never detached unseen.
            Err(e) if AwsFailure::of(&e).is_access_denied() => {
                tracing::warn!(role = %role, "dynamodb:Scan is denied: the policy is kept; update the macro stack");
                return Ok(true);
            }
            Err(e) => return Err(Error::aws("dynamodb:Scan", role, e)),
        };
        let held = page.items().iter().any(|item| {
            let same_role = item
                .get(PK)
                .and_then(|k| k.as_s().ok())
                .is_some_and(|k| *k != own && k.eq_ignore_ascii_case(&own));
            // References only: the tag-era ones are the role's own tags, whatever the
            // spelling, and the detach decision already reads those.
            same_role && item.contains_key(REFS)
        });
        if held {
            return Ok(true);
        }
    }
    Ok(false)
}

/// PutItem, if `condition` (none: unconditional).
pub(crate) async fn put(clients: &Clients, item: Attributes, condition: Option<&str>) -> Result<Written> {
    let target = item
        .get(PK)
        .and_then(|k| k.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let sent = clients
        .dynamodb
        .put_item()
        .table_name(&clients.table.name)
        .set_item(Some(item.clone()))
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_names(condition.and_then(|c| names(&[c])))
        .send()
        .await;
    match sent {
        Ok(_) => Ok(Written::Applied(item)),
        Err(e) => refused(clients, "dynamodb:PutItem", &target, e, |s| {
            (
                s.is_resource_not_found_exception(),
                s.is_conditional_check_failed_exception(),
                None,
            )
        }),
    }
}

/// UpdateItem on a record, returning `ALL_NEW`, or `ALL_OLD` when refused.
pub(crate) async fn update(clients: &Clients, key: AttributeValue, u: Update<'_>) -> Result<Written> {
    let target = key.as_s().cloned().unwrap_or_default();
    let sent = clients
        .dynamodb
        .update_item()
        .table_name(&clients.table.name)
        .key(PK, key)
        .update_expression(u.update)
        .condition_expression(u.condition)
        .set_expression_attribute_names(names(&[u.update, u.condition]))
        .set_expression_attribute_values(values(u.values))
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match sent {
        Ok(out) => Ok(Written::Applied(out.attributes.unwrap_or_default())),
        Err(e) => refused(clients, "dynamodb:UpdateItem", &target, e, |s| match s {
            aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => {
                (false, true, c.item().cloned())
            }
            other => (other.is_resource_not_found_exception(), false, None),
        }),
    }
}

/// DeleteItem, if `condition` (none: unconditional).
pub(crate) async fn delete(
    clients: &Clients,
    key: AttributeValue,
    condition: Option<&str>,
    values: Vec<(&'static str, AttributeValue)>,
) -> Result<Written> {
    let target = key.as_s().cloned().unwrap_or_default();
    let sent = clients
        .dynamodb
        .delete_item()
        .table_name(&clients.table.name)
        .key(PK, key)
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_names(condition.and_then(|c| names(&[c])))
        .set_expression_attribute_values(self::values(values))
        .send()
        .await;
    match sent {
        Ok(_) => Ok(Written::Applied(Attributes::new())),
        Err(e) => refused(clients, "dynamodb:DeleteItem", &target, e, |s| {
            (
                s.is_resource_not_found_exception(),
                s.is_conditional_check_failed_exception(),
                None,
            )
        }),
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
