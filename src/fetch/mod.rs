//! Bytes on the wire, politely. This module owns the one `reqwest::Client` and everything between a URL and
//! a body: timeouts (connect, headers, read silence, total), a cap on *decoded* body bytes enforced while
//! streaming, redirects followed one hop at a time (http/https only, at most `max_redirects`), refusal of
//! private addresses after DNS resolution, conditional GET, and charset decoding ([`charset`]). On top of
//! that, [`Fetcher::get_polite`] is the crawler's fetch: robots.txt ([`robots`], RFC 9309), one request in
//! flight per host, a delay between request starts to a host, `Retry-After`, and bounded retries. When
//! several processes crawl together, [`Fetcher::share_hosts`] adds a [`SharedHosts`] (implemented by the
//! crawl with the store) that every turn at a host and every `Retry-After` hold also goes through.
//!
//! Two entry points:
//! - [`Fetcher::get`]: one fetch with every safety limit but no politeness (for `unionwire fetch URL`);
//! - [`Fetcher::get_polite`]: what the crawler uses for everything it fetches.

pub mod charset;
mod error;
mod net;
mod polite;
pub mod robots;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::time::Instant;
use url::Url;

pub use charset::Decoded;
pub use error::{BlockKind, FetchError};
pub use net::is_public;
pub use polite::{HostStats, SharedHosts, SharedHostsError, SharedTurn};

use crate::config::CrawlConfig;

/// The product token unionwire looks for in robots.txt `User-agent` lines.
pub(crate) const ROBOTS_TOKEN: &str = "unionwire";

/// Most redirects followed while fetching robots.txt (RFC 9309 asks for at least five).
pub(crate) const ROBOTS_MAX_REDIRECTS: usize = 5;

/// Multiplier base of the exponential backoff between retries.
pub(crate) const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(1);

/// Longest backoff between two retries.
pub(crate) const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(60);

/// How long an unreachable robots.txt (5xx, network error) is remembered before it is asked for again.
pub(crate) const ROBOTS_ERROR_TTL: Duration = Duration::from_secs(600);

/// Every limit of the fetch stage.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// The `User-Agent` header.
    pub user_agent: String,
    /// TCP (and TLS) connect timeout.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for headers or reading the body.
    pub read_timeout: Duration,
    /// Longest time for one fetch, redirects and body included (politeness waits excluded).
    pub timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Most redirects followed.
    pub max_redirects: usize,
    /// Allow private and loopback addresses for every host (tests, intranets).
    pub allow_private: bool,
    /// Retries after a timeout, 408, 429 or 5xx (polite fetches only).
    pub retries: u32,
    /// Minimum time between request starts to one host.
    pub per_host_delay: Duration,
    /// Largest robots.txt `Crawl-delay` honoured; also the longest a fetch waits for a host on hold.
    pub max_crawl_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one holds the host for this long.
    pub max_retry_after: Duration,
    /// Obey robots.txt.
    pub obey_robots: bool,
    /// How long a fetched robots.txt is trusted.
    pub robots_ttl: Duration,
    /// First backoff between retries; it doubles each retry (plus up to 50 % jitter), up to `MAX_RETRY_BACKOFF`.
    pub backoff_base: Duration,
}

impl From<&CrawlConfig> for FetchConfig {
    fn from(c: &CrawlConfig) -> Self {
        Self {
            user_agent: c.user_agent(),
            connect_timeout: c.connect_timeout,
            read_timeout: c.read_timeout,
            timeout: c.timeout,
            max_body_bytes: c.max_body_bytes,
            max_redirects: c.max_redirects,
            allow_private: c.allow_private_addresses,
            retries: c.retries,
            per_host_delay: c.per_host_delay,
            max_crawl_delay: c.max_crawl_delay,
            max_retry_after: c.max_retry_after,
            obey_robots: c.obey_robots,
            robots_ttl: c.robots_ttl,
            backoff_base: DEFAULT_BACKOFF_BASE,
        }
    }
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self::from(&CrawlConfig::default())
    }
}

/// What kind of document a request wants; the response's content type is checked against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// An HTML (or XHTML, or plain text) page.
    Html,
    /// An RSS, Atom, RDF or JSON feed (XML, JSON and text types).
    Feed,
    /// Anything.
    Any,
}

