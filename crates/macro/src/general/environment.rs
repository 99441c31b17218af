//! The agent's environment variables, merged into `Environment.Variables` without
//! changing what the user set, and the Python handler redirect.

use serde_json::{Map, Value, json};

use super::group::GroupRef;
use super::sam::{self, Kind};
use super::view::FunctionView;
use crate::agent::{self, Family, MAX_ENVIRONMENT_BYTES, env};
use crate::problems::{Checked, Problem, fail};
use crate::rules::intrinsics::{describe, is_intrinsic, map_branches, mentions};

type Vars = Map<String, Value>;

/// Called on each variables map (`None` when absent) with its path; returns the new map.
type VarsFn<'f> = dyn FnMut(Option<&Vars>, &str) -> Checked<Option<Vars>> + 'f;

/// What the function's `Environment` and `Handler` become; `None` is unchanged.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EnvEdit {
    pub environment: Option<Value>,
    pub handler: Option<Value>,
}

/// Calls `edit` on every variables map an `Environment` can hold (through `Fn::If`
/// on `Environment` or on `Variables`; `None` when absent), and rebuilds it.
fn edit_variables(f: &FunctionView, edit: &mut VarsFn) -> Checked<Option<Value>> {
    map_branches(f.own("Environment"), &f.path("Environment"), &mut |leaf, at| {
        let env = match leaf {
            None => None,
            Some(Value::Object(m)) if !is_intrinsic(leaf.unwrap_or(&Value::Null)) => Some(m),
            Some(other) => {
                return fail(
                    at,
                    format!(
                        "Environment is {}, which the macro cannot add variables to; write it as an object \
                         with Variables (their values may be intrinsics), or an Fn::If of those",
                        describe(other)
                    ),
                );
            }
        };
        let vars_path = format!("{at}.Variables");
        let vars = map_branches(
            env.and_then(|m| m.get("Variables")),
            &vars_path,
            &mut |vars, vat| match vars {
                None => edit(None, vat).map(|v| v.map(Value::Object)),
                Some(Value::Object(m)) if !is_intrinsic(vars.unwrap_or(&Value::Null)) => {
                    edit(Some(m), vat).map(|v| v.map(Value::Object))
                }
                Some(other) => fail(
                    vat,
                    format!(
                        "Variables is {}, which the macro cannot add variables to; write Variables as a map \
                     (its values may be intrinsics), or an Fn::If of maps",
                        describe(other)
                    ),
                ),
            },
        )?;
        // The new Environment: its other keys as they were, Variables in its place. The old
        // Variables become a placeholder (not copied only to be replaced), which `insert`
        // then replaces where it stands.
        Ok(vars.map(|v| {
            let keep = |(k, x): (&String, &Value)| {
                (k.clone(), if k == "Variables" { Value::Null } else { x.clone() })
            };
            let mut out: Map<String, Value> = env.into_iter().flatten().map(keep).collect();
            out.insert("Variables".into(), v);
            Value::Object(out)
        }))
    })
}

/// `Globals.Function.Environment.Variables` where SAM merges them under the
/// function's (both sides maps; see [`sam::merge`]).
fn global_vars<'t>(f: &FunctionView<'t>) -> Option<&'t Vars> {
    let own = f.own("Environment");
    let own_vars = own.and_then(|e| e.get("Variables"));
    if own.is_some_and(|e| sam::kind(e) != Kind::Map) || own_vars.is_some_and(|v| sam::kind(v) != Kind::Map) {
        return None;
    }
    let vars = f
        .global("Environment")
        .filter(|e| sam::kind(e) == Kind::Map)?
        .get("Variables")?;
    if sam::kind(vars) == Kind::Map {
        vars.as_object()
    } else {
        None
    }
}

