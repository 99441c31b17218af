//! The protocol: one DynamoDB record per role, in the account's home
//! region; the detach decision serialized by conditional writes and a lease.
//!
//! **Ensure** (both kinds): GetItem. No record: PutItem (undecided, new `gen`), GetItem.
//! Undecided: ListAttachedRolePolicies, ListRoleTags (read *after* the record exists, so no
//! other lifecycle of the role can come between these reads and the record), SetOurs
//! (`ours` = attached-policy tag || not attached; `legacy` = the ref tags; `tagged`), GetItem.
//! `tagged`: UntagRole(attached-policy), ClearTagged, GetItem. A live lease of another (a
//! last Delete detaching) makes it wait; an expired one (holder dead) it takes over.
//! **Create / Update** (same role): [PutLedger] ensure; AddRef me (a tag-format id also moves
//! from `legacy` to `gone`); a tag-format id: UntagRole(my key); AttachRolePolicy (always).
//! **Delete**: ensure; RemoveRef me (same for a tag-format id); a tag-format id: UntagRole(my key);
//! [DeleteLedger]. If the table's refs are now empty: ListRoleTags, GetItem (same record):
//! a ref tag not in `gone` still holds the policy (an old version's resource); else
//! TakeLease (same record, refs empty, no lease); DetachRolePolicy if `ours`;
//! UntagRole(gone); settle (IAM reads show my writes); DeleteItem (lease mine). A settle
//! that times out keeps the record (exact and empty) and only drops the lease.
//! A replay that finds its own lease renews it and carries on from the detach.

use std::collections::BTreeSet;

