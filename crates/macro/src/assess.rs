//! What a function's configuration says about its profiling, without I/O or AWS types:
//! `lambda-profiling status`'s verdict, and the check that `enable`, `disable` and the
//! custom resource make of the function they changed.
//!
//! [`inspect`] reads one function: `off` and `unsupported` are settled there, and every
//! problem the configuration alone shows is found; it also names the role and the group
//! that must be looked up. [`Inspection::conclude`] adds what the lookups found. The
//! agent's own rules decide (the Python agent's `profiler_builder.py`): the group is the
//! one `AWS_CODEGURU_PROFILER_GROUP_ARN` names, else `_GROUP_NAME`, else the console's
//! `aws-lambda-<function>`; its region the ARN's, else `_TARGET_REGION`, else the
//! function's; `AWS_CODEGURU_PROFILER_ENABLED` other than `true` (any case) turns it off.

use std::collections::BTreeMap;

use crate::agent::{self, Family, env};
use serde::Serialize;

/// A function's `$LATEST` configuration, as `status` reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub arn: String,
    pub runtime: Option<String>,
    pub architectures: Vec<String>,
    pub package_type: Option<String>,
    /// The execution role's ARN.
    pub role: String,
    pub handler: Option<String>,
    pub layers: Vec<String>,
    pub vars: BTreeMap<String, String>,
    /// Lambda could not read the environment back (for example its KMS key).
    pub env_error: Option<String>,
    /// Its `aws:cloudformation:stack-name` tag.
    pub stack: Option<String>,
}

impl Function {
    fn arn_part(&self, i: usize) -> &str {
        self.arn.split(':').nth(i).unwrap_or_default()
    }
    pub fn region(&self) -> &str {
        self.arn_part(3)
    }
    pub fn account(&self) -> &str {
        self.arn_part(4)
    }
    /// The role's name: the last part of its ARN's path.
    pub fn role_name(&self) -> &str {
        self.role.rsplit('/').next().unwrap_or(&self.role)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Profiled,
    Broken,
    Off,
    Unsupported,
}

impl State {
    pub const ALL: [State; 4] = [State::Profiled, State::Broken, State::Off, State::Unsupported];

    pub fn label(self) -> &'static str {
        match self {
            State::Profiled => "profiled",
            State::Broken => "broken",
            State::Off => "off",
            State::Unsupported => "unsupported",
        }
    }
}

/// The profiling group the agent would report to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupRef {
    pub region: String,
    pub account: String,
    pub name: String,
}

impl GroupRef {
    pub fn arn(&self) -> String {
        agent::group_arn(&self.region, &self.account, &self.name)
    }
}

/// Whether a role lets the agent report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleAccess {
    /// The managed policy is attached, or an inline policy allows the agent's two calls.
    Granted,
    Lacks,
    Missing,
    /// The role could not be read.
    Unreadable(Unread),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupPresence {
    Exists,
    Missing,
    Unreadable(Unread),
}

/// Why a role or a group could not be read: a permission the caller lacks, or a service
/// that did not answer as it should, which no permission fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// What went wrong, without AWS's message: an error code, or the transport's failure.
    pub said: String,
    /// The caller may not make the call.
    pub denied: bool,
    /// The endpoint that was asked.
    pub endpoint: String,
}

impl Unread {
    /// What to do: the permissions to grant when denied, else to retry (naming the
    /// endpoint, which may be a mistyped override).
    fn fix(&self, permissions: &str) -> String {
        match self.denied {
            true => format!("({}): allow {permissions} to the caller", self.said),
            false => format!(
                "({} from {}): AWS did not answer as it should, which no permission fixes; retry later, or \
                 check that endpoint",
                self.said, self.endpoint
            ),
        }
    }
}

/// What one function's configuration says, before the lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub status: FunctionStatus,
    /// The role to look up (by name), when profiling is on or half on.
    pub role: Option<String>,
    /// The group to look up, when it is in this account and in a region with the service.
    pub group: Option<GroupRef>,
}

/// One function's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionStatus {
    pub function_name: String,
    pub function_arn: String,
    pub runtime: Option<String>,
    pub state: State,
    pub problems: Vec<String>,
    /// The group's ARN, where the agent reports or would.
    pub profiling_group: Option<String>,
    /// The agent layer on the function.
    pub layer: Option<String>,
    pub stack: Option<String>,
    /// What is worth knowing without being a problem (a newer agent layer, say).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Reads one function; see the module header.
