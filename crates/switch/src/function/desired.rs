//! What profiling a function means (its family, layer and group), worked out from the
//! function as read, the resource's properties and its ledger, without I/O: checked first,
//! so that a function that cannot be profiled is refused before anything changes.

use crate::function::snapshot::Snapshot;
use crate::group::Group;
use crate::message::{Input, Message};
use crate::properties::Properties;
use crate::references::ledger::{Ledger, Setting};
use crate::say;
use lambda_profiling_macro::agent::{self, Family, Published, Refusal, env};

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

/// Checks that the function can be profiled and works out the layer and group, the layer
/// from what AWS publishes in the region where that is known (else the built-in table).
pub(crate) fn desired(
    snap: &Snapshot,
    props: &Properties,
    ledger: &Ledger,
    published: &Published,
) -> Result<Desired, Message> {
    check_function(snap)?;
    let runtime = snap.runtime.as_deref().unwrap_or_default();
    // Said without the function's name: the caller names it (the stack's resource, the command line's line).
    let family = agent::classify_runtime(runtime)?;
    if props.heap_summary && family != Family::Java {
        return Err(say![
            Input::HeapSummary,
            " applies to Java functions only; remove it"
        ]);
    }
    let layer_arn = layer(snap, props, family, runtime, published, ledger)?;
    let (group, users_group) = group(snap, props, ledger)?;
    Ok(Desired {
        family,
        layer_arn,
        group,
        users_group,
        heap_summary: props.heap_summary,
    })
}

/// A function a layer can profile: its variables readable, a zip on x86_64.
fn check_function(snap: &Snapshot) -> Result<(), Message> {
    if let Some(code) = &snap.env_error {
        return Err(unreadable_environment(snap, code).into());
    }
    if snap.package_type.as_deref() == Some("Image") {
        let name = snap.name();
        return Err(format!(
            "{name} is a container image: layers do not apply; add the agent to the image instead"
        )
        .into());
    }
    if let Some(arch) = snap.architectures.iter().find(|a| *a != "x86_64") {
        let name = snap.name();
        return Err(format!("{name} runs on {arch}: the CodeGuru agent layers exist for x86_64 only").into());
    }
    Ok(())
}

/// The agent layer: the one given (if it can start the agent for the runtime), or the
/// publisher's version given, else the newest published one that serves the runtime
/// (the built-in one where that is not known), in the function's region.
fn layer(
    snap: &Snapshot,
    props: &Properties,
    family: Family,
    runtime: &str,
    published: &Published,
    ledger: &Ledger,
) -> Result<String, Message> {
    if let Some(arn) = &props.layer_arn {
        if let Some(why) = agent::layer_mismatch(arn, family, runtime) {
            return Err(say![Input::LayerArn, format!(": {why}")]);
        }
        return checked(published, arn, family, runtime, Input::LayerArn);
    }
    let label = family.label();
    let version = match props.layer_version {
        Some(v) if !family.layer_carries(v, runtime) => {
            let name = snap.name();
            return Err(say![
                Input::LayerVersion,
                format!(
                    " {v} does not carry the {label} agent for {runtime} (layers up to 12 have it for python3.6 \
                     to 3.9 only), so {name} could not start it; use 13 or later, or remove "
                ),
                Input::LayerVersion
            ]);
        }
        Some(v) => v,
        None => match published.newest(family, snap.region(), &[runtime]) {
            Some(Ok(v)) => v,
            Some(Err(_)) => {
                let region = snap.region();
                let why = format!(
                    "no version of the {label} agent layer published in {region} serves {runtime}, so the \
                     function could not start the agent; give "
                );
                return Err(say![why, Input::LayerArn, " for a layer that does"]);
            }
            // Not known (AWS could not be asked): the publisher's version this resource
            // added stays where it still carries the runtime, never moved down unseen.
            None => match kept_version(ledger, family, snap.region(), runtime) {
                Some(v) => v,
                None => family.default_layer_version(runtime).ok_or_else(|| {
                    let why = format!(
                        "no published {label} agent layer carries the agent for {runtime} yet; give "
                    );
                    say![why, Input::LayerArn, " for one that does"]
                })?,
            },
        },
    };
    let region = snap.region();
    let arn = family.layer_arn(region, version).ok_or_else(|| {
        let why = format!("the {label} agent layer is not published in {region}: give ");
        say![why, Input::LayerArn, " for a copy in this region"]
    })?;
    match props.layer_version {
        Some(_) => checked(published, &arn, family, runtime, Input::LayerVersion),
        None => Ok(arn),
    }
}

