//! Exact call sequences and rare errors, with aws-smithy-mocks: PreconditionFailed on
//! RevisionId, ResourceConflictException while an update is in progress, throttling,
//! and "not found" on Delete read through the SDK's typed errors.

use aws_sdk_codeguruprofiler::operation::create_profiling_group::CreateProfilingGroupOutput;
use aws_sdk_codeguruprofiler::types::ProfilingGroupDescription;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_iam::operation::attach_role_policy::AttachRolePolicyOutput;
use aws_sdk_iam::operation::get_role::{GetRoleError, GetRoleOutput};
use aws_sdk_iam::operation::list_role_tags::{ListRoleTagsError, ListRoleTagsOutput};
use aws_sdk_iam::types::error::NoSuchEntityException;
use aws_sdk_lambda::operation::get_function_configuration::{
    GetFunctionConfigurationError, GetFunctionConfigurationOutput,
};
use aws_sdk_lambda::operation::update_function_configuration::{
    UpdateFunctionConfigurationError, UpdateFunctionConfigurationOutput,
};
use aws_sdk_lambda::types::error::{
    PreconditionFailedException, ResourceConflictException, ResourceNotFoundException,
};
use aws_sdk_lambda::types::{EnvironmentResponse, LastUpdateStatus, Runtime, State};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde_json::json;

use super as lifecycle;
use crate::custom_resource::outcome::Status;
use crate::custom_resource::request::Action;
use lambda_profiling_switch::resource::StackResource;
use lambda_profiling_switch::{Clients, ReferenceTable, Settings};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:app";
const LAYER: &str =
    "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13";
const IDS: StackResource<'static> = StackResource {
    stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
    logical_id: "Profiling",
    request_id: "req-1",
};

fn config(revision: &str, status: LastUpdateStatus, vars: &[(&str, &str)]) -> GetFunctionConfigurationOutput {
    let mut env = EnvironmentResponse::builder();
    for (k, v) in vars {
        env = env.variables(*k, *v);
    }
    GetFunctionConfigurationOutput::builder()
        .function_arn(ARN)
        .runtime(Runtime::Python312)
        .role("arn:aws:iam::123456789012:role/app-role")
        .handler("app.handler")
        .revision_id(revision)
        .environment(env.build())
        .last_update_status(status)
        .state(State::Active)
        .build()
}

/// The function as the read-back after a Create finds it: profiled, the agent's layer and
/// variables on it (with the user's `vars`).
fn profiled(revision: &str, vars: &[(&str, &str)]) -> GetFunctionConfigurationOutput {
    let group = "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/aws-lambda-app";
    let mut all: Vec<(&str, &str)> = vars.to_vec();
    all.extend([
        ("AWS_CODEGURU_PROFILER_GROUP_NAME", "aws-lambda-app"),
        ("AWS_CODEGURU_PROFILER_GROUP_ARN", group),
        ("AWS_CODEGURU_PROFILER_TARGET_REGION", "us-east-1"),
        ("AWS_CODEGURU_PROFILER_ENABLED", "TRUE"),
        ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec"),
    ]);
    let mut out = config(revision, LastUpdateStatus::Successful, &all);
    out.layers = Some(vec![aws_sdk_lambda::types::Layer::builder().arn(LAYER).build()]);
    out
}

fn updated() -> UpdateFunctionConfigurationOutput {
    UpdateFunctionConfigurationOutput::builder()
        .last_update_status(LastUpdateStatus::Successful)
        .build()
}

/// The role's record as the table holds it once decided: lambda-profiling's policy, with
/// the references `refs`.
fn record(refs: &[&str]) -> std::collections::HashMap<String, AttributeValue> {
    let mut item = std::collections::HashMap::from([
        ("pk".to_owned(), AttributeValue::S("role#app-role".into())),
        ("gen".to_owned(), AttributeValue::S("0000000000000001".into())),
        ("ours".to_owned(), AttributeValue::Bool(true)),
    ]);
    if !refs.is_empty() {
        let refs = refs.iter().map(|r| r.to_string()).collect();
        item.insert("refs".into(), AttributeValue::Ss(refs));
    }
    item
}