/// One fetch to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The URL.
    pub url: Url,
    /// The `ETag` from the last fetch, sent as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` from the last fetch, sent as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// What kind of document is wanted.
    pub accept: Accept,
}

impl Request {
    /// A request for an HTML page.
    #[must_use]
    pub fn html(url: Url) -> Self {
        Self {
            url,
            etag: None,
            last_modified: None,
            accept: Accept::Html,
        }
    }

    /// A request for a feed.
    #[must_use]
    pub fn feed(url: Url) -> Self {
        Self {
            url,
            etag: None,
            last_modified: None,
            accept: Accept::Feed,
        }
    }

    /// The same request with conditional-GET validators from an earlier fetch.
    #[must_use]
    pub fn with_validators(mut self, etag: Option<String>, last_modified: Option<String>) -> Self {
        self.etag = etag;
        self.last_modified = last_modified;
        self
    }
}

/// A fetched document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The final URL, after redirects.
    pub url: Url,
    /// The HTTP status (2xx, or 304).
    pub status: u16,
    /// The server answered 304: nothing changed since the validators sent; `body` is empty.
    pub not_modified: bool,
    /// The `ETag` to send next time (the request's own when a 304 carried none).
    pub etag: Option<String>,
    /// The `Last-Modified` to send next time.
    pub last_modified: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body, decompressed.
    pub body: Bytes,
}

impl Response {
    /// The body as text, by [`charset::decode`] with this response's content type and host.
    #[must_use]
    pub fn decode(&self) -> Decoded {
        charset::decode(
            &self.body,
            self.content_type.as_deref(),
            self.url.host_str(),
        )
    }
}

/// The fetcher: one HTTP client, the address policy, and per-host politeness state. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    cfg: FetchConfig,
    net: Arc<net::NetPolicy>,
    hosts: polite::Hosts,
    /// Politeness shared with other processes ([`Fetcher::share_hosts`]).
    shared: std::sync::OnceLock<Arc<dyn SharedHosts>>,
}

/// How one request of a redirect chain ended.
enum Hop {
    /// A redirect to follow.
    Redirect(Url),
    /// The final answer.
    Done(Response),
}

/// A failed hop, with the `Retry-After` the server sent, if any.
struct Failure {
    error: FetchError,
    retry_after: Option<Duration>,
}

