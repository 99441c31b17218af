//! Whether a selection may act (feature `aws`): `--yes`, or a person at a terminal who
//! reads the plan's table and answers; in a pipeline, or for JSON, nothing changes.

use super::{FAILED, Printed, Toggle};

/// Whether a selection may be acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// `--yes`.
    Given,
    /// A person at the terminal is asked.
    Ask,
    /// No one can be asked (a pipeline, or JSON for a program): nothing is changed.
    Refused,
}

/// `--yes` acts; else a terminal asks (for the table, which a person reads), and a
/// pipeline or JSON changes nothing.
pub fn consent(yes: bool, stdin_is_terminal: bool, json: bool) -> Consent {
    match (yes, stdin_is_terminal && !json) {
        (true, _) => Consent::Given,
        (false, true) => Consent::Ask,
        (false, false) => Consent::Refused,
    }
}

/// "1 function", "2 functions".
pub(super) fn functions(n: usize) -> String {
    format!("{n} function{}", if n == 1 { "" } else { "s" })
}

/// The plan, and why nothing was changed: no one could confirm it.
pub(super) fn refused(mut plan: Printed, toggle: Toggle<'_>, changes: usize) -> Printed {
    plan.stderr.push_str(&format!(
        "nothing was changed: to {} {} needs a yes, which no one here can give (no terminal, or JSON for a \
         program); pass --yes (or --dry-run for the plan alone)\n",
        toggle.verb(),
        functions(changes)
    ));
    plan.code = FAILED;
    plan
}

/// Asks on the terminal; only `y` or `yes` goes on.
pub(super) fn asked(toggle: Toggle<'_>, changes: usize) -> bool {
    eprint!(
        "{} {} as planned above? [y/N] ",
        toggle.verb(),
        functions(changes)
    );
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok()
        && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_or_a_person_reading_a_table_lets_a_selection_act() {
        assert_eq!(consent(true, false, false), Consent::Given);
        assert_eq!(consent(true, true, true), Consent::Given);
        assert_eq!(consent(false, true, false), Consent::Ask);
        assert_eq!(
            consent(false, true, true),
            Consent::Refused,
            "JSON is for a program"
        );
        assert_eq!(consent(false, false, false), Consent::Refused);
        assert_eq!(
            (functions(1), functions(2)),
            ("1 function".into(), "2 functions".into())
        );
    }
}
