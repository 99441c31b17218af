//! `lambda-profiling enable` and `disable` against moto (Lambda, IAM, DynamoDB with the
//! references' table of macro-template.yaml) and the CodeGuru Profiler fake, over real
//! HTTP, driven as the binary runs them (`toggle::execute`), with `status` to judge.
//! moto refuses layers of other accounts: the agent layers are stand-ins published in the
//! test account under the real names, given with `--layer-arn`.

mod support;

use std::collections::BTreeMap;

use lambda_profiling_cli::status::{StatusArgs, StatusFormat};
use lambda_profiling_cli::toggle::{self, Common, DisableArgs, EnableArgs, Outcome, Toggle};
use serde_json::Value;
use support::*;

fn common(dry_run: bool) -> Common {
    Common {
        region: Some(REGION.into()),
        dry_run,
        force: false,
        reference_table: toggle::DEFAULT_TABLE.into(),
        reference_region: None,
    }
}

fn enable_args(functions: &[&str], layer: &str, dry_run: bool) -> EnableArgs {
    EnableArgs {
        functions: functions.iter().map(|f| f.to_string()).collect(),
        common: common(dry_run),
        profiling_group_name: None,
        layer_arn: Some(layer.into()),
    }
}

fn disable_args(functions: &[&str], dry_run: bool) -> DisableArgs {
    DisableArgs {
        functions: functions.iter().map(|f| f.to_string()).collect(),
        common: common(dry_run),
    }
}

async fn run(s: &Servers, toggle: Toggle<'_>) -> Outcome {
    let session = status_session(s, &unique("tg"), REGION).await;
    let out = toggle::execute(toggle, &session).await;
    eprintln!("{}{}", out.stdout, out.stderr);
    out
}

/// Every field of the configuration a user could see change, by name.
async fn configuration(s: &Servers, name: &str) -> BTreeMap<&'static str, String> {
    let session = status_session(s, &unique("tg-read"), REGION).await;
    let c = session
        .lambda(REGION)
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    let vars = c
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    let layers: Vec<_> = c.layers().iter().filter_map(|l| l.arn()).collect();
    BTreeMap::from([
        ("handler", format!("{:?}", c.handler())),
        ("runtime", format!("{:?}", c.runtime())),
        ("role", format!("{:?}", c.role())),
        ("layers", format!("{layers:?}")),
        (
            "variables",
            format!("{:?}", vars.into_iter().collect::<BTreeMap<_, _>>()),
        ),
        ("memory", format!("{:?}", c.memory_size())),
        ("timeout", format!("{:?}", c.timeout())),
        ("architectures", format!("{:?}", c.architectures())),
        ("description", format!("{:?}", c.description())),
    ])
}

async fn state(s: &Servers, name: &str) -> (String, Value) {
    let session = status_session(s, &unique("tg-status"), REGION).await;
    let args = StatusArgs {
        regions: vec![REGION.into()],
        functions: vec![name.into()],
        format: StatusFormat::Json,
        concurrency: 4,
    };
    let out =
        lambda_profiling_cli::status::execute(&args, &session, (false, false), Box::new(std::io::sink()))
            .await;
    let report: Value = serde_json::from_str(&out.stdout).expect(&out.stderr);
    let f = report["functions"][0].clone();
    (f["state"].as_str().unwrap().to_owned(), f)
}

async fn attached(s: &Servers, role: &str) -> bool {
    let session = status_session(s, &unique("tg-iam"), REGION).await;
    let out = session
        .iam(REGION)
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    out.attached_policies()
        .iter()
        .any(|p| p.policy_arn() == Some(POLICY))
}

async fn group_exists(s: &Servers, name: &str) -> bool {
    let session = status_session(s, &unique("tg-cg"), REGION).await;
    let out = session
        .codeguru(REGION)
        .describe_profiling_group()
        .profiling_group_name(name)
        .send()
        .await;
    out.is_ok()
}

