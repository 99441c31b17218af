//! What function mode changes in a function's configuration, computed without I/O.
//!
//! [`enable`] adds the layer and variables of contract §1 and never touches a value the user
//! set; [`disable`] removes exactly what the [`Ledger`] says this resource added, and only
//! where the value is still the one it set.

use std::collections::BTreeMap;

pub(crate) use crate::function::desired::{Desired, desired, desired_to_undo, unreadable_environment};
pub(crate) use crate::function::snapshot::Snapshot;
use crate::message::{Input, Message};
use crate::references::ledger::{JavaOptions, Ledger};
use crate::say;
use lambda_profiling_macro::agent::{self, Family, env};

/// The new configuration and what this resource added to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub layers: Vec<String>,
    pub vars: BTreeMap<String, String>,
    pub handler: Option<String>,
    pub added: Ledger,
}

impl Change {
    pub(crate) fn changes(&self, snap: &Snapshot) -> bool {
        self.layers != snap.layers || self.vars != snap.vars || self.handler.is_some()
    }
}

/// The value this resource sets for a variable, given what is desired.
fn our_value(name: &str, d: &Desired, region: &str) -> Option<String> {
    let group_region = agent::parse_group_arn(&d.group.arn).map_or(region, |g| g.region);
    Some(match name {
        env::GROUP_NAME => d.group.name.clone(),
        env::GROUP_ARN => d.group.arn.clone(),
        env::TARGET_REGION => group_region.to_owned(),
        env::ENABLED => env::ENABLED_VALUE.into(),
        env::EXEC_WRAPPER => env::EXEC_WRAPPER_VALUE.into(),
        env::HEAP_SUMMARY => env::HEAP_SUMMARY_VALUE.into(),
        _ => return None,
    })
}

/// Variables whose value depends on the properties: this resource may update them.
fn property_dependent(name: &str) -> bool {
    [env::GROUP_NAME, env::GROUP_ARN, env::TARGET_REGION].contains(&name)
}

/// Adds the layer and variables; `ledger` is what this resource added before (on Update or replay).
pub(crate) fn enable(snap: &Snapshot, d: &Desired, ledger: &Ledger) -> Result<Change, Message> {
    let mut added = Ledger::default();
    let layers = with_layer(snap, d, ledger, &mut added)?;
    let mut vars = snap.vars.clone();
    let redirect = d.family == Family::Python
        && vars
            .get(env::EXEC_WRAPPER)
            .is_some_and(|w| w != env::EXEC_WRAPPER_VALUE);
    add_variables(snap, d, ledger, redirect, &mut vars, &mut added);
    let handler = match redirect {
        true => redirect_handler(snap, ledger, &mut vars, &mut added),
        false => None,
    };
    if d.family == Family::Java {
        add_java_options(ledger, &mut vars, &mut added);
    }
    check_size(snap, &vars)?;
    Ok(Change {
        layers,
        vars,
        handler,
        added,
    })
}

/// The layers with the agent's: ours replaced by the desired version, the user's own agent
/// layer kept (unless it cannot start the agent on this runtime), else the desired added.
fn with_layer(
    snap: &Snapshot,
    d: &Desired,
    ledger: &Ledger,
    added: &mut Ledger,
) -> Result<Vec<String>, Message> {
    let mut layers = snap.layers.clone();
    let theirs = layers
        .iter()
        .find(|l| agent::same_agent_layer(l, &d.layer_arn, d.family))
        .cloned();
    match (ours_layer_index(&layers, ledger, d.family), theirs) {
        (Some(i), _) => {
            layers[i] = d.layer_arn.clone();
            added.layer = Some(d.layer_arn.clone());
        }
        // The user's wins, unless it cannot start the agent on this runtime.
        (None, Some(theirs)) => {
            let runtime = snap.runtime.as_deref().unwrap_or_default();
            if let Some(why) = agent::layer_mismatch(&theirs, d.family, runtime) {
                return Err(format!(
                    "{} already has the agent layer {theirs}: {why} (replace it with {}, or remove it and \
                     lambda-profiling adds the right one)",
                    snap.name(),
                    d.layer_arn
                )
                .into());
            }
        }
        (None, None) => {
            layers.push(d.layer_arn.clone());
            added.layer = Some(d.layer_arn.clone());
        }
    }
    if layers.len() > agent::MAX_LAYERS {
        return Err(format!(
            "{} already has {} layers: adding the agent layer would exceed Lambda's limit of {}",
            snap.name(),
            snap.layers.len(),
            agent::MAX_LAYERS
        )
        .into());
    }
    Ok(layers)
}

/// The agent's variables: each set unless the user has their own value (one this
/// resource set and the properties changed is updated); the heap summary's taken off on
/// an Update that turned it off.
fn add_variables(
    snap: &Snapshot,
    d: &Desired,
    ledger: &Ledger,
    redirect: bool,
    vars: &mut BTreeMap<String, String>,
    added: &mut Ledger,
) {
    let mut wanted = vec![env::GROUP_NAME, env::GROUP_ARN, env::TARGET_REGION, env::ENABLED];
    if d.family == Family::Python && !redirect {
        wanted.push(env::EXEC_WRAPPER);
    }
    if d.heap_summary {
        wanted.push(env::HEAP_SUMMARY);
    } else if ledger.vars.contains(env::HEAP_SUMMARY)
        && vars.get(env::HEAP_SUMMARY).map(String::as_str) == Some(env::HEAP_SUMMARY_VALUE)
    {
        vars.remove(env::HEAP_SUMMARY); // turned off on Update
    }
    for name in wanted {
        let value = our_value(name, d, snap.region()).unwrap_or_default();
        match vars.get(name) {
            None => {}
            Some(v) if *v == value => {
                if ledger.vars.contains(name) {
                    added.vars.insert(name);
                }
                continue;
            }
            Some(_) if ledger.vars.contains(name) && property_dependent(name) => {}
            Some(_) => continue, // the user's value stays
        }
        vars.insert(name.to_owned(), value);
        added.vars.insert(name);
    }
}

