//! The references' protocol, bound to AWS: one executor runs the protocol's state machine
//! ([`lambda_profiling_protocol::machine::Op`], the single source of its steps, which the
//! checker in `crates/protocol` explores) and turns each [`Call`] into DynamoDB calls and
//! calls on the shared thing, and each outcome into the machine's [`Reply`].
//!
//! Two kinds of shared thing keep their users this way ([`Subject`]): a role, which holds
//! the agent policy while any resource needs it (both modes), and a profiling group that
//! function mode created or adopted, which exists while any resource profiles into it. The
//! machine's "attached" is then "the group exists", attaching creates the group, detaching
//! deletes it, and "the tag format's attached tag" is the owner tag that versions before the
//! group records put on the groups they created.
//!
//! What the model leaves to this file: the lease's times (its `until` is this invocation's
//! deadline plus [`LEASE_MARGIN`]), waiting for another's lease and settling IAM's reads
//! (both bounded by the deadline), the cap on references, and a role that does not exist.

pub mod ledger;
pub(crate) mod record;
pub(crate) mod table;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_profiling_protocol::machine::Op;
use lambda_profiling_protocol::model::{Call, Generation, IamSnap, Id, Kind, Reply, Step};

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::group::{self, Group};
use crate::iam;
use crate::resource::StackResource;
use ledger::tag_format_key;
use record::{Attributes, LedgerItem, Record, hex, id_set, role_key};
use table::{Update, Written};

/// A lease outlives its holder's deadline by this much: no call of the holder is then still
/// in flight (each call is bounded by the clients' operation timeout, 20 s).
const LEASE_MARGIN: u64 = 60;
/// Waits (another's lease, IAM's reads) stop this long before the deadline, so that the
/// answer is still sent in time (the guard keeps at most 10 s for it).
const WAIT_MARGIN: Duration = Duration::from_secs(15);
const LEASE_POLL: Duration = Duration::from_millis(250);
const SETTLE_POLL: Duration = Duration::from_millis(500);
const SETTLE_BOUND: Duration = Duration::from_secs(30);
/// A bound on the machine's steps: it converges in a few dozen unless something is wrong.
const MAX_STEPS: usize = 1_000;

/// What a record keeps the users of.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    /// A role, by its name: it holds the agent policy while any user needs it.
    Role(&'a str),
    /// A profiling group of this account: it exists while any user profiles into it.
    Group(&'a Group),
}

impl Subject<'_> {
    /// The record's key: `role#<name>`, `group#<ARN>`.
    pub(crate) fn key(&self) -> AttributeValue {
        match self {
            Subject::Role(name) => role_key(name),
            Subject::Group(group) => record::group_key(&group.arn),
        }
    }
}

impl std::fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Role(name) => write!(f, "role {name}"),
            Subject::Group(group) => write!(f, "profiling group {}", group.name),
        }
    }
}

/// One resource's reference on one role or group.
pub(crate) struct Holder<'a> {
    pub subject: Subject<'a>,
    pub id: Id,
    pub resource: &'a StackResource<'a>,
    pub deadline: Instant,
    /// Function mode's Delete on the role: its ledger item goes with the reference.
    pub ledger: bool,
    /// A Delete leaves in place the group it would delete (the command line found a
    /// function outside lambda-profiling's records that still profiles into it).
    pub keep: bool,
}

/// Create, and Update of the same resource (`update`): the reference is in the role's
/// record, then the policy is attached. A failure says whether the reference may be held
/// (its write was sent), which a failed Create then takes back.
pub(crate) async fn join(clients: &Clients, holder: &Holder<'_>, update: bool) -> Result<(), Failed> {
    let kind = if update { Kind::Update } else { Kind::Create };
    let mut executor = Executor::new(clients, holder, kind);
    // Boxed: the executor's future is deep, and the callers' would overflow the type's layout.
    let result = Box::pin(executor.run()).await;
    result.map_err(|error| Failed {
        error,
        held: executor.sent_add,
    })
}

/// A [`join`] that failed.
#[derive(Debug)]
pub(crate) struct Failed {
    pub error: Error,
    /// The reference's write was sent: it may be in the record.
    pub held: bool,
}

/// Delete: the reference leaves the record; the last one detaches the policy if ours.
pub(crate) async fn leave(clients: &Clients, holder: &Holder<'_>) -> Result<()> {
    Box::pin(Executor::new(clients, holder, Kind::Delete).run()).await
}

/// The Delete of an id CloudFormation invented (a Create that never answered): releases the
/// reference that Create may have added, and touches nothing when it holds none.
pub(crate) async fn leave_if_held(clients: &Clients, holder: &Holder<'_>) -> Result<()> {
    if holds(clients, holder).await? {
        leave(clients, holder).await
    } else {
        Ok(())
    }
}

