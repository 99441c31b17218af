//! What the command line prints of text it did not write itself.

/// Text read from AWS (or given by the user) as the command line prints it: a character
/// that would act on the terminal instead of being shown (a control character, an escape
/// sequence's start, a bidirectional override) is written as its escape, `\u{1b}`. A
/// function's own variables, which a problem can quote (the group it names), are anyone's
/// to set.
pub(crate) fn printable(text: &str) -> String {
    let acts = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(acts) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| match acts(c) {
            true => c.escape_unicode().to_string(),
            false => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
#[path = "printable_tests.rs"]
mod tests;
