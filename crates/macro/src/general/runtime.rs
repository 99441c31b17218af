//! Whether a function can be profiled: its runtime, architecture and package type,
//! resolved through template parameters and `Fn::If` branches.

use serde_json::Value;

use super::view::FunctionView;
use crate::agent::{self, Family};
use crate::context::ParameterValues;
use crate::problems::{Checked, Problem, collect};
use crate::rules::intrinsics::{describe, parameter_list, possible_values};

/// The facts about a function that decide its agent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuntimeFacts {
    pub family: Family,
    /// Every runtime the function may have (more than one under `Fn::If`).
    pub runtimes: Vec<String>,
}

pub(crate) fn resolve(f: &FunctionView, values: &ParameterValues) -> Checked<RuntimeFacts> {
    let mut problems = Vec::new();
    let image = check_package_type(f, values, &mut problems);
    check_architectures(f, values, &mut problems);
    let facts = if image {
        None
    } else {
        resolve_runtime(f, values, &mut problems)
    };
    match facts {
        Some(facts) if problems.is_empty() => Ok(facts),
        _ => Err(problems),
    }
}

/// Returns whether the function is (or may be) a container image.
fn check_package_type(f: &FunctionView, values: &ParameterValues, problems: &mut Vec<Problem>) -> bool {
    let (v, path) = f.effective("PackageType");
    let Some(possible) = collect(
        possible_values(v.as_deref(), &path, values, "PackageType"),
        problems,
    ) else {
        return false;
    };
    let mut image = false;
    for (p, path) in possible {
        match p.as_ref().and_then(Value::as_str) {
            None if p.is_none() => {}
            Some("Zip") => {}
            Some("Image") => {
                image = true;
                problems.push(Problem::new(
                    &path,
                    "a container image function cannot be profiled with a layer; build the CodeGuru agent into \
                     the image instead, and remove Profiling from this function",
                ));
            }
            _ => problems.push(Problem::new(
                &path,
                format!(
                    "PackageType must be Zip or Image; got {}",
                    p.as_ref().map_or("nothing".into(), describe)
                ),
            )),
        }
    }
    image
}

fn check_architectures(f: &FunctionView, values: &ParameterValues, problems: &mut Vec<Problem>) {
    let (v, path) = f.effective("Architectures");
    let Some(possible) = collect(
        possible_values(v.as_deref(), &path, values, "Architectures"),
        problems,
    ) else {
        return;
    };
    for (list, path) in possible {
        let Some(list) = list else { continue };
        let Some(items) = parameter_list(&list) else {
            problems.push(Problem::new(
                &path,
                format!("Architectures must be a list; got {}", describe(&list)),
            ));
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let Some(archs) = collect(possible_values(Some(item), &at, values, "architecture"), problems)
            else {
                continue;
            };
            for (arch, at) in archs {
                let Some(arch) = arch else { continue };
                if arch.as_str() != Some("x86_64") {
                    problems.push(Problem::new(
                        &at,
                        format!(
                            "{} is not supported: the CodeGuru agent layers are published for x86_64 only; \
                             use x86_64 or remove Profiling from this function",
                            arch.as_str().map_or_else(|| describe(&arch), str::to_string)
                        ),
                    ));
                }
            }
        }
    }
}

fn resolve_runtime(
    f: &FunctionView,
    values: &ParameterValues,
    problems: &mut Vec<Problem>,
) -> Option<RuntimeFacts> {
    let (v, top) = f.effective("Runtime");
    let possible = collect(possible_values(v.as_deref(), &top, values, "Runtime"), problems)?;
    let mut facts: Option<RuntimeFacts> = None;
    for (p, path) in possible {
        let runtime = match p {
            Some(Value::String(s)) => s,
            None => {
                problems.push(Problem::new(
                    &path,
                    "the function has no Runtime; profiling needs python3.8+ or java",
                ));
                return None;
            }
            Some(other) => {
                problems.push(Problem::new(
                    &path,
                    format!("Runtime must be a string; got {}", describe(&other)),
                ));
                return None;
            }
        };
        let family = match agent::classify_runtime(&runtime) {
            Ok(family) => family,
            Err(why) => {
                problems.push(Problem::new(
                    &path,
                    format!("{why}; remove Profiling from this function"),
                ));
                return None;
            }
        };
        match &mut facts {
            None => {
                facts = Some(RuntimeFacts {
                    family,
                    runtimes: vec![runtime],
                })
            }
            Some(f) if f.family == family => f.runtimes.push(runtime),
            Some(f) => {
                problems.push(Problem::new(
                    &top,
                    format!(
                        "the Fn::If branches give a {} runtime ({}) and a {} runtime ({runtime}); each agent \
                         serves one language, so make both branches the same language or split the function",
                        f.family.label(),
                        f.runtimes[0],
                        family.label()
                    ),
                ));
                return None;
            }
        }
    }
    facts
}

#[cfg(test)]
#[path = "runtime_tests.rs"]
mod tests;
