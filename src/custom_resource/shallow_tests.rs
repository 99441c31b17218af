use serde_json::json;

use super::*;

fn deep(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

#[test]
fn the_envelope_of_an_event_nested_past_serdes_limit_is_read() {
    let text = format!(
        r#"{{"RequestType":"Delete","ResponseURL":"https://h/k?a=1&b=\"2\"","ResourceProperties":{{"Deep":{}}},
        "StackId" : "arn:aws:cloudformation:us-east-1:1:stack/s/1", "PhysicalResourceId": "role:r", "N": 3}}"#,
        deep(200)
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "serde_json's limit applies"
    );
    let fields = string_fields(&text).unwrap();
    assert_eq!(fields["RequestType"], "Delete");
    assert_eq!(fields["ResponseURL"], "https://h/k?a=1&b=\"2\"");
    assert_eq!(fields["StackId"], "arn:aws:cloudformation:us-east-1:1:stack/s/1");
    assert_eq!(fields["PhysicalResourceId"], "role:r");
    assert!(!fields.contains_key("ResourceProperties") && !fields.contains_key("N"));
}

#[test]
fn strings_with_brackets_and_escapes_do_not_confuse_the_depth() {
    let text = r#"{"A":{"x":"}]{[\"","y":[1,{"z":"]"}]},"B":"b\u00e9","C":[],"D":{}}"#;
    let fields = string_fields(text).unwrap();
    assert_eq!(fields, json!({"B": "bé"}).as_object().unwrap().clone());
    assert_eq!(string_fields("{}").unwrap().len(), 0);
}

#[test]
fn what_is_not_an_object_is_none() {
    for bad in [
        "",
        "[1]",
        "\"s\"",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":\"b\"",
        "{\"a\":\"b\" \"c\"}",
        "{1:2}",
    ] {
        assert!(string_fields(bad).is_none(), "{bad}");
    }
}
