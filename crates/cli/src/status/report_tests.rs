use super::*;

fn status(name: &str, region: &str, state: State, problems: &[&str]) -> FunctionStatus {
    FunctionStatus {
        function_name: name.into(),
        function_arn: format!("arn:aws:lambda:{region}:123456789012:function:{name}"),
        runtime: Some("python3.12".into()),
        state,
        problems: problems.iter().map(|p| p.to_string()).collect(),
        profiling_group: matches!(state, State::Profiled | State::Broken).then(|| {
            format!("arn:aws:codeguru-profiler:{region}:123456789012:profilingGroup/aws-lambda-{name}")
        }),
        layer: None,
        stack: (name == "orders").then(|| "shop".to_owned()),
        notes: Vec::new(),
    }
}

fn sample() -> Report {
    Report::new(
        vec![
            status("worker", "us-east-1", State::Off, &[]),
            status("orders", "us-east-1", State::Profiled, &[]),
            status(
                "billing",
                "us-east-1",
                State::Broken,
                &["no agent layer: the agent never starts; add X"],
            ),
            status(
                "legacy",
                "us-east-1",
                State::Unsupported,
                &["nodejs20.x is not supported"],
            ),
        ],
        vec![],
    )
}

#[test]
fn the_summary_adds_up_and_broken_sets_the_exit_code() {
    let r = sample();
    assert_eq!(
        r.summary,
        Summary {
            profiled: 1,
            broken: 1,
            off: 1,
            unsupported: 1
        }
    );
    assert_eq!(r.exit_code(&[State::Broken]), 1);
    let fine = Report::new(vec![status("a", "us-east-1", State::Off, &[])], vec![]);
    assert_eq!(fine.exit_code(&[State::Broken]), 0);
    // An audit that every function an agent serves is profiled: off fails too.
    assert_eq!(fine.exit_code(&[State::Broken, State::Off]), 1);
    let node = Report::new(vec![status("n", "us-east-1", State::Unsupported, &[])], vec![]);
    assert_eq!(node.exit_code(&[State::Broken, State::Off]), 0);
    assert_eq!(node.exit_code(&[State::Unsupported]), 1);
}

#[test]
fn the_json_has_the_documented_fields() {
    let v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
    let billing = &v["functions"][0];
    assert_eq!(billing["functionName"], "billing");
    assert_eq!(billing["state"], "broken");
    assert_eq!(
        billing["problems"][0],
        "no agent layer: the agent never starts; add X"
    );
    for key in ["functionArn", "runtime", "profilingGroup", "layer", "stack"] {
        assert!(billing.get(key).is_some(), "{key}");
    }
    assert_eq!(
        v["summary"],
        serde_json::json!({"profiled": 1, "broken": 1, "off": 1, "unsupported": 1})
    );
}

#[test]
fn the_table_lists_each_function_with_its_problems_under_it() {
    let table = sample().to_table();
    let expected = "\
FUNCTION  RUNTIME     STATE        STACK  PROFILING GROUP
billing   python3.12  broken       -      aws-lambda-billing
    - no agent layer: the agent never starts; add X
legacy    python3.12  unsupported  -      -
    - nodejs20.x is not supported
orders    python3.12  profiled     shop   aws-lambda-orders
worker    python3.12  off          -      -

4 functions: 1 profiled, 1 broken, 1 off, 1 unsupported
";
    assert_eq!(table, expected);
}

#[test]
fn a_region_column_appears_when_the_functions_span_regions() {
    let r = Report::new(
        vec![
            status("a", "us-east-1", State::Off, &[]),
            status("b", "eu-west-1", State::Off, &[]),
        ],
        vec![],
    );
    let table = r.to_table();
    assert!(table.starts_with("FUNCTION  REGION     RUNTIME"), "{table}");
    assert!(table.contains("b         eu-west-1  python3.12"), "{table}");
}

#[test]
fn what_would_act_on_the_terminal_is_shown_escaped() {
    // A group name from a function's own variables, which anyone who may configure it sets.
    let hostile = "profiling group \u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}x does not exist";
    let mut broken = status("billing", "us-east-1", State::Broken, &[hostile]);
    broken.stack = Some("shop\r\nforged".into());
    let table = Report::new(vec![broken], vec![]).to_table();
    assert!(
        !table
            .chars()
            .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\r' || c == '\u{202e}'),
        "{table:?}"
    );
    assert!(
        table.contains("\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{202e}x"),
        "{table}"
    );
    assert!(table.contains("shop\\u{d}\\u{a}forged"), "{table}");
    assert_eq!(table.lines().count(), 5, "no line of its own: {table}");
    assert_eq!(printable("orders-prod é"), "orders-prod é");
}
