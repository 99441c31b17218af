//! `lambda-profiling status`: whether profiling is actually on, function by function.
//!
//! The pure parts are always built and unit-tested: [`assess`] (what a configuration
//! says: the state and each problem; the macro crate's, which the custom resource shares), [`policy`] (whether an inline policy lets the
//! agent report), [`report`] (JSON, table, exit code) and [`progress`]. The parts that
//! talk to AWS (`calls`, `inventory`, `lookups`, `scan`) need the `aws` feature; without it the
//! subcommand says how to get it.

pub use lambda_profiling_macro::assess;
pub mod freshness;
pub mod html;
pub mod policy;
pub mod progress;
pub mod report;

#[cfg(feature = "aws")]
mod across;
#[cfg(feature = "aws")]
pub(crate) mod calls;
#[cfg(feature = "aws")]
pub(crate) mod inventory;
#[cfg(feature = "aws")]
mod lookups;
#[cfg(feature = "aws")]
mod scan;

#[cfg(feature = "aws")]
pub use calls::StatusError;
#[cfg(feature = "aws")]
pub use scan::{Scope, scan};

use std::process::ExitCode;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatusFormat {
    Table,
    Json,
    /// One self-contained page: coverage per account and region, the broken functions.
    Html,
}

/// A state that fails `status` (exit code 1), for a scheduled audit.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    /// Profiling was meant to be on and is not working.
    Broken,
    /// Profiling is not set up on a function an agent serves.
    Off,
    /// No agent serves the function (its runtime, an image, arm64).
    Unsupported,
}

impl FailOn {
    pub fn state(self) -> assess::State {
        match self {
            FailOn::Broken => assess::State::Broken,
            FailOn::Off => assess::State::Off,
            FailOn::Unsupported => assess::State::Unsupported,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// A region to scan (repeatable) [default: the AWS configuration's region].
    #[arg(long = "region", value_name = "R")]
    pub regions: Vec<String>,
    /// Only this function: a name, or a full or partial ARN (repeatable).
    #[arg(long = "function", value_name = "NAME")]
    pub functions: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: StatusFormat,
    /// The most AWS calls in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Exit 1 when any function is in one of these states (comma-separated): `broken,off`
    /// for an audit that every function an agent serves is profiled.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "broken",
        value_name = "STATES"
    )]
    pub fail_on: Vec<FailOn>,
    #[command(flatten)]
    pub accounts: crate::accounts::AccountArgs,
}

/// Exit code when `status` could not answer (1 is "some function is broken").
pub const FAILED: u8 = 2;

/// What a build without the `aws` feature says, and its exit code.
pub const NO_AWS: &str = "lambda-profiling status talks to AWS, and this build was made without it. Install \
the command line with the `aws` feature:\n  cargo install --path crates/cli --features aws\nor, in this \
repository: cargo run -p lambda-profiling-cli --features aws -- status";

/// Runs `status` and prints its report; the process's exit code.
pub fn run(args: &StatusArgs) -> ExitCode {
    #[cfg(feature = "aws")]
    return run_aws(args);
    #[cfg(not(feature = "aws"))]
    {
        let _ = args;
        eprintln!("{NO_AWS}");
        ExitCode::from(FAILED)
    }
}

#[cfg(feature = "aws")]
pub use crate::Printed;

/// The whole of `lambda-profiling status` but the process: `terminals` says whether
/// stdout and stderr are terminals, and `progress_to` receives the progress line.
#[cfg(feature = "aws")]
pub async fn execute(
    args: &StatusArgs,
    session: &crate::session::Session,
    terminals: (bool, bool),
    progress_to: Box<dyn std::io::Write + Send>,
) -> Printed {
    let table = args.format == StatusFormat::Table;
    let progress = match progress::wanted(!table, terminals.0, terminals.1) {
        true => progress::Progress::to(progress_to),
        false => progress::Progress::hidden(),
    };
    let request = Scope {
        regions: args.regions.clone(),
        functions: args.functions.clone(),
        concurrency: usize::from(args.concurrency),
    };
    let accounts = match args.accounts.read() {
        Ok(accounts) => accounts,
        Err(e) => return failed(e),
    };
    let scanned = match accounts {
        crate::accounts::Accounts::Caller => scan(session, &request, &progress).await,
        _ if !args.functions.is_empty() => {
            return failed(
                "--function names a function of one account; --accounts and --org read whole regions".into(),
            );
        }
        accounts => {
            let Some(region) = args.regions.first().cloned().or_else(|| session.region()) else {
                return failed(StatusError::NoRegion.to_string());
            };
            match crate::accounts::targets(session, &accounts, &region).await {
                Ok(targets) => Ok(across::scan_accounts(targets, &request, &progress).await),
                Err(e) => return failed(e),
            }
        }
    };
    match scanned {
        Ok(report) => Printed {
            stdout: match args.format {
                StatusFormat::Json => report.to_json(),
                StatusFormat::Html => report.to_html("lambda-profiling status"),
                StatusFormat::Table => report.to_table(),
            },
            stderr: report
                .warnings
                .iter()
                .map(|w| format!("warning: {w}\n"))
                .chain(report.missing.iter().map(|m| format!("{m}\n")))
                .collect(),
            code: report.exit_code(&args.fail_on.iter().map(|f| f.state()).collect::<Vec<_>>()),
        },
        Err(e) => {
            progress.finish();
            Printed {
                stdout: String::new(),
                stderr: format!("{e}\n"),
                code: FAILED,
            }
        }
    }
}

#[cfg(feature = "aws")]
fn failed(why: String) -> Printed {
    Printed {
        stdout: String::new(),
        stderr: format!("{why}\n"),
        code: FAILED,
    }
}

#[cfg(feature = "aws")]
fn run_aws(args: &StatusArgs) -> ExitCode {
    use std::io::IsTerminal;

    let terminals = (std::io::stdout().is_terminal(), std::io::stderr().is_terminal());
    let run = |session| async move { execute(args, &session, terminals, Box::new(std::io::stderr())).await };
    let outcome = match crate::session::block_on(run) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(FAILED);
        }
    };
    eprint!("{}", outcome.stderr);
    print!("{}", outcome.stdout);
    ExitCode::from(outcome.code)
}
