//! Writing JSON text directly: both lanes write their answers as bytes, copying the
//! input's text where nothing changed. Everything here writes what serde_json writes.

use serde::Serialize;

// SWAR ("SIMD within a register"): eight bytes of a string are tested at once with the
// zero-byte trick, `(v - 0x0101…) & !v & 0x8080…`, applied to the word xor-ed with each
// byte sought. Strings are most of a template's bytes, and nearly none hold escapes, so
// finding that a whole word holds none is the common case.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that is `"`, `\` or a control character. Bits
/// above the first true one may be wrong (borrows), so only the lowest is read.
pub(crate) fn specials(w: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    zero(w ^ (ONES * u64::from(b'"')))
        | zero(w ^ (ONES * u64::from(b'\\')))
        | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS)
}

/// `,"key":` (no comma before the first) for a key known to need no escapes, such as
/// one the scanner read unescaped.
pub(crate) fn write_unescaped_key(out: &mut Vec<u8>, index: usize, key: &[u8]) {
    if index > 0 {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(key);
    out.extend_from_slice(b"\":");
}

/// `,"key":` for any key: escaped when it must be.
pub(crate) fn write_key(out: &mut Vec<u8>, index: usize, key: &str) {
    if needs_no_escape(key.as_bytes()) {
        return write_unescaped_key(out, index, key.as_bytes());
    }
    if index > 0 {
        out.push(b',');
    }
    write_value(out, key);
    out.push(b':');
}

/// Writes `s` as a JSON string; quickly when it needs no escapes, as nearly every name
/// and ARN the macro writes.
pub(crate) fn write_string(out: &mut Vec<u8>, s: &str) {
    if needs_no_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        write_value(out, s);
    }
}

/// Writes any value as serde_json does, compact.
pub(crate) fn write_value<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// No `"`, `\` or control character: eight bytes at a time ([`specials`]), then the rest.
fn needs_no_escape(b: &[u8]) -> bool {
    let mut chunks = b.chunks_exact(8);
    chunks.all(|c| specials(u64::from_le_bytes(c.try_into().unwrap_or_default())) == 0)
        && chunks
            .remainder()
            .iter()
            .all(|&c| c >= 0x20 && c != b'"' && c != b'\\')
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
