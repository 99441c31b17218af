use serde_json::json;

use super::*;

const PY: &str = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13";

#[test]
fn picks_the_layer_by_precedence() {
    let mut settings = TransformSettings::default();
    let none = Options::default();
    assert_eq!(
        agent_layer(Family::Python, &none, &settings, "us-east-1", "P").unwrap(),
        json!(PY)
    );
    settings.python_layer.version = Some(7);
    assert!(
        agent_layer(Family::Python, &none, &settings, "us-east-1", "P")
            .unwrap()
            .as_str()
            .unwrap()
            .ends_with(":7")
    );
    let own = Options {
        layer: LayerOverride {
            version: Some(9),
            arn: None,
        },
        ..Default::default()
    };
    assert!(
        agent_layer(Family::Python, &own, &settings, "us-east-1", "P")
            .unwrap()
            .as_str()
            .unwrap()
            .ends_with(":9")
    );
    let err = agent_layer(Family::Java, &none, &settings, "eu-south-1", "P").unwrap_err();
    assert!(
        err[0].message.contains("eu-south-1") && err[0].message.contains("JavaLayerArn"),
        "{err:?}"
    );
    settings.java_layer.arn = Some(json!("arn:aws:lambda:eu-south-1:1:layer:mirror:1"));
    assert_eq!(
        agent_layer(Family::Java, &none, &settings, "eu-south-1", "P").unwrap(),
        json!("arn:aws:lambda:eu-south-1:1:layer:mirror:1")
    );
}
