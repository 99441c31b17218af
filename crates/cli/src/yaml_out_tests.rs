use serde_json::json;

use super::*;

#[test]
fn what_yaml_1_1_reads_as_something_else_is_quoted() {
    for s in [
        "yes",
        "Yes",
        "on",
        "Off",
        "y",
        "N",
        "true",
        "False",
        "null",
        "~",
        "1_000",
        "12:30",
        "2024-01-02",
        "2010-09-09",
        "0x1F",
        ".inf",
        "-1",
        "+1",
        "1e5",
        "",
        " lead",
        "trail ",
        "a: b",
        "a #b",
        "end:",
        "=",
        "<<",
        "*alias",
        "&anchor",
        "!Ref",
        "@x",
        "%x",
        "`x",
        "'q'",
        "\"q\"",
        "[x]",
        "{x}",
        "x\ny",
        "é",
        "del\u{7F}",
        "c1\u{80}\u{9F}",
        "nel\u{85}",
        "ls\u{2028}ps\u{2029}",
        "non\u{FFFE}\u{FFFF}",
        "bom\u{FEFF}",
    ] {
        assert!(!plain(s), "{s:?} must be quoted");
        let written = string(s);
        assert_eq!(serde_json::from_str::<String>(&written).unwrap(), s, "{written}");
        assert!(written.is_ascii() || s == "é", "escaped: {written}");
    }
    for s in [
        "AWS::Lambda::Function",
        "python3.12",
        "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess",
        "/opt/codeguru_profiler_lambda_exec",
        "app.handler",
        "Name",
        "team-a_1",
        "a b",
    ] {
        assert!(plain(s), "{s:?} can be plain");
    }
}

#[test]
fn a_template_is_written_as_block_yaml() {
    let t = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {
            "Layers": ["arn:a", {"Ref": "L"}],
            "Environment": {"Variables": {"FLAG": "on", "N": "1_000"}},
            "Tags": [],
            "Memory": 128,
            "Ratio": 1e20,
            "Matrix": [[1, 2], []],
        }}},
        "Outputs": {},
    });
    let expected = "\
AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
      - arn:a
      - Ref: L
      Environment:
        Variables:
          FLAG: \"on\"
          \"N\": \"1_000\"
      Tags: []
      Memory: 128
      Ratio: 1.0e+20
      Matrix:
      - - 1
        - 2
      - []
Outputs: {}
";
    assert_eq!(to_yaml(&t), expected);
}
