//! A selection (`--all`) rolled out (feature `aws`): selected in each region, planned (a
//! dry run of each function taken), confirmed once for every region, then acted on where
//! the plan would change something. A region that cannot be listed is said, and the
//! others go on.

use lambda_profiling_switch::Clients;

use super::execute::{Consent, asked, consent, failed, noted, refused, run};
use super::fleet::{self, Selected};
use super::render::{Line, report};
use super::select::Filter;
use super::{Printed, Toggle, table};
use crate::session::Session;

/// One region's part: its clients, what it selected, and its plan.
struct Part<'c> {
    clients: &'c Clients,
    selected: Selected,
    plan: Vec<Line>,
}

/// Runs the selection over every region of `clients` (one per region, in order).
pub(super) async fn run_all(
    toggle: Toggle<'_>,
    session: &Session,
    clients: &[Clients],
    missing: bool,
    stdin_is_terminal: bool,
) -> Printed {
    let common = toggle.common();
    let filter = match Filter::new(toggle.selection()) {
        Ok(filter) => filter,
        Err(e) => return failed(&e.to_string()),
    };
    let listed = futures_util::future::join_all(
        clients
            .iter()
            .map(|c| fleet::select(session, &c.region, toggle, &filter)),
    )
    .await;
    let (mut parts, mut unlisted) = (Vec::new(), String::new());
    for (c, selected) in clients.iter().zip(listed) {
        match selected {
            Ok(selected) => parts.push(Part {
                clients: c,
                selected,
                plan: Vec::new(),
            }),
            Err(e) => unlisted.push_str(&format!("error: {}: {e}\n", c.region)),
        }
    }
    if parts.is_empty() {
        return failed(unlisted.trim_end());
    }
    for part in &mut parts {
        part.plan = run(toggle, part.clients, &part.selected.taken, true).await;
    }
    let plan_note = if missing {
        table::would_create(parts[0].clients)
    } else {
        String::new()
    };
    let plan = said(toggle, true, &parts, &unlisted, &plan_note);
    let changes: usize = parts
        .iter()
        .map(|p| p.plan.iter().filter(|l| l.changes()).count())
        .sum();
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
        true => match table::create(parts[0].clients).await {
            Ok(said) => said,
            Err(e) => return failed(&e),
        },
    };
    for part in &mut parts {
        part.plan = act(toggle, part.clients, std::mem::take(&mut part.plan)).await;
    }
    said(toggle, false, &parts, &unlisted, &note)
}

/// Runs again only the functions the plan would change; the others keep the plan's word
/// (nothing to do, or why it failed), in the plan's order.
async fn act(toggle: Toggle<'_>, clients: &Clients, plan: Vec<Line>) -> Vec<Line> {
    let to_change: Vec<String> = plan
        .iter()
        .filter(|l| l.changes())
        .map(|l| l.function.clone())
        .collect();
    let mut acted = run(toggle, clients, &to_change, false).await.into_iter();
    plan.into_iter()
        .map(|planned| match planned.changes() {
            true => acted.next().expect("one result per function run"),
            false => planned,
        })
        .collect()
}

/// Every region's lines in one report; a region that could not be listed fails the run.
fn said(toggle: Toggle<'_>, dry_run: bool, parts: &[Part], unlisted: &str, note: &str) -> Printed {
    let lines: Vec<Line> = parts.iter().flat_map(|p| p.plan.iter().cloned()).collect();
    let skipped: Vec<_> = parts
        .iter()
        .flat_map(|p| p.selected.skipped.iter().cloned())
        .collect();
    let mut printed = noted(report(toggle, dry_run, &skipped, &lines), note);
    if !unlisted.is_empty() {
        printed.stderr.push_str(unlisted);
        printed.code = printed.code.max(1);
    }
    printed
}
