//! A function as it is read: one conversion from Lambda's answers for the whole
//! workspace (`status`'s listing and function mode's reads), and function mode's view of
//! it. A leaf, shared by what plans a change and what makes it.

use std::ops::{Deref, DerefMut};

use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput;
use aws_sdk_lambda::types::FunctionConfiguration;
use lambda_profiling_macro::assess::Function;

/// A function as function mode reads it: the function as `status` reads it (its
/// [`Function`], through `Deref`), the execution role's name, and the revision an update
/// is conditioned on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub function: Function,
    /// The execution role's name, under IAM's own spelling once it has been read back
    /// (`function.role` is the ARN as Lambda gave it).
    pub role: String,
    pub revision_id: Option<String>,
}

impl Deref for Snapshot {
    type Target = Function;

    fn deref(&self) -> &Function {
        &self.function
    }
}

impl DerefMut for Snapshot {
    fn deref_mut(&mut self) -> &mut Function {
        &mut self.function
    }
}

impl Snapshot {
    /// The function's name, from its ARN.
    pub(crate) fn name(&self) -> &str {
        self.function.arn.split(':').nth(6).unwrap_or_default()
    }
}

/// The fields every SDK shape of a function's configuration has, under the same
/// accessors: `ListFunctions`' items, `GetFunction`'s configuration and
/// `GetFunctionConfiguration`'s answer.
macro_rules! function_of {
    ($c:expr) => {{
        let c = $c;
        let env = c.environment();
        Function {
            name: c.function_name().unwrap_or_default().to_owned(),
            arn: c.function_arn().unwrap_or_default().to_owned(),
            runtime: c.runtime().map(|r| r.as_str().to_owned()),
            architectures: c.architectures().iter().map(|a| a.as_str().to_owned()).collect(),
            package_type: c.package_type().map(|p| p.as_str().to_owned()),
            role: c.role().unwrap_or_default().to_owned(),
            handler: c.handler().map(str::to_owned),
            layers: c
                .layers()
                .iter()
                .filter_map(|l| l.arn())
                .map(str::to_owned)
                .collect(),
            vars: env
                .and_then(|e| e.variables())
                .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            // Its code only: the message is Lambda's and may quote the configuration.
            env_error: env
                .and_then(|e| e.error())
                .map(|e| e.error_code().unwrap_or("an error without a code").to_owned()),
            stack: None,
        }
    }};
}

/// A function as `ListFunctions` or `GetFunction` gives it, with the stack that owns it.
pub fn listed(c: &FunctionConfiguration, stack: Option<String>) -> Function {
    Function {
        stack,
        ..function_of!(c)
    }
}

/// A function as `GetFunctionConfiguration` gives it.
pub(crate) fn read(out: &GetFunctionConfigurationOutput) -> Snapshot {
    let function = function_of!(out);
    Snapshot {
        role: function.role_name().to_owned(),
        revision_id: out.revision_id().map(str::to_owned),
        function,
    }
}
