//! The layers' content, as Lambda extracts it into `/opt` (in the order of the
//! function's `Layers`, a later layer's files over an earlier one's).
//!
//! The CodeGuru Python agent layers are laid out as the agent's own release script
//! (`release_layer.py` of aws/amazon-codeguru-profiler-python-agent, at the commit that
//! released each layer) builds them: the agent package once per Python version the
//! layer supports, under `python/lib/python3.N/site-packages/`, and the exec wrapper
//! `codeguru_profiler_lambda_exec` at the root. Lambda's Python runtimes import from
//! `/opt/python/lib/python3.N/site-packages` of their own version and `/opt/python`
//! only, so a layer without a directory for the runtime's version cannot load the
//! agent there. That is the point of laying them out faithfully.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use lambda_profiling_macro::agent::SELF_BUILT_PYTHON_LAYER;

use crate::agent::tools;
use crate::support::toolbox;

/// One published version of the Python agent layer.
pub struct PythonAgentLayer {
    pub version: u32,
    /// The `codeguru-profiler-agent` release it ships (the agent's CHANGELOG).
    pub agent: &'static str,
    /// The `python/lib/python3.N` directories it has (`SUPPORTED_VERSIONS` of the
    /// release script at that release: 3.10 and later were added only for layer 13).
    pub pythons: &'static [&'static str],
}

const UP_TO_3_9: &[&str] = &["3.6", "3.7", "3.8", "3.9"];

pub const PYTHON_AGENT_LAYERS: &[PythonAgentLayer] = &[
    PythonAgentLayer {
        version: 11,
        agent: "1.2.4",
        pythons: UP_TO_3_9,
    },
    PythonAgentLayer {
        version: 12,
        agent: "1.2.5",
        pythons: UP_TO_3_9,
    },
    PythonAgentLayer {
        version: 13,
        agent: "1.2.6",
        pythons: &["3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"],
    },
];

const PUBLISHER: &str = "157417159150";
pub const PYTHON_LAYER_NAME: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";
pub const JAVA_LAYER_NAME: &str = "AWSCodeGuruProfilerJavaAgentLayer";
/// The Java agent layer's jar, at the root of the layer (so at `/opt/...`).
pub const JAVA_AGENT_JAR: &str = "codeguru-profiler-java-agent-standalone.jar";

/// What a layer puts into `/opt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    PythonAgent {
        layer_version: u32,
    },
    /// The test-built stub standing for the Java agent's jar.
    JavaAgent(PathBuf),
    /// The self-built agent layer: the zip `scripts/build-agent-layer` builds, as
    /// Lambda extracts it (the real thing, not a stand-in).
    SelfBuilt,
    /// The OpenTelemetry layer's exec wrapper (a stand-in: `/opt/otel-instrument`).
    OtelWrapper,
    /// A layer the suite has no stand-in for; its files do not matter here.
    Unknown,
}

/// What the layer `arn` holds: a test's own stand-in (`stand_ins`, for layers published
/// in moto's account) or one of the known public layers.
pub fn content_of(arn: &str, stand_ins: &HashMap<String, Content>, java_jar: Option<&Path>) -> Content {
    if let Some(c) = stand_ins.get(arn) {
        return c.clone();
    }
    let parts: Vec<&str> = arn.split(':').collect();
    let ["arn", _, "lambda", _, account, "layer", name, version] = parts.as_slice() else {
        panic!("not a layer version ARN: {arn}");
    };
    match (*account, *name) {
        (PUBLISHER, PYTHON_LAYER_NAME) => Content::PythonAgent {
            layer_version: version.parse().expect("a layer version"),
        },
        (PUBLISHER, JAVA_LAYER_NAME) => Content::JavaAgent(
            java_jar
                .expect("a Java agent stand-in for a Java function")
                .to_owned(),
        ),
        (_, SELF_BUILT_PYTHON_LAYER) => Content::SelfBuilt,
        (_, n) if n.starts_with("aws-otel-python") => Content::OtelWrapper,
        _ => Content::Unknown,
    }
}

impl Content {
    /// `layer 13 (agent 1.2.6)` for a Python agent layer.
    pub fn describe(&self) -> Option<String> {
        match self {
            Content::PythonAgent { layer_version } => {
                let agent = PYTHON_AGENT_LAYERS.iter().find(|l| l.version == *layer_version);
                Some(format!(
                    "layer {layer_version} (agent {})",
                    agent.map_or("unknown", |l| l.agent)
                ))
            }
            Content::SelfBuilt => Some("the self-built layer (agent 1.2.6)".into()),
            _ => None,
        }
    }
}

/// Lays the layers out in `opt`, the directory that stands for `/opt`.
pub fn extract(opt: &Path, layers: &[Content]) {
    std::fs::create_dir_all(opt).unwrap();
    for layer in layers {
        match layer {
            Content::PythonAgent { layer_version } => {
                let layer = PYTHON_AGENT_LAYERS
                    .iter()
                    .find(|l| l.version == *layer_version)
                    .unwrap_or_else(|| {
                        panic!("no stand-in for version {layer_version} of the Python agent layer")
                    });
                let agent = tools::agent(layer.agent).join("codeguru_profiler_agent");
                for python in layer.pythons {
                    let site = opt.join(format!("python/lib/python{python}/site-packages"));
                    copy_dir(&agent, &site.join("codeguru_profiler_agent"));
                }
                copy_file(
                    &toolbox::repo().join("agent-layer/codeguru_profiler_lambda_exec"),
                    &opt.join("codeguru_profiler_lambda_exec"),
                );
            }
            Content::SelfBuilt => copy_dir(self_built(), opt),
            Content::JavaAgent(jar) => copy_file(jar, &opt.join(JAVA_AGENT_JAR)),
            Content::OtelWrapper => copy_file(
                &tools::suite_file("layers/otel-instrument"),
                &opt.join("otel-instrument"),
            ),
            Content::Unknown => {}
        }
    }
}

/// The self-built layer, built once per run by the product's own script from the pinned
/// wheel the suite's tools downloaded (its hash checked), and extracted as Lambda extracts
/// a layer: with each entry's Unix mode, so the exec wrapper is executable only if the zip
/// says so.
fn self_built() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("lambda-profiling-self-built-{}", std::process::id()));
        let zip = dir.join("layer.zip");
        let wheels = tools::dir().join("wheels");
        let build = Command::new(toolbox::repo().join("scripts/build-agent-layer"))
            .args([
                "--wheel-dir".as_ref(),
                wheels.as_os_str(),
                "--out".as_ref(),
                zip.as_os_str(),
            ])
            .output()
            .expect("running scripts/build-agent-layer");
        assert!(
            build.status.success(),
            "scripts/build-agent-layer failed (run scripts/dev-tools for the wheel): {}",
            String::from_utf8_lossy(&build.stderr)
        );
        let extracted = dir.join("opt");
        let unzip = Command::new("python3")
            .arg(tools::suite_file("unzip_as_lambda.py"))
            .args([&zip, &extracted])
            .output()
            .expect("running python3");
        assert!(
            unzip.status.success(),
            "{}",
            String::from_utf8_lossy(&unzip.stderr)
        );
        extracted
    })
}

/// Copies a file with its permissions (the layer zip keeps the wrapper executable).
fn copy_file(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "__pycache__" {
            continue; // Lambda's /opt is read-only: nothing is compiled into it
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(name));
        } else {
            copy_file(&path, &to.join(name));
        }
    }
}
