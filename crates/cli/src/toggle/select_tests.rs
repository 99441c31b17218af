use std::collections::BTreeMap;

use super::*;

const PY_LAYER: &str =
    "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11";

fn function(name: &str, runtime: &str) -> Function {
    Function {
        name: name.into(),
        arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        runtime: Some(runtime.into()),
        role: "arn:aws:iam::123456789012:role/r".into(),
        handler: Some("app.handler".into()),
        ..Function::default()
    }
}

fn profiled(name: &str) -> Function {
    let mut f = function(name, "python3.12");
    f.layers = vec![PY_LAYER.into()];
    f.vars = BTreeMap::from([
        ("AWS_CODEGURU_PROFILER_GROUP_NAME".into(), "g".into()),
        (
            "AWS_LAMBDA_EXEC_WRAPPER".into(),
            "/opt/codeguru_profiler_lambda_exec".into(),
        ),
    ]);
    f
}

fn selection(tags: &[&str], name_match: Option<&str>, runtimes: &[&str], exclude: &[&str]) -> Selection {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    Selection {
        all: true,
        tags: strings(tags),
        name_match: name_match.map(str::to_owned),
        runtimes: strings(runtimes),
        exclude: strings(exclude),
    }
}

#[test]
fn every_filter_must_hold() {
    let filter = Filter::new(&selection(
        &["team=pay=ments"],
        Some("^pay-"),
        &["python3.12", "java21"],
        &["pay-legacy"],
    ))
    .unwrap();
    assert_eq!(
        filter.tags,
        [("team".to_string(), "pay=ments".to_string())],
        "the first = splits"
    );
    assert!(filter.admits(&function("pay-orders", "python3.12"), true));
    assert!(filter.admits(&function("pay-ledger", "java21"), true));
    for (f, tagged) in [
        (function("pay-orders", "python3.12"), false),
        (function("shop-orders", "python3.12"), true),
        (function("pay-orders", "python3.11"), true),
        (function("pay-legacy", "python3.12"), true),
    ] {
        assert!(!filter.admits(&f, tagged), "{} {tagged}", f.name);
    }
    let everything = Filter::new(&selection(&[], None, &[], &[])).unwrap();
    assert!(everything.admits(&function("any", "nodejs22.x"), true));
}

#[test]
fn a_flag_that_cannot_be_read_says_how_to_write_it() {
    for (s, said) in [
        (
            selection(&["team"], None, &[], &[]),
            "--tag \"team\": write it as KEY=VALUE",
        ),
        (
            selection(&["=x"], None, &[], &[]),
            "--tag \"=x\": write it as KEY=VALUE",
        ),
        (
            selection(&[], Some("pay-("), &[], &[]),
            "--match \"pay-(\" is not a regular expression (",
        ),
    ] {
        let e = Filter::new(&s).unwrap_err().to_string();
        assert!(e.starts_with(said), "{e}");
    }
}

#[test]
fn enable_takes_only_what_is_off_and_supported_and_not_a_stacks() {
    assert_eq!(for_enable(&function("a", "python3.12"), false), Verdict::Take);
    let Verdict::Skip(why) = for_enable(&function("b", "nodejs22.x"), false) else {
        panic!("an unsupported runtime is taken")
    };
    assert!(why.starts_with("unsupported: "), "{why}");
    let Verdict::Skip(why) = for_enable(&profiled("c"), false) else {
        panic!("a profiled function is taken")
    };
    assert!(why.contains("set up on it already"), "{why}");
    let mut owned = function("d", "python3.12");
    owned.stack = Some("orders".into());
    let Verdict::Skip(why) = for_enable(&owned, false) else {
        panic!("a stack's function is taken")
    };
    assert!(
        why.contains("stack orders owns it") && why.contains("--force"),
        "{why}"
    );
    assert_eq!(for_enable(&owned, true), Verdict::Take);
}

#[test]
fn disable_takes_only_what_carries_the_agent_and_not_a_stacks() {
    assert_eq!(for_disable(&profiled("a"), false), Verdict::Take);
    assert_eq!(
        for_disable(&function("b", "python3.12"), false),
        Verdict::Skip("not profiled".into())
    );
    assert_eq!(
        for_disable(&function("c", "nodejs22.x"), false),
        Verdict::Skip("not profiled".into())
    );
    let mut owned = profiled("d");
    owned.stack = Some("orders".into());
    assert!(matches!(for_disable(&owned, false), Verdict::Skip(why) if why.contains("stack orders owns it")));
    assert_eq!(for_disable(&owned, true), Verdict::Take);
}

#[test]
fn a_tag_names_a_group_when_it_can_be_one() {
    assert_eq!(
        group_of("service", Some(&"pay-api_2".to_string())),
        Ok("pay-api_2".into())
    );
    let none = group_of("service", None).unwrap_err();
    assert!(none.starts_with("no tag service: tag it"), "{none}");
    for bad in ["", "pay api", "pay/api", &"x".repeat(256)] {
        let e = group_of("service", Some(&bad.to_string())).unwrap_err();
        assert!(e.contains("not a profiling group name"), "{bad:?}: {e}");
    }
}
