//! The self-built agent layer's zip as `layer publish` takes it: found (`--zip`, else the
//! one installed with the wheel), read, and checked by its central directory to be the
//! layer `scripts/build-agent-layer` builds, before AWS is asked anything.

use std::path::{Path, PathBuf};

/// The zip's name, as the release and the wheel ship it.
pub const ZIP_NAME: &str = "lambda-profiling-python-agent-layer.zip";

/// Lambda's limit on a zip sent in the request (`Content.ZipFile`).
const MAX_DIRECT_UPLOAD: usize = 50 * 1024 * 1024;

/// The exec wrapper, at the layer's root: Lambda runs `/opt/codeguru_profiler_lambda_exec`.
const WRAPPER: &str = "codeguru_profiler_lambda_exec";
/// The agent's package, where every Python runtime imports from (`/opt/python`).
const AGENT_INIT: &str = "python/codeguru_profiler_agent/__init__.py";

/// The layer to publish, read and checked.
#[derive(Debug)]
pub struct LayerZip {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// The agent's version, from its `dist-info` entry's name.
    pub agent: String,
}

/// Where an installed wheel puts the zip: `<prefix>/share/lambda-profiling/`, beside the
/// `<prefix>/bin/lambda-profiling` that runs.
fn installed_zip() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let prefix = exe.parent()?.parent()?;
    Some(prefix.join("share/lambda-profiling").join(ZIP_NAME))
}

/// The zip named by `--zip`, else the installed one; read and checked to be the agent
/// layer `scripts/build-agent-layer` builds.
pub fn read_zip(given: Option<&Path>) -> Result<LayerZip, String> {
    let path = match given {
        Some(path) => path.to_owned(),
        None => match installed_zip().filter(|p| p.is_file()) {
            Some(path) => path,
            None => {
                return Err(format!(
                    "no layer zip: none is installed beside this command (looked for share/lambda-profiling/{ZIP_NAME}); \
                     download {ZIP_NAME} from the release, or build it with scripts/build-agent-layer, and pass --zip PATH"
                ));
            }
        },
    };
    let shown = crate::printable::printable(&path.display().to_string());
    let bytes = std::fs::read(&path).map_err(|e| format!("--zip {shown}: cannot read it ({e})"))?;
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(format!("--zip {shown}: not a zip file; {BUILD}"));
    }
    if bytes.len() > MAX_DIRECT_UPLOAD {
        return Err(format!(
            "--zip {shown}: {} bytes, over Lambda's {MAX_DIRECT_UPLOAD} for a zip sent directly",
            bytes.len()
        ));
    }
    let entries = zip::entries(&bytes).map_err(|why| format!("--zip {shown}: {why}"))?;
    let named = |name: &str| entries.iter().find(|e| e.name == name);
    let wrapper = named(WRAPPER)
        .ok_or_else(|| format!("--zip {shown}: not the agent layer (no {WRAPPER} at its root); {BUILD}"))?;
    if wrapper.mode.is_none_or(|m| m & 0o111 == 0) {
        return Err(format!(
            "--zip {shown}: its {WRAPPER} is not executable (Lambda keeps a zip entry's Unix mode, so every \
             invocation would fail); {BUILD}"
        ));
    }
    if named(AGENT_INIT).is_none() {
        return Err(format!(
            "--zip {shown}: not the agent layer (no {AGENT_INIT}); {BUILD}"
        ));
    }
    let agent = entries.iter().find_map(|e| agent_version(&e.name)).ok_or_else(|| {
        format!("--zip {shown}: the agent's version is not in it (no python/codeguru_profiler_agent-*.dist-info/); {BUILD}")
    })?;
    Ok(LayerZip { path, bytes, agent })
}

/// The layer's description: what it holds and who built it (Lambda allows 256 characters).
pub fn description(zip: &LayerZip) -> String {
    format!(
        "CodeGuru Profiler Python agent {} for the runtimes AWS's agent layers do not serve; built and \
         published by lambda-profiling {}",
        zip.agent,
        env!("CARGO_PKG_VERSION")
    )
}

/// What to do about a zip that is not the agent layer.
const BUILD: &str =
    "use the release's lambda-profiling-python-agent-layer.zip, or build it with scripts/build-agent-layer";

/// The version in a `python/codeguru_profiler_agent-<version>.dist-info/…` entry's name.
fn agent_version(name: &str) -> Option<String> {
    let rest = name.strip_prefix("python/codeguru_profiler_agent-")?;
    let (version, _) = rest.split_once(".dist-info/")?;
    let plain = !version.is_empty() && version.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    plain.then(|| version.to_string())
}

/// A zip's central directory, read as it is written: names and Unix modes, nothing
/// decompressed.
mod zip {
    pub struct Entry {
        pub name: String,
        /// The Unix mode, when the entry was made on Unix (Lambda keeps it).
        pub mode: Option<u32>,
    }

    const END: &[u8] = b"PK\x05\x06";
    const CENTRAL: &[u8] = b"PK\x01\x02";

    fn u16_at(b: &[u8], at: usize) -> Option<usize> {
        Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
    }

    fn u32_at(b: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
    }

    /// Every entry of the central directory that the end record points to, found by a
    /// backward scan for that record (a trailing comment may follow it).
    pub fn entries(b: &[u8]) -> Result<Vec<Entry>, &'static str> {
        const BROKEN: &str = "its central directory cannot be read (a broken or ZIP64 zip)";
        let end = (0..b.len().saturating_sub(21))
            .rev()
            .find(|&i| b[i..].starts_with(END))
            .ok_or(BROKEN)?;
        let count = u16_at(b, end + 10).ok_or(BROKEN)?;
        let mut at = u32_at(b, end + 16).ok_or(BROKEN)? as usize;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            if !b.get(at..).is_some_and(|r| r.starts_with(CENTRAL)) {
                return Err(BROKEN);
            }
            let unix = b.get(at + 5) == Some(&3);
            let (name_len, extra, comment) = (u16_at(b, at + 28), u16_at(b, at + 30), u16_at(b, at + 32));
            let (Some(name_len), Some(extra), Some(comment)) = (name_len, extra, comment) else {
                return Err(BROKEN);
            };
            let attributes = u32_at(b, at + 38).ok_or(BROKEN)?;
            let name = b.get(at + 46..at + 46 + name_len).ok_or(BROKEN)?;
            entries.push(Entry {
                name: String::from_utf8_lossy(name).into_owned(),
                mode: unix.then_some((attributes >> 16) & 0o7777),
            });
            at += 46 + name_len + extra + comment;
        }
        Ok(entries)
    }
}

#[cfg(test)]
#[path = "layer_zip_tests.rs"]
mod tests;