impl From<FetchError> for Failure {
    fn from(error: FetchError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

/// How a body larger than the cap is handled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    /// Fail with [`FetchError::TooLarge`].
    Fail,
    /// Keep the first `cap` bytes (robots.txt).
    Truncate,
}

/// What to check for one hop.
#[derive(Clone, Copy)]
struct HopOptions {
    conditional: bool,
    cap: u64,
    overflow: Overflow,
    deadline: Instant,
}

impl Fetcher {
    /// Builds the fetcher and its HTTP client.
    ///
    /// # Errors
    /// [`FetchError::Connect`] (with an empty URL) when the HTTP client cannot be built (e.g. an invalid
    /// user agent or no TLS backend).
    pub fn new(cfg: FetchConfig) -> Result<Self, FetchError> {
        let net = Arc::new(net::NetPolicy::new(cfg.allow_private));
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .referer(false)
            .dns_resolver(Arc::new(net::Resolver {
                policy: Arc::clone(&net),
            }))
            .build()
            .map_err(|e| FetchError::Connect {
                url: String::new(),
                message: format!("building the http client: {e}"),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                cfg,
                net,
                hosts: polite::Hosts::default(),
                shared: std::sync::OnceLock::new(),
            }),
        })
    }

    /// Test/ops hook: resolve `host` to `addr` (fake public host names mapped to loopback in tests). A port
    /// in the URL wins over the port of `addr`; port 0 means the scheme's default. The address policy still
    /// applies to the overridden address.
    #[must_use]
    pub fn with_host_override(self, host: &str, addr: SocketAddr) -> Self {
        self.inner.net.add_override(host, addr);
        self
    }

    /// Operator-given hosts (configured sources, command-line URLs): allowed even when private/loopback.
    pub fn trust_host(&self, host: &str) {
        self.inner.net.trust(host);
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &FetchConfig {
        &self.inner.cfg
    }

    /// One fetch: redirects (each hop checked: http/https only, at most `max_redirects`, private addresses
    /// refused at connect time unless trusted or allowed), the decoded-size cap enforced while streaming,
    /// timeouts, conditional headers on the first hop. No robots.txt, delays or retries.
    ///
    /// # Errors
    /// Any [`FetchError`] but `RobotsDisallowed` and `HostOnHold`.
    pub async fn get(&self, req: &Request) -> Result<Response, FetchError> {
        let deadline = Instant::now() + self.inner.cfg.timeout;
        let mut url = req.url.clone();
        let max = self.inner.cfg.max_redirects;
        for hop in 0..=max {
            let opts = HopOptions {
                conditional: hop == 0,
                cap: self.inner.cfg.max_body_bytes,
                overflow: Overflow::Fail,
                deadline,
            };
            match self.hop(&url, req, opts).await.map_err(|f| f.error)? {
                Hop::Done(resp) => return Ok(resp),
                Hop::Redirect(next) => url = next,
            }
        }
        Err(FetchError::TooManyRedirects {
            url: req.url.to_string(),
            max,
        })
    }

    /// Counters for one host (by host name, as in the URL): requests started, robots.txt fetches,
    /// retries, and the most requests ever in flight to it at once.
    #[must_use]
    pub fn host_stats(&self, host: &str) -> HostStats {
        self.inner.hosts.stats(host)
    }

    /// Checks a URL before it is requested: scheme, host, and the address policy for IP literals.
    fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(FetchError::BadScheme {
                url: url.to_string(),
                scheme: scheme.to_owned(),
            });
        }
        let host_text = url.host_str().unwrap_or_default();
        let ip = match url.host() {
            None => {
                return Err(FetchError::InvalidUrl {
                    url: url.to_string(),
                    reason: "no host".to_owned(),
                })
            }
            Some(url::Host::Domain(_)) => None,
            Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
        };
        if let Some(ip) = ip {
            self.inner.net.check_literal(host_text, ip).map_err(|r| {
                FetchError::PrivateAddress {
                    url: url.to_string(),
                    addr: r.addr.to_string(),
                }
            })?;
        }
        Ok(())
    }

    /// One request of a redirect chain.
    async fn hop(&self, url: &Url, req: &Request, opts: HopOptions) -> Result<Hop, Failure> {
        self.check_url(url)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(accept_value(req.accept)),
        );
        if opts.conditional {
            if let Some(v) = req
                .etag
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                headers.insert(header::IF_NONE_MATCH, v);
            }
            if let Some(v) = req
                .last_modified
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                headers.insert(header::IF_MODIFIED_SINCE, v);
            }
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let _in_flight = self.inner.hosts.started(&host);
        let send = self
            .inner
            .client
            .get(without_credentials(url))
            .headers(headers)
            .send();
        let mut resp = match tokio::time::timeout_at(opts.deadline, send).await {
            Err(_) => return Err(timeout(url, "total").into()),
            Ok(Err(e)) => return Err(map_send_error(url, &e).into()),
            Ok(Ok(r)) => r,
        };
        let status = resp.status().as_u16();
        let headers = resp.headers();
        let text_header = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = text_header(header::CONTENT_TYPE);
        let etag = text_header(header::ETAG);
        let last_modified = text_header(header::LAST_MODIFIED);

        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            let Some(location) = text_header(header::LOCATION) else {
                return Err(FetchError::Status {
                    url: url.to_string(),
                    status,
                }
                .into());
            };
            let next = url
                .join(location.trim())
                .map_err(|e| FetchError::InvalidUrl {
                    url: location.clone(),
                    reason: format!("redirect from {url}: {e}"),
                })?;
            return Ok(Hop::Redirect(next));
        }
        if status == 304 {
            return Ok(Hop::Done(Response {
                url: url.clone(),
                status,
                not_modified: true,
                etag: etag.or_else(|| req.etag.clone()),
                last_modified: last_modified.or_else(|| req.last_modified.clone()),
                content_type,
                body: Bytes::new(),
            }));
        }
        if status == 412 || status == 521 {
            return Err(FetchError::Blocked {
                url: url.to_string(),
                status,
                kind: BlockKind::AntiBot,
            }
            .into());
        }
        if !(200..300).contains(&status) {
            let retry_after = text_header(header::RETRY_AFTER)
                .as_deref()
                .and_then(polite::parse_retry_after);
            return Err(Failure {
                error: FetchError::Status {
                    url: url.to_string(),
                    status,
                },
                retry_after,
            });
        }
        let verdict = content_verdict(req.accept, content_type.as_deref());
        if verdict == Verdict::Refuse {
            return Err(not_html(url, content_type.as_deref()).into());
        }
        if opts.overflow == Overflow::Fail && resp.content_length().is_some_and(|n| n > opts.cap) {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit: opts.cap,
            }
            .into());
        }
        let body = read_body(&mut resp, url, opts).await?;
        drop(resp);
        if verdict == Verdict::Sniff && !sniff_ok(req.accept, &body) {
            return Err(not_html(url, content_type.as_deref()).into());
        }
        Ok(Hop::Done(Response {
            url: url.clone(),
            status,
            not_modified: false,
            etag,
            last_modified,
            content_type,
            body,
        }))
    }
}

