//! The scenarios the checker runs: two concurrent operations on one role, from several
//! starting states (a fresh role, the user's own policy, another reference, tag-format
//! references written by earlier versions).

use crate::checker::{OpSpec, Proto, Scenario, run_alone};
use crate::model::*;
use crate::world::World;

pub const A: Id = 0;
pub const B: Id = 1;
pub const L: Id = 2;
pub const M: Id = 3;
pub const O: Id = 4;
pub const P: Id = 5;
const NAMES: [(Id, char); 6] = [(A, 'A'), (B, 'B'), (L, 'L'), (M, 'M'), (O, 'O'), (P, 'P')];

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The role holds neither the policy nor any tag of ours.
    Fresh,
    /// The user attached the policy before any lambda-profiling resource.
    UserPolicy,
    /// Today's version left tag-format references to these live resources; it attached
    /// the policy (`lambda-profiling:attached-policy` is on the role).
    TagFormat(&'static [Id]),
    /// As `TagFormat`, but the policy is the user's (no attached-policy tag).
    TagFormatUser(&'static [Id]),
}

fn op(proto: Proto, kind: Kind, id: Id, ledger: bool) -> OpSpec {
    OpSpec {
        proto,
        kind,
        id,
        ledger,
    }
}

/// A scenario: from `start`, the resources `existing` are created first (one at a time, by
/// `proto`, IAM converged afterwards), then `ops` run concurrently.
pub fn scenario(
    name: &str,
    proto: Proto,
    start: Start,
    existing: &[Id],
    ops: &[(Proto, Kind, Id)],
    ledger: bool,
) -> Scenario {
    let (truth, user_policy, mut live) = match start {
        Start::Fresh => (IamSnap::default(), false, set(&[])),
        Start::UserPolicy => (
            IamSnap {
                attached: true,
                ..Default::default()
            },
            true,
            set(&[]),
        ),
        Start::TagFormat(ids) => (
            IamSnap {
                attached: true,
                ref_tags: set(ids),
                attached_tag: true,
            },
            false,
            set(ids),
        ),
        Start::TagFormatUser(ids) => (
            IamSnap {
                attached: true,
                ref_tags: set(ids),
                attached_tag: false,
            },
            true,
            set(ids),
        ),
    };
    let mut world = World::new(truth, true);
    for id in existing {
        run_alone(&mut world, &op(proto, Kind::Create, *id, ledger));
        live.insert(*id);
    }
    Scenario {
        name: name.to_owned(),
        world,
        live,
        user_policy,
        ops: ops.iter().map(|(p, k, id)| op(*p, *k, *id, ledger)).collect(),
        then: Vec::new(),
        drain: Proto::New,
        ledger,
        names: NAMES.to_vec(),
    }
}

use Kind::{Create as C, Delete as D, Update as U};
use Proto::{New as N, Old as X};

/// The protocol: every invariant must hold in every schedule.
pub fn new_scenarios() -> Vec<Scenario> {
    use Start::*;
    let mut v = Vec::new();
    for (start, what) in [(Fresh, "fresh role"), (UserPolicy, "the user's policy attached")] {
        v.push(scenario(
            &format!("Create(A) + Create(B); {what}"),
            N,
            start,
            &[],
            &[(N, C, A), (N, C, B)],
            false,
        ));
        v.push(scenario(
            &format!("Delete(A) + Create(B); {what}"),
            N,
            start,
            &[A],
            &[(N, D, A), (N, C, B)],
            false,
        ));
        v.push(scenario(
            &format!("Delete(A) + Delete(B); {what}"),
            N,
            start,
            &[A, B],
            &[(N, D, A), (N, D, B)],
            false,
        ));
        v.push(scenario(
            &format!("Update(A) + Delete(B); {what}"),
            N,
            start,
            &[A, B],
            &[(N, U, A), (N, D, B)],
            false,
        ));
    }
    let o = "another reference O present";
    v.push(scenario(
        &format!("Create(A) + Create(B); {o}"),
        N,
        Fresh,
        &[O],
        &[(N, C, A), (N, C, B)],
        false,
    ));
    v.push(scenario(
        &format!("Delete(A) + Create(B); {o}"),
        N,
        Fresh,
        &[O, A],
        &[(N, D, A), (N, C, B)],
        false,
    ));
    v.push(scenario(
        &format!("Delete(A) + Delete(B); {o}"),
        N,
        Fresh,
        &[O, A, B],
        &[(N, D, A), (N, D, B)],
        false,
    ));
    let l = "tag-format reference L (we attached)";
    v.push(scenario(
        &format!("Create(B) + Delete(L); {l}"),
        N,
        TagFormat(&[L]),
        &[],
        &[(N, C, B), (N, D, L)],
        false,
    ));
    v.push(scenario(
        &format!("Create(A) + Create(B); {l}"),
        N,
        TagFormat(&[L]),
        &[],
        &[(N, C, A), (N, C, B)],
        false,
    ));
    v.push(scenario(
        &format!("Delete(L) + Delete(B); {l}"),
        N,
        TagFormat(&[L]),
        &[B],
        &[(N, D, L), (N, D, B)],
        false,
    ));
    v.push(scenario(
        &format!("Update(L) + Delete(B); {l}"),
        N,
        TagFormat(&[L]),
        &[B],
        &[(N, U, L), (N, D, B)],
        false,
    ));
    v.push(scenario(
        "Delete(L) + Delete(M); two tag-format references",
        N,
        TagFormat(&[L, M]),
        &[],
        &[(N, D, L), (N, D, M)],
        false,
    ));
    v.push(scenario(
        "Create(B) + Delete(L); tag-format L, the user's policy",
        N,
        TagFormatUser(&[L]),
        &[],
        &[(N, C, B), (N, D, L)],
        false,
    ));
    v.push(scenario(
        "Delete(L) + Delete(M); tag-format L, M, the user's policy",
        N,
        TagFormatUser(&[L, M]),
        &[],
        &[(N, D, L), (N, D, M)],
        false,
    ));
    // An older Lambda (a region not yet upgraded) tags P after B's record was decided; the
    // new version then deletes, or updates, P: the mixed fleet must converge.
    for (what, kind) in [("Delete(P)", D), ("Update(P)", U)] {
        let mut sc = scenario(
            &format!("{what} + Delete(B); P tagged by an older Lambda after B's record"),
            N,
            Fresh,
            &[B],
            &[(N, kind, P), (N, D, B)],
            false,
        );
        run_alone(&mut sc.world, &op(X, C, P, false));
        sc.live.insert(P);
        v.push(sc);
    }
    let f = "function mode (ledger items)";
    v.push(scenario(
        &format!("Create(A) + Create(B); {f}"),
        N,
        Fresh,
        &[],
        &[(N, C, A), (N, C, B)],
        true,
    ));
    v.push(scenario(
        &format!("Delete(A) + Create(B); {f}"),
        N,
        Fresh,
        &[A],
        &[(N, D, A), (N, C, B)],
        true,
    ));
    v.push(scenario(
        &format!("Delete(A) + Delete(B); {f}"),
        N,
        Fresh,
        &[A, B],
        &[(N, D, A), (N, D, B)],
        true,
    ));
    v
}

/// Three stacks at once, one of which then deletes its resource: a straggler Delete of the
/// old lifecycle against the next lifecycle. Run
/// without crashes: with them the state space outgrows the machine.
pub fn three_stack_scenarios() -> Vec<Scenario> {
    use Start::*;
    let mut v = Vec::new();
    // Three stacks, one of which then deletes its resource: a straggler Delete of the old
    // lifecycle against the next lifecycle (this is what TakeLease's `gone` condition is for).
    let mut s3 = scenario(
        "Delete(L) + Delete(M) + (Create(B), then Delete(B)); two tag-format references",
        N,
        TagFormat(&[L, M]),
        &[],
        &[(N, D, L), (N, D, M), (N, C, B)],
        false,
    );
    s3.then = vec![vec![], vec![], vec![op(N, D, B, false)]];
    v.push(s3);
    let mut s4 = scenario(
        "Delete(A) + Create(B) + (Create(O), then Delete(O)); fresh role",
        N,
        Fresh,
        &[A],
        &[(N, D, A), (N, C, B), (N, C, O)],
        false,
    );
    s4.then = vec![vec![], vec![], vec![op(N, D, O, false)]];
    v.push(s4);
    v
}

/// The tag format's protocol, which earlier versions ran: the checker must find its known
/// failures, so that it is seen to be able to fail.
pub fn old_scenarios() -> Vec<Scenario> {
    use Start::*;
    let mut v = vec![
        scenario(
            "tags: Delete(A) + Create(B)",
            X,
            Fresh,
            &[A],
            &[(X, D, A), (X, C, B)],
            false,
        ),
        scenario(
            "tags: Create(A) + Create(B)",
            X,
            Fresh,
            &[],
            &[(X, C, A), (X, C, B)],
            false,
        ),
        scenario(
            "tags: Delete(A) + Delete(B)",
            X,
            Fresh,
            &[A, B],
            &[(X, D, A), (X, D, B)],
            false,
        ),
    ];
    for s in &mut v {
        s.drain = Proto::Old;
    }
    v
}

/// Old and new Lambda versions at once (a region not yet upgraded). Informational: the old
/// version's own races remain possible until every region runs the new one.
pub fn mixed_scenarios() -> Vec<Scenario> {
    use Start::*;
    vec![
        scenario(
            "mixed: old Delete(L) + new Create(B)",
            N,
            TagFormat(&[L]),
            &[],
            &[(X, D, L), (N, C, B)],
            false,
        ),
        scenario(
            "mixed: new Delete(L) + old Create(B)",
            N,
            TagFormat(&[L]),
            &[],
            &[(N, D, L), (X, C, B)],
            false,
        ),
        scenario(
            "mixed: old Delete(L) + new Delete(B)",
            N,
            TagFormat(&[L]),
            &[B],
            &[(X, D, L), (N, D, B)],
            false,
        ),
        scenario(
            "mixed: old Create(B) + new Delete(A)",
            N,
            Fresh,
            &[A],
            &[(X, C, B), (N, D, A)],
            false,
        ),
    ]
}