use crate::model::Item as Rec;
use crate::model::*;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Pc {
    Start,
    Ledger,
    Got,
    /// ReadTags sent to look for my tag-format tag; the record as read.
    OwnTag(Rec),
    Waited(Id),
    TookOver,
    Put,
    ReadAttached {
        generation: Generation,
    },
    ReadTags {
        attached: bool,
        generation: Generation,
    },
    Decided,
    UntaggedAttached {
        generation: Generation,
    },
    ClearedTagged,
    /// AddRef / RemoveRef sent; `tag_format`: my id had a tag-format tag.
    Joined {
        tag_format: bool,
    },
    Left {
        tag_format: bool,
    },
    CUntagged,
    Attached,
    Renewed,
    DUntagged {
        mine: Option<Generation>,
    },
    LedgerDeleted {
        mine: Option<Generation>,
    },
    DecTags {
        mine: Generation,
    },
    DecItem {
        tags: BTreeSet<Id>,
        mine: Generation,
    },
    DecWaited {
        owner: Id,
        mine: Generation,
    },
    DecTookOver {
        mine: Generation,
    },
    Leased,
    Detached {
        gone: BTreeSet<Id>,
    },
    Cleaned,
    Settled,
    ItemDeleted,
    LeaseDropped,
    Finished,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Op {
    pub kind: Kind,
    pub id: Id,
    /// Function mode: the resource also keeps a ledger item `ref#<id>`.
    pub ledger: bool,
    /// An Update or Delete of an id the record does not list as in the tag format looks once
    /// whether the role has its tag-format tag: one that an older Lambda (a region not
    /// yet upgraded) wrote after the record's decision. Such an id then moves like a
    /// tag-format one (into `gone`, its tag removed), so that a mixed fleet converges.
    own_tag: Option<bool>,
    pc: Pc,
}

fn call(pc: Pc, c: Call) -> (Pc, Step) {
    (pc, Step::Call(c))
}

fn done() -> (Pc, Step) {
    (Pc::Finished, Step::Done)
}

impl Op {
    pub fn new(kind: Kind, id: Id, ledger: bool) -> Op {
        Op {
            kind,
            id,
            ledger,
            own_tag: None,
            pc: Pc::Start,
        }
    }

    /// Resumes the operation with the reply to its last call (`None` to start it).
    pub fn next(&mut self, reply: Option<Reply>) -> Step {
        let pc = std::mem::replace(&mut self.pc, Pc::Finished);
        if let (Pc::OwnTag(item), Some(Reply::Tags(t))) = (&pc, &reply) {
            self.own_tag = Some(t.ref_tags.contains(&self.id));
            let (pc, step) = self.on_item(Some(item.clone()));
            self.pc = pc;
            return step;
        }
        let (pc, step) = match self.ensure(&pc, &reply) {
            Some(next) => next,
            None if self.kind == Kind::Delete => self.delete(pc, reply),
            None => self.create(pc, reply),
        };
        self.pc = pc;
        step
    }

    fn get(&self) -> (Pc, Step) {
        call(Pc::Got, Call::GetItem)
    }

    /// The record as read: create it, decide its ownership, clear the tag-format tag, wait for a
    /// lease, or do this operation's own write.
    fn on_item(&self, item: Option<Rec>) -> (Pc, Step) {
        let me = self.id;
        match item {
            None => call(Pc::Put, Call::PutItem),
            Some(Rec { lease: Some(l), .. }) if l.owner == me && self.kind == Kind::Delete => {
                call(Pc::Renewed, Call::RenewLease { id: me })
            }
            Some(Rec { lease: Some(l), .. }) => call(Pc::Waited(l.owner), Call::WaitLease { owner: l.owner }),
            Some(Rec {
                ours: None,
                generation,
                ..
            }) => call(Pc::ReadAttached { generation }, Call::ReadAttached),
            Some(Rec {
                tagged: true,
                generation,
                ..
            }) => call(
                Pc::UntaggedAttached { generation },
                Call::Untag {
                    refs: BTreeSet::new(),
                    attached_tag: true,
                },
            ),
            Some(i)
                if self.kind != Kind::Create
                    && self.own_tag.is_none()
                    && !i.tag_format.contains(&me)
                    && !i.gone.contains(&me) =>
            {
                call(Pc::OwnTag(i), Call::ReadTags)
            }
            Some(i) => {
                // Listed in the tag format, or tagged by an older Lambda after the decision; or moved
                // to `gone` by an earlier attempt of mine.
                let mine = i.tag_format.contains(&me) || self.own_tag == Some(true);
                let tag_format = mine || i.gone.contains(&me);
                if self.kind == Kind::Delete {
                    call(
                        Pc::Left { tag_format },
                        Call::RemoveRef {
                            id: me,
                            tag_format: mine,
                        },
                    )
                } else {
                    call(
                        Pc::Joined { tag_format },
                        Call::AddRef {
                            id: me,
                            tag_format: mine,
                        },
                    )
                }
            }
        }
    }

    /// Replies handled the same way by both kinds; `None` for the others.
    fn ensure(&self, pc: &Pc, reply: &Option<Reply>) -> Option<(Pc, Step)> {
        use Reply::*;
        Some(match (pc, reply) {
            (Pc::Got, Some(Item(item))) => self.on_item(item.clone()),
            (Pc::Waited(o), Some(Item(item))) => match item.as_ref().and_then(|i| i.lease) {
                Some(l) if l.owner == *o && l.expired => call(Pc::TookOver, Call::TakeOver { owner: *o }),
                _ => self.on_item(item.clone()),
            },
            (Pc::TookOver | Pc::Put | Pc::Decided | Pc::ClearedTagged, Some(_)) => self.get(),
            (Pc::ReadAttached { generation }, Some(Attached(a))) => call(
                Pc::ReadTags {
                    attached: *a,
                    generation: *generation,
                },
                Call::ReadTags,
            ),
            (Pc::ReadTags { attached, generation }, Some(Tags(t))) => call(
                Pc::Decided,
                Call::SetOurs {
                    ours: t.attached_tag || !attached,
                    tag_format: t.ref_tags.clone(),
                    tagged: t.attached_tag,
                    generation: *generation,
                },
            ),
            (Pc::UntaggedAttached { generation }, Some(Ok)) => call(
                Pc::ClearedTagged,
                Call::ClearTagged {
                    generation: *generation,
                },
            ),
            _ => return None,
        })
    }

    // ------------------------------------------------------------------ Create / Update
    fn create(&self, pc: Pc, reply: Option<Reply>) -> (Pc, Step) {
        use Reply::*;
        match (pc, reply) {
            (Pc::Start, None) if self.ledger => call(Pc::Ledger, Call::PutLedger { id: self.id }),
            (Pc::Start, None) | (Pc::Ledger, Some(Ok)) => self.get(),
            (Pc::Joined { tag_format: true }, Some(Written(_))) => call(
                Pc::CUntagged,
                Call::Untag {
                    refs: set(&[self.id]),
                    attached_tag: false,
                },
            ),
            (Pc::Joined { tag_format: false }, Some(Written(_))) | (Pc::CUntagged, Some(Ok)) => {
                call(Pc::Attached, Call::Attach)
            }
            (Pc::Joined { .. }, Some(CondFailed)) => self.get(),
            (Pc::Attached, Some(Ok)) => done(),
            (pc, r) => unreachable!("create {pc:?} got {r:?}"),
        }
    }

    // ------------------------------------------------------------------ Delete
    fn delete(&self, pc: Pc, reply: Option<Reply>) -> (Pc, Step) {
        use Reply::*;
        let me = self.id;
        match (pc, reply) {
            (Pc::Start, None) => self.get(),
            (Pc::Left { .. } | Pc::Renewed, Some(CondFailed)) => self.get(),
            (Pc::Renewed, Some(Written(item))) => self.final_from_lease(item),
            (Pc::Left { tag_format }, Some(Written(item))) => {
                // The record I left, if I was the last of its table references.
                let mine = item.refs.is_empty().then_some(item.generation);
                if tag_format {
                    call(
                        Pc::DUntagged { mine },
                        Call::Untag {
                            refs: set(&[me]),
                            attached_tag: false,
                        },
                    )
                } else {
                    self.after_release(mine)
                }
            }
            (Pc::DUntagged { mine }, Some(Ok)) => self.after_release(mine),
            (Pc::LedgerDeleted { mine }, Some(Ok)) => match mine {
                Some(mine) => self.decide(mine),
                None => done(), // another reference remains: its Delete decides
            },
            (Pc::DecTags { mine }, Some(Tags(t))) => call(
                Pc::DecItem {
                    tags: t.ref_tags,
                    mine,
                },
                Call::GetItem,
            ),
            (Pc::DecItem { tags, mine }, Some(Item(item))) => match item {
                // Gone, or a later record (its retirer had my id), or another reference.
                None => done(),
                Some(i) if !i.refs.is_empty() || i.generation != mine => done(),
                Some(Rec { lease: Some(l), .. }) => call(
                    Pc::DecWaited { owner: l.owner, mine },
                    Call::WaitLease { owner: l.owner },
                ),
                Some(i) if tags.iter().any(|t| *t != me && !i.gone.contains(t)) => done(), // a tag-format reference remains
                Some(_) => call(
                    Pc::Leased,
                    Call::TakeLease {
                        id: me,
                        generation: mine,
                    },
                ),
            },
            (Pc::DecWaited { owner, mine }, Some(Item(item))) => match item.and_then(|i| i.lease) {
                Some(l) if l.owner == owner && l.expired => {
                    call(Pc::DecTookOver { mine }, Call::TakeOver { owner })
                }
                _ => self.decide(mine),
            },
            (Pc::DecTookOver { mine }, Some(_)) => self.decide(mine),
            (Pc::Leased, Some(CondFailed)) => self.get(), // the record changed: start over
            (Pc::Leased, Some(Written(item))) => self.final_from_lease(item),
            (Pc::Detached { gone }, Some(Ok)) => self.cleanup(gone),
            (Pc::Cleaned, Some(Ok)) => call(Pc::Settled, Call::Settle),
            (Pc::Settled, Some(Ok)) => call(Pc::ItemDeleted, Call::DeleteItem { id: me }),
            (Pc::Settled, Some(TimedOut)) => call(Pc::LeaseDropped, Call::DropLease { id: me }),
            (Pc::ItemDeleted | Pc::LeaseDropped, Some(_)) => done(),
            (pc, r) => unreachable!("delete {pc:?} got {r:?}"),
        }
    }

    fn after_release(&self, mine: Option<Generation>) -> (Pc, Step) {
        match (self.ledger, mine) {
            (true, _) => call(Pc::LedgerDeleted { mine }, Call::DeleteLedger { id: self.id }),
            (false, Some(mine)) => self.decide(mine),
            (false, None) => done(),
        }
    }

    fn decide(&self, mine: Generation) -> (Pc, Step) {
        call(Pc::DecTags { mine }, Call::ReadTags)
    }

    fn final_from_lease(&self, item: Rec) -> (Pc, Step) {
        if item.ours == Some(true) {
            call(Pc::Detached { gone: item.gone }, Call::Detach)
        } else {
            self.cleanup(item.gone)
        }
    }

    /// Removes the tags of the tag-format references released during this record's life (their
    /// own Deletes did too; a crashed one may not have), then settles.
    fn cleanup(&self, gone: BTreeSet<Id>) -> (Pc, Step) {
        if gone.is_empty() {
            call(Pc::Settled, Call::Settle)
        } else {
            call(
                Pc::Cleaned,
                Call::Untag {
                    refs: gone,
                    attached_tag: false,
                },
            )
        }
    }
}
