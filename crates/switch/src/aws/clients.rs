//! The AWS clients and administrator settings, built once per cold start.
//!
//! Clients are configured from the variables Lambda sets (`AWS_REGION`, the role's
//! session in `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`) and the
//! SDK's standard `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>` (e.g.
//! `AWS_ENDPOINT_URL_CODEGURUPROFILER`) and `AWS_MAX_ATTEMPTS`. Not `aws-config`'s whole
//! chain: profiles, SSO, IMDS and STS never apply inside Lambda, and leaving them out
//! keeps the binary small. Settings are read from the environment once,
//! here, so that the rest of the crate (and its tests) never touch process-global state.
//!
//! The DynamoDB client talks to the role references' table, in the account's home region
//! (`LAMBDA_PROFILING_REFERENCE_REGION`, empty meaning this function's region), whatever
//! region this function runs in: IAM is global, so one table serves every region.

use std::sync::Arc;
use std::time::Duration;

use crate::layers::LayerResolver;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// Administrator controls of contract §3.2–§3.3, read from the function's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Accounts besides the official publisher whose layers a `LayerArn` may name
    /// (`LAMBDA_PROFILING_ALLOWED_LAYER_ACCOUNTS`, comma list).
    pub allowed_layer_accounts: Vec<String>,
    /// Layer names a `LayerArn` may name besides the two agent layers' own
    /// (`LAMBDA_PROFILING_ALLOWED_LAYER_NAMES`, comma list): an allowed account's other
    /// layers (its extensions, its libraries) stay out of reach.
    pub allowed_layer_names: Vec<String>,
    /// Hosts that may receive the response over plain http, for local tests
    /// (`LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS`, comma list).
    pub insecure_response_hosts: Vec<String>,
    /// Any layer account and name is taken: the properties of what is being taken back
    /// (a Delete's, an Update's old ones) are read, not judged, so that an administrator's
    /// narrower list never keeps them from being undone.
    pub any_layer: bool,
}

impl Settings {
    /// These settings for reading properties that describe what was done before.
    pub fn for_undoing(&self) -> Settings {
        Settings {
            any_layer: true,
            ..self.clone()
        }
    }
}

pub(crate) const ALLOWED_LAYER_ACCOUNTS_VAR: &str = "LAMBDA_PROFILING_ALLOWED_LAYER_ACCOUNTS";
pub(crate) const ALLOWED_LAYER_NAMES_VAR: &str = "LAMBDA_PROFILING_ALLOWED_LAYER_NAMES";
pub(crate) const INSECURE_RESPONSE_HOSTS_VAR: &str = "LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS";

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
            allowed_layer_names: list(ALLOWED_LAYER_NAMES_VAR),
            insecure_response_hosts: list(INSECURE_RESPONSE_HOSTS_VAR)
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            any_layer: false,
        }
    }
}

/// The table of role references, as `macro-template.yaml` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceTable {
    /// `LAMBDA_PROFILING_REFERENCE_TABLE`, default [`DEFAULT_REFERENCE_TABLE`].
    pub name: String,
    /// The home region: `LAMBDA_PROFILING_REFERENCE_REGION`, else this function's region.
    pub region: String,
    /// A table that does not exist reads as empty, for the command line, which creates
    /// the table before its first write (and plans without it). The Lambda's stack makes
    /// its table: there a missing table is an error that says to deploy it.
    pub absent_reads_empty: bool,
}

pub use lambda_profiling_protocol::DEFAULT_REFERENCE_TABLE;
pub(crate) const REFERENCE_TABLE_VAR: &str = "LAMBDA_PROFILING_REFERENCE_TABLE";
pub(crate) const REFERENCE_REGION_VAR: &str = "LAMBDA_PROFILING_REFERENCE_REGION";

impl ReferenceTable {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>, function_region: &str) -> Self {
        ReferenceTable {
            name: non_empty(lookup, REFERENCE_TABLE_VAR).unwrap_or_else(|| DEFAULT_REFERENCE_TABLE.into()),
            region: non_empty(lookup, REFERENCE_REGION_VAR).unwrap_or_else(|| function_region.into()),
            absent_reads_empty: false,
        }
    }
}

/// Everything the custom resource talks to. Cheap to share: the SDK clients are `Arc`s inside.
#[derive(Debug, Clone)]
pub struct Clients {
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub codeguru: aws_sdk_codeguruprofiler::Client,
    /// The references' table, in its home region.
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: ReferenceTable,
    /// For the one PUT of the response to CloudFormation's presigned URL.
    pub http: reqwest::Client,
    /// The region the clients act in: the function's and the group's.
    pub region: String,
    pub settings: Settings,
    /// What AWS publishes of the agent layers, asked before a function is changed;
    /// `None` for clients assembled by hand (tests' mocks), which then use the built-in table.
    pub layers: Option<Arc<LayerResolver>>,
}

