//! From the functions to the report (feature `aws`). Named functions, where the references
//! table is there, are acted on at once, as they always were. A selection (`--all`, in
//! each region), or any run where the table is missing, is planned first (a dry run of
//! each function), confirmed (a selection only), the table made if `enable` needs it, and
//! then acted on where the plan would change something. A region that cannot be listed
//! is said, and the others go on.

use std::collections::BTreeSet;

use lambda_profiling_switch::Clients;

use super::confirm::{Consent, asked, consent, refused};
use super::each::{failed, run_each};
use super::fleet::{self, Selected};
use super::render::{Line, report};
use super::select::Filter;
use super::{Printed, Toggle, table};
use crate::session::Session;

/// The engine's clients per region, two ways, and what is known of the table.
pub(super) struct Tables {
    /// A missing table is an error: for acting.
    pub strict: Vec<Clients>,
    /// A missing table reads as empty: for the plan.
    pub reading: Vec<Clients>,
    pub missing: bool,
    /// `--reference-region` was given: the account's home region is named.
    pub home_named: bool,
}

pub(super) struct Rollout<'a> {
    pub toggle: Toggle<'a>,
    pub session: &'a Session,
    pub tables: &'a Tables,
    pub json: bool,
    pub stdin_is_terminal: bool,
}

/// One region's part: which region (an index into the clients), what it takes, its lines.
struct Part {
    region: usize,
    selected: Selected,
    lines: Vec<Line>,
}

pub(super) async fn run(r: &Rollout<'_>) -> Printed {
    let (toggle, tables) = (r.toggle, r.tables);
    let common = toggle.common();
    if !toggle.selection().all && !tables.missing {
        let lines = run_each(toggle, &tables.strict[0], toggle.functions(), common.dry_run).await;
        return report(toggle, common.dry_run, &[], &lines);
    }
    let (mut parts, listing) = match toggle.selection().all {
        true => match select(r).await {
            Ok(found) => found,
            Err(e) => return failed(&e),
        },
        false => {
            let selected = Selected {
                taken: toggle.functions().to_vec(),
                ..Selected::default()
            };
            let part = Part {
                region: 0,
                selected,
                lines: Vec::new(),
            };
            (vec![part], String::new())
        }
    };
    for part in &mut parts {
        let clients = &tables.reading[part.region];
        part.lines = run_each(toggle, clients, &part.selected.taken, true).await;
    }
    // Only `enable` records anything, so only it makes a missing table.
    let makes_table = tables.missing && matches!(toggle, Toggle::Enable(a) if !a.upgrade);
    let note = match makes_table {
        true => table::would_create(&tables.strict[0], tables.home_named),
        false => String::new(),
    };
    let plan_said = format!("{note}{listing}");
    let changes: usize = parts
        .iter()
        .map(|p| p.lines.iter().filter(|l| l.changes()).count())
        .sum();
    if common.dry_run || changes == 0 {
        return said(toggle, common.dry_run, &parts, &plan_said);
    }
    let mut plan = said(toggle, true, &parts, &plan_said);
    if makes_table && !tables.home_named {
        plan.stderr.push_str(&table::name_the_home(&tables.strict[0]));
        plan.code = super::FAILED;
        return plan;
    }
    if toggle.selection().all {
        match consent(common.yes, r.stdin_is_terminal, r.json) {
            Consent::Given => {}
            Consent::Refused => return refused(plan, toggle, changes),
            Consent::Ask => {
                print!("{}", plan.stdout);
                eprint!("{}", plan.stderr);
                if !asked(toggle, changes) {
                    return failed("nothing was changed");
                }
            }
        }
    }
    let made = match makes_table {
        true => match table::create(&tables.strict[0]).await {
            Ok(made) => made,
            Err(e) => return failed(&e),
        },
        false => String::new(),
    };
    for part in &mut parts {
        let lines = std::mem::take(&mut part.lines);
        part.lines = act(toggle, &tables.strict[part.region], lines).await;
    }
    said(toggle, false, &parts, &format!("{made}{listing}"))
}

/// Each region's selection; what could not be listed or read, for stderr; `Err` when
/// no region could be listed or an `--exclude` names no function listed.
async fn select(r: &Rollout<'_>) -> Result<(Vec<Part>, String), String> {
    let filter = Filter::new(r.toggle.selection()).map_err(|e| e.to_string())?;
    let strict = &r.tables.strict;
    let listed = futures_util::future::join_all(
        strict
            .iter()
            .map(|c| fleet::select(r.session, &c.region, r.toggle, &filter)),
    )
    .await;
    let (mut parts, mut said, mut excluded) = (Vec::new(), String::new(), BTreeSet::new());
    for (region, found) in listed.into_iter().enumerate() {
        let name = &strict[region].region;
        match found {
            Ok(selected) => {
                if let Some(w) = &selected.warning {
                    said.push_str(&format!("warning: {name}: {w}\n"));
                }
                excluded.extend(selected.excluded.iter().cloned());
                parts.push(Part {
                    region,
                    selected,
                    lines: Vec::new(),
                });
            }
            Err(e) => said.push_str(&format!("error: {name}: {e}\n")),
        }
    }
    if parts.is_empty() {
        return Err(said.trim_end().to_owned());
    }
    // Only when every region was listed can an --exclude be known to name nothing.
    let unmatched = filter.unmatched_excludes(&excluded);
    if let (true, Some(e)) = (parts.len() == strict.len(), unmatched.first()) {
        let regions: Vec<&str> = strict.iter().map(|c| c.region.as_str()).collect();
        return Err(format!(
            "--exclude {e:?} names no function in {}: check it (a function's name or ARN); nothing was changed",
            regions.join(", ")
        ));
    }
    Ok((parts, said))
}

/// Runs again only the functions the plan would change; the others keep the plan's word
/// (nothing to do, or why it failed), in the plan's order.
async fn act(toggle: Toggle<'_>, clients: &Clients, plan: Vec<Line>) -> Vec<Line> {
    let to_change: Vec<String> = plan
        .iter()
        .filter(|l| l.changes())
        .map(|l| l.function.clone())
        .collect();
    let mut acted = run_each(toggle, clients, &to_change, false).await.into_iter();
    plan.into_iter()
        .map(|planned| match planned.changes() {
            true => acted.next().expect("one result per function run"),
            false => planned,
        })
        .collect()
}

/// Every region's lines in one report, with what was said before them on stderr; an
/// error there (a region not listed) fails the run.
fn said(toggle: Toggle<'_>, dry_run: bool, parts: &[Part], before: &str) -> Printed {
    let lines: Vec<Line> = parts.iter().flat_map(|p| p.lines.iter().cloned()).collect();
    let skipped: Vec<_> = parts
        .iter()
        .flat_map(|p| p.selected.skipped.iter().cloned())
        .collect();
    let mut printed = report(toggle, dry_run, &skipped, &lines);
    printed.stderr.insert_str(0, before);
    if before.lines().any(|l| l.starts_with("error: ")) {
        printed.code = printed.code.max(1);
    }
    printed
}
