//! A JSON scanner over a request's text: it checks that the text is JSON as it goes
//! and tells where each value starts and ends, without building values. The splice
//! lane reads requests with it ([`crate::request`]); the values it passes over are
//! copied to the answer as the text they are.

use std::borrow::Cow;
use std::fmt;

use crate::rules::json::specials;

/// Nesting deeper than this is refused (a request so deep goes to the general lane).
const MAX_DEPTH: usize = 128;

/// Where the text stops being JSON, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    pub line: usize,
    pub column: usize,
    pub what: &'static str,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {}", self.what, self.line, self.column)
    }
}

impl std::error::Error for ScanError {}

pub(crate) type Scanned<T> = Result<T, ScanError>;

pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            depth: 0,
        }
    }

    /// Where the scanner is, in bytes from the start.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Where the scanner is and how deep: to come back to with [`Self::rewind`].
    pub(crate) fn checkpoint(&self) -> (usize, usize) {
        (self.pos, self.depth)
    }

    /// Back to a [`Self::checkpoint`], to read the same text again another way.
    pub(crate) fn rewind(&mut self, (pos, depth): (usize, usize)) {
        (self.pos, self.depth) = (pos, depth);
    }

    /// The text from `start` to where the scanner is, whitespace around it trimmed.
    pub(crate) fn text_since(&self, start: usize) -> &'a str {
        self.text[start..self.pos].trim_matches([' ', '\n', '\r', '\t'])
    }

    /// Bytes not yet scanned.
    pub(crate) fn remaining(&self) -> usize {
        self.text.len() - self.pos
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub(crate) fn error(&self, what: &'static str) -> ScanError {
        let before = &self.text.as_bytes()[..self.pos.min(self.text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = self.pos - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        ScanError { line, column, what }
    }

    fn skip_ws(&mut self) {
        let b = self.bytes();
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte that is not whitespace.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes().get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Scanned<()> {
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.error(what)),
        }
    }

    /// Passes over a string whose opening quote is at `self.pos`; whether it held escapes.
    fn skip_string(&mut self) -> Scanned<bool> {
        let b = self.bytes();
        let mut i = self.pos + 1;
        let mut escaped = false;
        loop {
            while let Some(chunk) = b.get(i..i + 8) {
                let found = specials(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
                if found != 0 {
                    i += (found.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match b.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    i += match b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => 2,
                        Some(b'u')
                            if b.get(i + 2..i + 6)
                                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                        {
                            6
                        }
                        _ => {
                            self.pos = i;
                            return Err(self.error("invalid escape in a string"));
                        }
                    };
                }
                Some(&c) if c < 0x20 => {
                    self.pos = i;
                    return Err(self.error("control character in a string"));
                }
                Some(_) => i += 1,
                None => {
                    self.pos = i;
                    return Err(self.error("unterminated string"));
                }
            }
        }
    }

    /// A string value, unescaped (borrowed when it holds no escapes).
    pub(crate) fn string(&mut self) -> Scanned<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        let start = self.pos;
        if !self.skip_string()? {
            return Ok(Cow::Borrowed(&self.text[start + 1..self.pos - 1]));
        }
        // Escapes are rare in keys and names: serde_json decodes them.
        serde_json::from_str(&self.text[start..self.pos])
            .map_err(|_| self.error("invalid escape in a string"))
    }

    fn skip_number(&mut self) -> Scanned<()> {
        let b = self.bytes();
        let digits = |i: &mut usize| {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > start
        };
        let mut i = self.pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let whole = match b.get(i) {
            Some(b'0') => {
                i += 1;
                true
            }
            Some(b'1'..=b'9') => digits(&mut i),
            _ => false,
        };
        let fraction = b.get(i) != Some(&b'.') || {
            i += 1;
            digits(&mut i)
        };
        let exponent = !matches!(b.get(i), Some(b'e' | b'E')) || {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            digits(&mut i)
        };
        self.pos = i;
        match whole && fraction && exponent {
            true => Ok(()),
            false => Err(self.error("invalid number")),
        }
    }

    fn skip_scalar(&mut self) -> Scanned<()> {
        let rest = &self.bytes()[self.pos..];
        match rest.first() {
            Some(b'"') => self.skip_string().map(drop),
            Some(b'-' | b'0'..=b'9') => self.skip_number(),
            _ => match ["true", "false", "null"]
                .iter()
                .find(|w| rest.starts_with(w.as_bytes()))
            {
                Some(word) => {
                    self.pos += word.len();
                    Ok(())
                }
                None => Err(self.error("expected a value")),
            },
        }
    }

    /// Passes over one value, checking it; its text.
    pub(crate) fn value(&mut self) -> Scanned<&'a str> {
        self.skip_ws();
        let start = self.pos;
        // Containers open here, one bit each (1: an object), innermost lowest.
        let (mut open, mut open_len) = (0u128, 0usize);
        'value: loop {
            match self.peek() {
                Some(c @ (b'{' | b'[')) => {
                    if self.depth + open_len >= MAX_DEPTH {
                        return Err(self.error("nesting too deep"));
                    }
                    self.pos += 1;
                    let object = c == b'{';
                    match (self.peek(), object) {
                        (Some(b'}'), true) | (Some(b']'), false) => self.pos += 1,
                        _ => {
                            (open, open_len) = ((open << 1) | u128::from(object), open_len + 1);
                            if object {
                                self.string_key()?;
                            }
                            continue 'value;
                        }
                    }
                }
                _ => self.skip_scalar()?,
            }
            // After a value: a comma and the next, or the end of its container.
            loop {
                if open_len == 0 {
                    return Ok(&self.text[start..self.pos]);
                }
                let object = open & 1 == 1;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.string_key()?;
                        }
                        continue 'value;
                    }
                    Some(b'}') if object => self.pos += 1,
                    Some(b']') if !object => self.pos += 1,
                    _ if object => return Err(self.error("expected , or } in an object")),
                    _ => return Err(self.error("expected , or ] in an array")),
                }
                (open, open_len) = (open >> 1, open_len - 1);
            }
        }
    }

    /// `"key":` inside [`Self::value`].
    fn string_key(&mut self) -> Scanned<()> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string key"));
        }
        self.skip_string()?;
        self.expect(b':', "expected : after a key")
    }

    /// Opens an object if one comes next (`true`); else leaves the text as it is.
    pub(crate) fn enter_object(&mut self) -> Scanned<bool> {
        if self.peek() != Some(b'{') {
            return Ok(false);
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.pos += 1;
        self.depth += 1;
        Ok(true)
    }

    /// The next key of an object opened by [`Self::enter_object`] (its value comes next),
    /// or `None` at the object's end. `first` is true until the first key is read.
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Scanned<Option<Cow<'a, str>>> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                // Unbalanced only if a caller skipped `enter_object`: never a panic.
                self.depth = self.depth.saturating_sub(1);
                return Ok(None);
            }
            Some(b',') if !*first => self.pos += 1,
            _ if *first => {}
            _ => return Err(self.error("expected , or } in an object")),
        }
        *first = false;
        let key = self.string()?;
        self.expect(b':', "expected : after a key")?;
        Ok(Some(key))
    }

    /// Checks that only whitespace is left.
    pub(crate) fn end(&mut self) -> Scanned<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters after the JSON value")),
        }
    }
}

