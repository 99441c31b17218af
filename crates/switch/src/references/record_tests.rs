use super::*;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

#[test]
fn a_record_reads_into_the_model_and_an_expired_lease_shows() {
    let lease = Attributes::from([
        (OWNER.into(), s(&hex(7))),
        (TOKEN.into(), s("req")),
        (UNTIL.into(), AttributeValue::N("100".into())),
        (STACK.into(), s("arn:stack")),
    ]);
    let item = Attributes::from([
        (PK.into(), role_key("app")),
        (GEN.into(), s(&hex(0xabc))),
        (OURS.into(), AttributeValue::Bool(true)),
        (REFS.into(), id_set([1, 2]).unwrap()),
        (GONE.into(), id_set([3]).unwrap()),
        (LEASE.into(), AttributeValue::M(lease)),
    ]);
    let live = Record::read(&item, 100);
    assert_eq!(live.item.generation, 0xabc);
    assert_eq!(live.item.ours, Some(true));
    assert_eq!(live.item.refs, [1, 2].into());
    assert_eq!(
        (live.item.gone.len(), live.item.tag_format.len(), live.item.tagged),
        (1, 0, false)
    );
    assert_eq!(
        live.item.lease,
        Some(Lease {
            owner: 7,
            expired: false
        })
    );
    assert_eq!(live.sharing(), 2);
    assert_eq!(live.lease.unwrap().stack, "arn:stack");
    assert!(
        Record::read(&item, 101).item.lease.unwrap().expired,
        "until < now: expired"
    );
    // Undecided, and with no set at all (DynamoDB stores no empty set).
    let bare = Record::read(&Attributes::from([(PK.into(), role_key("app"))]), 0);
    assert_eq!(bare.item.ours, None);
    assert!(bare.item.refs.is_empty() && bare.item.lease.is_none());
}

#[test]
fn ids_are_sixteen_hex_digits_and_sets_are_never_empty() {
    assert_eq!(hex(0xaf63dc4c8601ec8c), "af63dc4c8601ec8c");
    assert_eq!(hex(1), "0000000000000001");
    assert_eq!(parse_hex("0000000000000001"), Some(1));
    assert_eq!(parse_hex("1"), None, "only the full width");
    assert_eq!(parse_hex("zzzzzzzzzzzzzzzz"), None);
    assert_eq!(id_set([]), None);
    assert_ne!(
        new_generation("req"),
        new_generation("req"),
        "a replay makes a new record"
    );
}

#[test]
fn a_ledger_item_round_trips() {
    let item = LedgerItem {
        ledger: "function vars=GN".into(),
        role: "app-role".into(),
        function: "arn:aws:lambda:us-east-1:1:function:f".into(),
    };
    let attributes = item.attributes(5);
    assert_eq!(attributes[PK], s("ref#0000000000000005"));
    assert_eq!(LedgerItem::read(&attributes), Some(item));
    assert_eq!(LedgerItem::read(&Attributes::new()), None);
}
