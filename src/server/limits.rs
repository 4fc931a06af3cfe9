//! Request hardening. [`ServerLimits`] bounds what one client can hold: the number of open
//! connections (a semaphore permit travels with each accepted socket; connections over the cap wait
//! in the kernel backlog until a slot frees), the time to send a request head (hyper's header read
//! timer, which also ends idle keep-alive connections), the time a connection may sit with no byte
//! moving either way, the time a write may stall on a client that does not read, the size of a
//! request head and body, and the time a handler may take. [`GuardedStream`] enforces the idle and
//! write deadlines on the socket itself, so they hold whatever hyper is doing. Every limit but the
//! header count comes from `[server]` in the configuration ([`ServerLimits::from_config`]). Also here: the strict
//! parsing of a feed query string (`q`, `limit`, `before`) that turns bad input into a short 400.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use percent_encoding::percent_decode_str;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Sleep};

use crate::config::{ServerConfig, SERVER_HEAD_BYTES_MIN};
use crate::publish::MAX_QUERY_CHARS;
use crate::store::query::{BadCursor, Cursor};

/// The longest `before` value read (a cursor is at most 20 digits, a dot and 32 hex digits; an
/// RFC 3339 time is shorter).
const MAX_CURSOR_BYTES: usize = 64;

/// Most headers in one request.
pub(crate) const DEFAULT_MAX_HEADERS: usize = 64;

/// What one client may hold of the server, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Most connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Time to receive a whole request head, counted from when the server starts waiting for it.
    pub header_timeout: Duration,
    /// Time a connection may wait to read with nothing read or written meanwhile.
    pub idle_timeout: Duration,
    /// Time one write may make no progress (a client that never reads).
    pub write_timeout: Duration,
    /// Time a handler may take before the client gets a 503.
    pub request_timeout: Duration,
    /// Largest request head in bytes (at least 8 KiB); larger heads get 431.
    pub max_head_bytes: usize,
    /// Most header fields in one request; more get 431.
    pub max_headers: usize,
    /// Largest request body in bytes; a larger declared body gets 413 before it is read.
    pub max_body_bytes: usize,
}

impl ServerLimits {
    /// The limits `[server]` of the configuration sets; only the header count is fixed
    /// (`DEFAULT_MAX_HEADERS`).
    #[must_use]
    pub fn from_config(cfg: &ServerConfig) -> Self {
        Self {
            max_connections: cfg.max_connections,
            header_timeout: cfg.header_timeout,
            idle_timeout: cfg.idle_timeout,
            write_timeout: cfg.write_timeout,
            request_timeout: cfg.request_timeout,
            max_head_bytes: cfg.max_head_bytes,
            max_headers: DEFAULT_MAX_HEADERS,
            max_body_bytes: cfg.max_body_bytes,
        }
    }
}

impl Default for ServerLimits {
    /// The limits of the default configuration ([`ServerConfig::default`]).
    fn default() -> Self {
        Self::from_config(&ServerConfig::default())
    }
}

impl ServerLimits {
    /// The head limit hyper is given (never below its 8 KiB floor, which would panic).
    #[must_use]
    pub(crate) fn head_bytes(&self) -> usize {
        self.max_head_bytes.max(SERVER_HEAD_BYTES_MIN)
    }
}

/// Live connection figures of a running server, shared with whoever started it.
#[derive(Debug, Default)]
pub struct ConnectionStats {
    open: AtomicUsize,
    peak_open: AtomicUsize,
    accepted: AtomicU64,
    idle_closed: AtomicU64,
    write_stalled: AtomicU64,
}

impl ConnectionStats {
    /// Connections open now.
    #[must_use]
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Most connections that were open at the same time.
    #[must_use]
    pub fn peak_open(&self) -> usize {
        self.peak_open.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    #[must_use]
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Connections closed because nothing moved for the idle timeout.
    #[must_use]
    pub fn idle_closed(&self) -> u64 {
        self.idle_closed.load(Ordering::Relaxed)
    }

    /// Connections closed because a write stalled for the write timeout.
    #[must_use]
    pub fn write_stalled(&self) -> u64 {
        self.write_stalled.load(Ordering::Relaxed)
    }

    fn opened(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        let now = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_open.fetch_max(now, Ordering::Relaxed);
    }
}

/// An accepted connection: holds its slot until dropped, and fails a read that waits longer than the
/// idle timeout with nothing moving, or a write that makes no progress for the write timeout.
pub struct GuardedStream {
    stream: TcpStream,
    idle: Duration,
    write: Duration,
    read_deadline: Option<Pin<Box<Sleep>>>,
    write_deadline: Option<Pin<Box<Sleep>>>,
    stats: Arc<ConnectionStats>,
    _permit: OwnedSemaphorePermit,
}

impl GuardedStream {
    /// Wraps an accepted socket holding `permit`, counted in `stats` while open.
    #[must_use]
    pub fn new(
        stream: TcpStream,
        permit: OwnedSemaphorePermit,
        limits: &ServerLimits,
        stats: Arc<ConnectionStats>,
    ) -> Self {
        // Feeds are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        stats.opened();
        Self {
            stream,
            idle: limits.idle_timeout,
            write: limits.write_timeout,
            read_deadline: None,
            write_deadline: None,
            stats,
            _permit: permit,
        }
    }

