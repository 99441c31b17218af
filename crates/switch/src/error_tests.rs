use super::*;
use crate::message::Input;

fn failed(kind: FailureKind, code: &str) -> Error {
    let failure = AwsFailure {
        kind,
        code: Some(code.into()),
        status: Some(400),
        denied_action: None,
        missing_layer: None,
    };
    Error::Aws {
        call: "lambda:GetFunctionConfiguration",
        target: "orders".into(),
        failure: Box::new(failure),
    }
}

#[test]
fn an_access_denied_tells_each_reader_whose_permission_is_missing() {
    let e = failed(FailureKind::AccessDenied, "AccessDeniedException");
    let stack = e.render(Reader::StackAuthor);
    assert!(
        stack.starts_with("lambda:GetFunctionConfiguration on orders failed: AccessDeniedException"),
        "{stack}"
    );
    assert!(
        stack.contains("update the macro stack's role or its FunctionScope parameter"),
        "{stack}"
    );
    let cli = e.render(Reader::CommandLine);
    assert!(
        cli.contains("Your credentials lack this permission: grant it"),
        "{cli}"
    );
    assert!(
        !cli.contains("macro stack") && !cli.contains("FunctionScope"),
        "{cli}"
    );
    assert_eq!(e.to_string(), stack);
}

#[test]
fn a_throttle_says_when_to_retry_in_each_readers_words() {
    let e = failed(FailureKind::Throttled, "ThrottlingException");
    assert!(
        e.render(Reader::StackAuthor)
            .ends_with("retry the stack operation later")
    );
    assert!(e.render(Reader::CommandLine).ends_with("run it again later"));
    // A refusal carries no advice: both read the code alone.
    let refused = failed(FailureKind::Refused, "ResourceConflictException");
    assert_eq!(
        refused.render(Reader::CommandLine),
        refused.render(Reader::StackAuthor)
    );
}

#[test]
fn an_undone_failure_names_the_operation_the_reader_ran() {
    let cause = Error::Invalid(crate::say![Input::GroupName, " is taken"]);
    let undone = undo_failed_create(cause, Ok(()));
    assert_eq!(
        undone.render(Reader::StackAuthor),
        "ProfilingGroupName is taken; what this Create had changed was undone"
    );
    assert_eq!(
        undone.render(Reader::CommandLine),
        "--profiling-group-name is taken; what this enable had changed was undone"
    );
    let cause = Error::Invalid("no".into());
    let not_undone = undo_failed_create(cause, Err(failed(FailureKind::Throttled, "ThrottlingException")));
    let cli = not_undone.render(Reader::CommandLine);
    assert!(
        cli.starts_with("no; undoing what this enable had changed also failed: lambda:"),
        "{cli}"
    );
    assert!(cli.ends_with("run it again later"), "{cli}");
}
