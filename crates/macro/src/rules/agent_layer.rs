//! Which agent layer a function gets: its own choice (`LayerVersion`, `LayerArn`), else
//! the transform's, else the built-in one for its region and runtime family.

use serde_json::Value;

use super::settings::{LayerOverride, Options, PARAMETERS_PATH, TransformSettings};
use crate::agent::{self, Family};
use crate::problems::{Checked, fail};

/// The layer to add for a function of `runtimes` (more than one under `Fn::If`, all of
/// `family`): the function's choice, else the transform's, else the built-in one, which
/// must carry the agent for every runtime. `path` is the function's `Profiling`.
pub(crate) fn agent_layer(
    family: Family,
    runtimes: &[&str],
    opts: &Options,
    settings: &TransformSettings,
    region: &str,
    path: &str,
) -> Checked<Value> {
    let defaults = match family {
        Family::Python => &settings.python_layer,
        Family::Java => &settings.java_layer,
    };
    let (chosen, chosen_at): (&LayerOverride, String) = if opts.layer != LayerOverride::default() {
        (&opts.layer, format!("{path}.LayerVersion"))
    } else {
        (
            defaults,
            format!("{PARAMETERS_PATH}.{}LayerVersion", family.label()),
        )
    };
    if let Some(arn) = &chosen.arn {
        let mismatch = arn.as_str().and_then(|arn| {
            runtimes
                .iter()
                .find_map(|r| agent::layer_mismatch(arn, family, r))
        });
        if let Some(why) = mismatch {
            let at = chosen_at.replace("LayerVersion", "LayerArn");
            return fail(
                &at,
                format!("{why}, or remove the layer ARN to get the built-in one"),
            );
        }
        return Ok(arn.clone());
    }
    let version = match chosen.version {
        Some(version) => match runtimes.iter().find(|r| !family.layer_carries(version, r)) {
            Some(runtime) => {
                return fail(
                    &chosen_at,
                    format!(
                        "layer version {version} of the {} agent does not carry the agent for {runtime} (layers \
                         up to 12 have it for python3.6 to 3.9 only), so the function could not start it; use \
                         version 13 or later, or remove the layer version to get the built-in one",
                        family.label()
                    ),
                );
            }
            None => version,
        },
        None => match built_in_version(family, runtimes) {
            Ok(version) => version,
            Err(runtime) => {
                return fail(
                    path,
                    format!(
                        "no published CodeGuru Profiler {} agent layer carries the agent for {runtime} yet (the \
                         newest, 13, stops at python3.13); set Profiling.LayerArn, or the transform parameter \
                         {}LayerArn, to a layer that does, or remove Profiling from this function",
                        family.label(),
                        family.label()
                    ),
                );
            }
        },
    };
    match family.layer_arn(region, version) {
        Some(arn) => Ok(Value::String(arn)),
        None => fail(
            path,
            format!(
                "no CodeGuru Profiler {} agent layer is published in {region}; copy the layer into this \
                 region and set Profiling.LayerArn, or the transform parameter {}LayerArn, to its ARN",
                family.label(),
                family.label()
            ),
        ),
    }
}

/// The built-in version that carries every runtime, or the first runtime none carries.
fn built_in_version<'r>(family: Family, runtimes: &[&'r str]) -> Result<u32, &'r str> {
    let mut version = 0;
    for runtime in runtimes {
        version = version.max(family.default_layer_version(runtime).ok_or(*runtime)?);
    }
    Ok(version)
}

#[cfg(test)]
#[path = "agent_layer_tests.rs"]
mod tests;
