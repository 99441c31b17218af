//! Which resource asks, and what a successful operation leaves: the engine's side of a
//! request, whether a stack's custom resource or the command line asks.

use std::collections::BTreeMap;

/// The resource in its stack, as CloudFormation names it.
#[derive(Debug, Clone, Copy)]
pub struct StackResource<'a> {
    pub stack_id: &'a str,
    pub logical_id: &'a str,
    pub request_id: &'a str,
}

/// A successful operation: the physical id and the `Data` for `Fn::GetAtt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub physical_id: String,
    pub data: BTreeMap<String, String>,
}
