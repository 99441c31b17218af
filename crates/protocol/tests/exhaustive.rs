//! `cargo test -p lambda-profiling-protocol`: the protocol holds in every schedule of every
//! scenario (two operations: interleavings, then with lagging reads and one crash each;
//! three operations with lagging reads); the tag protocol of earlier versions loses the
//! policy (a Delete racing a Create, without any IAM lag), so the checker can fail; every
//! mutant is caught; and the call sequences the AWS binding makes, written out. The full
//! report (two crashes per operation, the mixed fleet): `cargo run --release -p
//! lambda-profiling-protocol -- --crashes 2`.

use lambda_profiling_protocol::checker::{Config, OpSpec, Proto, check, run_alone};
use lambda_profiling_protocol::model::*;
use lambda_profiling_protocol::scenarios::*;
use lambda_profiling_protocol::world::{MUTANTS, World};

const PLAIN: Config = Config {
    crashes: 0,
    lag: false,
    mutant: None,
};
const FULL: Config = Config {
    crashes: 1,
    lag: true,
    mutant: None,
};

#[test]
fn the_protocol_holds_in_every_schedule() {
    let mut total = 0u128;
    for sc in new_scenarios() {
        for cfg in [PLAIN, FULL] {
            let r = check(&sc, cfg);
            println!(
                "{:>8} states {:>26} schedules  {} (lag {}, crashes {})",
                r.states, r.schedules, sc.name, cfg.lag, cfg.crashes
            );
            assert_eq!(r.bad_schedules, 0, "{}: {:#?}", sc.name, r.counterexamples);
            assert!(r.schedules > 0);
            total = total.saturating_add(r.schedules);
        }
    }
    for sc in three_stack_scenarios() {
        let r = check(&sc, Config { lag: true, ..PLAIN });
        println!(
            "{:>8} states {:>26} schedules  {}",
            r.states, r.schedules, sc.name
        );
        assert_eq!(r.bad_schedules, 0, "{}: {:#?}", sc.name, r.counterexamples);
        total = total.saturating_add(r.schedules);
    }
    println!("all scenarios: {total} schedules, 0 violating");
}

#[test]
fn the_tag_protocol_loses_the_policy_without_any_lag() {
    let sc = &old_scenarios()[0]; // Delete(A) + Create(B), A existed
    let r = check(sc, PLAIN);
    let kind = r
        .counterexamples
        .keys()
        .find(|k| k.starts_with("lost policy"))
        .expect("a lost-policy schedule");
    println!(
        "{} of {} schedules violate; counterexample ({kind}):",
        r.bad_schedules, r.schedules
    );
    for (i, step) in r.counterexamples[kind].iter().enumerate() {
        println!("  {:>2}. {step}", i + 1);
    }
    assert!(
        r.counterexamples.keys().any(|k| k.starts_with("leak")),
        "and the leak"
    );
}

#[test]
fn every_mechanism_is_needed() {
    for m in MUTANTS {
        let bad: u128 = new_scenarios()
            .iter()
            .map(|sc| {
                check(
                    sc,
                    Config {
                        mutant: Some(m),
                        ..FULL
                    },
                )
                .bad_schedules
            })
            .sum();
        println!("{m:?}: {bad} violating schedules");
        assert!(
            bad > 0,
            "{m:?} is not caught: the mechanism it removes would be untested"
        );
    }
}

/// The calls each operation makes when it runs alone: what the binding to AWS will issue.
#[test]
fn the_call_sequences_alone() {
    fn calls(world: &mut World, kind: Kind, id: Id, ledger: bool) -> Vec<String> {
        let mut op = lambda_profiling_protocol::machine::Op::new(kind, id, ledger);
        let (mut step, mut out, mut last) = (op.next(None), Vec::new(), 0);
        while let Step::Call(c) = step {
            let o = world.run(&c, last).expect("alone").remove(0);
            last = o.wrote_at.unwrap_or(last);
            out.push(format!("{c:?}").split([' ', '{']).next().unwrap().to_owned());
            *world = o.world;
            step = op.next(Some(o.reply));
        }
        out
    }
    let mut w = World::new(IamSnap::default(), false);
    let first = calls(&mut w, Kind::Create, A, false);
    assert_eq!(
        first,
        [
            "GetItem",
            "PutItem",
            "GetItem",
            "ReadAttached",
            "ReadTags",
            "SetOurs",
            "GetItem",
            "AddRef",
            "Attach"
        ]
    );
    let second = calls(&mut w, Kind::Create, B, false);
    assert_eq!(second, ["GetItem", "AddRef", "Attach"]);
    let not_last = calls(&mut w, Kind::Delete, A, false);
    // A Delete looks once for its own tag-format tag (an older Lambda may have written it).
    assert_eq!(not_last, ["GetItem", "ReadTags", "RemoveRef"]);
    let last = calls(&mut w, Kind::Delete, B, false);
    assert_eq!(
        last,
        [
            "GetItem",
            "ReadTags",
            "RemoveRef",
            "ReadTags",
            "GetItem",
            "TakeLease",
            "Detach",
            "Settle",
            "DeleteItem"
        ]
    );
    assert!(w.item.is_none() && !w.truth().attached);
    // A role holding the user's policy: the last Delete does not detach it.
    let mut u = World::new(
        IamSnap {
            attached: true,
            ..Default::default()
        },
        false,
    );
    run_alone(
        &mut u,
        &OpSpec {
            proto: Proto::New,
            kind: Kind::Create,
            id: A,
            ledger: false,
        },
    );
    let last = calls(&mut u, Kind::Delete, A, false);
    assert!(!last.contains(&"Detach".to_owned()), "{last:?}");
    assert!(u.truth().attached && u.item.is_none());
    // A role left by an earlier version: one tag-format reference L, the policy ours. The first
    // Delete of the new version adopts it, moves the attached-policy tag into the record.
    let tag_format = IamSnap {
        attached: true,
        ref_tags: [L].into(),
        attached_tag: true,
    };
    let mut l = World::new(tag_format, false);
    let adopt = calls(&mut l, Kind::Delete, L, false);
    assert_eq!(
        adopt,
        [
            "GetItem",
            "PutItem",
            "GetItem",
            "ReadAttached",
            "ReadTags",
            "SetOurs",
            "GetItem",
            "Untag",
            "ClearTagged",
            "GetItem",
            "RemoveRef",
            "Untag",
            "ReadTags",
            "GetItem",
            "TakeLease",
            "Detach",
            "Untag",
            "Settle",
            "DeleteItem",
        ]
    );
    assert_eq!(l.truth(), &IamSnap::default());
    assert!(l.item.is_none());
}
