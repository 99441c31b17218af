use super::*;
use serde_json::json;

fn facts(props: Value) -> Checked<RuntimeFacts> {
    let resource = json!({"Type": "AWS::Lambda::Function", "Properties": props});
    let values: ParameterValues =
        serde_json::from_value(json!({"Py": "python3.11", "Archs": ["x86_64"], "Arm": "arm64"})).unwrap();
    resolve(
        &FunctionView::new("F", "AWS::Lambda::Function", &resource, None),
        &values,
    )
}

#[test]
fn supported_runtimes_resolve() {
    assert_eq!(
        facts(json!({"Runtime": "python3.12"})).unwrap().family,
        Family::Python
    );
    assert_eq!(
        facts(json!({"Runtime": {"Ref": "Py"}})).unwrap().runtimes,
        ["python3.11"]
    );
    let both =
        facts(json!({"Runtime": {"Fn::If": ["C", "java17", "java21"]}, "Architectures": {"Ref": "Archs"}}));
    assert_eq!(both.unwrap().runtimes, ["java17", "java21"]);
}

#[test]
fn unsupported_functions_are_explained() {
    for (props, path, needle) in [
        (
            json!({"Runtime": "nodejs20.x"}),
            "Resources.F.Properties.Runtime",
            "nodejs20.x is not supported",
        ),
        (
            json!({"Runtime": "python2.7"}),
            "Resources.F.Properties.Runtime",
            "python2.7",
        ),
        (
            json!({"Runtime": "java8"}),
            "Resources.F.Properties.Runtime",
            "java8.al2",
        ),
        (
            json!({"Runtime": "python3.12", "Architectures": ["arm64"]}),
            "Resources.F.Properties.Architectures[0]",
            "x86_64 only",
        ),
        (
            json!({"Runtime": "python3.12", "Architectures": [{"Ref": "Arm"}]}),
            "Resources.F.Properties.Architectures[0]",
            "arm64 is not supported",
        ),
        (
            json!({"PackageType": "Image"}),
            "Resources.F.Properties.PackageType",
            "container image",
        ),
        (
            json!({"Runtime": {"Ref": "P"}}),
            "Resources.F.Properties.Runtime",
            "parameter P",
        ),
        (
            json!({"Runtime": {"Fn::If": ["C", "python3.12", "java21"]}}),
            "Resources.F.Properties.Runtime",
            "same language",
        ),
        (
            json!({"Runtime": {"Fn::If": ["C", "python3.12", "nodejs22.x"]}}),
            "Resources.F.Properties.Runtime.Fn::If[2]",
            "nodejs22.x",
        ),
        (
            json!({"Runtime": {"Fn::Sub": "python${V}"}}),
            "Resources.F.Properties.Runtime",
            "Fn::Sub",
        ),
        (json!({}), "Resources.F.Properties.Runtime", "no Runtime"),
    ] {
        let err = facts(props.clone()).unwrap_err();
        assert!(
            err.iter().any(|p| p.path == path && p.message.contains(needle)),
            "{props}: {err:?}"
        );
    }
}
