//! The vocabulary shared by the protocol, the abstract world and the product's AWS binding.
//!
//! A protocol operation is a sans-IO state machine: it emits one [`Call`] at a time and is
//! resumed with the [`Reply`]. The model checker answers calls from an abstract store and
//! IAM ([`crate::world`]); the product answers them with DynamoDB and IAM SDK calls.

use std::collections::BTreeSet;

/// A resource's reference id: in the product, `fnv1a(stack id, logical id, physical id)`,
/// written as 16 hex digits, the same hash as the old tag key `lambda-profiling:ref:<hash>`.
pub type Id = u64;

/// A record's `gen` token, chosen by the operation that created the record (in the product
/// a hash of its RequestId and the time, written as 16 hex digits).
pub type Generation = u64;

/// The lease a Delete holds while it detaches and cleans up (DynamoDB attribute `lease`:
/// `{owner: <ref id>, token: <RequestId>, until: <epoch seconds>}`).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lease {
    pub owner: Id,
    /// `until < now`: only possible once the holder's invocation is over (until = its
    /// deadline + a margin), which the model expresses as "the holder crashed".
    pub expired: bool,
}

/// The role's record: one DynamoDB item `pk = role#<role name>`.
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub struct Item {
    /// `gen`: a token the creator writes (its RequestId), so that a decision made from reads
    /// taken for one record is never applied to a later record of the same role.
    pub generation: Generation,
    /// String set `refs`: the references held through the table.
    pub refs: BTreeSet<Id>,
    /// `ours`: if the policy is attached, lambda-profiling attached it. Decided once, by the
    /// first operation that finds the record undecided, from IAM reads made **after** the
    /// record was created (so no other lifecycle of the role can slip in between); a policy
    /// the user attached gives `false` for the record's life. `None`: not decided yet.
    pub ours: Option<bool>,
    pub lease: Option<Lease>,
    /// String set `legacy` (its stored name; `tag_format` here): the tag-format references seen when ownership was decided
    /// (resources of an earlier version not yet deleted or updated by the new one).
    pub tag_format: BTreeSet<Id>,
    /// String set `gone`: tag-format ids released (or migrated) through the table during this
    /// record's life, so that a lagging ListRoleTags still showing their tag does not count
    /// them. At most the role's 50 tags.
    pub gone: BTreeSet<Id>,
    /// `tagged`: the tag format's `attached-policy` tag was seen at the decision and may still
    /// be on the role; whoever sees this removes the tag, then the flag.
    pub tagged: bool,
}

/// What IAM holds for the role (one version of it).
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub struct IamSnap {
    /// `AmazonCodeGuruProfilerAgentAccess` is attached.
    pub attached: bool,
    /// Tag-format reference tags `lambda-profiling:ref:<id>` (written by earlier versions).
    pub ref_tags: BTreeSet<Id>,
    /// The tag format's tag `lambda-profiling:attached-policy = true`.
    pub attached_tag: bool,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Call {
    // ---- DynamoDB (strongly consistent reads, conditional writes), role item
    /// GetItem, ConsistentRead.
    GetItem,
    /// Poll GetItem until the item has no live lease of `owner` (or it expired).
    WaitLease {
        owner: Id,
    },
    /// PutItem `{pk, gen}` (no refs, ownership undecided) if `attribute_not_exists(pk)`.
    PutItem,
    /// UpdateItem `SET ours = :o, legacy = :ids, tagged = :t`, if `gen = :g AND
    /// attribute_not_exists(ours)`.
    SetOurs {
        ours: bool,
        tag_format: BTreeSet<Id>,
        tagged: bool,
        generation: Generation,
    },
    /// UpdateItem `REMOVE tagged`, if `gen = :g`.
    ClearTagged {
        generation: Generation,
    },
    /// UpdateItem `ADD refs :id`, if `attribute_exists(pk) AND attribute_exists(ours) AND
    /// attribute_not_exists(lease)`; for a tag-format id also `DELETE legacy :id ADD gone :id`
    /// (the resource moves from its tag to the table).
    AddRef {
        id: Id,
        tag_format: bool,
    },
    /// UpdateItem `DELETE refs :id`, same condition; for a tag-format id also `DELETE legacy :id
    /// ADD gone :id`.
    RemoveRef {
        id: Id,
        tag_format: bool,
    },
    /// UpdateItem `SET lease = :l`, if `gen = :g AND attribute_exists(ours) AND
    /// attribute_not_exists(refs) AND attribute_not_exists(lease)`.
    TakeLease {
        id: Id,
        generation: Generation,
    },
    /// UpdateItem `SET lease.until = :u`, if `lease.owner = :id`.
    RenewLease {
        id: Id,
    },
    /// UpdateItem `REMOVE lease`, if `lease.owner = :o AND lease.until < :now`.
    TakeOver {
        owner: Id,
    },
    /// DeleteItem, if `lease.owner = :id`.
    DeleteItem {
        id: Id,
    },
    /// UpdateItem `REMOVE lease`, if `lease.owner = :id`: the settle timed out, so the
    /// (exact, empty) record stays for the next stack instead of being deleted.
    DropLease {
        id: Id,
    },
    /// PutItem / DeleteItem `ref#<id>`: function mode's ledger (what it added to the function).
    PutLedger {
        id: Id,
    },
    DeleteLedger {
        id: Id,
    },
    // ---- IAM (global; reads are eventually consistent)
    /// ListAttachedRolePolicies (lagging).
    ReadAttached,
    /// ListRoleTags (lagging).
    ReadTags,
    /// AttachRolePolicy (idempotent).
    Attach,
    /// DetachRolePolicy (NoSuchEntity = already detached = success).
    Detach,
    /// UntagRole with the tag-format keys of `refs` and, if set, `lambda-profiling:attached-policy`.
    Untag {
        refs: BTreeSet<Id>,
        attached_tag: bool,
    },
    /// TagRole: the tag protocol of earlier versions only.
    Tag {
        refs: BTreeSet<Id>,
        attached_tag: bool,
    },
    /// Poll the IAM reads until they show this operation's last IAM write (`Ok`), or give
    /// up after a bound (`TimedOut`).
    Settle,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Reply {
    /// GetItem / WaitLease.
    Item(Option<Item>),
    /// A conditional write succeeded; the item as written (ReturnValues ALL_NEW).
    Written(Item),
    /// ConditionalCheckFailedException.
    CondFailed,
    Attached(bool),
    Tags(IamSnap),
    Ok,
    /// Settle: IAM's reads still lagged at the bound.
    TimedOut,
}

/// What an operation asks for next.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Step {
    Call(Call),
    /// The operation is complete: answer SUCCESS.
    Done,
}

/// Which CloudFormation request an operation serves. An Update with the same role is a
/// Create of an id that already exists (idempotent); a changed role is a replacement (a
/// Create of a new id on the new role, then CloudFormation's Delete of the old id).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Create,
    Update,
    Delete,
}

pub fn set(ids: &[Id]) -> BTreeSet<Id> {
    ids.iter().copied().collect()
}
