//! The real `unionwire run` as a child process: started with a clean environment (no `UNIONWIRE_*`
//! variables, see [`super::clean_command`]) and JSON logs at debug level, its log collected on a thread and
//! counted live ("batch durable" acknowledgements, "ingest failed" errors), stopped with SIGTERM or SIGKILL,
//! and waited for with a hang guard.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::HANG;

/// A running daemon and the thread collecting its JSON log. Dropping it (a failing assertion, say) kills
/// the process, so a failed test leaves no daemon behind (nor a mount it holds busy).
pub struct Daemon {
    /// The child process.
    pub child: Child,
    log: Option<std::thread::JoinHandle<Vec<serde_json::Value>>>,
    listen: std::sync::mpsc::Receiver<String>,
    acked: Arc<AtomicUsize>,
    ingest_failures: Arc<AtomicUsize>,
}

/// Starts `unionwire --config CONFIG --log-format json run` from the binary at `exe` with
/// `RUST_LOG=unionwire=debug` (the "batch durable" lines are debug) and no `UNIONWIRE_*` variables.
pub fn start_daemon_of(exe: &Path, config: &Path) -> Daemon {
    start_daemon_with(exe, config, &[])
}

/// [`start_daemon_of`] with more arguments after `run` (`--role crawler`, say).
pub fn start_daemon_with(exe: &Path, config: &Path, run_args: &[&str]) -> Daemon {
    let mut child = super::clean_command(exe)
        .args(["--config"])
        .arg(config)
        .args(["--log-format", "json", "run"])
        .args(run_args)
        .env("RUST_LOG", "unionwire=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start unionwire run");
    let stdout = child.stdout.take().expect("piped stdout");
    let (listen, _) = super::watch_lines(stdout, |line| {
        line.strip_prefix("listening on ")
            .map(|base| base.trim().to_owned())
    });
    let stderr = child.stderr.take().expect("piped stderr");
    let acked = Arc::new(AtomicUsize::new(0));
    let ingest_failures = Arc::new(AtomicUsize::new(0));
    let (acked_live, failures_live) = (Arc::clone(&acked), Arc::clone(&ingest_failures));
    let log = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let n = durable_urls(std::slice::from_ref(&v)).len();
            if n > 0 {
                acked_live.fetch_add(n, Ordering::SeqCst);
            }
            if v["fields"]["message"] == "ingest failed" {
                failures_live.fetch_add(1, Ordering::SeqCst);
            }
            lines.push(v);
        }
        lines
    });
    Daemon {
        child,
        log: Some(log),
        listen,
        acked,
        ingest_failures,
    }
}

impl Daemon {
    /// The daemon's base URL (`http://127.0.0.1:PORT`), once it listens. `wait` is a hang guard, never
    /// shorter than [`HANG`].
    pub fn base_url(&self, wait: Duration) -> String {
        self.listen
            .recv_timeout(wait.max(HANG))
            .expect("the daemon printed its address")
    }

    /// Articles logged as durable so far (live, while the daemon runs).
    pub fn acked_so_far(&self) -> usize {
        self.acked.load(Ordering::SeqCst)
    }

    /// "ingest failed" lines logged so far (live).
    pub fn ingest_failures_so_far(&self) -> usize {
        self.ingest_failures.load(Ordering::SeqCst)
    }

    /// Waits until `done` holds for this daemon; panics if it exits first or after `limit` (a hang guard,
    /// never a speed limit), naming `what`.
    pub fn wait_for(&mut self, what: &str, limit: Duration, done: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the daemon exited ({status}) before {what} ({} acknowledgements)",
                    self.acked_so_far()
                );
            }
            assert!(
                start.elapsed() < limit,
                "no {what} after {limit:?} ({} acknowledgements)",
                self.acked_so_far()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until the daemon has logged at least `n` articles as durable; panics if it exits first or
    /// takes longer than `limit`.
    pub fn wait_acked(&mut self, n: usize, limit: Duration) {
        self.wait_for(&format!("{n} acknowledgements"), limit, |d| {
            d.acked_so_far() >= n
        });
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits for the process to end and returns its exit status and every log line it wrote. A daemon
    /// still running after [`HANG`] is killed and the test fails.
    pub fn finish(mut self) -> (std::process::ExitStatus, Vec<serde_json::Value>) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for daemon") {
                break status;
            }
            if start.elapsed() > HANG {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the daemon did not exit within {HANG:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let lines = self
            .log
            .take()
            .expect("finish runs once")
            .join()
            .expect("log reader");
        (status, lines)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The URLs of every "batch durable" line.
pub fn durable_urls(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l["fields"]["message"] == "batch durable")
        .flat_map(|l| {
            l["fields"]["urls"]
                .as_str()
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Index of the first log line whose message is `message`.
pub fn line_index(lines: &[serde_json::Value], message: &str) -> Option<usize> {
    lines.iter().position(|l| l["fields"]["message"] == message)
}
