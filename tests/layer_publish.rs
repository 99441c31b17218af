//! `lambda-profiling layer publish` against moto's Lambda over real HTTP: the zip
//! `scripts/build-agent-layer` builds (from the pinned wheel the agent suite's tools
//! downloaded, its hash checked; built twice, the same bytes) is published in two regions at once, running it again
//! publishes nothing, other runtimes make a new version, and one region refused does not
//! stop the other nor quote AWS's message. moto keeps layers per region and computes
//! `CodeSha256` as Lambda does; the front adds the refusal.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lambda_profiling_cli::layer_publish::{DEFAULT_RUNTIMES, LayerZip, read_zip};
use lambda_profiling_cli::layer_publish_aws::{Report, publish};
use lambda_profiling_cli::session::Session;
use serde_json::json;
use support::*;

/// The real layer zip, or `None` (after saying SKIPPED) without the suite's wheel.
fn built_zip() -> Option<LayerZip> {
    let tools = std::env::var_os("LAMBDA_PROFILING_AGENT_TOOLS")
        .map_or_else(|| toolbox::repo().join(".venv-agent"), PathBuf::from);
    let wheels = tools.join("wheels");
    if !wheels.is_dir() {
        let line = format!(
            "layer publish: no agent wheel in {}; run scripts/dev-tools",
            wheels.display()
        );
        if std::env::var("LAMBDA_PROFILING_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("LAMBDA_PROFILING_REQUIRE_TOOLS=1 but {line}");
        }
        eprintln!("SKIPPED: {line}");
        toolbox::record_skip(&line);
        return None;
    }
    let out = std::env::temp_dir().join(format!("{}.zip", unique("agent-layer")));
    let build = build_layer(&wheels, &out, "022", "UTC");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    // Reproducible: another time zone and umask build the same bytes.
    let again = out.with_extension("again.zip");
    let rebuild = build_layer(&wheels, &again, "077", "Pacific/Kiritimati");
    assert!(
        rebuild.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuild.stderr)
    );
    let (first, second) = (std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    let zip = read_zip(Some(&out)).expect("the built zip is the agent layer");
    for built in [&out, &again] {
        std::fs::remove_file(built).unwrap();
    }
    assert!(first == second, "the zip is not reproducible");
    Some(zip)
}

/// `scripts/build-agent-layer --wheel-dir WHEELS --out OUT` under `umask` and `TZ`.
fn build_layer(wheels: &Path, out: &Path, umask: &str, tz: &str) -> Output {
    let script = toolbox::repo().join("scripts/build-agent-layer");
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            r#"umask {umask} && exec "$0" --wheel-dir "$1" --out "$2""#
        ))
        .args([script.as_os_str(), wheels.as_os_str(), out.as_os_str()])
        .env("TZ", tz)
        .output()
        .unwrap()
}

/// A wheel whose hash is not the pinned one builds nothing.
#[test]
fn a_wheel_of_another_hash_builds_nothing() {
    let dir = std::env::temp_dir().join(unique("tampered"));
    std::fs::create_dir_all(&dir).unwrap();
    let pinned = std::fs::read_to_string(toolbox::repo().join("agent-layer/requirements.txt")).unwrap();
    let version = pinned
        .split("codeguru-profiler-agent==")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let wheel = dir.join(format!("codeguru_profiler_agent-{version}-py3-none-any.whl"));
    std::fs::write(&wheel, b"PK\x05\x06 not the agent").unwrap();
    let out = dir.join("layer.zip");
    let build = build_layer(&dir, &out, "022", "UTC");
    let said = String::from_utf8_lossy(&build.stderr);
    assert_eq!(build.status.code(), Some(1), "{said}");
    assert!(
        said.contains("not the pinned") && said.contains("nothing built"),
        "{said}"
    );
    assert!(!out.exists(), "no zip is written");
    std::fs::remove_dir_all(&dir).unwrap();
}

async fn run(session: &Session, regions: &[&str], zip: &LayerZip, runtimes: &[&str]) -> Report {
    let regions: Vec<String> = regions.iter().map(|r| r.to_string()).collect();
    let runtimes: Vec<String> = runtimes.iter().map(|r| r.to_string()).collect();
    publish(session, &regions, zip, &runtimes).await
}

/// The ARN a report's line for `region` names.
fn arn_in(report: &Report, region: &str) -> String {
    let line = report.stdout.lines().find(|l| l.starts_with(region));
    let line = line.unwrap_or_else(|| panic!("no line for {region}:\n{}", report.stdout));
    line.split_whitespace().nth(1).unwrap().to_string()
}

#[tokio::test]
async fn publishes_once_per_region_and_again_only_for_other_bytes_or_runtimes() {
    let Some(s) = servers() else { return };
    let Some(zip) = built_zip() else { return };
    assert_eq!(zip.agent, "1.2.6");
    let app = unique("layer-publish");
    let session = status_session(s, &app, "eu-west-1").await;
    let (east, west) = ("ap-southeast-2", "eu-west-1");

    let first = run(&session, &[east, west], &zip, DEFAULT_RUNTIMES).await;
    assert_eq!(first.code, 0, "{first:?}");
    for region in [east, west] {
        let arn = arn_in(&first, region);
        assert_eq!(
            arn,
            format!("arn:aws:lambda:{region}:{ACCOUNT}:layer:LambdaProfilingPythonAgent:1"),
            "{first:?}"
        );
        let held = session
            .lambda(region)
            .get_layer_version()
            .layer_name("LambdaProfilingPythonAgent")
            .version_number(1)
            .send()
            .await
            .unwrap();
        let listed: Vec<&str> = held.compatible_runtimes().iter().map(|r| r.as_str()).collect();
        assert_eq!(listed, DEFAULT_RUNTIMES);
        let archs: Vec<&str> = held
            .compatible_architectures()
            .iter()
            .map(|a| a.as_str())
            .collect();
        assert_eq!(archs, ["x86_64"]);
        assert!(held.description().unwrap().contains("agent 1.2.6"));
        assert_eq!(held.content().unwrap().code_size(), zip.bytes.len() as i64);
    }
    assert!(first.stderr.contains("PythonLayerArn"), "{}", first.stderr);

    let again = run(&session, &[east, west], &zip, DEFAULT_RUNTIMES).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.stdout.matches("unchanged").count(), 2, "{}", again.stdout);
    assert_eq!(arn_in(&again, east), arn_in(&first, east));

    let only_newest = run(&session, &[east], &zip, &["python3.14"]).await;
    assert!(
        only_newest
            .stdout
            .contains(":LambdaProfilingPythonAgent:2   published"),
        "{}",
        only_newest.stdout
    );

    // The first publish refused, with a message that quotes something it must not.
    let secret = "DB_PASSWORD=hunter2";
    fault(
        &s.aws,
        &["/layers/LambdaProfilingPythonAgent/versions"],
        "POST",
        1,
        403,
        json!({"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"}),
        &format!(r#"{{"Type":"User","Message":"not authorized ({secret})"}}"#),
    )
    .await;
    let denied = run(&session, &[east, west], &zip, &["python3.13"]).await;
    assert_eq!(denied.code, 2, "{denied:?}");
    assert_eq!(
        denied
            .stdout
            .matches("not published: AccessDeniedException")
            .count(),
        1,
        "{}",
        denied.stdout
    );
    assert_eq!(
        denied.stdout.matches("   published").count(),
        1,
        "the other region is published: {}",
        denied.stdout
    );
    assert!(
        !format!("{denied:?}").contains(secret),
        "AWS's message is never quoted: {denied:?}"
    );
}
