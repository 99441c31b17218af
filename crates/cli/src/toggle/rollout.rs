//! From the functions to the report (feature `aws`). Named functions, where the references
//! table is there, are acted on at once, as they always were. A selection (`--all`, in
//! each account and region), or any run where the table is missing, is planned first (a
//! dry run of each function), confirmed once (a selection only), each account's table made
//! if `enable` needs it, and then acted on where the plan would change something. An
//! account or a region that cannot be entered or listed is said, and the others go on.

use std::collections::{BTreeSet, HashMap};

use futures_util::StreamExt as _;
use lambda_profiling_switch::Clients;

use super::confirm::{Consent, asked, consent, refused};
use super::each::{failed, run_each};
use super::fleet::{self, Selected};
use super::render::{Line, report};
use super::select::Filter;
use super::{FAILED, Printed, Toggle, quota, table};
use crate::session::Session;

/// Places (an account's region) listed at once.
const PLACES_AT_ONCE: usize = 4;

/// One account's engine clients per region, two ways, and whether its table is there.
pub(super) struct Tables {
    /// A missing table is an error: for acting.
    pub strict: Vec<Clients>,
    /// A missing table reads as empty: for the plan.
    pub reading: Vec<Clients>,
    pub missing: bool,
}

/// An account entered: `label` is its ID (`None`: the caller's own).
pub(super) struct Account {
    pub label: Option<String>,
    pub session: Session,
    pub tables: Tables,
}

impl Account {
    /// "account 111111111111: " before what is said of it, when accounts are named.
    fn prefix(&self) -> String {
        self.label
            .as_ref()
            .map(|id| format!("account {id}: "))
            .unwrap_or_default()
    }
}

pub(super) struct Rollout<'a> {
    pub toggle: Toggle<'a>,
    pub accounts: &'a [Account],
    /// What was said of the accounts that could not be entered (`error: ...` lines).
    pub unentered: String,
    /// `--reference-region` was given: the accounts' home region is named.
    pub home_named: bool,
    pub json: bool,
    pub stdin_is_terminal: bool,
}

/// One account's and region's part: indexes into the accounts and their clients.
struct Part {
    account: usize,
    region: usize,
    selected: Selected,
    lines: Vec<Line>,
}

pub(super) async fn run(r: &Rollout<'_>) -> Printed {
    let toggle = r.toggle;
    let common = toggle.common();
    let first = &r.accounts[0].tables;
    if !toggle.selection().all && !first.missing {
        let none = HashMap::new();
        let lines = run_each(
            toggle,
            &first.strict[0],
            toggle.functions(),
            &none,
            common.dry_run,
        )
        .await;
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
                account: 0,
                region: 0,
                selected,
                lines: Vec::new(),
            };
            (vec![part], String::new())
        }
    };
    for part in &mut parts {
        let clients = &r.accounts[part.account].tables.reading[part.region];
        part.lines = run_each(toggle, clients, &part.selected.taken, &part.selected.groups, true).await;
    }
    // Only `enable` records anything, so only it makes a missing table, in the accounts
    // whose plan changes something.
    let records = matches!(toggle, Toggle::Enable(a) if !a.upgrade);
    let changes = |a: usize| {
        let of_account = parts.iter().filter(|p| p.account == a);
        of_account
            .map(|p| p.lines.iter().filter(|l| l.changes()).count())
            .sum::<usize>()
    };
    let to_make: Vec<usize> = (0..r.accounts.len())
        .filter(|&a| records && r.accounts[a].tables.missing && changes(a) > 0)
        .collect();
    let notes: String = (0..r.accounts.len())
        .filter(|&a| records && r.accounts[a].tables.missing)
        .map(|a| {
            let account = &r.accounts[a];
            account.prefix() + &table::would_create(&account.tables.strict[0], r.home_named)
        })
        .collect();
    let (crossing, unchecked) = match toggle {
        Toggle::Enable(a) if records => over_quota(r, &parts, a.group_quota).await,
        _ => (Vec::new(), Vec::new()),
    };
    // Crossing the quota stops a run that would act; a plan only warns of it.
    let crossed = if common.dry_run { "warning" } else { "error" };
    let warnings: String = (crossing.iter().map(|c| format!("{crossed}: {c}\n")))
        .chain(unchecked.iter().map(|c| format!("warning: {c}\n")))
        .collect();
    let plan_said = format!("{notes}{}{listing}{warnings}", r.unentered);
    let total: usize = (0..r.accounts.len()).map(changes).sum();
    if common.dry_run || total == 0 {
        return said(toggle, common.dry_run, &parts, &plan_said);
    }
    let mut plan = said(toggle, true, &parts, &plan_said);
    if !crossing.is_empty() {
        plan.stderr
            .push_str("nothing was changed: the plan would cross the profiling groups' quota (above)\n");
        plan.code = FAILED;
        return plan;
    }
    if !to_make.is_empty() && !r.home_named {
        plan.stderr
            .push_str(&table::name_the_home(&r.accounts[to_make[0]].tables.strict[0]));
        plan.code = FAILED;
        return plan;
    }
    if toggle.selection().all {
        match consent(common.yes, r.stdin_is_terminal, r.json) {
            Consent::Given => {}
            Consent::Refused => return refused(plan, toggle, total),
            Consent::Ask => {
                print!("{}", plan.stdout);
                eprint!("{}", plan.stderr);
                if !asked(toggle, total) {
                    return failed("nothing was changed");
                }
            }
        }
    }
    // Each account's table; an account whose table cannot be made changes nothing, and
    // the others go on.
    let mut made = String::new();
    let mut tableless: Vec<(usize, String)> = Vec::new();
    for a in to_make {
        let account = &r.accounts[a];
        match table::create(&account.tables.strict[0]).await {
            Ok(note) => made.push_str(&(account.prefix() + &note)),
            Err(e) => {
                made.push_str(&format!("error: {}{e}\n", account.prefix()));
                tableless.push((a, e));
            }
        }
    }
    for part in &mut parts {
        let lines = std::mem::take(&mut part.lines);
        part.lines = match tableless.iter().find(|(a, _)| *a == part.account) {
            Some((_, why)) => unchanged(lines, why),
            None => {
                let clients = &r.accounts[part.account].tables.strict[part.region];
                act(toggle, clients, lines, &part.selected.groups).await
            }
        };
    }
    said(toggle, false, &parts, &format!("{made}{}{listing}", r.unentered))
}

