//! Finding the outside tools and data the integration tests use.
//!
//! Tools (cfn-lint, moto) come from `$LAMBDA_PROFILING_TOOLS` (a bin directory),
//! else `<repo>/.venv/bin` (made by `scripts/dev-tools`). The real-world corpus comes
//! from `$LAMBDA_PROFILING_CORPUS`, else `../shared/corpus`. When either is missing a
//! test says plainly that it skipped, unless `LAMBDA_PROFILING_REQUIRE_TOOLS=1` (CI),
//! which turns the absence into a failure. A skip is also written to the file named by
//! `LAMBDA_PROFILING_SKIPPED` (`scripts/test` sets it and prints the list at the end),
//! because cargo shows a passing test's output to no one.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn required() -> bool {
    std::env::var("LAMBDA_PROFILING_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

fn missing(what: &str, how: &str) -> Option<PathBuf> {
    assert!(
        !required(),
        "{what} is missing and LAMBDA_PROFILING_REQUIRE_TOOLS=1: {how}"
    );
    let line = format!("{what} is missing ({how})");
    eprintln!("SKIPPED: {line}");
    record_skip(&line);
    None
}

/// Adds a line to the skip list that `scripts/test` prints.
pub fn record_skip(line: &str) {
    use std::io::Write;
    let Some(path) = std::env::var_os("LAMBDA_PROFILING_SKIPPED") else {
        return;
    };
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(file, "{test}: {line}");
    }
}

/// A tool's path, or `None` (after saying SKIPPED) when it is not installed.
pub fn tool(name: &str) -> Option<PathBuf> {
    let dir =
        std::env::var_os("LAMBDA_PROFILING_TOOLS").map_or_else(|| repo().join(".venv/bin"), PathBuf::from);
    let path = dir.join(name);
    if path.is_file() {
        Some(path)
    } else {
        missing(name, "run scripts/dev-tools, or set LAMBDA_PROFILING_TOOLS")
    }
}

/// Every example's directory (one with a `template.yaml`), sorted.
pub fn example_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("template.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "the examples are missing: {dirs:?}");
    dirs
}

/// The shared corpus directory, or `None` (after saying SKIPPED) when absent.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("LAMBDA_PROFILING_CORPUS")
        .map_or_else(|| repo().join("../shared/corpus"), PathBuf::from);
    if dir.is_dir() {
        Some(dir)
    } else {
        missing(
            &format!("the corpus at {}", dir.display()),
            "set LAMBDA_PROFILING_CORPUS to its directory",
        )
    }
}

/// cfn-lint's findings for `files`: `Some(errors)` (the `E` rules; warnings and notes do
/// not count), or `None` (after saying SKIPPED) when cfn-lint is not installed.
pub fn cfn_lint_errors(files: &[PathBuf]) -> Option<Vec<String>> {
    cfn_lint_errors_in(files, &[])
}

/// [`cfn_lint_errors`], with the template judged in each of `regions` (cfn-lint's default,
/// us-east-1, when empty).
pub fn cfn_lint_errors_in(files: &[PathBuf], regions: &[&str]) -> Option<Vec<String>> {
    let cfn_lint = tool("cfn-lint")?;
    let mut command = std::process::Command::new(cfn_lint);
    if !regions.is_empty() {
        command.arg("--regions").args(regions);
    }
    let out = command
        .args(["--format", "parseable"])
        .arg("--")
        .args(files)
        .output()
        .expect("cfn-lint runs");
    let report = String::from_utf8_lossy(&out.stdout);
    // The exit code is a bit mask: 2 means errors (warnings are 4, informational 8).
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "cfn-lint did not finish: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut errors: Vec<String> = report
        .lines()
        .filter(|l| l.split(':').nth(5).is_some_and(|r| r.starts_with('E')))
        .map(str::to_owned)
        .collect();
    if code & 2 != 0 && errors.is_empty() {
        errors.push(format!(
            "cfn-lint exited {code}: {report}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Some(errors)
}

/// What the real SAM translator says of the macro's SAM outputs (`tests/tools/sam_check.py`).
#[derive(Debug, Default)]
pub struct SamVerdict {
    pub cases: usize,
    /// Inputs that translate (the others, SAM rejects without the macro too).
    pub inputs_translated: usize,
    pub outputs_translated: usize,
    /// `name: why` of each output that does not translate although its input does.
    pub rejected: Vec<String>,
    /// `name: rule at path` of each cfn-lint error the output's translation adds.
    pub new_errors: Vec<String>,
}

/// Runs the SAM translator on `(name, input, output)` SAM templates (files), or `None`
/// (after saying SKIPPED) when the tools are not installed.
pub fn sam_check(cases: &[(String, PathBuf, PathBuf)], scratch: &Path) -> Option<SamVerdict> {
    let python = tool("python")?;
    let list: Vec<serde_json::Value> = cases
        .iter()
        .map(|(name, input, output)| serde_json::json!({"name": name, "input": input, "output": output}))
        .collect();
    let file = scratch.join("sam-cases.json");
    std::fs::write(&file, serde_json::to_vec(&list).expect("JSON")).expect("the cases are written");
    let out = std::process::Command::new(python)
        .arg(repo().join("tests/tools/sam_check.py"))
        .arg(&file)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("sam_check runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "sam_check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut verdict = SamVerdict::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let r: serde_json::Value = serde_json::from_str(line).expect("sam_check prints JSON lines");
        let name = r["name"].as_str().unwrap_or_default();
        verdict.cases += 1;
        let input = r["input_translates"] == true;
        verdict.inputs_translated += usize::from(input);
        verdict.outputs_translated += usize::from(r["output_translates"] == true);
        if input && r["output_translates"] != true {
            verdict.rejected.push(format!("{name}: {}", r["output_error"]));
        }
        for e in r["new_errors"].as_array().into_iter().flatten() {
            verdict.new_errors.push(format!("{name}: {} at {}", e[0], e[1]));
        }
    }
    assert_eq!(
        verdict.cases,
        cases.len(),
        "sam_check answered every case; its stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(verdict)
}
