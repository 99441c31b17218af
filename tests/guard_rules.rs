//! The Guard rules of `guard/`, judged by the real `cfn-guard` (installed beside the other
//! tools by `scripts/dev-tools`): each form's unit tests (`cfn-guard test` on the
//! `*_tests.yaml` beside each rules file), every example's expansion, made afresh, passing
//! `guard/template`, and each way a later change loses profiling failing it with
//! cfn-guard's exit code 19 and the rule that says so. `lambda-profiling check`, which runs
//! the same rules in-process, is held to cfn-guard's verdict on every one of those inputs.

mod toolbox;

use std::path::{Path, PathBuf};
use std::process::Command;

use lambda_profiling_cli::check::{self, CheckArgs};
use lambda_profiling_cli::{ExpandArgs, Format, expand_text, render};
use serde_json::{Value, json};

/// cfn-guard's exit code when a rule fails.
const FAILED: i32 = 19;

fn cfn_guard() -> Option<PathBuf> {
    toolbox::tool("cfn-guard")
}

fn files(dir: &str, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(toolbox::repo().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    found.sort();
    found
}

#[test]
fn each_forms_unit_tests_pass_under_the_real_cfn_guard() {
    let Some(guard) = cfn_guard() else { return };
    let ran = unit_tests(&guard, &["guard/template", "guard/hook", "guard/config"]);
    assert!(ran >= 5, "the Guard unit tests are missing: {ran} files");
}

/// AWS Config runs custom policy rules with Guard 2 (its `guard-2.x.x` runtime), so the
/// Config rules' unit tests pass under the last Guard 2 as well.
#[test]
fn the_config_rules_unit_tests_pass_under_guard_2_as_aws_config_runs_them() {
    let Some(guard) = toolbox::tool("cfn-guard-2") else {
        return;
    };
    let version = Command::new(&guard)
        .arg("--version")
        .output()
        .expect("cfn-guard-2 runs");
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("cfn-guard 2."),
        "cfn-guard-2 is not Guard 2"
    );
    let ran = unit_tests(&guard, &["guard/config"]);
    assert!(ran >= 2, "the Config rules' unit tests are missing: {ran} files");
}

/// `cfn-guard test` on each `*_tests.yaml` of `forms` with the rules file beside it; how
/// many files ran.
fn unit_tests(guard: &Path, forms: &[&str]) -> usize {
    let mut ran = 0;
    for form in forms {
        for tests in files(form, "_tests.yaml") {
            let rules = PathBuf::from(tests.to_string_lossy().replace("_tests.yaml", ".guard"));
            let out = Command::new(guard)
                .args(["test", "--rules-file"])
                .arg(&rules)
                .arg("--test-data")
                .arg(&tests)
                .output()
                .expect("cfn-guard runs");
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && !said.contains("FAIL Rule"),
                "{}: cfn-guard test failed ({}):\n{said}{}",
                tests.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                said.contains("PASS"),
                "{}: no expectation ran:\n{said}",
                tests.display()
            );
            ran += 1;
        }
    }
    ran
}

