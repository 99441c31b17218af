//! The CLI's AWS access (feature `aws`): one SDK configuration from the standard chain
//! (environment, profiles, SSO, `credential_process`, IMDS; `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` honoured by aws-config), and clients made once per
//! region. Every subcommand that talks to AWS starts here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Attempts per call when neither `AWS_MAX_ATTEMPTS` nor `AWS_RETRY_MODE` says: more
/// than the SDK's 3, since a scan of a whole account meets Lambda's and IAM's throttles.
const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// Bounds on a call, so that an endpoint that does not answer is said within seconds, not
/// waited on in silence: connecting, each attempt, and the call with its retries.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(30))
        .build()
}

/// Endpoints that override the configuration's, per service (tests point these at
/// local stand-ins; on a workstation aws-config's own variables do this).
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub lambda: Option<String>,
    pub iam: Option<String>,
    pub codeguru: Option<String>,
    pub tagging: Option<String>,
}

/// Clients of one region, made on first use.
type PerRegion<C> = Mutex<HashMap<String, C>>;

#[derive(Clone)]
pub struct Session {
    config: SdkConfig,
    endpoints: Endpoints,
    clients: Arc<Clients>,
}

#[derive(Default)]
struct Clients {
    lambda: PerRegion<aws_sdk_lambda::Client>,
    iam: PerRegion<aws_sdk_iam::Client>,
    codeguru: PerRegion<aws_sdk_codeguruprofiler::Client>,
    tagging: PerRegion<aws_sdk_resourcegroupstagging::Client>,
}

impl Session {
    /// The standard credential chain and settings, as the AWS CLI reads them.
    pub async fn from_env() -> Session {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(lambda_profiling_switch::https_client())
            .timeout_config(timeouts());
        if std::env::var_os("AWS_MAX_ATTEMPTS").is_none() && std::env::var_os("AWS_RETRY_MODE").is_none() {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(DEFAULT_MAX_ATTEMPTS));
        }
        Session::new(loader.load().await, Endpoints::default())
    }

    pub fn new(config: SdkConfig, endpoints: Endpoints) -> Session {
        Session {
            config,
            endpoints,
            clients: Arc::default(),
        }
    }

    /// The configuration every client is made from.
    pub fn config(&self) -> &SdkConfig {
        &self.config
    }

    /// The same settings and endpoints with other credentials (another account's); the
    /// clients' identity cache renews them from `provider` before they expire.
    pub fn with_credentials(
        &self,
        provider: impl aws_credential_types::provider::ProvideCredentials + 'static,
    ) -> Session {
        let provider = aws_credential_types::provider::SharedCredentialsProvider::new(provider);
        let config = self.config.to_builder().credentials_provider(provider).build();
        Session::new(config, self.endpoints.clone())
    }

    /// The endpoint override of a service, by its `AWS_ENDPOINT_URL_<SERVICE>` name.
    pub fn endpoint(&self, service: &str) -> Option<String> {
        match service {
            "LAMBDA" => self.endpoints.lambda.clone(),
            "IAM" => self.endpoints.iam.clone(),
            "CODEGURUPROFILER" => self.endpoints.codeguru.clone(),
            "RESOURCEGROUPSTAGGINGAPI" => self.endpoints.tagging.clone(),
            _ => None,
        }
    }

    /// The endpoint a service's calls in `region` go to: the override (tests, or
    /// `AWS_ENDPOINT_URL*` read by aws-config), else the service's own, for messages
    /// that name where the CLI asked.
    pub fn endpoint_of(&self, service: &str, region: &str) -> String {
        let configured = self
            .endpoint(service)
            .or_else(|| self.config.endpoint_url().map(str::to_owned));
        if let Some(url) = configured {
            return url;
        }
        let domain = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        match service {
            "IAM" => format!("https://iam.{domain}"),
            "CODEGURUPROFILER" => format!("https://codeguru-profiler.{region}.{domain}"),
            "RESOURCEGROUPSTAGGINGAPI" => format!("https://tagging.{region}.{domain}"),
            other => format!("https://{}.{region}.{domain}", other.to_ascii_lowercase()),
        }
    }

    /// The configuration's region (`AWS_REGION`, the profile's), if any.
    pub fn region(&self) -> Option<String> {
        self.config.region().map(|r| r.to_string())
    }

    pub fn lambda(&self, region: &str) -> aws_sdk_lambda::Client {
        cached(&self.clients.lambda, region, || {
            let mut b =
                aws_sdk_lambda::config::Builder::from(&self.config).region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoints.lambda {
                b.set_endpoint_url(Some(url.clone()));
            }
            aws_sdk_lambda::Client::from_conf(b.build())
        })
    }

    /// IAM is global; `region` only chooses the partition.
    pub fn iam(&self, region: &str) -> aws_sdk_iam::Client {
        cached(&self.clients.iam, region, || {
            let mut b =
                aws_sdk_iam::config::Builder::from(&self.config).region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoints.iam {
                b.set_endpoint_url(Some(url.clone()));
            }
            aws_sdk_iam::Client::from_conf(b.build())
        })
    }

    pub fn codeguru(&self, region: &str) -> aws_sdk_codeguruprofiler::Client {
        cached(&self.clients.codeguru, region, || {
            let mut b = aws_sdk_codeguruprofiler::config::Builder::from(&self.config)
                .region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoints.codeguru {
                b.set_endpoint_url(Some(url.clone()));
            }
            aws_sdk_codeguruprofiler::Client::from_conf(b.build())
        })
    }

    pub fn tagging(&self, region: &str) -> aws_sdk_resourcegroupstagging::Client {
        cached(&self.clients.tagging, region, || {
            let mut b = aws_sdk_resourcegroupstagging::config::Builder::from(&self.config)
                .region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoints.tagging {
                b.set_endpoint_url(Some(url.clone()));
            }
            aws_sdk_resourcegroupstagging::Client::from_conf(b.build())
        })
    }
}

/// Runs one subcommand on a single-threaded runtime with a session from the standard
/// chain. `Err`: the runtime could not start (said on stderr by the caller).
pub fn block_on<T, F: std::future::Future<Output = T>>(run: impl FnOnce(Session) -> F) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok(runtime.block_on(async { run(Session::from_env().await).await }))
}

fn cached<C: Clone>(clients: &PerRegion<C>, region: &str, make: impl FnOnce() -> C) -> C {
    let mut clients = clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    clients.entry(region.to_owned()).or_insert_with(make).clone()
}
