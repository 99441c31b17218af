//! What the macro needs besides the template: the invocation's region, account and
//! service token, and the stack's evaluated parameters. A leaf: both lanes read it.

use serde_json::{Map, Value, json};

use crate::agent;

/// Where a template's agent layers come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LayerSource<'a> {
    /// A template for any region: a `Mappings` table, by region (the built-in table's).
    Mapped,
    /// The region's layers, checked against what AWS publishes there where that is known.
    Region(&'a str, &'a agent::Published),
}

/// The stack's evaluated parameter values (`templateParameterValues`).
pub type ParameterValues = Map<String, Value>;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub region: &'a str,
    pub account_id: &'a str,
    /// The macro function's own ARN: the `ServiceToken` of the custom resources it adds.
    pub service_token: &'a str,
    /// `templateParameterValues`: the stack's evaluated parameters.
    pub values: &'a ParameterValues,
    /// Write a template for every region (and account): the region and account come from
    /// `AWS::Region` and `AWS::AccountId`, the agent layers from a `Mappings` table.
    pub any_region: bool,
    /// What AWS publishes in the region, where the edge asked (else empty: unverified).
    pub published: &'a agent::Published,
}

/// The parameter of a template for every region that names the macro, whose stack exports
/// its `ServiceToken` as `<macro name>:ServiceToken` (the same in every account and region,
/// where a StackSet's stack names are not): the custom resources the macro adds use it.
pub(crate) const MACRO_NAME_PARAMETER: &str = "LambdaProfilingMacroName";

impl<'a> Context<'a> {
    /// Where the agent layers come from.
    pub(crate) fn layer_source(&self) -> LayerSource<'a> {
        match self.any_region {
            true => LayerSource::Mapped,
            false => LayerSource::Region(self.region, self.published),
        }
    }

    /// The region, as a value the template holds.
    pub(crate) fn region_value(&self) -> Value {
        match self.any_region {
            true => json!({"Ref": "AWS::Region"}),
            false => json!(self.region),
        }
    }

    /// Whether a profiling group can be here: in every region of the table when the
    /// template is for any region (the table holds only regions with the service).
    pub(crate) fn has_service(&self) -> bool {
        self.any_region || agent::has_service(self.region)
    }

    /// The ARN of the group `name` in this region and account.
    pub(crate) fn group_arn(&self, name: &str) -> Value {
        // `${!` is Fn::Sub's literal `${`: a name read from variables is not checked.
        let literal = name.replace("${", "${!");
        match self.any_region {
            true => json!({"Fn::Sub": format!(
                "arn:${{AWS::Partition}}:codeguru-profiler:${{AWS::Region}}:${{AWS::AccountId}}:profilingGroup/{literal}"
            )}),
            false => json!(agent::group_arn(self.region, self.account_id, name)),
        }
    }

    /// The `ServiceToken` of a custom resource the macro adds: the macro function's ARN,
    /// or, for any region, the macro stack's export in the region where it is deployed.
    pub(crate) fn service_token_value(&self) -> Value {
        match self.any_region {
            true => {
                json!({"Fn::ImportValue": {"Fn::Sub": format!("${{{MACRO_NAME_PARAMETER}}}:ServiceToken")}})
            }
            false => json!(self.service_token),
        }
    }
}
