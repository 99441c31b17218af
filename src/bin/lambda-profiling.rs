//! `lambda-profiling`: the macro on a workstation. Wiring only; see `lambda_profiling::cli`.

use std::process::ExitCode;

use clap::Parser;
use lambda_profiling::cli::{Cli, run};

fn main() -> anyhow::Result<ExitCode> {
    run(Cli::parse())
}
