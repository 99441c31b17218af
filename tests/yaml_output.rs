//! `expand --format yaml` keeps the user's values: what it writes reads back as the same
//! template in PyYAML (YAML 1.1: the AWS CLI's `package`, the SAM CLI) and in cfn-lint's
//! own loader, for every example and for values YAML 1.1 takes for something else or
//! refuses (controls, its line breaks, noncharacters).

mod toolbox;

use std::process::Command;

use lambda_profiling_cli::{ExpandArgs, Format, expand_text, render};
use serde_json::{Value, json};

/// Reads each YAML file back with PyYAML's safe loader and with cfn-lint's, as JSON.
const READ_BACK: &str = r#"
import json, sys, yaml
from cfnlint.decode import cfn_yaml
for path in sys.argv[1:]:
    text = open(path).read()
    print(json.dumps([yaml.safe_load(text), cfn_yaml.loads(text)], default=str))
"#;

/// A template whose values a YAML 1.1 reader would take for booleans, numbers and dates.
fn tricky() -> Value {
    let values = [
        "yes",
        "Yes",
        "on",
        "Off",
        "y",
        "n",
        "true",
        "FALSE",
        "null",
        "~",
        "1_000",
        "12:30",
        "2024-01-02",
        "0x1F",
        ".inf",
        "1e5",
        "-",
        "=",
        "<<",
        "a: b",
        "x #y",
        "",
        " padded ",
        "line\nbreak",
        "del\u{7F}c1\u{80}\u{9F}",
        "nel\u{85}ls\u{2028}ps\u{2029}",
        "non\u{FFFE}\u{FFFF}",
        "tab\tbell\u{7}",
    ];
    let vars: serde_json::Map<String, Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), json!(v)))
        .collect();
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "F": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "app.handler", "Code": {"ZipFile": "x"},
                "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Profiling": true, "MemorySize": 1024,
                "Environment": {"Variables": vars},
                "Tags": [{"Key": "on", "Value": "off"}, {"Key": "yes", "Value": "1_000"}],
            }},
        },
    })
}

#[test]
fn yaml_output_reads_back_as_the_same_template() {
    let Some(python) = toolbox::tool("python") else {
        return;
    };
    let scratch = std::env::temp_dir().join(format!("yaml-output-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut sources: Vec<(String, String)> = Vec::new();
    for dir in &toolbox::example_dirs() {
        let text = std::fs::read_to_string(dir.join("template.yaml")).unwrap();
        sources.push((dir.file_name().unwrap().to_string_lossy().into_owned(), text));
    }
    sources.push(("tricky".into(), serde_json::to_string(&tricky()).unwrap()));

    let mut files = Vec::new();
    let mut expected = Vec::new();
    for (name, text) in &sources {
        let expanded = expand_text(text, &ExpandArgs::new(format!("{name}.yaml")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let yaml = render(&expanded.template, Format::Yaml).unwrap();
        let path = scratch.join(format!("{name}.yaml"));
        std::fs::write(&path, yaml).unwrap();
        files.push(path);
        expected.push((name, expanded.template));
    }
    let out = Command::new(python)
        .arg("-c")
        .arg(READ_BACK)
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), expected.len());
    for ((name, template), line) in expected.iter().zip(lines) {
        let [pyyaml, cfn_lint]: [Value; 2] = serde_json::from_str(line).unwrap();
        assert_eq!(&pyyaml, template, "{name}: PyYAML reads another template");
        assert_eq!(
            &cfn_lint, template,
            "{name}: cfn-lint's loader reads another template"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
