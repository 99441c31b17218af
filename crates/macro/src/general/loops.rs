//! `Fn::ForEach` loops of `AWS::LanguageExtensions`. CloudFormation runs transforms in
//! the order `Transform` lists them; when `LambdaProfiling` comes first, it sees the loop
//! unexpanded, and cannot edit the functions the loop will make. A loop that holds no
//! function asking for profiling is left as it is; one that does is answered with the
//! fix: list `AWS::LanguageExtensions` first, and the macro sees the expanded functions.

use serde_json::Value;

use crate::problems::Problem;
use crate::report::{FunctionOutcome, FunctionReport};
use crate::rules::resource_types::is_function;

/// The prefix of a loop's key in `Resources`.
pub(crate) const LOOP_PREFIX: &str = "Fn::ForEach::";

/// The pseudo type the general lane gives a loop's entry.
pub(crate) const LOOP: &str = "Fn::ForEach";

const FIX: &str = "list AWS::LanguageExtensions before LambdaProfiling in Transform \
    (Transform: [AWS::LanguageExtensions, LambdaProfiling]), so that the loop is expanded before the \
    macro runs and its functions are profiled like any other";

/// What a loop means for profiling: a problem when a function in it writes `Profiling`
/// (which CloudFormation would reject), a report line when the template-wide default
/// would profile functions it cannot see, or nothing.
pub(crate) fn check(id: &str, body: &Value, default_on: bool) -> Result<Option<FunctionReport>, Problem> {
    let mut functions = Vec::new();
    collect_functions(body, &mut functions);
    let path = format!("Resources.{id}");
    if let Some(asking) = functions
        .iter()
        .find(|(_, f)| f.pointer("/Properties/Profiling").is_some())
    {
        return Err(Problem::new(
            path,
            format!(
                "the loop makes function {} with Profiling, but AWS::LanguageExtensions expands the loop only \
                 after this macro has run; {FIX}",
                asking.0
            ),
        ));
    }
    if !default_on || functions.is_empty() {
        return Ok(None);
    }
    Ok(Some(FunctionReport {
        id: id.to_string(),
        outcome: FunctionOutcome::Skipped {
            reason: format!("{path}: the loop's functions are not profiled by the default; {FIX}"),
        },
    }))
}

/// The function resources of a loop's body (`[identifier, collection, outputs]`),
/// nested loops included, with their logical id templates.
fn collect_functions<'v>(body: &'v Value, into: &mut Vec<(&'v str, &'v Value)>) {
    let Some(Value::Object(outputs)) = body.get(2) else {
        return;
    };
    for (key, resource) in outputs {
        if key.starts_with(LOOP_PREFIX) {
            collect_functions(resource, into);
        } else if resource
            .get("Type")
            .and_then(Value::as_str)
            .is_some_and(is_function)
        {
            into.push((key, resource));
        }
    }
}

#[cfg(test)]
#[path = "loops_tests.rs"]
mod tests;