/// Attempts per AWS call when the environment does not say (`AWS_MAX_ATTEMPTS`):
/// a few more than the SDK's 3, since a deploy-time throttle should not fail a stack.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// No IAM or DynamoDB call (with its retries) outlives this: a lease's margin past the
/// invocation's deadline covers it (see `custom_resource::references`).
const OPERATION_TIMEOUT: Duration = Duration::from_secs(20);

impl Clients {
    /// Builds the clients from the function's environment (see the module header).
    pub async fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the clients from variables read through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let config = sdk_config(&lookup);
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        let table = ReferenceTable::from_lookup(&lookup, &region);
        let endpoint = |service: &str| endpoint_url(&lookup, service);
        Self::from_config(&config, &region, table, endpoint, Settings::from_lookup(&lookup))
    }

    /// Builds the clients of `region` from a configuration made elsewhere (the command
    /// line's credential chain), `endpoint` overriding a service's (`IAM`, `LAMBDA`,
    /// `CODEGURUPROFILER`, `DYNAMODB`). IAM and DynamoDB calls are bounded as in the Lambda.
    pub fn from_config(
        config: &SdkConfig,
        region: &str,
        table: ReferenceTable,
        endpoint: impl Fn(&str) -> Option<String>,
        settings: Settings,
    ) -> Self {
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let here = (!region.is_empty()).then(|| Region::new(region.to_owned()));
        let mut iam = aws_sdk_iam::config::Builder::from(config);
        if let Some(url) = endpoint("IAM") {
            iam.set_endpoint_url(Some(url)); // else the configuration's own, if any
        }
        iam.set_region(here.clone());
        iam.set_timeout_config(Some(timeouts.clone()));
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(config);
        if let Some(url) = endpoint("DYNAMODB") {
            dynamodb.set_endpoint_url(Some(url)); // else the configuration's own, if any
        }
        dynamodb.set_region(Some(Region::new(table.region.clone())));
        dynamodb.set_timeout_config(Some(timeouts));
        let mut lambda = aws_sdk_lambda::config::Builder::from(config);
        if let Some(url) = endpoint("LAMBDA") {
            lambda.set_endpoint_url(Some(url)); // else the configuration's own, if any
        }
        lambda.set_region(here.clone());
        let mut codeguru = aws_sdk_codeguruprofiler::config::Builder::from(config);
        if let Some(url) = endpoint("CODEGURUPROFILER") {
            codeguru.set_endpoint_url(Some(url)); // else the configuration's own, if any
        }
        codeguru.set_region(here);
        let mut clients = Self::new(
            aws_sdk_iam::Client::from_conf(iam.build()),
            aws_sdk_lambda::Client::from_conf(lambda.build()),
            aws_sdk_codeguruprofiler::Client::from_conf(codeguru.build()),
            aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            table,
            region.to_owned(),
            settings,
        );
        clients.layers = Some(Arc::new(LayerResolver::new(clients.lambda.clone())));
        clients
    }

    /// Assembles clients built elsewhere (tests use mocked or locally pointed clients).
    #[allow(clippy::too_many_arguments)] // one per client and setting, all named at the call
    pub fn new(
        iam: aws_sdk_iam::Client,
        lambda: aws_sdk_lambda::Client,
        codeguru: aws_sdk_codeguruprofiler::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        table: ReferenceTable,
        region: String,
        settings: Settings,
    ) -> Self {
        Clients {
            iam,
            lambda,
            codeguru,
            dynamodb,
            table,
            http: response_http_client(),
            region,
            settings,
            layers: None,
        }
    }
}

/// The Lambda client alone, from the function's environment (as [`Clients::from_env`]
/// builds it): the macro's layer lookups need nothing else.
pub fn lambda_client_from_env() -> aws_sdk_lambda::Client {
    let lookup = |name: &str| std::env::var(name).ok();
    let config = sdk_config(&lookup);
    let mut lambda = aws_sdk_lambda::config::Builder::from(&config);
    if let Some(url) = endpoint_url(&lookup, "LAMBDA") {
        lambda.set_endpoint_url(Some(url));
    }
    aws_sdk_lambda::Client::from_conf(lambda.build())
}

