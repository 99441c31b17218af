use super::*;

#[test]
fn a_rules_message_splits_into_what_is_missing_and_how_to_fix_it() {
    let v = Violation::new(
        "lambda_profiling_agent_layer",
        Some("/Resources/Orders/Properties/Layers".into()),
        "\n   Violation: a Python function does not carry\n     the layer.\n   Fix: add\n   the layer.\n",
        &["Order", "Orders"],
    );
    assert_eq!(v.resource.as_deref(), Some("Orders"));
    assert_eq!(v.violation, "a Python function does not carry the layer.");
    assert_eq!(v.fix.as_deref(), Some("add the layer."));
}

#[test]
fn a_check_without_a_message_or_a_path_still_says_which_rule_failed() {
    let v = Violation::new("some_rule", None, "", &[]);
    assert_eq!((v.resource, v.fix), (None, None));
    assert_eq!(v.violation, "the rule some_rule failed");
    let outside = Violation::new("r", Some("/Parameters/X".into()), "Violation: x", &["X"]);
    assert_eq!(
        outside.resource, None,
        "only a path under /Resources names a resource"
    );
}

#[test]
fn a_logical_id_with_a_slash_is_named_whole() {
    let path = Some("/Resources/Prod/Orders/Properties/Layers".to_string());
    let v = Violation::new("r", path.clone(), "Violation: x", &["Prod", "Prod/Orders"]);
    assert_eq!(v.resource.as_deref(), Some("Prod/Orders"));
    let unknown = Violation::new("r", path, "Violation: x", &["Other"]);
    assert_eq!(unknown.resource, None, "a path under no known id names none");
}

fn judged(verdict: Verdict) -> Judged {
    Judged {
        template: "t.yaml".into(),
        expanded: true,
        verdict,
        notes: Vec::new(),
    }
}

#[test]
fn the_exit_code_is_the_worst_verdict() {
    let fail = Verdict::Fail(vec![Violation::new("r", None, "Violation: x", &[])]);
    let error = Verdict::Error("cannot read it".into());
    assert_eq!(exit_code(&[]), 0);
    assert_eq!(exit_code(&[judged(Verdict::Pass)]), 0);
    assert_eq!(exit_code(&[judged(Verdict::Pass), judged(fail.clone())]), 1);
    assert_eq!(exit_code(&[judged(error.clone()), judged(fail)]), 2);
    assert_eq!(exit_code(&[judged(error)]), 2);
}

#[test]
fn the_text_names_the_template_each_resource_its_rule_and_the_fix() {
    let v = Violation::new(
        "lambda_profiling_agent_layer",
        Some("/Resources/Orders/Properties/Layers".into()),
        "Violation: no layer. Fix: add it.",
        &["Orders"],
    );
    let out = text(&[judged(Verdict::Fail(vec![v])), judged(Verdict::Pass)]);
    assert_eq!(
        out,
        "FAIL  t.yaml (expanded by the macro): 1 problem(s)\n  Orders: no layer. [lambda_profiling_agent_layer]\n    fix: add it.\npass  t.yaml (expanded by the macro)\n"
    );
}

#[test]
fn the_json_gives_each_template_its_verdict_and_violations() {
    let v = Violation::new(
        "r",
        Some("/Resources/F/Properties".into()),
        "Violation: x Fix: y",
        &["F"],
    );
    let out = json(&[
        judged(Verdict::Fail(vec![v])),
        judged(Verdict::Error("why".into())),
    ]);
    assert_eq!(out["templates"][0]["verdict"], "fail");
    assert_eq!(out["templates"][0]["violations"][0]["resource"], "F");
    assert_eq!(out["templates"][0]["violations"][0]["fix"], "y");
    assert_eq!(out["templates"][1]["verdict"], "error");
    assert_eq!(out["templates"][1]["error"], "why");
}

#[test]
fn notes_are_said_under_their_template() {
    let mut j = judged(Verdict::Pass);
    j.notes = vec!["note: loops are left as they are".into()];
    assert_eq!(
        text(&[j.clone()]),
        "pass  t.yaml (expanded by the macro)\n  note: loops are left as they are\n"
    );
    assert_eq!(
        json(&[j])["templates"][0]["notes"][0],
        "note: loops are left as they are"
    );
}
