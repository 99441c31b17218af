//! `enable` where no macro stack is deployed, so its references table does not exist:
//! a plan and `disable` read the missing table as empty and create nothing; `enable`,
//! once told the account's home region, creates the table as `macro-template.yaml` makes
//! it (key `pk`, on demand, point-in-time recovery), says so, and `disable` then takes back
//! exactly what it added. Against moto
//! (DynamoDB, Lambda, IAM) and the CodeGuru Profiler fake, driven as the binary runs it.

mod support;

use aws_sdk_dynamodb::types::{BillingMode, KeyType, PointInTimeRecoveryStatus};
use lambda_profiling_cli::toggle::Toggle;
use support::*;

async fn table_exists(s: &Servers, name: &str) -> bool {
    let c = clients(s, &unique("fu-table")).await;
    c.dynamodb.describe_table().table_name(name).send().await.is_ok()
}

#[tokio::test]
async fn enable_makes_the_missing_table_and_nothing_else_does() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("fu-setup"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let role_name = unique("fu-role");
    let role_arn = role(&iam, &role_name, false).await;
    let layer = publish(&lambda, PY_LAYER).await;
    let name = unique("fu-orders");
    create(
        &lambda,
        &Spec::new(&name, &role_arn).var("DB_HOST", "db.internal"),
    )
    .await;
    let before = configuration(s, &name).await;
    let table = unique("fu-refs");
    let with_table = |mut common: lambda_profiling_cli::toggle::Common| {
        common.reference_table = table.clone();
        common
    };

    let mut off = disable_args(&[&name], false);
    off.common = with_table(off.common);
    let out = toggle_run(s, Toggle::Disable(&off)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("has not turned profiling on for it"),
        "{}",
        out.stdout
    );
    assert!(!table_exists(s, &table).await, "disable made the table");

    let mut plan = enable_args(&[&name], &layer, true);
    plan.common = with_table(plan.common);
    let out = toggle_run(s, Toggle::Enable(&plan)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let note = format!(
        "note: the references table {table} does not exist in {REGION}, and the plan reads it as empty"
    );
    assert!(out.stderr.starts_with(&note), "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("would add layer {layer}")),
        "{}",
        out.stdout
    );
    assert!(!table_exists(s, &table).await, "a plan made the table");

    // Without the home region named, a table made here could split the account's
    // records: nothing is made or changed, and the message says what to give.
    let mut on = enable_args(&[&name], &layer, false);
    on.common = with_table(on.common);
    let out = toggle_run(s, Toggle::Enable(&on)).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("name the account's one home region, --reference-region us-east-1"),
        "{}",
        out.stderr
    );
    assert!(
        !table_exists(s, &table).await,
        "the table was made without its home region named"
    );
    assert_eq!(configuration(s, &name).await, before);

    // A name that does not exist makes no table either: the plan comes first.
    on.common.reference_region = Some(REGION.into());
    let mut ghost = enable_args(&[&unique("fu-ghost")], &layer, false);
    ghost.common = on.common.clone();
    let out = toggle_run(s, Toggle::Enable(&ghost)).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        !table_exists(s, &table).await,
        "a run that changes nothing made the table"
    );

    let out = toggle_run(s, Toggle::Enable(&on)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let said = format!("note: created the references table {table} in {REGION} as the macro stack makes it");
    assert!(out.stderr.starts_with(&said), "{}", out.stderr);
    assert!(out.stderr.contains("point-in-time recovery on"), "{}", out.stderr);
    assert!(
        out.stdout.contains("done: CodeGuru Profiler is on"),
        "{}",
        out.stdout
    );
    assert_eq!(status_of(s, &name).await.0, "profiled");
    let c = clients(s, &unique("fu-read")).await;
    let described = c
        .dynamodb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let t = described.table().unwrap();
    let key = &t.key_schema()[0];
    assert_eq!((key.attribute_name(), key.key_type()), ("pk", &KeyType::Hash));
    let billing = t.billing_mode_summary().and_then(|b| b.billing_mode());
    assert_eq!(billing, Some(&BillingMode::PayPerRequest));
    let backups = c
        .dynamodb
        .describe_continuous_backups()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let pitr = backups
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status());
    assert_eq!(pitr, Some(&PointInTimeRecoveryStatus::Enabled));

    // Again: the table is there; nothing is said of it.
    let out = toggle_run(s, Toggle::Enable(&on)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("references table"), "{}", out.stderr);

    let out = toggle_run(s, Toggle::Disable(&off)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("done: what enable added is removed"),
        "{}",
        out.stdout
    );
    assert_eq!(
        configuration(s, &name).await,
        before,
        "disable puts every field back"
    );
    assert!(
        !holds_policy(s, &role_name).await,
        "the policy enable attached is detached"
    );
}
