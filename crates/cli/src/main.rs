//! `lambda-profiling`: the macro on a workstation. Wiring only; see the library.

use std::process::ExitCode;

use clap::Parser;
use lambda_profiling_cli::{Cli, run};

fn main() -> anyhow::Result<ExitCode> {
    run(Cli::parse())
}