/// The table answering a Create on a role and a group whose records are decided: no
/// ledger item yet, the records, and every write applied.
fn table() -> (aws_sdk_dynamodb::Client, Vec<Rule>) {
    let is_role = |k: Option<&std::collections::HashMap<String, AttributeValue>>| {
        k.and_then(|k| k.get("pk"))
            .and_then(|v| v.as_s().ok())
            .is_some_and(|s| s.starts_with("role#") || s.starts_with("group#"))
    };
    let rules = vec![
        mock!(aws_sdk_dynamodb::Client::get_item)
            .match_requests(move |r| is_role(r.key()))
            .then_output(|| GetItemOutput::builder().set_item(Some(record(&[]))).build()),
        mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| GetItemOutput::builder().build()),
        mock!(aws_sdk_dynamodb::Client::put_item).then_output(|| PutItemOutput::builder().build()),
        mock!(aws_sdk_dynamodb::Client::update_item).then_output(|| {
            UpdateItemOutput::builder()
                .set_attributes(Some(record(&["00000000000000aa"])))
                .build()
        }),
    ];
    (mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &rules), rules)
}

/// IAM and CodeGuru answering a first Create on a role without the policy.
fn iam_and_codeguru() -> (aws_sdk_iam::Client, aws_sdk_codeguruprofiler::Client, Vec<Rule>) {
    let rules = vec![
        mock!(aws_sdk_iam::Client::get_role).then_output(|| {
            GetRoleOutput::builder()
                .role(
                    aws_sdk_iam::types::Role::builder()
                        .role_name("app-role")
                        .path("/")
                        .role_id("AROAEXAMPLE")
                        .arn("arn:aws:iam::123456789012:role/app-role")
                        .create_date(aws_sdk_iam::primitives::DateTime::from_secs(0))
                        .build()
                        .unwrap(),
                )
                .build()
        }),
        mock!(aws_sdk_iam::Client::list_role_tags).then_output(|| {
            ListRoleTagsOutput::builder()
                .set_tags(Some(vec![]))
                .build()
                .unwrap()
        }),
        mock!(aws_sdk_iam::Client::attach_role_policy)
            .then_output(|| AttachRolePolicyOutput::builder().build()),
    ];
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
    let group = mock!(aws_sdk_codeguruprofiler::Client::create_profiling_group).then_output(|| {
        CreateProfilingGroupOutput::builder()
            .profiling_group(
                ProfilingGroupDescription::builder()
                    .name("aws-lambda-app")
                    .arn("arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/aws-lambda-app")
                    .build(),
            )
            .build()
    });
    let codeguru = mock_client!(aws_sdk_codeguruprofiler, RuleMode::MatchAny, [&group]);
    let mut all = rules;
    all.push(group);
    (iam, codeguru, all)
}

fn clients(
    lambda: aws_sdk_lambda::Client,
    iam: aws_sdk_iam::Client,
    codeguru: aws_sdk_codeguruprofiler::Client,
) -> Clients {
    clients_with(lambda, iam, codeguru, table().0)
}

fn clients_with(
    lambda: aws_sdk_lambda::Client,
    iam: aws_sdk_iam::Client,
    codeguru: aws_sdk_codeguruprofiler::Client,
    dynamodb: aws_sdk_dynamodb::Client,
) -> Clients {
    let table = ReferenceTable {
        name: lambda_profiling_switch::DEFAULT_REFERENCE_TABLE.into(),
        region: "us-east-1".into(),
        absent_reads_empty: false,
    };
    Clients::new(
        iam,
        lambda,
        codeguru,
        dynamodb,
        table,
        "us-east-1".into(),
        Settings::default(),
    )
}

fn deadline() -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(300)
}

fn create() -> Action {
    Action::Create {
        properties: json!({"ServiceToken": "arn:x", "FunctionName": "app"}),
    }
}

