//! The macro's main job, measured: in-process expansion (parse + expand + serialize) of the
//! synthetic template, N = 10, 500 and 5000 functions, with profiling on for all: the
//! event's text in, the answer's bytes out, by the function the Lambda calls (the
//! macro's one dispatcher, `lambda_profiling_macro::answer`). Also a template of mostly
//! plain functions with a few SAM ones, which the general lane answers. Each case runs on
//! a compact and a pretty-printed event (CloudFormation does not document its formatting),
//! and prints which lane answered it.
//!
//!     cargo bench --bench expand
//!
//! Before criterion starts, the very first call of the process (cold caches, first
//! allocations) is timed once and printed.
//!
//! Instructions, which do not drift with the machine's load: `EXPAND_CALLS=N
//! [EXPAND_CASE=mixed] [EXPAND_FORMAT=pretty] valgrind --tool=callgrind target/release/deps/expand-…` makes N
//! calls of the N = 500 case (or the mixed one) and nothing else; the difference of two
//! such runs, divided by the difference of their N, is the cost of one call.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
mod synthetic;

use lambda_profiling_macro::{Lane, answer};
use serde_json::json;
use synthetic::{check_reference_shape, macro_event, mixed_template, synthetic_template};

const TOKEN: &str = "arn:aws:lambda:us-east-1:123456789012:function:lambda-profiling";

fn event(n: usize) -> String {
    macro_event(&synthetic_template(n), json!({"Profiling": true}))
}

fn first_call() {
    check_reference_shape();
    let event = event(500);
    let start = Instant::now();
    let answered = answer(&event, TOKEN).expect("a macro request");
    let took = start.elapsed();
    assert_eq!(
        answered.lane,
        Lane::Splice,
        "the synthetic template is the splice lane's"
    );
    let out = answered.into_string();
    assert!(
        out.contains(r#""status":"success""#),
        "the expansion failed: {}",
        &out[..out.len().min(500)]
    );
    println!(
        "first call of the process, N=500 ({} bytes in, {} out): {took:?}",
        event.len(),
        out.len()
    );
}

/// The event's text as CloudFormation might send it: it does not document its formatting.
#[derive(Clone, Copy)]
enum Format {
    Compact,
    Pretty,
}

fn formatted(event: String, format: Format) -> String {
    match format {
        Format::Compact => event,
        Format::Pretty => {
            let value: serde_json::Value = serde_json::from_str(&event).expect("the event is JSON");
            serde_json::to_string_pretty(&value).expect("JSON")
        }
    }
}

/// One case in both formats; each says which lane answered it.
fn bench_case(c: &mut Criterion, group: &str, label: &str, event: &str, slow: bool) {
    let mut group = c.benchmark_group(group);
    for (name, format) in [("compact", Format::Compact), ("pretty", Format::Pretty)] {
        let event = formatted(event.to_owned(), format);
        let answered = answer(&event, TOKEN).expect("a macro request");
        let lane = match answered.lane {
            Lane::Splice => "splice".to_owned(),
            Lane::General(why) => format!("general ({why:?})"),
        };
        let out = answered.into_string();
        assert!(
            out.contains(r#""status":"success""#),
            "{}",
            &out[..out.len().min(500)]
        );
        println!("{label} {name}: the {lane} lane answers");
        group.throughput(Throughput::Bytes(event.len() as u64));
        if slow {
            group.sample_size(20).measurement_time(Duration::from_secs(10));
        }
        group.bench_with_input(BenchmarkId::new(name, label), &event, |b, event| {
            b.iter(|| answer(black_box(event), TOKEN))
        });
    }
    group.finish();
}

fn expand(c: &mut Criterion) {
    first_call();
    for n in [10usize, 500, 5000] {
        bench_case(c, "expand", &n.to_string(), &event(n), n >= 5000);
    }
    // Mostly plain functions with a few SAM ones: the general lane answers.
    let (n, sam) = (500, 5);
    let event = macro_event(&mixed_template(n, sam), json!({"Profiling": true}));
    bench_case(c, "expand_mixed", &format!("{n}-{sam}sam"), &event, false);
}

/// `EXPAND_CALLS` calls of one case, for callgrind; `false` when not asked for.
fn counted() -> bool {
    let Some(calls) = std::env::var("EXPAND_CALLS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return false;
    };
    let event = match std::env::var("EXPAND_CASE").as_deref() {
        Ok("mixed") => macro_event(&mixed_template(500, 5), json!({"Profiling": true})),
        _ => event(500),
    };
    let format = match std::env::var("EXPAND_FORMAT").as_deref() {
        Ok("pretty") => Format::Pretty,
        _ => Format::Compact,
    };
    let event = formatted(event, format);
    for _ in 0..calls {
        black_box(answer(black_box(&event), TOKEN));
    }
    true
}

criterion_group!(benches, expand);

fn main() {
    if counted() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
