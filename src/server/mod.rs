//! The HTTP side: an axum router serving the feeds (`/feeds/all.rss`, `/feeds/source/{id}.atom`,
//! `/feeds/tag/{tag}.json`, with `?q=`, `?limit=` and `?before=`), `/opml`, the XSLT stylesheet that
//! shows both in a browser (`/feed.xsl`), the HTML pages (`/`, `/stories/{id}`, `/sources/{id}`,
//! `/search`), `/healthz` and `/metrics`. Rendered feeds are cached per (feed, format, query, base URL)
//! and thrown away when the store's `generation()` moves; a miss renders on the blocking pool, a hit
//! serves the cached bytes. Every feed has a strong ETag (a hash of its bytes, with the content coding
//! appended for a compressed body) and a `Last-Modified`; conditional requests get an empty 304,
//! decided after compression (`conditional::conditional_get`). Around it: gzip/brotli, a per-request
//! timeout, a body limit, and the
//! connection limits of [`ServerLimits`] (open connections, header, idle and write timeouts, head
//! size), served by our own HTTP/1.1 accept loop on hyper. Unknown names give 404 and bad queries a
//! short 400; nothing here reads the filesystem.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::publish::{FeedFormat, FeedScope};
use crate::store::SharedStore;

pub mod conditional;
pub mod control;
mod index;
pub mod limits;
mod pages;
mod refresh;

pub use limits::{
    parse_query, ConnectionStats, FeedQuery, GuardedStream, QueryError, ServerLimits,
};

/// Most rendered feeds kept in memory; past this the cache is emptied and refilled on demand.
pub(crate) const CACHE_ENTRIES: usize = 512;

/// One rendered feed, ready to send.
#[derive(Debug)]
struct Rendered {
    generation: u64,
    body: Bytes,
    etag: String,
    last_modified: Option<jiff::Timestamp>,
    max_age: u64,
    content_type: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    scope: FeedScope,
    format: FeedFormat,
    query: FeedQuery,
    base: String,
}

/// What every handler shares: the store, the configuration, the metrics and the render cache.
#[derive(Clone)]
pub struct AppState {
    store: SharedStore,
    cfg: Arc<Config>,
    metrics: Arc<Metrics>,
    cache: Arc<Mutex<HashMap<CacheKey, Arc<Rendered>>>>,
    /// The control API (`/api/`), when the server runs in `run` or `serve` ([`AppState::with_control`]).
    control: Option<Arc<control::Control>>,
    /// The generation the feeds show, kept by a task of [`serve_with`] (`server.refresh`).
    freshness: Arc<refresh::Freshness>,
    /// Whether feeds and pages are served (not by `run --role crawler`: [`AppState::without_feeds`]).
    feeds: bool,
}

impl AppState {
    /// State over an open store.
    #[must_use]
    pub fn new(store: SharedStore, cfg: Arc<Config>, metrics: Arc<Metrics>) -> Self {
        let freshness = Arc::new(refresh::Freshness::new(store.as_ref(), cfg.server.notify));
        Self {
            store,
            cfg,
            metrics,
            cache: Arc::new(Mutex::new(HashMap::new())),
            control: None,
            freshness,
            feeds: true,
        }
    }

    /// Serves no feeds or pages (`run --role crawler`): only `/healthz`, `/metrics` and the control API
    /// answer; every other path is a 404 that says why.
    #[must_use]
    pub fn without_feeds(mut self) -> Self {
        self.feeds = false;
        self
    }

    /// The metrics this server reports.
    #[must_use]
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    fn cached(&self, key: &CacheKey, generation: u64) -> Option<Arc<Rendered>> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(key)
            .filter(|r| r.generation == generation)
            .cloned()
    }

    /// The last rendering of `key`, whatever its generation: served when the store cannot be read (a full
    /// disk, an I/O error), so readers keep the last good feed instead of an error.
    fn last_good(&self, key: &CacheKey) -> Option<Arc<Rendered>> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.get(key).cloned()
    }

    fn remember(&self, key: CacheKey, rendered: Arc<Rendered>) {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= CACHE_ENTRIES && !cache.contains_key(&key) {
            cache.retain(|_, r| r.generation == rendered.generation);
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(key, rendered);
    }
}

