use super::*;

/// A zip of the agent layer's shape: its local headers name the entries, as zip stores them.
fn layer_zip(names: &[&str]) -> Vec<u8> {
    let mut bytes = b"PK\x03\x04".to_vec();
    for name in names {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b"\0\0data");
    }
    bytes
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_zip_must_be_the_agent_layer() {
    let dir = std::env::temp_dir().join(format!("layer-publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = layer_zip(&[
        "codeguru_profiler_lambda_exec",
        "python/codeguru_profiler_agent-1.2.6.dist-info/METADATA",
        "python/codeguru_profiler_agent/__init__.py",
    ]);
    let zip = read_zip(Some(&write(&dir, "good.zip", &good))).unwrap();
    assert_eq!(zip.agent, "1.2.6");
    assert!(description(&zip).contains("agent 1.2.6") && description(&zip).len() <= 256);

    let said = plan(&zip, &["python3.14".into()], &["eu-west-1".into()]);
    assert!(said.contains("in eu-west-1") && said.contains("agent 1.2.6") && said.contains("runtimes: python3.14"), "{said}");

    let text = read_zip(Some(&write(&dir, "text.zip", b"not a zip"))).unwrap_err();
    assert!(text.contains("not a zip file") && text.contains("scripts/build-agent-layer"), "{text}");
    let other = layer_zip(&["python/requests/__init__.py", "codeguru_profiler_lambda_exec"]);
    let other = read_zip(Some(&write(&dir, "other.zip", &other))).unwrap_err();
    assert!(other.contains("no python/codeguru_profiler_agent/__init__.py"), "{other}");
    let missing = read_zip(Some(&dir.join("absent.zip"))).unwrap_err();
    assert!(missing.contains("absent.zip") && missing.contains("cannot read"), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_layer_lists_python_runtimes_only() {
    assert_eq!(runtimes(&[]).unwrap(), DEFAULT_RUNTIMES);
    assert_eq!(runtimes(&["python3.14".into()]).unwrap(), ["python3.14"]);
    for bad in ["java21", "python3", "python3.x", "nodejs22.x", "python3.\u{1b}[2J"] {
        let err = runtimes(&[bad.to_string()]).unwrap_err();
        assert!(err.contains("Python runtimes") && !err.contains('\u{1b}'), "{bad}: {err}");
    }
}
