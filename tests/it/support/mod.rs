//! Shared test helpers: local HTTP servers on 127.0.0.1 and fixture paths. Nothing here touches the internet.

#![allow(dead_code)]

pub mod faultd;

use std::net::SocketAddr;
use std::path::PathBuf;

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

/// Path of a file under the read-only `../shared/` folder beside the repository.
pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
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