/// The router with every route and layer, with the default limits for `state`'s configuration.
pub fn router(state: AppState) -> Router {
    let limits = ServerLimits::from_config(&state.cfg.server);
    router_with(state, &limits)
}

/// The router with every route and layer: handlers get `limits.request_timeout` (then a 503) and
/// request bodies over `limits.max_body_bytes` get a 413.
pub(crate) fn router_with(state: AppState, limits: &ServerLimits) -> Router {
    Router::new()
        .route("/", get(index::index))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/opml", get(opml))
        .route("/feeds/{file}", get(feed_all))
        .route("/feeds/source/{file}", get(feed_source))
        .route("/feeds/tag/{file}", get(feed_tag))
        .route("/stories/{id}", get(pages::story))
        .route("/sources/{id}", get(pages::source))
        .route("/search", get(pages::search))
        .route(
            &format!("/{}", crate::publish::STYLESHEET_PATH),
            get(stylesheet),
        )
        .route("/favicon.ico", get(favicon))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), feeds_gate))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(middleware::from_fn(conditional::conditional_get))
        .layer(axum::extract::DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            limits.max_body_bytes,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        .merge(control::routes(&state, limits.max_body_bytes))
        .with_state(state)
}

/// Serves until `shutdown` is cancelled, then finishes in-flight requests (graceful), with the
/// limits of the configuration ([`ServerLimits::from_config`]).
/// At most `server.max_connections` connections are open at once; more wait in the backlog.
///
/// # Errors
/// None today: accept errors are logged and retried; the result is kept for callers.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let limits = ServerLimits::from_config(&state.cfg.server);
    serve_with(
        listener,
        state,
        shutdown,
        limits,
        Arc::new(ConnectionStats::default()),
    )
    .await
}

/// How long to back off when `accept` fails for lack of resources (file descriptors, memory).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves HTTP/1.1 on `listener` under `limits` until `shutdown` is cancelled, then lets open
/// connections finish (idle ones close at once) and returns. `stats` follows the open connections.
///
/// A connection slot is taken before a connection is accepted, so connections over
/// `limits.max_connections` wait in the listen backlog. Each connection gets `header_timeout` to send
/// a request head (also between keep-alive requests), heads over `max_head_bytes` or `max_headers`
/// get 431 (or 414 for a long URI), and the socket fails once it waits `idle_timeout` with nothing
/// moving or a write stalls for `write_timeout`; the slot is freed when the connection closes.
///
/// # Errors
/// None today: accept errors are logged and retried; the result is kept for callers.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
    limits: ServerLimits,
    stats: Arc<ConnectionStats>,
) -> std::io::Result<()> {
    // The generation the feeds show is kept by its own task while the server runs.
    let refresher = {
        let token = shutdown.child_token();
        let task = tokio::spawn(Arc::clone(&state.freshness).run(
            state.store.clone(),
            state.cfg.server.refresh,
            token.clone(),
        ));
        (task, token)
    };
    let app = router_with(state, &limits);
    let slots = Arc::new(tokio::sync::Semaphore::new(
        limits
            .max_connections
            .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
    ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.head_bytes())
        .max_header_size(limits.head_bytes())
        .max_headers(limits.max_headers.max(1))
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    if !is_connection_error(&e) {
                        tracing::warn!(error = %e, "accepting a connection failed; backing off");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            },
        };
        let io = hyper_util::rt::TokioIo::new(GuardedStream::new(
            stream,
            permit,
            &limits,
            Arc::clone(&stats),
        ));
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    refresher.1.cancel();
    if let Err(e) = refresher.0.await {
        tracing::error!(error = %e, "the generation refresher failed");
    }
    Ok(())
}

/// Errors of one incoming connection (the peer gave up), as opposed to the listener running out of
/// resources.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// A short plain-text answer (never echoes request input).
fn plain(status: StatusCode, msg: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        format!("{msg}\n"),
    )
        .into_response()
}

async fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "not found")
}

