//! The corpus gate: the macro on the real-world templates of `../shared/corpus`
//! (SAM's translator test suite), with profiling on by default and asked for
//! explicitly on every function. See the book's testing chapter (docs/src/testing.md) for the totals.

mod toolbox;

mod corpus_gate {
    pub mod invariants;
    pub mod lint;
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lambda_profiling_cli::{ExpandArgs, Expanded, cfn_yaml, expand_document_in};
use lambda_profiling_macro::{FunctionOutcome, Lane, Lanes, Options, answer_with};
use serde_json::{Value, json};

use corpus_gate::invariants::{
    category, unchanged_elsewhere, with_explicit_profiling, with_supported_runtimes,
};
use corpus_gate::lint::{lint_all, new_findings};

const EXPLICIT_GOLDEN: &str = "tests/corpus_gate/explicit-errors.txt";

struct Case {
    name: String,
    doc: Value,
}

fn cases(corpus: &Path) -> Vec<Case> {
    let dir = corpus.join("sam-translator");
    let mut cases = Vec::new();
    for (sub, ext) in [("output", "json"), ("input", "yaml")] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .expect("the corpus directory")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("error_"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut doc =
                cfn_yaml::parse_template(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // Most SAM test inputs omit the Transform line that a deployable SAM template has;
            // with it, cfn-lint merges Globals and judges SAM resources as SAM.
            if sub == "input"
                && let Some(top) = doc.as_object_mut().filter(|t| !t.contains_key("Transform"))
            {
                top.shift_insert(0, "Transform".into(), Value::from("AWS::Serverless-2016-10-31"));
            }
            let name = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            cases.push(Case { name, doc });
        }
    }
    cases
}

/// Expands by the dispatcher, and checks that the general lane alone gives the same
/// template and report.
fn expand(doc: &Value, default_on: bool) -> Result<Expanded, String> {
    let mut args = ExpandArgs::new("-");
    args.transform_parameters = default_on.then(|| r#"{"Profiling": true}"#.to_string());
    let any = expand_document_in(doc.clone(), &args, Lanes::Any).map_err(|e| e.to_string());
    let general = expand_document_in(doc.clone(), &args, Lanes::General).map_err(|e| e.to_string());
    let seen = |r: &Result<Expanded, String>| {
        r.as_ref()
            .map(|e| (e.template.to_string(), e.report.clone()))
            .map_err(Clone::clone)
    };
    assert_eq!(seen(&any), seen(&general), "the lanes disagree");
    splice_lane_agrees(doc, default_on);
    any
}

thread_local! {
    /// How many expansions the splice lane answered too.
    static SPLICED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Where the splice lane answers, it writes exactly the general lane's bytes.
fn splice_lane_agrees(doc: &Value, default_on: bool) {
    let mut fragment = doc.clone();
    if let Some(top) = fragment.as_object_mut() {
        top.shift_remove("Transform");
    }
    let params = default_on.then(|| json!({"Profiling": true}));
    let event = json!({"region": "us-east-1", "accountId": "123456789012", "requestId": "corpus",
        "transformId": "123456789012::LambdaProfiling", "params": params,
        "templateParameterValues": {}, "fragment": fragment})
    .to_string();
    let token = "arn:aws:lambda:us-east-1:123456789012:function:lambda-profiling";
    let with = |lanes| Options {
        lanes,
        report: true,
        any_region: false,
    };
    let any = answer_with(&event, token, &with(Lanes::Any)).expect("a macro request");
    if any.lane != Lane::Splice {
        return;
    }
    let general = answer_with(&event, token, &with(Lanes::General)).expect("a macro request");
    assert_eq!(
        String::from_utf8_lossy(&any.json),
        String::from_utf8_lossy(&general.json),
        "the splice lane disagrees on {event}"
    );
    assert_eq!(
        any.report, general.report,
        "the splice lane's report disagrees on {event}"
    );
    SPLICED.with(|n| n.set(n.get() + 1));
}

fn profiled_ids(e: &Expanded) -> Vec<String> {
    e.report
        .iter()
        .filter(|r| matches!(r.outcome, FunctionOutcome::Profiled { .. }))
        .map(|r| r.id.clone())
        .collect()
}

#[derive(Default)]
struct Totals {
    files: usize,
    functions: usize,
    profiled: usize,
    modernized_profiled: usize,
    skipped: BTreeMap<&'static str, usize>,
    explicit_failures: BTreeMap<&'static str, usize>,
    linted: usize,
    new_findings: usize,
    sam: toolbox::SamVerdict,
}

#[test]
fn the_macro_holds_on_the_sam_translator_corpus() {
    let Some(corpus) = toolbox::corpus() else { return };
    let Some(cfn_lint) = toolbox::tool("cfn-lint") else {
        return;
    };
    let scratch = std::env::temp_dir().join(format!("lambda-profiling-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();

    let mut totals = Totals::default();
    let mut violations: Vec<String> = Vec::new();
    let mut explicit_lines: Vec<String> = Vec::new();
    let mut to_lint: Vec<(String, PathBuf, PathBuf)> = Vec::new();

    for case in cases(&corpus) {
        totals.files += 1;
        let mut fail = |what: String| violations.push(format!("{}: {what}", case.name));
        // Outputs are linted against the input as JSON, so that only the macro's changes differ.
        let baseline = write(&scratch, &case, "input", &case.doc);
        // With the template-wide default: expansion succeeds; what cannot be profiled is skipped.
        let default = match expand(&case.doc, true) {
            Ok(e) => e,
            Err(message) => {
                // Only a template CloudFormation itself rejects (a resource without a valid Type) may fail.
                let lines: Vec<&str> = message.lines().skip(1).collect();
                if lines.is_empty() || lines.iter().any(|l| category(l) != "invalid-resource") {
                    fail(format!("the default failed: {message}"));
                }
                continue;
            }
        };
        for r in &default.report {
            totals.functions += 1;
            match &r.outcome {
                FunctionOutcome::Profiled { .. } => totals.profiled += 1,
                FunctionOutcome::Skipped { reason } => {
                    *totals.skipped.entry(category(reason)).or_default() += 1
                }
                FunctionOutcome::NotProfiled => fail(format!("{} was not profiled under the default", r.id)),
            }
        }
        check_output(&case, &default, true, &mut fail);
        // Asked for explicitly on every function: the only failures are the clear ones.
        match expand(&with_explicit_profiling(&case.doc), false) {
            Ok(explicit) => {
                check_output(&case, &explicit, false, &mut fail);
                if explicit.template != default.template {
                    let output = write(&scratch, &case, "explicit", &explicit.template);
                    to_lint.push((format!("{} (explicit)", case.name), baseline.clone(), output));
                }
            }
            Err(message) => {
                for line in message.lines().skip(1) {
                    let kind = category(line);
                    *totals.explicit_failures.entry(kind).or_default() += 1;
                    let path = line
                        .trim_start_matches("- ")
                        .split(": ")
                        .next()
                        .unwrap_or_default();
                    explicit_lines.push(format!("{} {path} {kind}", case.name));
                }
            }
        }
        if default.template != case.doc {
            let output = write(&scratch, &case, "default", &default.template);
            to_lint.push((case.name.clone(), baseline.clone(), output));
        }
        // The same template with its old runtimes made python3.12: many more real shapes profiled.
        if let Some(modern) = with_supported_runtimes(&case.doc) {
            let modern_case = Case {
                name: format!("{} (python3.12)", case.name),
                doc: modern,
            };
            match expand(&modern_case.doc, true) {
                Ok(e) => {
                    totals.modernized_profiled += profiled_ids(&e).len();
                    check_output(&modern_case, &e, true, &mut fail);
                    let baseline = write(&scratch, &case, "modern-input", &modern_case.doc);
                    to_lint.push((
                        modern_case.name.clone(),
                        baseline,
                        write(&scratch, &case, "modern", &e.template),
                    ));
                }
                Err(message) => fail(format!("with python3.12 runtimes the default failed: {message}")),
            }
        }
    }

    check_explicit_golden(&explicit_lines, &mut violations);

    // cfn-lint: no finding on an output that its input does not have.
    let mut files: Vec<PathBuf> = to_lint
        .iter()
        .flat_map(|(_, i, o)| [i.clone(), o.clone()])
        .collect();
    files.sort();
    files.dedup();
    let findings = lint_all(&cfn_lint, &files);
    for (name, input, output) in &to_lint {
        totals.linted += 1;
        let new = new_findings(&findings[input], &findings[output]);
        totals.new_findings += new.len();
        for (rule, path) in new {
            violations.push(format!("{name}: new cfn-lint finding {rule} at {path}"));
        }
    }
    // SAM on the SAM outputs: where the input translates, the output must, with no new error.
    let sam_cases: Vec<(String, PathBuf, PathBuf)> = to_lint
        .iter()
        .filter(|(name, _, _)| name.starts_with("input/"))
        .cloned()
        .collect();
    if let Some(sam) = toolbox::sam_check(&sam_cases, &scratch) {
        for why in sam.rejected.iter().chain(&sam.new_errors) {
            violations.push(format!("SAM: {why}"));
        }
        totals.sam = sam;
    }
    let _ = std::fs::remove_dir_all(&scratch);

    println!(
        "corpus: {} files, {} functions; the default profiled {} and skipped {:?}; explicit failures by kind {:?}; \
         with old runtimes made python3.12 the default profiled {}; {} outputs linted, {} new cfn-lint findings; \
         the splice lane answered {} expansions, as the general lane did; SAM translated {} of {} SAM outputs \
         ({} inputs translate), rejected {}, new cfn-lint errors on the translations {}",
        totals.files,
        totals.functions,
        totals.profiled,
        totals.skipped,
        totals.explicit_failures,
        totals.modernized_profiled,
        totals.linted,
        totals.new_findings,
        SPLICED.with(|n| n.get()),
        totals.sam.outputs_translated,
        totals.sam.cases,
        totals.sam.inputs_translated,
        totals.sam.rejected.len(),
        totals.sam.new_errors.len()
    );
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// Idempotence and "nothing else changed", for one output.
fn check_output(case: &Case, e: &Expanded, default_on: bool, fail: &mut impl FnMut(String)) {
    let mode = if default_on { "default" } else { "explicit" };
    let input = if default_on {
        case.doc.clone()
    } else {
        with_explicit_profiling(&case.doc)
    };
    for v in unchanged_elsewhere(&input, &e.template, &profiled_ids(e)) {
        fail(format!("{mode}: {v}"));
    }
    match expand(&e.template, default_on) {
        Ok(again)
            if serde_json::to_string(&again.template).unwrap()
                == serde_json::to_string(&e.template).unwrap() => {}
        Ok(_) => fail(format!("{mode}: expanding the output again changed it")),
        Err(m) => fail(format!("{mode}: expanding the output again failed: {m}")),
    }
}

fn write(dir: &Path, case: &Case, mode: &str, template: &Value) -> PathBuf {
    let path = dir.join(format!("{}.{mode}.json", case.name.replace('/', "__")));
    std::fs::write(&path, serde_json::to_string_pretty(template).unwrap()).unwrap();
    path
}

/// The explicit-mode failures, per file, are committed; any change must be looked at.
fn check_explicit_golden(lines: &[String], violations: &mut Vec<String>) {
    for l in lines.iter().filter(|l| l.ends_with(" other")) {
        violations.push(format!("an unexpected kind of error: {l}"));
    }
    let actual: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let golden = toolbox::repo().join(EXPLICIT_GOLDEN);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&golden, &actual).unwrap();
    } else if std::fs::read_to_string(&golden).ok().as_deref() != Some(actual.as_str()) {
        violations.push(format!(
            "{EXPLICIT_GOLDEN} differs from the explicit-mode failures (UPDATE_GOLDEN=1 rewrites it)"
        ));
    }
}
