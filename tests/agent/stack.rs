//! A committed expansion (`examples/*/expanded.json`, our actual output, which
//! `tests/examples.rs` holds equal to the macro's current one) deployed as far as the
//! agent cares: CloudFormation's order, its intrinsics resolved by the rehearsal's
//! resolver, the profiling groups created in the CodeGuru Profiler fake, and each
//! function's configuration (runtime, handler, layers, variables) as Lambda would hold it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use std::process::Command;
use std::time::Duration;

use crate::agent::fake;
use crate::agent::python::Function;
use crate::agent::sandbox::{run_bounded, scratch};
use crate::agent::tools;
use crate::rehearsal::cloudformation::{Known, Resolver, creation_order, parameter_values};
use crate::support::{ACCOUNT, REGION, Servers, toolbox, unique};

pub fn expansion(example: &str) -> Value {
    let path = toolbox::repo()
        .join("examples")
        .join(example)
        .join("expanded.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Every example directory with a committed expansion.
pub fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(toolbox::repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expanded.json").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A deployed function: its logical id, its resolved properties, and what Lambda runs.
#[derive(Debug, Clone)]
pub struct Deployed {
    pub id: String,
    pub properties: Value,
    pub function: Function,
}

impl Deployed {
    pub fn is_python(&self) -> bool {
        self.function.runtime.starts_with("python")
    }

    pub fn is_java(&self) -> bool {
        self.function.runtime.starts_with("java")
    }

    /// Why the suite cannot run this function, if it cannot.
    pub fn not_runnable(&self) -> Option<String> {
        if self.properties["PackageType"] == "Image" {
            return Some("a container image".into());
        }
        let arm = self.properties["Architectures"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "arm64"));
        if arm {
            return Some("arm64 (the suite runs x86_64 only)".into());
        }
        None
    }
}

pub struct Stack {
    pub name: String,
    pub functions: Vec<Deployed>,
}

/// Deploys `example`'s expansion as stack `stack_name`, with the template's parameter
/// defaults overridden by `given`. A SAM template's expansion goes through the SAM
/// transform first, as CloudFormation runs it after our macro. Returns `Err` (why) for
/// a template this cannot deploy.
pub fn deploy(
    s: &Servers,
    example: &str,
    stack_name: &str,
    given: &Map<String, Value>,
) -> Result<Stack, String> {
    let mut template = expansion(example);
    let parameters = parameter_values(&template, given);
    match template.get("Transform") {
        None => {}
        Some(t) if t == SAM || t.as_array().is_some_and(|a| a.len() == 1 && a[0] == SAM) => {
            template = sam_transform(&template, stack_name, &parameters)?;
        }
        Some(t) => {
            return Err(format!(
                "its expansion still has Transform {t}, which the suite does not run"
            ));
        }
    }
    let stack_id = format!(
        "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{stack_name}/{}",
        unique("id")
    );
    let mut known = Known::default();
    let mut functions = Vec::new();
    for id in creation_order(&template) {
        let resource = &template["Resources"][&id];
        let resolved = || {
            Resolver {
                stack_name,
                stack_id: &stack_id,
                parameters: &parameters,
                known: &known,
            }
            .resolve(&resource["Properties"])
        };
        let ty = resource["Type"].as_str().unwrap_or_default();
        let (physical, attributes) = match ty {
            "AWS::CodeGuruProfiler::ProfilingGroup" => {
                let props = resolved();
                let name = props["ProfilingGroupName"]
                    .as_str()
                    .expect("a group name")
                    .to_owned();
                let platform = props["ComputePlatform"].as_str().unwrap_or("Default");
                let arn = fake::create_group(&s.codeguru, REGION, &name, platform);
                (name, json!({"Arn": arn}))
            }
            "AWS::IAM::Role" => {
                let name = generated_name(stack_name, &id);
                let arn = format!("arn:aws:iam::{ACCOUNT}:role/{name}");
                (name, json!({"Arn": arn, "RoleId": unique("AROA")}))
            }
            "AWS::Lambda::Function" => {
                let props = resolved();
                let name = props["FunctionName"]
                    .as_str()
                    .map_or_else(|| generated_name(stack_name, &id), str::to_owned);
                let function = function_of(&name, &props);
                let arn = function.arn();
                functions.push(Deployed {
                    id: id.clone(),
                    properties: props,
                    function,
                });
                (name, json!({"Arn": arn}))
            }
            // Role mode acts on IAM only (the rehearsal runs it); the functions that
            // depend on it need only its id and data.
            "Custom::LambdaProfiling" => {
                let props = resolved();
                let role = props["RoleArn"].as_str().unwrap_or_default();
                let name = role.rsplit('/').next().unwrap_or(role).to_owned();
                (format!("role:{name}"), json!({"RoleName": name}))
            }
            _ => (generated_name(stack_name, &id), json!({})),
        };
        known.physical.insert(id.clone(), physical);
        known
            .attributes
            .insert(id.clone(), attributes.as_object().unwrap().clone());
    }
    Ok(Stack {
        name: stack_name.to_owned(),
        functions,
    })
}

const SAM: &str = "AWS::Serverless-2016-10-31";

/// The template after the SAM transform (`tests/agent/sam.py`: the real
/// aws-sam-translator, pinned in `requirements-dev.txt`, run by the tools' Python).
fn sam_transform(
    template: &Value,
    stack_name: &str,
    parameters: &Map<String, Value>,
) -> Result<Value, String> {
    let python = toolbox::tool("python").ok_or("the tools' Python is missing")?;
    let mut values = parameters.clone();
    for (k, v) in [
        ("AWS::Region", REGION),
        ("AWS::AccountId", ACCOUNT),
        ("AWS::Partition", "aws"),
        ("AWS::StackName", stack_name),
        ("AWS::URLSuffix", "amazonaws.com"),
    ] {
        values.insert(k.into(), v.into());
    }
    let dir = scratch("sam");
    let request = dir.join("request.json");
    std::fs::write(
        &request,
        json!({"template": template, "parameters": values}).to_string(),
    )
    .unwrap();
    let mut c = Command::new(python);
    c.arg(tools::suite_file("sam.py")).arg(&request);
    let done = run_bounded(c, Duration::from_secs(60)).unwrap_or_else(|e| panic!("the SAM transform: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    if done.status.code() == Some(3) {
        let why = "the tools' Python has no aws-sam-translator (run scripts/dev-tools)";
        assert!(!tools::require_tools(), "{why}, and this run requires it");
        return Err(why.into());
    }
    // A template of ours that SAM refuses is a failure, not a skip.
    assert!(
        done.status.success(),
        "the SAM transform refused the expansion: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    Ok(serde_json::from_slice(&done.stdout).expect("the SAM transform writes JSON"))
}

/// A name as CloudFormation generates it: stack, logical id and a random suffix, at
/// most 64 characters.
fn generated_name(stack: &str, id: &str) -> String {
    let suffix: String = unique("x").chars().rev().take(12).collect();
    let head: String = format!("{stack}-{id}").chars().take(64 - 13).collect();
    format!("{head}-{}", suffix.to_uppercase())
}

fn function_of(name: &str, props: &Value) -> Function {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().expect("a resolved layer ARN").to_owned())
            .collect()
    };
    let variables: BTreeMap<String, String> = props["Environment"]["Variables"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .unwrap_or_else(|| panic!("{k} is not a string: {v}"))
                    .to_owned(),
            )
        })
        .collect();
    Function {
        name: name.to_owned(),
        runtime: props["Runtime"].as_str().unwrap_or_default().to_owned(),
        handler: props["Handler"].as_str().unwrap_or_default().to_owned(),
        layers: strings(&props["Layers"]),
        variables,
    }
}
