//! What the tests of "nothing leaked, nothing lost" share: a Create that must fail, AWS's
//! own refusals played by the front, an earlier version's ledger, and the log lines as the
//! Lambda writes them.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use lambda_profiling_switch::Clients;
use serde_json::{Value, json};

use super::{ACCOUNT, Servers, Stack, fault, item, put_item};

/// Sends a Create that must fail; its reason.
pub async fn failed_create(s: &Servers, c: &Clients, props: Value) -> String {
    let (_, r) = Stack::new("Profiling")
        .send(s, c, "Create", props, None, None)
        .await;
    assert_eq!(r["Status"], "FAILED", "{r}");
    r["Reason"].as_str().unwrap().to_owned()
}

/// Makes the front answer the next request containing `contains` (by `method`) as IAM
/// refuses one the caller may not make: `AccessDeniedException`, `action` on `resource`.
pub async fn deny(s: &Servers, contains: &[&str], method: &str, action: &str, resource: &str) {
    let message = format!(
        "User: arn:aws:sts::{ACCOUNT}:assumed-role/lambda-profiling-Role/fn is not authorized to perform: \
         {action} on resource: {resource} because no identity-based policy allows the {action} action"
    );
    let headers = json!({"x-amzn-ErrorType": "AccessDeniedException", "Content-Type": "application/json"});
    let body = json!({"Type": "User", "Message": message}).to_string();
    fault(&s.aws, contains, method, 1, 403, headers, &body).await;
}

/// Rewrites a ledger item as a version before the recorded values wrote it: without the
/// agent's family and the group.
pub async fn as_earlier_version(c: &Clients, pk: &str) {
    let mut ledger = item(c, pk).await.expect("the ledger item");
    let text = ledger["ledger"].as_s().unwrap().clone();
    let words: Vec<&str> = text
        .split(' ')
        .filter(|w| !w.starts_with("family=") && !w.starts_with("group="))
        .collect();
    ledger.insert(
        "ledger".into(),
        aws_sdk_dynamodb::types::AttributeValue::S(words.join(" ")),
    );
    put_item(c, ledger).await;
}

/// Every log line of this test binary, as the Lambda writes them at its most verbose
/// (`AWS_LAMBDA_LOG_LEVEL=trace`, through the product's own filter). One subscriber for the
/// whole binary, installed once: each test looks for its own lines in it.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

pub fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish()
            .with(lambda_profiling::log_filter(
                tracing::level_filters::LevelFilter::TRACE,
            ));
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        captured
    })
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
