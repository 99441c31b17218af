//! The exhaustive checker: a deterministic scheduler that explores every interleaving of the
//! calls of concurrent operations on one role, every lagging-read outcome, and crashes
//! between calls (then a replay of the same request, or, for a Create, CloudFormation's
//! rollback Delete), and checks the invariant in every state and at every end.
//!
//! States are memoized, so each distinct state is expanded once; the number of complete
//! schedules (paths through the state graph) is counted exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::model::*;
use crate::world::World;
use crate::{machine, tag_format};

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Proto {
    New,
    Old,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct OpSpec {
    pub proto: Proto,
    pub kind: Kind,
    pub id: Id,
    pub ledger: bool,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Machine {
    New(machine::Op),
    Old(tag_format::Op),
}

impl Machine {
    fn start(spec: &OpSpec) -> (Machine, Step) {
        let mut m = match spec.proto {
            Proto::New => Machine::New(machine::Op::new(spec.kind, spec.id, spec.ledger)),
            Proto::Old => Machine::Old(tag_format::Op::new(spec.kind, spec.id)),
        };
        let step = m.next(None);
        (m, step)
    }
    fn next(&mut self, r: Option<Reply>) -> Step {
        match self {
            Machine::New(op) => op.next(r),
            Machine::Old(op) => op.next(r),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Run {
    Pending(Machine, Call),
    /// All calls made; the answer (SUCCESS) is not sent yet.
    Answering,
    /// Crashed (or timed out); waiting for the replay or the rollback.
    Dead,
    Done,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Slot {
    spec: OpSpec,
    /// Operations this slot runs afterwards, one after the other (a stack's later Delete).
    then: Vec<OpSpec>,
    run: Run,
    crashes: u8,
    last_write: u32,
    started: bool,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct State {
    world: World,
    slots: Vec<Slot>,
    /// Resources that answered SUCCESS and whose Delete has not started.
    live: BTreeSet<Id>,
}

pub struct Scenario {
    pub name: String,
    pub world: World,
    pub live: BTreeSet<Id>,
    /// The user attached the policy before any lambda-profiling resource.
    pub user_policy: bool,
    pub ops: Vec<OpSpec>,
    /// For each op (same index), the operations its stack runs after it, in order.
    pub then: Vec<Vec<OpSpec>>,
    /// Which protocol deletes what is still live at the end (the "drain").
    pub drain: Proto,
    /// Function mode: the drain's Deletes remove ledger items too.
    pub ledger: bool,
    pub names: Vec<(Id, char)>,
}

#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Crashes allowed per operation (each followed by a replay or, for a Create, a rollback).
    pub crashes: u8,
    /// IAM reads may lag (return any version since the floor).
    pub lag: bool,
    pub mutant: Option<crate::world::Mutant>,
}

#[derive(Debug, Default)]
pub struct Findings {
    pub states: usize,
    pub schedules: u128,
    pub bad_schedules: u128,
    /// The first counterexample of each kind: the schedule that leads to it.
    pub counterexamples: BTreeMap<String, Vec<String>>,
}

struct Explorer<'a> {
    sc: &'a Scenario,
    memo: HashMap<State, (u128, u128)>,
    on_stack: HashSet<State>,
    trace: Vec<String>,
    report: Findings,
}

pub fn check(sc: &Scenario, cfg: Config) -> Findings {
    let slots = sc
        .ops
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let (m, step) = Machine::start(spec);
            let run = match step {
                Step::Call(c) => Run::Pending(m, c),
                Step::Done => Run::Answering,
            };
            let then = sc.then.get(i).cloned().unwrap_or_default();
            Slot {
                spec: spec.clone(),
                then,
                run,
                crashes: cfg.crashes,
                last_write: 0,
                started: false,
            }
        })
        .collect();
    let mut world = sc.world.clone();
    world.lag = cfg.lag;
    world.mutant = cfg.mutant;
    let init = State {
        world,
        slots,
        live: sc.live.clone(),
    };
    let mut ex = Explorer {
        sc,
        memo: HashMap::new(),
        on_stack: HashSet::new(),
        trace: Vec::new(),
        report: Findings::default(),
    };
    let (n, bad) = ex.explore(&init);
    ex.report.schedules = n;
    ex.report.bad_schedules = bad;
    ex.report.states = ex.memo.len();
    ex.report
}

impl Explorer<'_> {
    fn name(&self, id: Id) -> char {
        self.sc
            .names
            .iter()
            .find(|(i, _)| *i == id)
            .map_or('?', |(_, c)| *c)
    }

    fn label(&self, spec: &OpSpec, what: &str) -> String {
        let k = match spec.kind {
            Kind::Create => "Create",
            Kind::Update => "Update",
            Kind::Delete => "Delete",
        };
        let p = if spec.proto == Proto::Old { "old " } else { "" };
        let mut s = format!("{p}{k}({}): {what}", self.name(spec.id));
        for (id, c) in &self.sc.names {
            s = s
                .replace(&format!("id: {id}"), &c.to_string())
                .replace(&format!("owner: {id}"), &format!("owner {c}"));
        }
        s
    }

    fn violation(&mut self, kind: &str, s: &State) {
        if !self.report.counterexamples.contains_key(kind) {
            let mut t = self.trace.clone();
            t.push(format!(
                "==> {kind}; IAM truth {:?}; item {:?}; live {:?}",
                s.world.truth(),
                s.world.item,
                s.live
            ));
            self.report.counterexamples.insert(kind.to_owned(), t);
        }
    }

    /// The safety half of the invariant, in every state.
    fn unsafe_state(&self, s: &State) -> Option<&'static str> {
        let t = s.world.truth();
        if self.sc.user_policy && !t.attached {
            return Some("the user's policy was detached");
        }
        if !s.live.is_empty() && !t.attached {
            return Some("lost policy: a resource that answered SUCCESS exists, the role lacks the policy");
        }
        None
    }

    fn explore(&mut self, s: &State) -> (u128, u128) {
        if let Some(r) = self.memo.get(s) {
            return *r;
        }
        if let Some(kind) = self.unsafe_state(s) {
            self.violation(kind, s);
            self.memo.insert(s.clone(), (1, 1));
            return (1, 1);
        }
        if !self.on_stack.insert(s.clone()) {
            self.violation("cycle (possible livelock)", s);
            return (0, 0);
        }
        let succ = self.successors(s);
        let result = if succ.is_empty() {
            if s.slots.iter().all(|sl| sl.run == Run::Done) {
                match self.end_check(s) {
                    None => (1, 0),
                    Some(kind) => {
                        self.violation(&kind, s);
                        (1, 1)
                    }
                }
            } else {
                self.violation("deadlock: every operation is blocked", s);
                (1, 1)
            }
        } else {
            let mut total = (0u128, 0u128);
            for (label, next) in succ {
                self.trace.push(label);
                let (n, b) = self.explore(&next);
                self.trace.pop();
                total = (total.0.saturating_add(n), total.1.saturating_add(b));
            }
            total
        };
        self.on_stack.remove(s);
        self.memo.insert(s.clone(), result);
        result
    }

    fn successors(&self, s: &State) -> Vec<(String, State)> {
        let mut out = Vec::new();
        for i in 0..s.slots.len() {
            let slot = &s.slots[i];
            match &slot.run {
                Run::Pending(m, call) => {
                    if let Some(outcomes) = s.world.run(call, slot.last_write) {
                        for o in outcomes {
                            let mut n = s.clone();
                            let sl = &mut n.slots[i];
                            if sl.spec.kind == Kind::Delete && !sl.started {
                                n.live.remove(&sl.spec.id); // CloudFormation deleted its functions first
                            }
                            sl.started = true;
                            if let Some(v) = o.wrote_at {
                                sl.last_write = v;
                            }
                            let mut m = m.clone();
                            let step = m.next(Some(o.reply.clone()));
                            sl.run = match step {
                                Step::Call(c) => Run::Pending(m, c),
                                Step::Done => Run::Answering,
                            };
                            n.world = o.world;
                            out.push((self.label(&slot.spec, &format!("{call:?} -> {:?}", o.reply)), n));
                        }
                    }
                }
                Run::Answering => {
                    let mut n = s.clone();
                    n.slots[i].run = Run::Done;
                    if slot.spec.kind != Kind::Delete {
                        n.live.insert(slot.spec.id);
                    }
                    if !slot.then.is_empty() {
                        let sl = &mut n.slots[i];
                        sl.spec = sl.then.remove(0);
                        sl.started = false;
                        let (m, step) = Machine::start(&sl.spec);
                        sl.run = match step {
                            Step::Call(c) => Run::Pending(m, c),
                            Step::Done => Run::Answering,
                        };
                    }
                    out.push((self.label(&slot.spec, "answers SUCCESS"), n));
                }
                Run::Dead => {
                    let mut n = s.clone();
                    let (m, step) = Machine::start(&slot.spec);
                    n.slots[i].run = match step {
                        Step::Call(c) => Run::Pending(m, c),
                        Step::Done => Run::Answering,
                    };
                    out.push((
                        self.label(&slot.spec, "is replayed (Lambda retry / CloudFormation resend)"),
                        n,
                    ));
                    if slot.spec.kind == Kind::Create {
                        let mut n = s.clone();
                        let spec = OpSpec {
                            kind: Kind::Delete,
                            ..slot.spec.clone()
                        };
                        let (m, step) = Machine::start(&spec);
                        n.slots[i].spec = spec;
                        n.slots[i].run = match step {
                            Step::Call(c) => Run::Pending(m, c),
                            Step::Done => Run::Answering,
                        };
                        out.push((
                            self.label(&slot.spec, "failed; CloudFormation rolls back: Delete"),
                            n,
                        ));
                    }
                }
                Run::Done => {}
            }
            if slot.crashes > 0 && matches!(slot.run, Run::Pending(..) | Run::Answering) {
                let mut n = s.clone();
                n.slots[i].run = Run::Dead;
                n.slots[i].crashes -= 1;
                if let Some(Item { lease: Some(l), .. }) = &mut n.world.item
                    && l.owner == slot.spec.id
                {
                    l.expired = true; // the holder's invocation is over: its lease runs out
                }
                out.push((self.label(&slot.spec, "CRASHES (Lambda dies or times out)"), n));
            }
        }
        out
    }
}

#[path = "drain.rs"]
mod drain;
pub use drain::run_alone;
