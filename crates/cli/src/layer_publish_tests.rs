use super::*;

#[test]
fn the_layer_lists_python_runtimes_only_once_each() {
    assert_eq!(runtimes(&[]).unwrap(), DEFAULT_RUNTIMES);
    let twice = ["python3.14".to_string(), "python3.13".into(), "python3.14".into()];
    assert_eq!(runtimes(&twice).unwrap(), ["python3.13", "python3.14"]);
    for bad in [
        "java21",
        "python3",
        "python3.x",
        "nodejs22.x",
        "python3.\u{1b}[2J",
    ] {
        let err = runtimes(&[bad.to_string()]).unwrap_err();
        assert!(
            err.contains("Python runtimes") && !err.contains('\u{1b}'),
            "{bad}: {err}"
        );
    }
}

#[test]
fn a_dry_run_says_what_and_where() {
    let zip = LayerZip {
        path: PathBuf::from("/tmp/layer\u{1b}[2J.zip"),
        bytes: vec![0; 10],
        agent: "1.2.6".into(),
    };
    let said = plan(
        &zip,
        &["python3.14".into()],
        &["eu-west-1".into(), "us-east-1".into()],
    );
    for part in [
        "in eu-west-1, us-east-1",
        "10 bytes, agent 1.2.6",
        "runtimes: python3.14",
        "nothing was published",
    ] {
        assert!(said.contains(part), "{part}: {said}");
    }
    assert!(
        !said.contains('\u{1b}'),
        "a path prints nothing that acts on a terminal: {said}"
    );
    assert!(plan(&zip, &[], &[]).contains("in the configured region"));
}
