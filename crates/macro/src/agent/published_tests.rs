use super::*;

fn arn(family: Family, region: &str, v: u32) -> String {
    family.layer_arn(region, v).unwrap()
}

#[test]
fn a_catalog_is_known_only_when_complete() {
    let mut p = Published::default();
    assert!(p.is_empty());
    p.insert(arn(Family::Java, "us-east-1", 12), Some(vec!["java21".into()]));
    p.insert(arn(Family::Java, "us-east-1", 13), None);
    assert_eq!(
        p.newest(Family::Java, "us-east-1", &["java21"]),
        None,
        "not complete yet"
    );
    p.mark_complete(Family::Java, "us-east-1");
    assert_eq!(p.newest(Family::Java, "us-east-1", &["java21"]), Some(Ok(12)));
    assert_eq!(
        p.newest(Family::Java, "us-east-1", &["java25"]),
        Some(Err("java25"))
    );
    assert_eq!(
        p.newest(Family::Java, "eu-west-1", &["java21"]),
        None,
        "another region"
    );
    let catalog = p.catalog(Family::Java, "us-east-1").unwrap();
    assert_eq!(catalog.len(), 1, "a missing version is not in the catalog");
}

#[test]
fn every_runtime_under_a_condition_must_be_served_by_one_version() {
    let mut p = Published::default();
    p.insert(
        arn(Family::Python, "us-east-1", 12),
        Some(vec!["python3.9".into()]),
    );
    p.insert(
        arn(Family::Python, "us-east-1", 13),
        Some(vec!["python3.12".into()]),
    );
    p.mark_complete(Family::Python, "us-east-1");
    assert_eq!(
        p.newest(Family::Python, "us-east-1", &["python3.9", "python3.12"]),
        Some(Err("python3.12"))
    );
}

#[test]
fn a_version_above_a_complete_catalog_that_was_not_found_is_missing() {
    let mut p = Published::default();
    p.insert(
        arn(Family::Python, "us-east-1", 13),
        Some(vec!["python3.12".into()]),
    );
    p.mark_complete(Family::Python, "us-east-1");
    let fifteen = arn(Family::Python, "us-east-1", 15);
    assert_eq!(
        p.check(&fifteen, Family::Python, &["python3.12"]),
        Err(Refusal::Missing)
    );
    assert!(p.take_asked().is_empty());
    let nine = arn(Family::Python, "us-east-1", 9);
    assert_eq!(p.check(&nine, Family::Python, &["python3.9"]), Ok(()));
    assert_eq!(p.take_asked(), vec![nine]);
}

#[test]
fn listings_are_quoted_only_as_runtime_identifiers() {
    let listed = vec!["python3.12".to_string(), "SECRET=hunter2".into(), "java21".into()];
    assert_eq!(listing_words(&listed), "python3.12, java21");
    assert_eq!(listing_words(&[]), "no runtime listed");
}
