//! The CloudFormation resource types the macro reads or writes.

pub(crate) const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";
pub(crate) const SAM_FUNCTION: &str = "AWS::Serverless::Function";
pub(crate) const IAM_ROLE: &str = "AWS::IAM::Role";
pub(crate) const PROFILING_GROUP: &str = "AWS::CodeGuruProfiler::ProfilingGroup";
/// The role-mode custom resource the macro adds for a role outside the template.
pub(crate) const CUSTOM_RESOURCE: &str = "Custom::LambdaProfiling";

pub(crate) fn is_function(ty: &str) -> bool {
    ty == LAMBDA_FUNCTION || ty == SAM_FUNCTION
}
