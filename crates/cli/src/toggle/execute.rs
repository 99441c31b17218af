//! Running `enable` and `disable` against AWS (feature `aws`): the custom resource's
//! clients made from the command line's session, one function after another in order of
//! the arguments (or of the region, for `--all`), a few at once. A selection is planned
//! first (a dry run of each function it takes), and acted on once confirmed.

use std::io::IsTerminal as _;

use futures_util::StreamExt;
use lambda_profiling_switch::toggle::{self, Job, ToggleError};
use lambda_profiling_switch::{Clients, ReferenceTable, Settings};

use super::render::{Line, report};
use super::{FAILED, Printed, Toggle};
use super::{rollout, table};
use crate::session::Session;

/// Functions changed at once: each waits for Lambda's update to finish.
const AT_ONCE: usize = 4;

/// Whether a selection may be acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// `--yes`.
    Given,
    /// A person at the terminal is asked.
    Ask,
    /// No one can be asked (a pipeline): nothing is changed.
    Refused,
}

/// `--yes` acts; else a terminal asks, and a pipeline changes nothing.
pub fn consent(yes: bool, stdin_is_terminal: bool) -> Consent {
    match (yes, stdin_is_terminal) {
        (true, _) => Consent::Given,
        (false, true) => Consent::Ask,
        (false, false) => Consent::Refused,
    }
}

/// The whole of `enable` or `disable` but the process.
pub async fn execute(toggle: Toggle<'_>, session: &Session) -> Printed {
    execute_with(toggle, session, std::io::stdin().is_terminal()).await
}

/// [`execute`], told whether a person at a terminal can be asked to confirm a selection.
pub async fn execute_with(toggle: Toggle<'_>, session: &Session, stdin_is_terminal: bool) -> Printed {
    let common = toggle.common();
    let mut regions: Vec<String> = Vec::new();
    for r in common
        .regions
        .iter()
        .cloned()
        .chain(session.region().filter(|_| common.regions.is_empty()))
    {
        if !regions.contains(&r) {
            regions.push(r);
        }
    }
    let home = match (&common.reference_region, regions.as_slice()) {
        (_, []) => {
            return failed("no region: pass --region, or set AWS_REGION or a region in your AWS profile");
        }
        (Some(home), _) => home.clone(),
        (None, [one]) => one.clone(),
        (None, _) => {
            return failed(
                "several --region need --reference-region: the macro stacks' HomeRegion, where the one \
                 references table of the account is",
            );
        }
    };
    if regions.len() > 1 && !toggle.selection().all {
        return failed("name functions in one --region at a time; --all selects in several");
    }
    let table = ReferenceTable {
        name: common.reference_table.clone(),
        region: home,
        absent_reads_empty: true,
    };
    let clients: Vec<Clients> = regions
        .iter()
        .map(|region| {
            let endpoint = |service: &str| session.endpoint(service);
            Clients::from_config(
                session.config(),
                region,
                table.clone(),
                endpoint,
                Settings::default(),
            )
        })
        .collect();
    // Only `enable` records anything: where no macro stack made the table, it makes it
    // before its first change (a plan only says so).
    let missing = matches!(toggle, Toggle::Enable(a) if !a.upgrade) && table::absent(&clients[0]).await;
    if toggle.selection().all {
        return rollout::run_all(toggle, session, &clients, missing, stdin_is_terminal).await;
    }
    let clients = &clients[0];
    let note = match (missing, common.dry_run) {
        (false, _) => String::new(),
        (true, true) => table::would_create(clients),
        (true, false) => match table::create(clients).await {
            Ok(said) => said,
            Err(e) => return failed(&e),
        },
    };
    let lines = run(toggle, clients, toggle.functions(), common.dry_run).await;
    noted(report(toggle, common.dry_run, &[], &lines), &note)
}

/// The report with a note about the references table before its own words on stderr.
pub(super) fn noted(mut printed: Printed, note: &str) -> Printed {
    printed.stderr.insert_str(0, note);
    printed
}

/// Runs `toggle` on each function, a few at once, in order.
pub(super) async fn run(
    toggle: Toggle<'_>,
    clients: &Clients,
    functions: &[String],
    dry_run: bool,
) -> Vec<Line> {
    let common = toggle.common();
    let (group_name, layer_arn, upgrade) = match toggle {
        Toggle::Enable(a) => (a.profiling_group_name.clone(), a.layer_arn.clone(), a.upgrade),
        Toggle::Disable(_) => (None, None, false),
    };
    futures_util::stream::iter(functions)
        .map(|function| {
            let request = Job {
                function: function.clone(),
                group_name: group_name.clone(),
                layer_arn: layer_arn.clone(),
                upgrade,
                force: common.force,
                dry_run,
            };
            async move {
                let result = match toggle {
                    Toggle::Enable(_) => toggle::enable(clients, &request).await,
                    Toggle::Disable(_) => toggle::disable(clients, &request).await,
                };
                Line {
                    function: request.function,
                    result: result.map_err(|e: ToggleError| e.to_string()),
                }
            }
        })
        .buffered(AT_ONCE)
        .collect()
        .await
}

pub(super) fn failed(why: &str) -> Printed {
    Printed {
        stdout: String::new(),
        stderr: format!("{why}\n"),
        code: FAILED,
    }
}

/// The plan, and why nothing was changed: no one could be asked.
pub(super) fn refused(mut plan: Printed, toggle: Toggle<'_>, changes: usize) -> Printed {
    plan.stderr.push_str(&format!(
        "nothing was changed: {} {changes} functions needs a yes, and no terminal can give it; pass --yes \
         (or --dry-run for the plan alone)\n",
        toggle.verb()
    ));
    plan.code = FAILED;
    plan
}

/// Asks on the terminal; only `y` or `yes` goes on.
pub(super) fn asked(toggle: Toggle<'_>, changes: usize) -> bool {
    eprint!("{} {changes} functions as planned above? [y/N] ", toggle.verb());
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok()
        && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_or_a_person_lets_a_selection_act() {
        assert_eq!(consent(true, false), Consent::Given);
        assert_eq!(consent(true, true), Consent::Given);
        assert_eq!(consent(false, true), Consent::Ask);
        assert_eq!(consent(false, false), Consent::Refused);
    }
}
