//! The AWS clients and administrator settings, built once per cold start.
//!
//! Clients come from the standard `aws-config` chain, so `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_CODEGURUPROFILER`) point them at
//! local emulators. Settings are read from the environment once, here, so that the rest
//! of the crate (and its tests) never touch process-global state.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};

/// Administrator controls of SPEC §3.2–§3.3, read from the function's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Accounts besides the official publisher whose layers a `LayerArn` may name
    /// (`LAMBDA_PROFILING_ALLOWED_LAYER_ACCOUNTS`, comma list).
    pub allowed_layer_accounts: Vec<String>,
    /// Hosts that may receive the response over plain http, for local tests
    /// (`LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS`, comma list).
    pub insecure_response_hosts: Vec<String>,
}

pub const ALLOWED_LAYER_ACCOUNTS_VAR: &str = "LAMBDA_PROFILING_ALLOWED_LAYER_ACCOUNTS";
pub const INSECURE_RESPONSE_HOSTS_VAR: &str = "LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS";

impl Settings {
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests need not set process variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let list = |name: &str| -> Vec<String> {
            lookup(name)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Settings {
            allowed_layer_accounts: list(ALLOWED_LAYER_ACCOUNTS_VAR),
            insecure_response_hosts: list(INSECURE_RESPONSE_HOSTS_VAR)
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
        }
    }
}

/// Everything the custom resource talks to. Cheap to share: the SDK clients are `Arc`s inside.
#[derive(Debug, Clone)]
pub struct Clients {
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub codeguru: aws_sdk_codeguruprofiler::Client,
    /// For the one PUT of the response to CloudFormation's presigned URL.
    pub http: reqwest::Client,
    /// The region the clients act in: the function's and the group's.
    pub region: String,
    pub settings: Settings,
}

/// Attempts per AWS call when the environment does not say (`AWS_MAX_ATTEMPTS`):
/// a few more than the SDK's 3, since a deploy-time throttle should not fail a stack.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;

impl Clients {
    /// Loads the standard chain (environment, profile, container/instance credentials).
    pub async fn from_env() -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
        if std::env::var_os("AWS_MAX_ATTEMPTS").is_none() {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(DEFAULT_MAX_ATTEMPTS));
        }
        Self::from_sdk_config(&loader.load().await, Settings::from_env())
    }

    /// Builds every client from one `SdkConfig`; service-specific endpoint overrides in
    /// the config (from `AWS_ENDPOINT_URL_<SERVICE>`) apply per client.
    pub fn from_sdk_config(config: &SdkConfig, settings: Settings) -> Self {
        Self::new(
            aws_sdk_iam::Client::new(config),
            aws_sdk_lambda::Client::new(config),
            aws_sdk_codeguruprofiler::Client::new(config),
            config.region().map(|r| r.to_string()).unwrap_or_default(),
            settings,
        )
    }

    /// Assembles clients built elsewhere (tests use mocked or locally pointed clients).
    pub fn new(
        iam: aws_sdk_iam::Client,
        lambda: aws_sdk_lambda::Client,
        codeguru: aws_sdk_codeguruprofiler::Client,
        region: String,
        settings: Settings,
    ) -> Self {
        Clients {
            iam,
            lambda,
            codeguru,
            http: response_http_client(),
            region,
            settings,
        }
    }
}

/// The SDK's HTTPS client, on rustls with ring: the one TLS implementation of the binary.
/// Every SDK config needs it, since the SDK crates are built without their default client.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// reqwest takes the process's rustls provider: ring, as for the SDK. Call this before
/// building any reqwest client; a second call does nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The response PUT must never follow redirects (the URL is a credential scoped to one
/// object) and never wait long on one attempt: the responder retries within the deadline.
fn response_http_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_comma_lists_trimmed() {
        let s = Settings::from_lookup(|name| match name {
            ALLOWED_LAYER_ACCOUNTS_VAR => Some(" 111122223333, ,444455556666 ".into()),
            INSECURE_RESPONSE_HOSTS_VAR => Some("127.0.0.1,LocalHost".into()),
            _ => None,
        });
        assert_eq!(s.allowed_layer_accounts, ["111122223333", "444455556666"]);
        assert_eq!(s.insecure_response_hosts, ["127.0.0.1", "localhost"]);
        assert_eq!(Settings::from_lookup(|_| None), Settings::default());
    }
}
