//! Cold start of `bootstrap`: for each run, a fresh process under
//! the project's Lambda Runtime API emulator handles ONE macro request for the
//! synthetic N = 500 template.
//!
//! ```text
//! cargo bench --bench cold_start [-- --runs 20 --functions 500 --pretty --bootstrap PATH]
//! ```
//!
//! The deployed macro asks Lambda which agent layer versions its region publishes before
//! it answers: each run's process gets a loopback stand-in of the publisher's layers
//! (`publisher.rs`) behind `AWS_ENDPOINT_URL_LAMBDA`, with a session's credentials, so
//! the figure includes that one resolution (the calls are printed).
//!
//! It builds nothing itself: it runs the `bootstrap` Cargo built beside it for the bench
//! (`target/release/bootstrap`, with the release profile's settings: LTO, stripped), or
//! `--bootstrap PATH`, e.g. `target/lambda/bootstrap/bootstrap` from `cargo lambda build
//! --release`. Figures vary with the machine's load: compare medians of several sessions.
//!
//! What it measures, per run:
//! - **exec → response**: from the instant just before the process is spawned (fork and
//!   exec included) to the instant the emulator has read the whole `POST
//!   /invocation/{id}/response` body. The event is queued before the spawn, so the
//!   first `GET /invocation/next` gets it at once, as on a cold invoke.
//! - **init**: from the same start to the first `GET /invocation/next`.
//! - **peak RSS**: `VmHWM` of the process (`/proc/<pid>/status`), read after the
//!   response and before the kill: the most resident memory it ever had, shared pages of
//!   the binary and libc included.
//!
//! Under `cargo test` (no `--bench` argument) it makes one run with the test build, to
//! prove the harness works; it then reports nothing.

#[path = "../tests/support/runtime_api/mod.rs"]
mod runtime_api;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod publisher;
mod synthetic;
use runtime_api::{FunctionConfig, Invocation, Reply, RuntimeApi};
use serde_json::{Value, json};
use synthetic::{macro_event, synthetic_template};

struct Args {
    bootstrap: PathBuf,
    runs: usize,
    functions: usize,
    /// `cargo bench` passes `--bench`; `cargo test` does not.
    measuring: bool,
    /// The event pretty-printed (CloudFormation does not document its formatting).
    pretty: bool,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        bootstrap: PathBuf::from(env!("CARGO_BIN_EXE_bootstrap")),
        runs: 20,
        functions: 500,
        measuring: false,
        pretty: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--bench" => args.measuring = true,
            "--pretty" => args.pretty = true,
            "--bootstrap" => args.bootstrap = value("--bootstrap")?.into(),
            "--runs" => args.runs = value("--runs")?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--functions" => {
                args.functions = value("--functions")?
                    .parse()
                    .map_err(|e| format!("--functions: {e}"))?
            }
            _ => {} // libtest's arguments (filters, --nocapture, ...) do not apply
        }
    }
    if !args.measuring {
        args.runs = 1;
    }
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(args)
}

struct Run {
    exec_to_response: Duration,
    init: Duration,
    peak_rss_kib: u64,
}

/// One cold start: a fresh emulator (a fresh execution environment) and process.
fn run(args: &Args, event: &str, publisher: &publisher::Publisher) -> Result<Run, String> {
    let api = RuntimeApi::start(FunctionConfig::default()).map_err(|e| e.to_string())?;
    let ticket = api.enqueue(Invocation::new(event, Duration::from_secs(60)));
    // As deployed (macro-template.yaml: LogFormat JSON), with Lambda's session and the
    // publisher's stand-in for the one resolution of the layers.
    let env = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
        ("AWS_ACCESS_KEY_ID", "ASIABENCH"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
        ("AWS_SESSION_TOKEN", "bench"),
        ("AWS_ENDPOINT_URL_LAMBDA", publisher.url.as_str()),
    ];
    let mut function = api
        .spawn(&args.bootstrap, &env)
        .map_err(|e| format!("{}: {e}", args.bootstrap.display()))?;
    let answer = function.wait(&ticket).map_err(|e| e.to_string())?;
    let init = api
        .first_poll_at()
        .map_or(Duration::ZERO, |t| t - function.spawned_at);
    let exec_to_response = answer.received_at - function.spawned_at;
    let stopped = function.stop();
    check(&answer.reply, args.functions)?;
    Ok(Run {
        exec_to_response,
        init,
        peak_rss_kib: stopped.peak_rss_kib.ok_or("no VmHWM (is this Linux?)")?,
    })
}

/// A run only counts if the macro did its work: a success with a group per function.
fn check(reply: &Reply, functions: usize) -> Result<(), String> {
    let Reply::Response(body) = reply else {
        return Err(format!("the function answered an error: {reply:?}"));
    };
    let response: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let groups = response["fragment"]["Resources"].as_object().map_or(0, |r| {
        r.values()
            .filter(|r| r["Type"] == "AWS::CodeGuruProfiler::ProfilingGroup")
            .count()
    });
    if response["status"] != "success" || groups != functions {
        return Err(format!(
            "expected a success with {functions} groups, got status {} and {groups} groups",
            response["status"]
        ));
    }
    Ok(())
}

fn stats(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[0], values[n - 1])
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cold_start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut event = macro_event(&synthetic_template(args.functions), json!({"Profiling": true}));
    if args.pretty {
        let value: serde_json::Value = serde_json::from_str(&event).expect("the event is JSON");
        event = serde_json::to_string_pretty(&value).expect("JSON");
    }
    let publisher = match publisher::Publisher::start() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cold_start: the publisher's stand-in: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut runs = Vec::with_capacity(args.runs);
    for i in 0..args.runs {
        match run(&args, &event, &publisher) {
            Ok(r) => runs.push(r),
            Err(e) => {
                eprintln!("cold_start: run {i} failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let calls = publisher.calls() / args.runs;
    if !args.measuring {
        if calls == 0 {
            eprintln!("cold_start: the run never asked the publisher's stand-in for the layers");
            return ExitCode::FAILURE;
        }
        println!("cold_start: one run passed (pass --bench, as `cargo bench` does, for figures)");
        return ExitCode::SUCCESS;
    }
    let size = std::fs::metadata(&args.bootstrap).map_or(0, |m| m.len());
    println!(
        "cold_start: {} ({:.1} MiB), {} runs, N = {} ({} bytes of {} event)",
        args.bootstrap.display(),
        size as f64 / 1048576.0,
        args.runs,
        args.functions,
        event.len(),
        if args.pretty { "pretty" } else { "compact" }
    );
    println!("  layer resolution: {calls} GetLayerVersion calls per cold start, to a loopback stand-in");
    let ms = |f: fn(&Run) -> Duration| stats(runs.iter().map(|r| f(r).as_secs_f64() * 1e3).collect());
    let mib = stats(runs.iter().map(|r| r.peak_rss_kib as f64 / 1024.0).collect());
    for (name, (median, min, max), unit) in [
        ("exec -> response", ms(|r| r.exec_to_response), "ms"),
        ("exec -> first poll (init)", ms(|r| r.init), "ms"),
        ("peak RSS (VmHWM)", mib, "MiB"),
    ] {
        println!("  {name:<26} median {median:7.2} {unit}   min {min:7.2}   max {max:7.2}");
    }
    ExitCode::SUCCESS
}
