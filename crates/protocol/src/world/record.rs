//! The role's record as the checker plays it: its item's conditional writes and its lease.

use std::collections::BTreeSet;

use super::{Branch, Mutant, World};
use crate::model::*;

impl World {
    /// The record's reads and its item's writes, but the lease's.
    pub(super) fn run_record(&self, call: &Call) -> Option<Vec<Branch>> {
        let read = || Branch {
            world: self.clone(),
            reply: Reply::Item(self.item.clone()),
            wrote_at: None,
        };
        let branch = match call {
            Call::GetItem => read(),
            Call::WaitLease { owner } => {
                let held = matches!(self.item.as_ref().and_then(|i| i.lease), Some(l) if l.owner == *owner && !l.expired);
                if held {
                    return None;
                }
                read()
            }
            Call::PutItem => self.put_item(),
            Call::SetOurs {
                ours,
                tag_format,
                tagged,
                generation,
            } => self.set_ours(*ours, tag_format, *tagged, *generation),
            Call::ClearTagged { generation } => self.item_write(|it| match it {
                Some(i) if i.generation == *generation => {
                    i.tagged = false;
                    true
                }
                _ => false,
            }),
            Call::AddRef { id, tag_format } => self.move_ref(*id, *tag_format, true),
            Call::RemoveRef { id, tag_format } => self.move_ref(*id, *tag_format, false),
            _ => unreachable!("not a record call: {call:?}"),
        };
        Some(vec![branch])
    }

    /// PutItem if the record does not exist: a new generation.
    fn put_item(&self) -> Branch {
        let generation = self.generations + 1;
        let mut o = self.item_write(|it| {
            if it.is_some() {
                return false;
            }
            *it = Some(Item {
                generation,
                ..Item::default()
            });
            true
        });
        if o.reply != Reply::CondFailed {
            o.world.generations = generation;
        }
        o
    }

    /// Ownership decided once, by the generation that read the role.
    fn set_ours(
        &self,
        ours: bool,
        tag_format: &BTreeSet<Id>,
        tagged: bool,
        generation: Generation,
    ) -> Branch {
        let m = self.mutant;
        self.item_write(|it| match it {
            Some(i)
                if i.ours.is_none() && (i.generation == generation || m == Some(Mutant::NoGeneration)) =>
            {
                i.ours = Some(ours);
                i.tag_format = tag_format.clone();
                i.tagged = tagged;
                true
            }
            _ => false,
        })
    }

    /// AddRef (`add`) or RemoveRef, if no lease is held and ownership is decided; a
    /// tag-format id moves to `gone`.
    fn move_ref(&self, id: Id, tag_format: bool, add: bool) -> Branch {
        let m = self.mutant;
        let free = |i: &Item| {
            (i.lease.is_none() || m == Some(Mutant::NoLeaseCondition))
                && (i.ours.is_some() || m == Some(Mutant::NoDecidedCondition))
        };
        self.item_write(|it| match it {
            Some(i) if free(i) => {
                if add {
                    i.refs.insert(id);
                } else {
                    i.refs.remove(&id);
                }
                if tag_format {
                    i.tag_format.remove(&id);
                    if m != Some(Mutant::NoGone) {
                        i.gone.insert(id);
                    }
                }
                true
            }
            _ => false,
        })
    }

    /// The lease: taken by the last user, renewed, taken over once expired, dropped, and
    /// the record deleted by its holder.
    pub(super) fn run_lease(&self, call: &Call) -> Branch {
        let m = self.mutant;
        let free = |i: &Item| {
            (i.lease.is_none() || m == Some(Mutant::NoLeaseCondition))
                && (i.ours.is_some() || m == Some(Mutant::NoDecidedCondition))
        };
        match call {
            Call::TakeLease { id, generation } => self.item_write(|it| match it {
                Some(i) if free(i) && i.refs.is_empty() && i.generation == *generation => {
                    i.lease = Some(Lease {
                        owner: *id,
                        expired: false,
                    });
                    true
                }
                _ => false,
            }),
            Call::RenewLease { id } => self.item_write(|it| match it {
                Some(Item { lease: Some(l), .. }) if l.owner == *id => {
                    l.expired = false;
                    true
                }
                _ => false,
            }),
            Call::TakeOver { owner } => self.item_write(|it| match it {
                Some(i)
                    if i.lease
                        == Some(Lease {
                            owner: *owner,
                            expired: true,
                        }) =>
                {
                    i.lease = None;
                    true
                }
                _ => false,
            }),
            Call::DropLease { id } => {
                let mut o = self.item_write(|it| match it {
                    Some(i) if i.lease.is_some_and(|l| l.owner == *id) => {
                        i.lease = None;
                        true
                    }
                    _ => false,
                });
                o.world.kept_record |= o.reply != Reply::CondFailed;
                o
            }
            Call::DeleteItem { id } => self.item_write(|it| match it {
                Some(Item { lease: Some(l), .. }) if l.owner == *id => {
                    *it = None;
                    true
                }
                _ => false,
            }),
            _ => unreachable!("not a lease call: {call:?}"),
        }
    }
}