#[tokio::test(start_paused = true)]
async fn precondition_failed_reads_again_and_keeps_the_concurrent_change() {
    let first_read = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .then_output(|| config("r1", LastUpdateStatus::Successful, &[("A", "1")]));
    let stale = mock!(aws_sdk_lambda::Client::update_function_configuration)
        .match_requests(|r| r.revision_id() == Some("r1"))
        .then_error(|| {
            UpdateFunctionConfigurationError::PreconditionFailedException(
                PreconditionFailedException::builder()
                    .message("The RevisionId provided does not match")
                    .build(),
            )
        });
    let second_read = mock!(aws_sdk_lambda::Client::get_function_configuration).then_output(|| {
        config(
            "r2",
            LastUpdateStatus::Successful,
            &[("A", "1"), ("B", "added meanwhile")],
        )
    });
    let fresh = mock!(aws_sdk_lambda::Client::update_function_configuration)
        .match_requests(|r| {
            let vars = r
                .environment()
                .and_then(|e| e.variables())
                .cloned()
                .unwrap_or_default();
            r.revision_id() == Some("r2")
                && vars.get("B").map(String::as_str) == Some("added meanwhile")
                && vars.get("AWS_CODEGURU_PROFILER_GROUP_NAME").map(String::as_str) == Some("aws-lambda-app")
                && r.layers() == [LAYER]
        })
        .then_output(updated);
    let read_back = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .then_output(|| profiled("r3", &[("A", "1"), ("B", "added meanwhile")]));
    let lambda = mock_client!(
        aws_sdk_lambda,
        RuleMode::Sequential,
        [&first_read, &stale, &second_read, &fresh, &read_back]
    );
    let (iam, codeguru, _) = iam_and_codeguru();
    let outcome = lifecycle::run(&clients(lambda, iam, codeguru), &IDS, &create(), deadline()).await;
    assert_eq!(outcome.status, Status::Success, "{outcome:?}");
    assert_eq!(outcome.physical_id, format!("function:{ARN}"));
    assert_eq!(
        [
            first_read.num_calls(),
            stale.num_calls(),
            second_read.num_calls(),
            fresh.num_calls(),
            read_back.num_calls()
        ],
        [1, 1, 1, 1, 1]
    );
}

#[tokio::test(start_paused = true)]
async fn an_update_in_progress_is_waited_for_before_and_after() {
    let busy = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .then_output(|| config("r1", LastUpdateStatus::InProgress, &[]));
    let settled = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .then_output(|| config("r2", LastUpdateStatus::Successful, &[]));
    let conflict = mock!(aws_sdk_lambda::Client::update_function_configuration).then_error(|| {
        UpdateFunctionConfigurationError::ResourceConflictException(
            ResourceConflictException::builder()
                .message("An update is in progress for resource")
                .build(),
        )
    });
    let settled_again = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .then_output(|| config("r3", LastUpdateStatus::Successful, &[]));
    let accepted = mock!(aws_sdk_lambda::Client::update_function_configuration)
        .match_requests(|r| r.revision_id() == Some("r3"))
        .then_output(|| {
            UpdateFunctionConfigurationOutput::builder()
                .last_update_status(LastUpdateStatus::InProgress)
                .build()
        });
    let applied = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .then_output(|| config("r4", LastUpdateStatus::Successful, &[]));
    let read_back =
        mock!(aws_sdk_lambda::Client::get_function_configuration).then_output(|| profiled("r4", &[]));
    let rules = [
        &busy,
        &settled,
        &conflict,
        &settled_again,
        &accepted,
        &applied,
        &read_back,
    ];
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::Sequential, rules);
    let (iam, codeguru, _) = iam_and_codeguru();
    let outcome = lifecycle::run(&clients(lambda, iam, codeguru), &IDS, &create(), deadline()).await;
    assert_eq!(outcome.status, Status::Success, "{outcome:?}");
    assert!(
        rules.iter().all(|r| r.num_calls() == 1),
        "every step once, in order"
    );
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_by_the_sdk() {
    let throttled = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .sequence()
        .http_status(
            429,
            Some(r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.into()),
        )
        .times(2)
        .output(|| config("r1", LastUpdateStatus::Successful, &[]))
        .build();
    let update = mock!(aws_sdk_lambda::Client::update_function_configuration).then_output(updated);
    let read_back =
        mock!(aws_sdk_lambda::Client::get_function_configuration).then_output(|| profiled("r2", &[]));
    let lambda = mock_client!(
        aws_sdk_lambda,
        RuleMode::Sequential,
        [&throttled, &update, &read_back]
    );
    let (iam, codeguru, _) = iam_and_codeguru();
    let outcome = lifecycle::run(&clients(lambda, iam, codeguru), &IDS, &create(), deadline()).await;
    assert_eq!(outcome.status, Status::Success, "{outcome:?}");
    assert_eq!(throttled.num_calls(), 3);
}

