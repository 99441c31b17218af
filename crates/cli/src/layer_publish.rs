//! `lambda-profiling layer publish`: publishes the self-built CodeGuru Profiler Python agent
//! layer (the zip `scripts/build-agent-layer` builds from the pinned PyPI agent) in the
//! caller's account, in each region asked, and prints its ARN: the layer for the Python
//! runtimes AWS's published layers do not serve. The macro takes it, as the transform's
//! `PythonLayerArn`, for exactly those runtimes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lambda_profiling_macro::agent::SELF_BUILT_PYTHON_LAYER;

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
    /// The runtimes the layer lists (repeatable) [default: python3.10 to python3.14].
    #[arg(long = "runtime", value_name = "RUNTIME")]
    pub runtimes: Vec<String>,
    /// Say what would be published, from which zip, and ask AWS nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The zip's name, as the release and the wheel ship it.
pub const ZIP_NAME: &str = "lambda-profiling-python-agent-layer.zip";

/// What the layer lists by default: Lambda's Python runtimes that are not deprecated. Its
/// agent is pure Python under `python/`, which every Python runtime imports from; the
/// agent suite proves it on python3.9 to 3.13, and python3.14 is the one it is for.
pub const DEFAULT_RUNTIMES: &[&str] = &["python3.10", "python3.11", "python3.12", "python3.13", "python3.14"];

/// Lambda's limit on a zip sent in the request (`Content.ZipFile`).
const MAX_DIRECT_UPLOAD: usize = 50 * 1024 * 1024;

/// Entries a zip must hold to be the agent layer (their names are stored as written).
const REQUIRED_ENTRIES: &[&str] = &["codeguru_profiler_lambda_exec", "python/codeguru_profiler_agent/__init__.py"];

/// The layer to publish, read and checked.
#[derive(Debug)]
pub struct LayerZip {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// The agent's version, from its `dist-info` entry's name.
    pub agent: String,
}

/// Where an installed wheel puts the zip: `<prefix>/share/lambda-profiling/`, beside the
/// `<prefix>/bin/lambda-profiling` that runs.
fn installed_zip() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let prefix = exe.parent()?.parent()?;
    Some(prefix.join("share/lambda-profiling").join(ZIP_NAME))
}

/// The zip named by `--zip`, else the installed one; read and checked to be the agent
/// layer `scripts/build-agent-layer` builds.
pub fn read_zip(given: Option<&Path>) -> Result<LayerZip, String> {
    let path = match given {
        Some(path) => path.to_owned(),
        None => match installed_zip().filter(|p| p.is_file()) {
            Some(path) => path,
            None => {
                return Err(format!(
                    "no layer zip: none is installed beside this command (looked for share/lambda-profiling/{ZIP_NAME}); \
                     build one with scripts/build-agent-layer and pass --zip PATH"
                ));
            }
        },
    };
    let shown = path.display();
    let bytes = std::fs::read(&path).map_err(|e| format!("--zip {shown}: cannot read it ({e})"))?;
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(format!("--zip {shown}: not a zip file; build one with scripts/build-agent-layer"));
    }
    if bytes.len() > MAX_DIRECT_UPLOAD {
        return Err(format!(
            "--zip {shown}: {} bytes, over Lambda's {MAX_DIRECT_UPLOAD} for a zip sent directly",
            bytes.len()
        ));
    }
    if let Some(missing) = REQUIRED_ENTRIES.iter().find(|e| !contains(&bytes, e.as_bytes())) {
        return Err(format!(
            "--zip {shown}: not the agent layer (no {missing}); build it with scripts/build-agent-layer"
        ));
    }
    let agent = agent_version(&bytes)
        .ok_or_else(|| format!("--zip {shown}: the agent's version is not in it (no codeguru_profiler_agent-*.dist-info)"))?;
    Ok(LayerZip { path, bytes, agent })
}

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
        None => Ok(given.to_vec()),
    }
}

fn is_python_runtime(runtime: &str) -> bool {
    runtime
        .strip_prefix("python3.")
        .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()))
}

/// The layer's description: what it holds and who built it (Lambda allows 256 characters).
pub fn description(zip: &LayerZip) -> String {
    format!(
        "CodeGuru Profiler Python agent {} for the runtimes AWS's agent layers do not serve; built and \
         published by lambda-profiling {}",
        zip.agent,
        env!("CARGO_PKG_VERSION")
    )
}

/// Whether `needle` occurs in `haystack`: a plain window scan, enough for a zip of a few
/// hundred kilobytes read once.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The version in the first `python/codeguru_profiler_agent-<version>.dist-info/` name.
fn agent_version(bytes: &[u8]) -> Option<String> {
    let prefix = b"python/codeguru_profiler_agent-";
    let start = bytes.windows(prefix.len()).position(|w| w == prefix)? + prefix.len();
    let rest = &bytes[start..bytes.len().min(start + 32)];
    let end = rest.windows(b".dist-info".len()).position(|w| w == b".dist-info")?;
    let version = std::str::from_utf8(&rest[..end]).ok()?;
    version
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.')
        .then(|| version.to_string())
}

pub fn run(args: &LayerArgs) -> ExitCode {
    match &args.command {
        LayerCommand::Publish(publish) if publish.dry_run => match prepare(publish) {
            Ok((zip, runtimes)) => {
                print!("{}", plan(&zip, &runtimes, &publish.regions));
                ExitCode::SUCCESS
            }
            Err(why) => {
                eprintln!("{why}");
                ExitCode::from(2)
            }
        },
        LayerCommand::Publish(publish) => run_publish(publish),
    }
}

/// What a publish would do, for `--dry-run`.
pub fn plan(zip: &LayerZip, runtimes: &[String], regions: &[String]) -> String {
    let regions = match regions.is_empty() {
        true => "the configured region".to_string(),
        false => regions.iter().map(|r| crate::printable::printable(r)).collect::<Vec<_>>().join(", "),
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
fn run_publish(args: &PublishArgs) -> ExitCode {
    if let Err(why) = prepare(args) {
        eprintln!("{why}");
    } else {
        eprintln!(
            "publishing {SELF_BUILT_PYTHON_LAYER} needs the command line's aws feature: \
             cargo install --path crates/cli --features aws"
        );
    }
    ExitCode::from(2)
}

#[cfg(feature = "aws")]
fn run_publish(args: &PublishArgs) -> ExitCode {
    let (zip, runtimes) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(2);
        }
    };
    crate::layer_publish_aws::publish_everywhere(&args.regions, &zip, &runtimes)
}

#[cfg(test)]
#[path = "layer_publish_tests.rs"]
mod tests;
