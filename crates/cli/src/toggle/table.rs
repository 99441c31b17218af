//! The references' table where no macro stack made it (feature `aws`). `enable` creates it
//! before its first write, as `macro-template.yaml` makes it (a string key `pk`, on
//! demand, point-in-time recovery), and says so; a macro stack deployed later in the
//! account takes it with `ReferenceTableExists=true`. A plan and `disable` never create it:
//! they read a missing table as empty (nothing was ever recorded there).

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    ScalarAttributeType, TableStatus,
};
use lambda_profiling_switch::Clients;

use crate::status::calls::said;

/// How long a new table may take to become active.
const ACTIVE_WITHIN: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(500);
/// How long point-in-time recovery may stay unavailable on a new table.
const RECOVERY_WITHIN: Duration = Duration::from_secs(60);

/// Whether the table is there. Only a table DynamoDB says does not exist is absent: any
/// other answer (a denied `DescribeTable`, say) leaves the run's own reads to say what
/// is wrong, as they did before the command line could create the table.
pub async fn absent(clients: &Clients) -> bool {
    let described = clients
        .dynamodb
        .describe_table()
        .table_name(&clients.table.name)
        .send()
        .await;
    described
        .err()
        .and_then(|e| {
            e.into_service_error()
                .is_resource_not_found_exception()
                .then_some(())
        })
        .is_some()
}

/// What a plan says of a missing table; `home_named`: `--reference-region` was given.
pub fn would_create(clients: &Clients, home_named: bool) -> String {
    let t = &clients.table;
    match home_named {
        true => format!(
            "note: the references table {} does not exist in {}: enable creates it there before its first \
             change, as the macro stack makes it; the plan reads it as empty\n",
            t.name, t.region
        ),
        false => format!(
            "note: the references table {} does not exist in {}, and the plan reads it as empty\n",
            t.name, t.region
        ),
    }
}

/// Why a missing table is not made without `--reference-region`: a table made in the wrong
/// region would split the account's records, and `disable` could then detach a policy
/// that a function recorded in the other table still needs.
pub fn name_the_home(clients: &Clients) -> String {
    let t = &clients.table;
    format!(
        "nothing was changed: the references table {name} does not exist in {region}. If a macro stack is \
         deployed in this account, give its HomeRegion as --reference-region (and its ReferenceTableName as \
         --reference-table). If none is, name the account's one home region, --reference-region {region} for \
         example, and enable creates the table there; give the same on every later run, in every region, as \
         every macro stack gives the same HomeRegion\n",
        name = t.name,
        region = t.region
    )
}

/// Creates the table and waits until it is active; what was done, or why it could not be.
pub async fn create(clients: &Clients) -> Result<String, String> {
    let t = &clients.table;
    let key = "pk";
    let created = clients
        .dynamodb
        .create_table()
        .table_name(&t.name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name and type are set"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .expect("name and type are set"),
        )
        .send()
        .await;
    match created {
        Ok(_) => {}
        // Another run (or a stack) created it meanwhile: use it.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) => {}
        Err(e) => {
            return Err(format!(
                "the references table {} does not exist in {}, and it could not be created ({}): allow \
                 dynamodb:CreateTable, or deploy the macro stack (macro-template.yaml) there; nothing was changed",
                t.name,
                t.region,
                said(&e)
            ));
        }
    }
    active(clients).await?;
    let recovery_said = match point_in_time_recovery(clients).await {
        Ok(()) => "point-in-time recovery on".to_owned(),
        Err(code) => format!(
            "point-in-time recovery could not be turned on ({code}): turn it on in the DynamoDB console"
        ),
    };
    Ok(format!(
        "note: created the references table {} in {} as the macro stack makes it (key pk, on demand, {recovery_said}); \
         a macro stack deployed later in this account's home region takes ReferenceTableExists=true\n",
        t.name, t.region
    ))
}

/// Turns point-in-time recovery on, as the macro stack's table has it. Right after a table
/// becomes active DynamoDB may answer that backups are not available yet: asked again
/// for a while.
async fn point_in_time_recovery(clients: &Clients) -> Result<(), String> {
    let until = Instant::now() + RECOVERY_WITHIN;
    loop {
        let recovery = PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(true)
            .build()
            .expect("enabled is set");
        let sent = clients
            .dynamodb
            .update_continuous_backups()
            .table_name(&clients.table.name)
            .point_in_time_recovery_specification(recovery)
            .send()
            .await;
        let e = match sent {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let not_yet = e
            .as_service_error()
            .is_some_and(|s| s.is_continuous_backups_unavailable_exception());
        if !not_yet || Instant::now() >= until {
            return Err(said(&e));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits, bounded, until the table is active; a refused `DescribeTable` ends the wait.
async fn active(clients: &Clients) -> Result<(), String> {
    let t = &clients.table;
    let until = Instant::now() + ACTIVE_WITHIN;
    while Instant::now() < until {
        let described = clients.dynamodb.describe_table().table_name(&t.name).send().await;
        let status = match described {
            Ok(d) => d.table.and_then(|t| t.table_status),
            // Just created, it may not be found for a moment (eventual consistency).
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                None
            }
            Err(e) => {
                return Err(format!(
                    "the references table {} in {} was created, and reading it back failed ({}): allow \
                     dynamodb:DescribeTable, and run again once it is active; nothing else was changed",
                    t.name,
                    t.region,
                    said(&e)
                ));
            }
        };
        if status == Some(TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(POLL).await;
    }
    Err(format!(
        "the references table {} in {} was created but is not active after {} s: run again once it is; \
         nothing else was changed",
        t.name,
        t.region,
        ACTIVE_WITHIN.as_secs()
    ))
}
