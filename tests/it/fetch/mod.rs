//! Integration tests of `unionwire::fetch`: real HTTP servers (axum) and raw TCP servers on 127.0.0.1 and
//! 127.0.0.2, the real reqwest client, and the robots.txt conformance suite in `tests/data/robotstxt-spec`.

mod charset;
mod polite;
mod robots;
mod wire;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::middleware::Next;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use unionwire::fetch::{FetchConfig, Fetcher};

/// Fetch limits small enough for tests: short timeouts, a 1 MiB cap, no politeness, no retries.
pub fn test_config() -> FetchConfig {
    FetchConfig {
        user_agent: "unionwire-test/0 (+https://example.invalid/bot)".to_owned(),
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(400),
        timeout: Duration::from_secs(3),
        max_body_bytes: 1 << 20,
        max_redirects: 10,
        allow_private: false,
        retries: 0,
        per_host_delay: Duration::ZERO,
        max_crawl_delay: Duration::from_secs(5),
        max_retry_after: Duration::from_secs(10),
        obey_robots: false,
        robots_ttl: Duration::from_secs(3600),
        backoff_base: Duration::from_millis(10),
    }
}

/// A fetcher for `cfg` that trusts the given loopback hosts (as the operator would trust configured sources).
pub fn fetcher(cfg: FetchConfig, trusted: &[&str]) -> Fetcher {
    let f = Fetcher::new(cfg).expect("build fetcher");
    for host in trusted {
        f.trust_host(host);
    }
    f
}

/// One request seen by a test server.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Path and query.
    pub path: String,
    /// When it arrived.
    pub at: Instant,
    /// Its headers.
    pub headers: HeaderMap,
}

/// Everything a test server saw: the requests, and the most that were in flight at once.
#[derive(Clone, Default)]
pub struct Log {
    hits: Arc<Mutex<Vec<Hit>>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Log {
    /// All hits so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Hits whose path (with query) starts with `prefix`.
    pub fn hits_on(&self, prefix: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.path.starts_with(prefix))
            .collect()
    }

    /// How many requests there were on paths starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.hits_on(prefix).len()
    }

    /// The most requests in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn record(
    State(log): State<Log>,
    req: axum::extract::Request,
    next: Next,
) -> axum::response::Response {
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    log.hits.lock().unwrap().push(Hit {
        path,
        at: Instant::now(),
        headers: req.headers().clone(),
    });
    let now = log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    log.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let resp = next.run(req).await;
    log.in_flight.fetch_sub(1, Ordering::SeqCst);
    resp
}

/// Serves `router` on `ip` with a request log.
pub async fn serve_logged(ip: [u8; 4], router: axum::Router) -> (crate::support::TestServer, Log) {
    let log = Log::default();
    let router = router.layer(axum::middleware::from_fn_with_state(log.clone(), record));
    (crate::support::serve_on(ip, router).await, log)
}

/// What a raw TCP test server does after reading a request.
#[derive(Clone, Copy)]
pub enum Raw {
    /// Never answers.
    Stall,
    /// Sends headers declaring 1000 bytes and 100 of them, then stays silent.
    HangAfterHeaders,
    /// Sends headers, then one byte every 50 ms forever.
    Trickle,
    /// Declares a 50 MiB body, sends 10 bytes, then stays silent.
    HugeDeclared,
}

/// A raw TCP server on 127.0.0.1 behaving as `behaviour`; returns its address and a connection counter.
pub async fn raw_server(behaviour: Raw) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let conns = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&conns);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                match behaviour {
                    Raw::Stall => {}
                    Raw::HangAfterHeaders => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 1000\r\n\r\n";
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(&[b'a'; 100]).await;
                    }
                    Raw::Trickle => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000\r\n\r\n";
                        let _ = sock.write_all(head.as_bytes()).await;
                        loop {
                            if sock.write_all(b"a").await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                    Raw::HugeDeclared => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 52428800\r\n\r\n";
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(b"<html>....").await;
                    }
                }
                // Keep the connection open (silent) until the client gives up.
                let _ = sock.read(&mut buf).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    (addr, conns)
}

/// A URL on a test server.
pub fn url(s: &str) -> url::Url {
    url::Url::parse(s).expect("test url")
}