/// The configuration every client shares: region, the session's credentials, retries.
fn sdk_config(lookup: &impl Fn(&str) -> Option<String>) -> SdkConfig {
    let set = |name: &str| non_empty(lookup, name);
    let region = set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION"));
    let credentials = match (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Some(SharedCredentialsProvider::new(Credentials::new(
            id,
            secret,
            set("AWS_SESSION_TOKEN"),
            None,
            "Environment",
        ))),
        _ => None,
    };
    let attempts = set("AWS_MAX_ATTEMPTS")
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n: &u32| n > 0)
        .unwrap_or(DEFAULT_MAX_ATTEMPTS);
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(lambda_https_client())
        .retry_config(RetryConfig::standard().with_max_attempts(attempts));
    config.set_region(region.map(Region::new));
    config.set_credentials_provider(credentials);
    config.build()
}

/// `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true: the SDK's own rules for these variables.
fn endpoint_url(lookup: &impl Fn(&str) -> Option<String>, service: &str) -> Option<String> {
    let set = |name: &str| non_empty(lookup, name);
    if set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    set(&format!("AWS_ENDPOINT_URL_{service}")).or_else(|| set("AWS_ENDPOINT_URL"))
}

/// A variable's value; an empty one counts as unset, as in the SDK.
fn non_empty(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name).filter(|v| !v.is_empty())
}

/// The SDK's HTTPS client, on rustls with ring: the one TLS implementation of the binary.
/// Every SDK config needs it, since the SDK crates are built without their default client.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The Lambda's HTTPS client: it trusts the runtime's CA bundle, read as one file
/// (`SSL_CERT_FILE`, else Amazon Linux's or Debian's bundle), where the SDK's default reads
/// every file of the certificates' directories too. Parsing the bundle's PEM is most of
/// the agent layers' lookup's own time on a cold start, so it is parsed once, for the
/// connector that is used (the SDK also builds one early, only to parse it, and drops it:
/// one that trusts nothing here). Without a bundle, the SDK's default.
fn lambda_https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{TlsContext, TrustStore};
    let Some(bundle) = ca_bundle() else {
        return https_client();
    };
    let store = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(bundle);
    let Ok(context) = TlsContext::builder().with_trust_store(store).build() else {
        return https_client();
    };
    // The early connector trusts nothing, so parses nothing, and is of the same type as the
    // one used (a plain-HTTP connector would put a second hyper stack in the binary).
    let early = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_native_roots(false))
        .build();
    aws_smithy_http_client::Builder::new().build_with_connector_fn(move |settings, components| {
        let sleep = components.and_then(|c| c.sleep_impl());
        match (settings, &early) {
            (None, Ok(early)) => tls_connector(early, None, sleep),
            _ => tls_connector(&context, settings, sleep),
        }
    })
}

fn connector_builder(
    settings: Option<&aws_smithy_runtime_api::client::http::HttpConnectorSettings>,
    sleep: Option<aws_smithy_async::rt::sleep::SharedAsyncSleep>,
) -> aws_smithy_http_client::ConnectorBuilder {
    let mut builder = aws_smithy_http_client::Connector::builder();
    builder.set_connector_settings(settings.cloned());
    builder.set_sleep_impl(sleep);
    builder
}

/// A connector that trusts `context`'s bundle; the SDK's default roots where rustls cannot
/// take one of the bundle's certificates (the SDK panics on such a bundle).
fn tls_connector(
    context: &aws_smithy_http_client::tls::TlsContext,
    settings: Option<&aws_smithy_runtime_api::client::http::HttpConnectorSettings>,
    sleep: Option<aws_smithy_async::rt::sleep::SharedAsyncSleep>,
) -> aws_smithy_http_client::Connector {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let rustls = || Provider::Rustls(CryptoMode::Ring);
    let trusting = std::panic::AssertUnwindSafe(|| {
        connector_builder(settings, sleep.clone())
            .tls_provider(rustls())
            .tls_context(context.clone())
            .build()
    });
    std::panic::catch_unwind(trusting)
        .unwrap_or_else(|_| connector_builder(settings, sleep).tls_provider(rustls()).build())
}

/// Where the runtime keeps its CA bundle.
const CA_BUNDLES: [&str; 2] = [
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
];

/// The first bundle found that holds a certificate.
fn ca_bundle() -> Option<Vec<u8>> {
    let given = std::env::var_os("SSL_CERT_FILE").map(std::path::PathBuf::from);
    let paths = given.into_iter().chain(CA_BUNDLES.map(std::path::PathBuf::from));
    let holds = |b: &Vec<u8>| b.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----");
    paths.filter_map(|p| std::fs::read(p).ok()).find(holds)
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
#[path = "clients_tests.rs"]
mod tests;
