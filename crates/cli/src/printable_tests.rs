use super::*;

#[test]
fn plain_text_is_kept_and_terminal_controls_are_escaped() {
    assert_eq!(printable("orders-prod é"), "orders-prod é");
    assert_eq!(
        printable("a\u{1b}[2Jb\nc\u{202e}"),
        "a\\u{1b}[2Jb\\u{a}c\\u{202e}"
    );
}