/// `ok` while the store answers; 503 saying why when it does not (the feeds are then served from the
/// last good renderings).
async fn healthz(State(state): State<AppState>) -> Response {
    let st = state.clone();
    let health = tokio::task::spawn_blocking(move || st.freshness.health(st.store.as_ref())).await;
    match health {
        Ok(Ok(())) => plain(StatusCode::OK, "ok"),
        Ok(Err(e)) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("unhealthy: the store is unreachable ({e})"),
        ),
        Err(e) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("unhealthy: checking the store failed ({e})"),
        ),
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let st = state.clone();
    let health = tokio::task::spawn_blocking(move || index::health(&st))
        .await
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        {
            let mut text = state.metrics.render_prometheus(&health);
            if let Some(p) = state.store.pool_status() {
                let gauges = crate::metrics::PoolGauges {
                    max_size: p.max_size,
                    size: p.size,
                    available: p.available,
                    waiting: p.waiting,
                };
                crate::metrics::render_pool(&mut text, &gauges);
            }
            text
        },
    )
        .into_response()
}

/// The route label a request is counted under (fixed strings, so labels stay few).
fn route_label(path: &str) -> &'static str {
    match path {
        "/" => "index",
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        "/opml" => "opml",
        "/search" => "search",
        "/feed.xsl" => "stylesheet",
        "/favicon.ico" => "favicon",
        p if p.starts_with("/feeds/") => "feed",
        p if p.starts_with("/stories/") => "story",
        p if p.starts_with("/sources/") => "source",
        p if p.starts_with("/api/") => "api",
        _ => "other",
    }
}

/// Turns away everything but `/healthz` and `/metrics` in a process that serves no feeds.
async fn feeds_gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.feeds || matches!(req.uri().path(), "/healthz" | "/metrics") {
        return next.run(req).await;
    }
    plain(
        StatusCode::NOT_FOUND,
        "this process is `unionwire run --role crawler`: it crawls and serves no feeds or pages; ask a process run with --role server or all",
    )
}

async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = route_label(req.uri().path());
    let res = next.run(req).await;
    state.metrics.record_request(route, res.status().as_u16());
    res
}

/// The public base URL: `server.base_url`, else `http://` + a well-formed `Host`, else the listen address.
fn base_url(cfg: &Config, headers: &HeaderMap) -> Url {
    if let Some(b) = &cfg.server.base_url {
        return crate::publish::base_dir(b);
    }
    let from_host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .and_then(|h| Url::parse(&format!("http://{h}/")).ok())
        .filter(|u| u.has_host() && u.path() == "/" && u.username().is_empty());
    from_host.unwrap_or_else(|| {
        Url::parse(&format!("http://{}/", cfg.server.listen))
            .unwrap_or_else(|_| Url::parse("http://localhost/").expect("a fixed URL parses"))
    })
}

/// Whether the request comes from a browser navigating to the URL (it asks for HTML first): feeds and
/// the OPML are then labelled `application/xml`, the type browsers apply `<?xml-stylesheet?>` to
/// (Chromium shows `application/rss+xml` as plain text). Readers get the feed media types.
fn wants_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.split(',')
                .next()
                .is_some_and(|first| first.trim().starts_with("text/html"))
        })
}

/// The media type a browser renders through XSLT.
const XML_FOR_BROWSERS: &str = "application/xml; charset=utf-8";

/// The XSLT stylesheet that shows the feeds and the OPML as pages in a browser (no script).
const STYLESHEET: &str = include_str!("feed.xsl");

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/xsl; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The site icon (an SVG, which browsers accept at `/favicon.ico` by its media type): browsers ask for
/// it on every page, and a 404 would be a console error on each.
const FAVICON: &str = include_str!("favicon.svg");

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
        .into_response()
}

async fn opml(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&state.cfg, &headers);
    let body = crate::publish::render_opml(&base, &state.cfg);
    let ctype = if wants_page(&headers) {
        XML_FOR_BROWSERS
    } else {
        "text/x-opml; charset=utf-8"
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::VARY, "accept"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"unionwire.opml\"",
            ),
        ],
        body,
    )
        .into_response()
}

async fn feed_all(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    match crate::publish::split_feed_file(&file) {
        Some((stem, format)) if stem.as_str() == "all" => {
            feed(state, FeedScope::All, format, query, headers).await
        }
        _ => not_found().await,
    }
}

async fn feed_source(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    match crate::publish::split_feed_file(&file) {
        Some((id, format)) if state.cfg.source(id.as_str()).is_some() => {
            feed(state, FeedScope::Source(id), format, query, headers).await
        }
        _ => not_found().await,
    }
}