/// The places whose plan would make more profiling groups than the quota allows, and
/// those whose groups cannot be counted (refused still if the new ones alone cross it).
/// A new group is always in its function's account and region (the engine takes a group
/// elsewhere as it is), so each part is one place.
async fn over_quota(r: &Rollout<'_>, parts: &[Part], quota: usize) -> (Vec<String>, Vec<String>) {
    let (mut said, mut unchecked) = (Vec::new(), Vec::new());
    for part in parts {
        let new = quota::new_groups(&part.lines);
        if new == 0 {
            continue;
        }
        let account = &r.accounts[part.account];
        let clients = &account.tables.strict[part.region];
        let place = format!("{}{}", account.prefix(), clients.region);
        match quota::existing(clients).await {
            Ok(n) if n + new > quota => said.push(quota::over(&place, new, n, quota)),
            Ok(_) => {}
            Err(e) if new > quota => said.push(quota::over(&place, new, 0, quota) + &format!(" ({e})")),
            Err(e) => unchecked.push(format!("{e}; the quota is not checked there")),
        }
    }
    (said, unchecked)
}

/// Each account's and region's selection; what could not be listed or read, for stderr;
/// `Err` when nothing could be listed or an `--exclude` names no function listed.
async fn select(r: &Rollout<'_>) -> Result<(Vec<Part>, String), String> {
    let filter = Filter::new(r.toggle.selection()).map_err(|e| e.to_string())?;
    let places: Vec<(usize, usize)> = (0..r.accounts.len())
        .flat_map(|a| (0..r.accounts[a].tables.strict.len()).map(move |region| (a, region)))
        .collect();
    // A few places at once: each listing bounds its own calls in flight.
    let listed: Vec<_> = futures_util::stream::iter(places.iter().map(|&(a, region)| {
        let account = &r.accounts[a];
        let name = &account.tables.strict[region].region;
        fleet::select(&account.session, name, r.toggle, &filter)
    }))
    .buffered(PLACES_AT_ONCE)
    .collect()
    .await;
    let (mut parts, mut said, mut excluded) = (Vec::new(), String::new(), BTreeSet::new());
    for (&(account, region), found) in places.iter().zip(listed) {
        let a = &r.accounts[account];
        let place = format!("{}{}", a.prefix(), a.tables.strict[region].region);
        match found {
            Ok(selected) => {
                if let Some(w) = &selected.warning {
                    said.push_str(&format!("warning: {place}: {w}\n"));
                }
                excluded.extend(selected.excluded.iter().cloned());
                parts.push(Part {
                    account,
                    region,
                    selected,
                    lines: Vec::new(),
                });
            }
            Err(e) => said.push_str(&format!("error: {place}: {e}\n")),
        }
    }
    if parts.is_empty() {
        return Err(format!("{}{}", r.unentered, said).trim_end().to_owned());
    }
    // Only when every place was listed can an --exclude be known to name nothing; else it
    // is said, since the function it meant may be in a place not listed.
    let whole = parts.len() == places.len() && r.unentered.is_empty();
    for e in filter.unmatched_excludes(&excluded) {
        if whole {
            return Err(format!(
                "--exclude {e:?} names no function listed: check it (a function's name or ARN); nothing was changed"
            ));
        }
        said.push_str(&format!(
            "warning: --exclude {e:?} names no function in the places listed: check it\n"
        ));
    }
    Ok((parts, said))
}

/// The plan's lines of an account that could not act: each change it planned fails, why.
fn unchanged(plan: Vec<Line>, why: &str) -> Vec<Line> {
    plan.into_iter()
        .map(|planned| match planned.changes() {
            true => Line {
                function: planned.function,
                result: Err(format!("not changed: {why}")),
            },
            false => planned,
        })
        .collect()
}

/// Runs again only the functions the plan would change; the others keep the plan's word
/// (nothing to do, or why it failed), in the plan's order.
async fn act(
    toggle: Toggle<'_>,
    clients: &Clients,
    plan: Vec<Line>,
    groups: &HashMap<String, String>,
) -> Vec<Line> {
    let to_change: Vec<String> = plan
        .iter()
        .filter(|l| l.changes())
        .map(|l| l.function.clone())
        .collect();
    let mut acted = run_each(toggle, clients, &to_change, groups, false)
        .await
        .into_iter();
    plan.into_iter()
        .map(|planned| match planned.changes() {
            true => acted.next().expect("one result per function run"),
            false => planned,
        })
        .collect()
}

/// Every part's lines in one report, with what was said before them on stderr; an error
/// there (an account or a region not reached) fails the run.
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
