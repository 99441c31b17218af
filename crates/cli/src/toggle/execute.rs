//! Running `enable` and `disable` against AWS (feature `aws`): the regions and the
//! references table read from the flags, the engine's clients made per region from the
//! command line's session, and the functions (named, or selected with `--all`) handed to
//! the [rollout](super::rollout). A few functions at once, in order.

use std::io::IsTerminal as _;

use futures_util::StreamExt;
use lambda_profiling_switch::toggle::{self, Job, ToggleError};
use lambda_profiling_switch::{Clients, ReferenceTable, Settings};

use super::render::Line;
use super::rollout::{self, Rollout, Tables};
use super::{FAILED, Printed, Toggle, ToggleFormat, table};
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

/// The whole of `enable` or `disable` but the process.
pub async fn execute(toggle: Toggle<'_>, session: &Session) -> Printed {
    execute_with(toggle, session, std::io::stdin().is_terminal()).await
}

/// [`execute`], told whether a person at a terminal can be asked to confirm a selection.
pub async fn execute_with(toggle: Toggle<'_>, session: &Session, stdin_is_terminal: bool) -> Printed {
    let common = toggle.common();
    let mut regions: Vec<String> = Vec::new();
    let given = common.regions.iter().cloned();
    for r in given.chain(session.region().filter(|_| common.regions.is_empty())) {
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
    let clients = |absent_reads_empty: bool| -> Vec<Clients> {
        let table = ReferenceTable {
            name: common.reference_table.clone(),
            region: home.clone(),
            absent_reads_empty,
        };
        let endpoint = |service: &str| session.endpoint(service);
        regions
            .iter()
            .map(|r| Clients::from_config(session.config(), r, table.clone(), endpoint, Settings::default()))
            .collect()
    };
    let strict = clients(false);
    let missing = table::absent(&strict[0]).await;
    let tables = Tables {
        // A missing table reads as empty only for the plan; the act reads strictly, so
        // that a table gone meanwhile is an error, never a "done" with nothing done.
        reading: if missing { clients(true) } else { strict.clone() },
        strict,
        missing,
        home_named: common.reference_region.is_some(),
    };
    let rollout = Rollout {
        toggle,
        session,
        tables: &tables,
        json: common.format == ToggleFormat::Json,
        stdin_is_terminal,
    };
    rollout::run(&rollout).await
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
