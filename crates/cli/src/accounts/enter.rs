//! Entering the accounts (feature `aws`): one session per account, a few at once. The
//! caller's own account (`GetCallerIdentity`) is entered with the caller's credentials; any
//! other by assuming the role, once now (so that a refusal is said by its code) and then
//! as the SDK needs (its credentials renewed before they expire, however long the run).
//! An account that cannot be entered is a [`Target`] with why; the run goes on.

use aws_config::sts::AssumeRoleProvider;
use futures_util::StreamExt as _;

use super::{Accounts, role_arn};
use crate::session::Session;
use crate::status::calls::said;

/// Accounts entered at once.
const AT_ONCE: usize = 8;
/// The session name CloudTrail shows for the command line's calls in each account.
const SESSION_NAME: &str = "lambda-profiling-cli";

/// One account to act in.
pub struct Target {
    /// `None`: the caller's own account, when no accounts are named.
    pub account: Option<String>,
    /// Its session, or why it could not be entered.
    pub session: Result<Session, String>,
}

/// Who the caller is: their account and partition.
struct Caller {
    account: String,
    partition: String,
}

/// The accounts `accounts` asks for, each entered; `Err` when they cannot be known (the
/// caller cannot be told, or the organization's list cannot be read or is empty).
pub async fn targets(session: &Session, accounts: &Accounts, region: &str) -> Result<Vec<Target>, String> {
    let (ids, role) = match accounts {
        Accounts::Caller => {
            return Ok(vec![Target {
                account: None,
                session: Ok(session.clone()),
            }]);
        }
        Accounts::Listed { ids, role } => (ids.clone(), role),
        Accounts::Organization { role } => (organization(session, region).await?, role),
    };
    if ids.is_empty() {
        return Err("the organization lists no active account: nothing to do".into());
    }
    let caller = caller(session, region).await?;
    let caller = &caller;
    let entered = futures_util::stream::iter(ids)
        .map(|id| async move {
            let entered = match id == caller.account {
                // The caller's own account (the management account, for --org), where the
                // role may well not exist: the caller's own credentials.
                true => Ok(session.clone()),
                false => assume(session, &role_arn(&id, role, &caller.partition), region).await,
            };
            Target {
                account: Some(id),
                session: entered,
            }
        })
        .buffered(AT_ONCE)
        .collect()
        .await;
    Ok(entered)
}

fn sts(session: &Session, region: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::config::Builder::from(session.config())
        .region(aws_config::Region::new(region.to_owned()));
    aws_sdk_sts::Client::from_conf(config.build())
}

async fn caller(session: &Session, region: &str) -> Result<Caller, String> {
    let who = sts(session, region)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot tell which account the caller is in ({}): check the credentials",
                said(&e)
            )
        })?;
    let arn = who.arn().unwrap_or_default();
    Ok(Caller {
        account: who.account().unwrap_or_default().to_owned(),
        partition: arn
            .split(':')
            .nth(1)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_owned(),
    })
}

/// The organization's active accounts, page by page.
async fn organization(session: &Session, region: &str) -> Result<Vec<String>, String> {
    let config = aws_sdk_organizations::config::Builder::from(session.config())
        .region(aws_config::Region::new(region.to_owned()));
    let client = aws_sdk_organizations::Client::from_conf(config.build());
    let mut pages = client.list_accounts().into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "cannot list the organization's accounts ({}): run from the management account or a delegated \
                 administrator with organizations:ListAccounts, or name them with --accounts",
                said(&e)
            )
        })?;
        let active = page.accounts().iter().filter(|a| {
            a.state() == Some(&aws_sdk_organizations::types::AccountState::Active)
                || (a.state().is_none()
                    && a.status() == Some(&aws_sdk_organizations::types::AccountStatus::Active))
        });
        ids.extend(active.filter_map(|a| a.id().map(str::to_owned)));
    }
    Ok(ids)
}

/// A session in the role's account: the role assumed once now, to say a refusal by its
/// code; then by a provider the SDK asks again before the credentials expire.
async fn assume(session: &Session, arn: &str, region: &str) -> Result<Session, String> {
    let tried = sts(session, region)
        .assume_role()
        .role_arn(arn)
        .role_session_name(SESSION_NAME)
        .send()
        .await;
    if let Err(e) = tried {
        return Err(format!(
            "cannot assume {arn} ({}): let the caller assume it (the role's trust policy and the caller's \
             sts:AssumeRole), or leave the account out",
            said(&e)
        ));
    }
    let config = session
        .config()
        .to_builder()
        .region(aws_config::Region::new(region.to_owned()))
        .build();
    let provider = AssumeRoleProvider::builder(arn)
        .session_name(SESSION_NAME)
        .configure(&config)
        .build()
        .await;
    Ok(session.with_credentials(provider))
}
