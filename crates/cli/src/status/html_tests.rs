use lambda_profiling_macro::assess::FunctionStatus;

use super::*;

fn status(name: &str, account: &str, region: &str, state: State, problems: &[&str]) -> FunctionStatus {
    FunctionStatus {
        function_name: name.into(),
        function_arn: format!("arn:aws:lambda:{region}:{account}:function:{name}"),
        runtime: Some("python3.12".into()),
        state,
        problems: problems.iter().map(|p| p.to_string()).collect(),
        profiling_group: None,
        layer: None,
        stack: None,
        notes: Vec::new(),
    }
}

fn fleet() -> Report {
    let mut functions = Vec::new();
    for i in 0..3 {
        functions.push(status(
            &format!("p{i}"),
            "111111111111",
            "us-east-1",
            State::Profiled,
            &[],
        ));
    }
    functions.push(status("off", "111111111111", "us-east-1", State::Off, &[]));
    functions.push(status(
        "billing",
        "222222222222",
        "eu-west-1",
        State::Broken,
        &[
            "no agent layer: the agent never starts; add L",
            "the group <script>alert(1)</script> does not exist",
        ],
    ));
    functions.push(status(
        "web",
        "222222222222",
        "eu-west-1",
        State::Unsupported,
        &["nodejs22.x"],
    ));
    let mut report = Report::new(functions, vec!["the stacks could not be read".into()]);
    report.missing = vec!["account 999999999999: cannot assume R (AccessDenied)".into()];
    report
}

#[test]
fn coverage_per_account_and_region_as_bars_in_proportion() {
    let page = fleet().to_html("lambda-profiling status");
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    assert!(
        page.contains("<p>6 functions: 3 profiled, 1 broken, 1 off, 1 unsupported.</p>"),
        "{page}"
    );
    let row = |account: &str| {
        page.lines()
            .find(|l| l.starts_with(&format!("<tr><td>{account}</td>")))
            .unwrap()
    };
    let first = row("111111111111");
    assert!(
        first
            .contains("<td>us-east-1</td><td class=\"n\">4</td><td class=\"n\">3</td><td class=\"n\">0</td>"),
        "{first}"
    );
    assert!(
        first.contains("width:75.00%;background:#2e7d32\" title=\"3 profiled\""),
        "{first}"
    );
    assert!(
        first.contains("width:25.00%;background:#9e9e9e\" title=\"1 off\""),
        "{first}"
    );
    assert!(
        !first.contains("title=\"0 "),
        "an empty state draws nothing: {first}"
    );
    let second = row("222222222222");
    assert!(
        second.contains("<td>eu-west-1</td>") && second.contains("width:50.00%"),
        "{second}"
    );
}

#[test]
fn broken_functions_with_their_fixes_and_what_was_not_read() {
    let page = fleet().to_html("lambda-profiling status");
    assert!(page.contains("<h2>Broken functions (1)</h2>"), "{page}");
    assert!(
        page.contains("<td><code>billing</code></td><td>222222222222</td><td>eu-west-1</td>"),
        "{page}"
    );
    assert!(
        page.contains("<li>no agent layer: the agent never starts; add L</li>"),
        "{page}"
    );
    assert!(
        page.contains("<h2>Not read</h2>")
            && page.contains("account 999999999999: cannot assume R (AccessDenied)")
    );
    assert!(page.contains("<li>the stacks could not be read</li>"));
}

#[test]
fn nothing_is_fetched_or_run_and_text_read_from_aws_is_escaped() {
    let page = fleet().to_html("status <of> \"all\"");
    assert!(
        page.contains("the group &lt;script&gt;alert(1)&lt;/script&gt; does not exist"),
        "{page}"
    );
    assert!(
        page.contains("<title>status &lt;of&gt; &quot;all&quot;</title>"),
        "{page}"
    );
    let lower = page.to_ascii_lowercase();
    for never in [
        "<script", "src=", "href=", "url(", "@import", "http://", "https://",
    ] {
        assert!(!lower.contains(never), "{never} in the page");
    }
    assert_eq!(
        esc("a\u{1b}[31m"),
        "a\\u{1b}[31m",
        "control characters are shown, not obeyed"
    );
}

#[test]
fn a_fleet_with_nothing_broken_says_so() {
    let report = Report::new(
        vec![status("a", "111111111111", "us-east-1", State::Profiled, &[])],
        vec![],
    );
    let page = report.to_html("t");
    assert!(page.contains("<h2>Broken functions (0)</h2>\n<p>None:"), "{page}");
    assert!(!page.contains("Not read"));
}
