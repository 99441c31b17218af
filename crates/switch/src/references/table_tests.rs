use super::*;

#[test]
fn every_placeholder_is_named_and_only_those() {
    let got = names(&[
        "SET #lease.#until = :u",
        "#lease.#owner = :me AND attribute_exists(#ours)",
    ])
    .unwrap();
    let mut keys: Vec<_> = got.iter().map(|(k, v)| format!("{k}={v}")).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["#lease=lease", "#ours=ours", "#owner=owner", "#until=until"]
    );
    assert_eq!(
        names(&["attribute_not_exists(pk)"]),
        None,
        "DynamoDB refuses unused names"
    );
    assert_eq!(values(Vec::new()), None, "and unused values");
}