async fn feed_tag(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    match crate::publish::split_feed_file(&file) {
        Some((tag, format)) if state.cfg.tags().contains(tag.as_str()) => {
            let scope = FeedScope::Tag(tag.as_str().to_owned());
            feed(state, scope, format, query, headers).await
        }
        _ => not_found().await,
    }
}

/// Builds one feed ([`crate::publish::build_feed`]: the query, the items, the page links, the rendering)
/// and gives it its entity tag (CPU and blocking I/O: run on the blocking pool).
fn render_feed(state: &AppState, key: &CacheKey, generation: u64) -> Result<Rendered, String> {
    let started = Instant::now();
    let base = Url::parse(&key.base).map_err(|e| e.to_string())?;
    let req = crate::publish::FeedRequest {
        scope: &key.scope,
        format: key.format,
        q: key.query.q.as_deref(),
        before: key.query.before.as_ref(),
        limit: key.query.limit,
        base: &base,
    };
    let feed = crate::publish::build_feed(state.store.as_ref(), &state.cfg, &req)
        .map_err(|e| format!("{e:#}"))?;
    let digest = Sha256::digest(feed.body.as_bytes());
    let etag = format!("\"{}\"", hex::encode(&digest[..16]));
    state.metrics.record_render(started.elapsed());
    Ok(Rendered {
        generation,
        body: Bytes::from(feed.body),
        etag,
        last_modified: feed.updated,
        max_age: feed.max_age,
        content_type: key.format.content_type(),
    })
}

async fn feed(
    state: AppState,
    scope: FeedScope,
    format: FeedFormat,
    raw_query: Option<String>,
    headers: HeaderMap,
) -> Response {
    let query = match parse_query(
        raw_query.as_deref(),
        state.cfg.feeds.default_limit,
        state.cfg.feeds.max_limit,
    ) {
        Ok(q) => q,
        Err(e) => return plain(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let key = CacheKey {
        scope,
        format,
        query,
        base: base_url(&state.cfg, &headers).to_string(),
    };
    // The store is read on the blocking pool (its calling convention): the generation, then on a miss the
    // feed's stories.
    let st = state.clone();
    let k = key.clone();
    let looked = tokio::task::spawn_blocking(move || -> Result<(Arc<Rendered>, bool), String> {
        let generation = st
            .freshness
            .generation(st.store.as_ref())
            .map_err(|e| e.to_string())?;
        if let Some(hit) = st.cached(&k, generation) {
            return Ok((hit, true));
        }
        let r = Arc::new(render_feed(&st, &k, generation)?);
        st.remember(k, Arc::clone(&r));
        Ok((r, false))
    })
    .await;
    let rendered = match looked {
        Ok(Ok((r, hit))) => {
            if hit {
                state
                    .metrics
                    .feed_cache_hits
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            r
        }
        Ok(Err(e)) => {
            if let Some(last) = state.last_good(&key) {
                tracing::warn!(error = %e, "rendering a feed failed; serving the last good one");
                return respond(&last, &headers);
            }
            tracing::error!(error = %e, "rendering a feed");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "feed unavailable");
        }
        Err(e) => {
            tracing::error!(error = %e, "feed render task failed");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "feed unavailable");
        }
    };
    respond(&rendered, &headers)
}

/// A 200 with the feed and its validators; [`conditional::conditional_get`] turns it into a 304 when
/// the client's copy is current. A browser gets the same bytes labelled `application/xml` (so it
/// applies the stylesheet), under its own entity tag.
fn respond(r: &Rendered, headers: &HeaderMap) -> Response {
    let page = wants_page(headers);
    let mut res = Response::new(Body::from(r.body.clone()));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            if page && r.content_type != FeedFormat::Json.content_type() {
                XML_FOR_BROWSERS
            } else {
                r.content_type
            },
        ),
    );
    let etag = if page {
        conditional::coded_etag(&r.etag, "page")
    } else {
        r.etag.clone()
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(lm) = r.last_modified {
        if let Ok(v) = HeaderValue::from_str(&conditional::http_date(lm)) {
            h.insert(header::LAST_MODIFIED, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", r.max_age)) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(
        header::VARY,
        HeaderValue::from_static("accept-encoding, accept"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
