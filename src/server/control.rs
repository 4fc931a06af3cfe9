//! The control API under `/api/`, on the feeds' listener: what `unionwire sources`, `db stats`, `export` and
//! `crawl --once --source ID` ask a running daemon when it holds the store.
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/status` | the daemon: version, pid, store, listen address, start time, whether it crawls |
//! | `GET /api/sources` | the lines of `unionwire sources --json` (one JSON object per source) |
//! | `POST /api/sources/{id}/crawl` | crawls the source now, like `crawl --once --source ID`: JSON lines, `{"event":"progress",…}` every [`PROGRESS_EVERY`] and `{"event":"finished","summary":{…}}` at the end |
//! | `GET /api/export` | the bytes of `unionwire export --format jsonl`, streamed |
//! | `GET /api/db/stats` | the JSON of `unionwire db stats --json` |
//! | `POST /api/db/prune?before=TIME` | `db prune`: removes the stories not current since `TIME` (RFC 3339); the report as JSON |
//!
//! Access ([`Access`]): with `server.admin_token` set, every request needs `Authorization: Bearer TOKEN`
//! (compared in constant time; 401 otherwise). Without a token the API answers only when the server
//! listens on a loopback address; on any other address it answers 403 and says why. The token is never
//! logged. These routes sit outside the feeds' request timeout (a crawl or an export takes as long as it
//! takes) and are not compressed.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::AppState;
use crate::config::{AdminToken, Config, SourceConfig};
use crate::model::StoredArticle;
use crate::store::SourceState;

/// How often a crawl started through the API reports progress (it also keeps the connection moving).
pub(crate) const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// Bytes of export gathered before they are sent.
const EXPORT_CHUNK: usize = 64 * 1024;
/// Chunks of export waiting for a slow reader before the store scan waits too.
const EXPORT_QUEUE: usize = 8;
/// The media type of the JSON-lines answers.
pub(crate) const JSON_LINES: &str = "application/x-ndjson";

/// Who may use the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Anyone who can connect: the server listens on a loopback address and no token is set.
    Loopback,
    /// Requests carrying `Authorization: Bearer TOKEN`.
    Token(AdminToken),
    /// Nobody: the server listens beyond loopback and `server.admin_token` is not set.
    Off {
        /// The address the server listens on.
        listen: SocketAddr,
    },
}

impl Access {
    /// The rule for a server bound to `listen` with `token`.
    #[must_use]
    pub(crate) fn for_listener(listen: SocketAddr, token: Option<&AdminToken>) -> Self {
        match token {
            Some(t) => Self::Token(t.clone()),
            None if listen.ip().is_loopback() => Self::Loopback,
            None => Self::Off { listen },
        }
    }
}

/// How far a crawl started through the API is: article pages queued and handled so far.
#[derive(Debug, Clone, Default)]
pub struct CrawlProgress {
    /// Article pages queued for fetching.
    pub queued: Arc<AtomicU64>,
    /// Article pages handled (stored, skipped or failed).
    pub done: Arc<AtomicU64>,
}

/// What crawls a source when the API asks: the daemon's crawler, handed in by `unionwire run` (the server
/// does not know the crawler itself).
pub trait CrawlNow: Send + Sync {
    /// Crawls `source` once, as `crawl --once --source ID` does, counting into `progress`, until it is done
    /// or `token` is cancelled; resolves to the crawl's summary as JSON (the fields of `crawl`'s summary:
    /// `source`, `pages_fetched`, `new_articles`, `new_stories`, `skipped`, `errors`, `failed`, …).
    fn crawl(
        &self,
        source: SourceConfig,
        progress: CrawlProgress,
        token: CancellationToken,
    ) -> futures::future::BoxFuture<'static, serde_json::Value>;
}

/// The daemon's side of the API: who may use it, and what it can do.
pub struct Control {
    access: Access,
    /// `None` for `unionwire serve`, which does not crawl.
    crawler: Option<Arc<dyn CrawlNow>>,
    /// Cancelled when the daemon shuts down: crawls started here stop with it.
    shutdown: CancellationToken,
    /// Crawls started here, so that shutdown waits for them before the store is flushed.
    tasks: TaskTracker,
    command: &'static str,
    listen: SocketAddr,
    started: jiff::Timestamp,
    /// Sources being crawled through the API now.
    crawling: Mutex<HashSet<String>>,
}

impl Control {
    /// The API of a server bound to `listen` (`command`: `run` or `serve`), with `crawler` for `crawl now`.
    /// Logs once whether the API is open, token-protected or off (never the token).
    #[must_use]
    pub fn new(
        cfg: &Config,
        listen: SocketAddr,
        command: &'static str,
        crawler: Option<Arc<dyn CrawlNow>>,
        shutdown: CancellationToken,
        tasks: TaskTracker,
    ) -> Self {
        let access = Access::for_listener(listen, cfg.server.admin_token.as_ref());
        match &access {
            Access::Loopback => {
                tracing::info!(%listen, "control API at /api/ (loopback only, no token)");
            }
            Access::Token(_) => {
                tracing::info!(%listen, "control API at /api/ (bearer token required)");
            }
            Access::Off { .. } => tracing::warn!(
                %listen,
                "control API off: the server listens beyond loopback and server.admin_token is not set"
            ),
        }
        Self {
            access,
            crawler,
            shutdown,
            tasks,
            command,
            listen,
            started: jiff::Timestamp::now(),
            crawling: Mutex::new(HashSet::new()),
        }
    }

    /// Who may use the API.
    #[must_use]
    pub fn access(&self) -> &Access {
        &self.access
    }

    fn crawling(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.crawling
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl AppState {
    /// This state with the control API enabled.
    #[must_use]
    pub fn with_control(mut self, control: Control) -> Self {
        self.control = Some(Arc::new(control));
        self
    }
}

/// The API's routes with their own layers: access control first, a body limit, request counting. No
/// request timeout (a crawl or an export takes as long as it takes) and no compression.
pub(super) fn routes(state: &AppState, max_body_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/api/status", get(status))
        .route("/api/sources", get(sources))
        .route("/api/sources/{id}/crawl", post(crawl))
        .route("/api/export", get(export))
        .route("/api/db/stats", get(db_stats))
        .route("/api/db/prune", post(db_prune))
        .route("/api/{*rest}", axum::routing::any(unknown))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::count_requests,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            max_body_bytes,
        ))
}

/// A JSON error answer: `{"error": "…"}`.
fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{}\n", serde_json::json!({ "error": message })),
    )
        .into_response()
}

fn json(value: &serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{value}\n"),
    )
        .into_response()
}

/// Whether two strings are equal, taking the same time wherever they differ (both are hashed first, so
/// their lengths do not show either).
fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The token of an `Authorization: Bearer TOKEN` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start())
}

/// Lets a request through only as [`Access`] allows.
async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(control) = state.control.as_ref() else {
        return error(
            StatusCode::NOT_FOUND,
            "this server has no control API (it is not `unionwire run` or `unionwire serve`)",
        );
    };
    match &control.access {
        Access::Loopback => {}
        Access::Off { listen } => {
            return error(
                StatusCode::FORBIDDEN,
                &format!(
                    "the control API is off: this server listens on {listen}, beyond loopback, and \
                     server.admin_token is not set"
                ),
            );
        }
        Access::Token(expected) => {
            let ok = bearer(req.headers()).is_some_and(|t| same_secret(t, expected.expose()));
            if !ok {
                tracing::debug!(
                    path = req.uri().path(),
                    "control API request without the right token"
                );
                let mut res = error(
                    StatusCode::UNAUTHORIZED,
                    "this control API needs `Authorization: Bearer TOKEN` with server.admin_token",
                );
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"unionwire\""),
                );
                return res;
            }
        }
    }
    next.run(req).await
}

async fn unknown() -> Response {
    error(StatusCode::NOT_FOUND, "no such control API route")
}

/// A store's location as a canonical path when it is a directory that exists (so the CLI can tell it is
/// the store it was pointed at), else as given.
fn canonical(location: &str) -> String {
    std::fs::canonicalize(location)
        .map_or_else(|_| location.to_owned(), |p| p.display().to_string())
}

async fn status(State(state): State<AppState>) -> Response {
    let Some(control) = state.control.clone() else {
        return unknown().await;
    };
    let (store, generation) = crate::store::blocking(&state.store, |s| {
        Ok((canonical(&s.location()), s.generation().ok()))
    })
    .await
    .unwrap_or_else(|_| (state.store.location(), None));
    let now = jiff::Timestamp::now();
    let mut crawling: Vec<String> = control.crawling().iter().cloned().collect();
    crawling.sort();
    json(&serde_json::json!({
        "service": "unionwire",
        "version": env!("CARGO_PKG_VERSION"),
        "command": control.command,
        "pid": std::process::id(),
        "store": store,
        "listen": control.listen.to_string(),
        "started": control.started,
        "uptime_seconds": now.duration_since(control.started).as_secs().max(0),
        "crawls": control.crawler.is_some(),
        "crawling": crawling,
        "sources": state.cfg.sources.len(),
        "generation": generation,
    }))
}

/// One line of `unionwire sources --json`: the configured source and its health record, if the store has
/// one. `health_known` is false when the store could not be read (then a source without a record is
/// `unknown` rather than `never run`).
#[must_use]
pub fn source_json(
    s: &SourceConfig,
    st: Option<&SourceState>,
    health_known: bool,
) -> serde_json::Value {
    let status = match st {
        Some(st) => st.status().as_str().to_owned(),
        None => {
            let base = if health_known { "never run" } else { "unknown" };
            if s.enabled {
                base.to_owned()
            } else {
                format!("{base} (disabled)")
            }
        }
    };
    serde_json::json!({
        "id": s.id, "name": s.name, "kind": s.kind.as_str(), "url": s.url.as_str(),
        "every": humantime::format_duration(s.every).to_string(), "enabled": s.enabled,
        "tags": s.tags,
        "status": status,
        "last_success": st.and_then(|st| st.last_success),
        "last_new_article": st.and_then(|st| st.last_new_article),
        "next_due": st.and_then(|st| st.next_due),
        "last_error": st.and_then(|st| st.error.clone()),
        "health": st,
    })
}

async fn sources(State(state): State<AppState>) -> Response {
    let st = state.clone();
    let lines = tokio::task::spawn_blocking(move || {
        let mut out = String::new();
        for s in &st.cfg.sources {
            let health = st.store.source_state(&s.id)?;
            out.push_str(&source_json(s, health.as_ref(), true).to_string());
            out.push('\n');
        }
        Ok::<_, crate::store::StoreError>(out)
    })
    .await;
    match lines {
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, JSON_LINES)], body).into_response(),
        Ok(Err(e)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("reading source health: {e}"),
        ),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("reading source health: {e}"),
        ),
    }
}

async fn db_stats(State(state): State<AppState>) -> Response {
    let st = state.clone();
    match tokio::task::spawn_blocking(move || st.store.stats()).await {
        Ok(Ok(s)) => match serde_json::to_value(&s) {
            Ok(v) => json(&v),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Ok(Err(e)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("store stats: {e}"),
        ),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("store stats: {e}"),
        ),
    }
}

#[derive(serde::Deserialize)]
struct PruneQuery {
    before: jiff::Timestamp,
}

async fn db_prune(
    State(state): State<AppState>,
    query: Result<axum::extract::Query<PruneQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(axum::extract::Query(q)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "give the cutoff as ?before=TIME (RFC 3339, e.g. 2024-01-01T00:00:00Z)",
        );
    };
    let cutoff = q.before;
    match crate::store::blocking(&state.store, move |s| s.prune(cutoff)).await {
        Ok(report) => {
            tracing::info!(
                stories = report.stories,
                articles = report.articles,
                %cutoff,
                "pruned through the control API"
            );
            match serde_json::to_value(&report) {
                Ok(v) => json(&v),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            }
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("pruning: {e}")),
    }
}

/// One line of `unionwire export --format jsonl`: the `Article` fields plus `id`, `story`, `source_id`
/// and `first_seen`.
#[derive(serde::Serialize)]
struct ExportRow<'a> {
    id: crate::model::ArticleId,
    story: crate::model::StoryId,
    source_id: &'a crate::model::SourceId,
    first_seen: jiff::Timestamp,
    #[serde(flatten)]
    article: &'a crate::model::Article,
}

/// Writes one article as a line of `unionwire export --format jsonl` (the one definition of that format,
/// for the command and for `/api/export`).
///
/// # Errors
/// When writing fails.
pub fn write_export_line(out: &mut dyn std::io::Write, a: &StoredArticle) -> std::io::Result<()> {
    let row = ExportRow {
        id: a.id,
        story: a.story,
        source_id: &a.source_id,
        first_seen: a.first_seen,
        article: &a.article,
    };
    serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// Streams every stored article as `unionwire export --format jsonl` writes it. The store is read on the
/// blocking pool, a chunk at a time, at the pace the client reads; a read error mid-way cuts the response
/// short (the client sees an incomplete body, never a partial export that looks whole).
async fn export(State(state): State<AppState>, raw: axum::extract::RawQuery) -> Response {
    if let Some(q) = raw.0.as_deref().filter(|q| !q.is_empty()) {
        if q != "format=jsonl" {
            return error(
                StatusCode::BAD_REQUEST,
                "the only export format is jsonl (`?format=jsonl` or nothing)",
            );
        }
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(EXPORT_QUEUE);
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut buf: Vec<u8> = Vec::with_capacity(EXPORT_CHUNK + 4096);
        for a in store.articles() {
            let line = a
                .map_err(|e| std::io::Error::other(format!("reading the store: {e}")))
                .and_then(|a| write_export_line(&mut buf, &a));
            if let Err(e) = line {
                tracing::warn!(error = %e, "export through the control API cut short");
                let _ = tx.blocking_send(Err(e));
                return;
            }
            if buf.len() >= EXPORT_CHUNK
                && tx
                    .blocking_send(Ok(Bytes::from(std::mem::take(&mut buf))))
                    .is_err()
            {
                return; // the client went away
            }
        }
        if !buf.is_empty() {
            let _ = tx.blocking_send(Ok(Bytes::from(buf)));
        }
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    (
        [(header::CONTENT_TYPE, JSON_LINES)],
        Body::from_stream(body),
    )
        .into_response()
}

/// Crawls one source now, as `crawl --once --source ID` would, in the daemon: the crawl runs as a task of
/// its own (a client that hangs up does not stop it; shutdown does), and the answer streams its progress,
/// then its summary.
async fn crawl(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(control) = state.control.clone() else {
        return unknown().await;
    };
    let Some(crawler) = control.crawler.clone() else {
        return error(
            StatusCode::CONFLICT,
            &format!(
                "this daemon is `unionwire {}`, which serves the feeds but does not crawl",
                control.command
            ),
        );
    };
    let Some(src) = state.cfg.source(&id).cloned() else {
        let known: Vec<&str> = state.cfg.sources.iter().map(|s| s.id.as_str()).collect();
        return error(
            StatusCode::NOT_FOUND,
            &format!("unknown source {id:?}; configured: {}", known.join(", ")),
        );
    };
    if control.shutdown.is_cancelled() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the daemon is shutting down",
        );
    }
    if !control.crawling().insert(src.id.to_string()) {
        return error(
            StatusCode::CONFLICT,
            &format!("source {id} is already being crawled through the control API"),
        );
    }
    let progress = CrawlProgress::default();
    tracing::info!(source = %src.id, "crawl asked for through the control API");
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let token = control.shutdown.child_token();
    let ctl = Arc::clone(&control);
    let store = state.store.clone();
    control.tasks.spawn(async move {
        let line = |v: serde_json::Value| Bytes::from(format!("{v}\n"));
        let _ = tx
            .send(line(serde_json::json!({"event": "started", "source": src.id})))
            .await;
        let id = src.id.clone();
        let run = crawler.crawl(src, progress.clone(), token);
        tokio::pin!(run);
        let mut tick = tokio::time::interval(PROGRESS_EVERY);
        tick.tick().await;
        let summary = loop {
            tokio::select! {
                s = &mut run => break s,
                _ = tick.tick() => {
                    let p = serde_json::json!({
                        "event": "progress", "source": id,
                        "queued": progress.queued.load(Ordering::Relaxed),
                        "done": progress.done.load(Ordering::Relaxed),
                    });
                    // Neither a client that went away nor one that does not read holds the crawl up.
                    let _ = tx.try_send(line(p));
                }
            }
        };
        if let Err(e) = crate::store::blocking(&store, |s| s.flush()).await {
            tracing::warn!(source = %id, error = %e, "flushing after a crawl asked for through the control API");
        }
        ctl.crawling().remove(id.as_str());
        let _ = tx
            .send(line(serde_json::json!({"event": "finished", "summary": summary})))
            .await;
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), rx))
    });
    (
        [(header::CONTENT_TYPE, JSON_LINES)],
        Body::from_stream(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("0123456789abcdef", "0123456789abcdef"));
        assert!(!same_secret("0123456789abcdeF", "0123456789abcdef"));
        assert!(!same_secret("0123456789abcde", "0123456789abcdef"));
        assert!(!same_secret("", "0123456789abcdef"));
    }

    #[test]
    fn bearer_tokens_are_read_from_the_authorization_header() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn access_follows_the_listen_address_and_the_token() {
        let token = AdminToken::new("0123456789abcdef").unwrap();
        let lo: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let lo6: SocketAddr = "[::1]:8080".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(Access::for_listener(lo, None), Access::Loopback);
        assert_eq!(Access::for_listener(lo6, None), Access::Loopback);
        assert_eq!(Access::for_listener(any, None), Access::Off { listen: any });
        assert_eq!(
            Access::for_listener(any, Some(&token)),
            Access::Token(token.clone())
        );
        assert_eq!(Access::for_listener(lo, Some(&token)), Access::Token(token));
    }
}
