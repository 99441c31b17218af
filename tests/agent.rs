//! The agent suite (issue 13): what we set up makes the real CodeGuru Profiler agent
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
    pub mod expect;
    pub mod fake;
    pub mod java;
    pub mod layers;
    pub mod python;
    pub mod stack;
    pub mod tools;
}

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use agent::expect::{self, Expected, Reports};
use agent::layers::{Content, PYTHON_LAYER_NAME};
use agent::python::{self, Function, Outcome, Until, own_answer};
use agent::stack::{self, Deployed};
use agent::{fake, java, tools};
use rehearsal::deploy::{Cloud, Stack};
use rehearsal::deployed::{self, BOOTSTRAP};
use runtime_api::{FunctionConfig, RuntimeApi};
use serde_json::{Map, Value, json};
use support::*;

/// The servers, with the fake's ConfigureAgent answer shortening the agents' reporting
/// interval to a second (the agent's own floor from the environment is 30 s).
fn servers_for_agents() -> Option<&'static Servers> {
    let s = servers()?;
    static SHORTENED: OnceLock<()> = OnceLock::new();
    SHORTENED.get_or_init(|| fake::shorten_reporting(&s.codeguru, 1, 500));
    Some(s)
}

/// A stack name unique to this run, readable in failures.
fn stack_name(example: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "agent-{example}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// One function to run, and what it must show.
struct Case {
    label: String,
    function: Function,
    python: tools::Python,
    expected: Expected,
    stack: String,
    other_wrapper: bool,
    stand_ins: HashMap<String, Content>,
    /// A line the agent must have logged (its own words for what it did).
    agent_says: Option<&'static str>,
}

/// Checks an outcome against what the template says; `Err` tells the whole story.
fn check(case: &Case, outcome: &Outcome, groups: &Value) -> Result<(), String> {
    let fail = |why: String| Err(format!("{}: {why}\n{}", case.label, outcome.story()));
    // 3. The function's own handler still answers, with its own result, every time.
    if let Some(stopped) = &outcome.stopped {
        return fail(format!("invoking stopped: {stopped}"));
    }
    if outcome.answers.is_empty() {
        return fail("no invocation was answered".into());
    }
    for (id, answer) in &outcome.answers {
        let own = own_answer(&case.function, id, case.other_wrapper);
        if answer != &own {
            return fail(format!(
                "invocation {id} answered {answer}, not the handler's own {own}"
            ));
        }
    }
    if let Some(line) = case.agent_says
        && !outcome.agent_log().contains(line)
    {
        return fail(format!("the agent did not log {line:?}"));
    }
    let (name, region) = match &case.expected {
        Expected::Nothing => {
            if outcome.calls.is_empty() {
                return Ok(());
            }
            return fail("the agent reported, though the function is not profiled".into());
        }
        Expected::To { name, region } => (name.clone(), region.clone()),
        Expected::ToItsOwnNewGroup => {
            let Some(first) = outcome.calls.first() else {
                return fail("the agent made no call".into());
            };
            let ok = first.group.starts_with(&format!("{}-", case.stack))
                && first.group.len() <= 255
                && groups.get(&first.group).is_some();
            if !ok {
                return fail(format!("{:?} is not a group this stack created", first.group));
            }
            (first.group.clone(), REGION.to_owned())
        }
    };
    // 1. It reports, to exactly that group, signed for that group's region.
    for call in &outcome.calls {
        if call.group != name || call.region != region || call.service.as_deref() != Some("codeguru-profiler")
        {
            return fail(format!(
                "a {} to group {:?} signed for {} ({:?}); the template's group is {name:?} in {region}",
                call.operation, call.group, call.region, call.service
            ));
        }
        if !matches!(call.status, 200 | 204) {
            return fail(format!("the fake answered {} {}", call.operation, call.status));
        }
    }
    if !outcome.calls.iter().any(|c| c.operation == "ConfigureAgent") {
        return fail("the agent never called ConfigureAgent".into());
    }
    let posted = outcome.posted();
    if posted.is_empty() {
        return fail("the agent posted no profile".into());
    }
    // The profile is of the function's own code: its handler is in the call graph.
    let (module, function) = case.function.own_handler().rsplit_once('.').unwrap();
    let frame = format!("{module}:{function}");
    let seen = posted.iter().any(|p| {
        p.profile
            .as_ref()
            .is_some_and(|p| fake::frames(p).contains(&frame))
    });
    if !seen {
        return fail(format!("no posted profile has the handler's frame {frame:?}"));
    }
    // Its own log says so too: the lines a failure quotes are the agent's.
    if !outcome.agent_log().contains("Reported profile successfully") {
        return fail("the agent's log does not say it reported".into());
    }
    Ok(())
}

/// Runs the cases, three at a time (they mostly wait in the handler), and fails with
/// the story of every case that did not show what it must.
fn run_all(s: &Servers, cases: Vec<Case>) {
    let next = AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    let groups = std::sync::Mutex::new(Value::Null);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let until = match case.expected {
                        Expected::Nothing => Until::Invocations(2),
                        _ => Until::Reported(6),
                    };
                    let outcome = python::run(s, &case.function, &case.python, &case.stand_ins, until);
                    let known = {
                        let mut g = groups.lock().unwrap();
                        *g = fake_groups(s);
                        g.clone()
                    };
                    let agent: Vec<String> = case
                        .function
                        .layers
                        .iter()
                        .filter_map(|arn| agent::layers::content_of(arn, &case.stand_ins, None).describe())
                        .collect();
                    match check(case, &outcome, &known) {
                        Ok(()) => println!(
                            "ok: {} on python{} with {}: {} answers, {} profiles posted to {:?}",
                            case.label,
                            case.python.version,
                            if agent.is_empty() {
                                "no agent layer".into()
                            } else {
                                agent.join(", ")
                            },
                            outcome.answers.len(),
                            outcome.posted().len(),
                            outcome
                                .posted()
                                .first()
                                .map(|p| format!("{} in {}", p.group, p.region))
                                .unwrap_or_default()
                        ),
                        Err(story) => failures.lock().unwrap().push(story),
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

fn fake_groups(s: &Servers) -> Value {
    let (status, body) = fake::request(&s.codeguru, "GET", "/_groups", &[], b"");
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

/// Deploys `example` (creating the groups other stacks own first) and returns its
/// functions, or `None` after saying SKIPPED for a template the suite cannot deploy.
fn deployed(s: &Servers, example: &str, given: &Map<String, Value>) -> Option<stack::Stack> {
    for (e, region, name) in expect::EXISTING_GROUPS {
        if *e == example {
            fake::create_group(&s.codeguru, region, name, "AWSLambda");
        }
    }
    match stack::deploy(s, example, &stack_name(example), given) {
        Ok(stack) => Some(stack),
        Err(why) => {
            tools::skipped(&format!("examples/{example}"), &why, true);
            None
        }
    }
}

fn case_of(example: &str, stack: &stack::Stack, d: &Deployed) -> Option<Case> {
    let label = format!("examples/{example} {} ({})", d.id, d.function.runtime);
    let python = tools::python(&d.function.runtime, &label)?;
    Some(Case {
        label,
        function: d.function.clone(),
        python,
        expected: expect::expected(example, &d.id).in_stack(&stack.name),
        stack: stack.name.clone(),
        other_wrapper: expect::OTHER_WRAPPER.contains(&(example, d.id.as_str())),
        stand_ins: HashMap::new(),
        agent_says: None,
    })
}

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
async fn read_back(c: &lambda_profiling::Clients, name: &str) -> Function {
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
