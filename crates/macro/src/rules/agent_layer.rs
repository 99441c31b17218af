//! Which agent layer a function gets: its own choice (`LayerVersion`, `LayerArn`), else
//! the transform's, else the built-in one for its region and runtime family.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::settings::{LayerOverride, Options, PARAMETERS_PATH, TransformSettings};
use crate::agent::{self, Family, Published, Refusal, listing_words};
use crate::context::LayerSource;
use crate::problems::{Checked, fail};

/// The layer to add for a function of `runtimes` (more than one under `Fn::If`, all of
/// `family`): the function's choice, else the transform's, else the built-in one, which
/// must carry the agent for every runtime. `path` is the function's `Profiling`.
pub(crate) fn agent_layer(
    family: Family,
    runtimes: &[&str],
    opts: &Options,
    settings: &TransformSettings,
    source: LayerSource,
    path: &str,
) -> Checked<Value> {
    let defaults = match family {
        Family::Python => &settings.python_layer,
        Family::Java => &settings.java_layer,
    };
    // Where the transform's self-built layer steps aside, its version (if pinned) remains.
    let aside = LayerOverride {
        version: defaults.version,
        arn: None,
    };
    let (chosen, chosen_at): (&LayerOverride, String) = if opts.layer != LayerOverride::default() {
        (&opts.layer, format!("{path}.LayerVersion"))
    } else if self_built_steps_aside(defaults, family, runtimes, source) {
        (
            &aside,
            format!("{PARAMETERS_PATH}.{}LayerVersion", family.label()),
        )
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
        let at = chosen_at.replace("LayerVersion", "LayerArn");
        if let Some(why) = mismatch {
            return fail(
                &at,
                format!("{why}, or remove the layer ARN to get the built-in one"),
            );
        }
        if let (Some(text), LayerSource::Region(_, published)) = (arn.as_str(), source) {
            checked(published, text, family, runtimes, &at)?;
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
        None => match default_version(family, runtimes, source) {
            Ok(version) => version,
            Err(NoLayer::Published(runtime, region, published)) => {
                return fail(path, none_serves(family, runtime, region, published));
            }
            Err(NoLayer::BuiltIn(runtime)) => {
                return fail(
                    path,
                    format!(
                        "no published CodeGuru Profiler {} agent layer carries the agent for {runtime} yet (the \
                         newest, 13, stops at python3.13); set Profiling.LayerArn, or the transform parameter \
                         {}LayerArn, to a layer that does{}, or remove Profiling from this function",
                        family.label(),
                        family.label(),
                        self_built_hint(family)
                    ),
                );
            }
        },
    };
    let (region, published) = match source {
        LayerSource::Mapped => return Ok(mapped_layer(family, version)),
        LayerSource::Region(region, published) => (region, published),
    };
    match family.layer_arn(region, version) {
        Some(arn) => {
            if chosen.version.is_some() {
                checked(published, &arn, family, runtimes, &chosen_at)?;
            }
            Ok(Value::String(arn))
        }
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

/// Whether the transform's layer is the self-built one and a published layer serves
/// `runtimes` here: then the published one is taken, and the self-built layer serves only
/// the runtimes AWS's layers miss. Any other transform-wide layer (a mirror) serves all.
fn self_built_steps_aside(
    defaults: &LayerOverride,
    family: Family,
    runtimes: &[&str],
    source: LayerSource,
) -> bool {
    let self_built = defaults
        .arn
        .as_ref()
        .and_then(Value::as_str)
        .is_some_and(agent::is_self_built_layer);
    if !self_built {
        return false;
    }
    let version = match defaults.version {
        Some(pinned) => Some(pinned).filter(|&v| runtimes.iter().all(|r| family.layer_carries(v, r))),
        None => default_version(family, runtimes, source).ok(),
    };
    version.is_some_and(|version| match source {
        LayerSource::Mapped => true,
        LayerSource::Region(region, _) => family.layer_arn(region, version).is_some(),
    })
}

/// The `Mappings` table of a template for any region: for each region, the ARN of each
/// agent layer the template uses.
pub(crate) const LAYER_MAPPING: &str = "LambdaProfilingAgentLayers";

/// The key of a layer in [`LAYER_MAPPING`]: `Python13`, `Java11`.
fn mapping_key(family: Family, version: u32) -> String {
    format!("{}{version}", family.label())
}

/// The agent layer of a template for any region: looked up in the table by region.
fn mapped_layer(family: Family, version: u32) -> Value {
    json!({"Fn::FindInMap": [LAYER_MAPPING, {"Ref": "AWS::Region"}, mapping_key(family, version)]})
}

/// The layer that [`mapped_layer`] wrote, read back: its family and version.
pub(crate) fn mapped(layer: &Value) -> Option<(Family, u32)> {
    let [table, _, key] = layer.get("Fn::FindInMap")?.as_array()?.as_slice() else {
        return None;
    };
    let key = key.as_str().filter(|_| table == LAYER_MAPPING)?;
    [Family::Python, Family::Java].into_iter().find_map(|family| {
        let version = key.strip_prefix(family.label())?.parse().ok()?;
        Some((family, version))
    })
}

/// The rows of [`LAYER_MAPPING`] for the layers used: every region the table serves.
pub(crate) fn layer_mapping(used: &BTreeSet<(Family, u32)>) -> Value {
    let rows = agent::any_regions().into_iter().map(|region| {
        let row: Map<String, Value> = used
            .iter()
            .filter_map(|&(family, version)| {
                let arn = family.layer_arn(region, version)?;
                Some((mapping_key(family, version), Value::String(arn)))
            })
            .collect();
        (region.to_string(), Value::Object(row))
    });
    Value::Object(rows.collect())
}

/// Why no default layer can be chosen.
enum NoLayer<'r, 'a> {
    /// AWS publishes no version in the region that serves the runtime.
    Published(&'r str, &'a str, &'a Published),
    /// The built-in table has none that carries it.
    BuiltIn(&'r str),
}

/// The default version for `runtimes`: the newest published one that serves them all,
/// where what the region publishes is known, else the built-in one.
fn default_version<'r, 'a>(
    family: Family,
    runtimes: &[&'r str],
    source: LayerSource<'a>,
) -> Result<u32, NoLayer<'r, 'a>> {
    if let LayerSource::Region(region, published) = source
        && let Some(newest) = published.newest(family, region, runtimes)
    {
        return newest.map_err(|runtime| NoLayer::Published(runtime, region, published));
    }
    built_in_version(family, runtimes).map_err(NoLayer::BuiltIn)
}

/// The default version for `runtime`, as [`agent_layer`] chooses it: the key of a layer
/// that runtimes can share.
pub(crate) fn default_version_for(family: Family, runtime: &str, source: LayerSource) -> Option<u32> {
    default_version(family, &[runtime], source).ok()
}

/// The layer version `arn` chosen at `at`, refused where AWS says it does not exist in the
/// region or does not serve the runtime.
fn checked(published: &Published, arn: &str, family: Family, runtimes: &[&str], at: &str) -> Checked<()> {
    let why = match published.check(arn, family, runtimes) {
        Ok(()) => return Ok(()),
        Err(Refusal::Missing) => {
            format!(
                "the layer version {arn} does not exist in this region, or is not shared with this account"
            )
        }
        Err(Refusal::Incompatible(listed)) => format!(
            "the layer version {arn} does not serve {} (it lists: {})",
            runtimes.join(", "),
            listing_words(&listed)
        ),
    };
    fail(
        at,
        format!(
            "{why}; name a version that exists and serves the runtime, or remove it to get the newest that does"
        ),
    )
}

/// Why no version the region publishes serves `runtime`, with what each version lists.
fn none_serves(family: Family, runtime: &str, region: &str, published: &Published) -> String {
    let versions: Vec<String> = published
        .catalog(family, region)
        .unwrap_or_default()
        .iter()
        .map(|(v, listed)| format!("{v} ({})", listing_words(listed)))
        .collect();
    let versions = match versions.is_empty() {
        true => "none".to_string(),
        false => versions.join("; "),
    };
    format!(
        "no version of the CodeGuru Profiler {} agent layer published in {region} serves {runtime} (versions: \
         {versions}), so the function could not start the agent; set Profiling.LayerArn, or the transform \
         parameter {}LayerArn, to a layer that does{}, or remove Profiling from this function",
        family.label(),
        family.label(),
        self_built_hint(family)
    )
}

/// Where a Python layer that serves a newer runtime comes from.
fn self_built_hint(family: Family) -> &'static str {
    match family {
        Family::Python => " (`lambda-profiling layer publish` publishes one built from the PyPI agent)",
        Family::Java => "",
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
