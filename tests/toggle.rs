//! `lambda-profiling enable` and `disable` against moto (Lambda, IAM, DynamoDB with the
//! references' table of macro-template.yaml) and the CodeGuru Profiler fake, over real
//! HTTP, driven as the binary runs them (`toggle::execute`), with `status` to judge.
//! moto refuses layers of other accounts: the agent layers are stand-ins published in the
//! test account under the real names, given with `--layer-arn`.

mod support;

use lambda_profiling_cli::toggle::Toggle;
use support::*;

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
    assert_eq!(status_of(s, &name).await.0, "off");
    let group = format!("aws-lambda-{name}");

    let plan = toggle_run(s, Toggle::Enable(&enable_args(&[&name], &layer, true))).await;
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
    assert!(!group_exists(s, &group).await && !holds_policy(s, &role_name).await);
    let c = clients(s, &unique("tg-table")).await;
    assert!(
        record(&c, &role_name).await.is_none(),
        "a dry run writes no reference"
    );

    let on = toggle_run(s, Toggle::Enable(&enable_args(&[&name], &layer, false))).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert!(
        on.stdout.contains("done: CodeGuru Profiler is on"),
        "{}",
        on.stdout
    );
    let (state_on, report) = status_of(s, &name).await;
    assert_eq!(state_on, "profiled", "status after enable: {report}");
    let in_report = report["profilingGroup"].as_str().unwrap_or_default();
    assert!(in_report.ends_with(&format!("/{group}")), "{report}");
    assert!(group_exists(s, &group).await && holds_policy(s, &role_name).await);
    let on_config = configuration(s, &name).await;
    assert!(
        on_config["layers"].contains(&user_layer),
        "the user's layer stays first: {on_config:?}"
    );

    // Again: nothing more is added (the ledger says what is ours already).
    let again = toggle_run(s, Toggle::Enable(&enable_args(&[&name], &layer, false))).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(configuration(s, &name).await, on_config);

    let plan = toggle_run(s, Toggle::Disable(&disable_args(&[&name], true))).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for line in [
        format!("would remove layer {layer}"),
        "would remove AWS_LAMBDA_EXEC_WRAPPER".into(),
        format!(
            "would delete profiling group {group} (lambda-profiling created it, and nothing else uses it)"
        ),
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
    assert!(group_exists(s, &group).await && holds_policy(s, &role_name).await);
    assert_eq!(
        record_refs(&c, &role_name).await.len(),
        1,
        "a dry run keeps the reference"
    );

    // By its ARN this time: the same function, the same ledger.
    let arn = on.stdout.split(['(', ')']).nth(1).unwrap().to_owned();
    assert!(arn.starts_with("arn:aws:lambda:"), "{arn}");
    let off = toggle_run(s, Toggle::Disable(&disable_args(&[&arn], false))).await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(
        configuration(s, &name).await,
        before,
        "disable puts every field back"
    );
    assert_eq!(status_of(s, &name).await.0, "off");
    assert!(
        !group_exists(s, &group).await,
        "the group enable created is deleted"
    );
    assert!(
        !holds_policy(s, &role_name).await,
        "the policy enable attached is detached"
    );
    assert!(
        record(&c, &role_name).await.is_none(),
        "nothing of ours is left in the table"
    );

    // Once more: nothing is recorded, so there is nothing to undo, and it says why.
    let twice = toggle_run(s, Toggle::Disable(&disable_args(&[&name], false))).await;
    assert_eq!(twice.code, 0);
    assert!(
        twice
            .stdout
            .contains("nothing to do: lambda-profiling enable has not turned profiling on for it")
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

    let on = toggle_run(s, Toggle::Enable(&enable_args(&[&a, &b, &c], &layer, false))).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert!(
        on.stdout.contains(&format!(
            "record a reference only: role {users_role} already holds AmazonCodeGuruProfilerAgentAccess"
        )),
        "{}",
        on.stdout
    );
    for f in [&a, &b, &c] {
        assert_eq!(status_of(s, f).await.0, "profiled", "{f}");
    }

    let off_a = toggle_run(s, Toggle::Disable(&disable_args(&[&a], false))).await;
    assert_eq!(off_a.code, 0, "{}", off_a.stderr);
    assert_eq!(status_of(s, &a).await.0, "off");
    assert!(
        off_a.stdout.contains("lambda-profiling did not attach it"),
        "{}",
        off_a.stdout
    );
    assert!(
        holds_policy(s, &users_role).await,
        "a policy the user attached is never detached"
    );

    let off_b = toggle_run(s, Toggle::Disable(&disable_args(&[&b], false))).await;
    assert_eq!(off_b.code, 0, "{}", off_b.stderr);
    assert_eq!(status_of(s, &b).await.0, "off");
    assert!(
        off_b
            .stdout
            .contains("1 other lambda-profiling resource needs it"),
        "{}",
        off_b.stdout
    );
    assert!(holds_policy(s, &shared_role).await, "c still needs the policy");
    assert_eq!(status_of(s, &c).await.0, "profiled");

    let off_c = toggle_run(s, Toggle::Disable(&disable_args(&[&c], false))).await;
    assert_eq!(off_c.code, 0, "{}", off_c.stderr);
    assert!(
        !holds_policy(s, &shared_role).await,
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

    let out = toggle_run(
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
        out.stderr.contains(&format!(
            "error: enable {node}: nodejs20.x is not supported by CodeGuru Profiler"
        )),
        "the function named once: {}",
        out.stderr
    );
    assert_eq!(configuration(s, &stacked).await, before);
    // disable of a stack's function says how to turn it off there.
    let out = toggle_run(s, Toggle::Disable(&disable_args(&[&stacked], false))).await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("Turn profiling off in the stack (Profiling: false on the function"),
        "{}",
        out.stderr
    );
    assert!(
        !holds_policy(s, &role_name).await,
        "nothing was attached for a refused function"
    );

    // --force changes a stack's function, and says it will drift.
    let mut forced = enable_args(&[&stacked], &layer, true);
    forced.common.force = true;
    let out = toggle_run(s, Toggle::Enable(&forced)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("stack shop owns it, and --force was given"),
        "{}",
        out.stdout
    );

    // Without the references' table, enable makes it: tests/first_use.rs.
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
    let on = toggle_run(s, Toggle::Enable(&args)).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert!(on.stdout.contains("change JAVA_TOOL_OPTIONS\n"), "{}", on.stdout);
    assert_eq!(status_of(s, &name).await.0, "profiled");
    let group = args.profiling_group_name.unwrap();
    assert!(group_exists(s, &group).await, "the named group is created");

    let off = toggle_run(s, Toggle::Disable(&disable_args(&[&name], false))).await;
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

#[tokio::test]
async fn a_shared_group_passes_on_a_users_edit_stays_and_a_deleted_function_lets_go_of_its_role() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("tg-setup"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let layer = publish(&lambda, PY_LAYER).await;
    let role_name = unique("tg-left");
    let role_arn = role(&iam, &role_name, false).await;
    let (a, b, c, d) = (unique("tg-a"), unique("tg-b"), unique("tg-c"), unique("tg-d"));
    for f in [&a, &b, &c, &d] {
        create(&lambda, &Spec::new(f, &role_arn)).await;
    }
    let team = unique("team");
    // a creates the group, then b joins it.
    for f in [&a, &b] {
        let mut args = enable_args(&[f], &layer, false);
        args.profiling_group_name = Some(team.clone());
        assert_eq!(toggle_run(s, Toggle::Enable(&args)).await.code, 0);
    }
    let out = toggle_run(s, Toggle::Enable(&enable_args(&[&c, &d], &layer, false))).await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    let off_a = toggle_run(s, Toggle::Disable(&disable_args(&[&a], false))).await;
    let kept = format!(
        "keep profiling group {team}: 1 other lambda-profiling resource uses it (the last to go deletes it)"
    );
    assert!(off_a.stdout.contains(&kept), "{}", off_a.stdout);
    assert!(group_exists(s, &team).await, "b still profiles into it");
    assert_eq!(status_of(s, &b).await.0, "profiled");
    let off_b = toggle_run(s, Toggle::Disable(&disable_args(&[&b], false))).await;
    let deleted = format!("delete profiling group {team}");
    assert!(off_b.stdout.contains(&deleted), "{}", off_b.stdout);
    assert!(
        !group_exists(s, &team).await,
        "the last of its functions deletes it"
    );

    // The user points c at a group of their own after enable: that value stays.
    let before = configuration(s, &c).await;
    let read = lambda.get_function_configuration().function_name(&c).send().await;
    let mut vars = read
        .unwrap()
        .environment()
        .and_then(|e| e.variables().cloned())
        .unwrap();
    vars.insert("AWS_CODEGURU_PROFILER_GROUP_NAME".into(), "their-own".into());
    let env = aws_sdk_lambda::types::Environment::builder()
        .set_variables(Some(vars))
        .build();
    let update = lambda
        .update_function_configuration()
        .function_name(&c)
        .environment(env);
    update.send().await.unwrap();
    let off_c = toggle_run(s, Toggle::Disable(&disable_args(&[&c], false))).await;
    assert_eq!(off_c.code, 0, "{}", off_c.stderr);
    let after = configuration(s, &c).await;
    let vars = &after["variables"];
    assert!(
        vars.contains(r#""AWS_CODEGURU_PROFILER_GROUP_NAME": "their-own""#),
        "{vars}"
    );
    assert!(!vars.contains("AWS_CODEGURU_PROFILER_GROUP_ARN"), "{vars}");
    assert!(!vars.contains("AWS_LAMBDA_EXEC_WRAPPER"), "{vars}");
    assert_ne!(after, before);
    assert!(
        !group_exists(s, &format!("aws-lambda-{c}")).await,
        "the group enable made goes"
    );

    // d is deleted; disable by its ARN lets go of the role, the last reference on it.
    let d_arn = lambda.get_function().function_name(&d).send().await.unwrap();
    let d_arn = d_arn.configuration().unwrap().function_arn().unwrap().to_owned();
    lambda.delete_function().function_name(&d).send().await.unwrap();
    assert!(holds_policy(s, &role_name).await);
    let by_name = toggle_run(s, Toggle::Disable(&disable_args(&[&d], false))).await;
    assert_eq!(
        by_name.code, 1,
        "a name cannot be found once the function is gone"
    );
    let off_d = toggle_run(s, Toggle::Disable(&disable_args(&[&d_arn], false))).await;
    assert_eq!(off_d.code, 0, "{}", off_d.stderr);
    assert!(
        off_d
            .stdout
            .contains("take nothing back from the function: it is gone"),
        "{}",
        off_d.stdout
    );
    assert!(
        !holds_policy(s, &role_name).await,
        "the last reference detaches the policy"
    );
    let t = clients(s, &unique("tg-table")).await;
    assert!(
        record(&t, &role_name).await.is_none(),
        "nothing of ours is left in the table"
    );
}

/// `enable --upgrade` moves only the publisher's agent layer that lambda-profiling added
/// (unit-tested with what a region publishes: `config_tests.rs`): a copy it added from
/// `--layer-arn` (moto holds only copies) and a function's own agent layer are left as
/// they are, and `disable` then still puts every field back.
#[tokio::test]
async fn upgrade_leaves_a_copy_and_a_functions_own_layer_and_disable_still_undoes_exactly() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("tg-up"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let role_arn = role(&iam, &unique("tg-up-role"), false).await;
    let copy = publish(&lambda, PY_LAYER).await;
    let ours = unique("tg-up-ours");
    create(&lambda, &Spec::new(&ours, &role_arn)).await;
    let theirs = unique("tg-up-theirs");
    let mut spec = Spec::new(&theirs, &role_arn);
    spec.layers = vec![copy.clone()];
    create(&lambda, &spec).await;
    let before = configuration(s, &ours).await;
    let theirs_before = configuration(s, &theirs).await;

    let on = toggle_run(s, Toggle::Enable(&enable_args(&[&ours], &copy, false))).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    let enabled = configuration(s, &ours).await;
    let mut upgrade = enable_args(&[&ours, &theirs], &copy, false);
    (upgrade.layer_arn, upgrade.upgrade) = (None, true);
    let up = toggle_run(s, Toggle::Enable(&upgrade)).await;
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(
        up.stdout.matches("--upgrade leaves it").count(),
        2,
        "{}",
        up.stdout
    );
    assert_eq!(configuration(s, &ours).await, enabled, "a copy is not moved");
    assert_eq!(
        configuration(s, &theirs).await,
        theirs_before,
        "its own agent layer is left"
    );

    let off = toggle_run(s, Toggle::Disable(&disable_args(&[&ours], false))).await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(
        configuration(s, &ours).await,
        before,
        "disable undoes what enable added"
    );
}
