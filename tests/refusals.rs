//! What the custom resource and the command line refuse before they change anything: a
//! request that would leave a function that fails at every invocation, or act on something
//! other than what it names. Against moto and the CodeGuru Profiler fake; each refusal
//! leaves the function, its role and the account exactly as they were.

mod support;

use lambda_profiling_switch::toggle;
use serde_json::{Value, json};
use support::*;

const PY_LAYER: &str = "AWSCodeGuruProfilerPythonAgentLambdaLayer";
const JAVA_LAYER: &str = "AWSCodeGuruProfilerJavaAgentLayer";
const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";

/// What a refusal must leave as it was.
#[derive(Debug, PartialEq)]
struct Untouched {
    function: FunctionState,
    policies: Vec<String>,
    group: Option<Value>,
}

async fn untouched(s: &Servers, c: &lambda_profiling_switch::Clients, name: &str, role: &str) -> Untouched {
    Untouched {
        function: function_state(c, name).await,
        policies: attached_policies(c, role).await,
        group: group_tags(s).await.get(format!("aws-lambda-{name}")).cloned(),
    }
}

#[tokio::test]
async fn a_layer_arn_of_the_other_family_or_without_the_runtimes_agent_is_refused() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("layerarn")).await;
    let role = unique("layerrole");
    let role_arn = create_role(&c, &role).await;
    let python = unique("py");
    create_function(&c, &python, "python3.12", &role_arn, &[("MODE", "fast")], &[]).await;
    let java = unique("java");
    create_function(
        &c,
        &java,
        "java21",
        &role_arn,
        &[("JAVA_TOOL_OPTIONS", "-Xmx1g")],
        &[],
    )
    .await;
    let (py_before, java_before) = (
        untouched(s, &c, &python, &role).await,
        untouched(s, &c, &java, &role).await,
    );
    let java_layer = publish_layer(&c, JAVA_LAYER).await; // stand-ins keep the publisher's names
    let python_layer = publish_layer(&c, PY_LAYER).await;
    let layer_11 = format!("arn:aws:lambda:{REGION}:157417159150:layer:{PY_LAYER}:11");

    for (function, layer, needle) in [
        (
            &python,
            &java_layer,
            "is the Java agent layer; a python3.12 function needs the Python",
        ),
        (
            &java,
            &python_layer,
            "is the Python agent layer; a java21 function needs the Java",
        ),
        (
            &python,
            &layer_11,
            "version 11 of the Python agent layer carries the agent for python3.6 to 3.9",
        ),
    ] {
        let stack = Stack::new("Profiling");
        let props = json!({"ServiceToken": service_token(), "FunctionName": function, "LayerArn": layer});
        let (_, r) = stack.send(s, &c, "Create", props, None, None).await;
        assert_eq!(r["Status"], "FAILED", "{r}");
        let reason = r["Reason"].as_str().unwrap();
        assert!(
            reason.starts_with("LayerArn: ") && reason.contains(needle),
            "{reason}"
        );

        // The command line refuses it the same way, with its flag's name.
        let request = toggle::Job {
            function: function.clone(),
            layer_arn: Some(layer.clone()),
            ..toggle::Job::default()
        };
        let refused = toggle::enable(&c, &request).await.unwrap_err().to_string();
        assert!(
            refused.starts_with("--layer-arn: ") && refused.contains(needle),
            "{refused}"
        );
    }
    assert_eq!(untouched(s, &c, &python, &role).await, py_before);
    assert_eq!(untouched(s, &c, &java, &role).await, java_before);
    assert!(!attached_policies(&c, &role).await.contains(&POLICY.to_owned()));
}

/// Lambda checks `lambda:GetLayerVersion` on every layer of an update's list (the test front
/// answers as IAM does when the role may not read one). The reason names the function's
/// layers and what to grant, and quotes nothing of AWS's message.
#[tokio::test]
async fn a_layer_the_role_may_not_read_gets_its_own_advice() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("layerread")).await;
    let role_arn = create_role(&c, &unique("layerreadrole")).await;
    let theirs = publish_layer(&c, &unique("team-layer")).await;
    let agent = publish_layer(&c, PY_LAYER).await;
    let name = unique("withlayer");
    create_function(
        &c,
        &name,
        "python3.12",
        &role_arn,
        &[],
        std::slice::from_ref(&theirs),
    )
    .await;
    deny(
        s,
        &[&name, "/configuration"],
        "PUT",
        "lambda:GetLayerVersion",
        &theirs,
    )
    .await;
    let before = function_state(&c, &name).await;

    let props = json!({"ServiceToken": service_token(), "FunctionName": name, "LayerArn": agent});
    let reason = failed_create(s, &c, props).await;
    assert!(
        reason.contains("Lambda checks lambda:GetLayerVersion on each") && reason.contains(&theirs),
        "{reason}"
    );
    assert!(reason.contains("add-layer-version-permission"), "{reason}");
    assert!(
        !reason.contains("assumed-role"),
        "AWS's message is not quoted: {reason}"
    );
    assert_eq!(function_state(&c, &name).await, before);
}

