//! cfn-lint over many files per process (its start-up is the cost), two processes
//! at a time, and the comparison of findings by rule id and template path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A finding, as compared: its rule id and its path in the template.
pub type Finding = (String, String);

/// Lints every file; the findings of each, keyed by the path given.
pub fn lint_all(cfn_lint: &Path, files: &[PathBuf]) -> HashMap<PathBuf, Vec<Finding>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let chunk = files.len().div_ceil(workers).max(1);
    let results: Vec<HashMap<PathBuf, Vec<Finding>>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|c| s.spawn(move || lint_chunk(cfn_lint, c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a cfn-lint worker panicked"))
            .collect()
    });
    let mut all: HashMap<PathBuf, Vec<Finding>> = files.iter().map(|f| (f.clone(), Vec::new())).collect();
    for part in results {
        for (file, findings) in part {
            all.entry(file).or_default().extend(findings);
        }
    }
    all
}

fn lint_chunk(cfn_lint: &Path, files: &[PathBuf]) -> HashMap<PathBuf, Vec<Finding>> {
    let out = Command::new(cfn_lint)
        .args(["--format", "json", "--"])
        .args(files)
        .output()
        .expect("cfn-lint runs");
    let report: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint printed no JSON report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut by_file: HashMap<PathBuf, Vec<Finding>> = HashMap::new();
    for m in report {
        let file = PathBuf::from(m["Filename"].as_str().unwrap_or_default());
        let rule = m["Rule"]["Id"].as_str().unwrap_or_default().to_string();
        let path: Vec<String> = m["Location"]["Path"]
            .as_array()
            .map(|p| {
                p.iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        by_file.entry(file).or_default().push((rule, path.join(".")));
    }
    by_file
}

/// The findings of `after` that `before` does not have (as a multiset).
pub fn new_findings(before: &[Finding], after: &[Finding]) -> Vec<Finding> {
    let mut left: HashMap<&Finding, usize> = HashMap::new();
    for f in before {
        *left.entry(f).or_default() += 1;
    }
    after
        .iter()
        .filter(|f| match left.get_mut(f) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

#[test]
fn new_findings_are_a_multiset_difference() {
    let f = |r: &str, p: &str| (r.to_string(), p.to_string());
    let before = [f("E1", "a"), f("W2", "b")];
    let after = [f("E1", "a"), f("E1", "a"), f("W2", "b"), f("E3", "c")];
    assert_eq!(new_findings(&before, &after), [f("E1", "a"), f("E3", "c")]);
}