/// Whether the holder's reference is in its subject's record: among its references, or
/// an earlier version's it still carries. A group without a record is held by the
/// creator its tags name (an earlier version's resource).
pub(crate) async fn holds(clients: &Clients, holder: &Holder<'_>) -> Result<bool> {
    let id = holder.id;
    if let Some(item) = table::get(clients, holder.subject.key()).await? {
        let item = Record::read(&item, record::now_epoch_secs()).item;
        return Ok(item.refs.contains(&id) || (item.tag_format.contains(&id) && !item.gone.contains(&id)));
    }
    Ok(match holder.subject {
        Subject::Group(g) => group::tags(clients, g)
            .await?
            .is_some_and(|tags| ledger::earlier_creator(&tags) == Some(id)),
        Subject::Role(_) => false,
    })
}

/// Writes function mode's ledger item for a reference (unconditionally: it is this
/// resource's own).
pub(crate) async fn write_ledger(clients: &Clients, id: Id, item: &LedgerItem) -> Result<()> {
    table::put(clients, item.attributes(id), None).await.map(|_| ())
}

/// Function mode's ledger item for a reference, if it has one.
pub(crate) async fn read_ledger(clients: &Clients, id: Id) -> Result<Option<LedgerItem>> {
    let item = table::get(clients, record::ledger_key(id)).await?;
    Ok(item.as_ref().and_then(LedgerItem::read))
}

/// Why the machine stopped short of its end.
enum Stop {
    Failed(Error),
    /// IAM says the role does not exist.
    RoleGone,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Failed(e)
    }
}

struct Executor<'a> {
    clients: &'a Clients,
    h: &'a Holder<'a>,
    kind: Kind,
    /// The last record seen: how many share the role, who holds a lease.
    seen: Option<Record>,
    /// The record this run created, taken back if the role turns out not to exist.
    created: Option<Generation>,
    /// This run's IAM writes, which its settle waits to see.
    detached: bool,
    untagged: BTreeSet<String>,
    /// An AddRef was sent (whatever came back).
    sent_add: bool,
    /// A group's tags (`None` inside: no such group), read for the decision: both its
    /// reads are answered from one call.
    group_tags: Option<Option<std::collections::HashMap<String, String>>>,
}

impl<'a> Executor<'a> {
    fn new(clients: &'a Clients, h: &'a Holder<'a>, kind: Kind) -> Self {
        Executor {
            clients,
            h,
            kind,
            seen: None,
            created: None,
            detached: false,
            untagged: BTreeSet::new(),
            sent_add: false,
            group_tags: None,
        }
    }

    async fn run(&mut self) -> Result<()> {
        let mut op = Op::new(self.kind, self.h.id, self.h.ledger);
        let mut reply = None;
        for _ in 0..MAX_STEPS {
            let call = match op.next(reply.take()) {
                Step::Done => return Ok(()),
                Step::Call(call) => call,
            };
            match self.call(&call).await {
                Ok(r) => reply = Some(r),
                Err(Stop::Failed(e)) => return Err(e),
                Err(Stop::RoleGone) => return self.role_gone().await,
            }
        }
        Err(Error::blocked(format!(
            "the references of {} did not settle in {MAX_STEPS} steps; retry, and report this if it recurs",
            self.h.subject
        )))
    }

    fn sharing(&self) -> usize {
        self.seen.as_ref().map_or(0, Record::sharing)
    }

    /// Reads an item the table returned, remembering it.
    fn item(&mut self, attributes: &Attributes) -> lambda_profiling_protocol::model::Item {
        let r = Record::read(attributes, record::now_epoch_secs());
        let item = r.item.clone();
        self.seen = Some(r);
        item
    }

    fn written(&mut self, w: Written) -> Reply {
        match w {
            Written::Applied(a) if a.is_empty() => Reply::Ok,
            Written::Applied(a) => Reply::Written(self.item(&a)),
            Written::Refused(old) => {
                if let Some(old) = old {
                    self.item(&old);
                }
                Reply::CondFailed
            }
        }
    }

    async fn update(&mut self, u: Update<'_>) -> Result<Reply, Stop> {
        let w = table::update(self.clients, self.h.subject.key(), u).await?;
        Ok(self.written(w))
    }

    async fn get(&mut self) -> Result<Option<lambda_profiling_protocol::model::Item>> {
        let item = table::get(self.clients, self.h.subject.key()).await?;
        Ok(match item {
            Some(a) => Some(self.item(&a)),
            None => {
                self.seen = None;
                None
            }
        })
    }

    fn me(&self) -> AttributeValue {
        AttributeValue::S(hex(self.h.id))
    }

    fn my_set(&self) -> AttributeValue {
        id_set([self.h.id]).expect("one id")
    }

    fn lease_until(&self) -> AttributeValue {
        let left = self
            .h
            .deadline
            .saturating_duration_since(Instant::now())
            .as_secs();
        AttributeValue::N((record::now_epoch_secs() + left + LEASE_MARGIN).to_string())
    }
}

mod calls;
mod waits;
