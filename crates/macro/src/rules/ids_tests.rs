use super::*;

#[test]
fn hashes_are_stable_and_short() {
    assert_eq!(short_hash("Function"), short_hash("Function"));
    assert_ne!(short_hash("Function1"), short_hash("Function2"));
    assert_eq!(short_hash("x").len(), 8);
    // Pinned: a changed hash would rename users' profiling groups on their next deploy.
    assert_eq!(short_hash("abc"), "e25ef552");
}

#[test]
fn long_ids_are_shortened_with_a_hash() {
    let long = "F".repeat(300);
    let id = logical_id(&long, "ProfilingGroup");
    assert_eq!(id.len(), 255);
    assert!(id.ends_with("ProfilingGroup"));
    assert_ne!(id, logical_id(&"F".repeat(301), "ProfilingGroup"));
    assert_eq!(logical_id("My-Fn", "ProfilingGroup"), "MyFnProfilingGroup");
}

#[test]
fn cutting_never_splits_a_character() {
    let text = "é".repeat(20);
    let cut = fit(&text, 15);
    assert!(cut.len() <= 15 && cut.ends_with(&short_hash(&text)));
}

#[test]
fn taken_ids_get_a_numbered_variant() {
    let mut ids = LogicalIds::new(["AProfilingGroup"]);
    assert_eq!(ids.free("AProfilingGroup"), "AProfilingGroup2");
    ids.claim("AProfilingGroup2");
    assert_eq!(ids.free("AProfilingGroup"), "AProfilingGroup3");
    let full = "x".repeat(255);
    ids.claim(&full);
    let v = ids.free(&full);
    assert_eq!(v.len(), 255);
    assert!(v.ends_with('2'));
}
