//! Setting up and reading back IAM roles, Lambda functions and layers, and groups.

use aws_sdk_lambda::primitives::Blob;
use lambda_profiling_switch::Clients;
use serde_json::Value;

use super::{Servers, http};

pub async fn create_role(c: &Clients, name: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let out = c
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    out.role().unwrap().arn().to_owned()
}

pub async fn attached_policies(c: &Clients, role: &str) -> Vec<String> {
    let out = c
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    out.attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .map(str::to_owned)
        .collect()
}

pub async fn role_tags(c: &Clients, role: &str) -> Vec<(String, String)> {
    let out = c.iam.list_role_tags().role_name(role).send().await.unwrap();
    let mut tags: Vec<_> = out
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    tags
}

/// A role's record in the references' table (`role#<role>`), if it has one.
pub async fn record(
    c: &Clients,
    role: &str,
) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    item(c, &format!("role#{role}")).await
}

/// The references a role's record holds (16-hex ids), sorted.
pub async fn record_refs(c: &Clients, role: &str) -> Vec<String> {
    let mut refs = match record(c, role).await.and_then(|r| r.get("refs").cloned()) {
        Some(aws_sdk_dynamodb::types::AttributeValue::Ss(refs)) => refs,
        _ => Vec::new(),
    };
    refs.sort();
    refs
}

/// The key of a group's record (a group of the tests' account and region, by its name).
pub fn group_key(name: &str) -> String {
    format!(
        "group#arn:aws:codeguru-profiler:{}:{}:profilingGroup/{name}",
        super::REGION,
        super::ACCOUNT
    )
}

/// The references a record holds (16-hex ids), sorted, by its key.
pub async fn record_users(c: &Clients, pk: &str) -> Vec<String> {
    let mut refs = match item(c, pk).await.and_then(|r| r.get("refs").cloned()) {
        Some(aws_sdk_dynamodb::types::AttributeValue::Ss(refs)) => refs,
        _ => Vec::new(),
    };
    refs.sort();
    refs
}

/// An item of the references' table by its key.
pub async fn item(
    c: &Clients,
    pk: &str,
) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let out = c
        .dynamodb
        .get_item()
        .table_name(&c.table.name)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.item
}

/// An empty zip archive: moto stores code without running it.
pub const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// Publishes a stand-in version of `name` in the test account; returns its ARN.
pub async fn publish_layer(c: &Clients, name: &str) -> String {
    let content = aws_sdk_lambda::types::LayerVersionContentInput::builder()
        .zip_file(Blob::new(EMPTY_ZIP))
        .build();
    let out = c
        .lambda
        .publish_layer_version()
        .layer_name(name)
        .content(content)
        .send()
        .await
        .unwrap();
    out.layer_version_arn().unwrap().to_owned()
}

pub async fn create_function(
    c: &Clients,
    name: &str,
    runtime: &str,
    role_arn: &str,
    vars: &[(&str, &str)],
    layers: &[String],
) -> String {
    let env = aws_sdk_lambda::types::Environment::builder()
        .set_variables(Some(
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ))
        .build();
    let out = c
        .lambda
        .create_function()
        .function_name(name)
        .runtime(runtime.into())
        .role(role_arn)
        .handler("app.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP))
                .build(),
        )
        .environment(env)
        .set_layers(Some(layers.to_vec()))
        .send()
        .await
        .unwrap();
    out.function_arn().unwrap().to_owned()
}

/// What the tests compare before and after: handler, layers and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionState {
    pub runtime: String,
    pub handler: String,
    pub layers: Vec<String>,
    pub vars: std::collections::BTreeMap<String, String>,
}

pub async fn function_state(c: &Clients, name: &str) -> FunctionState {
    let out = c
        .lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    FunctionState {
        runtime: out.runtime().map(|r| r.as_str().to_owned()).unwrap_or_default(),
        handler: out.handler().unwrap_or_default().to_owned(),
        layers: out
            .layers()
            .iter()
            .filter_map(|l| l.arn())
            .map(str::to_owned)
            .collect(),
        vars: out
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    }
}

pub async fn group_tags(s: &Servers) -> Value {
    http()
        .get(format!("{}/_groups", s.codeguru))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Writes an item of the references' table as it is (to set up what an earlier version left).
pub async fn put_item(
    c: &Clients,
    item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) {
    c.dynamodb
        .put_item()
        .table_name(&c.table.name)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

pub async fn delete_item(c: &Clients, pk: &str) {
    c.dynamodb
        .delete_item()
        .table_name(&c.table.name)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
        .send()
        .await
        .unwrap();
}

/// Tags a group of the tests' account and region in the CodeGuru Profiler fake.
pub async fn tag_group(s: &Servers, name: &str, tags: &[(&str, &str)]) {
    let arn = format!(
        "arn:aws:codeguru-profiler:{}:{}:profilingGroup/{name}",
        super::REGION,
        super::ACCOUNT
    );
    let tags: serde_json::Map<String, Value> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect();
    http()
        .post(format!(
            "{}/tags/{}",
            s.codeguru,
            arn.replace('/', "%2F").replace(':', "%3A")
        ))
        .json(&serde_json::json!({ "tags": tags }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

/// Sets variables of a function as its user would, keeping the others.
pub async fn set_vars(c: &Clients, name: &str, set: &[(&str, &str)]) {
    let mut vars = function_state(c, name).await.vars;
    for (k, v) in set {
        vars.insert(k.to_string(), v.to_string());
    }
    let environment = aws_sdk_lambda::types::Environment::builder()
        .set_variables(Some(vars.into_iter().collect()))
        .build();
    c.lambda
        .update_function_configuration()
        .function_name(name)
        .environment(environment)
        .send()
        .await
        .unwrap();
}
