//! What function mode changes in a function's configuration, computed without I/O.
//!
//! [`enable`] adds the layer and variables of SPEC §1 and never touches a value the user
//! set; [`disable`] removes exactly what the [`Ledger`] says this resource added, and only
//! where the value is still the one it set.

use std::collections::BTreeMap;

use super::group::Group;
use super::ledger::{JavaOptions, Ledger, Setting};
use super::request::Properties;
use lambda_profiling_macro::agent::{self, Family, env};

/// The parts of a function's `$LATEST` configuration that function mode reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub arn: String,
    pub runtime: Option<String>,
    pub architectures: Vec<String>,
    pub package_type: Option<String>,
    /// The execution role's name.
    pub role: String,
    pub handler: Option<String>,
    pub layers: Vec<String>,
    pub vars: BTreeMap<String, String>,
    /// Lambda could not decrypt or read the environment back.
    pub env_error: Option<String>,
    pub revision_id: Option<String>,
}

impl Snapshot {
    fn arn_part(&self, i: usize) -> &str {
        self.arn.split(':').nth(i).unwrap_or_default()
    }
    pub(crate) fn region(&self) -> &str {
        self.arn_part(3)
    }
    pub(crate) fn account(&self) -> &str {
        self.arn_part(4)
    }
    pub(crate) fn name(&self) -> &str {
        self.arn_part(6)
    }
}

/// What profiling this function means: its family, layer and group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Desired {
    pub family: Family,
    pub layer_arn: String,
    pub group: Group,
    /// The group came from the user's own variables: use it, never create or delete it.
    pub users_group: bool,
    pub heap_summary: bool,
}

impl Desired {
    /// What a ledger records was desired, when it records its values (see [`Setting`]):
    /// a Delete then needs neither the properties nor the function's runtime.
    pub(crate) fn recorded(ledger: &Ledger) -> Option<Desired> {
        let setting = ledger.setting.as_ref()?;
        Some(Desired {
            family: setting.family,
            layer_arn: ledger.layer.clone().unwrap_or_default(),
            group: Group::from_arn(&setting.group_arn)?,
            users_group: setting.users_group,
            heap_summary: ledger.vars.contains(env::HEAP_SUMMARY),
        })
    }

    /// The values to record, so that a Delete can undo from the ledger alone.
    pub(crate) fn setting(&self) -> Setting {
        Setting {
            family: self.family,
            group_arn: self.group.arn.clone(),
            users_group: self.users_group,
        }
    }
}

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

/// Checks that the function can be profiled and works out the layer and group.
pub(crate) fn desired(snap: &Snapshot, props: &Properties, ledger: &Ledger) -> Result<Desired, String> {
    if let Some(code) = &snap.env_error {
        return Err(unreadable_environment(snap, code));
    }
    if snap.package_type.as_deref() == Some("Image") {
        return Err(format!(
            "{} is a container image: layers do not apply; add the agent to the image instead",
            snap.name()
        ));
    }
    if let Some(arch) = snap.architectures.iter().find(|a| *a != "x86_64") {
        return Err(format!(
            "{} runs on {arch}: the CodeGuru agent layers exist for x86_64 only",
            snap.name()
        ));
    }
    let runtime = snap.runtime.as_deref().unwrap_or_default();
    // Said without the function's name: the caller names it (the stack's resource, the command line's line).
    let family = agent::classify_runtime(runtime)?;
    if props.heap_summary && family != Family::Java {
        return Err("HeapSummary applies to Java functions only; remove it".into());
    }
    let region = snap.region();
    let layer_arn = match &props.layer_arn {
        Some(arn) => match agent::layer_mismatch(arn, family, runtime) {
            Some(why) => return Err(format!("LayerArn: {why}")),
            None => arn.clone(),
        },
        None => {
            let version = match props.layer_version {
                Some(v) if !family.layer_carries(v, runtime) => {
                    return Err(format!(
                        "LayerVersion {v} does not carry the {} agent for {runtime} (layers up to 12 have it \
                         for python3.6 to 3.9 only), so {} could not start it; use 13 or later, or remove \
                         LayerVersion",
                        family.label(),
                        snap.name()
                    ));
                }
                Some(v) => v,
                None => family.default_layer_version(runtime).ok_or_else(|| {
                    format!(
                        "no published {} agent layer carries the agent for {runtime} yet; give LayerArn for \
                         one that does",
                        family.label()
                    )
                })?,
            };
            family.layer_arn(region, version).ok_or_else(|| {
                format!("the {} agent layer is not published in {region}: give LayerArn for a copy in this region", family.label())
            })?
        }
    };
    let (group, users_group) = match users_group(snap, ledger)? {
        Some(group) => {
            if props.group_name.as_ref().is_some_and(|n| *n != group.name) {
                return Err(format!(
                    "{} already profiles into group {} (its own {} variables); remove ProfilingGroupName or set it to that group",
                    snap.name(),
                    group.name,
                    env::GROUP_NAME
                ));
            }
            (group, true)
        }
        None => {
            let name = props
                .group_name
                .clone()
                .unwrap_or_else(|| agent::console_group_name(snap.name()));
            if !agent::is_valid_group_name(&name) {
                return Err(format!(
                    "the group name {name} is not valid: give ProfilingGroupName"
                ));
            }
            let arn = agent::group_arn(region, snap.account(), &name);
            (Group { name, arn }, false)
        }
    };
    Ok(Desired {
        family,
        layer_arn,
        group,
        users_group,
        heap_summary: props.heap_summary,
    })
}