#[tokio::test]
async fn enable_is_profiled_and_disable_puts_every_field_back_and_dry_runs_change_nothing() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("tg-setup"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let role_name = unique("tg-role");
    let role_arn = role(&iam, &role_name, false).await;
    let layer = publish(&lambda, PY_LAYER).await;
    let user_layer = publish(&lambda, &unique("deps")).await;
    let name = unique("tg-orders");
    let mut spec = Spec::new(&name, &role_arn).var("DB_HOST", "db.internal");
    spec.layers = vec![user_layer.clone()];
    create(&lambda, &spec).await;
    let before = configuration(s, &name).await;
    assert_eq!(state(s, &name).await.0, "off");
    let group = format!("aws-lambda-{name}");

    let plan = run(s, Toggle::Enable(&enable_args(&[&name], &layer, true))).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for line in [
        format!("would add layer {layer}"),
        format!("would set AWS_CODEGURU_PROFILER_GROUP_NAME={group}"),
        "would set AWS_LAMBDA_EXEC_WRAPPER=/opt/codeguru_profiler_lambda_exec".into(),
        format!("would create profiling group {group} in {REGION}"),
        format!("would attach AmazonCodeGuruProfilerAgentAccess to role {role_name}"),
        "dry run: nothing was changed".into(),
    ] {
        assert!(
            plan.stdout.contains(&line),
            "the plan lacks {line:?}:\n{}",
            plan.stdout
        );
    }
    assert_eq!(configuration(s, &name).await, before, "a dry run changes nothing");
    assert!(!group_exists(s, &group).await && !attached(s, &role_name).await);

    let on = run(s, Toggle::Enable(&enable_args(&[&name], &layer, false))).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert!(
        on.stdout.contains("done: CodeGuru Profiler is on"),
        "{}",
        on.stdout
    );
    let (state_on, report) = state(s, &name).await;
    assert_eq!(state_on, "profiled", "status after enable: {report}");
    let in_report = report["profilingGroup"].as_str().unwrap_or_default();
    assert!(in_report.ends_with(&format!("/{group}")), "{report}");
    assert!(group_exists(s, &group).await && attached(s, &role_name).await);
    let on_config = configuration(s, &name).await;
    assert!(
        on_config["layers"].contains(&user_layer),
        "the user's layer stays first: {on_config:?}"
    );

    // Again: nothing more is added (the ledger says what is ours already).
    let again = run(s, Toggle::Enable(&enable_args(&[&name], &layer, false))).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(configuration(s, &name).await, on_config);

    let plan = run(s, Toggle::Disable(&disable_args(&[&name], true))).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for line in [
        format!("would remove layer {layer}"),
        "would remove AWS_LAMBDA_EXEC_WRAPPER".into(),
        format!("would delete profiling group {group} (enable created it)"),
        format!("would detach AmazonCodeGuruProfilerAgentAccess from role {role_name}"),
    ] {
        assert!(
            plan.stdout.contains(&line),
            "the plan lacks {line:?}:\n{}",
            plan.stdout
        );
    }
    assert_eq!(
        configuration(s, &name).await,
        on_config,
        "a dry run changes nothing"
    );

    let off = run(s, Toggle::Disable(&disable_args(&[&name], false))).await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(
        configuration(s, &name).await,
        before,
        "disable puts every field back"
    );
    assert_eq!(state(s, &name).await.0, "off");
    assert!(
        !group_exists(s, &group).await,
        "the group enable created is deleted"
    );
    assert!(
        !attached(s, &role_name).await,
        "the policy enable attached is detached"
    );
    let c = clients(s, &unique("tg-table")).await;
    assert!(
        record(&c, &role_name).await.is_none(),
        "nothing of ours is left in the table"
    );

    // Once more: nothing is recorded, so there is nothing to undo, and it says why.
    let twice = run(s, Toggle::Disable(&disable_args(&[&name], false))).await;
    assert_eq!(twice.code, 0);
    assert!(
        twice
            .stdout
            .contains("nothing to do: lambda-profiling enable did not turn profiling on")
    );
}

#[tokio::test]
async fn the_policy_stays_while_another_needs_it_and_a_users_policy_stays_for_good() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("tg-setup"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let layer = publish(&lambda, PY_LAYER).await;
    let users_role = unique("tg-users");
    let users_arn = role(&iam, &users_role, true).await;
    let shared_role = unique("tg-shared");
    let shared_arn = role(&iam, &shared_role, false).await;
    let (a, b, c) = (unique("tg-a"), unique("tg-b"), unique("tg-c"));
    create(&lambda, &Spec::new(&a, &users_arn)).await;
    create(&lambda, &Spec::new(&b, &shared_arn)).await;
    create(&lambda, &Spec::new(&c, &shared_arn)).await;

    let on = run(s, Toggle::Enable(&enable_args(&[&a, &b, &c], &layer, false))).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert!(
        on.stdout.contains(&format!(
            "role {users_role} already holds AmazonCodeGuruProfilerAgentAccess"
        )),
        "{}",
        on.stdout
    );
    for f in [&a, &b, &c] {
        assert_eq!(state(s, f).await.0, "profiled", "{f}");
    }

    let off_a = run(s, Toggle::Disable(&disable_args(&[&a], false))).await;
    assert!(
        off_a.stdout.contains("lambda-profiling did not attach it"),
        "{}",
        off_a.stdout
    );
    assert!(
        attached(s, &users_role).await,
        "a policy the user attached is never detached"
    );

    let off_b = run(s, Toggle::Disable(&disable_args(&[&b], false))).await;
    assert!(
        off_b
            .stdout
            .contains("1 other lambda-profiling resource needs it"),
        "{}",
        off_b.stdout
    );
    assert!(attached(s, &shared_role).await, "c still needs the policy");
    assert_eq!(state(s, &c).await.0, "profiled");

    let off_c = run(s, Toggle::Disable(&disable_args(&[&c], false))).await;
    assert_eq!(off_c.code, 0, "{}", off_c.stderr);
    assert!(
        !attached(s, &shared_role).await,
        "the last one detaches what enable attached"
    );
}

