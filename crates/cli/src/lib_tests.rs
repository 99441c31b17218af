use super::*;

/// A loop of functions asking for profiling, under `transforms`.
fn looped(transforms: &str) -> String {
    let template = r#"Resources:
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
  Fn::ForEach::Workers:
    - Name
    - [A, B]
    - Worker${Name}:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: app.handler
          Role: !GetAtt Role.Arn
          Code: {ZipFile: x}
          Profiling: true
"#;
    format!("Transform: {transforms}\n{template}")
}

#[test]
fn a_loop_the_macro_sees_unexpanded_is_answered_with_the_fix() {
    let text = looped("[LambdaProfiling, AWS::LanguageExtensions]");
    let Err(ExpandError::Problems(problems)) = expand_text(&text, &ExpandArgs::new("t.yaml")) else {
        panic!("the loop must be a problem");
    };
    assert_eq!(problems.0[0].path, "Resources.Fn::ForEach::Workers");
    assert!(
        problems.0[0]
            .message
            .contains("list AWS::LanguageExtensions before LambdaProfiling")
    );
}

#[test]
fn a_loop_expanded_first_is_left_for_language_extensions_and_said_so() {
    let text = looped("[AWS::LanguageExtensions, LambdaProfiling]");
    let expanded = expand_text(&text, &ExpandArgs::new("t.yaml")).expect("no problem");
    let resources: Vec<&String> = expanded.template["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(resources, ["Role", "Fn::ForEach::Workers"]);
    assert_eq!(
        expanded.template["Resources"]["Fn::ForEach::Workers"][2]["Worker${Name}"]["Properties"]["Profiling"],
        true,
        "left as it is, for AWS::LanguageExtensions"
    );
    assert_eq!(expanded.template["Transform"], "AWS::LanguageExtensions");
    assert!(
        expanded.notes[0].contains("does not run it"),
        "{:?}",
        expanded.notes
    );
}

#[test]
fn problems_print_as_json_for_tools() {
    let error = ExpandError::Problems(Problems(vec![lambda_profiling_macro::Problem::new(
        "Resources.F.Properties.Runtime",
        "no",
    )]));
    assert_eq!(
        error.to_json(),
        json!({"problems": [{"path": "Resources.F.Properties.Runtime", "message": "no"}]})
    );
    assert_eq!(
        ExpandError::Input("bad YAML".into()).to_json(),
        json!({"problems": [{"path": "", "message": "bad YAML"}]})
    );
}

#[test]
fn status_takes_regions_functions_and_a_format() {
    let cli = Cli::try_parse_from([
        "lambda-profiling",
        "status",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--function",
        "orders",
        "--format",
        "json",
    ])
    .unwrap();
    let Command::Status(args) = cli.command else {
        panic!("status parses as status")
    };
    assert_eq!(args.regions, ["us-east-1", "eu-west-1"]);
    assert_eq!(args.functions, ["orders"]);
    assert_eq!(args.format, status::StatusFormat::Json);
    assert_eq!(args.concurrency, 8);
    assert!(Cli::try_parse_from(["lambda-profiling", "status", "--concurrency", "0"]).is_err());
}

#[test]
fn status_fails_on_broken_unless_told_otherwise() {
    let fail_on = |args: &[&str]| {
        let cli = Cli::try_parse_from(["lambda-profiling", "status"].iter().chain(args)).unwrap();
        let Command::Status(args) = cli.command else {
            panic!("status parses as status")
        };
        args.fail_on
    };
    use status::FailOn::{Broken, Off, Unsupported};
    assert_eq!(fail_on(&[]), [Broken]);
    assert_eq!(fail_on(&["--fail-on", "broken,off"]), [Broken, Off]);
    assert_eq!(fail_on(&["--fail-on", "unsupported"]), [Unsupported]);
    let profiled = Cli::try_parse_from(["lambda-profiling", "status", "--fail-on", "profiled"]);
    assert!(profiled.is_err(), "profiled is no failure");
}

/// Only in a build without the feature (`cargo test -p lambda-profiling-cli`; the
/// workspace's test run turns the feature on).
#[cfg(not(feature = "aws"))]
#[test]
fn status_without_the_aws_feature_says_how_to_get_it() {
    assert!(status::NO_AWS.contains("cargo install --path crates/cli --features aws"));
    let cli = Cli::try_parse_from(["lambda-profiling", "status"]).unwrap();
    let Command::Status(args) = cli.command else {
        panic!("status parses as status")
    };
    assert_eq!(
        format!("{:?}", status::run(&args)),
        format!("{:?}", ExitCode::from(status::FAILED))
    );
}

#[test]
fn enable_and_disable_take_names_or_a_selection_never_both() {
    let parse = |args: &[&str]| Cli::try_parse_from(["lambda-profiling"].iter().chain(args));
    let Command::Enable(args) = parse(&[
        "enable",
        "--all",
        "--tag",
        "team=payments",
        "--tag",
        "env=prod",
        "--match",
        "^pay-",
        "--runtime",
        "python3.12",
        "--exclude",
        "pay-legacy",
        "--yes",
        "--format",
        "json",
    ])
    .unwrap()
    .command
    else {
        panic!("not enable")
    };
    let s = &args.selection;
    assert!(s.all && args.functions.is_empty() && args.common.yes);
    assert_eq!((s.tags.len(), s.name_match.as_deref()), (2, Some("^pay-")));
    assert_eq!(
        (s.runtimes.as_slice(), s.exclude.as_slice()),
        (&["python3.12".to_string()][..], &["pay-legacy".to_string()][..])
    );
    assert_eq!(args.common.format, crate::toggle::ToggleFormat::Json);
    assert!(matches!(
        parse(&["disable", "--all"]).unwrap().command,
        Command::Disable(_)
    ));
    assert!(matches!(
        parse(&["disable", "orders"]).unwrap().command,
        Command::Disable(_)
    ));
    for bad in [
        &["enable"][..],
        &["disable"],
        &["enable", "--all", "orders"],
        &["enable", "--tag", "team=payments", "orders"],
        &["disable", "--match", "x", "orders"],
        &["enable", "--exclude", "x", "orders"],
        &["enable", "--runtime", "python3.12", "orders"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?} is taken");
    }
}
