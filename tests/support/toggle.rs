//! For `lambda-profiling enable` and `disable`: their arguments, a run as the binary does
//! it, and what the tests read back (a function's configuration, its `status`, the role's
//! policy, a group).

use std::collections::BTreeMap;

use lambda_profiling_cli::status::{FailOn, StatusArgs, StatusFormat};
use lambda_profiling_cli::toggle::{
    self, Common, DisableArgs, EnableArgs, Printed, Selection, Toggle, ToggleFormat,
};
use serde_json::Value;

use super::{POLICY, REGION, Servers, status_session, unique};

pub fn toggle_common(dry_run: bool) -> Common {
    Common {
        regions: vec![REGION.into()],
        dry_run,
        yes: false,
        format: ToggleFormat::Table,
        force: false,
        reference_table: lambda_profiling_switch::DEFAULT_REFERENCE_TABLE.into(),
        reference_region: None,
        accounts: Default::default(),
    }
}

pub fn enable_args(functions: &[&str], layer: &str, dry_run: bool) -> EnableArgs {
    EnableArgs {
        functions: functions.iter().map(|f| f.to_string()).collect(),
        selection: Selection::default(),
        common: toggle_common(dry_run),
        profiling_group_name: None,
        layer_arn: Some(layer.into()),
        upgrade: false,
        group_per_tag: None,
        group_quota: 500,
    }
}

pub fn disable_args(functions: &[&str], dry_run: bool) -> DisableArgs {
    DisableArgs {
        functions: functions.iter().map(|f| f.to_string()).collect(),
        selection: Selection::default(),
        common: toggle_common(dry_run),
    }
}

pub async fn toggle_run(s: &Servers, toggle: Toggle<'_>) -> Printed {
    let session = status_session(s, &unique("tg"), REGION).await;
    let out = toggle::execute(toggle, &session).await;
    eprintln!("{}{}", out.stdout, out.stderr);
    out
}

/// Every field of the configuration a user could see change, by name.
pub async fn configuration(s: &Servers, name: &str) -> BTreeMap<&'static str, String> {
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

pub async fn status_of(s: &Servers, name: &str) -> (String, Value) {
    let session = status_session(s, &unique("tg-status"), REGION).await;
    let args = StatusArgs {
        regions: vec![REGION.into()],
        functions: vec![name.into()],
        format: StatusFormat::Json,
        concurrency: 4,
        fail_on: vec![FailOn::Broken],
        accounts: Default::default(),
    };
    let out =
        lambda_profiling_cli::status::execute(&args, &session, (false, false), Box::new(std::io::sink()))
            .await;
    let report: Value = serde_json::from_str(&out.stdout).expect(&out.stderr);
    let f = report["functions"][0].clone();
    (f["state"].as_str().unwrap().to_owned(), f)
}

pub async fn holds_policy(s: &Servers, role: &str) -> bool {
    let c = super::clients(s, &unique("tg-iam")).await;
    super::attached_policies(&c, role)
        .await
        .iter()
        .any(|p| p == POLICY)
}

pub async fn group_exists(s: &Servers, name: &str) -> bool {
    let session = status_session(s, &unique("tg-cg"), REGION).await;
    let out = session
        .codeguru(REGION)
        .describe_profiling_group()
        .profiling_group_name(name)
        .send()
        .await;
    out.is_ok()
}
