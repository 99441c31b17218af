//! Running `enable` or `disable` on each function (feature `aws`): the engine's function
//! mode, a few at once, each result in the order given; and the words of a run that could
//! not start.

use std::collections::HashMap;

use futures_util::StreamExt;
use lambda_profiling_switch::Clients;
use lambda_profiling_switch::toggle::{self, Job, ToggleError};

use super::render::Line;
use super::{FAILED, Printed, Toggle};

/// Functions changed at once: each waits for Lambda's update to finish.
const AT_ONCE: usize = 4;

/// Runs `toggle` on each function, a few at once, in order; `groups` gives a function its
/// own profiling group (`--group-per-tag`).
pub(super) async fn run_each(
    toggle: Toggle<'_>,
    clients: &Clients,
    functions: &[String],
    groups: &HashMap<String, String>,
    dry_run: bool,
) -> Vec<Line> {
    let common = toggle.common();
    let (group_name, layer_arn, upgrade) = match toggle {
        Toggle::Enable(a) => (a.profiling_group_name.clone(), a.layer_arn.clone(), a.upgrade),
        Toggle::Disable(_) => (None, None, false),
    };
    futures_util::stream::iter(functions)
        .map(|function| {
            let request = Job {
                function: function.clone(),
                group_name: groups.get(function).cloned().or_else(|| group_name.clone()),
                layer_arn: layer_arn.clone(),
                upgrade,
                force: common.force,
                dry_run,
            };
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
        .await
}

pub(super) fn failed(why: &str) -> Printed {
    Printed {
        stdout: String::new(),
        stderr: format!("{why}\n"),
        code: FAILED,
    }
}
