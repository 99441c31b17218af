//! Parsing a CloudFormation custom-resource event into typed parts.
//!
//! Two layers: an [`Envelope`] read leniently from any JSON (so that even a malformed
//! event can be answered), then the typed request from `aws_lambda_events` and the
//! [`Properties`], which accept CloudFormation's habit of sending every scalar as a string.

use std::fmt;

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use serde_json::Value;

use super::outcome::failed_create_id;
use lambda_profiling_switch::resource::StackResource;

/// The fields needed to answer, whatever else is wrong with the event.
#[derive(Clone, Default)]
pub(crate) struct Envelope {
    pub response_url: Option<ResponseUrl>,
    pub request_id: String,
    pub stack_id: String,
    pub logical_id: String,
    pub request_type: String,
    pub physical_id: Option<String>,
}

/// The presigned response URL. It is a credential: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ResponseUrl(pub String);

impl fmt::Debug for ResponseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseUrl(<redacted>)")
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("request_type", &self.request_type)
            .field("stack_id", &self.stack_id)
            .field("logical_id", &self.logical_id)
            .field("physical_id", &self.physical_id)
            .finish_non_exhaustive()
    }
}

impl Envelope {
    pub(crate) fn from_event(event: &Value) -> Self {
        let text = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
        Envelope {
            response_url: text("ResponseURL").filter(|u| !u.is_empty()).map(ResponseUrl),
            request_id: text("RequestId").unwrap_or_default(),
            stack_id: text("StackId").unwrap_or_default(),
            logical_id: text("LogicalResourceId").unwrap_or_default(),
            request_type: text("RequestType").unwrap_or_default(),
            physical_id: text("PhysicalResourceId").filter(|p| !p.is_empty()),
        }
    }
}

impl Envelope {
    /// The resource in its stack, as the operations name it.
    pub(crate) fn resource(&self) -> StackResource<'_> {
        StackResource {
            stack_id: &self.stack_id,
            logical_id: &self.logical_id,
            request_id: &self.request_id,
        }
    }
}

/// What CloudFormation asks, with the properties still raw: each operation parses them
/// (a Delete must proceed even when they no longer parse).
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Create {
        properties: Value,
    },
    Update {
        physical_id: String,
        properties: Value,
        old_properties: Value,
    },
    Delete {
        physical_id: String,
        properties: Value,
    },
}

impl Action {
    /// The physical id this request answers with when it fails.
    pub(crate) fn failure_id(&self, request_id: &str) -> String {
        match self {
            Action::Create { .. } => failed_create_id(request_id),
            Action::Update { physical_id, .. } | Action::Delete { physical_id, .. } => physical_id.clone(),
        }
    }
}

/// Reads the request type and its fields with the `aws_lambda_events` types.
pub(crate) fn parse_action(event: Value) -> Result<Action, String> {
    let request: CloudFormationCustomResourceRequest = serde_json::from_value(event).map_err(|e| {
        format!("the event is not a CloudFormation custom resource request ({e}); only CloudFormation should invoke this function as a custom resource")
    })?;
    Ok(match request {
        CloudFormationCustomResourceRequest::Create(r) => Action::Create {
            properties: r.resource_properties,
        },
        CloudFormationCustomResourceRequest::Update(r) => Action::Update {
            physical_id: r.physical_resource_id,
            properties: r.resource_properties,
            old_properties: r.old_resource_properties,
        },
        CloudFormationCustomResourceRequest::Delete(r) => Action::Delete {
            physical_id: r.physical_resource_id,
            properties: r.resource_properties,
        },
        other => {
            return Err(format!(
                "unsupported request type in {:?}",
                std::mem::discriminant(&other)
            ));
        }
    })
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
