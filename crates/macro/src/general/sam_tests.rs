use super::*;
use serde_json::json;

#[test]
fn merges_as_sam_does() {
    assert_eq!(
        merge(&json!("python3.11"), &json!("python3.12")),
        json!("python3.12")
    );
    assert_eq!(merge(&json!(["a"]), &json!(["b"])), json!(["a", "b"]));
    assert_eq!(merge(&json!(["a"]), &json!({"Ref": "L"})), json!({"Ref": "L"}));
    assert_eq!(
        merge(
            &json!({"Variables": {"A": "1", "B": "1"}}),
            &json!({"Variables": {"B": "2"}})
        ),
        json!({"Variables": {"A": "1", "B": "2"}})
    );
    assert_eq!(
        merge(
            &json!({"Variables": {"A": "1"}}),
            &json!({"Fn::If": ["C", {}, {}]})
        ),
        json!({"Fn::If": ["C", {}, {}]})
    );
}
