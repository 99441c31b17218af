//! `status` over several accounts (feature `aws`): each account entered is scanned as one
//! account is, one after another (each scan bounds its own calls in flight), and the
//! reports become one. An account that cannot be entered or read is said in the report's
//! `missing`, so the exit code says the report is not whole; the others are reported.

use super::progress::Progress;
use super::report::Report;
use super::scan::{Scope, scan};
use crate::accounts::Target;

pub(super) async fn scan_accounts(targets: Vec<Target>, request: &Scope, progress: &Progress) -> Report {
    let (mut functions, mut warnings, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for target in targets {
        let account = target.account.as_deref().unwrap_or("the caller's account");
        let scanned = match target.session {
            Ok(session) => scan(&session, request, progress).await.map_err(|e| e.to_string()),
            Err(why) => Err(why),
        };
        match scanned {
            Ok(report) => {
                functions.extend(report.functions);
                warnings.extend(
                    report
                        .warnings
                        .into_iter()
                        .map(|w| format!("account {account}: {w}")),
                );
                missing.extend(
                    report
                        .missing
                        .into_iter()
                        .map(|m| format!("account {account}: {m}")),
                );
            }
            Err(why) => missing.push(format!("account {account}: {why}")),
        }
    }
    let mut report = Report::new(functions, warnings);
    report.missing = missing;
    report
}