/// A Python function whose own exec wrapper stays: the agent starts from the handler
/// instead, the function's handler kept in a variable. The new handler, if it changes.
fn redirect_handler(
    snap: &Snapshot,
    ledger: &Ledger,
    vars: &mut BTreeMap<String, String>,
    added: &mut Ledger,
) -> Option<String> {
    let current = snap.handler.as_deref().unwrap_or_default();
    if current == agent::REDIRECT_HANDLER {
        added.handler_redirected = ledger.handler_redirected;
        None
    } else if !vars.contains_key(env::REDIRECTED_HANDLER) {
        vars.insert(env::REDIRECTED_HANDLER.to_owned(), current.to_owned());
        added.handler_redirected = true;
        Some(agent::REDIRECT_HANDLER.to_owned())
    } else {
        None
    }
}

/// Java: the agent's flag in `JAVA_TOOL_OPTIONS`, created or appended to the user's.
fn add_java_options(ledger: &Ledger, vars: &mut BTreeMap<String, String>, added: &mut Ledger) {
    match vars.get(env::JAVA_TOOL_OPTIONS) {
        None => {
            vars.insert(env::JAVA_TOOL_OPTIONS.into(), env::JAVA_AGENT_FLAG.into());
            added.java_options = Some(JavaOptions::Created);
        }
        Some(v) => match agent::java_options_with_agent(v) {
            None => added.java_options = ledger.java_options,
            Some(appended) => {
                vars.insert(env::JAVA_TOOL_OPTIONS.into(), appended);
                added.java_options = Some(JavaOptions::Appended);
            }
        },
    }
}

/// Removes what `ledger` records, where the value is still the one this resource set.
pub(crate) fn disable(snap: &Snapshot, d: &Desired, ledger: &Ledger) -> Change {
    let mut layers = snap.layers.clone();
    if let Some(i) = ours_layer_index(&layers, ledger, d.family) {
        layers.remove(i);
    }
    let mut vars = snap.vars.clone();
    for name in &ledger.vars {
        if vars.get(*name) == our_value(name, d, snap.region()).as_ref() {
            vars.remove(*name);
        }
    }
    let mut handler = None;
    if ledger.handler_redirected && snap.handler.as_deref() == Some(agent::REDIRECT_HANDLER) {
        handler = vars.remove(env::REDIRECTED_HANDLER);
    }
    let flag = env::JAVA_AGENT_FLAG;
    match (ledger.java_options, vars.get(env::JAVA_TOOL_OPTIONS).cloned()) {
        (Some(JavaOptions::Created), Some(v)) if v == flag => {
            vars.remove(env::JAVA_TOOL_OPTIONS);
        }
        // The options were set but empty: the flag alone was written.
        (Some(JavaOptions::Appended), Some(v)) if v == flag => {
            vars.insert(env::JAVA_TOOL_OPTIONS.into(), String::new());
        }
        (Some(JavaOptions::Appended), Some(v)) => {
            let suffix = format!(" {flag}");
            if let Some(i) = v
                .rfind(&suffix)
                .filter(|i| v[i + suffix.len()..].starts_with(' ') || i + suffix.len() == v.len())
            {
                let restored = format!("{}{}", &v[..i], &v[i + suffix.len()..]);
                vars.insert(env::JAVA_TOOL_OPTIONS.into(), restored);
            }
        }
        _ => {}
    }
    Change {
        layers,
        vars,
        handler,
        added: Ledger::default(),
    }
}

/// The agent layer in effect on the function (ours or the user's), for `Data.LayerArn`.
pub(crate) fn layer_in_effect(layers: &[String], d: &Desired) -> String {
    layers
        .iter()
        .find(|l| agent::same_agent_layer(l, &d.layer_arn, d.family))
        .cloned()
        .unwrap_or_else(|| d.layer_arn.clone())
}

fn is_ledger_layer(layer: &str, ledger: &Ledger, family: Family) -> bool {
    match ledger.layer.as_deref() {
        Some("") => agent::is_agent_layer(layer, family),
        Some(arn) => layer == arn,
        None => false,
    }
}

fn ours_layer_index(layers: &[String], ledger: &Ledger, family: Family) -> Option<usize> {
    layers.iter().position(|l| is_ledger_layer(l, ledger, family))
}

/// Lambda's 4 KB limit, measured as Lambda measures it, with a margin: a refusal by
/// Lambda would quote every variable and value in its message.
fn check_size(snap: &Snapshot, vars: &BTreeMap<String, String>) -> Result<(), Message> {
    let size = agent::environment_size(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if size > agent::ENVIRONMENT_LIMIT {
        return Err(say![
            format!(
                "the variables of {} would measure {size} bytes with the agent's (as Lambda measures them: \
                 their compact JSON), over Lambda's limit of {} bytes less the {} that lambda-profiling keeps \
                 free: shorten or remove some variables, or give a shorter ",
                snap.name(),
                agent::MAX_ENVIRONMENT_BYTES,
                agent::ENVIRONMENT_MARGIN
            ),
            Input::GroupName
        ]);
    }
    Ok(())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
