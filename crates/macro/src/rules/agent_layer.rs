//! Which agent layer a function gets: its own choice (`LayerVersion`, `LayerArn`), else
//! the transform's, else the built-in one for its region and runtime family.

use serde_json::Value;

use super::settings::{LayerOverride, Options, TransformSettings};
use crate::agent::Family;
use crate::problems::{Checked, fail};

/// The layer to add: the function's choice, else the transform's, else the built-in one.
pub(crate) fn agent_layer(
    family: Family,
    opts: &Options,
    settings: &TransformSettings,
    region: &str,
    path: &str,
) -> Checked<Value> {
    let defaults = match family {
        Family::Python => &settings.python_layer,
        Family::Java => &settings.java_layer,
    };
    let chosen: &LayerOverride = if opts.layer != LayerOverride::default() {
        &opts.layer
    } else {
        defaults
    };
    if let Some(arn) = &chosen.arn {
        return Ok(arn.clone());
    }
    let version = chosen.version.unwrap_or(family.default_layer_version());
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

#[cfg(test)]
#[path = "agent_layer_tests.rs"]
mod tests;
