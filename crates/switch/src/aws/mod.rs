//! Talking to AWS: the clients and the administrator's settings ([`clients`]), and an AWS
//! call's failure kept as its code and class, never its message ([`failure`]).

mod clients;
pub mod failure;

pub use clients::*;

/// Whether a page's `next` token repeats the one before it (`previous`, which it then
/// replaces): such an answer would page for ever, and ending there would miss what the
/// later pages hold, so a caller takes it for an incomplete answer, never the end.
pub fn repeated(previous: &mut Option<String>, next: Option<&str>) -> bool {
    let next = next.filter(|t| !t.is_empty());
    if next.is_some() && next == previous.as_deref() {
        return true;
    }
    *previous = next.map(str::to_owned);
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_twice_in_a_row_is_repeated_and_an_empty_one_is_the_end() {
        let mut previous = None;
        assert!(!super::repeated(&mut previous, Some("a")));
        assert!(!super::repeated(&mut previous, Some("b")));
        assert!(super::repeated(&mut previous, Some("b")));
        assert!(!super::repeated(&mut previous, Some("")));
        assert_eq!(previous, None);
        assert!(!super::repeated(&mut previous, None));
    }
}