/// Reads the (already decompressed) body chunk by chunk, never holding more than `cap` bytes. The buffer
/// grows by doubling but never past `cap`, so a body at the cap costs `cap` bytes of heap, not twice that.
async fn read_body(
    resp: &mut reqwest::Response,
    url: &Url,
    opts: HopOptions,
) -> Result<Bytes, FetchError> {
    let cap = usize::try_from(opts.cap).unwrap_or(usize::MAX);
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let chunk = match tokio::time::timeout_at(opts.deadline, resp.chunk()).await {
            Err(_) => return Err(timeout(url, "total")),
            Ok(Err(e)) => {
                if is_timeout(&e) {
                    return Err(timeout(url, "read"));
                }
                return Err(FetchError::Body {
                    url: url.to_string(),
                    message: crate::model::error_chain(&e),
                });
            }
            Ok(Ok(None)) => return Ok(Bytes::from(buf)),
            Ok(Ok(Some(chunk))) => chunk,
        };
        if buf.len().saturating_add(chunk.len()) > cap {
            match opts.overflow {
                Overflow::Fail => {
                    return Err(FetchError::TooLarge {
                        url: url.to_string(),
                        limit: opts.cap,
                    })
                }
                Overflow::Truncate => {
                    let room = cap - buf.len();
                    buf.extend_from_slice(&chunk[..room]);
                    return Ok(Bytes::from(buf));
                }
            }
        }
        let needed = buf.len() + chunk.len();
        if needed > buf.capacity() {
            let want = buf
                .capacity()
                .saturating_mul(2)
                .clamp(needed, cap.max(needed));
            buf.reserve_exact(want - buf.len());
        }
        buf.extend_from_slice(&chunk);
    }
}

fn timeout(url: &Url, phase: &'static str) -> FetchError {
    FetchError::Timeout {
        url: url.to_string(),
        phase,
    }
}

fn not_html(url: &Url, content_type: Option<&str>) -> FetchError {
    FetchError::NotHtml {
        url: url.to_string(),
        content_type: content_type.unwrap_or("(none)").to_owned(),
    }
}

/// The `Accept` header sent for each kind of request.
fn accept_value(accept: Accept) -> &'static str {
    match accept {
        Accept::Html => "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1",
        Accept::Feed => {
            "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,\
             text/xml;q=0.9,application/json;q=0.8,*/*;q=0.1"
        }
        Accept::Any => "*/*",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ok,
    Sniff,
    Refuse,
}

/// Whether a content type fits what was asked for, before the body is read.
fn content_verdict(accept: Accept, content_type: Option<&str>) -> Verdict {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if accept == Accept::Any || mime.is_empty() {
        return Verdict::Ok;
    }
    if matches!(
        mime.as_str(),
        "application/octet-stream"
            | "binary/octet-stream"
            | "application/unknown"
            | "unknown/unknown"
    ) {
        return Verdict::Sniff;
    }
    let xml = mime.ends_with("/xml") || mime.ends_with("+xml");
    let ok = match accept {
        Accept::Html => mime.starts_with("text/") || xml,
        Accept::Feed => {
            mime.starts_with("text/")
                || xml
                || mime.ends_with("/json")
                || mime.ends_with("+json")
                || mime.contains("rss")
                || mime.contains("atom")
        }
        Accept::Any => true,
    };
    if ok {
        Verdict::Ok
    } else {
        Verdict::Refuse
    }
}

