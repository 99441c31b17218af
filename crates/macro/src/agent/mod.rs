//! Facts about Amazon CodeGuru Profiler on AWS Lambda (contract §1), kept as data.
//!
//! A new layer version, a new region or a new runtime is a one-line change here;
//! nothing else in the crate spells these values.

mod environment;
mod published;

pub use environment::{
    ENVIRONMENT_LIMIT, ENVIRONMENT_MARGIN, MAX_ENVIRONMENT_BYTES, environment_size, json_string_size,
    measured,
};
pub use published::{Listing, Published, Refusal, listing_words};

/// The account that publishes the agent layers, in every region of [`LAYER_REGIONS`].
pub const PUBLISHER_ACCOUNT: &str = "157417159150";

/// Regions where the agent layers are published.
pub const LAYER_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Regions with the CodeGuru Profiler service, where a profiling group can exist.
pub const SERVICE_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-north-1",
];

/// The managed policy that lets the agent talk to the service.
pub const POLICY_NAME: &str = "AmazonCodeGuruProfilerAgentAccess";

/// Lambda's limit on layers per function.
pub const MAX_LAYERS: usize = 5;

/// Longest profiling group name the service accepts.
pub const MAX_GROUP_NAME_LEN: usize = 255;

/// Prefix of the group name the Lambda console uses: `aws-lambda-<function name>`.
pub const CONSOLE_GROUP_PREFIX: &str = "aws-lambda-";

/// Environment variables the agents read at start-up.
pub mod env {
    pub const GROUP_NAME: &str = "AWS_CODEGURU_PROFILER_GROUP_NAME";
    pub const GROUP_ARN: &str = "AWS_CODEGURU_PROFILER_GROUP_ARN";
    pub const TARGET_REGION: &str = "AWS_CODEGURU_PROFILER_TARGET_REGION";
    pub const ENABLED: &str = "AWS_CODEGURU_PROFILER_ENABLED";
    pub const ENABLED_VALUE: &str = "TRUE";
    /// Python: the exec wrapper that starts the agent.
    pub const EXEC_WRAPPER: &str = "AWS_LAMBDA_EXEC_WRAPPER";
    pub const EXEC_WRAPPER_VALUE: &str = "/opt/codeguru_profiler_lambda_exec";
    /// Python: where the handler redirect keeps the original handler.
    pub const REDIRECTED_HANDLER: &str = "HANDLER_ENV_NAME_FOR_CODEGURU";
    /// Java: the JVM reads this at start-up.
    pub const JAVA_TOOL_OPTIONS: &str = "JAVA_TOOL_OPTIONS";
    pub const JAVA_AGENT_FLAG: &str = "-javaagent:/opt/codeguru-profiler-java-agent-standalone.jar";
    /// Java, optional.
    pub const HEAP_SUMMARY: &str = "AWS_CODEGURU_PROFILER_HEAP_SUMMARY_ENABLED";
    pub const HEAP_SUMMARY_VALUE: &str = "true";
}

/// The Python agent's handler that loads the original handler named in
/// [`env::REDIRECTED_HANDLER`]; used when another exec wrapper is already set.
pub const REDIRECT_HANDLER: &str = "codeguru_profiler_agent.aws_lambda.lambda_handler.call_handler";

/// The language family of a supported runtime; each has its own agent layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Python,
    Java,
}

impl Family {
    /// The layer's name, the part of its ARN after `:layer:`.
    pub fn layer_name(self) -> &'static str {
        match self {
            Family::Python => "AWSCodeGuruProfilerPythonAgentLambdaLayer",
            Family::Java => "AWSCodeGuruProfilerJavaAgentLayer",
        }
    }

    /// The oldest version whose publication is checked: contract §1's default.
    pub fn built_in_floor(self) -> u32 {
        self.spec_default_version()
    }

    /// The newest version the built-in table knows the contents of.
    pub fn newest_known(self) -> u32 {
        match self {
            Family::Python => NEWEST_KNOWN_PYTHON_LAYER,
            Family::Java => self.spec_default_version(),
        }
    }

    /// Whether `text` (a template, its parameters) may name a runtime of this family.
    pub fn named_in(self, text: &str) -> bool {
        match self {
            Family::Python => text.contains("python"),
            Family::Java => text.contains("java"),
        }
    }

    /// contract §1's default layer version.
    fn spec_default_version(self) -> u32 {
        match self {
            Family::Python => 11,
            Family::Java => 12,
        }
    }

    /// The built-in layer version for `runtime`: contract §1's default (Python 11, Java 12)
    /// where its layer carries the agent for that runtime, else the first version that
    /// does; `None` when no published version does yet (see [`Family::layer_carries`]).
    pub fn default_layer_version(self, runtime: &str) -> Option<u32> {
        let spec = self.spec_default_version();
        (spec..=NEWEST_KNOWN_PYTHON_LAYER.max(spec)).find(|&v| self.layer_carries(v, runtime))
    }

    /// Whether layer `version` carries the agent for `runtime`. A Python layer holds the
    /// agent once per Python version, under `python/lib/python3.N/site-packages`, and a
    /// runtime imports only its own version's directory: layers up to 12 (agent 1.2.4 at
    /// 11, 1.2.5 at 12) were built for python3.6 to 3.9 (`SUPPORTED_VERSIONS` of the
    /// agent's `release_layer.py` at those releases), so on python3.10 and later the
    /// exec wrapper's handler cannot be imported and every invocation fails; layer 13
    /// (1.2.6) has python3.6 to 3.13. A version newer than this table is taken to carry
    /// the runtime. Java's one jar serves every Java runtime. `tests/agent.rs` runs the
    /// real agent under each layout.
    pub fn layer_carries(self, version: u32, runtime: &str) -> bool {
        let Some(minor) = runtime
            .strip_prefix("python3.")
            .and_then(|m| m.parse::<u32>().ok())
        else {
            return true;
        };
        match version {
            ..=12 => minor <= 9,
            13 => minor <= 13,
            _ => true,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Family::Python => "Python",
            Family::Java => "Java",
        }
    }

    /// The official layer ARN, or `None` where no layer is published.
    pub fn layer_arn(self, region: &str, version: u32) -> Option<String> {
        has_layer(region).then(|| {
            format!(
                "arn:aws:lambda:{region}:{PUBLISHER_ACCOUNT}:layer:{}:{version}",
                self.layer_name()
            )
        })
    }
}

