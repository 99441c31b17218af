//! Running `enable` and `disable` against AWS (feature `aws`): the regions and the
//! references table read from the flags, the engine's clients made per region from the
//! command line's session, and the functions (named, or selected with `--all`) handed to
//! the [rollout](super::rollout). A few functions at once, in order.

use std::io::IsTerminal as _;

use lambda_profiling_switch::{Clients, ReferenceTable, Settings};

use super::each::failed;
use super::rollout::{self, Account, Rollout, Tables};
use super::{Printed, Toggle, ToggleFormat, table};
use crate::accounts::Accounts;
use crate::session::Session;

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
    let table = ReferenceTable {
        name: common.reference_table.clone(),
        region: home,
        absent_reads_empty: false,
    };
    let accounts = match common.accounts.read() {
        Ok(accounts) => accounts,
        Err(e) => return failed(&e),
    };
    if accounts != Accounts::Caller && !toggle.selection().all {
        return failed("name functions in one account; --accounts and --org select with --all");
    }
    let targets = match crate::accounts::targets(session, &accounts, &regions[0]).await {
        Ok(targets) => targets,
        Err(e) => return failed(&e),
    };
    let (mut entered, mut unentered) = (Vec::new(), String::new());
    for target in targets {
        match target.session {
            Ok(session) => {
                let tables = tables(&session, &regions, &table).await;
                entered.push(Account {
                    label: target.account,
                    session,
                    tables,
                });
            }
            Err(why) => {
                let id = target.account.unwrap_or_default();
                unentered.push_str(&format!("error: account {id}: {why}\n"));
            }
        }
    }
    if entered.is_empty() {
        return failed(unentered.trim_end());
    }
    let rollout = Rollout {
        toggle,
        accounts: &entered,
        unentered,
        home_named: common.reference_region.is_some(),
        json: common.format == ToggleFormat::Json,
        stdin_is_terminal,
    };
    rollout::run(&rollout).await
}

/// One account's clients per region, both ways, and whether its table is there.
async fn tables(session: &Session, regions: &[String], table: &ReferenceTable) -> Tables {
    let clients = |absent_reads_empty: bool| -> Vec<Clients> {
        let table = ReferenceTable {
            absent_reads_empty,
            ..table.clone()
        };
        let endpoint = |service: &str| session.endpoint(service);
        regions
            .iter()
            .map(|r| Clients::from_config(session.config(), r, table.clone(), endpoint, Settings::default()))
            .collect()
    };
    let strict = clients(false);
    let missing = table::absent(&strict[0]).await;
    Tables {
        // A missing table reads as empty only for the plan; the act reads strictly, so
        // that a table gone meanwhile is an error, never a "done" with nothing done.
        reading: if missing { clients(true) } else { strict.clone() },
        strict,
        missing,
    }
}
