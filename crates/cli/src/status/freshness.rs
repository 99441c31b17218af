//! Fresh over time, and honest about what is tested: a profiled function whose agent
//! layer is the publisher's gets a note when its region publishes a newer version that
//! serves its runtime, and one on the self-built layer a note when AWS's layer has come to
//! serve its runtime, or when its runtime is one the agent suite cannot run. Pure: what the region publishes is found by the scan (feature
//! `aws`) and enters as input.

use lambda_profiling_macro::agent::{self, PUBLISHER_ACCOUNT, Published};
use lambda_profiling_macro::assess::{FunctionStatus, State};

/// The note for `status`, when there is a newer layer for it.
pub fn newer_layer(status: &FunctionStatus, published: &Published) -> Option<String> {
    if status.state != State::Profiled {
        return None;
    }
    let runtime = status.runtime.as_deref()?;
    let family = agent::classify_runtime(runtime).ok()?;
    let layer = agent::parse_layer_arn(status.layer.as_deref()?)?;
    if layer.name == agent::SELF_BUILT_PYTHON_LAYER {
        return published_caught_up(runtime, layer.region, published);
    }
    if layer.account != PUBLISHER_ACCOUNT || layer.name != family.layer_name() {
        return None; // a mirror's versions are its own
    }
    let version: u32 = layer.version.parse().ok()?;
    let newest = published.newest(family, layer.region, &[runtime])?.ok()?;
    (newest > version).then(|| {
        format!(
            "{} agent layer version {newest} is published in {} and serves {runtime} (this function has {version}); \
             `lambda-profiling enable --upgrade --region {} {}` moves it there if lambda-profiling added the layer \
             (else update the layer where it was set)",
            family.label(),
            layer.region,
            layer.region,
            status.function_name
        )
    })
}

/// The note for a function on the self-built layer once AWS publishes a version of its own
/// layer that serves the function's runtime: the self-built one is no longer needed.
fn published_caught_up(runtime: &str, region: &str, published: &Published) -> Option<String> {
    let newest = published
        .newest(agent::Family::Python, region, &[runtime])?
        .ok()?;
    Some(format!(
        "AWS now publishes Python agent layer version {newest} in {region}, which serves {runtime}: the self-built \
         layer is no longer needed; redeploy the stack that set it (the transform's PythonLayerArn gives way to \
         AWS's layer where one serves the runtime), or replace the layer where it was set"
    ))
}

/// The Python runtimes the agent suite runs the self-built layer on (the interpreters this
/// project's CI has); on any other the layer is untested, and `status` says so.
pub const SELF_BUILT_TESTED: &[&str] = &[
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
];

/// The note for a profiled function whose agent layer is the self-built one on a runtime
/// the agent suite cannot run.
pub fn untested_layer(status: &FunctionStatus) -> Option<String> {
    let runtime = status.runtime.as_deref()?;
    let self_built = status.layer.as_deref().is_some_and(agent::is_self_built_layer);
    (status.state == State::Profiled && self_built && !SELF_BUILT_TESTED.contains(&runtime)).then(|| {
        format!(
            "the self-built agent layer is untested on {runtime}: lambda-profiling's tests run its agent on python3.9 \
             to python3.13 only (no interpreter of {runtime} where they run); check that this function's profiles arrive"
        )
    })
}

/// The regions whose catalogs the notes need: those of profiled functions with the
/// publisher's layer.
pub fn regions_to_ask(statuses: &[FunctionStatus]) -> Vec<String> {
    let mut regions: Vec<String> = statuses
        .iter()
        .filter(|s| s.state == State::Profiled)
        .filter_map(|s| agent::parse_layer_arn(s.layer.as_deref()?).map(|l| l.region.to_owned()))
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_profiling_macro::agent::Family;

    fn profiled(layer: &str, runtime: &str) -> FunctionStatus {
        FunctionStatus {
            function_name: "orders".into(),
            function_arn: "arn:aws:lambda:eu-west-1:123456789012:function:orders".into(),
            runtime: Some(runtime.into()),
            state: State::Profiled,
            problems: Vec::new(),
            profiling_group: None,
            layer: Some(layer.into()),
            stack: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_function_on_the_self_built_layer_hears_when_aws_serves_its_runtime() {
        let own = "arn:aws:lambda:eu-west-1:123456789012:layer:LambdaProfilingPythonAgent:2";
        let on_own = profiled(own, "python3.14");
        let mut p = Published::default();
        p.insert(Family::Python.layer_arn("eu-west-1", 13).unwrap(), Some(vec![]));
        p.mark_complete(Family::Python, "eu-west-1", 11..=17);
        assert_eq!(newer_layer(&on_own, &p), None, "13 does not serve python3.14");
        p.insert(
            Family::Python.layer_arn("eu-west-1", 14).unwrap(),
            Some(vec!["python3.14".into()]),
        );
        let note = newer_layer(&on_own, &p).expect("14 serves python3.14");
        assert!(
            note.contains("version 14 in eu-west-1") && note.contains("no longer needed"),
            "{note}"
        );
    }

    #[test]
    fn the_self_built_layer_on_an_untested_runtime_is_noted() {
        let own = "arn:aws:lambda:eu-west-1:123456789012:layer:LambdaProfilingPythonAgent:2";
        let note = untested_layer(&profiled(own, "python3.14")).expect("python3.14 is untested");
        assert!(note.contains("untested on python3.14"), "{note}");
        assert_eq!(untested_layer(&profiled(own, "python3.12")), None, "tested");
        let official = Family::Python.layer_arn("eu-west-1", 13).unwrap();
        assert_eq!(
            untested_layer(&profiled(&official, "python3.14")),
            None,
            "not the self-built layer"
        );
        let mut off = profiled(own, "python3.14");
        off.state = State::Off;
        assert_eq!(untested_layer(&off), None);
    }

    #[test]
    fn a_newer_published_version_that_serves_the_runtime_is_noted() {
        let mut p = Published::default();
        for (v, listed) in [(13, "python3.12"), (14, "python3.12"), (15, "python3.14")] {
            p.insert(
                Family::Python.layer_arn("eu-west-1", v).unwrap(),
                Some(vec![listed.into()]),
            );
        }
        p.mark_complete(Family::Python, "eu-west-1", 11..=20);
        let on_13 = profiled(&Family::Python.layer_arn("eu-west-1", 13).unwrap(), "python3.12");
        let note = newer_layer(&on_13, &p).expect("14 serves python3.12");
        assert!(
            note.contains("version 14") && note.contains("enable --upgrade --region eu-west-1 orders"),
            "{note}"
        );
        let on_14 = profiled(&Family::Python.layer_arn("eu-west-1", 14).unwrap(), "python3.12");
        assert_eq!(newer_layer(&on_14, &p), None, "15 does not serve python3.12");
        let mirror = profiled(
            "arn:aws:lambda:eu-west-1:111122223333:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:1",
            "python3.12",
        );
        assert_eq!(newer_layer(&mirror, &p), None, "a mirror's numbers are its own");
        assert_eq!(
            newer_layer(&on_13, &Published::default()),
            None,
            "unknown: no note"
        );
        assert_eq!(regions_to_ask(&[on_13, mirror]), vec!["eu-west-1".to_string()]);
    }
}
