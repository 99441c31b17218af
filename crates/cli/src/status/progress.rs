//! Progress on the terminal: one line on stderr, rewritten in place, and cleared at the
//! end. Only when both stdout and stderr are terminals and the format is the table, so
//! that JSON, a pipe or a log never receives it.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether to show progress.
pub fn wanted(json: bool, stdout_is_terminal: bool, stderr_is_terminal: bool) -> bool {
    !json && stdout_is_terminal && stderr_is_terminal
}

/// Counts what `status` has done and, when it has somewhere to say it, says it.
#[derive(Default)]
pub struct Progress {
    out: Option<Mutex<Box<dyn Write + Send>>>,
    listed: AtomicUsize,
    checked: AtomicUsize,
    to_check: AtomicUsize,
}

impl Progress {
    /// Progress that is counted but never shown.
    pub fn hidden() -> Progress {
        Progress::default()
    }

    pub fn to(out: Box<dyn Write + Send>) -> Progress {
        Progress {
            out: Some(Mutex::new(out)),
            ..Progress::default()
        }
    }

    pub fn listed(&self, functions: usize) {
        let n = self.listed.fetch_add(functions, Ordering::Relaxed) + functions;
        self.say(&format!("listing functions: {n}"));
    }

    pub fn will_check(&self, lookups: usize) {
        self.to_check.store(lookups, Ordering::Relaxed);
        self.say(&format!("checking roles and groups: 0/{lookups}"));
    }

    pub fn checked_one(&self) {
        let n = self.checked.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.to_check.load(Ordering::Relaxed);
        self.say(&format!("checking roles and groups: {n}/{total}"));
    }

    /// Clears the line, before the report is printed.
    pub fn finish(&self) {
        self.write("\r\x1b[2K");
    }

    fn say(&self, line: &str) {
        self.write(&format!("\r\x1b[2K{line}"));
    }

    fn write(&self, text: &str) {
        if let Some(out) = &self.out
            && let Ok(mut out) = out.lock()
        {
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
}

#[cfg(test)]
#[path = "progress_tests.rs"]
mod tests;
