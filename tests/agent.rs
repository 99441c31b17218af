//! The agent suite: what we set up makes the real CodeGuru Profiler agent
//! report to the right group. See `tests/agent/README.md`.
//!
//! Our actual outputs (the committed expansions of `examples/`, and a function that
//! function mode enabled through the real `bootstrap`) are run by an emulation of
//! Lambda's managed Python runtime: the real `awslambdaric` against the project's
//! Runtime API emulator, `AWS_LAMBDA_EXEC_WRAPPER` honoured as Lambda honours it, the
//! agent layers' content (the real agent from PyPI, at the version each layer ships,
//! laid out as the layer is) at `/opt` in a private mount namespace, and the real agent
//! reporting to the CodeGuru Profiler fake of `tests/support/servers.py`.

mod support;

#[path = "support/runtime_api/mod.rs"]
mod runtime_api;

#[allow(dead_code)] // the rehearsal's CloudFormation, of which this suite uses a part
#[path = "rehearsal"]
mod rehearsal {
    pub mod cloudformation;
    pub mod deploy;
    pub mod deployed;
}

mod agent {
    pub mod cases;
    pub mod expect;
    pub mod fake;
    pub mod java;
    pub mod layers;
    pub mod python;
    pub mod sandbox;
    pub mod stack;
    pub mod tools;
}

use std::collections::HashMap;
use std::path::Path;

use agent::cases::{Case, case_of, deployed, fake_groups, run_all, servers_for_agents};
use agent::expect::{self, Expected, Reports};
use agent::layers::{Content, PYTHON_LAYER_NAME};
use agent::python::{self, Function, Until};
use agent::stack;
use agent::{java, tools};
use rehearsal::deploy::{Cloud, Stack};
use rehearsal::deployed::{self, BOOTSTRAP};
use runtime_api::{FunctionConfig, RuntimeApi};
use serde_json::{Map, Value, json};
use support::*;

/// Acceptance 1 and 3: every Python function of every example, on the runtime it declares, reports
/// to exactly the group its template creates or names (or, when not profiled, reports
/// nothing), and answers with its own result.
#[test]
fn every_python_function_of_the_examples_reports_to_its_templates_group() {
    let Some(s) = servers_for_agents() else { return };
    let mut cases = Vec::new();
    for example in stack::examples() {
        let Some(stack) = deployed(s, &example, &Map::new()) else {
            continue;
        };
        for d in stack.functions.iter().filter(|d| d.is_python()) {
            let reports = expect::expected(&example, &d.id);
            if let Some(why) = d.not_runnable() {
                assert_eq!(
                    reports,
                    Reports::Nothing,
                    "{example} {}: {why}, but it should report",
                    d.id
                );
                continue; // not profiled, and not runnable here: examples.rs checks it is left alone
            }
            cases.extend(case_of(&example, &stack, d));
        }
    }
    // Every python3.10+ this machine has is run by some example.
    for version in tools::installed_pythons() {
        let minor: u32 = version
            .strip_prefix("3.")
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        if minor >= 10 && !cases.iter().any(|c| c.python.version == version) {
            tools::skipped(
                &format!("python{version}"),
                "is on this machine, but no example declares it: add a function to examples/python-runtimes",
                true,
            );
        }
    }
    run_all(s, cases);
}

/// The negative control (acceptance 4), which must fail to report: the example's
/// function with the exec wrapper variable removed (what CDK's `profiling: true`
/// leaves) starts no agent; so does one whose agent is turned off. Both still answer.
#[test]
fn without_the_exec_wrapper_the_agent_reports_nothing() {
    let Some(s) = servers_for_agents() else { return };
    let Some(stack) = deployed(s, "python-function", &Map::new()) else {
        return;
    };
    let d = &stack.functions[0];
    let Some(mut case) = case_of("python-function", &stack, d) else {
        return;
    };
    let positive = case.function.clone();
    assert!(
        positive.variables.contains_key("AWS_LAMBDA_EXEC_WRAPPER"),
        "{positive:?}"
    );
    case.function.variables.remove("AWS_LAMBDA_EXEC_WRAPPER");
    case.expected = Expected::Nothing;
    case.label = format!("{} without AWS_LAMBDA_EXEC_WRAPPER", case.label);
    let mut disabled = Case {
        label: format!(
            "examples/python-function {} with AWS_CODEGURU_PROFILER_ENABLED=false",
            d.id
        ),
        function: positive,
        expected: Expected::Nothing,
        python: case.python.clone(),
        stack: case.stack.clone(),
        other_wrapper: false,
        stand_ins: HashMap::new(),
        agent_says: Some("AWS_CODEGURU_PROFILER_ENABLED is set to false, CodeGuru Profiler is disabled"),
    };
    disabled
        .function
        .variables
        .insert("AWS_CODEGURU_PROFILER_ENABLED".into(), "false".into());
    disabled.function.name = format!("{}-off", disabled.function.name);
    run_all(s, vec![case, disabled]);
}

