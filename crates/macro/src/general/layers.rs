//! The agent layer: which ARN, and how it joins the function's `Layers`.

use serde_json::Value;

use super::sam::{self, Kind};
use super::view::FunctionView;
use crate::agent::{self, Family, MAX_LAYERS};
use crate::context::ParameterValues;
use crate::problems::{Checked, Problem, fail};
use crate::rules::intrinsics::{
    self, describe, is_intrinsic, map_branches, mentions, parameter_list, ref_name,
};

/// Whether a `Layers` item is (any version of) the agent layer.
fn is_agent(item: &Value, layer: &Value, family: Family) -> bool {
    match item {
        _ if item == layer => true,
        Value::String(s) => agent::same_agent_layer(s, layer.as_str().unwrap_or_default(), family),
        // An intrinsic that spells the agent layer's name, e.g. an Fn::Sub of its ARN.
        other if is_intrinsic(other) => {
            let self_built = family == Family::Python
                && mentions(other, &format!(":layer:{}:", agent::SELF_BUILT_PYTHON_LAYER));
            self_built || mentions(other, &format!(":layer:{}:", family.layer_name()))
        }
        _ => false,
    }
}

/// The function's new `Layers`, or `None` when the agent layer is already there (an agent
/// layer of the function's own wins, unless it cannot start the agent on `runtimes`: then
/// that is a problem with the fix). For SAM, `Globals.Function.Layers` is merged as SAM
/// merges it ([`sam::merge`]).
pub(crate) fn merge(
    f: &FunctionView,
    layer: &Value,
    family: Family,
    runtimes: &[&str],
    values: &ParameterValues,
) -> Checked<Option<Value>> {
    let has_agent = |items: &[Value], at: &str| -> Checked<bool> {
        match items.iter().position(|i| is_agent(i, layer, family)) {
            Some(i) => kept(&items[i], family, runtimes, &format!("{at}[{i}]"), layer).map(|()| true),
            None => Ok(false),
        }
    };
    let global_path = "Globals.Function.Layers";
    let (own, global) = (f.own("Layers"), f.global("Layers"));
    let global_items = match (global, own) {
        (None, _) => Vec::new(),
        // SAM concatenates two lists, global items first.
        (Some(g), Some(o)) if sam::kind(g) == Kind::List && sam::kind(o) == Kind::List => {
            literal_list(g, global_path, values)?
        }
        // The function's own value replaces a global one of another kind…
        (Some(g), Some(o)) => {
            if sam::kind(g) == Kind::List && ref_name(o).is_some() {
                // …but our rewrite turns a Ref into a list, which SAM would then concatenate.
                return fail(
                    &f.path("Layers"),
                    "Layers is a Ref to a parameter while Globals.Function.Layers is a list; the agent layer \
                     cannot be added without SAM merging the two. Write Layers as a list",
                );
            }
            Vec::new()
        }
        // No own value: SAM takes the global one as it is.
        (Some(g), None) => {
            let items = literal_list(g, global_path, values)?;
            if has_agent(&items, global_path)? {
                return Ok(None);
            }
            // A global list is concatenated with ours; a global Ref would be replaced
            // by our list, so ours carries its evaluated items too.
            if sam::kind(g) == Kind::List {
                return within_limit(vec![layer.clone()], items.len(), &f.path("Layers")).map(Some);
            }
            let mut items = items;
            items.push(layer.clone());
            return within_limit(items, 0, &f.path("Layers")).map(Some);
        }
    };
    if has_agent(&global_items, global_path)? {
        return Ok(None);
    }
    map_branches(own, &f.path("Layers"), &mut |leaf, at| {
        let Some(value) = leaf else {
            return Ok(Some(within_limit(vec![layer.clone()], global_items.len(), at)?));
        };
        // A list parameter is replaced by its evaluated items plus the agent: a Ref
        // cannot be appended to, and CloudFormation evaluates a literal list as it is.
        let mut items = literal_list(value, at, values)?;
        if has_agent(&items, at)? {
            return Ok(None);
        }
        items.push(layer.clone());
        within_limit(items, global_items.len(), at).map(Some)
    })
}

