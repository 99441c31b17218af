//! What both lanes share: what the template asks for ([`settings`]), the logical ids the
//! macro adds ([`ids`]), the agent layer it picks ([`agent_layer`]), the profiling group
//! it writes ([`group_resource`]), CloudFormation's resource types and intrinsics, and
//! the JSON writing both lanes' answers are made of ([`json`]). Nothing here knows how a
//! lane reads the template.

pub(crate) mod agent_layer;
pub(crate) mod group_resource;
pub(crate) mod ids;
pub(crate) mod intrinsics;
pub(crate) mod json;
pub(crate) mod resource_types;
pub(crate) mod settings;
