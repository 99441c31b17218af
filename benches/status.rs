//! `lambda-profiling status` over an account of 1,000 functions, against moto
//! and the CodeGuru Profiler fake behind the test front (which pages ListFunctions at 50
//! as Lambda does): wall time, and the AWS calls by kind, counted by the front.
//!
//! ```text
//! cargo bench --bench status [-- --functions 1000 --runs 3]
//! ```
//!
//! Three accounts, each in a region of its own: every function off; every function
//! profiled with 10 roles and 20 groups among them; and every function profiled with 100
//! roles and a group per function (the console's `aws-lambda-<name>`). One function in
//! ten carries a stack tag. The calls must be exactly
//! `ceil(N/50)` ListFunctions + `ceil(tagged/100)` GetResources + one
//! ListAttachedRolePolicies per distinct role + one DescribeProfilingGroup per distinct
//! group: they grow with the roles and groups, not with the functions times the checks.
//! The bench fails if they differ. Wall time is moto's more than ours (a Python server
//! on the same two cores), so compare runs of one session.
//!
//! Under `cargo test` (no `--bench` argument) it runs each account with 60 functions
//! once, checking the counts, to prove the harness works.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use lambda_profiling_cli::status::progress::Progress;
use lambda_profiling_cli::status::{Scope, scan};
use support::*;

struct Account {
    label: &'static str,
    region: &'static str,
    roles: usize,
    /// `None`: no function is profiled; `Some(0)`: a group per function.
    groups: Option<usize>,
}

const ACCOUNTS: [Account; 3] = [
    Account {
        label: "all off, 10 roles",
        region: "ap-southeast-1",
        roles: 10,
        groups: None,
    },
    Account {
        label: "all profiled, 10 roles, 20 groups",
        region: "ap-southeast-2",
        roles: 10,
        groups: Some(20),
    },
    Account {
        label: "all profiled, 100 roles, a group each",
        region: "ap-northeast-1",
        roles: 100,
        groups: Some(0),
    },
];

struct Args {
    functions: usize,
    runs: usize,
    measuring: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        functions: 60,
        runs: 1,
        measuring: false,
    };
    let mut it = std::env::args().skip(1);
    let mut set = false;
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} takes a number"))
        };
        match arg.as_str() {
            "--bench" => a.measuring = true,
            "--functions" => (a.functions, set) = (number("--functions")?, true),
            "--runs" => a.runs = number("--runs")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.measuring && !set {
        a.functions = 1000;
        a.runs = a.runs.max(3);
    }
    Ok(a)
}

/// Creates the account's functions; returns how many carry a stack tag.
async fn populate(s: &Servers, account: &Account, n: usize) -> usize {
    let region = account.region;
    let setup = status_session(s, &unique("bench-setup"), region).await;
    let (lambda, iam, codeguru) = (setup.lambda(region), setup.iam(region), setup.codeguru(region));
    let py = publish(&lambda, PY_LAYER).await;
    let mut roles = Vec::new();
    for i in 0..account.roles {
        roles.push(role(&iam, &unique(&format!("bench-r{i}")), true).await);
    }
    let group_count = match account.groups {
        Some(0) => n,
        Some(g) => g,
        None => 0,
    };
    let mut groups = Vec::new();
    for i in 0..group_count {
        let name = match account.groups {
            Some(0) => format!("aws-lambda-bench-{region}-{i:05}"),
            _ => unique(&format!("bench-g{i}")),
        };
        groups.push(group(&codeguru, &name).await);
    }
    let specs: Vec<Spec> = (0..n)
        .map(|i| {
            let mut spec = Spec::new(&format!("bench-{region}-{i:05}"), &roles[i % roles.len()]);
            if i % 10 == 0 {
                spec.stack = Some(format!("stack-{}", i / 100));
            }
            if account.groups.is_some() {
                spec = agent_vars(spec, &groups[i % groups.len()], region)
                    .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
                spec.layers = vec![py.clone()];
            }
            spec
        })
        .collect();
    create_all(&lambda, &specs).await;
    n.div_ceil(10)
}

