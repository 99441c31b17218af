//! The tag protocol of the versions before the references' table (the tag format), call for
//! call as their role mode made it:
//!
//! Create: `role::read(with_tags = false)` = ListAttachedRolePolicies; `acquire` = TagRole(ref
//! key, plus `attached-policy` when the read said "not attached"), then AttachRolePolicy when
//! the read said "not attached".
//! Delete: `release` = UntagRole(ref key); ListRoleTags; if no `lambda-profiling:ref:*` key is
//! left and `attached-policy` is there: DetachRolePolicy, UntagRole(attached-policy).

use crate::model::*;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Pc {
    Start,
    ReadAttached,
    Tagged { attached: bool },
    Attached,
    Untagged,
    Listed,
    Detached,
    UntaggedAttached,
    Finished,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Op {
    pub kind: Kind,
    pub id: Id,
    pc: Pc,
}

impl Op {
    pub fn new(kind: Kind, id: Id) -> Op {
        Op {
            kind,
            id,
            pc: Pc::Start,
        }
    }

    pub fn next(&mut self, reply: Option<Reply>) -> Step {
        use Reply::*;
        let pc = std::mem::replace(&mut self.pc, Pc::Finished);
        let me = set(&[self.id]);
        let (pc, step) = match (self.kind, pc, reply) {
            (Kind::Create | Kind::Update, Pc::Start, None) => {
                (Pc::ReadAttached, Step::Call(Call::ReadAttached))
            }
            (_, Pc::ReadAttached, Some(Attached(attached))) => (
                Pc::Tagged { attached },
                Step::Call(Call::Tag {
                    refs: me,
                    attached_tag: !attached,
                }),
            ),
            (_, Pc::Tagged { attached: false }, Some(Ok)) => (Pc::Attached, Step::Call(Call::Attach)),
            (_, Pc::Tagged { attached: true }, Some(Ok)) | (_, Pc::Attached, Some(Ok)) => {
                (Pc::Finished, Step::Done)
            }
            (Kind::Delete, Pc::Start, None) => (
                Pc::Untagged,
                Step::Call(Call::Untag {
                    refs: me,
                    attached_tag: false,
                }),
            ),
            (_, Pc::Untagged, Some(Ok)) => (Pc::Listed, Step::Call(Call::ReadTags)),
            (_, Pc::Listed, Some(Tags(t))) => {
                // "Read after untagging": every ref key left counts, a lagging own one too.
                if !t.ref_tags.is_empty() || !t.attached_tag {
                    (Pc::Finished, Step::Done)
                } else {
                    (Pc::Detached, Step::Call(Call::Detach))
                }
            }
            (_, Pc::Detached, Some(Ok)) => (
                Pc::UntaggedAttached,
                Step::Call(Call::Untag {
                    refs: Default::default(),
                    attached_tag: true,
                }),
            ),
            (_, Pc::UntaggedAttached, Some(Ok)) => (Pc::Finished, Step::Done),
            (k, pc, r) => unreachable!("old {k:?} {pc:?} got {r:?}"),
        };
        self.pc = pc;
        step
    }
}
