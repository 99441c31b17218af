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

#[test]
fn a_pretty_printed_macro_request_is_walked_to_its_end() {
    // Whitespace, numbers and literals between the structural bytes are jumped over; a
    // ResponseURL inside the fragment is not the event's.
    let event = json!({
        "region": "us-east-1",
        "fragment": {"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {
            "MemorySize": 1024, "Tracing": null, "Enabled": true, "Ratio": -1.5e3,
            "Environment": {"Variables": {"ResponseURL": "https://not-the-event", "Q": "a \"quoted\" \\ }"}},
            "Layers": []
        }}}},
        "transformId": "123456789012::LambdaProfiling",
        "params": {},
        "requestId": "r-1",
        "templateParameterValues": {"N": 3}
    });
    for text in [event.to_string(), serde_json::to_string_pretty(&event).unwrap()] {
        let text = text.replace('\n', "\r\n");
        let fields = string_fields(&text).unwrap();
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["region", "transformId", "requestId"], "{text}");
        assert_eq!(fields["requestId"], "r-1");
    }
}

/// A small deterministic generator (xorshift): values of every kind, strings with the
/// bytes that could mislead a skipping reader (quotes, backslashes, brackets, commas).
struct Gen(u64);

impl Gen {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn string(&mut self) -> String {
        const PIECES: [&str; 10] = ["a", "\"", "\\", "}", "]", "{[", ",", " ", "é", "\\\""];
        (0..self.next(6))
            .map(|_| PIECES[self.next(10) as usize])
            .collect()
    }

    fn value(&mut self, depth: u32) -> serde_json::Value {
        match self.next(if depth > 3 { 5 } else { 7 }) {
            0 => serde_json::Value::Null,
            1 => json!(self.next(2) == 0),
            2 => json!(self.next(1000) as f64 / 8.0 - 60.0),
            3 | 4 => json!(self.string()),
            5 => (0..self.next(4)).map(|_| self.value(depth + 1)).collect(),
            _ => {
                let map = (0..self.next(4)).map(|i| (format!("{i}{}", self.string()), self.value(depth + 1)));
                serde_json::Value::Object(map.collect())
            }
        }
    }
}

#[test]
fn the_fields_are_serde_jsons_whatever_the_formatting() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    for case in 0..400 {
        let top: serde_json::Map<String, serde_json::Value> = (0..g.next(6))
            .map(|i| (format!("k{i}{}", g.string()), g.value(0)))
            .collect();
        let expected: serde_json::Map<String, serde_json::Value> = top
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let value = serde_json::Value::Object(top);
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        for text in [value.to_string(), pretty.replace('\n', "\r\n"), pretty] {
            assert_eq!(
                string_fields(&text),
                Some(expected.clone()),
                "case {case}: {text}"
            );
        }
    }
}
