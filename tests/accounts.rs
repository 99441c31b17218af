//! `status`, `enable --all` and `disable --all` across accounts (`--accounts ID,ID
//! --role-name NAME`), against moto, which keeps each account's state by the credentials
//! STS hands out: an assumed role's are the role's account's. The loopback front adds what
//! moto lacks: its own stand-ins (Lambda's pages, the Tagging API, layers, IAM's names)
//! read the account of the request's credentials, and STS refuses every role in account
//! 999999999999, as it refuses a role whose trust policy does not let the caller in.

mod support;

use lambda_profiling_cli::accounts::{AccountArgs, Accounts, targets};
use lambda_profiling_cli::session::Session;
use lambda_profiling_cli::status::StatusFormat;
use lambda_profiling_cli::toggle::{self, Printed, Selection, Toggle};
use serde_json::Value;
use support::*;

const OTHER: &str = "111111111111";
const UNTRUSTED: &str = "999999999999";
const ROLE: &str = "ops";

fn accounts(ids: &[&str]) -> AccountArgs {
    AccountArgs {
        accounts: ids.iter().map(|a| a.to_string()).collect(),
        org: false,
        role_name: Some(ROLE.into()),
    }
}

/// A session in `account`, entered as the command line enters it.
async fn session_in(s: &Servers, account: &str) -> Session {
    let caller = status_session(s, &unique("acc"), REGION).await;
    let listed = Accounts::Listed {
        ids: vec![account.into()],
        role: ROLE.into(),
    };
    let mut entered = targets(&caller, &listed, REGION).await.unwrap();
    entered.remove(0).session.expect("the account is entered")
}

async fn run(s: &Servers, toggle: Toggle<'_>) -> Printed {
    let session = status_session(s, &unique("acc-run"), REGION).await;
    let out = toggle::execute_with(toggle, &session, false).await;
    eprintln!("{}{}", out.stdout, out.stderr);
    out
}

