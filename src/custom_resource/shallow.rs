//! The top-level string fields of a JSON object, read without descending into the nested
//! values: a loop that skips each nested value with a depth counter, not recursion. It
//! runs on every macro request (is it a custom resource's event?), so it jumps: to a
//! string's end with `memchr`, and between strings to the next structural byte.
//!
//! serde_json refuses JSON nested deeper than 128 levels, so an event whose properties
//! nest that deep cannot be parsed whole; its envelope (`ResponseURL`, `RequestId`, …) is
//! still at the top level, and every event with a usable `ResponseURL` must be answered.

use serde_json::{Map, Value};

/// The object's top-level fields whose values are strings (other values are skipped);
/// `None` when the text is not a JSON object this loop can walk.
pub(crate) fn string_fields(text: &str) -> Option<Map<String, Value>> {
    let mut r = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut fields = Map::new();
    r.skip_space();
    r.expect(b'{')?;
    r.skip_space();
    if r.peek()? == b'}' {
        return Some(fields);
    }
    loop {
        r.skip_space();
        let key = r.string()?;
        r.skip_space();
        r.expect(b':')?;
        r.skip_space();
        if r.peek()? == b'"' {
            let value = r.string()?;
            fields.entry(key).or_insert(Value::String(value));
        } else {
            r.skip_value()?;
        }
        r.skip_space();
        match r.next()? {
            b',' => continue,
            b'}' => return Some(fields),
            _ => return None,
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// The end of the string that starts here (just past its closing quote).
    fn string_end(&self) -> Option<usize> {
        let mut i = self.at + 1;
        loop {
            i += self
                .bytes
                .get(i..)?
                .iter()
                .position(|&b| b == b'"' || b == b'\\')?;
            match self.bytes[i] {
                b'\\' => i += 2,
                _ => return Some(i + 1),
            }
        }
    }

    /// A string, unescaped by serde_json (a string does not nest).
    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let end = self.string_end()?;
        let text = std::str::from_utf8(&self.bytes[self.at..end]).ok()?;
        self.at = end;
        serde_json::from_str(text).ok()
    }

    /// Skips one value of any depth: strings whole, brackets counted, and what lies
    /// between structural bytes (numbers, literals, whitespace) passed over.
    fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            self.at += self
                .bytes
                .get(self.at..)?
                .iter()
                .position(|&b| STRUCTURAL[usize::from(b)])?;
            match self.bytes[self.at] {
                b'"' => self.at = self.string_end()?,
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    self.at += 1;
                }
                _ if depth == 0 => return Some(()),
                _ => self.at += 1, // a comma inside
            }
            if depth == 0 && matches!(self.peek(), Some(b',' | b'}')) {
                return Some(());
            }
        }
    }
}

/// The bytes [`Reader::skip_value`] stops at: quotes, brackets and commas.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(i as u8, b'"' | b'{' | b'}' | b'[' | b']' | b',');
        i += 1;
    }
    table
};

#[cfg(test)]
#[path = "shallow_tests.rs"]
mod tests;
