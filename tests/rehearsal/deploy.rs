//! CloudFormation's part in the rehearsal: it invokes the deployed `bootstrap` (under the
//! Runtime API emulator) as the macro and as the custom resource's handler, and creates,
//! updates and deletes the other resources of the processed template in moto and the
//! CodeGuru Profiler fake, in dependency order.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_codeguruprofiler::types::ComputePlatform;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode};
use lambda_profiling_switch::Clients;
use serde_json::{Map, Value, json};

use super::cloudformation::{Known, Resolver, as_strings, creation_order};
use crate::runtime_api::{Function, Reply};
use crate::support::{EMPTY_ZIP, Servers, read_response, response_url, unique};

/// The function's timeout in `macro-template.yaml`: the deadline CloudFormation's
/// invocations run under.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// A stack as CloudFormation tracks it.
pub struct Stack {
    pub name: String,
    pub id: String,
    pub template: Value,
    pub parameters: Map<String, Value>,
    pub known: Known,
    /// Each resource's properties as last applied (resolved), for `OldResourceProperties`.
    pub applied: HashMap<String, Value>,
    /// Every custom resource response, as (request type, logical id, response object).
    pub responses: Vec<(String, String, Value)>,
}

impl Stack {
    pub fn new(name: String) -> Stack {
        Stack {
            id: format!(
                "arn:aws:cloudformation:{}:{}:stack/{name}/{}",
                crate::support::REGION,
                crate::support::ACCOUNT,
                unique("id")
            ),
            name,
            template: Value::Null,
            parameters: Map::new(),
            known: Known::default(),
            applied: HashMap::new(),
            responses: Vec::new(),
        }
    }

    fn resolve(&self, v: &Value) -> Value {
        Resolver {
            stack_name: &self.name,
            stack_id: &self.id,
            parameters: &self.parameters,
            known: &self.known,
        }
        .resolve(v)
    }

    fn resource(&self, id: &str) -> &Value {
        &self.template["Resources"][id]
    }
}

pub struct Cloud<'f, 'a> {
    pub servers: &'static Servers,
    pub clients: Clients,
    pub function: &'f mut Function<'a>,
    /// Every ResponseURL sent: credentials the logs must never show.
    pub response_urls: Vec<String>,
}

impl Cloud<'_, '_> {
    /// One invocation of the deployed function (blocking the worker, not the runtime).
    pub fn invoke(&mut self, event: &Value) -> Reply {
        let bytes = serde_json::to_vec(event).unwrap();
        tokio::task::block_in_place(|| self.function.invoke(bytes, TIMEOUT))
            .unwrap_or_else(|e| panic!("the invocation failed: {e}"))
    }

    /// The processed template, from the macro's response (which must be a success).
    pub fn run_macro(&mut self, request: &Value) -> Value {
        let reply = self.invoke(request);
        let mut response: Value = serde_json::from_str(reply.text()).unwrap();
        assert_eq!(response["status"], "success", "{response}");
        assert_eq!(response["requestId"], request["requestId"]);
        response["fragment"].take()
    }

    pub async fn create_stack(&mut self, stack: &mut Stack, template: Value, parameters: Map<String, Value>) {
        stack.template = template;
        stack.parameters = parameters;
        for id in creation_order(&stack.template) {
            self.create(stack, &id).await;
        }
    }