/// The newest Python layer version whose contents [`Family::layer_carries`] knows.
const NEWEST_KNOWN_PYTHON_LAYER: u32 = 13;

/// Why a runtime cannot be profiled, in words for the user.
pub fn classify_runtime(runtime: &str) -> Result<Family, String> {
    if let Some(minor) = runtime.strip_prefix("python3.") {
        return match minor.parse::<u32>() {
            Ok(n) if n >= 8 => Ok(Family::Python),
            Ok(_) => Err(format!(
                "{runtime} is older than python3.8, the oldest the Python agent supports"
            )),
            Err(_) => Err(format!("{runtime} is not a runtime CodeGuru Profiler knows")),
        };
    }
    if runtime == "java8.al2" {
        return Ok(Family::Java);
    }
    if runtime == "java8" {
        return Err(
            "java8 (Amazon Linux 1) is not supported by the Java agent; use java8.al2 or java11 and later"
                .into(),
        );
    }
    if let Some(major) = runtime.strip_prefix("java")
        && major.parse::<u32>().is_ok_and(|n| n >= 11)
    {
        return Ok(Family::Java);
    }
    Err(format!(
        "{runtime} is not supported by CodeGuru Profiler, which has agents for python3.8+ and java8.al2, java11+"
    ))
}

pub fn has_layer(region: &str) -> bool {
    LAYER_REGIONS.contains(&region)
}

/// Whether `s` has the shape of a region's name (`us-east-1`, `us-gov-west-1`,
/// `eusc-de-east-1`): a value
/// of that shape carries nothing worth hiding, so messages may quote it.
pub fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    s.len() <= 25
        && (2..=4).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

pub fn has_service(region: &str) -> bool {
    SERVICE_REGIONS.contains(&region)
}

/// The regions a template for any region serves: those with the service and the layers,
/// in alphabetical order.
pub fn any_regions() -> Vec<&'static str> {
    let mut regions: Vec<&str> = SERVICE_REGIONS.iter().copied().filter(|r| has_layer(r)).collect();
    regions.sort_unstable();
    regions
}

/// The partition of a region; CodeGuru Profiler exists only in `aws`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// The managed policy's ARN in a partition.
pub fn policy_arn(partition: &str) -> String {
    format!("arn:{partition}:iam::aws:policy/{POLICY_NAME}")
}

/// The managed policy's ARN as CloudFormation should write it, partition-neutral.
pub const POLICY_ARN_SUB: &str = "arn:${AWS::Partition}:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";

/// Whether a policy name or ARN (any partition) is the agent policy's.
pub fn is_policy_name(s: &str) -> bool {
    s == POLICY_NAME
        || s.strip_suffix(POLICY_NAME)
            .is_some_and(|head| head.ends_with(":policy/"))
}

/// 1–255 characters of `[A-Za-z0-9_-]`.
pub fn is_valid_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_GROUP_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The group name the console would use for a function.
pub fn console_group_name(function_name: &str) -> String {
    format!("{CONSOLE_GROUP_PREFIX}{function_name}")
}

pub fn group_arn(region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:{}:codeguru-profiler:{region}:{account}:profilingGroup/{name}",
        partition(region)
    )
}

/// A profiling group ARN, split into the parts the agent needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupArn<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub name: &'a str,
}

/// Parses `arn:<partition>:codeguru-profiler:<region>:<account>:profilingGroup/<name>`.
/// A part of an ARN as AWS spells it: never empty, only the bytes `ok` takes. (ARNs are
/// written into ledgers as words: a space must never reach one.)
fn arn_word(part: &str, ok: fn(u8) -> bool) -> bool {
    !part.is_empty() && part.bytes().all(ok)
}

