//! The abstract world a call runs against: the role's DynamoDB item (linearizable: one
//! conditional write at a time, strongly consistent reads), the ledger items, and IAM.
//!
//! IAM writes are serialized at IAM's primary (the control plane in us-east-1) and form a
//! sequence of versions. A read returns **any** version from the `floor` to the newest (the
//! lag: a read may miss any number of recent writes, each read independently). `Settle`
//! raises the floor to the settling operation's last write: the design's assumption that
//! once IAM's reads show a write (the settle loop saw it), later reads show it too.

mod record;

use crate::model::*;

/// A deliberately broken store, to show that each mechanism of the protocol is needed: the
/// checker must find a violating schedule for every mutant.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Mutant {
    /// Settle returns at once (the final Delete does not wait for IAM's reads to catch up).
    NoSettle,
    /// AddRef / RemoveRef ignore a lease (no serialization with the detaching Delete).
    NoLeaseCondition,
    /// AddRef / RemoveRef do not wait for the ownership decision.
    NoDecidedCondition,
    /// SetOurs ignores the record's generation.
    NoGeneration,
    /// RemoveRef does not record the id in `gone`.
    NoGone,
}

pub const MUTANTS: [Mutant; 5] = [
    Mutant::NoSettle,
    Mutant::NoLeaseCondition,
    Mutant::NoDecidedCondition,
    Mutant::NoGeneration,
    Mutant::NoGone,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct World {
    pub item: Option<Item>,
    pub ledgers: std::collections::BTreeSet<Id>,
    /// Absolute version of `iam[0]`, the oldest version a read may still return.
    pub base: u32,
    /// `iam.last()` is the truth.
    pub iam: Vec<IamSnap>,
    /// Whether reads may lag (else they return the truth).
    pub lag: bool,
    /// Records created so far (each PutItem's `gen` token is new).
    pub generations: u64,
    /// A settle timed out and kept its (empty) record: the end check allows it.
    pub kept_record: bool,
    pub mutant: Option<Mutant>,
}

/// One way a call can come out.
pub struct Branch {
    pub world: World,
    pub reply: Reply,
    /// For an IAM write: the version at which its effect holds (for `Settle`).
    pub wrote_at: Option<u32>,
}

impl World {
    pub fn new(truth: IamSnap, lag: bool) -> World {
        World {
            item: None,
            ledgers: Default::default(),
            base: 0,
            iam: vec![truth],
            lag,
            generations: 0,
            kept_record: false,
            mutant: None,
        }
    }

    pub fn truth(&self) -> &IamSnap {
        self.iam.last().expect("never empty")
    }

    pub fn latest(&self) -> u32 {
        self.base + self.iam.len() as u32 - 1
    }

    /// Forgets every version but the truth (time passed: IAM has converged).
    pub fn converge(&mut self) {
        let t = self.truth().clone();
        self.base = self.latest();
        self.iam = vec![t];
    }

    fn raise_floor(&mut self, to: u32) {
        if to > self.base {
            let drop = (to - self.base) as usize;
            self.iam.drain(..drop.min(self.iam.len() - 1));
            self.base = to;
        }
    }

    fn iam_write(&self, f: impl FnOnce(&mut IamSnap)) -> Branch {
        let mut w = self.clone();
        let mut t = w.truth().clone();
        f(&mut t);
        if &t != w.truth() {
            w.iam.push(t);
        }
        let at = w.latest();
        Branch {
            world: w,
            reply: Reply::Ok,
            wrote_at: Some(at),
        }
    }

    fn reads(&self) -> Vec<&IamSnap> {
        if !self.lag {
            return vec![self.truth()];
        }
        let mut seen: Vec<&IamSnap> = Vec::new();
        for s in &self.iam {
            if !seen.contains(&s) {
                seen.push(s);
            }
        }
        seen
    }

    fn item_write(&self, f: impl FnOnce(&mut Option<Item>) -> bool) -> Branch {
        let mut w = self.clone();
        let ok = f(&mut w.item);
        let reply = match (&w.item, ok) {
            (_, false) => Reply::CondFailed,
            (Some(i), true) => Reply::Written(i.clone()),
            (None, true) => Reply::Ok,
        };
        Branch {
            world: if ok { w } else { self.clone() },
            reply,
            wrote_at: None,
        }
    }

    /// Every outcome of `call`, or `None` while it is blocked. `last_write` is the caller's
    /// last IAM write version (for `Settle`).
    pub fn run(&self, call: &Call, last_write: u32) -> Option<Vec<Branch>> {
        match call {
            Call::GetItem
            | Call::WaitLease { .. }
            | Call::PutItem
            | Call::SetOurs { .. }
            | Call::ClearTagged { .. }
            | Call::AddRef { .. }
            | Call::RemoveRef { .. } => self.run_record(call),
            Call::TakeLease { .. }
            | Call::RenewLease { .. }
            | Call::TakeOver { .. }
            | Call::DropLease { .. }
            | Call::DeleteItem { .. } => Some(vec![self.run_lease(call)]),
            Call::PutLedger { .. } | Call::DeleteLedger { .. } => self.run_ledger(call),
            _ => self.run_iam(call, last_write),
        }
    }

    /// The ledger items: written before the references are taken, deleted after.
    fn run_ledger(&self, call: &Call) -> Option<Vec<Branch>> {
        let one = |o: Branch| Some(vec![o]);
        match call {
            Call::PutLedger { id } | Call::DeleteLedger { id } => {
                let mut w = self.clone();
                if matches!(call, Call::PutLedger { .. }) {
                    w.ledgers.insert(*id);
                } else {
                    w.ledgers.remove(id);
                }
                one(Branch {
                    world: w,
                    reply: Reply::Ok,
                    wrote_at: None,
                })
            }
            _ => unreachable!("not a ledger call: {call:?}"),
        }
    }

    /// IAM: reads that may lag (every version since the floor), writes, and the settle.
    fn run_iam(&self, call: &Call, last_write: u32) -> Option<Vec<Branch>> {
        let m = self.mutant;
        let one = |o: Branch| Some(vec![o]);
        match call {
            Call::ReadAttached => Some(
                self.reads()
                    .into_iter()
                    .map(|s| s.attached)
                    .fold(Vec::new(), |mut v, a| {
                        if !v.contains(&a) {
                            v.push(a);
                        }
                        v
                    })
                    .into_iter()
                    .map(|a| Branch {
                        world: self.clone(),
                        reply: Reply::Attached(a),
                        wrote_at: None,
                    })
                    .collect(),
            ),
            Call::ReadTags => {
                let mut tags: Vec<IamSnap> = Vec::new();
                for s in self.reads() {
                    let t = IamSnap {
                        attached: false,
                        ..s.clone()
                    };
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                Some(
                    tags.into_iter()
                        .map(|t| Branch {
                            world: self.clone(),
                            reply: Reply::Tags(t),
                            wrote_at: None,
                        })
                        .collect(),
                )
            }
            Call::Attach => one(self.iam_write(|t| t.attached = true)),
            Call::Detach => one(self.iam_write(|t| t.attached = false)),
            Call::Untag { refs, attached_tag } => one(self.iam_write(|t| {
                t.ref_tags.retain(|r| !refs.contains(r));
                if *attached_tag {
                    t.attached_tag = false;
                }
            })),
            Call::Tag { refs, attached_tag } => one(self.iam_write(|t| {
                t.ref_tags.extend(refs.iter().copied());
                if *attached_tag {
                    t.attached_tag = true;
                }
            })),
            Call::Settle => {
                let mut w = self.clone();
                if m != Some(Mutant::NoSettle) {
                    w.raise_floor(last_write);
                }
                let settled = Branch {
                    world: w,
                    reply: Reply::Ok,
                    wrote_at: None,
                };
                // While reads lag, the settle may also give up with nothing learned.
                let timed_out = Branch {
                    world: self.clone(),
                    reply: Reply::TimedOut,
                    wrote_at: None,
                };
                Some(if self.lag {
                    vec![settled, timed_out]
                } else {
                    vec![settled]
                })
            }
            _ => unreachable!("not an IAM call: {call:?}"),
        }
    }
}