#[tokio::test]
async fn delete_of_a_gone_function_succeeds_without_other_calls() {
    let gone = mock!(aws_sdk_lambda::Client::get_function_configuration).then_error(|| {
        GetFunctionConfigurationError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("Function not found")
                .build(),
        )
    });
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::Sequential, [&gone]);
    let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, &[] as &[&Rule]);
    let codeguru = mock_client!(aws_sdk_codeguruprofiler, RuleMode::Sequential, &[] as &[&Rule]);
    let delete = Action::Delete {
        physical_id: format!("function:{ARN}"),
        properties: json!({"FunctionName": "app"}),
    };
    let outcome = lifecycle::run(&clients(lambda, iam, codeguru), &IDS, &delete, deadline()).await;
    assert_eq!(
        (outcome.status, outcome.physical_id.clone()),
        (Status::Success, format!("function:{ARN}")),
        "{outcome:?}"
    );
    assert_eq!(gone.num_calls(), 1);
}

/// The last reference's Delete finds the role gone: it releases its reference, deletes
/// the emptied record, and succeeds.
#[tokio::test]
async fn delete_of_a_gone_role_succeeds() {
    let no_role = mock!(aws_sdk_iam::Client::get_role).then_error(|| {
        GetRoleError::NoSuchEntityException(NoSuchEntityException::builder().message("no role").build())
    });
    let gone = mock!(aws_sdk_iam::Client::list_role_tags).then_error(|| {
        ListRoleTagsError::NoSuchEntityException(NoSuchEntityException::builder().message("no role").build())
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&no_role, &gone]);
    let get = mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| {
        GetItemOutput::builder()
            .set_item(Some(record(&["00000000000000aa"])))
            .build()
    });
    let left = mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(|r| r.update_expression() == Some("DELETE #refs :me"))
        .then_output(|| {
            UpdateItemOutput::builder()
                .set_attributes(Some(record(&[])))
                .build()
        });
    let emptied =
        mock!(aws_sdk_dynamodb::Client::delete_item).then_output(|| DeleteItemOutput::builder().build());
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&get, &left, &emptied]);
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::Sequential, &[] as &[&Rule]);
    let codeguru = mock_client!(aws_sdk_codeguruprofiler, RuleMode::Sequential, &[] as &[&Rule]);
    let delete = Action::Delete {
        physical_id: "role:app-role".into(),
        properties: json!({"RoleArn": "app-role"}),
    };
    let clients = clients_with(lambda, iam, codeguru, dynamodb);
    let outcome = lifecycle::run(&clients, &IDS, &delete, deadline()).await;
    assert_eq!(outcome.status, Status::Success, "{outcome:?}");
    assert_eq!(gone.num_calls(), 1);
    // The look for an old-style tag finds the role gone: the reference is released, the
    // record goes.
    assert_eq!((left.num_calls(), emptied.num_calls()), (1, 1));
}

#[tokio::test]
async fn an_aws_error_on_create_is_failed_with_the_call_named() {
    let denied = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .sequence()
        .http_status(
            403,
            Some(r#"{"__type":"AccessDeniedException","message":"not authorized"}"#.into()),
        )
        .build();
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::Sequential, [&denied]);
    let (iam, codeguru, _) = iam_and_codeguru();
    let outcome = lifecycle::run(&clients(lambda, iam, codeguru), &IDS, &create(), deadline()).await;
    assert_eq!(
        (outcome.status, outcome.physical_id.as_str()),
        (Status::Failed, "failed-create:req-1")
    );
    let reason = outcome.reason.unwrap();
    assert!(
        reason.contains("may not read function app (AccessDeniedException)"),
        "{reason}"
    );
    assert!(reason.contains("FunctionScope parameter"), "{reason}");
    assert!(
        !reason.contains("not authorized"),
        "AWS's message is not quoted: {reason}"
    );
}