/// The layers are laid out as published: a layer without the agent for the function's
/// Python version (versions 11 and 12 have it for python3.6 to 3.9 only) cannot load
/// it, and the function fails at its first invocation. This is why the suite's layer
/// stand-ins would catch a layer version that does not fit the runtime.
#[test]
fn a_layer_without_the_runtimes_agent_breaks_the_function() {
    let Some(s) = servers_for_agents() else { return };
    let Some(stack) = deployed(s, "python-function", &Map::new()) else {
        return;
    };
    let mut f = stack.functions[0].function.clone();
    let Some(python) = tools::python(&f.runtime, "the layer-layout control") else {
        return;
    };
    for layer in &mut f.layers {
        if layer.contains(&format!(":layer:{PYTHON_LAYER_NAME}:")) {
            *layer = format!("{}:11", layer.rsplit_once(':').unwrap().0);
        }
    }
    let outcome = python::run(s, &f, &python, &HashMap::new(), Until::Invocations(1));
    let first = outcome.answers.first().map(|(_, a)| a.clone());
    let broken = first.as_ref().is_some_and(|a| {
        a["errorType"] == "Runtime.ImportModuleError"
            && a["errorMessage"]
                .as_str()
                .unwrap_or_default()
                .contains("codeguru_profiler_agent")
    }) || outcome
        .stopped
        .as_ref()
        .is_some_and(|s| s.contains("codeguru_profiler_agent"));
    assert!(
        broken && outcome.calls.is_empty(),
        "layer 11 on {} should not load the agent:\n{}",
        f.runtime,
        outcome.story()
    );
}

/// Acceptance 2, function mode: a function outside any stack, created in moto, is enabled by the
/// custom resource (the real `bootstrap` under the Runtime API emulator, as in the
/// rehearsal); its configuration, read back from moto, reports to the group function
/// mode made. After the stack's Delete the same function, read back again, reports
/// nothing; it answers with its own result throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_enabled_by_function_mode_reports_and_after_delete_reports_nothing() {
    let Some(s) = servers_for_agents() else { return };
    let Some(python) = tools::python("python3.12", "function mode under the agent") else {
        return;
    };
    let c = clients(s, &unique("agent-fn")).await;
    let role = unique("agent-fn-role");
    let role_arn = create_role(&c, &role).await;
    // Test-only: moto holds layers of its own account only; this one stands for the
    // official layer of the version the product attaches by default.
    let layer = publish_layer(&c, PYTHON_LAYER_NAME).await;
    let version = lambda_profiling_macro::agent::Family::Python
        .default_layer_version("python3.12")
        .expect("a built-in layer carries python3.12");
    let stand_ins = HashMap::from([(
        layer.clone(),
        Content::PythonAgent {
            layer_version: version,
        },
    )]);
    let name = unique("agent-outside");
    create_function(&c, &name, "python3.12", &role_arn, &[("APP_MODE", "live")], &[]).await;

    let api = RuntimeApi::start(FunctionConfig::default()).unwrap();
    let mut function = api
        .spawn(Path::new(BOOTSTRAP), &deployed::environment(s))
        .unwrap();
    let mut cloud = Cloud {
        servers: s,
        clients: c.clone(),
        function: &mut function,
        response_urls: Vec::new(),
    };
    let template = json!({"Resources": {"Profiling": {"Type": "Custom::LambdaProfiling",
        "Properties": {"ServiceToken": api.config().arn(), "FunctionName": name, "LayerArn": layer}}}});
    let mut stack = Stack::new(unique("agent-by-hand"));
    cloud.create_stack(&mut stack, template, Map::new()).await;

    let stack_name = stack.name.clone();
    let case = |label: &str, function: Function, expected: Expected| Case {
        label: format!("function mode, {label}"),
        function,
        python: python.clone(),
        expected,
        stack: stack_name.clone(),
        other_wrapper: false,
        stand_ins: stand_ins.clone(),
        agent_says: None,
    };
    // The console's name, in the region the custom resource runs in.
    let group = Expected::To {
        name: format!("aws-lambda-{name}"),
        region: REGION.into(),
    };
    let on = case("enabled", read_back(&c, &name).await, group);
    assert!(!on.function.layers.is_empty(), "{:?}", on.function);
    tokio::task::block_in_place(|| run_all(s, vec![on]));

    cloud.delete_stack(&mut stack).await;
    let off = case("after Delete", read_back(&c, &name).await, Expected::Nothing);
    assert!(off.function.layers.is_empty(), "{:?}", off.function);
    tokio::task::block_in_place(|| run_all(s, vec![off]));
    drop(cloud);
    function.stop();
}

