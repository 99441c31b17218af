//! The engine's refusals as the command line says them: flags and the caller's own
//! credentials where a stack's author reads properties and the macro stack.

use super::*;
use crate::function::config::desired;
use crate::references::ledger::Ledger;
use lambda_profiling_macro::agent::Published;
use lambda_profiling_macro::assess::Function;

fn refused(e: Error) -> String {
    match ToggleError::from(e) {
        ToggleError::Refused(m) => m,
        other => panic!("not a refusal: {other}"),
    }
}

fn parsed(props: Value) -> String {
    let e = Properties::parse(&props, &Settings::default()).unwrap_err();
    assert!(
        e.to_string().contains("FunctionName") || e.to_string().contains("LayerArn"),
        "{e}"
    );
    e.render(Reader::CommandLine)
}

#[test]
fn a_missing_role_points_at_the_functions_own_role() {
    let e = crate::iam::missing_role("app-role");
    assert!(
        e.to_string()
            .ends_with("check RoleArn, or the function's execution role"),
        "{e}"
    );
    assert_eq!(
        refused(e),
        "role app-role does not exist: check the function's execution role"
    );
}

#[test]
fn a_bad_function_or_layer_names_the_argument_not_the_property() {
    let cli = parsed(json!({"FunctionName": "123456789012:function:orders:7"}));
    assert!(
        cli.starts_with("the function \"123456789012:function:orders:7\" names a version or alias"),
        "{cli}"
    );
    let cli = parsed(json!({"FunctionName": "orders", "LayerArn": "not-an-arn"}));
    assert!(
        cli.starts_with("--layer-arn \"not-an-arn\" is not a layer version ARN"),
        "{cli}"
    );
}

#[test]
fn a_function_named_like_a_property_keeps_its_name() {
    // The old string rewrites replaced phrases wherever they stood; a name is never touched now.
    let e = crate::iam::missing_role("LayerArn-check-FunctionName");
    assert!(refused(e).starts_with("role LayerArn-check-FunctionName does not exist"));
}

#[test]
fn a_group_conflict_or_a_missing_layer_names_the_flags() {
    let snap = Snapshot {
        function: Function {
            arn: "arn:aws:lambda:us-east-1:123456789012:function:orders".into(),
            runtime: Some("python3.12".into()),
            architectures: vec!["x86_64".into()],
            vars: [("AWS_CODEGURU_PROFILER_GROUP_NAME".to_owned(), "team".to_owned())].into(),
            ..Function::default()
        },
        role: "app-role".into(),
        revision_id: None,
    };
    let mut props = Properties::parse(&json!({"FunctionName": "orders"}), &Settings::default()).unwrap();
    props.group_name = Some("other".into());
    let e =
        Error::Unsupported(desired(&snap, &props, &Ledger::default(), &Published::default()).unwrap_err());
    let cli = refused(e);
    assert!(
        cli.ends_with("remove --profiling-group-name or set it to that group"),
        "{cli}"
    );
    let mut unpublished = snap;
    unpublished.runtime = Some("python3.14".into());
    unpublished.vars = Default::default();
    props.group_name = None;
    let why = desired(&unpublished, &props, &Ledger::default(), &Published::default()).unwrap_err();
    assert!(
        why.to_string().contains("give LayerArn for one that does"),
        "{why}"
    );
    let cli = why.render(Reader::CommandLine);
    assert!(
        cli.contains("give --layer-arn for one that does") && !cli.contains("LayerArn"),
        "{cli}"
    );
}