/// `cfn-guard validate --rules guard/template` on `template`, with `parameters` as input
/// parameters: its exit code and the rules that failed.
fn validate(guard: &Path, template: &Value, parameters: Option<&Value>) -> (i32, Vec<String>) {
    let dir = std::env::temp_dir().join(format!(
        "guard-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("template.json");
    std::fs::write(&data, template.to_string()).unwrap();
    let mut command = Command::new(guard);
    command
        .args(["validate", "--rules"])
        .arg(toolbox::repo().join("guard/template"))
        .arg("--data")
        .arg(&data)
        .args([
            "--output-format",
            "json",
            "--show-summary",
            "none",
            "--structured",
        ]);
    if let Some(parameters) = parameters {
        let file = dir.join("parameters.json");
        std::fs::write(&file, parameters.to_string()).unwrap();
        command.arg("--input-params").arg(file);
    }
    let out = command.output().expect("cfn-guard runs");
    let report = String::from_utf8_lossy(&out.stdout);
    let failed = failed_rules(&report);
    std::fs::remove_dir_all(&dir).ok();
    let code = out.status.code().unwrap_or(-1);
    // `check` gives the same verdict, in-process.
    let refuse = parameters.is_some_and(|p| p["LambdaProfilingGuard"]["RefuseOptOuts"] == json!(true));
    let mut in_process: Vec<String> = check::judge(template, refuse)
        .expect("check judges it")
        .into_iter()
        .map(|v| v.rule)
        .collect();
    in_process.sort();
    in_process.dedup();
    assert_eq!(in_process, failed, "check and cfn-guard disagree");
    (code, failed)
}

/// The names of the rules that failed in cfn-guard's structured JSON report.
fn failed_rules(report: &str) -> Vec<String> {
    let mut names = Vec::new();
    let reports: Value = serde_json::from_str(report).unwrap_or(Value::Null);
    let each = reports.as_array().cloned().unwrap_or_else(|| vec![reports]);
    for r in each {
        for rule in r["not_compliant"].as_array().into_iter().flatten() {
            if let Some(name) = rule["Rule"]["name"].as_str() {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

fn expansion(example: &str) -> Value {
    let template = toolbox::repo()
        .join("examples")
        .join(example)
        .join("template.yaml");
    let text = std::fs::read_to_string(&template).unwrap();
    let expanded = expand_text(&text, &ExpandArgs::new(&template)).expect("the example expands");
    serde_json::from_str(&render(&expanded.template, Format::Json).unwrap()).unwrap()
}

#[test]
fn every_examples_expansion_passes_the_template_rules() {
    let Some(guard) = cfn_guard() else { return };
    for dir in toolbox::example_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (code, failed) = validate(&guard, &expansion(&name), None);
        assert_eq!(
            (code, failed),
            (0, vec![]),
            "{name}: its expansion fails the template rules"
        );
    }
}

#[test]
fn each_way_profiling_is_lost_fails_the_template_rules() {
    let Some(guard) = cfn_guard() else { return };
    let python = expansion("python-function");
    let java = expansion("java-function");
    type Break = fn(&mut Value);
    let cases: [(&str, &Value, &str, Break, &str); 6] = [
        (
            "the layer dropped",
            &python,
            "OrdersFunction",
            |p| p["Layers"] = json!([]),
            "lambda_profiling_agent_layer",
        ),
        (
            "the exec wrapper removed",
            &python,
            "OrdersFunction",
            |p| {
                drop(
                    p["Environment"]["Variables"]
                        .as_object_mut()
                        .unwrap()
                        .remove("AWS_LAMBDA_EXEC_WRAPPER"),
                )
            },
            "lambda_profiling_python_start",
        ),
        (
            "the group variables removed",
            &python,
            "OrdersFunction",
            |p| {
                let vars = p["Environment"]["Variables"].as_object_mut().unwrap();
                vars.retain(|k, _| !k.starts_with("AWS_CODEGURU_PROFILER_GROUP"));
            },
            "lambda_profiling_group_variables",
        ),
        (
            "the agent turned off",
            &python,
            "OrdersFunction",
            |p| p["Environment"]["Variables"]["AWS_CODEGURU_PROFILER_ENABLED"] = json!("FALSE"),
            "lambda_profiling_group_variables",
        ),
        (
            "the -javaagent flag removed",
            &java,
            "BillingFunction",
            |p| p["Environment"]["Variables"]["JAVA_TOOL_OPTIONS"] = json!("-XX:+TieredCompilation"),
            "lambda_profiling_java_start",
        ),
        (
            "the role rebuilt without the policy",
            &python,
            "OrdersFunctionRole",
            |p| {
                let arns = p["ManagedPolicyArns"].as_array_mut().unwrap();
                arns.retain(|a| !a.to_string().contains("AmazonCodeGuruProfilerAgentAccess"));
            },
            "lambda_profiling_role_policy",
        ),
    ];
    for (what, template, id, broken, rule) in cases {
        let mut t = template.clone();
        broken(&mut t["Resources"][id]["Properties"]);
        let (code, failed) = validate(&guard, &t, None);
        assert_eq!(code, FAILED, "{what}: cfn-guard exits {code}, not {FAILED}");
        assert_eq!(failed, [rule], "{what}: these rules failed");
    }
}

#[test]
fn an_opt_out_passes_unless_opt_outs_are_refused() {
    let Some(guard) = cfn_guard() else { return };
    let mut t = expansion("python-function");
    let f = &mut t["Resources"]["OrdersFunction"];
    f["Metadata"] = json!({"LambdaProfiling": {"Profiling": false}});
    let props = f["Properties"].as_object_mut().unwrap();
    props.remove("Layers");
    props.remove("Environment");
    assert_eq!(
        validate(&guard, &t, None),
        (0, vec![]),
        "an opt-out is allowed by default"
    );
    let refuse = json!({"LambdaProfilingGuard": {"RefuseOptOuts": true}});
    let (code, failed) = validate(&guard, &t, Some(&refuse));
    assert_eq!(
        (code, failed),
        (FAILED, vec!["lambda_profiling_no_opt_out".to_string()])
    );
}

/// The templates that install the rules: cfn-lint finds no error, and the Config rules'
/// `PolicyText` is each file of `guard/config` as it is (one source of truth).
#[test]
fn the_install_templates_lint_clean_and_carry_the_rules_as_they_are() {
    let install = toolbox::repo().join("guard/install");
    let config = std::fs::read_to_string(install.join("config-rule.yaml")).unwrap();
    let config = lambda_profiling_cli::cfn_yaml::parse_template(&config).expect("the template parses");
    for (id, rules) in [
        ("ProfilingOn", "lambda_profiling.guard"),
        ("NoOptOut", "refuse_opt_outs.guard"),
    ] {
        let text = &config["Resources"][id]["Properties"]["Source"]["CustomPolicyDetails"]["PolicyText"];
        let file = std::fs::read_to_string(toolbox::repo().join("guard/config").join(rules)).unwrap();
        assert_eq!(
            text.as_str(),
            Some(file.as_str()),
            "{id}'s PolicyText is not guard/config/{rules}"
        );
    }
    let hook = std::fs::read_to_string(install.join("hook.yaml")).unwrap();
    let hook = lambda_profiling_cli::cfn_yaml::parse_template(&hook).expect("the template parses");
    let props = &hook["Resources"]["LambdaProfilingGuardHook"]["Properties"];
    assert_eq!(
        props["TargetFilters"]["TargetNames"],
        json!(["AWS::Lambda::Function"])
    );
    assert_eq!(props["TargetOperations"], json!(["RESOURCE"]));
    let files = [install.join("hook.yaml"), install.join("config-rule.yaml")];
    let Some(errors) = toolbox::cfn_lint_errors(&files) else {
        return;
    };
    assert!(errors.is_empty(), "cfn-lint errors:\n{}", errors.join("\n"));
}

/// `lambda-profiling check` on files: a template that declares the macro is expanded and
/// passes; a refused opt-out fails (1); a template the macro refuses, or that cannot be
/// read, cannot be judged (2, the worst verdict wins); each is named on its own line.
#[test]
fn check_expands_judges_and_answers_with_the_worst_verdict() {
    let dir = std::env::temp_dir().join(format!("check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let example = toolbox::repo().join("examples/python-function/template.yaml");
    let text = std::fs::read_to_string(&example).unwrap();
    let opted_out = dir.join("opted-out.yaml");
    std::fs::write(
        &opted_out,
        text.replacen("Profiling: true", "Profiling: false", 1),
    )
    .unwrap();
    let refused = dir.join("refused.yaml");
    std::fs::write(&refused, text.replacen("Profiling: true", "Profiling: maybe", 1)).unwrap();

    let mut args = CheckArgs::new(vec![example.clone(), opted_out.clone()]);
    let printed = check::execute(&args);
    assert_eq!(
        printed.code, 0,
        "an opt-out passes by default: {}",
        printed.stdout
    );
    assert_eq!(
        printed.stdout.lines().filter(|l| l.starts_with("pass  ")).count(),
        2
    );

    args.refuse_opt_outs = true;
    let printed = check::execute(&args);
    assert_eq!(printed.code, 1, "{}", printed.stdout);
    assert!(
        printed
            .stdout
            .contains(&format!("FAIL  {} (expanded by the macro)", opted_out.display()))
    );
    assert!(
        printed.stdout.contains("[lambda_profiling_no_opt_out]"),
        "{}",
        printed.stdout
    );

    args.templates = vec![example, refused.clone(), dir.join("missing.yaml")];
    args.format = check::CheckFormat::Json;
    let printed = check::execute(&args);
    assert_eq!(printed.code, 2, "{}", printed.stdout);
    let report: Value = serde_json::from_str(&printed.stdout).unwrap();
    let verdicts: Vec<&str> = report["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["pass", "error", "error"]);
    let why = report["templates"][1]["error"].as_str().unwrap();
    assert!(
        why.starts_with("the macro refuses it") && why.contains("Profiling"),
        "{why}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// What `check` cannot judge it says it cannot (exit 2), by where, never by quoting the
/// template: an empty file, a file that is no template, text that does not read, a
/// template the macro refuses for a value that holds a secret; `-` named twice.
#[test]
fn check_refuses_what_it_cannot_judge_without_quoting_it() {
    let dir = std::env::temp_dir().join(format!("check-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = "hunter2-s3cr3t";
    let cases = [
        ("empty.json", String::new(), "no Resources mapping"),
        ("scalar.yaml", format!("{secret}\n"), "no Resources mapping"),
        ("list.json", format!("[\"{secret}\"]"), "no Resources mapping"),
        (
            "unreadable.yaml",
            format!("Resources:\n  Fn: !!int {secret}\n"),
            "cannot be read as JSON or YAML at line 2",
        ),
        (
            // `expand` says "Variables is the string \"DB_PASSWORD=…\"": its author's to read.
            "refused.yaml",
            format!(
                "Transform: LambdaProfiling\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    \
                 Properties:\n      Profiling: true\n      Runtime: python3.12\n      Handler: index.handler\n      \
                 Role: arn:aws:iam::123456789012:role/r\n      Code: {{ZipFile: x}}\n      \
                 Environment: {{Variables: \"DB_PASSWORD={secret}\"}}\n"
            ),
            "the macro refuses it, at Resources.Fn.Properties.Environment.Variables;",
        ),
    ];
    for (name, body, said) in &cases {
        let file = dir.join(name);
        std::fs::write(&file, body).unwrap();
        let printed = check::execute(&CheckArgs::new(vec![file]));
        assert_eq!(printed.code, 2, "{name}: {}", printed.stdout);
        assert!(printed.stdout.contains(said), "{name}: {}", printed.stdout);
        assert!(
            !printed.stdout.contains(secret),
            "{name} quoted: {}",
            printed.stdout
        );
    }
    let twice = check::execute(&CheckArgs::new(vec!["-".into(), "-".into()]));
    assert_eq!(
        (twice.code, twice.stderr.as_str()),
        (2, "standard input can be read once: name - at most once\n")
    );
    std::fs::remove_dir_all(&dir).ok();
}
