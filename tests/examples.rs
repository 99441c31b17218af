//! Golden files: every example's expansion and summary are committed and compared.
//! Run with `UPDATE_GOLDEN=1` to rewrite them after an intended change.

mod toolbox;

use std::path::{Path, PathBuf};

use lambda_profiling_cli::{ExpandArgs, Format, expand_text, render};

use toolbox::example_dirs as examples;

fn check_golden(path: &Path, actual: &str, stale: &mut Vec<String>) {
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(_) => stale.push(format!("{} differs from the expansion", path.display())),
        Err(_) => stale.push(format!("{} is missing", path.display())),
    }
}

#[test]
fn every_example_matches_its_golden_files() {
    let mut stale = Vec::new();
    for dir in examples() {
        let template = dir.join("template.yaml");
        let text = std::fs::read_to_string(&template).unwrap();
        let expanded = expand_text(&text, &ExpandArgs::new(&template))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        check_golden(
            &dir.join("expanded.json"),
            &render(&expanded.template, Format::Json).unwrap(),
            &mut stale,
        );
        let summary: String = expanded.report.iter().map(|r| format!("{r}\n")).collect();
        check_golden(&dir.join("summary.txt"), &summary, &mut stale);
    }
    assert!(
        stale.is_empty(),
        "golden files are stale (UPDATE_GOLDEN=1 rewrites them):\n{}",
        stale.join("\n")
    );
}

#[test]
fn expanded_examples_pass_cfn_lint() {
    let files: Vec<PathBuf> = examples().iter().map(|d| d.join("expanded.json")).collect();
    let Some(errors) = toolbox::cfn_lint_errors(&files) else {
        return;
    };
    assert!(errors.is_empty(), "cfn-lint errors:\n{}", errors.join("\n"));
}

#[test]
fn the_sam_translator_accepts_every_sam_example_the_macro_wrote() {
    let sam: Vec<(String, PathBuf, PathBuf)> = examples()
        .into_iter()
        .filter(|d| {
            std::fs::read_to_string(d.join("template.yaml"))
                .is_ok_and(|t| t.contains("AWS::Serverless-2016-10-31"))
        })
        .map(|d| {
            (
                d.display().to_string(),
                d.join("template.yaml"),
                d.join("expanded.json"),
            )
        })
        .collect();
    assert!(!sam.is_empty(), "the SAM examples are missing");
    let scratch = std::env::temp_dir().join(format!("lambda-profiling-sam-examples-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let verdict = toolbox::sam_check(&sam, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let Some(verdict) = verdict else { return };
    assert_eq!(
        verdict.inputs_translated,
        sam.len(),
        "every SAM example translates without the macro"
    );
    assert_eq!(verdict.outputs_translated, sam.len(), "{:?}", verdict.rejected);
    assert!(verdict.new_errors.is_empty(), "{:?}", verdict.new_errors);
}
