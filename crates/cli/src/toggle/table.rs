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

/// What a plan says of a missing table.
pub fn would_create(clients: &Clients) -> String {
    let t = &clients.table;
    format!(
        "note: the references table {} does not exist in {}: enable creates it before its first change, as \
         the macro stack makes it, and the plan reads it as empty\n",
        t.name, t.region
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
    let recovery = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .expect("enabled is set");
    let backups = clients
        .dynamodb
        .update_continuous_backups()
        .table_name(&t.name)
        .point_in_time_recovery_specification(recovery)
        .send()
        .await;
    let recovery_said = match backups {
        Ok(_) => "point-in-time recovery on".to_owned(),
        Err(e) => format!(
            "point-in-time recovery could not be turned on ({}): turn it on in the DynamoDB console",
            said(&e)
        ),
    };
    Ok(format!(
        "note: created the references table {} in {} as the macro stack makes it (key pk, on demand, {recovery_said}); \
         a macro stack deployed later in this account's home region takes ReferenceTableExists=true\n",
        t.name, t.region
    ))
}

/// Waits, bounded, until the table is active.
async fn active(clients: &Clients) -> Result<(), String> {
    let t = &clients.table;
    let until = Instant::now() + ACTIVE_WITHIN;
    while Instant::now() < until {
        let described = clients.dynamodb.describe_table().table_name(&t.name).send().await;
        let status = described.ok().and_then(|d| d.table).and_then(|t| t.table_status);
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
