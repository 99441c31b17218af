use super::*;

#[test]
fn strings_are_written_as_serde_json_writes_them() {
    for s in [
        "",
        "plain",
        "arn:aws:lambda:us-east-1:1:layer:x:1",
        "q\"uote",
        "back\\slash",
        "tab\there",
        "é😀 and more than eight",
        "\u{1f}",
    ] {
        let mut out = Vec::new();
        write_string(&mut out, s);
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap());
    }
}

#[test]
fn keys_are_written_as_serde_json_writes_them() {
    for (i, key) in ["Plain", "with \"quote\"", "tab\t", "é"].into_iter().enumerate() {
        let mut out = Vec::new();
        write_key(&mut out, i, key);
        let comma = if i > 0 { "," } else { "" };
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{comma}{}:", serde_json::to_string(key).unwrap())
        );
    }
}
