//! Running `enable` and `disable` against AWS (feature `aws`): the custom resource's
//! clients made from the command line's session, one function after another in order of
//! the arguments, a few at once.

use futures_util::StreamExt;
use lambda_profiling_switch::toggle::{self, Job, ToggleError};
use lambda_profiling_switch::{Clients, ReferenceTable, Settings};

use super::render::{Line, render};
use super::{FAILED, Printed, Toggle};
use crate::session::Session;

/// Functions changed at once: each waits for Lambda's update to finish.
const AT_ONCE: usize = 4;

/// The whole of `enable` or `disable` but the process.
pub async fn execute(toggle: Toggle<'_>, session: &Session) -> Printed {
    let common = toggle.common();
    let Some(region) = common.region.clone().or_else(|| session.region()) else {
        return Printed {
            stdout: String::new(),
            stderr: "no region: pass --region, or set AWS_REGION or a region in your AWS profile\n".into(),
            code: FAILED,
        };
    };
    let table = ReferenceTable {
        name: common.reference_table.clone(),
        region: common.reference_region.clone().unwrap_or_else(|| region.clone()),
    };
    let clients = Clients::from_config(
        session.config(),
        &region,
        table,
        |service| session.endpoint(service),
        Settings::default(),
    );
    let (group_name, layer_arn, upgrade) = match toggle {
        Toggle::Enable(a) => (a.profiling_group_name.clone(), a.layer_arn.clone(), a.upgrade),
        Toggle::Disable(_) => (None, None, false),
    };
    let lines: Vec<Line> = futures_util::stream::iter(toggle.functions())
        .map(|function| {
            let request = Job {
                function: function.clone(),
                group_name: group_name.clone(),
                layer_arn: layer_arn.clone(),
                upgrade,
                force: common.force,
                dry_run: common.dry_run,
            };
            let clients = &clients;
            async move {
                let result = match toggle {
                    Toggle::Enable(_) => toggle::enable(clients, &request).await,
                    Toggle::Disable(_) => toggle::disable(clients, &request).await,
                };
                Line {
                    function: request.function,
                    result: result.map_err(|e: ToggleError| e.to_string()),
                }
            }
        })
        .buffered(AT_ONCE)
        .collect()
        .await;
    render(toggle.verb(), common.dry_run, &lines)
}
