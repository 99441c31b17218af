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

fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

#[test]
fn a_service_endpoint_wins_over_the_general_one_unless_endpoints_are_ignored() {
    let both = vars(&[
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ("AWS_ENDPOINT_URL_CODEGURUPROFILER", "http://127.0.0.1:2"),
    ]);
    assert_eq!(
        endpoint_url(&both, "CODEGURUPROFILER").as_deref(),
        Some("http://127.0.0.1:2")
    );
    assert_eq!(endpoint_url(&both, "IAM").as_deref(), Some("http://127.0.0.1:1"));
    let ignored = vars(&[
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
    ]);
    assert_eq!(endpoint_url(&ignored, "IAM"), None);
    assert_eq!(endpoint_url(&vars(&[("AWS_ENDPOINT_URL", "")]), "IAM"), None);
}

#[test]
fn region_credentials_and_attempts_come_from_lambdas_variables() {
    let config = sdk_config(&vars(&[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
        ("AWS_MAX_ATTEMPTS", "2"),
    ]));
    assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
    assert!(config.credentials_provider().is_some());
    assert_eq!(config.retry_config().map(|r| r.max_attempts()), Some(2));

    let bare = sdk_config(&vars(&[
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_MAX_ATTEMPTS", "x"),
    ]));
    assert_eq!(bare.region().map(|r| r.as_ref()), Some("us-east-1"));
    assert!(bare.credentials_provider().is_none());
    assert_eq!(
        bare.retry_config().map(|r| r.max_attempts()),
        Some(DEFAULT_MAX_ATTEMPTS)
    );
}

#[test]
fn the_reference_table_is_in_the_home_region_else_in_this_one() {
    let home = vars(&[
        ("AWS_REGION", "eu-west-1"),
        (REFERENCE_REGION_VAR, "us-east-1"),
        (REFERENCE_TABLE_VAR, "refs"),
    ]);
    let clients = Clients::from_lookup(home);
    assert_eq!(
        clients.table,
        ReferenceTable {
            name: "refs".into(),
            region: "us-east-1".into(),
            absent_reads_empty: false
        }
    );
    assert_eq!(
        clients.dynamodb.config().region().map(|r| r.as_ref()),
        Some("us-east-1")
    );
    assert_eq!(clients.region, "eu-west-1");
    // An empty HomeRegion parameter: the table is in the function's own region.
    let here = Clients::from_lookup(vars(&[("AWS_REGION", "eu-west-1"), (REFERENCE_REGION_VAR, "")]));
    assert_eq!(
        (here.table.name.as_str(), here.table.region.as_str()),
        (DEFAULT_REFERENCE_TABLE, "eu-west-1")
    );
}

#[test]
fn a_bundle_rustls_cannot_take_falls_back_to_the_default_roots() {
    use aws_smithy_http_client::tls::{TlsContext, TrustStore};
    use aws_smithy_runtime_api::client::http::HttpConnectorSettings;
    let garbled = b"-----BEGIN CERTIFICATE-----\nMIIBbad\n-----END CERTIFICATE-----\n";
    let store = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(garbled.to_vec());
    let context = TlsContext::builder().with_trust_store(store).build().unwrap();
    // The SDK panics on it; the connector is built all the same, with the default roots.
    let _ = super::tls_connector(&context, Some(&HttpConnectorSettings::builder().build()), None);
    for path in super::CA_BUNDLES {
        if let Ok(bundle) = std::fs::read(path) {
            let store = TrustStore::empty()
                .with_native_roots(false)
                .with_pem_certificate(bundle);
            let context = TlsContext::builder().with_trust_store(store).build().unwrap();
            let _ = super::tls_connector(&context, Some(&HttpConnectorSettings::builder().build()), None);
        }
    }
}
