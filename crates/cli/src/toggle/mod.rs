//! `lambda-profiling enable` and `disable`: the console's "Code profiling" toggle for
//! existing functions, with the custom resource's function mode doing the work (see
//! `lambda_profiling_switch::toggle`): the same ledger and role references, in the same table,
//! so `disable` takes back exactly what `enable` added.
//!
//! The arguments and the report's text are always built and unit-tested; running them
//! needs the `aws` feature (`run_aws`).

#[cfg(feature = "aws")]
mod render;
pub mod select;

#[cfg(feature = "aws")]
pub use render::{Line, render, report};

use std::process::ExitCode;

use lambda_profiling_protocol::DEFAULT_REFERENCE_TABLE;
pub use select::Selection;

#[derive(Debug, Clone, clap::Args)]
pub struct EnableArgs {
    /// The functions: names, or full or partial ARNs of unqualified functions.
    #[arg(required_unless_present = "all", value_name = "FUNCTION")]
    pub functions: Vec<String>,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub common: Common,
    /// The profiling group [default: aws-lambda-<function name>, as the console names it].
    #[arg(long, value_name = "NAME")]
    pub profiling_group_name: Option<String>,
    /// The agent layer version to add [default: the newest CodeGuru layer the function's
    /// region publishes for its runtime].
    #[arg(long, value_name = "ARN")]
    pub layer_arn: Option<String>,
    /// Only move functions to which lambda-profiling added the publisher's agent layer to
    /// the newest version the region publishes for their runtime; leave every other
    /// function as it is.
    #[arg(long, conflicts_with_all = ["layer_arn", "profiling_group_name"])]
    pub upgrade: bool,
    /// With --all: one profiling group per value of this tag (such as service), each
    /// function in the group its tag names; a function without the tag is skipped.
    #[arg(long, value_name = "KEY", conflicts_with_all = ["profiling_group_name", "upgrade", "functions"])]
    pub group_per_tag: Option<String>,
    /// CodeGuru Profiler's quota of profiling groups per account and region, if Service
    /// Quotas raised it: a selection that would make more is refused before it acts.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_GROUP_QUOTA, value_parser = at_least_one)]
    pub group_quota: usize,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DisableArgs {
    /// The functions: names, or full or partial ARNs of unqualified functions.
    #[arg(required_unless_present = "all", value_name = "FUNCTION")]
    pub functions: Vec<String>,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The region of the functions [default: the AWS configuration's region]; repeatable
    /// with --all, which selects in each.
    #[arg(long = "region", value_name = "R")]
    pub regions: Vec<String>,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Act on a selection (`--all`) without asking; needed where no one can be asked (a
    /// pipeline).
    #[arg(long)]
    pub yes: bool,
    /// How to print the result of each function.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ToggleFormat,
    /// Change a function that a CloudFormation stack owns (it then drifts from the stack).
    #[arg(long)]
    pub force: bool,
    /// The references' table that the macro stacks share.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_REFERENCE_TABLE)]
    pub reference_table: String,
    /// The table's region: the macro stacks' HomeRegion [default: --region; needed with
    /// several].
    #[arg(long, value_name = "R")]
    pub reference_region: Option<String>,
    #[command(flatten)]
    pub accounts: crate::accounts::AccountArgs,
}

/// How `enable` and `disable` print what became of each function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ToggleFormat {
    #[default]
    Table,
    Json,
}

/// `enable` or `disable`, with its arguments.
#[derive(Debug, Clone, Copy)]
pub enum Toggle<'a> {
    Enable(&'a EnableArgs),
    Disable(&'a DisableArgs),
}

impl<'a> Toggle<'a> {
    pub fn verb(self) -> &'static str {
        match self {
            Toggle::Enable(_) => "enable",
            Toggle::Disable(_) => "disable",
        }
    }

    pub fn functions(self) -> &'a [String] {
        match self {
            Toggle::Enable(a) => &a.functions,
            Toggle::Disable(a) => &a.functions,
        }
    }

    pub fn common(self) -> &'a Common {
        match self {
            Toggle::Enable(a) => &a.common,
            Toggle::Disable(a) => &a.common,
        }
    }

    pub fn selection(self) -> &'a Selection {
        match self {
            Toggle::Enable(a) => &a.selection,
            Toggle::Disable(a) => &a.selection,
        }
    }
}

/// A count of 1 or more.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("a quota is a whole number of 1 or more, such as 1000".into()),
    }
}

/// CodeGuru Profiler's default quota of profiling groups per account and region.
pub const DEFAULT_GROUP_QUOTA: usize = 500;

/// Exit code when nothing could start (no region, no runtime); 1 is "some function failed".
pub const FAILED: u8 = 2;

/// What a build without the `aws` feature says.
pub const NO_AWS: &str = "lambda-profiling enable and disable talk to AWS, and this build was made without \
it. Install the command line with the `aws` feature:\n  cargo install --path crates/cli --features aws\nor, in \
this repository: cargo run -p lambda-profiling-cli --features aws -- enable FUNCTION";

pub use crate::Printed;

/// Runs `enable` or `disable` and prints its report; the process's exit code.
pub fn run(toggle: Toggle<'_>) -> ExitCode {
    #[cfg(feature = "aws")]
    return run_aws(toggle);
    #[cfg(not(feature = "aws"))]
    {
        let _ = toggle;
        eprintln!("{NO_AWS}");
        ExitCode::from(FAILED)
    }
}

#[cfg(feature = "aws")]
mod confirm;
#[cfg(feature = "aws")]
mod each;
#[cfg(feature = "aws")]
mod execute;
#[cfg(feature = "aws")]
mod fleet;
#[cfg(feature = "aws")]
mod quota;
#[cfg(feature = "aws")]
mod rollout;
#[cfg(feature = "aws")]
mod table;
#[cfg(feature = "aws")]
pub use confirm::{Consent, consent};
#[cfg(feature = "aws")]
pub use execute::{execute, execute_with};
#[cfg(feature = "aws")]
pub use fleet::Skipped;

#[cfg(feature = "aws")]
fn run_aws(toggle: Toggle<'_>) -> ExitCode {
    let outcome = match crate::session::block_on(|session| async move { execute(toggle, &session).await }) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(FAILED);
        }
    };
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    ExitCode::from(outcome.code)
}
