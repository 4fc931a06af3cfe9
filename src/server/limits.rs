//! Request hardening: a TCP listener that holds at most `server.max_connections` connections (a
//! semaphore permit travels with each accepted socket and is released when it closes), and the
//! strict parsing of a feed query string (`q`, `limit`) that turns bad input into a short 400.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use percent_encoding::percent_decode_str;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::publish::MAX_QUERY_CHARS;

/// A listener that accepts a new connection only while fewer than its limit are open.
pub struct LimitedListener {
    inner: TcpListener,
    slots: Arc<Semaphore>,
}

impl LimitedListener {
    /// Wraps `inner`, allowing `max` open connections (at least one).
    #[must_use]
    pub fn new(inner: TcpListener, max: usize) -> Self {
        Self {
            inner,
            slots: Arc::new(Semaphore::new(max.clamp(1, Semaphore::MAX_PERMITS))),
        }
    }
}

/// An accepted connection holding its slot until dropped.
pub struct LimitedStream {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl axum::serve::Listener for LimitedListener {
    type Io = LimitedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed");
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        // Feeds are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        (
            LimitedStream {
                stream,
                _permit: permit,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl AsyncRead for LimitedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for LimitedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
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
}

fn decode(raw: &str) -> Option<String> {
    let plus = raw.replace('+', " ");
    percent_decode_str(&plus)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// Parses `q` and `limit` from a raw query string; other parameters are ignored.
///
/// # Errors
/// A [`QueryError`] for invalid UTF-8, a `q` over [`MAX_QUERY_CHARS`] characters, a `limit` that is not
/// in `1..=max_limit`, or either given twice.
pub fn parse_query(
    raw: Option<&str>,
    default_limit: usize,
    max_limit: usize,
) -> Result<FeedQuery, QueryError> {
    let mut q: Option<String> = None;
    let mut limit: Option<usize> = None;
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
            _ => {}
        }
    }
    Ok(FeedQuery {
        q: q.filter(|s| !s.is_empty()),
        limit: limit.unwrap_or(default_limit),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(p, FeedQuery { q: None, limit: 50 });
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
    }
}
