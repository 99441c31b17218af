//! Java, as far as it goes offline: the CodeGuru Java agent is not obtainable here, but
//! a real JVM is. A stub `-javaagent` (`java/StubAgent.java`, a jar with a
//! `Premain-Class`), built by the suite, stands at the layer's path, and `java` runs the
//! function (`java/Handler.java`) with the function's variables, so under exactly the
//! `JAVA_TOOL_OPTIONS` we write.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::agent::layers::{self, Content};
use crate::agent::python::{self, Function};
use crate::agent::sandbox::{OptMode, opt_mode, run_bounded, scratch};
use crate::agent::tools;

pub struct Jdk {
    pub java: PathBuf,
    /// The stub agent's jar.
    pub agent_jar: PathBuf,
    /// The handler's classes.
    pub classes: PathBuf,
}

/// Builds the stub agent and the handler once (javac, jar), or `None` after saying
/// SKIPPED when there is no JDK.
pub fn jdk() -> Option<&'static Jdk> {
    static JDK: OnceLock<Option<Jdk>> = OnceLock::new();
    JDK.get_or_init(|| {
        let [javac, jar, java] = tools::jdk("the Java agent flag under a real JVM")?;
        let dir = scratch("java");
        let compile = |source: &str, out: &Path| {
            let mut c = Command::new(&javac);
            c.args(["--release", "11", "-d"])
                .arg(out)
                .arg(tools::suite_file(source));
            let done = run_bounded(c, Duration::from_secs(120)).expect("javac runs");
            assert!(
                done.status.success(),
                "javac {source}: {}",
                String::from_utf8_lossy(&done.stderr)
            );
        };
        let agent_classes = dir.join("agent-classes");
        let classes = dir.join("classes");
        compile("java/StubAgent.java", &agent_classes);
        compile("java/Handler.java", &classes);
        let manifest = dir.join("MANIFEST.MF");
        std::fs::write(&manifest, "Premain-Class: StubAgent\n").unwrap();
        let agent_jar = dir.join("stub-agent.jar");
        let mut c = Command::new(&jar);
        c.args(["--create", "--file"])
            .arg(&agent_jar)
            .arg("--manifest")
            .arg(&manifest)
            .arg("-C")
            .arg(&agent_classes)
            .arg("StubAgent.class");
        let done = run_bounded(c, Duration::from_secs(60)).expect("jar runs");
        assert!(
            done.status.success(),
            "jar: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        Some(Jdk {
            java,
            agent_jar,
            classes,
        })
    })
    .as_ref()
}

/// What the JVM showed.
#[derive(Debug)]
pub struct JavaRun {
    /// The handler's JSON line.
    pub answer: Value,
    pub stderr: String,
    /// Where `/opt` is, as the function sees it: `/opt`, or the rewritten directory.
    pub opt: String,
}

/// Runs the Java function `f` with its layers at `/opt`.
pub fn run(jdk: &Jdk, f: &Function) -> Result<JavaRun, String> {
    let dir = scratch("java-function");
    let opt = dir.join("opt");
    let contents: Vec<Content> = f
        .layers
        .iter()
        .map(|arn| layers::content_of(arn, &Default::default(), Some(&jdk.agent_jar)))
        .collect();
    layers::extract(&opt, &contents);
    let lambda = vec![
        ("AWS_LAMBDA_FUNCTION_NAME".to_owned(), f.name.clone()),
        ("AWS_REGION".to_owned(), crate::support::REGION.to_owned()),
        (
            "AWS_EXECUTION_ENV".to_owned(),
            format!("AWS_Lambda_{}", f.runtime),
        ),
        ("_HANDLER".to_owned(), f.handler.clone()),
        (
            "PATH".to_owned(),
            "/usr/local/bin:/usr/bin/:/bin:/opt/bin".to_owned(),
        ),
    ];
    let env = python::launch_environment(&f.variables, &lambda, &opt, &jdk.java);
    let mut c = Command::new(python::launcher());
    c.env_clear()
        .envs(env)
        .arg("-cp")
        .arg(&jdk.classes)
        .arg("Handler");
    let done = run_bounded(c, Duration::from_secs(60)).map_err(|e| format!("java: {e}"))?;
    let stdout = String::from_utf8_lossy(&done.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&done.stderr).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    if !done.status.success() {
        return Err(format!("java exited {}:\n{stdout}\n{stderr}", done.status));
    }
    let answer = serde_json::from_str(stdout.trim()).map_err(|e| format!("{e}: {stdout}\n{stderr}"))?;
    Ok(JavaRun {
        answer,
        stderr,
        opt: match opt_mode() {
            OptMode::Mounted(_) => "/opt".into(),
            OptMode::Rewritten => opt.display().to_string(),
        },
    })
}