struct Run {
    wall: Duration,
    pages: usize,
    tag_pages: usize,
    iam: usize,
    codeguru: usize,
    /// `GetLayerVersion`: the publisher's catalogs, for the note on a newer agent layer.
    layers: usize,
    total: usize,
}

async fn measure(s: &Servers, account: &Account, n: usize) -> Result<Run, String> {
    let app = unique("bench-status");
    let session = status_session(s, &app, account.region).await;
    let request = Scope {
        regions: vec![account.region.to_owned()],
        functions: Vec::new(),
        concurrency: 8,
    };
    let started = Instant::now();
    let report = scan(&session, &request, &Progress::hidden())
        .await
        .map_err(|e| e.to_string())?;
    let wall = started.elapsed();
    let want = match account.groups {
        Some(_) => (n, 0),
        None => (0, n),
    };
    if (report.summary.profiled, report.summary.off) != want || report.functions.len() != n {
        return Err(format!("unexpected states: {:?}", report.summary));
    }
    let seen = calls(s, &app).await;
    let count = |pred: &dyn Fn(&Seen) -> bool| seen.iter().filter(|c| pred(c)).count();
    Ok(Run {
        wall,
        pages: count(&|c| c.path.starts_with("/2015-03-31/functions")),
        tag_pages: count(&|c| c.action == "GetResources"),
        iam: count(&|c| !c.action.is_empty() && c.action != "GetResources"),
        codeguru: count(&|c| c.path.starts_with("/profilingGroups/")),
        layers: count(&|c| c.path.starts_with("/2018-10-31/layers/")),
        total: seen.len(),
    })
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("status bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(s) = servers() else {
        println!("status bench: skipped (no moto)");
        return ExitCode::SUCCESS;
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let n = args.functions;
    println!(
        "status bench: N = {n} functions, {} runs each, --concurrency 8",
        args.runs
    );
    for account in &ACCOUNTS {
        let setup = Instant::now();
        let tagged = runtime.block_on(populate(s, account, n));
        let setup = setup.elapsed();
        let groups = match account.groups {
            Some(0) => n,
            Some(g) => g,
            None => 0,
        };
        let roles = if account.groups.is_some() {
            account.roles.min(n)
        } else {
            0
        };
        let expected = (n.div_ceil(50), tagged.div_ceil(100), roles, groups);
        let mut walls = Vec::new();
        for _ in 0..args.runs {
            let run = match runtime.block_on(measure(s, account, n)) {
                Ok(run) => run,
                Err(e) => {
                    eprintln!("status bench: {}: {e}", account.label);
                    return ExitCode::FAILURE;
                }
            };
            let got = (run.pages, run.tag_pages, run.iam, run.codeguru);
            // Profiled functions: each family's catalog in their region, one round of five.
            let layers = if account.groups.is_some() { 10 } else { 0 };
            if got != expected || run.layers != layers || run.total != got.0 + got.1 + got.2 + got.3 + layers
            {
                eprintln!(
                    "status bench: {}: calls (ListFunctions, GetResources, IAM, CodeGuru) = {got:?} and {} \
                     GetLayerVersion of {} in all, expected {expected:?} and {layers}",
                    account.label, run.layers, run.total
                );
                return ExitCode::FAILURE;
            }
            walls.push(run.wall);
        }
        walls.sort();
        let median = walls[walls.len() / 2];
        let (lf, gr, iam, cg) = expected;
        let layers = if account.groups.is_some() { 10 } else { 0 };
        println!(
            "  {:<40} wall {:>7.1} ms (median; runs {:?} ms)  calls {:>4} = {lf} ListFunctions + {gr} GetResources + \
             {iam} ListAttachedRolePolicies + {cg} DescribeProfilingGroup + {layers} GetLayerVersion   (setup {:.0} s)",
            account.label,
            median.as_secs_f64() * 1000.0,
            walls.iter().map(|w| w.as_millis()).collect::<Vec<_>>(),
            lf + gr + iam + cg + layers,
            setup.as_secs_f64()
        );
    }
    if !args.measuring {
        println!("status bench: the harness works (pass --bench, as `cargo bench` does, for N = 1000)");
    }
    ExitCode::SUCCESS
}