/// [`desired`] for undoing what an earlier version's ledger (which records no values)
/// added: a group variable of the user's that names no group was never used as one, so it
/// does not stop the undo (it is the user's, and stays).
pub(crate) fn desired_to_undo(
    snap: &Snapshot,
    props: &Properties,
    ledger: &Ledger,
) -> Result<Desired, String> {
    let mut snap = snap.clone();
    if snap
        .vars
        .get(env::GROUP_ARN)
        .is_some_and(|a| agent::parse_group_arn(a).is_none())
    {
        snap.vars.remove(env::GROUP_ARN);
    }
    if snap
        .vars
        .get(env::GROUP_NAME)
        .is_some_and(|n| !agent::is_valid_group_name(n))
    {
        snap.vars.remove(env::GROUP_NAME);
    }
    desired(&snap, props, ledger)
}

/// Why a function whose variables Lambda cannot read back is left alone: an update
/// built from what was read would replace them all with the agent's.
pub(crate) fn unreadable_environment(snap: &Snapshot, code: &str) -> String {
    format!(
        "Lambda cannot read back the environment variables of {} ({code}), so they cannot be kept: nothing \
         was changed. Fix what keeps them unreadable (for example the function's KMS key or its grant), \
         then retry",
        snap.name()
    )
}

/// A group the user's own variables already name (not ones this resource added). A value
/// that names no group is refused: it would be recorded as one, and released as one.
fn users_group(snap: &Snapshot, ledger: &Ledger) -> Result<Option<Group>, String> {
    let own = |name: &str| snap.vars.get(name).filter(|_| !ledger.vars.contains(name));
    let refused = |var: &str, what: &str| {
        format!(
            "{}'s own {var} is not {what}, so it names no group the agent could report to: correct it \
             or remove it, and lambda-profiling sets it",
            snap.name()
        )
    };
    Ok(match (own(env::GROUP_NAME), own(env::GROUP_ARN)) {
        (_, Some(arn)) => {
            let Some(g) = agent::parse_group_arn(arn) else {
                return Err(refused(env::GROUP_ARN, "a profiling group ARN"));
            };
            Some(Group {
                name: g.name.to_owned(),
                arn: arn.clone(),
            })
        }
        (Some(name), None) if !agent::is_valid_group_name(name) => {
            return Err(refused(env::GROUP_NAME, "a valid group name"));
        }
        (Some(name), None) => Some(Group {
            name: name.clone(),
            arn: agent::group_arn(snap.region(), snap.account(), name),
        }),
        (None, None) => None,
    })
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
pub(crate) fn enable(snap: &Snapshot, d: &Desired, ledger: &Ledger) -> Result<Change, String> {
    let mut layers = snap.layers.clone();
    let mut vars = snap.vars.clone();
    let mut handler = None;
    let mut added = Ledger::default();

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
                ));
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
        ));
    }

    let mut wanted = vec![env::GROUP_NAME, env::GROUP_ARN, env::TARGET_REGION, env::ENABLED];
    let redirect = d.family == Family::Python
        && vars
            .get(env::EXEC_WRAPPER)
            .is_some_and(|w| w != env::EXEC_WRAPPER_VALUE);
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

    if redirect {
        let current = snap.handler.as_deref().unwrap_or_default();
        if current == agent::REDIRECT_HANDLER {
            added.handler_redirected = ledger.handler_redirected;
        } else if !vars.contains_key(env::REDIRECTED_HANDLER) {
            vars.insert(env::REDIRECTED_HANDLER.to_owned(), current.to_owned());
            handler = Some(agent::REDIRECT_HANDLER.to_owned());
            added.handler_redirected = true;
        }
    }
    if d.family == Family::Java {
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
    check_size(snap, &vars)?;
    Ok(Change {
        layers,
        vars,
        handler,
        added,
    })
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
fn check_size(snap: &Snapshot, vars: &BTreeMap<String, String>) -> Result<(), String> {
    let size = agent::environment_size(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if size > agent::ENVIRONMENT_LIMIT {
        return Err(format!(
            "the variables of {} would measure {size} bytes with the agent's (as Lambda measures them: their \
             compact JSON), over Lambda's limit of {} bytes less the {} that lambda-profiling keeps free: \
             shorten or remove some variables, or give a shorter ProfilingGroupName",
            snap.name(),
            agent::MAX_ENVIRONMENT_BYTES,
            agent::ENVIRONMENT_MARGIN
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "function_config_tests.rs"]
mod tests;
