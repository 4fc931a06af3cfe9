//! Shared test helpers: local HTTP servers on 127.0.0.1, fixture paths, the built binary with a clean
//! environment, a port that reliably refuses connections, counted skips, replayable random seeds, and the
//! one hang guard. Nothing here touches the internet.

#![allow(dead_code)]

pub mod daemon;
pub mod faultd;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How long a test waits for something that must happen before it calls the test hung. It is never a
/// speed limit: tests check order and causality, and this only stops a test that would otherwise wait
/// forever (issue 19: no wall-clock upper bounds under 30 s).
pub const HANG: Duration = Duration::from_secs(60);

/// Whether a gap measured on a test server (`measured`) shows that the client waited `required`: request
/// arrivals trail the client's request starts by the loopback connect and by the scheduling of the server
/// task, which on a loaded 2-core machine can be tens of milliseconds, so a fifth of the required wait is
/// allowed for that. A client that did not wait at all shows gaps far below four fifths.
pub fn waited(measured: Duration, required: Duration) -> bool {
    measured * 5 >= required * 4
}

/// Environment variables whose names start with this configure unionwire (`UNIONWIRE_STORE_PATH`,
/// `UNIONWIRE_LISTEN`, `UNIONWIRE_PER_HOST_DELAY`, `UNIONWIRE_CONFIG`, …); spawned binaries never inherit them.
const ENV_PREFIX: &str = "UNIONWIRE_";

/// The names of this process's `UNIONWIRE_*` variables.
fn unionwire_vars() -> Vec<std::ffi::OsString> {
    std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| k.to_str().is_some_and(|k| k.starts_with(ENV_PREFIX)))
        .collect()
}

/// Reads a child's output (`from`: its piped stdout or stderr) line by line on a thread of its own. Each
/// line for which `pick` gives a value sends that value on the returned channel (the listen address, a
/// progress mark), and every line read is kept in the returned log, for a test's failure message.
pub fn watch_lines<T: Send + 'static>(
    from: impl std::io::Read + Send + 'static,
    mut pick: impl FnMut(&str) -> Option<T> + Send + 'static,
) -> (
    std::sync::mpsc::Receiver<T>,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(from).lines().map_while(Result::ok) {
            if let Some(v) = pick(&line) {
                let _ = tx.send(v);
            }
            kept.lock().expect("the log lock").push(line);
        }
    });
    (rx, log)
}

/// Han characters of union news, for generated article text.
const HANZI: &str = "工会职工劳动权益保障维护企业技能培训安全生产帮扶困难服务农民工就业工资协商集体合同\
                     全国总工会省市县区街道社区基层组织建设发展改革创新科技人才队伍思想政治教育文化体育卫生健康";

/// Four deterministic paragraphs of generated union-news text, `<p>{label}第{n}段：` then `chars` Han
/// characters drawn from `seed` (distinct seeds give distinct text, so no two articles share a story).
pub fn han_paragraphs(label: &str, seed: u64, chars: usize) -> String {
    let pool: Vec<char> = HANZI.chars().collect();
    let mut x = seed | 1;
    let mut out = String::new();
    for n in 0..4 {
        out.push_str(&format!("<p>{label}第{n}段："));
        for _ in 0..chars {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.push(pool[(x % pool.len() as u64) as usize]);
        }
        out.push_str("。</p>\n");
    }
    out
}

/// The built `unionwire` binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_unionwire")
}

/// A command for the binary at `exe` with every `UNIONWIRE_*` variable of the test's environment removed,
/// so that a developer's or CI's settings cannot change what a test runs (store path, listen address,
/// per-host delay, config file). Tests add back what they mean to set.
pub fn clean_command(exe: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut cmd = std::process::Command::new(exe);
    for k in unionwire_vars() {
        cmd.env_remove(k);
    }
    cmd
}

/// [`clean_command`] for the built binary.
pub fn unionwire_command() -> std::process::Command {
    clean_command(bin())
}

/// [`unionwire_command`] for async tests.
pub fn unionwire_command_async() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(bin());
    for k in unionwire_vars() {
        cmd.env_remove(k);
    }
    cmd
}

/// A TCP port on 127.0.0.1 that refuses every connection for as long as this value lives: the socket is
/// bound (so nothing else can take the port) but never listens, so a SYN gets a reset. Unlike "bind,
/// drop, connect", no other test can start listening on the port in between.
pub struct RefusedPort {
    /// The refusing address.
    pub addr: SocketAddr,
    _socket: tokio::net::TcpSocket,
}

impl RefusedPort {
    /// Binds an ephemeral port without listening.
    pub fn new() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind a port that will not listen");
        let addr = socket.local_addr().expect("bound address");
        Self {
            addr,
            _socket: socket,
        }
    }
}

/// Records that `test` could not run as written: one line `SKIP <test>: <reason>` on stderr, and the same
/// line appended to the file named by `UNIONWIRE_SKIP_LOG` when it is set (cargo hides a passing test's
/// output; `.ci/run` sets the variable, prints the file and fails when a test that this machine can run
/// skipped, see `scripts/ci_skips.sh`).
pub fn skip(test: &str, reason: &str) {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = format!("SKIP {test}: {reason}");
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("UNIONWIRE_SKIP_LOG") {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = written {
            panic!("{line}; and writing it to UNIONWIRE_SKIP_LOG {path:?} failed: {e}");
        }
    }
}

/// The seed of a random test schedule: `UNIONWIRE_TEST_SEED` when set (to replay a failure), else a fresh
/// one. Printed either way, so a failing run names the seed that reproduces it.
pub fn test_seed(what: &str) -> u64 {
    let seed = match std::env::var("UNIONWIRE_TEST_SEED") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("UNIONWIRE_TEST_SEED={v:?} is not a u64: {e}")),
        Err(_) => rand::random(),
    };
    eprintln!("{what}: seed {seed} (replay with UNIONWIRE_TEST_SEED={seed})");
    seed
}

/// Path of a file under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Text of a file under `tests/fixtures/`.
pub fn fixture_text(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// Path of a file under `tests/data/`: third-party data copied into the repository with its origin and
/// licence (see `tests/data/README.md`), so that a fresh clone needs nothing beside it.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// A server running on 127.0.0.1 for the life of the test's runtime.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl TestServer {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// Serves an axum router on an ephemeral port of `ip` (e.g. `127.0.0.1`, `127.0.0.2`) in the current runtime.
pub async fn serve_on(ip: [u8; 4], router: axum::Router) -> TestServer {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((ip, 0)))
        .await
        .expect("bind test server");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .ok();
    });
    TestServer { addr }
}

/// Serves an axum router on an ephemeral port of 127.0.0.1.
pub async fn serve(router: axum::Router) -> TestServer {
    serve_on([127, 0, 0, 1], router).await
}
