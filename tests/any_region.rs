//! `lambda-profiling expand --any-region`: one template for every region and account the
//! agent serves, for service-managed StackSets and nested stacks (which run no macro).
//! Each example's expansion holds no region and no account of the macro's writing (the
//! agent layers come from a Mappings table keyed by AWS::Region), and the real cfn-lint
//! finds no error in it in several regions of the table, JSON and YAML alike.

mod toolbox;

use std::path::PathBuf;

use lambda_profiling_cli::{ExpandArgs, Format, expand_text, render};
use lambda_profiling_macro::agent;
use serde_json::Value;

/// The account the expansion would write were it for one account (the CLI's default).
const ACCOUNT: &str = "123456789012";

fn any_region(example: &str) -> (Value, String) {
    let path = toolbox::repo()
        .join("examples")
        .join(example)
        .join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut args = ExpandArgs::new(&path);
    args.any_region = true;
    let expanded = expand_text(&text, &args).unwrap_or_else(|e| panic!("{example}: {e}"));
    let input = lambda_profiling_cli::cfn_yaml::parse_template(&text).unwrap();
    (expanded.template, input.to_string())
}

fn examples() -> Vec<String> {
    let dirs = toolbox::example_dirs();
    dirs.iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().to_string())
        .collect()
}

#[test]
fn no_region_or_account_is_written_outside_the_table() {
    let mut tables = 0;
    for name in examples() {
        let (mut out, input) = any_region(&name);
        let table = out["Mappings"]["LambdaProfilingAgentLayers"].take();
        // A template whose functions are all skipped (template-default: a Runtime read from
        // a parameter, which has no value here) adds no layer, so no table.
        if let Some(rows) = table.as_object() {
            assert_eq!(rows.len(), agent::any_regions().len(), "{name}");
            tables += 1;
        }
        let text = out.to_string();
        for region in agent::LAYER_REGIONS {
            // A region the template itself holds is its own.
            if !input.contains(region) {
                assert!(
                    !text.contains(region),
                    "{name}: {region} written outside the table"
                );
            }
        }
        if !input.contains(ACCOUNT) {
            assert!(!text.contains(ACCOUNT), "{name}: the account is written");
        }
        let transform = out.get("Transform").map(Value::to_string).unwrap_or_default();
        assert!(
            !transform.contains("\"LambdaProfiling\""),
            "{name}: the transform remains"
        );
    }
    assert!(tables >= 8, "only {tables} examples profiled a function");
}

#[test]
fn cfn_lint_finds_no_error_in_any_region_of_the_table() {
    let dir = std::env::temp_dir().join(format!("any-region-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    for name in examples() {
        let (out, _) = any_region(&name);
        for (format, ext) in [(Format::Json, "json"), (Format::Yaml, "yaml")] {
            let file = dir.join(format!("{name}.{ext}"));
            std::fs::write(&file, render(&out, format).unwrap()).unwrap();
            files.push(file);
        }
    }
    let regions = ["us-east-1", "eu-north-1", "ap-southeast-2", "us-west-2"];
    let Some(errors) = toolbox::cfn_lint_errors_in(&files, &regions) else {
        return;
    };
    assert!(errors.is_empty(), "cfn-lint:\n{}", errors.join("\n"));
    // And it can fail: a region outside the table has no row to find.
    let Some(errors) = toolbox::cfn_lint_errors_in(&files[..1], &["ca-central-1"]) else {
        return;
    };
    assert!(
        !errors.is_empty(),
        "cfn-lint found every layer in a region outside the table"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Each stack instance of a StackSet may give a parameter its own value, so a template for
/// any region is expanded with none: what the macro must read from a parameter (whether
/// to profile, the runtime) is refused, with where, rather than decided from the Default.
#[test]
fn a_value_the_macro_reads_from_a_parameter_is_refused_not_guessed() {
    let template = |profiling: &str, runtime: &str| {
        format!(
            "Transform: LambdaProfiling\nParameters:\n  Enable: {{Type: String, Default: 'true'}}\n  \
             Rt: {{Type: String, Default: python3.12}}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    \
             Properties:\n      Profiling: {profiling}\n      Runtime: {runtime}\n      Handler: index.handler\n      \
             Role: arn:aws:iam::123456789012:role/r\n      Code: {{ZipFile: x}}\n"
        )
    };
    let mut args = ExpandArgs::new("t.yaml");
    for (text, parameter) in [
        (template("!Ref Enable", "python3.12"), "Enable"),
        (template("true", "!Ref Rt"), "Rt"),
    ] {
        args.any_region = false;
        assert!(
            expand_text(&text, &args).is_ok(),
            "for one region, the Default is the value"
        );
        args.any_region = true;
        let refused = expand_text(&text, &args).expect_err("a parameter's value is not known");
        assert!(
            refused.to_string().contains(&format!("parameter {parameter}")),
            "{refused}"
        );
    }
    args.any_region = true;
    let plain = template("true", "python3.12");
    assert!(
        expand_text(&plain, &args).is_ok(),
        "written literally, it expands"
    );
}
