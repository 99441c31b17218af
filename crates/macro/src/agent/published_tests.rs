use super::*;

fn arn(family: Family, region: &str, v: u32) -> String {
    family.layer_arn(region, v).unwrap()
}

fn listed(runtimes: &[&str]) -> Listing {
    Some(runtimes.iter().map(|r| r.to_string()).collect())
}

#[test]
fn a_catalog_is_known_only_when_complete() {
    let mut p = Published::default();
    assert!(p.is_empty());
    p.insert(arn(Family::Java, "us-east-1", 12), listed(&["java21"]));
    p.insert(arn(Family::Java, "us-east-1", 13), None);
    assert_eq!(
        p.newest(Family::Java, "us-east-1", &["java21"]),
        None,
        "not complete yet"
    );
    p.mark_complete(Family::Java, "us-east-1", 11..=20);
    assert_eq!(p.newest(Family::Java, "us-east-1", &["java21"]), Some(Ok(12)));
    assert_eq!(
        p.newest(Family::Java, "us-east-1", &["java25"]),
        Some(Ok(12)),
        "a listing, fixed when published, never limits Java's one jar"
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
    p.insert(arn(Family::Python, "us-east-1", 12), listed(&["python3.9"]));
    p.insert(arn(Family::Python, "us-east-1", 13), listed(&["python3.12"]));
    p.mark_complete(Family::Python, "us-east-1", 11..=20);
    // 13 lists only python3.12; the table knows it holds python3.6 to 3.13.
    let both = p.newest(Family::Python, "us-east-1", &["python3.9", "python3.12"]);
    assert_eq!(both, Some(Ok(13)));
    let newer = p.newest(Family::Python, "us-east-1", &["python3.9", "python3.14"]);
    assert_eq!(newer, Some(Err("python3.14")));
    assert_eq!(p.newest(Family::Python, "us-east-1", &[]), None);
}

#[test]
fn a_version_in_a_complete_catalog_that_was_not_found_is_missing() {
    let mut p = Published::default();
    p.insert(arn(Family::Python, "us-east-1", 13), listed(&["python3.12"]));
    p.mark_complete(Family::Python, "us-east-1", 11..=20);
    let fifteen = arn(Family::Python, "us-east-1", 15);
    assert_eq!(
        p.check(&fifteen, Family::Python, &["python3.12"]),
        Err(Refusal::Missing)
    );
    assert!(p.take_asked().is_empty());
    let nine = arn(Family::Python, "us-east-1", 9);
    assert_eq!(p.check(&nine, Family::Python, &["python3.9"]), Ok(()));
    assert_eq!(p.take_asked(), vec![nine]);
    // Above what was probed, a version is asked about, not taken for missing.
    p.mark_complete(Family::Python, "us-east-1", 11..=14);
    assert_eq!(p.check(&fifteen, Family::Python, &["python3.12"]), Ok(()));
    assert_eq!(p.take_asked(), vec![fifteen]);
}

#[test]
fn listings_are_quoted_only_as_runtime_identifiers() {
    let listed = vec!["python3.12".to_string(), "SECRET=hunter2".into(), "java21".into()];
    assert_eq!(listing_words(&listed), "python3.12, java21");
    assert_eq!(listing_words(&[]), "no runtime listed");
}
