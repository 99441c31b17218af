//! The plan `lambda-profiling enable` and `disable` print: one line per change, computed
//! without I/O from what the function is and what function mode would make of it. Each
//! line starts with its verb, so that a dry run's `would ` reads right before every one.

use crate::function::config::{Change, Desired, Snapshot};
use lambda_profiling_macro::agent;

/// What becomes of the execution role's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RolePolicy {
    /// Enable: the policy is not attached; lambda-profiling attaches it.
    Attach,
    /// Enable: the role already holds it; only a reference is recorded.
    AlreadyHeld,
    /// Disable: this was the last reference and lambda-profiling attached the policy.
    Detach,
    /// Disable: the policy stays; `others` lambda-profiling resources still need it.
    KeptForOthers { others: usize },
    /// Disable: the policy stays; lambda-profiling did not attach it.
    KeptAsUsers,
}

/// The lines of an `enable`: the function's configuration, the group, the role.
pub(crate) fn enable_steps(
    snap: &Snapshot,
    desired: &Desired,
    change: &Change,
    group_exists: bool,
    role: RolePolicy,
) -> Vec<String> {
    let mut steps = config_steps(snap, change);
    let group = &desired.group;
    let region = agent::parse_group_arn(&group.arn).map_or(snap.region(), |g| g.region);
    let theirs = if desired.users_group {
        " (the function's own variables name it)"
    } else {
        ""
    };
    steps.push(match group_exists {
        true => format!(
            "use the existing profiling group {} in {region}{theirs}",
            group.name
        ),
        false => format!("create profiling group {} in {region}{theirs}", group.name),
    });
    steps.push(role_step(&snap.role, role));
    steps
}

/// What `disable` does with the group of the function's variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupFate {
    /// lambda-profiling created it, and nothing else uses it.
    Delete,
    /// `others` lambda-profiling resources (stacks' or the command line's) still use it.
    KeepForOthers { others: usize },
    /// lambda-profiling created it, but this function (its ARN), which lambda-profiling did
    /// not set up, profiles into it too.
    KeepInUse { other: String },
    /// lambda-profiling did not create it (it existed, or the function's own variables name it).
    KeepNotOurs,
    /// It does not exist any more.
    Gone,
}

/// The lines of a `disable`: what it takes back of the function, the group, the role.
pub(crate) fn disable_steps<'a>(
    snap: &Snapshot,
    desired: &Desired,
    change: &Change,
    group: &'a GroupFate,
    role: (&str, RolePolicy),
) -> Vec<String> {
    let mut steps = config_steps(snap, change);
    let name = &desired.group.name;
    let short = |arn: &'a str| arn.rsplit(':').next().unwrap_or(arn);
    steps.push(match group {
        GroupFate::Delete => format!("delete profiling group {name} (lambda-profiling created it, and nothing else uses it)"),
        GroupFate::KeepForOthers { others } => format!(
            "keep profiling group {name}: {others} other lambda-profiling resource{} use{} it (the last to go deletes it)",
            if *others == 1 { "" } else { "s" },
            if *others == 1 { "s" } else { "" }
        ),
        GroupFate::KeepInUse { other } => format!(
            "keep profiling group {name}: function {} profiles into it too (delete it by hand once none does)",
            short(other)
        ),
        GroupFate::KeepNotOurs => format!("keep profiling group {name}: lambda-profiling did not create it"),
        GroupFate::Gone => format!("leave profiling group {name} alone: it does not exist any more"),
    });
    steps.push(role_step(role.0, role.1));
    steps
}

/// The lines of a `disable` of a function that is gone: only its reference on the role.
pub(crate) fn gone_steps(role: &str, policy: RolePolicy) -> Vec<String> {
    vec![
        "take nothing back from the function: it is gone".to_owned(),
        role_step(role, policy),
    ]
}

fn role_step(role: &str, policy: RolePolicy) -> String {
    const POLICY: &str = "AmazonCodeGuruProfilerAgentAccess";
    match policy {
        RolePolicy::Attach => format!("attach {POLICY} to role {role}"),
        RolePolicy::AlreadyHeld => {
            format!("record a reference only: role {role} already holds {POLICY}")
        }
        RolePolicy::Detach => format!(
            "detach {POLICY} from role {role} (lambda-profiling attached it, and nothing else of ours needs it)"
        ),
        RolePolicy::KeptForOthers { others } => format!(
            "keep {POLICY} on role {role}: {others} other lambda-profiling resource{} need{} it",
            if others == 1 { "" } else { "s" },
            if others == 1 { "s" } else { "" }
        ),
        RolePolicy::KeptAsUsers => {
            format!("keep {POLICY} on role {role}: lambda-profiling did not attach it")
        }
    }
}

/// The configuration's differences: layers, variables, handler.
pub(crate) fn config_steps(snap: &Snapshot, change: &Change) -> Vec<String> {
    let mut steps = Vec::new();
    for layer in change.layers.iter().filter(|l| !snap.layers.contains(l)) {
        steps.push(format!("add layer {layer}"));
    }
    for layer in snap.layers.iter().filter(|l| !change.layers.contains(l)) {
        steps.push(format!("remove layer {layer}"));
    }
    for (name, value) in &change.vars {
        match snap.vars.get(name) {
            None => steps.push(format!("set {name}={value}")),
            // No values: a user's own (JAVA_TOOL_OPTIONS, say) may hold a secret, and
            // the plan may land in a pipeline's log.
            Some(before) if before != value => steps.push(format!("change {name}")),
            Some(_) => {}
        }
    }
    for name in snap.vars.keys().filter(|k| !change.vars.contains_key(*k)) {
        steps.push(format!("remove {name}"));
    }
    if let Some(handler) = &change.handler {
        let before = snap.handler.as_deref().unwrap_or_default();
        steps.push(format!("set the handler to {handler} (was {before})"));
    }
    steps
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
