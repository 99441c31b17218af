//! What the agent suite's processes run in: `/opt` made real for a function (a private
//! mount namespace, else rewritten paths), commands bounded in time, scratch directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::agent::tools;
use crate::support::unique;

/// How `/opt` is made real for a function.
#[derive(Debug)]
pub enum OptMode {
    /// A private mount namespace per function (`unshare` with these options), the
    /// layers' directory bind-mounted at `/opt`: the variables work as written.
    Mounted(&'static str),
    /// No namespace could be had: `/opt/` in the variables and in the import path is
    /// rewritten to the layers' directory.
    Rewritten,
}

pub fn opt_mode() -> &'static OptMode {
    static MODE: OnceLock<OptMode> = OnceLock::new();
    MODE.get_or_init(|| {
        // To try the fallback where namespaces work: LAMBDA_PROFILING_SUITE_NO_NAMESPACE=1.
        if std::env::var("LAMBDA_PROFILING_SUITE_NO_NAMESPACE").is_ok_and(|v| v == "1") {
            tools::skipped(
                "the literal /opt paths",
                "LAMBDA_PROFILING_SUITE_NO_NAMESPACE=1; /opt/ in the functions' variables is rewritten",
                true,
            );
            return OptMode::Rewritten;
        }
        let dir = scratch("opt-probe");
        std::fs::write(dir.join(".suite-probe"), "").unwrap();
        let mut why = Vec::new();
        for options in [
            "--mount --propagation private",
            "--user --map-root-user --mount --propagation private",
        ] {
            let mut probe = Command::new("unshare");
            probe
                .args(options.split(' '))
                .args([
                    "--",
                    "/bin/sh",
                    "-c",
                    r#"mount --bind "$0" /opt && test -f /opt/.suite-probe"#,
                ])
                .arg(&dir);
            match run_bounded(probe, Duration::from_secs(10)) {
                Ok(out) if out.status.success() => return OptMode::Mounted(options),
                Ok(out) => why.push(format!(
                    "unshare {options}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )),
                Err(e) => why.push(format!("unshare {options}: {e}")),
            }
        }
        let why = why.join("; ");
        tools::skipped(
            "the literal /opt paths",
            &format!(
                "no private mount namespace here ({why}); /opt/ in the functions' variables is \
                 rewritten to the layers' directory instead"
            ),
            true,
        );
        OptMode::Rewritten
    })
}

/// Runs `command` to its end, or kills it after `timeout`.
pub fn run_bounded(mut command: Command, timeout: Duration) -> std::io::Result<std::process::Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let until = Instant::now() + timeout;
    while child.try_wait()?.is_none() {
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "did not finish within {timeout:?}"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output()
}

/// A fresh directory under cargo's scratch space for integration tests.
pub fn scratch(what: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("agent-suite")
        .join(unique(what));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