#[tokio::test]
async fn a_fleet_spans_accounts_and_an_account_that_cannot_be_entered_stops_only_itself() {
    let Some(s) = servers() else { return };
    let p = unique("acc");
    let table = unique("acc-refs");
    // One function in each account, each with a role and an agent layer stand-in of its own.
    let mut layers = Vec::new();
    for account in [ACCOUNT, OTHER] {
        let session = session_in(s, account).await;
        let role_arn = role(&session.iam(REGION), &unique("acc-role"), false).await;
        assert!(role_arn.contains(&format!(":{account}:")), "{role_arn}");
        let name = format!("{p}-{account}");
        create(&session.lambda(REGION), &Spec::new(&name, &role_arn)).await;
        layers.push(publish(&session.lambda(REGION), PY_LAYER).await);
    }

    // status: both accounts, an ACCOUNT column, and the untrusted one said, not quoted.
    let mut args = status_args(REGION, StatusFormat::Table);
    args.accounts = accounts(&[ACCOUNT, OTHER, UNTRUSTED]);
    let caller = status_session(s, &unique("acc-status"), REGION).await;
    let out =
        lambda_profiling_cli::status::execute(&args, &caller, (false, false), Box::new(std::io::sink()))
            .await;
    eprintln!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 2, "an account not reached leaves the report incomplete");
    let header: Vec<&str> = out
        .stdout
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header[..2], ["FUNCTION", "ACCOUNT"], "{}", out.stdout);
    for account in [ACCOUNT, OTHER] {
        let row = out
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{p}-{account}")));
        let row = row.unwrap_or_else(|| panic!("no row for {account}:\n{}", out.stdout));
        assert!(row.contains(account) && row.contains("off"), "{row}");
    }
    let said =
        format!("account {UNTRUSTED}: cannot assume arn:aws:iam::{UNTRUSTED}:role/{ROLE} (AccessDenied)");
    assert!(out.stderr.contains(&said), "{}", out.stderr);
    assert!(
        !out.stderr.contains("is not authorized"),
        "STS's words are never printed: {}",
        out.stderr
    );

    // The same as one page: a coverage row for each account, the untrusted one not read.
    args.format = StatusFormat::Html;
    let page =
        lambda_profiling_cli::status::execute(&args, &caller, (false, false), Box::new(std::io::sink()))
            .await;
    for account in [ACCOUNT, OTHER] {
        let row = format!("<tr><td>{account}</td><td>{REGION}</td>");
        assert!(page.stdout.contains(&row), "{}", page.stdout);
    }
    assert!(
        page.stdout
            .contains(&format!("account {UNTRUSTED}: cannot assume")),
        "{}",
        page.stdout
    );

    // enable --all across both, planned: each account's function with its region's
    // published layer, and each account's missing table said.
    let mut plan = enable_args(&[], "", true);
    plan.layer_arn = None;
    plan.selection = Selection {
        all: true,
        name_match: Some(format!("^{p}-")),
        ..Selection::default()
    };
    plan.common.reference_table = table.clone();
    plan.common.reference_region = Some(REGION.into());
    plan.common.accounts = accounts(&[ACCOUNT, OTHER]);
    let out = run(s, Toggle::Enable(&plan)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    for account in [ACCOUNT, OTHER] {
        let arn = format!("arn:aws:lambda:{REGION}:{account}:function:{p}-{account}");
        assert!(
            out.stdout.contains(&format!("enable {p}-{account} ({arn})")),
            "{}",
            out.stdout
        );
        let note = format!(
            "account {account}: note: the references table {table} does not exist in {REGION}: enable creates it"
        );
        assert!(out.stderr.contains(&note), "{}", out.stderr);
    }
    assert!(out.stdout.contains("enable --all: 2 planned"), "{}", out.stdout);

    // Each account's function enabled by name in its own account (moto takes only an
    // account's own layers), which makes each account's table.
    for (account, layer) in [ACCOUNT, OTHER].into_iter().zip(&layers) {
        let session = session_in(s, account).await;
        let mut on = enable_args(&[&format!("{p}-{account}")], layer, false);
        on.common.reference_table = table.clone();
        on.common.reference_region = Some(REGION.into());
        let out = toggle::execute_with(Toggle::Enable(&on), &session, false).await;
        assert_eq!(out.code, 0, "{account}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("note: created the references table"),
            "{}",
            out.stderr
        );
    }

    // disable --all across both and the untrusted one, as JSON: both are put back, the
    // untrusted account is said, and the run exits 1.
    let mut off = disable_args(&[], false);
    off.selection = plan.selection.clone();
    off.common.reference_table = table.clone();
    off.common.reference_region = Some(REGION.into());
    off.common.accounts = accounts(&[ACCOUNT, OTHER, UNTRUSTED]);
    off.common.yes = true;
    off.common.format = toggle::ToggleFormat::Json;
    let out = run(s, Toggle::Disable(&off)).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect(&out.stdout);
    assert_eq!(report["summary"]["changed"], 2, "{report:#}");
    assert!(
        out.stderr
            .contains(&format!("error: account {UNTRUSTED}: cannot assume")),
        "{}",
        out.stderr
    );
    for account in [ACCOUNT, OTHER] {
        let session = session_in(s, account).await;
        let c = session
            .lambda(REGION)
            .get_function_configuration()
            .function_name(format!("{p}-{account}"))
            .send()
            .await
            .unwrap();
        assert!(c.layers().is_empty(), "{account}: the layer enable added is gone");
        let vars = c
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default();
        assert!(
            vars.is_empty(),
            "{account}: the variables enable added are gone: {vars:?}"
        );
    }

    // Names belong to one account.
    let mut named = disable_args(&[&format!("{p}-{OTHER}")], true);
    named.common.accounts = accounts(&[OTHER]);
    let out = run(s, Toggle::Disable(&named)).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("name functions in one account"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn org_takes_the_active_accounts_and_enters_the_callers_own_with_its_own_credentials() {
    let Some(s) = servers() else { return };
    let caller = status_session(s, &unique("acc-org"), REGION).await;
    let org = aws_sdk_organizations::Client::new(caller.config());
    // One organization per moto server, made by whichever test comes first.
    let _ = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await;
    let p = unique("org");
    let created = org
        .create_account()
        .email(format!("{p}@example.com"))
        .account_name(&p)
        .send()
        .await
        .unwrap();
    let member = created
        .create_account_status()
        .and_then(|c| c.account_id())
        .unwrap()
        .to_owned();
    for account in [ACCOUNT, member.as_str()] {
        let session = session_in(s, account).await;
        let role_arn = role(&session.iam(REGION), &unique("org-role"), false).await;
        create(
            &session.lambda(REGION),
            &Spec::new(&format!("{p}-{account}"), &role_arn),
        )
        .await;
    }

    let mut args = status_args(REGION, StatusFormat::Json);
    args.accounts = AccountArgs {
        accounts: Vec::new(),
        org: true,
        role_name: Some(ROLE.into()),
    };
    let out =
        lambda_profiling_cli::status::execute(&args, &caller, (false, false), Box::new(std::io::sink()))
            .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect(&out.stdout);
    let arns: Vec<&str> = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["functionArn"].as_str())
        .filter(|a| a.contains(&p))
        .collect();
    for account in [ACCOUNT, member.as_str()] {
        let arn = format!("arn:aws:lambda:{REGION}:{account}:function:{p}-{account}");
        assert!(arns.contains(&arn.as_str()), "{arn} not in {arns:?}");
    }

    // --function names a function of one account.
    args.functions = vec![format!("{p}-{ACCOUNT}")];
    let out =
        lambda_profiling_cli::status::execute(&args, &caller, (false, false), Box::new(std::io::sink()))
            .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--function names a function of one account"),
        "{}",
        out.stderr
    );
}