/// A value's text as serde_json writes it, so that copying it gives the general lane's
/// bytes: its whitespace outside strings dropped (the text itself when it has none, the
/// common case), or `None` when it has escapes or numbers, whose spelling serde_json may
/// change (`\u0061`, `1.50`, `1e1`). The value is known to be JSON. Technique: one pass
/// that only counts, and a second that copies only when there is whitespace to drop.
pub(crate) fn compact(value: &str) -> Option<Cow<'_, str>> {
    let mut in_string = false;
    let mut spaces = 0;
    for &b in value.as_bytes() {
        match (in_string, b) {
            (_, b'\\') => return None,
            (_, b'"') => in_string = !in_string,
            (false, b' ' | b'\n' | b'\r' | b'\t') => spaces += 1,
            (false, b'-' | b'0'..=b'9') => return None,
            _ => {}
        }
    }
    if spaces == 0 {
        return Some(Cow::Borrowed(value));
    }
    let mut out = Vec::with_capacity(value.len() - spaces);
    in_string = false;
    for &b in value.as_bytes() {
        match (in_string, b) {
            (_, b'"') => in_string = !in_string,
            (false, b' ' | b'\n' | b'\r' | b'\t') => continue,
            _ => {}
        }
        out.push(b);
    }
    // Only ASCII bytes were dropped, so the rest is still UTF-8.
    String::from_utf8(out).ok().map(Cow::Owned)
}

/// `["a", "b"]`: its two strings, or `None` for anything else.
pub(crate) fn string_pair(text: &str) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    let mut s = Scanner::new(text);
    s.expect(b'[', "expected [").ok()?;
    let first = s.string().ok()?;
    s.expect(b',', "expected , in an array").ok()?;
    let second = s.string().ok()?;
    s.expect(b']', "expected ]").ok()?;
    s.end().ok().map(|()| (first, second))
}

/// A string's value, or `None` when `text` is not a string.
pub(crate) fn string_value(text: &str) -> Option<Cow<'_, str>> {
    let mut s = Scanner::new(text);
    let value = s.string().ok()?;
    s.end().ok().map(|()| value)
}

/// An array's items as raw text, or `None` when `text` is not an array.
pub(crate) fn array_items(text: &str) -> Option<Vec<&str>> {
    let mut s = Scanner::new(text);
    if s.peek() != Some(b'[') {
        return None;
    }
    s.pos += 1;
    let mut items = Vec::new();
    if s.peek() == Some(b']') {
        s.pos += 1;
    } else {
        loop {
            items.push(s.value().ok()?);
            match s.peek() {
                Some(b',') => s.pos += 1,
                Some(b']') => {
                    s.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    s.end().ok().map(|()| items)
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
