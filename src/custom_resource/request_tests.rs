use super::*;
use serde_json::json;

#[test]
fn envelope_survives_a_malformed_event_and_hides_the_url() {
    let event = json!({"ResponseURL": "https://x.s3.amazonaws.com/k?sig=SECRET", "RequestId": "r1", "RequestType": 7});
    let env = Envelope::from_event(&event);
    assert_eq!(env.request_id, "r1");
    assert_eq!(env.request_type, "");
    assert!(!format!("{env:?}").contains("SECRET"));
    assert!(parse_action(event).is_err());
}

#[test]
fn fixtures_of_aws_lambda_events_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for (file, kind) in [
        ("create.json", "Create"),
        ("update.json", "Update"),
        ("delete.json", "Delete"),
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let action = parse_action(serde_json::from_str(&text).unwrap()).unwrap();
        let got = match action {
            Action::Create { .. } => "Create",
            Action::Update { .. } => "Update",
            Action::Delete { .. } => "Delete",
        };
        assert_eq!(got, kind);
    }
}
