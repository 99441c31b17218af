use super::*;
use serde_json::json;

#[test]
fn short_forms_become_long_forms() {
    let t = parse_template(
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt Role.Arn\n      \
         Runtime: !Ref Rt\n      Handler: !Sub '${A}.h'\n      Layers: !If [C, [!Ref L], !Ref 'AWS::NoValue']\n      \
         Description: !Join ['', [!Select [0, !Split [',', 'a,b']]]]\n      Other: !GetAtt [R, Outputs.X]\n      \
         Nested: !GetAtt Stack.Outputs.Arn\n      Cond: !Condition IsProd\n      Imp: !ImportValue x\n",
    )
    .unwrap();
    let p = &t["Resources"]["F"]["Properties"];
    assert_eq!(p["Role"], json!({"Fn::GetAtt": ["Role", "Arn"]}));
    assert_eq!(p["Runtime"], json!({"Ref": "Rt"}));
    assert_eq!(p["Handler"], json!({"Fn::Sub": "${A}.h"}));
    assert_eq!(
        p["Layers"],
        json!({"Fn::If": ["C", [{"Ref": "L"}], {"Ref": "AWS::NoValue"}]})
    );
    assert_eq!(
        p["Description"],
        json!({"Fn::Join": ["", [{"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}]]})
    );
    assert_eq!(p["Other"], json!({"Fn::GetAtt": ["R", "Outputs.X"]}));
    assert_eq!(p["Nested"], json!({"Fn::GetAtt": ["Stack", "Outputs.Arn"]}));
    assert_eq!(p["Cond"], json!({"Condition": "IsProd"}));
    assert_eq!(p["Imp"], json!({"Fn::ImportValue": "x"}));
}

#[test]
fn keeps_key_order_scalars_and_reads_json() {
    let t = parse_template("B: 1\nA: 2010-09-09\nC: [true, 1.5, null, '007']\n").unwrap();
    assert_eq!(t.as_object().unwrap().keys().collect::<Vec<_>>(), ["B", "A", "C"]);
    assert_eq!(t["A"], "2010-09-09");
    assert_eq!(t["C"], json!([true, 1.5, null, "007"]));
    assert_eq!(
        parse_template(" {\"Z\": 1, \"A\": 2}")
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["Z", "A"]
    );
}

#[test]
fn bad_input_is_explained() {
    assert!(matches!(parse_template("A: !Bogus x"), Err(TemplateError::UnknownTag(t)) if t == "Bogus"));
    assert!(
        parse_template("A: [unclosed")
            .unwrap_err()
            .to_string()
            .contains("neither valid JSON nor valid YAML")
    );
    assert!(parse_template("{\"A\": ").is_err());
}
