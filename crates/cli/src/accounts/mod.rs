//! Several accounts in one run. `--accounts ID,ID --role-name NAME` assumes the role in
//! each account (STS `AssumeRole`); `--org --role-name NAME` takes every active account of
//! the caller's organization (Organizations `ListAccounts`); without either, the caller's
//! own credentials. An account that cannot be entered is said by its error's code, never
//! its message, and the others go on. The arguments are always built and unit-tested;
//! entering the accounts needs the `aws` feature.

mod args;
#[cfg(feature = "aws")]
mod enter;

pub use args::{AccountArgs, Accounts, role_arn};
#[cfg(feature = "aws")]
pub use enter::{Target, targets};
