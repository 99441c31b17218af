use super::*;

#[test]
fn role_lists_get_the_policy_once() {
    let arns = |current: Option<&str>| {
        let mut out = b"before".to_vec();
        let added = role_arns(current, &mut out);
        (added, String::from_utf8(out).unwrap())
    };
    let sub = format!(r#"{{"Fn::Sub":"{POLICY_ARN_SUB}"}}"#);
    assert_eq!(
        arns(Some(r#"["arn:aws:iam::aws:policy/ReadOnlyAccess", "a\/b"]"#)),
        (
            Some(true),
            format!(r#"before["arn:aws:iam::aws:policy/ReadOnlyAccess","a/b",{sub}]"#)
        )
    );
    assert_eq!(arns(None), (Some(true), format!("before[{sub}]")));
    let has = r#"["arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"]"#;
    assert_eq!(arns(Some(has)), (Some(false), "before".to_string()));
    assert_eq!(arns(Some(r#"[{"Ref": "P"}]"#)).0, None);
    assert_eq!(arns(Some(r#"{"Ref": "P"}"#)).0, None);
}
