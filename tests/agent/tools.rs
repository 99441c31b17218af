//! What the agent suite runs, as `scripts/dev-tools` installed it (`tests/agent/install.py`
//! into `$LAMBDA_PROFILING_AGENT_TOOLS`, default `<repo>/.venv-agent`), and how a part
//! that is missing is reported.
//!
//! A missing part is SKIPPED, visibly ([`skipped`]). With
//! `LAMBDA_PROFILING_REQUIRE_TOOLS=1` (CI) the JDK and the runtimes are required, and
//! `LAMBDA_PROFILING_REQUIRE_PYTHONS` (for example `3.12 3.13`) names the Python
//! versions whose absence is a failure rather than a skip.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::Value;

use crate::support::toolbox;

pub fn dir() -> PathBuf {
    std::env::var_os("LAMBDA_PROFILING_AGENT_TOOLS")
        .map_or_else(|| toolbox::repo().join(".venv-agent"), PathBuf::from)
}

/// This suite's own files (scripts, stand-ins, Java sources).
pub fn suite_file(name: &str) -> PathBuf {
    toolbox::repo().join("tests/agent").join(name)
}

pub fn require_tools() -> bool {
    std::env::var("LAMBDA_PROFILING_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// Says that `what` was skipped and why, once per process, where a reader of the run
/// sees it: on a `SKIPPED:` line written straight to standard output (the test harness
/// captures `print!`, not that, so it shows without `--nocapture`), and in the list
/// that `scripts/test` prints at the end ([`toolbox::record_skip`]). Panics instead
/// when the skip is not allowed.
pub fn skipped(what: &str, why: &str, allowed: bool) {
    let line = format!("{what}: {why}");
    assert!(allowed, "{line}, and this run requires it");
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|p| p.into_inner());
    if said.contains(&line) {
        return;
    }
    said.push(line.clone());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "SKIPPED: {line}");
    let _ = out.flush();
    toolbox::record_skip(&line);
}

/// An installed runtime: the interpreter, and the runtime's own packages beside it.
#[derive(Debug, Clone)]
pub struct Python {
    /// `3.12`
    pub version: String,
    pub interpreter: PathBuf,
    pub packages: PathBuf,
}

pub struct Installed {
    pythons: BTreeMap<String, Python>,
    failed: BTreeMap<String, String>,
    looked_in: Vec<String>,
    agents: BTreeMap<String, PathBuf>,
}

fn manifest() -> Option<&'static Installed> {
    static MANIFEST: std::sync::OnceLock<Option<Installed>> = std::sync::OnceLock::new();
    MANIFEST
        .get_or_init(|| {
            let text = std::fs::read_to_string(dir().join("runtimes.json")).ok()?;
            let m: Value = serde_json::from_str(&text).expect("runtimes.json is JSON");
            let pythons = m["pythons"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(v, p)| {
                    let python = Python {
                        version: v.clone(),
                        interpreter: p["interpreter"].as_str().unwrap().into(),
                        packages: p["lib"].as_str().unwrap().into(),
                    };
                    (v.clone(), python)
                })
                .collect();
            let strings = |v: &Value| -> BTreeMap<String, String> {
                v.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            };
            Some(Installed {
                pythons,
                failed: strings(&m["failed"]),
                looked_in: m["looked_in"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                agents: strings(&m["agents"])
                    .into_iter()
                    .map(|(k, v)| (k, v.into()))
                    .collect(),
            })
        })
        .as_ref()
}

fn required_pythons() -> Vec<String> {
    std::env::var("LAMBDA_PROFILING_REQUIRE_PYTHONS")
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The runtime for `python3.N` (`runtime` is Lambda's name, `python3.12`), or `None`
/// after saying SKIPPED for `what`.
pub fn python(runtime: &str, what: &str) -> Option<Python> {
    let version = runtime.strip_prefix("python").expect("a Python runtime");
    let allowed = !required_pythons().iter().any(|v| v == version);
    let Some(m) = manifest() else {
        skipped(
            what,
            &format!(
                "the agent suite's runtimes are not installed in {} (run scripts/dev-tools)",
                dir().display()
            ),
            allowed && !require_tools(),
        );
        return None;
    };
    if let Some(p) = m.pythons.get(version) {
        return Some(p.clone());
    }
    let why = match m.failed.get(version) {
        Some(failure) => format!("{runtime}: {failure}"),
        None => format!(
            "{runtime} is not on this machine (looked in {})",
            m.looked_in.join(" and ")
        ),
    };
    skipped(what, &why, allowed);
    None
}

/// The Python versions installed for the suite (`3.12`).
pub fn installed_pythons() -> Vec<String> {
    manifest()
        .map(|m| m.pythons.keys().cloned().collect())
        .unwrap_or_default()
}

/// The installed agent package of `version` (`1.2.6`): the directory holding
/// `codeguru_profiler_agent`.
pub fn agent(version: &str) -> PathBuf {
    let m = manifest().expect("the runtimes are installed when an agent is needed");
    m.agents
        .get(version)
        .unwrap_or_else(|| {
            panic!("codeguru-profiler-agent {version} is not installed (run scripts/dev-tools)")
        })
        .clone()
}

/// `javac`, `jar` and `java` from PATH (Debian's OpenJDK, which `scripts/dev-tools`
/// installs when `javac` is missing), or `None` after saying SKIPPED.
pub fn jdk(what: &str) -> Option<[PathBuf; 3]> {
    let find = |name: &str| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
    };
    match (find("javac"), find("jar"), find("java")) {
        (Some(javac), Some(jar), Some(java)) => Some([javac, jar, java]),
        _ => {
            skipped(
                what,
                "no JDK (javac, jar, java) on PATH; scripts/dev-tools installs Debian's default-jdk-headless",
                !require_tools(),
            );
            None
        }
    }
}