/// A global `Environment` (or its `Variables`) that is an intrinsic would be replaced,
/// not merged, once the function has its own variables map.
fn check_global_environment(f: &FunctionView) -> Checked<()> {
    let Some(global) = f.global("Environment") else {
        return Ok(());
    };
    let own = f.own("Environment");
    let own_vars = own.and_then(|e| e.get("Variables"));
    let (opaque, path) = if sam::kind(global) != Kind::Map {
        (own.is_none(), "Globals.Function.Environment")
    } else {
        let global_vars = global.get("Variables").is_some_and(|v| sam::kind(v) != Kind::Map);
        (
            global_vars && own.is_none_or(|e| sam::kind(e) == Kind::Map) && own_vars.is_none(),
            "Globals.Function.Environment.Variables",
        )
    };
    if opaque {
        return fail(
            path,
            format!(
                "is {}; SAM would replace it with the function's own variables instead of merging them, so \
                 the agent's variables cannot be added. Write it as a map (its values may be intrinsics)",
                describe(if path.ends_with("Variables") {
                    &global["Variables"]
                } else {
                    global
                })
            ),
        );
    }
    Ok(())
}

fn lookup<'v>(key: &str, own: Option<&'v Vars>, global: Option<&'v Vars>) -> Option<&'v Value> {
    own.and_then(|m| m.get(key))
        .or_else(|| global.and_then(|m| m.get(key)))
}

/// What the function's variables already say, read in one pass over every branch.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EnvFacts {
    /// The group variables it sets (`_GROUP_NAME`, `_GROUP_ARN`), from the first branch with either.
    pub named: Option<(Option<Value>, Option<Value>)>,
    /// Some branch sets `AWS_LAMBDA_EXEC_WRAPPER` to a wrapper other than the agent's.
    foreign_wrapper: bool,
}

pub(crate) fn inspect(f: &FunctionView) -> Checked<EnvFacts> {
    let global = global_vars(f);
    let mut facts = EnvFacts::default();
    edit_variables(f, &mut |own, _| {
        let name = lookup(env::GROUP_NAME, own, global);
        let arn = lookup(env::GROUP_ARN, own, global);
        if facts.named.is_none() && (name.is_some() || arn.is_some()) {
            facts.named = Some((name.cloned(), arn.cloned()));
        }
        facts.foreign_wrapper |=
            lookup(env::EXEC_WRAPPER, own, global).is_some_and(|w| w != env::EXEC_WRAPPER_VALUE);
        Ok(None)
    })?;
    Ok(facts)
}

/// How a Python function starts the agent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PythonStart {
    /// `AWS_LAMBDA_EXEC_WRAPPER` is free: use the agent's wrapper.
    Wrapper,
    /// Another wrapper is set: point `Handler` at the agent, which calls the original.
    Redirect,
    /// `Handler` already points at the agent.
    Redirected,
}

fn python_start(f: &FunctionView, facts: &EnvFacts) -> PythonStart {
    if f.effective("Handler").0.as_deref().and_then(Value::as_str) == Some(agent::REDIRECT_HANDLER) {
        PythonStart::Redirected
    } else if facts.foreign_wrapper {
        PythonStart::Redirect
    } else {
        PythonStart::Wrapper
    }
}