pub fn parse_group_arn(arn: &str) -> Option<GroupArn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(partition),
        Some("codeguru-profiler"),
        Some(region),
        Some(account),
        Some(resource),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    let name = resource.strip_prefix("profilingGroup/")?;
    let partition_ok = arn_word(partition, |b| b.is_ascii_lowercase() || b == b'-');
    let region_ok = arn_word(region, |b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
    });
    let account_ok = account.len() == 12 && arn_word(account, |b| b.is_ascii_digit());
    (partition_ok && region_ok && account_ok && is_valid_group_name(name)).then_some(GroupArn {
        region,
        account,
        name,
    })
}

/// A Lambda layer version ARN, split: `arn:<p>:lambda:<region>:<account>:layer:<name>:<version>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerArn<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub name: &'a str,
    pub version: &'a str,
}

pub fn parse_layer_arn(arn: &str) -> Option<LayerArn<'_>> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "layer",
            name,
            version,
        ] if arn_word(partition, |b| b.is_ascii_lowercase() || b == b'-')
            && arn_word(region, |b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
            })
            && account.len() == 12
            && arn_word(account, |b| b.is_ascii_digit())
            && arn_word(name, |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && arn_word(version, |b| b.is_ascii_digit()) =>
        {
            Some(LayerArn {
                region,
                account,
                name,
                version,
            })
        }
        _ => None,
    }
}

impl LayerArn<'_> {
    /// Both ARNs name versions of the same layer.
    pub fn same_layer(&self, other: &LayerArn<'_>) -> bool {
        self.region == other.region && self.account == other.account && self.name == other.name
    }
}

/// Why the layer `arn` names cannot start the agent of `family` on `runtime`, when its ARN
/// tells: it is the other family's agent layer (by its name, in any account: mirrors keep
/// it), or a version of the publisher's own layer that does not carry the runtime's agent
/// ([`Family::layer_carries`]; a mirror's version numbers are its own, so only the
/// publisher's are judged). A layer of another name cannot be judged by its ARN.
pub fn layer_mismatch(arn: &str, family: Family, runtime: &str) -> Option<String> {
    let layer = parse_layer_arn(arn)?;
    let other = match family {
        Family::Python => Family::Java,
        Family::Java => Family::Python,
    };
    let others = layer.name == other.layer_name()
        || (other == Family::Python && layer.name == SELF_BUILT_PYTHON_LAYER);
    if others {
        return Some(format!(
            "{arn} is the {} agent layer; a {runtime} function needs the {} agent layer ({}), or it fails \
             at every invocation",
            other.label(),
            family.label(),
            family.layer_name()
        ));
    }
    let version = layer.version.parse::<u32>().ok()?;
    let publishers = layer.account == PUBLISHER_ACCOUNT && layer.name == family.layer_name();
    (publishers && !family.layer_carries(version, runtime)).then(|| {
        format!(
            "version {version} of the {} agent layer carries the agent for python3.6 to 3.9 only, so a {runtime} \
             function could not start it and would fail at every invocation; use version 13 or later",
            family.label()
        )
    })
}

/// The name `lambda-profiling layer publish` gives the Python agent layer it builds from
/// the pinned PyPI agent, for the runtimes no published layer serves: recognised by its
/// name, in any account, as the publisher's layers are.
pub const SELF_BUILT_PYTHON_LAYER: &str = "LambdaProfilingPythonAgent";

/// Whether a layer ARN (any version) is the self-built Python agent layer.
pub fn is_self_built_layer(arn: &str) -> bool {
    parse_layer_arn(arn).is_some_and(|l| l.name == SELF_BUILT_PYTHON_LAYER)
}

/// Whether a layer ARN (any version) is one of the agent layers of `family`: the official
/// one, or for Python the self-built one.
pub fn is_agent_layer(arn: &str, family: Family) -> bool {
    parse_layer_arn(arn).is_some_and(|l| {
        l.name == family.layer_name() || (family == Family::Python && l.name == SELF_BUILT_PYTHON_LAYER)
    })
}

/// Whether `layer` is (any version of) the agent layer: the official one of `family`,
/// or the same layer as `chosen` (a mirror given as `LayerArn`).
pub fn same_agent_layer(layer: &str, chosen: &str, family: Family) -> bool {
    is_agent_layer(layer, family)
        || matches!((parse_layer_arn(layer), parse_layer_arn(chosen)), (Some(a), Some(b)) if a.same_layer(&b))
}

/// `JAVA_TOOL_OPTIONS` with the agent flag added once; `None` when it is already there.
/// The options are kept as written, so removing `" <flag>"` restores them exactly.
pub fn java_options_with_agent(existing: &str) -> Option<String> {
    let flag = env::JAVA_AGENT_FLAG;
    if existing.split_whitespace().any(|w| w == flag) {
        None
    } else if existing.is_empty() {
        Some(flag.to_string())
    } else {
        Some(format!("{existing} {flag}"))
    }
}

#[cfg(test)]
#[path = "agent_tests.rs"]
mod tests;