/// An agent layer the function has already: kept (the user's choice wins), unless its ARN
/// says it cannot start the agent on one of the runtimes (the other family's layer, or a
/// publisher's version without the runtime's agent), which would break every invocation.
fn kept(item: &Value, family: Family, runtimes: &[&str], at: &str, ours: &Value) -> Checked<()> {
    let Some(arn) = item.as_str() else { return Ok(()) };
    match runtimes
        .iter()
        .find_map(|r| agent::layer_mismatch(arn, family, r))
    {
        Some(why) => fail(
            at,
            format!(
                "the function already has this agent layer: {why} (replace it with {}, or remove it and \
                 lambda-profiling adds the right one)",
                ours.as_str().unwrap_or("the built-in agent layer")
            ),
        ),
        None => Ok(()),
    }
}

/// The agent layer the function will have: its own (in any branch, or SAM's global list),
/// which wins, else `layer`. The summary says what the output holds, not what was planned.
pub(crate) fn in_effect(f: &FunctionView, layer: &Value, family: Family, values: &ParameterValues) -> Value {
    let mut found = None;
    for value in [f.own("Layers"), f.global("Layers")].into_iter().flatten() {
        each_leaf(value, &mut |leaf| {
            let items = match ref_name(leaf)
                .and_then(|p| values.get(p))
                .and_then(parameter_list)
            {
                Some(items) => items,
                None => leaf.as_array().cloned().unwrap_or_default(),
            };
            if found.is_none() {
                found = items.into_iter().find(|i| is_agent(i, layer, family));
            }
        });
    }
    found.unwrap_or_else(|| layer.clone())
}

/// Each branch of an `Fn::If` (nested ones too), or the value itself.
fn each_leaf<'v>(value: &'v Value, visit: &mut dyn FnMut(&'v Value)) {
    match value.get("Fn::If").and_then(Value::as_array) {
        Some(branches) if branches.len() == 3 => {
            each_leaf(&branches[1], visit);
            each_leaf(&branches[2], visit);
        }
        _ => visit(value),
    }
}

/// A `Layers` value as a list: a literal list, or a `Ref` to a list parameter.
fn literal_list(value: &Value, at: &str, values: &ParameterValues) -> Checked<Vec<Value>> {
    if let Value::Array(items) = value {
        return Ok(items.clone());
    }
    if let Some(name) = ref_name(value) {
        return match values.get(name).map(parameter_list) {
            Some(Some(items)) => Ok(items),
            Some(None) => fail(at, format!("parameter {name} must hold a list of layer ARNs")),
            None => fail(
                at,
                format!(
                    "Layers refers to parameter {name}, which has no value: {}",
                    intrinsics::give_a_value(name)
                ),
            ),
        };
    }
    fail(
        at,
        format!(
            "Layers is {}, which the macro cannot append the agent layer to; write Layers as a list (its \
             items may be intrinsics), a Ref to a list parameter, or an Fn::If of those",
            describe(value)
        ),
    )
}

fn within_limit(items: Vec<Value>, global_count: usize, at: &str) -> Checked<Value> {
    let total = items.len() + global_count;
    if total > MAX_LAYERS {
        let from_globals = if global_count > 0 {
            format!(" ({global_count} from Globals.Function.Layers)")
        } else {
            String::new()
        };
        return Err(vec![Problem::new(
            at,
            format!(
                "with the agent layer the function would have {total} layers{from_globals}, and Lambda allows \
                 at most {MAX_LAYERS}; remove or combine a layer, or remove Profiling from this function"
            ),
        )]);
    }
    Ok(Value::Array(items))
}

#[cfg(test)]
#[path = "layers_tests.rs"]
mod tests;