pub fn inspect(f: &Function) -> Inspection {
    let mut status = FunctionStatus {
        function_name: f.name.clone(),
        function_arn: f.arn.clone(),
        runtime: f.runtime.clone(),
        state: State::Off,
        problems: Vec::new(),
        profiling_group: None,
        layer: None,
        stack: f.stack.clone(),
        notes: Vec::new(),
    };
    let settled = |status: FunctionStatus| Inspection {
        status,
        role: None,
        group: None,
    };
    let family = match unsupported(f) {
        Err(reason) => {
            status.state = State::Unsupported;
            status.problems.push(reason);
            return settled(status);
        }
        Ok(family) => family,
    };
    if !has_trace(f) {
        return settled(status);
    }
    let problems = &mut status.problems;
    status.layer = check_layer(f, family, problems);
    check_start(f, family, problems);
    // No variable's value is quoted in a problem: a problem can reach a CloudFormation
    // Reason, which people who may not read the function's variables read.
    if f.vars
        .get(env::ENABLED)
        .is_some_and(|v| !v.eq_ignore_ascii_case("true"))
    {
        problems.push(format!(
            "{} is not true: the agent does not profile; set it to {}",
            env::ENABLED,
            env::ENABLED_VALUE
        ));
    }
    if let Some(err) = &f.env_error {
        problems.push(format!(
            "Lambda cannot read the environment back ({err}): the agent cannot read its variables; fix the \
             environment (its KMS key)"
        ));
    }
    let group = resolve_group(f, problems);
    status.profiling_group = group.as_ref().map(GroupRef::arn);
    let group = group.filter(|g| {
        if !agent::has_service(&g.region) {
            problems.push(format!(
                "profiling group {} is in {}, which has no CodeGuru Profiler: the agent cannot report; use a \
                 group in one of {}",
                g.name,
                g.region,
                agent::SERVICE_REGIONS.join(", ")
            ));
            return false;
        }
        // DescribeProfilingGroup reads this account's groups only: another's is not checked.
        g.account == f.account()
    });
    status.state = State::Broken;
    Inspection {
        status,
        role: Some(f.role_name().to_owned()),
        group,
    }
}

impl Inspection {
    /// The function's status, with what the lookups found about its role and group.
    pub fn conclude(self, role: Option<&RoleAccess>, group: Option<&GroupPresence>) -> FunctionStatus {
        let mut status = self.status;
        if status.state != State::Broken {
            return status;
        }
        if let (Some(name), Some(access)) = (&self.role, role) {
            match access {
                RoleAccess::Granted => {}
                RoleAccess::Lacks => status.problems.push(format!(
                    "role {name} lacks {}: the agent cannot report; attach it to the role",
                    agent::POLICY_NAME
                )),
                RoleAccess::Missing => status.problems.push(format!(
                    "role {name} does not exist: the function cannot run; give it an execution role"
                )),
                RoleAccess::Unreadable(unread) => status.problems.push(format!(
                    "role {name} could not be checked {}",
                    unread.fix("iam:ListAttachedRolePolicies, iam:ListRolePolicies and iam:GetRolePolicy")
                )),
            }
        }
        if let (Some(g), Some(presence)) = (&self.group, group) {
            match presence {
                GroupPresence::Exists => {}
                GroupPresence::Missing => status.problems.push(format!(
                    "profiling group {} does not exist in {}: the agent cannot report; create it \
                     (ComputePlatform AWSLambda) or name an existing one",
                    g.name, g.region
                )),
                GroupPresence::Unreadable(unread) => status.problems.push(format!(
                    "profiling group {} in {} could not be checked {}",
                    g.name,
                    g.region,
                    unread.fix("codeguru-profiler:DescribeProfilingGroup")
                )),
            }
        }
        if status.problems.is_empty() {
            status.state = State::Profiled;
        }
        status
    }
}

/// The family of a function CodeGuru Profiler can profile, or why it cannot.
fn unsupported(f: &Function) -> Result<Family, String> {
    if f.package_type.as_deref() == Some("Image") {
        return Err("a container image: layers do not apply; add the agent to the image instead".into());
    }
    if let Some(arch) = f.architectures.iter().find(|a| *a != "x86_64") {
        return Err(format!(
            "runs on {arch}: the CodeGuru agent layers exist for x86_64 only"
        ));
    }
    let Some(runtime) = f.runtime.as_deref() else {
        return Err("no runtime: CodeGuru Profiler has agents for Python and Java runtimes only".into());
    };
    agent::classify_runtime(runtime)
}

/// Whether anything of profiling is on the function: an agent layer, one of the agent's
/// variables, the exec wrapper, the handler redirect or the `-javaagent` flag.
/// Whether anything of the agent is on the function (its layer, its variables, its
/// handler redirect or Java flag), supported runtime or not.
pub fn has_trace(f: &Function) -> bool {
    f.layers
        .iter()
        .any(|l| agent::is_agent_layer(l, Family::Python) || agent::is_agent_layer(l, Family::Java))
        || f.vars.keys().any(|k| k.starts_with("AWS_CODEGURU_PROFILER_"))
        || f.vars.get(env::EXEC_WRAPPER).map(String::as_str) == Some(env::EXEC_WRAPPER_VALUE)
        || f.vars.contains_key(env::REDIRECTED_HANDLER)
        || f.handler.as_deref() == Some(agent::REDIRECT_HANDLER)
        || has_java_flag(f)
}