/// The version of the publisher's layer the ledger says this resource added, in this
/// region, when it carries the agent for `runtime`.
fn kept_version(ledger: &Ledger, family: Family, region: &str, runtime: &str) -> Option<u32> {
    let added = agent::parse_layer_arn(ledger.layer.as_deref()?)?;
    let ours = added.account == agent::PUBLISHER_ACCOUNT
        && added.name == family.layer_name()
        && added.region == region;
    let version = added.version.parse().ok().filter(|_| ours)?;
    family.layer_carries(version, runtime).then_some(version)
}

/// The layer version `arn`, given as `input`, refused where AWS says it does not exist or
/// does not serve the runtime.
fn checked(
    published: &Published,
    arn: &str,
    family: Family,
    runtime: &str,
    input: Input,
) -> Result<String, Message> {
    match published.check(arn, family, &[runtime]) {
        Ok(()) => Ok(arn.to_owned()),
        Err(Refusal::Missing) => Err(say![
            input,
            format!(
                ": the layer version {arn} does not exist in this region, or is not shared with this account; give one that does"
            )
        ]),
        Err(Refusal::Incompatible(listed)) => Err(say![
            input,
            format!(
                ": the layer version {arn} does not serve {runtime} (it lists: {}); give one that does",
                agent::listing_words(&listed)
            )
        ]),
    }
}

/// The group: the one the function's own variables name (a different name given is a
/// conflict), else the one given, else the console's name for the function; and whether
/// it is the user's.
fn group(snap: &Snapshot, props: &Properties, ledger: &Ledger) -> Result<(Group, bool), Message> {
    if let Some(group) = users_group(snap, ledger)? {
        if props.group_name.as_ref().is_some_and(|n| *n != group.name) {
            let (name, var) = (snap.name(), env::GROUP_NAME);
            let why = format!(
                "{name} already profiles into group {} (its own {var} variables); remove ",
                group.name
            );
            return Err(say![why, Input::GroupName, " or set it to that group"]);
        }
        return Ok((group, true));
    }
    let name = props
        .group_name
        .clone()
        .unwrap_or_else(|| agent::console_group_name(snap.name()));
    if !agent::is_valid_group_name(&name) {
        return Err(say![
            format!("the group name {name} is not valid: give "),
            Input::GroupName
        ]);
    }
    let arn = agent::group_arn(snap.region(), snap.account(), &name);
    Ok((Group { name, arn }, false))
}

/// [`desired`] for undoing what an earlier version's ledger (which records no values)
/// added: a group variable of the user's that names no group was never used as one, and
/// one that names another group than the properties is the user's to keep, so neither
/// stops the undo (they are the user's, and stay).
pub(crate) fn desired_to_undo(
    snap: &Snapshot,
    props: &Properties,
    ledger: &Ledger,
) -> Result<Desired, Message> {
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
    // The user's group wins over the properties' name here: it is what the function used.
    let own = |name: &str| snap.vars.contains_key(name) && !ledger.vars.contains(name);
    let mut props = props.clone();
    if own(env::GROUP_NAME) || own(env::GROUP_ARN) {
        props.group_name = None;
    }
    // Undoing takes back what was added, whatever AWS publishes now.
    desired(&snap, &props, ledger, &Published::default())
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
fn users_group(snap: &Snapshot, ledger: &Ledger) -> Result<Option<Group>, Message> {
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
                return Err(refused(env::GROUP_ARN, "a profiling group ARN").into());
            };
            Some(Group {
                name: g.name.to_owned(),
                arn: arn.clone(),
            })
        }
        (Some(name), None) if !agent::is_valid_group_name(name) => {
            return Err(refused(env::GROUP_NAME, "a valid group name").into());
        }
        (Some(name), None) => Some(Group {
            name: name.clone(),
            arn: agent::group_arn(snap.region(), snap.account(), name),
        }),
        (None, None) => None,
    })
}
