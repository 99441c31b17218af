//! The function's process: started with Lambda's environment, its output collected,
//! its peak memory read, and killed when done.

use super::*;

use std::sync::mpsc;

/// The function's process; killed when dropped.
pub struct Function<'a> {
    api: &'a RuntimeApi,
    child: Child,
    /// The instant just before the process was spawned.
    pub spawned_at: Instant,
    stdout: Option<Collector>,
    stderr: Option<Collector>,
    stopped: Option<Stopped>,
}

/// What remains of a stopped function.
#[derive(Debug, Clone, Default)]
pub struct Stopped {
    /// `None` when it was still running and was killed; else how it had exited.
    pub exited_by_itself: Option<String>,
    /// `VmHWM` (peak resident set size) from `/proc/<pid>/status`, read just before the
    /// kill; `None` off Linux or when the process had already ended.
    pub peak_rss_kib: Option<u64>,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl<'a> Function<'a> {
    pub(super) fn new(api: &'a RuntimeApi, mut child: Child, spawned_at: Instant) -> Self {
        let stdout = collect_lines(child.stdout.take().expect("piped"));
        let stderr = collect_lines(child.stderr.take().expect("piped"));
        Function {
            api,
            child,
            spawned_at,
            stdout: Some(stdout),
            stderr: Some(stderr),
            stopped: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one event and waits for the answer (for at most `timeout` plus a grace).
    pub fn invoke(&mut self, event: impl Into<Vec<u8>>, timeout: Duration) -> Result<Reply, InvokeError> {
        self.send(Invocation::new(event, timeout)).map(|a| a.reply)
    }

    pub fn send(&mut self, invocation: Invocation) -> Result<Answer, InvokeError> {
        let ticket = self.api.enqueue(invocation);
        self.wait(&ticket)
    }

    /// Waits for an answer to an event queued with [`RuntimeApi::enqueue`]; gives up as
    /// soon as the process has ended.
    pub fn wait(&mut self, ticket: &Ticket) -> Result<Answer, InvokeError> {
        let child = &mut self.child;
        self.api.wait(ticket, || match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(status.to_string()),
            Err(e) => Err(e.to_string()),
        })
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The peak resident set size so far (`VmHWM`, KiB), Linux only.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        peak_rss_kib(self.child.id())
    }

    /// Reads the peak RSS, kills the process, and returns everything it wrote.
    pub fn stop(mut self) -> Stopped {
        self.finish()
    }

    fn finish(&mut self) -> Stopped {
        if let Some(done) = &self.stopped {
            return done.clone();
        }
        let exited_by_itself = match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        };
        let peak_rss_kib = self.peak_rss_kib();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Normally the pipes close with the process; a grandchild may hold them open.
        let until = Instant::now() + OUTPUT_GRACE;
        let lines = |c: Option<Collector>| c.map(|c| c.lines(until)).unwrap_or_default();
        let done = Stopped {
            exited_by_itself,
            peak_rss_kib,
            stdout: lines(self.stdout.take()),
            stderr: lines(self.stderr.take()),
        };
        self.stopped = Some(done.clone());
        done
    }
}

impl Drop for Function<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `VmHWM` of a live process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// How long a stop waits for the function's output to end once the process is gone.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// The lines a pipe delivered, collected by a thread of their own.
struct Collector {
    lines: Arc<Mutex<Vec<String>>>,
    ended: mpsc::Receiver<()>,
}

impl Collector {
    /// The lines, once the pipe has ended or `until` has passed (whichever comes first).
    fn lines(self, until: Instant) -> Vec<String> {
        let _ = self
            .ended
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn collect_lines(pipe: impl Read + Send + 'static) -> Collector {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (tell, ended) = mpsc::channel();
    let sink = Arc::clone(&lines);
    thread::spawn(move || {
        for line in BufReader::new(pipe).split(b'\n').map_while(Result::ok) {
            let line = String::from_utf8_lossy(&line).into_owned();
            sink.lock().unwrap_or_else(|p| p.into_inner()).push(line);
        }
        let _ = tell.send(());
    });
    Collector { lines, ended }
}
