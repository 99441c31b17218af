//! The product's own client construction: `Clients::from_env()` reads Lambda's
//! variables and the SDK's endpoint variables, so `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_CODEGURUPROFILER` reach the local stand-ins, and the contract §3.2/§3.3 settings come from the environment. One test in its own
//! binary, since it sets process environment variables.

mod support;

use lambda_profiling_switch::Clients;
use serde_json::json;
use support::*;

#[tokio::test]
async fn clients_from_the_environment_reach_service_specific_endpoints() {
    let Some(s) = servers() else { return };
    let vars = [
        ("AWS_ENDPOINT_URL", s.aws.as_str()),
        ("AWS_ENDPOINT_URL_CODEGURUPROFILER", s.codeguru.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS", "127.0.0.1"),
        ("LAMBDA_PROFILING_ALLOWED_LAYER_ACCOUNTS", ACCOUNT),
    ];
    for (k, v) in vars {
        // SAFETY: this binary has this one test, and nothing else reads the environment
        // concurrently (the servers were started above, the runtime is single-threaded).
        unsafe { std::env::set_var(k, v) };
    }
    let c = Clients::from_env().await;
    assert_eq!(c.region, REGION);
    assert_eq!(c.settings, settings());

    let role_arn = create_role(&c, &unique("envrole")).await;
    let layer = publish_layer(&c, "AWSCodeGuruProfilerPythonAgentLambdaLayer").await;
    let name = unique("envfn");
    create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let p = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": layer});
    let (_, r) = Stack::new("Env").send(s, &c, "Create", p, None, None).await;
    assert_eq!(r["Status"], "SUCCESS", "{r}");
    let group = format!("aws-lambda-{name}");
    assert!(
        group_tags(s).await.get(&group).is_some(),
        "the group was created through AWS_ENDPOINT_URL_CODEGURUPROFILER"
    );
}
