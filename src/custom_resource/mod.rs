//! The custom resource `Custom::LambdaProfiling` (contract §3).
//!
//! # Entry point
//!
//! ```ignore
//! let clients = Clients::from_env().await;                 // once per cold start
//! let answered = custom_resource::handle(event, deadline, &clients).await;
//! // then return Ok to Lambda, whatever `answered` says
//! ```
//!
//! [`handle`] takes the raw event (`serde_json::Value`) and the invocation's deadline
//! (`deadline_from_epoch_millis(context.deadline)` with `lambda_runtime`'s context). It:
//!
//! - answers **exactly once** with a PUT to the event's `ResponseURL`, SUCCESS or FAILED;
//! - turns a malformed event, an AWS error, a panic inside the operation, or running
//!   out of time (less than a safe margin before the deadline) into FAILED with a reason;
//! - refuses a `ResponseURL` that is not a presigned https URL of CloudFormation's
//!   response bucket in the stack's own region and partition (`aws`, `aws-cn`,
//!   `aws-us-gov`; the ISO and European sovereign partitions are refused until their
//!   hosts are known), or of a host listed in `LAMBDA_PROFILING_INSECURE_RESPONSE_HOSTS`:
//!   then it changes nothing and sends nothing;
//! - never fails itself: the caller returns `Ok` to Lambda so it does not retry. The
//!   returned [`Answered`] is for logging and tests.
//!
//! It logs one INFO (or WARN when FAILED) line per request, within a span carrying the
//! request type, stack id and logical id; steps are at DEBUG, retries at WARN. Never the
//! `ResponseURL`, environment values or the properties wholesale.
//!
//! # Decisions where contract §3 is silent
//!
//! - **What Delete removes** is what this resource recorded that it added: a ledger in
//!   its item of the references' table (see the engine's `references::ledger`), so a value or layer the user had
//!   before (even one equal to ours) stays. A variable is removed only while its value
//!   is still the one set; a user's agent layer (any version) wins over ours.
//! - **`RoleArn`** may be a role ARN (any path) or a bare role name; the physical id uses
//!   the name. **`FunctionName`** must be unqualified (`$LATEST` is what changes).
//! - **`LayerVersion` with `LayerArn`** is an error: the ARN already names a version.
//!   `HeapSummary` on a Python function is an error.
//! - **A function whose own variables name a group** keeps it; the group is created when
//!   missing (the agent must report somewhere) and, in the function's region and account,
//!   recorded like any other; a different `ProfilingGroupName` is an error, and so is a
//!   variable that names no group.
//! - **A Create that fails after changing something** undoes it before answering, since
//!   CloudFormation's Delete of `failed-create:` ids does nothing. A Create stopped by
//!   the deadline cannot; its reason says the change may be partial.
//! - **An Update that renames the group** deletes the old group if this resource made it.
//! - **A function already gone on Delete** is success; its ledger item names the role,
//!   whose reference is released.
//! - **The role's references** live in a DynamoDB table in the account's home region,
//!   not in the role's tags as contract §3.2 first said (tags have no conditional
//!   write and a 50-per-role quota); see the engine's `references` and the book's
//!   chapter on shared roles.
//! - **The refused `ResponseURL`**: nothing is done and nothing is sent.

mod guard;
mod lifecycle;
mod outcome;
mod request;
mod responder;
mod shallow;

use std::time::Instant;

use serde_json::Value;

pub use guard::{Answered, deadline_from_epoch_millis};
pub use outcome::Status;

use lambda_profiling_switch::Clients;

/// Handles one custom-resource event as the invocation's text. One nested deeper than
/// serde_json reads (128 levels) is still answered: its envelope is read without its
/// properties, so a Delete proceeds and a Create or Update fails with the reason.
pub async fn handle_text(text: &str, deadline: Instant, clients: &Clients) -> Answered {
    let event = match serde_json::from_str::<Value>(text) {
        Ok(event) => event,
        Err(_) => {
            let mut fields = shallow::string_fields(text).unwrap_or_default();
            fields.insert("ResourceProperties".into(), Value::Null);
            fields.insert("OldResourceProperties".into(), Value::Null);
            Value::Object(fields)
        }
    };
    handle(event, deadline, clients).await
}

/// Whether the event has a `ResponseURL` at its top level, however deeply the rest nests.
pub fn has_response_url(text: &str) -> bool {
    shallow::string_fields(text).is_some_and(|f| f.contains_key("ResponseURL"))
}

/// Handles one custom-resource event: runs it and answers CloudFormation once.
pub async fn handle(event: Value, deadline: Instant, clients: &Clients) -> Answered {
    guard::answer(event, deadline, clients, |envelope, action| async move {
        lifecycle::run(clients, &envelope.resource(), &action, deadline).await
    })
    .await
}
