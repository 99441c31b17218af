//! Concurrent deploys on one shared role, with the real `bootstrap`: two
//! processes, each under its own Runtime API emulator, one in us-east-1 and one in
//! eu-west-1, both pointed at the references' table in us-east-1 (the home region), against
//! moto behind the front, which delays every IAM call on the trial's role 50–200 ms during
//! the concurrent phase (to widen the windows of races) and enforces IAM's 50-tags-per-role
//! quota.
//!
//! Each trial, on a fresh role: Delete(A)+Create(B) (A made first), Create(A)+Create(B), or
//! Delete(A)+Delete(B) (both made first); at random the user's own policy is attached first,
//! an tag-format reference (a resource of a version before the references' table) is there, which
//! process gets which request, and the second request's start (0–150 ms later). Every trial
//! ends with the invariant: both answered SUCCESS; while a resource is live the role holds
//! the policy; once every resource (the tag-format one too) is deleted, the policy is
//! attached if and only if the user had attached it, and no tag and no record of ours is left.
//!
//! `LAMBDA_PROFILING_SEED` replays a run (the seed is printed first and in every failure);
//! `LAMBDA_PROFILING_TRIALS` sets the trials per kind (default 50); `LAMBDA_PROFILING_BOOTSTRAP`
//! runs another `bootstrap` (an older build, to see what the trials catch).

mod support;

#[path = "support/runtime_api/mod.rs"]
mod runtime_api;

#[path = "rehearsal/deployed.rs"]
mod deployed;

#[path = "concurrency/trial.rs"]
mod trial;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use runtime_api::{FunctionConfig, RuntimeApi};
use support::*;
use trial::{Kind, Lambda, Rng, run_trial};

fn bootstrap() -> PathBuf {
    std::env::var_os("LAMBDA_PROFILING_BOOTSTRAP")
        .map_or_else(|| PathBuf::from(deployed::BOOTSTRAP), PathBuf::from)
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
fn concurrent_deploys_on_one_role_keep_the_invariant_in_every_trial() {
    let Some(s) = servers() else { return };
    let seed = env_number("LAMBDA_PROFILING_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    });
    let trials = env_number("LAMBDA_PROFILING_TRIALS").unwrap_or(50) as usize;
    eprintln!("seed={seed} (replay with LAMBDA_PROFILING_SEED={seed}); {trials} trials of each kind");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    // One lane per kind, at once: two processes each, so six in all.
    let counts: Vec<(Kind, usize)> = std::thread::scope(|scope| {
        let lanes: Vec<_> = Kind::ALL
            .into_iter()
            .map(|kind| {
                let handle = rt.handle().clone();
                scope.spawn(move || {
                    let apis = ["us-east-1", "eu-west-1"].map(|region| {
                        let config = FunctionConfig {
                            region: region.into(),
                            ..FunctionConfig::default()
                        };
                        RuntimeApi::start(config).unwrap()
                    });
                    let env = deployed::environment(s);
                    let mut lambdas = apis.each_ref().map(|api| Lambda {
                        region: api.config().region.clone(),
                        function: api.spawn(&bootstrap(), &env).unwrap(),
                        sent: 0,
                    });
                    for n in 0..trials {
                        let trial_seed = seed ^ (kind as u64) << 56 ^ n as u64;
                        let mut rng = Rng::new(trial_seed);
                        let what = format!(
                            "{kind:?} trial {n} (LAMBDA_PROFILING_SEED={seed}, trial seed {trial_seed})"
                        );
                        run_trial(&handle, s, &mut lambdas, kind, &mut rng, &what);
                    }
                    for (lambda, api) in lambdas.into_iter().zip(&apis) {
                        assert!(api.violations().is_empty(), "{:?}", api.violations());
                        // One JSON line per request, no credential and no response URL.
                        deployed::check_logs(&lambda.function.stop(), lambda.sent, &["X-Amz-"]);
                    }
                    (kind, trials)
                })
            })
            .collect();
        lanes.into_iter().map(|l| l.join().unwrap()).collect()
    });
    eprintln!(
        "{} trials ({counts:?}) kept the invariant in {:.0?}; seed={seed}",
        counts.iter().map(|(_, n)| n).sum::<usize>(),
        started.elapsed()
    );
    assert!(counts.iter().all(|(_, n)| *n >= trials));
}

/// Turns the front's IAM delay on `role` on (`Some((lo, hi))` ms, drawn from `seed`) or off.
pub async fn set_iam_delay(s: &Servers, role: &str, range: Option<(u64, u64)>, seed: u64) {
    let body =
        serde_json::json!({"seed": seed, "role": role, "iam_delay_ms": range.map(|(lo, hi)| [lo, hi])});
    let sent = http()
        .post(format!("{}/_config", s.aws))
        .json(&body)
        .send()
        .await
        .unwrap();
    sent.error_for_status().unwrap();
}

/// The trials' upper bound on one request: the function's own timeout.
pub const TIMEOUT: Duration = Duration::from_secs(120);
