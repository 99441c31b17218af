//! Entering the accounts (feature `aws`): one session per account, from the caller's by
//! `AssumeRole`, a few at once. An account that cannot be entered is a [`Target`] with
//! why, by its error's code; the run goes on with the others.

use aws_credential_types::Credentials;
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
    /// `None`: the caller's own account.
    pub account: Option<String>,
    /// Its session, or why it could not be entered.
    pub session: Result<Session, String>,
}

/// The accounts `accounts` asks for, each entered; `Err` when they cannot be known (the
/// organization's list cannot be read).
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
    let entered = futures_util::stream::iter(ids)
        .map(|id| async move {
            let entered = assume(session, &id, role, region).await;
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

/// The organization's active accounts, page by page.
async fn organization(session: &Session, region: &str) -> Result<Vec<String>, String> {
    let mut config = aws_sdk_organizations::config::Builder::from(session.config())
        .region(aws_config::Region::new(region.to_owned()));
    if let Some(url) = session.endpoint("ORGANIZATIONS") {
        config.set_endpoint_url(Some(url));
    }
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

/// A session in `account` with the role's temporary credentials.
async fn assume(session: &Session, account: &str, role: &str, region: &str) -> Result<Session, String> {
    let arn = role_arn(account, role, region);
    let mut config = aws_sdk_sts::config::Builder::from(session.config())
        .region(aws_config::Region::new(region.to_owned()));
    if let Some(url) = session.endpoint("STS") {
        config.set_endpoint_url(Some(url));
    }
    let sts = aws_sdk_sts::Client::from_conf(config.build());
    let assumed = sts
        .assume_role()
        .role_arn(&arn)
        .role_session_name(SESSION_NAME)
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot assume {arn} ({}): let the caller assume it (the role's trust policy and the caller's \
                 sts:AssumeRole), or leave the account out",
                said(&e)
            )
        })?;
    let c = assumed
        .credentials()
        .ok_or_else(|| format!("assuming {arn} gave no credentials: run again"))?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    let credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        expiry,
        "AssumeRole",
    );
    Ok(session.with_credentials(credentials))
}