    /// Something moved: a pending read gets a fresh idle period.
    fn progressed(&mut self) {
        if let Some(d) = self.read_deadline.as_mut() {
            d.as_mut().reset(Instant::now() + self.idle);
        }
    }

    /// Polls the write deadline after a pending write; an expired one is a `TimedOut` error.
    fn write_stalled(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if deadline_passed(&mut self.write_deadline, self.write, cx) {
            self.stats.write_stalled.fetch_add(1, Ordering::Relaxed);
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "writing to a client that does not read timed out",
            )));
        }
        Poll::Pending
    }
}

/// Polls a deadline started `limit` from its first poll (armed lazily on a pending read or write);
/// an expired one is cleared and reported, so the caller can count it and fail the I/O.
fn deadline_passed(
    slot: &mut Option<Pin<Box<Sleep>>>,
    limit: Duration,
    cx: &mut Context<'_>,
) -> bool {
    let deadline = slot.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
    if deadline.as_mut().poll(cx).is_ready() {
        *slot = None;
        true
    } else {
        false
    }
}

impl Drop for GuardedStream {
    fn drop(&mut self) {
        self.stats.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.read_deadline = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                if deadline_passed(&mut this.read_deadline, this.idle, cx) {
                    this.stats.idle_closed.fetch_add(1, Ordering::Relaxed);
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "connection idle for too long",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.write_deadline = None;
                if n > 0 {
                    this.progressed();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.write_stalled(cx).map(|r| r.map(|()| 0)),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_flush(cx) {
            Poll::Ready(r) => {
                this.write_deadline = None;
                Poll::Ready(r)
            }
            Poll::Pending => this.write_stalled(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_shutdown(cx) {
            Poll::Ready(r) => {
                this.write_deadline = None;
                Poll::Ready(r)
            }
            Poll::Pending => this.write_stalled(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(n)) => {
                this.write_deadline = None;
                if n > 0 {
                    this.progressed();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.write_stalled(cx).map(|r| r.map(|()| 0)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// A validated feed query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedQuery {
    /// Keywords (trimmed, non-empty), if any.
    pub q: Option<String>,
    /// Items wanted.
    pub limit: usize,
    /// Only items older than this cursor (the next page).
    pub before: Option<Cursor>,
}

/// Why a query string was refused (the message is sent as the 400 body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// A parameter is not valid UTF-8 after percent-decoding.
    #[error("query parameter {0} is not valid UTF-8")]
    NotUtf8(String),
    /// `q` is too long.
    #[error("q is longer than {MAX_QUERY_CHARS} characters")]
    QueryTooLong,
    /// `limit` is not a whole number in range.
    #[error("limit must be a whole number from 1 to {0}")]
    BadLimit(usize),
    /// A parameter was given twice.
    #[error("query parameter {0} is given more than once")]
    Repeated(&'static str),
    /// `before` is not a cursor.
    #[error("{0}")]
    BadCursor(#[from] BadCursor),
}

fn decode(raw: &str) -> Option<String> {
    let plus = raw.replace('+', " ");
    percent_decode_str(&plus)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// Parses `q`, `limit` and `before` from a raw query string; other parameters are ignored.
///
/// # Errors
/// A [`QueryError`] for invalid UTF-8, a `q` over [`MAX_QUERY_CHARS`] characters, a `limit` that is not
/// in `1..=max_limit`, a `before` that is not a cursor, or any of them given twice.
pub fn parse_query(
    raw: Option<&str>,
    default_limit: usize,
    max_limit: usize,
) -> Result<FeedQuery, QueryError> {
    let mut q: Option<String> = None;
    let mut limit: Option<usize> = None;
    let mut before: Option<Cursor> = None;
    for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(key) = decode(k) else {
            return Err(QueryError::NotUtf8("name".to_owned()));
        };
        match key.as_str() {
            "q" => {
                if q.is_some() {
                    return Err(QueryError::Repeated("q"));
                }
                let value = decode(v).ok_or_else(|| QueryError::NotUtf8("q".to_owned()))?;
                if value.chars().count() > MAX_QUERY_CHARS {
                    return Err(QueryError::QueryTooLong);
                }
                q = Some(value.trim().to_owned());
            }
            "limit" => {
                if limit.is_some() {
                    return Err(QueryError::Repeated("limit"));
                }
                let value = decode(v).ok_or_else(|| QueryError::NotUtf8("limit".to_owned()))?;
                let n: usize = value
                    .trim()
                    .parse()
                    .map_err(|_| QueryError::BadLimit(max_limit))?;
                if n == 0 || n > max_limit {
                    return Err(QueryError::BadLimit(max_limit));
                }
                limit = Some(n);
            }
            "before" => {
                if before.is_some() {
                    return Err(QueryError::Repeated("before"));
                }
                let value = decode(v).ok_or_else(|| QueryError::NotUtf8("before".to_owned()))?;
                if value.len() > MAX_CURSOR_BYTES {
                    return Err(QueryError::BadCursor(BadCursor));
                }
                before = Some(value.parse()?);
            }
            _ => {}
        }
    }
    Ok(FeedQuery {
        q: q.filter(|s| !s.is_empty()),
        limit: limit.unwrap_or(default_limit),
        before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_config_and_keep_hypers_head_floor() {
        let cfg = ServerConfig {
            max_connections: 7,
            request_timeout: Duration::from_secs(3),
            header_timeout: Duration::from_secs(4),
            idle_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(6),
            max_head_bytes: 9000,
            max_body_bytes: 100,
            ..ServerConfig::default()
        };
        let l = ServerLimits::from_config(&cfg);
        assert_eq!(l.max_connections, 7);
        assert_eq!(l.request_timeout, Duration::from_secs(3));
        assert_eq!(l.header_timeout, Duration::from_secs(4));
        assert_eq!(l.idle_timeout, Duration::from_secs(5));
        assert_eq!(l.write_timeout, Duration::from_secs(6));
        assert_eq!(l.max_head_bytes, 9000);
        assert_eq!(l.max_headers, DEFAULT_MAX_HEADERS);
        assert_eq!(l.max_body_bytes, 100);
        let tiny = ServerLimits {
            max_head_bytes: 10,
            ..l
        };
        assert_eq!(tiny.head_bytes(), 8 * 1024);
        assert_eq!(ServerLimits::default().head_bytes(), 64 * 1024);
    }

    #[test]
    fn the_default_limits_are_the_documented_ones() {
        let l = ServerLimits::default();
        assert_eq!(l.header_timeout, Duration::from_secs(10));
        assert_eq!(l.idle_timeout, Duration::from_secs(60));
        assert_eq!(l.write_timeout, Duration::from_secs(30));
        assert_eq!(l.max_head_bytes, 64 * 1024);
        assert_eq!(l.max_headers, DEFAULT_MAX_HEADERS);
        assert_eq!(l.max_body_bytes, 16 * 1024);
        assert_eq!(l.max_connections, 1024);
        assert_eq!(l.request_timeout, Duration::from_secs(10));
    }

    #[test]
    fn queries_parse() {
        let p = parse_query(
            Some("q=%E5%B7%A5%E4%BC%9A+%E6%96%B0%E9%97%BB&limit=5"),
            50,
            500,
        )
        .unwrap();
        assert_eq!(p.q.as_deref(), Some("工会 新闻"));
        assert_eq!(p.limit, 5);
        let p = parse_query(None, 50, 500).unwrap();
        assert_eq!(
            p,
            FeedQuery {
                q: None,
                limit: 50,
                before: None
            }
        );
        let c = parse_query(
            Some("before=1727406060.000102030405060708090a0b0c0d0e0f"),
            50,
            500,
        )
        .unwrap()
        .before
        .unwrap();
        assert_eq!(c.time, 1_727_406_060);
        assert_eq!(c.id[15], 0x0f);
        assert_eq!(parse_query(Some("q=&x=1"), 50, 500).unwrap().q, None);
    }

    #[test]
    fn bad_queries_are_refused() {
        assert_eq!(
            parse_query(Some("limit=0"), 50, 500),
            Err(QueryError::BadLimit(500))
        );
        assert_eq!(
            parse_query(Some("limit=501"), 50, 500),
            Err(QueryError::BadLimit(500))
        );
        assert_eq!(
            parse_query(Some("limit=99999999999999999999999"), 50, 500),
            Err(QueryError::BadLimit(500))
        );
        assert_eq!(
            parse_query(Some("limit=-1"), 50, 500),
            Err(QueryError::BadLimit(500))
        );
        assert_eq!(
            parse_query(Some("q=%FF%FE"), 50, 500),
            Err(QueryError::NotUtf8("q".into()))
        );
        let long = format!("q={}", "字".repeat(201));
        assert_eq!(
            parse_query(Some(&long), 50, 500),
            Err(QueryError::QueryTooLong)
        );
        let ok = format!("q={}", "字".repeat(200));
        assert!(parse_query(Some(&ok), 50, 500).is_ok());
        assert_eq!(
            parse_query(Some("q=a&q=b"), 50, 500),
            Err(QueryError::Repeated("q"))
        );
        assert_eq!(
            parse_query(Some("before=yesterday"), 50, 500),
            Err(QueryError::BadCursor(BadCursor))
        );
        assert_eq!(
            parse_query(
                Some("before=2024-09-27T00:00:00Z&before=2024-09-26T00:00:00Z"),
                50,
                500
            ),
            Err(QueryError::Repeated("before"))
        );
    }
}
