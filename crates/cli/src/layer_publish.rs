//! `lambda-profiling layer publish`: publishes the self-built CodeGuru Profiler Python agent
//! layer (the zip `scripts/build-agent-layer` builds from the pinned PyPI agent) in the
//! caller's account, in each region asked, and prints its ARN: the layer for the Python
//! runtimes AWS's published layers do not serve. The macro takes it, as the transform's
//! `PythonLayerArn`, for exactly those runtimes.

use std::path::PathBuf;
use std::process::ExitCode;

use lambda_profiling_macro::agent::SELF_BUILT_PYTHON_LAYER;

pub use crate::layer_zip::{LayerZip, ZIP_NAME, description, read_zip};

#[derive(Debug, Clone, clap::Args)]
pub struct LayerArgs {
    #[command(subcommand)]
    pub command: LayerCommand,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum LayerCommand {
    /// Publishes the self-built Python agent layer in your account (a new version only
    /// where the region's newest holds other bytes) and prints its ARN per region.
    Publish(PublishArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct PublishArgs {
    /// The regions (repeatable) [default: the configured region].
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// The layer zip [default: the one installed with the command line].
    #[arg(long, value_name = "PATH")]
    pub zip: Option<PathBuf>,
    /// The runtimes the layer lists (repeatable) [default: python3.9 to python3.14].
    #[arg(long = "runtime", value_name = "RUNTIME")]
    pub runtimes: Vec<String>,
    /// Say what would be published, from which zip, and ask AWS nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What the layer lists by default: the Python runtimes Lambda still runs. Its agent is
/// pure Python under `python/`, which every Python runtime imports from; the agent suite
/// proves it on python3.9 to 3.13, and python3.14 is the one it is for. The deployed macro
/// refuses a pinned layer for a runtime it does not list.
pub const DEFAULT_RUNTIMES: &[&str] = &[
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
];

/// The runtimes to list: `--runtime`, each a Python runtime, else [`DEFAULT_RUNTIMES`].
pub fn runtimes(given: &[String]) -> Result<Vec<String>, String> {
    if given.is_empty() {
        return Ok(DEFAULT_RUNTIMES.iter().map(|r| r.to_string()).collect());
    }
    match given.iter().find(|r| !is_python_runtime(r)) {
        Some(other) => Err(format!(
            "--runtime {}: the layer holds the Python agent; name Python runtimes such as python3.14",
            crate::printable::printable(other)
        )),
        None => {
            let mut runtimes = given.to_vec();
            runtimes.sort();
            runtimes.dedup();
            Ok(runtimes)
        }
    }
}

fn is_python_runtime(runtime: &str) -> bool {
    runtime
        .strip_prefix("python3.")
        .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()))
}

pub fn run(args: &LayerArgs) -> ExitCode {
    let LayerCommand::Publish(publish) = &args.command;
    let (zip, runtimes) = match prepare(publish) {
        Ok(prepared) => prepared,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(2);
        }
    };
    if publish.dry_run {
        print!("{}", plan(&zip, &runtimes, &publish.regions));
        return ExitCode::SUCCESS;
    }
    publish_in(&publish.regions, &zip, &runtimes)
}

/// What a publish would do, for `--dry-run`.
pub fn plan(zip: &LayerZip, runtimes: &[String], regions: &[String]) -> String {
    let regions = match regions.is_empty() {
        true => "the configured region".to_string(),
        false => regions
            .iter()
            .map(|r| crate::printable::printable(r))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "would publish {SELF_BUILT_PYTHON_LAYER} in {regions} (a new version only where the newest holds other bytes)\n\
         zip: {} ({} bytes, agent {})\nruntimes: {}\ndry run: nothing was published\n",
        crate::printable::printable(&zip.path.display().to_string()),
        zip.bytes.len(),
        zip.agent,
        runtimes.join(" ")
    )
}

fn prepare(args: &PublishArgs) -> Result<(LayerZip, Vec<String>), String> {
    Ok((read_zip(args.zip.as_deref())?, runtimes(&args.runtimes)?))
}

#[cfg(not(feature = "aws"))]
fn publish_in(_: &[String], _: &LayerZip, _: &[String]) -> ExitCode {
    eprintln!(
        "publishing {SELF_BUILT_PYTHON_LAYER} needs the command line's aws feature: \
         cargo install --path crates/cli --features aws"
    );
    ExitCode::from(2)
}

#[cfg(feature = "aws")]
fn publish_in(regions: &[String], zip: &LayerZip, runtimes: &[String]) -> ExitCode {
    crate::layer_publish_aws::publish_everywhere(regions, zip, runtimes)
}

#[cfg(test)]
#[path = "layer_publish_tests.rs"]
mod tests;
