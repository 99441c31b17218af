//! `cargo run --release` — every scenario of the protocol (plain interleavings; then
//! with lagging IAM reads and crashes), the tag protocol of earlier versions with its counterexamples, a mixed
//! fleet (informational), and the mutants (each mechanism removed in turn must fail).
//!
//! Options: `--crashes N` (default 1), `--quiet` (no counterexample schedules).

use lambda_profiling_protocol::checker::{Config, Findings, Scenario, check};
use lambda_profiling_protocol::scenarios::{
    mixed_scenarios, new_scenarios, old_scenarios, three_stack_scenarios,
};
use lambda_profiling_protocol::world::MUTANTS;

/// A count, or "at least" when it saturated u128.
fn n(x: u128) -> String {
    if x == u128::MAX {
        format!(">= {x}")
    } else {
        x.to_string()
    }
}

fn run(title: &str, scenarios: &[Scenario], cfg: Config, show: bool) -> (u128, u128) {
    println!(
        "\n== {title} (IAM read lag: {}; crashes per operation: {}) ==",
        cfg.lag, cfg.crashes
    );
    println!(
        "{:>8} {:>24} {:>14}  scenario",
        "states", "schedules", "violating"
    );
    let (mut all, mut bad) = (0u128, 0u128);
    for sc in scenarios {
        let r: Findings = check(sc, cfg);
        println!(
            "{:>8} {:>24} {:>14}  {}",
            r.states,
            n(r.schedules),
            n(r.bad_schedules),
            sc.name
        );
        all = all.saturating_add(r.schedules);
        bad = bad.saturating_add(r.bad_schedules);
        if show {
            for (kind, trace) in &r.counterexamples {
                println!("   counterexample: {kind}");
                for (i, step) in trace.iter().enumerate() {
                    println!("     {:>2}. {step}", i + 1);
                }
            }
        }
    }
    println!("   total: {} schedules, {} violating", n(all), n(bad));
    (all, bad)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let crashes = args
        .iter()
        .position(|a| a == "--crashes")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let show = !args.iter().any(|a| a == "--quiet");
    let started = std::time::Instant::now();
    let new = new_scenarios();
    let plain = Config {
        crashes: 0,
        lag: false,
        mutant: None,
    };
    let full = Config {
        crashes,
        lag: true,
        mutant: None,
    };
    let (_, b1) = run("the protocol, interleavings only", &new, plain, show);
    let (_, b2) = run(
        "the protocol, every interleaving x lagging reads x crashes",
        &new,
        full,
        show,
    );
    let three = three_stack_scenarios();
    let lagging = Config {
        crashes: 0,
        lag: true,
        mutant: None,
    };
    let (_, b3) = run(
        "the protocol, three stacks, every interleaving x lagging reads",
        &three,
        lagging,
        show,
    );
    run(
        "the tag protocol of earlier versions, interleavings only",
        &old_scenarios(),
        plain,
        show,
    );
    run(
        "the tag protocol of earlier versions, with lagging reads",
        &old_scenarios(),
        Config { lag: true, ..plain },
        false,
    );
    run(
        "mixed fleet: old and new Lambda versions at once (informational)",
        &mixed_scenarios(),
        Config { lag: true, ..plain },
        show,
    );

    println!("\n== mutants: each mechanism removed in turn (lag, crashes {crashes}) ==");
    let mut caught = 0;
    for m in MUTANTS {
        let cfg = Config {
            mutant: Some(m),
            ..full
        };
        let mut bad = 0u128;
        let mut kinds = std::collections::BTreeSet::new();
        let runs = new.iter().map(|sc| (sc, cfg)).chain(three.iter().map(|sc| {
            (
                sc,
                Config {
                    mutant: Some(m),
                    ..lagging
                },
            )
        }));
        for (sc, cfg) in runs {
            let r = check(sc, cfg);
            bad = bad.saturating_add(r.bad_schedules);
            kinds.extend(
                r.counterexamples
                    .keys()
                    .map(|k| k.split(':').next().unwrap_or(k).to_owned()),
            );
        }
        caught += usize::from(bad > 0);
        println!("{m:?}: {} violating schedules; found: {kinds:?}", n(bad));
    }
    println!("\nchecked in {:.1}s", started.elapsed().as_secs_f64());
    if b1 == 0 && b2 == 0 && b3 == 0 && caught == MUTANTS.len() {
        println!("the protocol: every invariant holds in every schedule; every mutant is caught");
    } else {
        println!(
            "FAILED: the protocol's violations {b1}+{b2}+{b3}; mutants caught {caught}/{}",
            MUTANTS.len()
        );
        std::process::exit(1);
    }
}