fn has_java_flag(f: &Function) -> bool {
    f.vars
        .get(env::JAVA_TOOL_OPTIONS)
        .is_some_and(|o| o.split_whitespace().any(|w| w == env::JAVA_AGENT_FLAG))
}

/// The family's agent layer on the function (recognised by its name, in any account,
/// never fetched), with a problem when it is missing or cannot carry the runtime.
fn check_layer(f: &Function, family: Family, problems: &mut Vec<String>) -> Option<String> {
    let runtime = f.runtime.as_deref().unwrap_or_default();
    let Some(layer) = f.layers.iter().find(|l| agent::is_agent_layer(l, family)) else {
        let fix = match family
            .default_layer_version(runtime)
            .and_then(|v| family.layer_arn(f.region(), v))
        {
            Some(arn) => format!("add {arn}"),
            None => format!(
                "add a {} agent layer that carries {runtime} (none is published for it in {})",
                family.label(),
                f.region()
            ),
        };
        problems.push(format!("no agent layer: the agent never starts; {fix}"));
        return None;
    };
    // The publisher's version numbers say what a layer carries; a copy's say nothing.
    if let Some(parsed) = agent::parse_layer_arn(layer)
        && parsed.account == agent::PUBLISHER_ACCOUNT
        && let Ok(version) = parsed.version.parse::<u32>()
        && !family.layer_carries(version, runtime)
    {
        let fix = family.default_layer_version(runtime).map_or_else(
            || "no published version does yet".to_owned(),
            |v| format!("use version {v}"),
        );
        problems.push(format!(
            "agent layer version {version} does not carry the {} agent for {runtime}: the agent cannot start; {fix}",
            family.label()
        ));
    }
    Some(layer.clone())
}

/// Whether the agent is started: the exec wrapper or the handler redirect (Python), or
/// the `-javaagent` flag (Java).
fn check_start(f: &Function, family: Family, problems: &mut Vec<String>) {
    if family == Family::Java {
        if !has_java_flag(f) {
            problems.push(format!(
                "{} lacks {}: the agent never starts; add it",
                env::JAVA_TOOL_OPTIONS,
                env::JAVA_AGENT_FLAG
            ));
        }
        return;
    }
    let redirected = f.handler.as_deref() == Some(agent::REDIRECT_HANDLER);
    match (f.vars.get(env::EXEC_WRAPPER), redirected) {
        (Some(w), _) if w == env::EXEC_WRAPPER_VALUE => {}
        (_, true) if f.vars.contains_key(env::REDIRECTED_HANDLER) => {}
        (_, true) => problems.push(format!(
            "the handler is the agent's {} but {} is not set: every invocation fails; set it to the original handler",
            agent::REDIRECT_HANDLER,
            env::REDIRECTED_HANDLER
        )),
        (Some(_), false) => problems.push(format!(
            "{} names another wrapper, and the handler is not redirected: the agent never starts; set the \
             handler to {} and {} to the original handler",
            env::EXEC_WRAPPER,
            agent::REDIRECT_HANDLER,
            env::REDIRECTED_HANDLER
        )),
        (None, false) => problems.push(format!(
            "{} is not set: the agent never starts; set it to {}",
            env::EXEC_WRAPPER,
            env::EXEC_WRAPPER_VALUE
        )),
    }
}

/// The group the agent reports to, by its own rules (see the module header).
fn resolve_group(f: &Function, problems: &mut Vec<String>) -> Option<GroupRef> {
    if let Some(arn) = f.vars.get(env::GROUP_ARN) {
        let Some(g) = agent::parse_group_arn(arn) else {
            problems.push(format!(
                "{} is not a profiling group ARN: the agent cannot report; fix it or remove it",
                env::GROUP_ARN
            ));
            return None;
        };
        return Some(GroupRef {
            region: g.region.to_owned(),
            account: g.account.to_owned(),
            name: g.name.to_owned(),
        });
    }
    let name = match f.vars.get(env::GROUP_NAME) {
        Some(name) if !agent::is_valid_group_name(name) => {
            problems.push(format!(
                "{} is not a valid group name (1-255 of A-Z a-z 0-9 _ -): the agent cannot report; fix it",
                env::GROUP_NAME
            ));
            return None;
        }
        Some(name) => name.clone(),
        None => agent::console_group_name(&f.name),
    };
    let region = match f.vars.get(env::TARGET_REGION) {
        Some(region) if !agent::is_region_name(region) => {
            problems.push(format!(
                "{} is not a region's name: the agent cannot report; fix it or remove it",
                env::TARGET_REGION
            ));
            return None;
        }
        Some(region) => region.clone(),
        None => f.region().to_owned(),
    };
    Some(GroupRef {
        region,
        account: f.account().to_owned(),
        name,
    })
}

#[cfg(test)]
#[path = "assess_tests.rs"]
mod tests;
