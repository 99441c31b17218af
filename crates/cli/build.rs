//! The commit the command line is built from, for `--version`: `git rev-parse` where the
//! source is a clone, else `LAMBDA_PROFILING_COMMIT` (a release build sets it), else
//! "unknown" (a source archive).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LAMBDA_PROFILING_COMMIT");
    let git = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.git");
    // Rebuilt when HEAD moves (the file, or the branch it names, changes).
    for file in ["HEAD", "refs/heads", "packed-refs"] {
        if git.join(file).exists() {
            println!("cargo:rerun-if-changed={}", git.join(file).display());
        }
    }
    let from_git = || {
        let out = Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()?;
        let commit = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !commit.is_empty()).then_some(commit)
    };
    let commit = std::env::var("LAMBDA_PROFILING_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(from_git)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=LAMBDA_PROFILING_COMMIT={commit}");
}