#[tokio::test]
async fn bad_inputs_are_refused_with_what_to_do_and_change_nothing() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("tg-setup"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let layer = publish(&lambda, PY_LAYER).await;
    let role_name = unique("tg-bad");
    let role_arn = role(&iam, &role_name, false).await;
    let (stacked, node) = (unique("tg-stacked"), unique("tg-node"));
    let mut spec = Spec::new(&stacked, &role_arn);
    spec.stack = Some("shop".into());
    create(&lambda, &spec).await;
    let mut spec = Spec::new(&node, &role_arn);
    spec.runtime = "nodejs20.x".into();
    create(&lambda, &spec).await;
    let before = configuration(s, &stacked).await;
    let ghost = unique("tg-ghost");

    let out = run(
        s,
        Toggle::Enable(&enable_args(
            &[&stacked, &ghost, &node, "123456789012:function:orders:3"],
            &layer,
            false,
        )),
    )
    .await;
    assert_eq!(out.code, 1);
    for words in [
        format!("{stacked} belongs to CloudFormation stack shop: a direct change drifts from the stack"),
        "or pass --force".into(),
        format!("function {ghost} does not exist in {REGION}: check its name and --region"),
        "names a version or alias; give the unqualified function".into(),
        "4 of 4 functions failed".into(),
    ] {
        assert!(
            out.stderr.contains(&words),
            "stderr lacks {words:?}:\n{}",
            out.stderr
        );
    }
    assert!(
        out.stderr.contains(&format!("error: enable {node}: ")),
        "{}",
        out.stderr
    );
    assert_eq!(configuration(s, &stacked).await, before);
    assert!(
        !attached(s, &role_name).await,
        "nothing was attached for a refused function"
    );

    // --force changes a stack's function, and says it will drift.
    let mut forced = enable_args(&[&stacked], &layer, true);
    forced.common.force = true;
    let out = run(s, Toggle::Enable(&forced)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("stack shop owns it, and --force was given"),
        "{}",
        out.stdout
    );

    // Without the references' table nothing starts, and the message says where it should be.
    let mut elsewhere = enable_args(&[&stacked], &layer, false);
    elsewhere.common.force = true;
    elsewhere.common.reference_table = "no-such-table".into();
    let out = run(s, Toggle::Enable(&elsewhere)).await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("reference table no-such-table does not exist in us-east-1")
            && out.stderr.contains("--reference-region"),
        "{}",
        out.stderr
    );
    assert_eq!(configuration(s, &stacked).await, before);
}

#[tokio::test]
async fn a_java_function_gets_the_agent_flag_after_its_options_and_loses_only_the_flag() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("tg-setup"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let layer = publish(&lambda, JAVA_LAYER).await;
    let role_arn = role(&iam, &unique("tg-java"), false).await;
    let name = unique("tg-billing");
    let mut spec = Spec::new(&name, &role_arn).var("JAVA_TOOL_OPTIONS", "-Xmx512m");
    spec.runtime = "java21".into();
    create(&lambda, &spec).await;
    let before = configuration(s, &name).await;

    let mut args = enable_args(&[&name], &layer, false);
    args.profiling_group_name = Some(unique("billing-group"));
    let on = run(s, Toggle::Enable(&args)).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert!(
        on.stdout.contains(
            "change JAVA_TOOL_OPTIONS from \"-Xmx512m\" to \"-Xmx512m -javaagent:/opt/codeguru-profiler-java-agent-standalone.jar\""
        ),
        "{}",
        on.stdout
    );
    assert_eq!(state(s, &name).await.0, "profiled");
    let group = args.profiling_group_name.unwrap();
    assert!(group_exists(s, &group).await, "the named group is created");

    let off = run(s, Toggle::Disable(&disable_args(&[&name], false))).await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(
        configuration(s, &name).await,
        before,
        "the user's options stay, the flag goes"
    );
    assert!(
        !group_exists(s, &group).await,
        "disable finds the named group in the ledger's variables"
    );
}
