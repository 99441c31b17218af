//! The suite's cases: a function to run under the emulated runtime, what it must show,
//! and the check of what the agent did against what its template says.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value};

use super::expect::{self, Expected};
use super::layers::Content;
use super::python::{self, Function, Outcome, Until, own_answer};
use super::stack::{self, Deployed};
use super::{fake, tools};
use crate::support::*;

/// The servers, with the fake's ConfigureAgent answer shortening the agents' reporting
/// interval to a second (the agent's own floor from the environment is 30 s).
pub fn servers_for_agents() -> Option<&'static Servers> {
    let s = servers()?;
    static SHORTENED: OnceLock<()> = OnceLock::new();
    SHORTENED.get_or_init(|| fake::shorten_reporting(&s.codeguru, 1, 500));
    Some(s)
}

/// A stack name unique to this run, readable in failures.
pub fn stack_name(example: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "agent-{example}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// One function to run, and what it must show.
pub struct Case {
    pub label: String,
    pub function: Function,
    pub python: tools::Python,
    pub expected: Expected,
    pub stack: String,
    pub other_wrapper: bool,
    pub stand_ins: HashMap<String, Content>,
    /// A line the agent must have logged (its own words for what it did).
    pub agent_says: Option<&'static str>,
}

/// Checks an outcome against what the template says; `Err` tells the whole story.
pub fn check(case: &Case, outcome: &Outcome, groups: &Value) -> Result<(), String> {
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
pub fn run_all(s: &Servers, cases: Vec<Case>) {
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
                        .filter_map(|arn| super::layers::content_of(arn, &case.stand_ins, None).describe())
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

pub fn fake_groups(s: &Servers) -> Value {
    let (status, body) = fake::request(&s.codeguru, "GET", "/_groups", &[], b"");
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

/// Deploys `example` (creating the groups other stacks own first) and returns its
/// functions, or `None` after saying SKIPPED for a template the suite cannot deploy.
pub fn deployed(s: &Servers, example: &str, given: &Map<String, Value>) -> Option<stack::Stack> {
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

pub fn case_of(example: &str, stack: &stack::Stack, d: &Deployed) -> Option<Case> {
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