/// Whether a body of unknown type looks like markup (or, for feeds, JSON).
fn sniff_ok(accept: Accept, body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    if head.contains(&0) {
        return false;
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    let markup = head.first() == Some(&b'<')
        && head
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'!' || *b == b'?');
    match accept {
        Accept::Html => markup,
        Accept::Feed => markup || matches!(head.first(), Some(b'{' | b'[')),
        Accept::Any => true,
    }
}

fn is_timeout(e: &reqwest::Error) -> bool {
    if e.is_timeout() {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return true;
            }
        }
        source = s.source();
    }
    false
}

/// Maps an error from sending a request (before any header arrived) to a [`FetchError`].
fn map_send_error(url: &Url, e: &reqwest::Error) -> FetchError {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<net::Refused>() {
            return FetchError::PrivateAddress {
                url: url.to_string(),
                addr: refused.addr.to_string(),
            };
        }
        source = s.source();
    }
    let chain = crate::model::error_chain(e);
    if is_timeout(e) {
        return timeout(url, if e.is_connect() { "connect" } else { "headers" });
    }
    if let Some(at) = chain.rfind("dns error") {
        // The resolver's own words, without the URL and the layers that repeat it.
        let cause = chain[at + "dns error".len()..].trim_start_matches([':', ' ']);
        let cause = cause.rsplit(": ").next().unwrap_or(cause).trim();
        return FetchError::Dns {
            url: url.to_string(),
            message: if cause.is_empty() {
                "no address".to_owned()
            } else {
                cause.to_owned()
            },
        };
    }
    FetchError::Connect {
        url: url.to_string(),
        message: chain,
    }
}

/// `url` without its userinfo: reqwest turns `user:pass@` into `Authorization: Basic`, and unionwire never
/// sends credentials (a source URL or a redirect target that carries them is fetched without them).
fn without_credentials(url: &Url) -> Url {
    let mut bare = url.clone();
    // Both only fail for URLs that cannot have userinfo, which then have none to remove.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        use Verdict::{Ok, Refuse, Sniff};
        let cases = [
            (Accept::Html, Some("text/html; charset=gbk"), Ok),
            (Accept::Html, Some("application/xhtml+xml"), Ok),
            (Accept::Html, None, Ok),
            (Accept::Html, Some("application/pdf"), Refuse),
            (Accept::Html, Some("image/png"), Refuse),
            (Accept::Html, Some("application/zip"), Refuse),
            (Accept::Html, Some("application/octet-stream"), Sniff),
            (Accept::Feed, Some("application/rss+xml"), Ok),
            (Accept::Feed, Some("application/feed+json"), Ok),
            (Accept::Feed, Some("text/xml"), Ok),
            (Accept::Feed, Some("image/jpeg"), Refuse),
            (Accept::Any, Some("image/jpeg"), Ok),
        ];
        for (accept, ct, want) in cases {
            assert_eq!(content_verdict(accept, ct), want, "{accept:?} {ct:?}");
        }
        assert!(sniff_ok(Accept::Html, b"\n <!DOCTYPE html><html>"));
        assert!(!sniff_ok(Accept::Html, b"%PDF-1.4"));
        assert!(!sniff_ok(Accept::Html, b"PK\x03\x04\0\0"));
        assert!(sniff_ok(Accept::Feed, b"{\"version\":1}"));
    }

    #[test]
    fn default_config_comes_from_crawl_defaults() {
        let c = FetchConfig::default();
        let d = CrawlConfig::default();
        assert_eq!(c.timeout, d.timeout);
        assert_eq!(c.max_body_bytes, d.max_body_bytes);
        // The README's documented user agent: the bot's name and version, and a contact URL.
        assert_eq!(
            c.user_agent,
            format!(
                "unionwire/{} (+https://github.com/unionwire/unionwire)",
                env!("CARGO_PKG_VERSION")
            )
        );
        // Its product token is the one robots.txt groups are matched against.
        assert!(c.user_agent.starts_with(&format!("{ROBOTS_TOKEN}/")));
    }
}
