//! The one table of what the splice lane declines: every case in which it leaves the
//! template to the general lane, and why. Declining is never an error; the general lane
//! answers every template, and its answer names any problem. The dispatcher reports
//! which lane answered and, for the general lane, this reason.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decline {
    /// The caller asked for the general lane ([`crate::Lanes::General`]), or for a template
    /// for any region ([`crate::Options::any_region`]).
    Asked,
    /// The text is not JSON, or nests deeper than the scanner goes (128).
    NotJson,
    /// The fragment, `Resources`, a resource or its `Properties` is not an object, or
    /// the fragment has no `Resources`: the general lane says what is wrong.
    NotAnObject,
    /// A key holds escapes: the general lane writes keys escaped as it read them.
    EscapedKey,
    /// A key or logical id appears twice in one object.
    RepeatedKey,
    /// One object holds more than 64 entries (repeated keys are checked pairwise).
    LargeObject,
    /// A resource has no `Type`, or its `Type` is not a string without escapes.
    ResourceType,
    /// SAM's `Globals`, which may ask for profiling and merge into functions.
    Globals,
    /// The transform's parameters do not read (the general lane lists the problems).
    TransformParameters,
    /// A SAM function (`AWS::Serverless::Function`).
    SamFunction,
    /// A function with `Metadata`, which may record an opt-out.
    Metadata,
    /// A function without `Properties`.
    NoProperties,
    /// `Profiling` other than `true`, `"true"` or `"True"`: options, an opt-out, a `Ref`.
    ProfilingValue,
    /// `Runtime` is not a literal runtime the agent supports.
    Runtime,
    /// `PackageType` or `Architectures` other than absent, `Zip` and `["x86_64"]`.
    PackageOrArchitecture,
    /// A Python handler that already points at the agent's.
    Redirected,
    /// `Role` is not `Fn::GetAtt` of an `AWS::IAM::Role`'s `Arn` in the template.
    Role,
    /// The role's `ManagedPolicyArns` is not a literal list of names, or the role has no
    /// `Properties` to put it in.
    RolePolicies,
    /// The region has no CodeGuru Profiler service.
    Region,
    /// No literal agent layer for the function: none in the region, none that carries
    /// the runtime's agent, or the transform names it with an intrinsic.
    Layer,
    /// `Layers` is not a literal list of ARNs with room for the agent's and without it.
    Layers,
    /// `Environment` is not literal variables, or holds the agent's, or comes near 4 KB.
    Environment,
}

impl Decline {
    /// Why, in a few words (for the log line and the benchmarks).
    pub fn reason(self) -> &'static str {
        match self {
            Decline::Asked => "the general lane was asked for",
            Decline::NotJson => "not JSON the scanner reads",
            Decline::NotAnObject => "a template part that is not an object",
            Decline::EscapedKey => "a key with escapes",
            Decline::RepeatedKey => "a repeated key or logical id",
            Decline::LargeObject => "an object of more than 64 entries",
            Decline::ResourceType => "a resource without a string Type free of escapes",
            Decline::Globals => "SAM Globals",
            Decline::TransformParameters => "transform parameters with problems",
            Decline::SamFunction => "a SAM function",
            Decline::Metadata => "a function with Metadata",
            Decline::NoProperties => "a function without Properties",
            Decline::ProfilingValue => "Profiling other than true",
            Decline::Runtime => "a runtime that is not a literal supported one",
            Decline::PackageOrArchitecture => "a PackageType or Architectures other than Zip on x86_64",
            Decline::Redirected => "a handler already redirected to the agent",
            Decline::Role => "a role that is not a template role's Arn",
            Decline::RolePolicies => "a role whose ManagedPolicyArns is not a literal list",
            Decline::Region => "a region without the service",
            Decline::Layer => "no literal agent layer that carries the runtime's agent in the region",
            Decline::Layers => "Layers that are not a literal list with room for the agent",
            Decline::Environment => "an Environment that is not literal variables with room",
        }
    }
}

impl fmt::Display for Decline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}
