//! lambda-profiling: turns on Amazon CodeGuru Profiler for AWS Lambda functions at
//! deploy time, as a CloudFormation macro and as a custom resource.

pub mod agent;
pub mod aws;
/// Inputs of the performance measurements (issue 6); not part of the product's API.
#[doc(hidden)]
pub mod bench_support;
pub mod cli;
pub mod custom_resource;
pub mod handler;
pub mod macro_lane;
pub mod suggest;
pub mod template;
