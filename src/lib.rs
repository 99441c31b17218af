//! lambda-profiling: turns on Amazon CodeGuru Profiler for AWS Lambda functions at
//! deploy time, as a CloudFormation macro and as a custom resource.

pub mod agent;
pub mod aws;
pub mod cli;
pub mod custom_resource;
pub mod handler;
pub mod suggest;
pub mod template;
