//! Running `enable` and `disable` against AWS (feature `aws`): the custom resource's
//! clients made from the command line's session, one function after another in order of
//! the arguments (or of the region, for `--all`), a few at once. A selection is planned
//! first (a dry run of each function it takes), and acted on once confirmed.

use std::io::IsTerminal as _;

use futures_util::StreamExt;
use lambda_profiling_switch::toggle::{self, Job, ToggleError};
use lambda_profiling_switch::{Clients, ReferenceTable, Settings};

use super::render::{Line, report};
use super::select::Filter;
use super::{FAILED, Printed, Toggle};
use super::{fleet, table};
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
    let Some(region) = common.region.clone().or_else(|| session.region()) else {
        return failed("no region: pass --region, or set AWS_REGION or a region in your AWS profile");
    };
    let table = ReferenceTable {
        name: common.reference_table.clone(),
        region: common.reference_region.clone().unwrap_or_else(|| region.clone()),
        absent_reads_empty: true,
    };
    let clients = Clients::from_config(
        session.config(),
        &region,
        table,
        |service| session.endpoint(service),
        Settings::default(),
    );
    // Only `enable` records anything: where no macro stack made the table, it makes it
    // before its first change (a plan only says so).
    let missing = matches!(toggle, Toggle::Enable(a) if !a.upgrade) && table::absent(&clients).await;
    if toggle.selection().all {
        return selection(toggle, session, &clients, &region, missing, stdin_is_terminal).await;
    }
    let note = match (missing, common.dry_run) {
        (false, _) => String::new(),
        (true, true) => table::would_create(&clients),
        (true, false) => match table::create(&clients).await {
            Ok(said) => said,
            Err(e) => return failed(&e),
        },
    };
    let lines = run(toggle, &clients, toggle.functions(), common.dry_run).await;
    noted(report(toggle, common.dry_run, &[], &lines), &note)
}

/// `--all`: the selection planned, confirmed, then acted on.
async fn selection(
    toggle: Toggle<'_>,
    session: &Session,
    clients: &Clients,
    region: &str,
    missing: bool,
    stdin_is_terminal: bool,
) -> Printed {
    let common = toggle.common();
    let selected = match Filter::new(toggle.selection()) {
        Ok(filter) => fleet::select(session, region, toggle, &filter).await,
        Err(e) => Err(e.to_string()),
    };
    let selected = match selected {
        Ok(selected) => selected,
        Err(e) => return failed(&e),
    };
    let plan_lines = run(toggle, clients, &selected.taken, true).await;
    let plan_note = if missing {
        table::would_create(clients)
    } else {
        String::new()
    };
    let plan = noted(report(toggle, true, &selected.skipped, &plan_lines), &plan_note);
    let changes = plan_lines.iter().filter(|l| l.changes()).count();
    if common.dry_run || changes == 0 {
        return plan;
    }
    match consent(common.yes, stdin_is_terminal) {
        Consent::Given => {}
        Consent::Refused => return refused(plan, toggle, changes),
        Consent::Ask => {
            print!("{}", plan.stdout);
            eprint!("{}", plan.stderr);
            if !asked(toggle, changes) {
                return Printed {
                    stdout: String::new(),
                    stderr: "nothing was changed\n".into(),
                    code: 0,
                };
            }
        }
    }
    let note = match missing {
        false => String::new(),
        true => match table::create(clients).await {
            Ok(said) => said,
            Err(e) => return failed(&e),
        },
    };
    // Only the functions the plan would change are run again; the others keep the plan's
    // word (nothing to do, or why it failed), in the plan's order.
    let to_change: Vec<String> = plan_lines
        .iter()
        .filter(|l| l.changes())
        .map(|l| l.function.clone())
        .collect();
    let mut acted = run(toggle, clients, &to_change, false).await.into_iter();
    let lines: Vec<Line> = plan_lines
        .into_iter()
        .map(|planned| match planned.changes() {
            true => acted.next().expect("one result per function run"),
            false => planned,
        })
        .collect();
    noted(report(toggle, false, &selected.skipped, &lines), &note)
}

/// The report with a note about the references table before its own words on stderr.
fn noted(mut printed: Printed, note: &str) -> Printed {
    printed.stderr.insert_str(0, note);
    printed
}

/// Runs `toggle` on each function, a few at once, in order.
async fn run(toggle: Toggle<'_>, clients: &Clients, functions: &[String], dry_run: bool) -> Vec<Line> {
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

fn failed(why: &str) -> Printed {
    Printed {
        stdout: String::new(),
        stderr: format!("{why}\n"),
        code: FAILED,
    }
}

/// The plan, and why nothing was changed: no one could be asked.
fn refused(mut plan: Printed, toggle: Toggle<'_>, changes: usize) -> Printed {
    plan.stderr.push_str(&format!(
        "nothing was changed: {} {changes} functions needs a yes, and no terminal can give it; pass --yes \
         (or --dry-run for the plan alone)\n",
        toggle.verb()
    ));
    plan.code = FAILED;
    plan
}

/// Asks on the terminal; only `y` or `yes` goes on.
fn asked(toggle: Toggle<'_>, changes: usize) -> bool {
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
