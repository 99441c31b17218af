use super::*;

/// A zip of `entries` (name, Unix mode or `None` for an entry made elsewhere), stored, as
/// zip lays it out: a local header and the data per entry, the central directory, the end
/// record. CRCs are left zero: only the central directory is read.
fn zip_of(entries: &[(&str, Option<u32>)]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, mode) in entries {
        let offset = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&[0; 8]); // sizes: no data
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, if mode.is_some() { 3 } else { 0 }, 20, 0]);
        central.extend_from_slice(&[0; 20]); // flags, method, times, CRC, sizes
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        central.extend_from_slice(&((0o100000 | mode.unwrap_or(0)) << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let n = (entries.len() as u16).to_le_bytes();
    out.extend_from_slice(&[n[0], n[1], n[0], n[1]]);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const LAYER: &[(&str, Option<u32>)] = &[
    ("codeguru_profiler_lambda_exec", Some(0o755)),
    (
        "python/codeguru_profiler_agent-1.2.6.dist-info/METADATA",
        Some(0o644),
    ),
    ("python/codeguru_profiler_agent/__init__.py", Some(0o644)),
];

fn read(dir: &Path, name: &str, bytes: &[u8]) -> Result<LayerZip, String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    read_zip(Some(&path))
}

fn with(entry: usize, replaced: (&'static str, Option<u32>)) -> Vec<u8> {
    let mut entries = LAYER.to_vec();
    entries[entry] = replaced;
    zip_of(&entries)
}

#[test]
fn a_zip_must_be_the_agent_layer_as_lambda_extracts_it() {
    let dir = std::env::temp_dir().join(format!("layer-publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zip = read(&dir, "good.zip", &zip_of(LAYER)).unwrap();
    assert_eq!(zip.agent, "1.2.6");
    assert!(description(&zip).contains("agent 1.2.6") && description(&zip).len() <= 256);

    let cases: [(&str, Vec<u8>, &str); 6] = [
        ("text", b"not a zip".to_vec(), "not a zip file"),
        (
            "nested",
            with(0, ("layer/codeguru_profiler_lambda_exec", Some(0o755))),
            "no codeguru_profiler_lambda_exec at its root",
        ),
        (
            "not executable",
            with(0, ("codeguru_profiler_lambda_exec", Some(0o644))),
            "is not executable",
        ),
        (
            "made elsewhere",
            with(0, ("codeguru_profiler_lambda_exec", None)),
            "is not executable",
        ),
        (
            "no agent",
            with(2, ("python/requests/__init__.py", Some(0o644))),
            "no python/codeguru_profiler_agent/__init__.py",
        ),
        (
            "no version",
            with(1, ("python/README", Some(0o644))),
            "the agent's version is not in it",
        ),
    ];
    for (what, bytes, says) in cases {
        let err = read(&dir, "bad.zip", &bytes).unwrap_err();
        assert!(err.contains(says) && err.contains("bad.zip"), "{what}: {err}");
    }
    // A name in a file's content is not an entry.
    let mut hidden = zip_of(&LAYER[1..]);
    hidden.splice(0..0, b"PK\x03\x04codeguru_profiler_lambda_exec".iter().copied());
    let err = read(&dir, "hidden.zip", &hidden).unwrap_err();
    assert!(
        err.contains("cannot be read") || err.contains("no codeguru_profiler_lambda_exec"),
        "{err}"
    );
    let missing = read_zip(Some(&dir.join("absent.zip"))).unwrap_err();
    assert!(
        missing.contains("absent.zip") && missing.contains("cannot read"),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
