//! The references' records in DynamoDB, read into the protocol's model.
//!
//! One item per role, `pk = role#<role name>`, and one per profiling group function mode
//! created or adopted, `pk = group#<group ARN>`, each: `gen` (S, the creator's token), `ours`
//! (BOOL: lambda-profiling attached the policy; absent while undecided), `refs`, `legacy`,
//! `gone` (SS of 16-hex reference ids), `tagged` (BOOL), and while the last Delete detaches
//! the policy or deletes the group, `lease` (M: `owner` S, `token` S, `until` N epoch
//! seconds, `stack` S). For a group, `ours` means lambda-profiling created it. Function mode also
//! keeps one item per resource, `pk = ref#<id>`: `ledger` (S), `role` (S), `function` (S).
//! Sets cannot be empty in DynamoDB: an empty set is an absent attribute.

use std::collections::{BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_profiling_protocol::model::{Generation, Id, Item, Lease};

pub(crate) type Attributes = HashMap<String, AttributeValue>;

pub(crate) const PK: &str = "pk";
pub(crate) const GEN: &str = "gen";
pub(crate) const OURS: &str = "ours";
pub(crate) const REFS: &str = "refs";
/// The tag-format references; "legacy" is the name stored in every table already written.
pub(crate) const TAG_FORMAT_REFS: &str = "legacy";
pub(crate) const GONE: &str = "gone";
pub(crate) const TAGGED: &str = "tagged";
pub(crate) const LEASE: &str = "lease";
pub(crate) const OWNER: &str = "owner";
pub(crate) const TOKEN: &str = "token";
pub(crate) const UNTIL: &str = "until";
pub(crate) const STACK: &str = "stack";
pub(crate) const LEDGER: &str = "ledger";
pub(crate) const ROLE: &str = "role";
pub(crate) const FUNCTION: &str = "function";

/// The most references one role's record holds: DynamoDB's 400 KB item holds about 24,000
/// 16-hex ids; the cap keeps a margin (and moto, which does not refuse an update past
/// 400 KB, enforces it through the same condition).
pub(crate) const MAX_REFERENCES: usize = 20_000;

/// The key of a role's record.
pub(crate) fn role_key(role: &str) -> AttributeValue {
    AttributeValue::S(format!("role#{role}"))
}

/// The key of a profiling group's record, by the group's ARN (groups are regional; one
/// table serves every region).
pub(crate) fn group_key(arn: &str) -> AttributeValue {
    AttributeValue::S(format!("group#{arn}"))
}

/// The key of function mode's ledger item for one resource.
pub(crate) fn ledger_key(id: Id) -> AttributeValue {
    AttributeValue::S(format!("ref#{}", hex(id)))
}

/// A reference id as the table and the old tag keys write it.
pub(crate) fn hex(id: Id) -> String {
    format!("{id:016x}")
}

pub(crate) fn parse_hex(text: &str) -> Option<Id> {
    (text.len() == 16)
        .then(|| u64::from_str_radix(text, 16).ok())
        .flatten()
}

pub(crate) fn now_epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// A string set of ids (`None` for an empty set, which DynamoDB cannot store).
pub(crate) fn id_set(ids: impl IntoIterator<Item = Id>) -> Option<AttributeValue> {
    let ids: Vec<String> = ids.into_iter().map(hex).collect();
    (!ids.is_empty()).then_some(AttributeValue::Ss(ids))
}

/// The lease as stored, for reasons and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeaseHeld {
    pub owner: Id,
    pub until: u64,
    pub stack: String,
}

/// A role's record as read, in the protocol's terms, with what the model leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub item: Item,
    pub lease: Option<LeaseHeld>,
}

impl Record {
    /// How many resources share the role: the table's references and the old tags'.
    pub(crate) fn sharing(&self) -> usize {
        self.item.refs.len() + self.item.tag_format.len()
    }

    /// Reads an item; `now` (epoch seconds) tells an expired lease, whose holder's
    /// invocation is over.
    pub(crate) fn read(attributes: &Attributes, now: u64) -> Record {
        let text = |name: &str| match attributes.get(name) {
            Some(AttributeValue::S(s)) => Some(s.as_str()),
            _ => None,
        };
        let flag = |name: &str| match attributes.get(name) {
            Some(AttributeValue::Bool(b)) => Some(*b),
            _ => None,
        };
        let ids = |name: &str| -> BTreeSet<Id> {
            match attributes.get(name) {
                Some(AttributeValue::Ss(ids)) => ids.iter().filter_map(|s| parse_hex(s)).collect(),
                _ => BTreeSet::new(),
            }
        };
        let lease = match attributes.get(LEASE) {
            Some(AttributeValue::M(m)) => Some(lease_held(m)),
            _ => None,
        };
        let item = Item {
            generation: text(GEN).and_then(parse_hex).unwrap_or_default(),
            refs: ids(REFS),
            ours: flag(OURS),
            lease: lease.as_ref().map(|l| Lease {
                owner: l.owner,
                expired: l.until < now,
            }),
            tag_format: ids(TAG_FORMAT_REFS),
            gone: ids(GONE),
            tagged: flag(TAGGED).unwrap_or(false),
        };
        Record { item, lease }
    }
}

fn lease_held(m: &Attributes) -> LeaseHeld {
    let text = |name: &str| match m.get(name) {
        Some(AttributeValue::S(s)) => s.clone(),
        _ => String::new(),
    };
    let until = match m.get(UNTIL) {
        Some(AttributeValue::N(n)) => n.parse().unwrap_or(0),
        _ => 0,
    };
    LeaseHeld {
        // An unreadable owner matches no one: the lease then only expires.
        owner: parse_hex(&text(OWNER)).unwrap_or(u64::MAX),
        until,
        stack: text(STACK),
    }
}

/// A record's new `gen` token: a hash of the creating request and the time, so that a
/// later record of the same role (even one made by a replay of the same request) differs.
pub(crate) fn new_generation(request_id: &str) -> Generation {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    crate::references::ledger::fnv1a(&[request_id, &nanos.to_string()])
}

/// Function mode's ledger item, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LedgerItem {
    pub ledger: String,
    pub role: String,
    pub function: String,
}

impl LedgerItem {
    pub(crate) fn read(attributes: &Attributes) -> Option<LedgerItem> {
        let text = |name: &str| match attributes.get(name) {
            Some(AttributeValue::S(s)) => Some(s.clone()),
            _ => None,
        };
        Some(LedgerItem {
            ledger: text(LEDGER)?,
            role: text(ROLE)?,
            function: text(FUNCTION).unwrap_or_default(),
        })
    }

    pub(crate) fn attributes(&self, id: Id) -> Attributes {
        HashMap::from([
            (PK.to_owned(), ledger_key(id)),
            (LEDGER.to_owned(), AttributeValue::S(self.ledger.clone())),
            (ROLE.to_owned(), AttributeValue::S(self.role.clone())),
            (FUNCTION.to_owned(), AttributeValue::S(self.function.clone())),
        ])
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
