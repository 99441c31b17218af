use super::*;
use lambda_profiling_macro::agent::Family;

#[test]
fn keys_are_stable_and_distinct() {
    let k = ref_key("arn:stack/a", "Res", "function:arn:f");
    assert_eq!(k, ref_key("arn:stack/a", "Res", "function:arn:f"));
    assert!(k.starts_with(REF_PREFIX) && k.len() == REF_PREFIX.len() + 16);
    assert_ne!(k, ref_key("arn:stack/a", "Res", "function:arn:g"));
    assert_ne!(k, ref_key("arn:stack/b", "Res", "function:arn:f"));
    // Golden value: a change of hash would orphan every deployed reference.
    assert_eq!(fnv1a(&["a"]), 0xaf63dc4c8601ec8c);
}

#[test]
fn owner_values_fit_in_a_tag() {
    assert_eq!(owner_value("arn:s", "L"), "arn:s/L");
    let long = owner_value(&"s".repeat(200), &"L".repeat(200));
    assert_eq!(long.len(), 256);
    assert_ne!(
        long,
        owner_value(&"s".repeat(200), &format!("{}M", "L".repeat(199)))
    );
}

/// A group's tags say who holds it when an earlier version created it: its creator, when
/// the owner and function tags name it, else a holder no resource releases.
#[test]
fn an_earlier_versions_group_is_held_by_its_creator_or_kept() {
    let tags = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let f = "arn:aws:lambda:us-east-1:111122223333:function:f";
    let creator = reference_id("arn:s", "L", &format!("function:{f}"));
    let owner = owner_value("arn:s", "L");
    let hashed = owner_value(&"s".repeat(200), &"L".repeat(200));
    let cases = [
        (
            tags(&[(OWNER_KEY, &owner), (TAG_FORMAT_FUNCTION_KEY, f)]),
            Some(creator),
        ),
        (tags(&[(OWNER_KEY, &owner)]), Some(UNKNOWN_CREATOR)),
        (
            tags(&[(OWNER_KEY, &hashed), (TAG_FORMAT_FUNCTION_KEY, f)]),
            Some(UNKNOWN_CREATOR),
        ),
        (tags(&[(OWNER_KEY, &owner), (RECORDS_KEY, RECORDS_VALUE)]), None),
        (tags(&[("team", "a")]), None),
    ];
    for (tags, held_by) in cases {
        assert_eq!(earlier_creator(&tags), held_by, "{tags:?}");
    }
}

#[test]
fn ledgers_round_trip_and_merge() {
    let a = Ledger {
        layer: Some(
            "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:12".into(),
        ),
        vars: [env::GROUP_NAME, env::ENABLED, env::HEAP_SUMMARY]
            .into_iter()
            .collect(),
        handler_redirected: true,
        java_options: Some(JavaOptions::Appended),
        setting: Some(Setting {
            family: Family::Java,
            group_arn: "arn:aws:codeguru-profiler:us-east-1:111122223333:profilingGroup/team-a".into(),
            users_group: false,
        }),
        retired: ["arn:aws:codeguru-profiler:us-east-1:111122223333:profilingGroup/old".to_owned()]
            .into_iter()
            .collect(),
    };
    let text = a.encode("function");
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" _.:/=+-@,".contains(&b)),
        "{text}"
    );
    assert_eq!(Ledger::decode(&text), a);
    assert_eq!(Ledger::decode("role"), Ledger::default());
    let b = Ledger {
        vars: [env::EXEC_WRAPPER].into_iter().collect(),
        ..Ledger::default()
    };
    let u = a.union(&b);
    assert_eq!(u.vars.len(), 4);
    assert_eq!(u.layer, a.layer);
    // A ledger of an earlier version: no setting; its too-long layer ARN recorded empty.
    let old = Ledger::decode("function vars=GN+EN layer=");
    assert_eq!(old.layer.as_deref(), Some(""));
    assert_eq!(old.setting, None);
    let users = Ledger {
        setting: Some(Setting {
            family: Family::Python,
            group_arn: "arn:aws:codeguru-profiler:eu-west-1:111122223333:profilingGroup/theirs".into(),
            users_group: true,
        }),
        ..Ledger::default()
    };
    assert_eq!(Ledger::decode(&users.encode("function")), users);
}
