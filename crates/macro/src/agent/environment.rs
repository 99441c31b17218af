//! Lambda's 4 KB limit on a function's variables, measured as Lambda measures it.

/// Lambda's limit on a function's environment: 4 KB, measured over the compact JSON of its
/// variables (`{"NAME":"value",…}`), as the text its refusal quotes shows.
pub const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// Kept free below [`MAX_ENVIRONMENT_BYTES`]: Lambda does not document its measure, so a
/// configuration that comes this close is refused here rather than by Lambda.
pub const ENVIRONMENT_MARGIN: usize = 32;

/// The most [`environment_size`] may be.
pub const ENVIRONMENT_LIMIT: usize = MAX_ENVIRONMENT_BYTES - ENVIRONMENT_MARGIN;

/// The size Lambda measures for a function's variables: the compact JSON of the map,
/// `{"NAME":"value",…}`. Each character outside ASCII counts as its `\uXXXX` escape (six
/// bytes per UTF-16 unit), the most any JSON writer spends on it, so that the count is
/// never below Lambda's whether it counts characters, bytes or escapes.
pub fn environment_size<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    measured(
        vars.into_iter()
            .map(|(name, value)| (name, json_string_size(value))),
    )
}

/// [`environment_size`] of names with their values' sizes as JSON text (quotes included),
/// for values that are not strings yet (an intrinsic counted at its longest).
pub fn measured<'a>(vars: impl IntoIterator<Item = (&'a str, usize)>) -> usize {
    let mut size = 2; // the braces
    for (i, (name, value)) in vars.into_iter().enumerate() {
        size += usize::from(i > 0) + json_string_size(name) + 1 + value;
    }
    size
}

/// A string's size as JSON text, quotes included, escapes at their longest. Technique: a
/// byte loop over the ASCII that names and values nearly always are; characters only from
/// the first byte outside ASCII.
pub fn json_string_size(s: &str) -> usize {
    let mut size = 2;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        size += match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0x00..=0x1f => 6,
            0x20..=0x7f => 1,
            _ => return size + s[i..].chars().map(char_size).sum::<usize>(),
        };
    }
    size
}

fn char_size(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c if c.is_ascii() => 1,
        c => 6 * c.len_utf16(),
    }
}
