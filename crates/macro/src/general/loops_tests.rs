use serde_json::json;

use super::*;

fn workers(props: Value) -> Value {
    json!(["Name", ["A", "B"], {
        "Queue${Name}": {"Type": "AWS::SQS::Queue"},
        "Fn::ForEach::Inner": ["Size", ["S"], {
            "Worker${Name}${Size}": {"Type": "AWS::Lambda::Function", "Properties": props}
        }]
    }])
}

#[test]
fn a_loop_whose_function_asks_for_profiling_gets_the_fix() {
    let err = check(
        "Fn::ForEach::Workers",
        &workers(json!({"Profiling": true})),
        false,
    )
    .unwrap_err();
    assert_eq!(err.path, "Resources.Fn::ForEach::Workers");
    assert!(err.message.contains("Worker${Name}${Size}"), "{err}");
    assert!(
        err.message
            .contains("list AWS::LanguageExtensions before LambdaProfiling"),
        "{err}"
    );
}

#[test]
fn a_loop_without_profiling_is_left_alone_and_the_default_says_why_it_skips() {
    let body = workers(json!({"Runtime": "python3.12"}));
    assert_eq!(check("Fn::ForEach::Workers", &body, false), Ok(None));
    let skipped = check("Fn::ForEach::Workers", &body, true).unwrap().unwrap();
    assert!(
        matches!(skipped.outcome, FunctionOutcome::Skipped { ref reason } if reason.contains("AWS::LanguageExtensions"))
    );
    let queues = json!(["Name", ["A"], {"Queue${Name}": {"Type": "AWS::SQS::Queue"}}]);
    assert_eq!(check("Fn::ForEach::Queues", &queues, true), Ok(None));
}
