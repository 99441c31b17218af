//! The end of a schedule: later, with IAM converged, what is still live is deleted (the
//! "drain") and the role must be as the user left it. Also [`run_alone`], which builds the
//! scenarios' starting states.

use super::*;

impl Explorer<'_> {
    /// Later, with IAM converged, every resource still live is deleted one at a time; then
    /// the role must be as the user left it and nothing of ours may remain. A record that a
    /// timed-out settle kept must be exact (its ownership the truth) and serve the next
    /// stack: one more Create and Delete run on it, and then it must be gone too.
    pub(super) fn end_check(&self, s: &State) -> Option<String> {
        let mut w = s.world.clone();
        w.converge();
        w.lag = false;
        w.mutant = None;
        for id in &s.live {
            let spec = OpSpec {
                proto: self.sc.drain,
                kind: Kind::Delete,
                id: *id,
                ledger: self.sc.ledger,
            };
            if let Err(why) = self.run_to_end(&mut w, &spec) {
                return Some(why);
            }
        }
        if let Some(kept) = w
            .item
            .as_ref()
            .filter(|_| w.kept_record && self.sc.drain == Proto::New)
        {
            let exact =
                kept.refs.is_empty() && kept.lease.is_none() && kept.ours == Some(!self.sc.user_policy);
            if !exact {
                return Some(format!("a kept record is not exact: {kept:?}"));
            }
            for kind in [Kind::Create, Kind::Delete] {
                let spec = OpSpec {
                    proto: Proto::New,
                    kind,
                    id: NEXT,
                    ledger: self.sc.ledger,
                };
                if let Err(why) = self.run_to_end(&mut w, &spec) {
                    return Some(why);
                }
            }
        }
        let t = w.truth();
        if t.attached != self.sc.user_policy {
            return Some(if t.attached {
                "leak: every resource is gone, the policy lambda-profiling attached stays attached".into()
            } else {
                "after every resource is gone, the user's policy is detached".into()
            });
        }
        if w.item.is_some() || !w.ledgers.is_empty() || !t.ref_tags.is_empty() || t.attached_tag {
            return Some(format!(
                "left behind: item {:?}, ledgers {:?}, tags {:?}",
                w.item, w.ledgers, t
            ));
        }
        None
    }

    /// Runs one later operation alone to its end (IAM converged, no lag).
    fn run_to_end(&self, w: &mut World, spec: &OpSpec) -> Result<(), String> {
        let (mut m, mut step) = Machine::start(spec);
        let mut last = 0;
        let mut guard = 0;
        while let Step::Call(c) = step {
            guard += 1;
            let Some(mut outs) = w.run(&c, last).filter(|_| guard < 1000) else {
                return Err(format!(
                    "a later {:?}({}) is stuck at {c:?} (state left behind)",
                    spec.kind,
                    self.name(spec.id)
                ));
            };
            let o = outs.remove(0);
            if let Some(v) = o.wrote_at {
                last = v;
            }
            *w = o.world;
            step = m.next(Some(o.reply));
        }
        Ok(())
    }
}

/// The id of the next stack that uses a record a timed-out settle kept.
const NEXT: Id = 200;

/// Runs one operation to its end on `world`, alone and without lag (to build pre-states).
pub fn run_alone(world: &mut World, spec: &OpSpec) {
    let lag = world.lag;
    world.lag = false;
    let (mut m, mut step) = Machine::start(spec);
    let mut last = 0;
    while let Step::Call(c) = step {
        let o = world.run(&c, last).expect("alone: never blocked").remove(0);
        if let Some(v) = o.wrote_at {
            last = v;
        }
        *world = o.world;
        step = m.next(Some(o.reply));
    }
    world.converge();
    world.lag = lag;
}