    /// A stack update: changed resources are updated in dependency order; those
    /// replaced get a new physical id, and their old one is deleted in the cleanup phase.
    pub async fn update_stack(&mut self, stack: &mut Stack, template: Value, parameters: Map<String, Value>) {
        let old_template = std::mem::replace(&mut stack.template, template);
        stack.parameters = parameters;
        let mut cleanup = Vec::new();
        for id in creation_order(&stack.template) {
            let Some(old) = stack.applied.get(&id).cloned() else {
                self.create(stack, &id).await;
                continue;
            };
            let props = desired(stack, &id);
            if props == old {
                continue;
            }
            let old_physical = stack.known.physical[&id].clone();
            self.update(stack, &id, props, old.clone()).await;
            if stack.known.physical[&id] != old_physical {
                cleanup.push((id, old_physical, old));
            }
        }
        let removed: Vec<String> = old_template["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|id| stack.resource(id).is_null())
            .cloned()
            .collect();
        assert!(
            removed.is_empty(),
            "removing resources is not rehearsed: {removed:?}"
        );
        for (id, physical, props) in cleanup {
            let ty = stack.resource(&id)["Type"].as_str().unwrap().to_owned();
            assert_eq!(
                ty, "Custom::LambdaProfiling",
                "{id}: only custom resources are replaced here"
            );
            let response = self
                .custom_resource(stack, "Delete", &id, &props, Some(&physical), None)
                .await;
            stack.responses.push(("Delete".into(), id, response));
        }
    }

    /// Deletes every resource, dependents first, keeping those with `DeletionPolicy: Retain`.
    pub async fn delete_stack(&mut self, stack: &mut Stack) {
        for id in creation_order(&stack.template).into_iter().rev() {
            let resource = stack.resource(&id).clone();
            let physical = stack.known.physical[&id].clone();
            if resource["DeletionPolicy"] == "Retain" {
                continue;
            }
            match resource["Type"].as_str().unwrap() {
                "Custom::LambdaProfiling" => {
                    let props = stack.applied[&id].clone();
                    let response = self
                        .custom_resource(stack, "Delete", &id, &props, Some(&physical), None)
                        .await;
                    stack.responses.push(("Delete".into(), id.clone(), response));
                }
                "AWS::Lambda::Function" => {
                    let lambda = &self.clients.lambda;
                    lambda
                        .delete_function()
                        .function_name(&physical)
                        .send()
                        .await
                        .unwrap();
                }
                "AWS::CodeGuruProfiler::ProfilingGroup" => {
                    let codeguru = &self.clients.codeguru;
                    let delete = codeguru.delete_profiling_group().profiling_group_name(&physical);
                    delete.send().await.unwrap();
                }
                other => panic!("{id}: deleting {other} is not rehearsed"),
            }
        }
    }

    async fn create(&mut self, stack: &mut Stack, id: &str) {
        let props = desired(stack, id);
        let (physical, attributes) = match stack.resource(id)["Type"].as_str().unwrap() {
            "AWS::CodeGuruProfiler::ProfilingGroup" => self.create_group(&props).await,
            "AWS::Lambda::Function" => self.create_function(&stack.name, id, &props).await,
            "Custom::LambdaProfiling" => {
                let response = self
                    .custom_resource(stack, "Create", id, &props, None, None)
                    .await;
                let physical = response["PhysicalResourceId"].as_str().unwrap().to_owned();
                let data = response["Data"].as_object().cloned().unwrap_or_default();
                stack.responses.push(("Create".into(), id.into(), response));
                stack.applied.insert(id.into(), props);
                stack.known.physical.insert(id.into(), physical);
                stack.known.attributes.insert(id.into(), data);
                return;
            }
            other => panic!("{id}: creating {other} is not rehearsed"),
        };
        stack.applied.insert(id.into(), props);
        stack.known.physical.insert(id.into(), physical);
        stack.known.attributes.insert(id.into(), attributes);
    }

    async fn update(&mut self, stack: &mut Stack, id: &str, props: Value, old: Value) {
        let physical = stack.known.physical[id].clone();
        match stack.resource(id)["Type"].as_str().unwrap() {
            "Custom::LambdaProfiling" => {
                let response = self
                    .custom_resource(stack, "Update", id, &props, Some(&physical), Some(&old))
                    .await;
                let new_physical = response["PhysicalResourceId"].as_str().unwrap().to_owned();
                let data = response["Data"].as_object().cloned().unwrap_or_default();
                stack.responses.push(("Update".into(), id.into(), response));
                stack.known.physical.insert(id.into(), new_physical);
                stack.known.attributes.insert(id.into(), data);
                stack.applied.insert(id.into(), props);
            }
            "AWS::Lambda::Function" => {
                let (env, layers) = (environment(&props), strings(&props["Layers"]));
                let update = self.clients.lambda.update_function_configuration();
                update
                    .function_name(&physical)
                    .role(props["Role"].as_str().unwrap())
                    .handler(props["Handler"].as_str().unwrap())
                    .runtime(props["Runtime"].as_str().unwrap().into())
                    .set_layers(Some(layers))
                    .environment(env)
                    .send()
                    .await
                    .unwrap();
                stack.applied.insert(id.into(), props);
            }
            other => panic!("{id}: updating {other} is not rehearsed"),
        }
    }

    async fn create_group(&self, props: &Value) -> (String, Map<String, Value>) {
        known_keys(props, &["ProfilingGroupName", "ComputePlatform", "Tags"]);
        let name = props["ProfilingGroupName"].as_str().expect("a group name");
        let platform = props["ComputePlatform"].as_str().unwrap_or("Default");
        let mut create = self
            .clients
            .codeguru
            .create_profiling_group()
            .profiling_group_name(name)
            .compute_platform(ComputePlatform::from(platform));
        for tag in props["Tags"].as_array().into_iter().flatten() {
            create = create.tags(tag["Key"].as_str().unwrap(), tag["Value"].as_str().unwrap());
        }
        let out = create.send().await.unwrap();
        let arn = out.profiling_group().and_then(|g| g.arn()).unwrap().to_owned();
        (name.to_owned(), json!({"Arn": arn}).as_object().unwrap().clone())
    }

    async fn create_function(&self, stack: &str, id: &str, props: &Value) -> (String, Map<String, Value>) {
        known_keys(
            props,
            &[
                "Runtime",
                "Handler",
                "Role",
                "Code",
                "Layers",
                "Environment",
                "Description",
                "Timeout",
                "MemorySize",
            ],
        );
        // CloudFormation's generated name: stack, logical id and a suffix, at most 64 characters.
        let name: String = format!("{stack}-{id}").chars().take(64).collect();
        let out = self
            .clients
            .lambda
            .create_function()
            .function_name(&name)
            .runtime(props["Runtime"].as_str().unwrap().into())
            .handler(props["Handler"].as_str().unwrap())
            .role(props["Role"].as_str().unwrap())
            .code(FunctionCode::builder().zip_file(Blob::new(EMPTY_ZIP)).build())
            .set_layers(Some(strings(&props["Layers"])))
            .environment(environment(props))
            .send()
            .await
            .unwrap();
        let arn = out.function_arn().unwrap().to_owned();
        (name, json!({"Arn": arn}).as_object().unwrap().clone())
    }

    /// One custom resource request through the deployed function, answered to a
    /// presigned S3 URL; returns the response object CloudFormation reads.
    pub async fn custom_resource(
        &mut self,
        stack: &Stack,
        kind: &str,
        id: &str,
        props: &Value,
        physical: Option<&str>,
        old: Option<&Value>,
    ) -> Value {
        let key = unique("cfn-response");
        let url = response_url(self.servers, &key).await;
        self.response_urls.push(url.clone());
        let mut event = json!({
            "RequestType": kind,
            "ServiceToken": props["ServiceToken"],
            "ResponseURL": url,
            "StackId": stack.id,
            "RequestId": unique("request"),
            "LogicalResourceId": id,
            "ResourceType": stack.resource(id)["Type"],
            "ResourceProperties": props,
        });
        if let Some(p) = physical {
            event["PhysicalResourceId"] = p.into();
        }
        if let Some(o) = old {
            event["OldResourceProperties"] = o.clone();
        }
        // The function answers CloudFormation itself; Lambda only gets a summary.
        let reply = self.invoke(&event);
        let summary: Value = serde_json::from_str(reply.text()).unwrap();
        let (response, _) = read_response(self.servers, &key)
            .await
            .unwrap_or_else(|| panic!("{kind} {id}: no response object; the function said {summary}"));
        assert_eq!(response["Status"], "SUCCESS", "{kind} {id}: {response}");
        assert_eq!(summary["PhysicalResourceId"], response["PhysicalResourceId"]);
        response
    }
}

/// A resource's properties resolved, as CloudFormation hands them to its handler.
fn desired(stack: &Stack, id: &str) -> Value {
    let resource = stack.resource(id);
    let props = stack.resolve(&resource["Properties"]);
    match resource["Type"].as_str() {
        Some(t) if t.starts_with("Custom::") => as_strings(&props),
        _ => props,
    }
}

fn known_keys(props: &Value, known: &[&str]) {
    for key in props.as_object().unwrap().keys() {
        assert!(known.contains(&key.as_str()), "property {key} is not rehearsed");
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn environment(props: &Value) -> Environment {
    let vars = props["Environment"]["Variables"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let vars = vars
        .into_iter()
        .map(|(k, v)| (k, v.as_str().unwrap().to_owned()))
        .collect();
    Environment::builder().set_variables(Some(vars)).build()
}
