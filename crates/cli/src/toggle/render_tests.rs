use super::*;

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders";

fn done(steps: &[&str], applied: bool) -> Result<Effect, String> {
    Ok(Effect {
        function_arn: ARN.into(),
        stack: None,
        steps: steps.iter().map(|s| s.to_string()).collect(),
        note: None,
        applied,
        new_group: None,
    })
}

fn line(function: &str, result: Result<Effect, String>) -> Line {
    Line {
        function: function.into(),
        result,
    }
}

#[test]
fn an_applied_enable_lists_its_steps_and_exits_0() {
    let out = render(
        "enable",
        false,
        &[line("orders", done(&["add layer L", "attach P"], true))],
    );
    assert_eq!(
        out.stdout,
        format!("enable orders ({ARN})\n  add layer L\n  attach P\n  done: CodeGuru Profiler is on\n")
    );
    assert_eq!((out.stderr.as_str(), out.code), ("", 0));
}

#[test]
fn a_dry_run_says_would_and_that_nothing_changed() {
    let out = render(
        "disable",
        true,
        &[line("orders", done(&["remove layer L"], false))],
    );
    assert!(
        out.stdout
            .contains("  would remove layer L\n  dry run: nothing was changed\n"),
        "{}",
        out.stdout
    );
    assert_eq!(out.code, 0);
}

#[test]
fn nothing_to_do_gives_the_reason() {
    let mut d = done(&[], false).unwrap();
    d.note = Some("lambda-profiling enable has not turned profiling on for it".into());
    let out = render("disable", false, &[line("orders", Ok(d))]);
    assert!(
        out.stdout
            .ends_with("  nothing to do: lambda-profiling enable has not turned profiling on for it\n")
    );
}

#[test]
fn a_forced_stack_function_is_noted_and_a_refusal_fails_the_run() {
    let mut d = done(&["add layer L"], true).unwrap();
    d.stack = Some("shop".into());
    let lines = [
        line("orders", Ok(d)),
        line("ghost", Err("function ghost does not exist".into())),
    ];
    let out = render("enable", false, &lines);
    assert!(
        out.stdout.contains("stack shop owns it, and --force was given"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        "error: enable ghost: function ghost does not exist\n1 of 2 functions failed\n"
    );
    assert_eq!(out.code, 1, "a refused function fails the run");
}