/// The agent's variables for `group`, merged into every branch of the function's
/// `Environment`; values the user set are kept.
pub(crate) fn merge(
    f: &FunctionView,
    facts: &EnvFacts,
    family: Family,
    group: &GroupRef,
    heap_summary: bool,
) -> Checked<EnvEdit> {
    check_global_environment(f)?;
    let start = match family {
        Family::Python => Some(python_start(f, facts)),
        Family::Java => None,
    };
    let mut handler = None;
    let mut original_handler = None;
    if start == Some(PythonStart::Redirect) {
        let (h, path) = f.effective("Handler");
        let Some(h) = h else {
            return fail(
                &path,
                "the function has no Handler for the agent's handler redirect to call; set Handler",
            );
        };
        original_handler = Some(h.into_owned());
        handler = Some(json!(agent::REDIRECT_HANDLER));
    }
    let global = global_vars(f);
    let environment = edit_variables(f, &mut |own, at| {
        let mut out = own.cloned().unwrap_or_default();
        let before = out.len();
        let add = |out: &mut Vars, key: &str, value: Option<Value>| {
            if let Some(value) = value.filter(|_| lookup(key, Some(out), global).is_none()) {
                out.insert(key.to_string(), value);
            }
        };
        add(&mut out, env::GROUP_NAME, group.name.clone());
        add(&mut out, env::GROUP_ARN, group.arn.clone());
        add(&mut out, env::TARGET_REGION, Some(group.region.clone()));
        add(&mut out, env::ENABLED, Some(json!(env::ENABLED_VALUE)));
        match start {
            Some(PythonStart::Wrapper) => {
                add(&mut out, env::EXEC_WRAPPER, Some(json!(env::EXEC_WRAPPER_VALUE)))
            }
            Some(PythonStart::Redirect) => {
                let original = original_handler.clone();
                match lookup(env::REDIRECTED_HANDLER, Some(&out), global) {
                    Some(set) if Some(set) != original.as_ref() => {
                        return fail(
                            &format!("{at}.{}", env::REDIRECTED_HANDLER),
                            "is already set, to a handler other than the function's Handler; remove it, \
                             and the macro will point it at the Handler when it redirects to the agent",
                        );
                    }
                    _ => add(&mut out, env::REDIRECTED_HANDLER, original),
                }
            }
            Some(PythonStart::Redirected) | None => {}
        }
        let mut changed = false;
        if family == Family::Java {
            if let Some(options) = with_java_agent(lookup(env::JAVA_TOOL_OPTIONS, Some(&out), global)) {
                out.insert(env::JAVA_TOOL_OPTIONS.into(), options);
                changed = true;
            }
            if heap_summary {
                add(&mut out, env::HEAP_SUMMARY, Some(json!(env::HEAP_SUMMARY_VALUE)));
            }
        }
        check_size(&out, global, at, group)?;
        // Variables are only ever added, except JAVA_TOOL_OPTIONS, which is extended.
        Ok((changed || out.len() != before || own.is_none()).then_some(out))
    })?;
    Ok(EnvEdit { environment, handler })
}

/// `JAVA_TOOL_OPTIONS` with the agent flag added once; `None` when already there.
fn with_java_agent(existing: Option<&Value>) -> Option<Value> {
    let flag = env::JAVA_AGENT_FLAG;
    match existing {
        None => Some(json!(flag)),
        Some(Value::String(s)) => agent::java_options_with_agent(s).map(Value::String),
        Some(v) if mentions(v, flag) => None,
        Some(v) => Some(json!({"Fn::Join": [" ", [v, flag]]})),
    }
}

/// Lambda's 4 KB limit, measured as Lambda measures it (the compact JSON of the
/// variables, [`agent::environment_size`]) with lambda-profiling's margin, over the values
/// known before deploy. The agent's group variables, intrinsics when the group is the
/// template's, count at their longest (`group.longest_name`): with them, Lambda's refusal
/// would quote every variable into the stack's events. Another intrinsic counts as empty.
fn check_size(own: &Vars, global: Option<&Vars>, at: &str, group: &GroupRef) -> Checked<()> {
    let longest_arn = "arn:aws-us-gov:codeguru-profiler:".len()
        + "ap-southeast-5".len()
        + ":123456789012:profilingGroup/".len();
    let size = |k: &str, v: &Value| match v {
        Value::String(s) => agent::json_string_size(s),
        Value::Number(_) | Value::Bool(_) => agent::json_string_size(&v.to_string()),
        _ if k == env::GROUP_NAME => 2 + group.longest_name,
        _ if k == env::GROUP_ARN => 2 + longest_arn + group.longest_name,
        _ => 2,
    };
    let globals = global
        .into_iter()
        .flatten()
        .filter(|(k, _)| !own.contains_key(*k));
    let vars = own.iter().chain(globals);
    let total = agent::measured(vars.map(|(k, v)| (k.as_str(), size(k, v))));
    if total > agent::ENVIRONMENT_LIMIT {
        return Err(vec![Problem::new(
            at,
            format!(
                "with the agent's variables the function's environment measures {total} bytes (as Lambda \
                 measures it: the compact JSON of the variables, the group's name at its longest), over \
                 Lambda's limit of {MAX_ENVIRONMENT_BYTES} less the {} that lambda-profiling keeps free; shorten \
                 or remove some variables, give the group a shorter ProfilingGroupName, or remove Profiling",
                agent::ENVIRONMENT_MARGIN
            ),
        )]);
    }
    Ok(())
}

#[cfg(test)]
#[path = "environment_tests.rs"]
mod tests;