/// Function mode is off unless the administrator names functions in `FunctionScope` (the
/// macro stack's role may then read and change only those): a function outside it is
/// refused with that advice (the test front answers as IAM would).
#[tokio::test]
async fn a_function_outside_the_function_scope_is_refused_with_the_parameter_to_set() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("scope")).await;
    let role_arn = create_role(&c, &unique("scoperole")).await;
    let name = unique("outofscope");
    create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let function_arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
    deny(
        s,
        &[&name, "/configuration"],
        "GET",
        "lambda:GetFunctionConfiguration",
        &function_arn,
    )
    .await;
    let props = json!({"ServiceToken": service_token(), "FunctionName": name});
    let reason = failed_create(s, &c, props).await;
    assert!(
        reason.contains("FunctionScope") && reason.contains("none by default"),
        "{reason}"
    );
    assert!(!reason.contains("assumed-role"), "{reason}");
}

/// `disable ARN` with another `--region`: Lambda of that region does not find the function,
/// which must not be taken for deleted (its references would be released, the policy
/// detached, under a live function).
#[tokio::test]
async fn disable_of_an_arn_in_another_region_is_refused_and_releases_nothing() {
    let Some(s) = servers() else { return };
    let west = clients_in(s, &unique("west"), "us-west-2").await;
    let role = unique("westrole");
    let role_arn = create_role(&west, &role).await;
    let layer = publish_layer(&west, PY_LAYER).await;
    let name = unique("west");
    let arn = create_function(&west, &name, "python3.12", &role_arn, &[], &[]).await;
    let on = toggle::Job {
        function: name.clone(),
        layer_arn: Some(layer),
        ..toggle::Job::default()
    };
    toggle::enable(&west, &on).await.unwrap();
    let held = record_refs(&west, &role).await;
    assert_eq!(held.len(), 1);

    let east = clients(s, &unique("east")).await;
    let off = toggle::Job {
        function: arn.clone(),
        ..toggle::Job::default()
    };
    let refused = toggle::disable(&east, &off).await.unwrap_err().to_string();
    assert!(refused.contains("pass --region us-west-2"), "{refused}");
    assert_eq!(
        record_refs(&west, &role).await,
        held,
        "the reference is still held"
    );
    assert!(attached_policies(&west, &role).await.contains(&POLICY.to_owned()));
    toggle::disable(&west, &off).await.unwrap();
    assert!(record_refs(&west, &role).await.is_empty());
}

/// A layer version that does not exist: Lambda answers "not found" for the update, which
/// is not the function's being deleted (moto answers so too).
#[tokio::test]
async fn a_layer_version_that_does_not_exist_is_named_not_taken_for_a_deleted_function() {
    let Some(s) = servers() else { return };
    let c = clients(s, &unique("nolayer")).await;
    let role_arn = create_role(&c, &unique("nolayerrole")).await;
    let real = publish_layer(&c, PY_LAYER).await;
    let missing = format!("{}99", real.rsplit_once(':').unwrap().0.to_owned() + ":");
    let name = unique("nolayer");
    create_function(&c, &name, "python3.12", &role_arn, &[], &[]).await;
    let before = function_state(&c, &name).await;
    let request = toggle::Job {
        function: name.clone(),
        layer_arn: Some(missing.clone()),
        ..toggle::Job::default()
    };
    let failed = toggle::enable(&c, &request).await.unwrap_err().to_string();
    assert!(
        failed.contains(&format!("Lambda found no layer version {missing}")),
        "{failed}"
    );
    assert!(!failed.contains("was deleted"), "{failed}");
    assert_eq!(function_state(&c, &name).await, before);
}
