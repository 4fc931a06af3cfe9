//! `[server]`: the listen address and the HTTP server's limits.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use url::Url;

use super::parse_duration;

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on: `IP:PORT`, `HOST:PORT` (resolved once at start) or `:PORT` (every interface).
    #[serde(default = "default_listen", deserialize_with = "de_listen")]
    pub listen: SocketAddr,
    /// Public base URL of the server for self links (`atom:link rel=self`, OPML); derived from `Host` when empty.
    #[serde(default)]
    pub base_url: Option<Url>,
    /// Longest time one request may take.
    #[serde(
        default = "default_request_timeout",
        deserialize_with = "de_request_timeout"
    )]
    pub request_timeout: Duration,
    /// Most connections served at once.
    #[serde(
        default = "default_max_connections",
        deserialize_with = "de_max_connections"
    )]
    pub max_connections: usize,
    /// Time a client has to send a complete request head (also how long a keep-alive connection may
    /// wait for its next request).
    #[serde(
        default = "default_header_timeout",
        deserialize_with = "de_header_timeout"
    )]
    pub header_timeout: Duration,
    /// Time a connection may wait for the client with no byte moving either way.
    #[serde(default = "default_idle_timeout", deserialize_with = "de_idle_timeout")]
    pub idle_timeout: Duration,
    /// Time one write may stall because the client does not read.
    #[serde(
        default = "default_write_timeout",
        deserialize_with = "de_write_timeout"
    )]
    pub write_timeout: Duration,
    /// Largest request head (request line and headers) in bytes; larger heads get 431.
    #[serde(
        default = "default_max_head_bytes",
        deserialize_with = "de_max_head_bytes"
    )]
    pub max_head_bytes: usize,
    /// Largest request body in bytes; a larger declared body gets 413 before it is read.
    #[serde(
        default = "default_server_max_body_bytes",
        deserialize_with = "de_server_max_body_bytes"
    )]
    pub max_body_bytes: usize,
    /// Bearer token of the control API (`/api/…`). Without it the API answers only when `listen` is a
    /// loopback address; with it every API request must carry `Authorization: Bearer TOKEN`.
    #[serde(default, deserialize_with = "de_admin_token")]
    pub admin_token: Option<AdminToken>,
    /// How often the server reads the store's change counter (the generation) to see what other
    /// processes stored; its own process's writes, and on PostgreSQL a NOTIFY, wake it sooner.
    #[serde(default = "default_refresh", deserialize_with = "de_refresh")]
    pub refresh: Duration,
    /// Whether, on PostgreSQL, the server LISTENs for the changes writers announce (NOTIFY) to see them
    /// before the next `refresh`. Off behind a pooler or on a database without LISTEN.
    #[serde(default = "default_notify")]
    pub notify: bool,
}

/// Shortest `server.admin_token` accepted.
pub const ADMIN_TOKEN_MIN_CHARS: usize = 16;

