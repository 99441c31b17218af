//! "Did you mean …?": the known name nearest to a mistyped one, for the errors of
//! both the macro and the custom resource.

/// The known name nearest to `word` (ignoring case), if it is near enough to be a likely typo.
pub fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let word = word.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (strsim::levenshtein(&word, &k.to_ascii_lowercase()), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
#[path = "suggest_tests.rs"]
mod tests;
