use super::*;
use serde_json::json;

#[test]
fn splits_our_transform_from_the_rest() {
    let t = split(Some(
        &json!([{"Name": "LambdaProfiling", "Parameters": {"Profiling": true}}, "AWS::Serverless-2016-10-31"]),
    ));
    let t = t.unwrap();
    assert!(t.declared);
    assert_eq!(t.params, Some(json!({"Profiling": true})));
    assert_eq!(t.rest, Some(json!("AWS::Serverless-2016-10-31")));
    assert_eq!(split(Some(&json!("LambdaProfiling"))).unwrap().rest, None);
    assert_eq!(
        split(Some(&json!(["LambdaProfiling", "A", "B"]))).unwrap().rest,
        Some(json!(["A", "B"]))
    );
    assert!(!split(None).unwrap().declared);
    let untouched = json!(["AWS::Serverless-2016-10-31"]);
    assert_eq!(
        split(Some(&untouched)).unwrap().rest,
        Some(untouched),
        "kept as written when ours is absent"
    );
    let err = split(Some(&json!(["AWS::Serverless-2016-10-31", "LambdaProfiling"]))).unwrap_err();
    assert!(err.contains("before AWS::Serverless-2016-10-31"));
}

#[test]
fn parameter_values_take_defaults_and_overrides() {
    let params = json!({
        "Rt": {"Type": "String", "Default": "python3.12"},
        "Layers": {"Type": "CommaDelimitedList", "Default": "a, b"},
        "Num": {"Type": "Number", "Default": 5},
        "NoDefault": {"Type": "String"}
    });
    let v = parameter_values(Some(&params), &["Rt=java21".into()]).unwrap();
    assert_eq!(v["Rt"], "java21");
    assert_eq!(v["Layers"], json!(["a", "b"]));
    assert_eq!(v["Num"], "5");
    assert!(!v.contains_key("NoDefault"));
    assert!(
        parameter_values(Some(&params), &["Nope=1".into()])
            .unwrap_err()
            .contains("no parameter Nope")
    );
    assert!(
        parameter_values(Some(&params), &["Rt".into()])
            .unwrap_err()
            .contains("KEY=VALUE")
    );
}