/// The control API's bearer token. Its `Debug` form hides it, so it never reaches a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// A token from its text: at least [`ADMIN_TOKEN_MIN_CHARS`] printable ASCII characters (what an
    /// `Authorization` header can carry), no spaces.
    ///
    /// # Errors
    /// A message saying what is wrong, without the token.
    pub fn new(text: &str) -> Result<Self, String> {
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "must be printable ASCII without spaces (it is sent in an Authorization header)"
                    .to_owned(),
            );
        }
        if text.len() < ADMIN_TOKEN_MIN_CHARS {
            return Err(format!(
                "too short to guess-proof the control API: use at least {ADMIN_TOKEN_MIN_CHARS} \
                 characters, e.g. the output of `openssl rand -hex 24`"
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The token's text, for the one comparison and the one header that need it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<hidden>)")
    }
}

fn de_admin_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AdminToken>, D::Error> {
    let s = String::deserialize(d)?;
    AdminToken::new(&s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn de_listen<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let s = String::deserialize(d)?;
    parse_listen(&s).map_err(serde::de::Error::custom)
}

/// Parses a listen address: `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080` (the host name is resolved
/// now, and its first address is used) or `:8080` (every IPv4 interface, `0.0.0.0:8080`).
///
/// # Errors
/// A message saying what a listen address looks like, or that the host name does not resolve.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let t = s.trim();
    if let Ok(a) = t.parse::<SocketAddr>() {
        return Ok(a);
    }
    let hint = "write it as IP:PORT, HOST:PORT or :PORT, e.g. 127.0.0.1:8080 or localhost:8080";
    let Some((host, port)) = t.rsplit_once(':') else {
        return Err(format!("{s:?} has no port; {hint}"));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{s:?}: port {port:?} is not a number from 0 to 65535; {hint}"))?;
    if host.is_empty() {
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    if host.contains(char::is_whitespace) || host.contains('/') {
        return Err(format!("{s:?}: {host:?} is not a host name; {hint}"));
    }
    let mut addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{s:?}: cannot resolve host {host:?} ({e})"))?;
    addrs
        .next()
        .ok_or_else(|| format!("{s:?}: host {host:?} has no address"))
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_request_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_max_connections() -> usize {
    1024
}
fn default_header_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_idle_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_write_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_max_head_bytes() -> usize {
    64 * 1024
}
fn default_server_max_body_bytes() -> usize {
    16 * 1024
}
fn default_refresh() -> Duration {
    Duration::from_secs(5)
}
fn default_notify() -> bool {
    true
}

/// Shortest server timeout accepted: below it ordinary clients on a slow link would be cut off.
const SERVER_TIMEOUT_MIN: Duration = Duration::from_millis(100);
/// Longest server timeout accepted: beyond it a timeout no longer protects against slow clients.
const SERVER_TIMEOUT_MAX: Duration = Duration::from_secs(60 * 60);
/// Most connections `server.max_connections` may allow (far above any file-descriptor limit in use).
const SERVER_MAX_CONNECTIONS: usize = 1_000_000;
/// Smallest `server.max_head_bytes`: hyper cannot read a head into less than 8 KiB.
pub(crate) const SERVER_HEAD_BYTES_MIN: usize = 8 * 1024;
/// Largest `server.max_head_bytes`.
const SERVER_HEAD_BYTES_MAX: usize = 1024 * 1024;
/// Largest `server.max_body_bytes` (the server only answers GET and HEAD; bodies are never read).
const SERVER_BODY_BYTES_MAX: usize = 16 * 1024 * 1024;

/// A server timeout, refused (naming `key`) outside 100 ms ..= 1 h.
fn server_timeout<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)
        .map_err(|e| serde::de::Error::custom(format!("{key}: {e}; write e.g. \"10s\"")))?;
    let t = parse_duration(&s).map_err(|m| serde::de::Error::custom(format!("{key}: {m}")))?;
    if (SERVER_TIMEOUT_MIN..=SERVER_TIMEOUT_MAX).contains(&t) {
        Ok(t)
    } else {
        Err(serde::de::Error::custom(format!(
            "{key}: {s:?} is out of range; it must be between \"100ms\" and \"1h\""
        )))
    }
}

/// A server size or count, refused (naming `key`, `unit`) outside `min ..= max`.
fn server_count<'de, D: Deserializer<'de>>(
    d: D,
    key: &str,
    unit: &str,
    min: usize,
    max: usize,
) -> Result<usize, D::Error> {
    let n = i64::deserialize(d)
        .map_err(|e| serde::de::Error::custom(format!("{key}: {e}; write a whole number")))?;
    match usize::try_from(n) {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(serde::de::Error::custom(format!(
            "{key}: {n} is out of range; it must be between {min} and {max}{unit}"
        ))),
    }
}

fn de_request_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    server_timeout(d, "server.request_timeout")
}
fn de_refresh<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    server_timeout(d, "server.refresh")
}
fn de_header_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    server_timeout(d, "server.header_timeout")
}
fn de_idle_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    server_timeout(d, "server.idle_timeout")
}
fn de_write_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    server_timeout(d, "server.write_timeout")
}
fn de_max_connections<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    server_count(d, "server.max_connections", "", 1, SERVER_MAX_CONNECTIONS)
}
fn de_max_head_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    server_count(
        d,
        "server.max_head_bytes",
        " bytes",
        SERVER_HEAD_BYTES_MIN,
        SERVER_HEAD_BYTES_MAX,
    )
}
fn de_server_max_body_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    server_count(
        d,
        "server.max_body_bytes",
        " bytes",
        1,
        SERVER_BODY_BYTES_MAX,
    )
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            base_url: None,
            request_timeout: default_request_timeout(),
            max_connections: default_max_connections(),
            header_timeout: default_header_timeout(),
            idle_timeout: default_idle_timeout(),
            write_timeout: default_write_timeout(),
            max_head_bytes: default_max_head_bytes(),
            max_body_bytes: default_server_max_body_bytes(),
            admin_token: None,
            refresh: default_refresh(),
            notify: default_notify(),
        }
    }
}
