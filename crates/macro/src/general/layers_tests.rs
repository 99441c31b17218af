use super::*;
use serde_json::json;

const PY: &str = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13";

fn merged(props: Value, globals: Option<Value>) -> Checked<Option<Value>> {
    let resource = json!({"Properties": props});
    let globals = globals.map(|g| g.as_object().unwrap().clone());
    let ty = if globals.is_some() {
        "AWS::Serverless::Function"
    } else {
        "AWS::Lambda::Function"
    };
    let f = FunctionView::new("F", ty, &resource, globals.as_ref());
    let values: ParameterValues = serde_json::from_value(
        json!({"L": "arn:aws:lambda:us-east-1:1:layer:a:1,arn:aws:lambda:us-east-1:1:layer:b:2", "E": []}),
    )
    .unwrap();
    merge(&f, &json!(PY), Family::Python, &["python3.12"], &values)
}

#[test]
fn appends_once() {
    assert_eq!(merged(json!({}), None).unwrap(), Some(json!([PY])));
    assert_eq!(
        merged(json!({"Layers": [{"Ref": "Mine"}]}), None).unwrap(),
        Some(json!([{"Ref": "Mine"}, PY]))
    );
    let older = PY.replace(":11", ":4");
    assert_eq!(
        merged(json!({"Layers": [older]}), None).unwrap(),
        None,
        "the user's version wins"
    );
    let sub = json!({"Fn::Sub": "arn:aws:lambda:${AWS::Region}:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:9"});
    assert_eq!(merged(json!({"Layers": [sub]}), None).unwrap(), None);
}

#[test]
fn handles_if_and_list_parameters() {
    let v = merged(
        json!({"Layers": {"Fn::If": ["C", {"Ref": "L"}, {"Ref": "AWS::NoValue"}]}}),
        None,
    )
    .unwrap();
    assert_eq!(
        v,
        Some(json!({"Fn::If": ["C",
            ["arn:aws:lambda:us-east-1:1:layer:a:1", "arn:aws:lambda:us-east-1:1:layer:b:2", PY],
            [PY]]}))
    );
    assert_eq!(
        merged(json!({"Layers": {"Ref": "E"}}), None).unwrap(),
        Some(json!([PY]))
    );
    let missing = merged(json!({"Layers": {"Ref": "Nope"}}), None).unwrap_err();
    assert!(missing[0].message.contains("Nope"));
}

#[test]
fn refuses_a_sixth_layer_and_unknown_shapes() {
    let five = json!(["a", "b", "c", "d", "e"]);
    let err = merged(json!({"Layers": five}), None).unwrap_err();
    assert_eq!(err[0].path, "Resources.F.Properties.Layers");
    assert!(err[0].message.contains("6 layers"), "{err:?}");
    let err = merged(
        json!({"Layers": ["a", "b"]}),
        Some(json!({"Layers": ["c", "d", "e"]})),
    )
    .unwrap_err();
    assert!(err[0].message.contains("3 from Globals"), "{err:?}");
    let err = merged(json!({"Layers": {"Fn::Split": [",", "x"]}}), None).unwrap_err();
    assert!(err[0].message.contains("Fn::Split"));
    assert_eq!(merged(json!({}), Some(json!({"Layers": [PY]}))).unwrap(), None);
}

#[test]
fn sam_globals_merge_as_sam_merges() {
    // Two lists concatenate: the globals count, and the agent goes in the function's list.
    assert_eq!(
        merged(json!({"Layers": ["a"]}), Some(json!({"Layers": ["g"]}))).unwrap(),
        Some(json!(["a", PY]))
    );
    assert_eq!(
        merged(json!({}), Some(json!({"Layers": ["g"]}))).unwrap(),
        Some(json!([PY]))
    );
    // A global Ref would be replaced by the function's list, so its items are carried over.
    assert_eq!(
        merged(json!({}), Some(json!({"Layers": {"Ref": "L"}}))).unwrap(),
        Some(json!([
            "arn:aws:lambda:us-east-1:1:layer:a:1",
            "arn:aws:lambda:us-east-1:1:layer:b:2",
            PY
        ]))
    );
    // The function's Fn::If replaces the global list in SAM: the globals do not count.
    let six = json!({"Layers": {"Fn::If": ["C", ["a", "b", "c", "d"], ["a"]]}});
    assert!(merged(six, Some(json!({"Layers": ["g1", "g2", "g3"]}))).is_ok());
    let err = merged(json!({"Layers": {"Ref": "L"}}), Some(json!({"Layers": ["g"]}))).unwrap_err();
    assert!(
        err[0].message.contains("Globals.Function.Layers is a list"),
        "{err:?}"
    );
}
