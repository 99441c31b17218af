use super::*;

#[test]
fn recognises_intrinsics() {
    assert_eq!(ref_name(&json!({"Ref": "P"})), Some("P"));
    assert_eq!(ref_name(&json!({"Ref": "P", "x": 1})), None);
    assert!(is_no_value(&json!({"Ref": "AWS::NoValue"})));
    assert_eq!(get_att(&json!({"Fn::GetAtt": ["R", "Arn"]})), Some(("R", "Arn")));
    assert_eq!(get_att(&json!({"Fn::GetAtt": "R.Arn"})), Some(("R", "Arn")));
    assert_eq!(get_att(&json!({"Fn::GetAtt": "R"})), None);
    assert!(is_intrinsic(&json!({"Fn::Sub": "x"})));
    assert!(!is_intrinsic(&json!({"Variables": {}})));
    assert_eq!(describe(&json!({"Fn::Split": [",", "a"]})), "an Fn::Split");
}

#[test]
fn map_branches_rewrites_only_changed_branches() {
    let v = json!({"Fn::If": ["C", ["a"], {"Ref": "AWS::NoValue"}]});
    let out = map_branches(Some(&v), "P", &mut |leaf, _| {
        Ok(match leaf {
            None => Some(json!(["new"])),
            Some(_) => None,
        })
    })
    .unwrap();
    assert_eq!(out, Some(json!({"Fn::If": ["C", ["a"], ["new"]]})));
}

#[test]
fn map_branches_collects_problems_of_both_branches() {
    let v = json!({"Fn::If": ["C", 1, {"Fn::If": ["D", 2, 3]}]});
    let err = map_branches(Some(&v), "P", &mut |_, at| fail(at, "bad")).unwrap_err();
    let paths: Vec<_> = err.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["P.Fn::If[1]", "P.Fn::If[2].Fn::If[1]", "P.Fn::If[2].Fn::If[2]"]
    );
    let bad = map_branches(Some(&json!({"Fn::If": ["C", 1]})), "P", &mut |_, _| Ok(None));
    assert!(bad.unwrap_err()[0].message.contains("three items"));
}

#[test]
fn possible_values_resolve_parameters() {
    let params: ParameterValues = serde_json::from_value(json!({"Rt": "python3.12"})).unwrap();
    let v = json!({"Fn::If": ["C", {"Ref": "Rt"}, "java21"]});
    let got = possible_values(Some(&v), "R", &params, "Runtime").unwrap();
    let got: Vec<_> = got.into_iter().map(|(v, _)| v).collect();
    assert_eq!(got, vec![Some(json!("python3.12")), Some(json!("java21"))]);
    let missing = possible_values(Some(&json!({"Ref": "Nope"})), "R", &params, "Runtime").unwrap_err();
    assert!(missing[0].message.contains("parameter Nope"), "{missing:?}");
    let sub = possible_values(Some(&json!({"Fn::Sub": "x"})), "R", &params, "Runtime").unwrap_err();
    assert!(sub[0].message.contains("Fn::Sub"));
}

#[test]
fn parameter_lists() {
    assert_eq!(parameter_list(&json!("a,b")), Some(vec![json!("a"), json!("b")]));
    assert_eq!(parameter_list(&json!("")), Some(vec![]));
    assert_eq!(parameter_list(&json!(["x"])), Some(vec![json!("x")]));
    assert_eq!(parameter_list(&json!(3)), None);
}
