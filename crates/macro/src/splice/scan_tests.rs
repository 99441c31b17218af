use proptest::prelude::*;

use super::*;

/// The scanner's verdict on a whole text: the value's text, or an error.
fn scan(text: &str) -> Scanned<&str> {
    let mut s = Scanner::new(text);
    let v = s.value()?;
    s.end().map(|()| v)
}

fn serde_accepts(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

#[test]
fn values_are_passed_over_and_given_back_as_text() {
    for text in [
        "0",
        "-12.5e+3",
        "true",
        "null",
        r#""a\"b\\c\u00e9\/""#,
        r#"{"a":[1,{"b":null},[]],"c":{}}"#,
        " [ 1 , \"x\" , { \"k\" : false } ] ",
        r#""long string over eight bytes, with é and 😀 inside""#,
    ] {
        assert_eq!(scan(text), Ok(text.trim()), "{text}");
        assert!(serde_accepts(text));
    }
}

#[test]
fn what_is_not_json_is_refused_where_it_stops() {
    for (text, what) in [
        ("", "expected a value"),
        ("01", "trailing characters after the JSON value"),
        ("1.", "invalid number"),
        ("-", "invalid number"),
        ("1e", "invalid number"),
        ("tru", "expected a value"),
        ("\"abc", "unterminated string"),
        ("\"a\u{1}b\"", "control character in a string"),
        ("\"a\\xb\"", "invalid escape in a string"),
        ("\"\\u12g4\"", "invalid escape in a string"),
        ("[1 2]", "expected , or ] in an array"),
        ("{\"a\" 1}", "expected : after a key"),
        ("{\"a\":1,}", "expected a string key"),
        ("{1:2}", "expected a string key"),
        ("[1,]", "expected a value"),
        ("{\"a\":1", "expected , or } in an object"),
    ] {
        let err = scan(text).unwrap_err();
        assert_eq!(err.what, what, "{text:?}");
        assert!(!serde_accepts(text), "{text:?}");
    }
    let err = scan("{\n  \"a\": [1,\n  2 x]}").unwrap_err();
    assert_eq!((err.line, err.column), (3, 5), "{err}");
}

#[test]
fn nesting_is_bounded() {
    // Deeper text is refused here, and so left to the general lane.
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(scan(&deep(128)).is_ok());
    assert_eq!(scan(&deep(129)).unwrap_err().what, "nesting too deep");
}

#[test]
fn objects_are_walked_key_by_key() {
    let text = r#" {"a" : 1, "b\u0041":{"c":[2]} , "d":"e"} "#;
    let mut s = Scanner::new(text);
    assert!(s.enter_object().unwrap());
    let (mut first, mut seen) = (true, Vec::new());
    while let Some(key) = s.next_key(&mut first).unwrap() {
        seen.push((key.into_owned(), s.value().unwrap()));
    }
    s.end().unwrap();
    assert_eq!(
        seen,
        [
            ("a".into(), "1"),
            ("bA".into(), r#"{"c":[2]}"#),
            ("d".into(), "\"e\"")
        ]
    );
    assert!(!Scanner::new("[1]").enter_object().unwrap());
    assert_eq!(
        array_items(r#"[ "a" , {"b":1} ]"#),
        Some(vec!["\"a\"", r#"{"b":1}"#])
    );
    assert_eq!(array_items("[]"), Some(vec![]));
    assert_eq!(array_items("[1,]"), None);
}

/// Text made of JSON's pieces, often valid and often not.
fn jsonish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        " ",
        "\"k\"",
        "\"a\\\"b\"",
        "\"\\u00e9\"",
        "\"\\x\"",
        "1",
        "-0.5e3",
        "01",
        "true",
        "nul",
        "null",
        "\"",
        "\\",
        "\"long text with é in it\"",
    ]);
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

fn value_tree() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::vec((".{0,6}", inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The scanner accepts exactly what serde_json accepts.
    #[test]
    fn the_scanner_agrees_with_serde_json(text in jsonish()) {
        prop_assert_eq!(scan(&text).is_ok(), serde_accepts(&text), "{:?}", text);
    }

    /// Any JSON serde_json writes, compact or pretty, is passed over whole.
    #[test]
    fn written_json_is_passed_over_whole(v in value_tree()) {
        for text in [v.to_string(), serde_json::to_string_pretty(&v).unwrap()] {
            prop_assert_eq!(scan(&text), Ok(text.as_str()));
        }
    }
}

#[test]
fn compact_drops_whitespace_outside_strings_and_keeps_it_inside() {
    use std::borrow::Cow;
    assert!(matches!(compact(r#""A":"v""#), Some(Cow::Borrowed(_))));
    let spaced = "\"A\" : \"a b\",\r\n\t\"Q\": { \"Ref\" : \"Queue\" }";
    assert_eq!(
        compact(spaced).as_deref(),
        Some(r#""A":"a b","Q":{"Ref":"Queue"}"#)
    );
    assert_eq!(compact(r#""é" : "ü""#).as_deref(), Some(r#""é":"ü""#));
    // serde_json may spell these otherwise: not copied.
    for text in [r#""A":"\u0061""#, r#""A" : "\"""#, r#""N":1.50"#, r#""N": -1"#] {
        assert_eq!(compact(text), None, "{text}");
    }
}