/// A function's configuration as moto holds it.
async fn read_back(c: &lambda_profiling_switch::Clients, name: &str) -> Function {
    let state = function_state(c, name).await;
    Function {
        name: name.to_owned(),
        runtime: state.runtime,
        handler: state.handler,
        layers: state.layers,
        variables: state.vars,
    }
}

/// Java: each example's Java function, run by a real JVM with its variables: the JVM
/// loads the agent stub once, from the layer's path, whether `JAVA_TOOL_OPTIONS` was
/// created or merged into the user's own options, whose own options still take effect;
/// with `HeapSummary` the agent sees the heap summary switch; it sees its group.
#[test]
fn the_java_agent_is_loaded_under_the_java_tool_options_we_write() {
    let Some(jdk) = java::jdk() else { return };
    let Some(s) = servers_for_agents() else { return };
    let mut seen = Vec::new();
    for example in stack::examples() {
        let Some(stack) = deployed(s, &example, &Map::new()) else {
            continue;
        };
        for d in stack.functions.iter().filter(|d| d.is_java()) {
            let label = format!("examples/{example} {}", d.id);
            let f = &d.function;
            let run = java::run(jdk, f).unwrap_or_else(|e| panic!("{label}: {e}"));
            let options = f.variables["JAVA_TOOL_OPTIONS"].replace("/opt/", &format!("{}/", run.opt));
            let why = format!(
                "{label}: JAVA_TOOL_OPTIONS {options:?}\n{:#}\n{}",
                run.answer, run.stderr
            );
            assert_eq!(run.answer["answer"], "the handler's own result", "{why}");
            assert!(
                run.stderr
                    .contains(&format!("Picked up JAVA_TOOL_OPTIONS: {options}\n")),
                "{why}"
            );
            let jar = format!("{}/{}", run.opt, agent::layers::JAVA_AGENT_JAR);
            assert_eq!(
                run.answer["agentLoads"],
                json!([jar]),
                "loaded once, from the layer: {why}"
            );
            // The user's own options, if any, are still in force.
            let own: Vec<&str> = options
                .split_whitespace()
                .filter(|o| !o.starts_with("-javaagent:"))
                .collect();
            for option in &own {
                assert!(
                    run.answer["inputArguments"]
                        .as_array()
                        .unwrap()
                        .contains(&json!(option)),
                    "{why}"
                );
                if let Some(level) = option.strip_prefix("-XX:TieredStopAtLevel=") {
                    assert_eq!(run.answer["TieredStopAtLevel"], level, "{why}");
                }
            }
            let vars = &run.answer["agentVariables"];
            let heap = expect::HEAP_SUMMARY.contains(&(example.as_str(), d.id.as_str()));
            let switch = &vars["AWS_CODEGURU_PROFILER_HEAP_SUMMARY_ENABLED"];
            assert_eq!(switch, &if heap { json!("true") } else { Value::Null }, "{why}");
            let expected = expect::expected(&example, &d.id).in_stack(&stack.name);
            let Expected::To { name: group, region } = expected else {
                panic!("{label}: a Java function that should not report")
            };
            assert_eq!(vars["AWS_CODEGURU_PROFILER_GROUP_NAME"], group.as_str(), "{why}");
            assert_eq!(vars["AWS_CODEGURU_PROFILER_TARGET_REGION"], region, "{why}");
            let arn = vars["AWS_CODEGURU_PROFILER_GROUP_ARN"]
                .as_str()
                .unwrap_or_default();
            assert_eq!(fake_groups(s)[&group]["arn"], arn, "{why}");
            println!("ok: {label}: java loaded {jar} under {options:?}");
            seen.push((own.is_empty(), heap));
        }
    }
    // Covered: the variable created, the variable merged, and HeapSummary.
    assert!(
        seen.iter().any(|(created, _)| *created),
        "no Java function had its JAVA_TOOL_OPTIONS created"
    );
    assert!(
        seen.iter().any(|(created, _)| !created),
        "no Java function had its JAVA_TOOL_OPTIONS merged"
    );
    assert!(
        seen.iter().any(|(_, heap)| *heap),
        "no Java function asked for HeapSummary"
    );
}
