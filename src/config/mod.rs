//! The one typed [`Config`]: `config/default.toml` embedded in the binary, then a user file
//! (`--config FILE` or `UNIONWIRE_CONFIG`), then `UNIONWIRE_…` environment overrides, then CLI flags.
//! It is validated once at start-up; unknown keys are rejected and errors name the file, line and key.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use url::Url;

use crate::model::SourceId;

mod locate;
use locate::Seg;

/// The embedded default configuration (the real union sources and safe defaults).
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// The environment variable naming a user config file.
pub const CONFIG_ENV: &str = "UNIONWIRE_CONFIG";

/// A configuration error, with where it happened.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The TOML did not parse or did not match the schema.
    #[error("{origin}:{line}: {message}")]
    Parse {
        /// File name, or `<embedded default>`.
        origin: String,
        /// 1-based line, 0 when unknown.
        line: usize,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A value parsed but is not acceptable.
    #[error("{origin}{}: {key}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// File name, environment variable or flag.
        origin: String,
        /// 1-based line in the file, `None` for an environment variable or a flag.
        line: Option<usize>,
        /// The key (dotted path, e.g. `sources[2] (acftu).every`).
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store lives.
    #[serde(default)]
    pub store: StoreConfig,
    /// The HTTP server.
    #[serde(default)]
    pub server: ServerConfig,
    /// The crawler and its politeness.
    #[serde(default)]
    pub crawl: CrawlConfig,
    /// What the published feeds look like.
    #[serde(default)]
    pub feeds: FeedsConfig,
    /// The sources to crawl.
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// The document it was read from, kept so that checks made after loading still name the line.
    #[serde(skip)]
    document: Document,
}

/// Where a configuration came from: its name in errors and, for a file, its text.
#[derive(Clone, Default)]
struct Document {
    origin: String,
    text: Option<std::sync::Arc<str>>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.origin)
    }
}

impl Document {
    /// An [`ConfigError::Invalid`] for the key at `path`, shown as `key`, with its line when the
    /// document has it.
    fn invalid(&self, key: String, path: &[Seg<'_>], message: String) -> ConfigError {
        ConfigError::Invalid {
            origin: self.origin.clone(),
            line: self.text.as_deref().and_then(|t| locate::line_of(t, path)),
            key,
            message,
        }
    }
}

/// `[store]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Directory of the sled store (default: `$XDG_DATA_HOME/unionwire/store`, else
    /// `~/.local/share/unionwire/store`).
    #[serde(default = "default_store_path")]
    pub path: PathBuf,
}

/// The store's default place: `$XDG_DATA_HOME/unionwire/store`, else `~/.local/share/unionwire/store`
/// (the XDG base directory rule), so that it does not depend on the directory a command runs in. Empty
/// when neither variable is set; validation then asks for `[store] path`.
fn default_store_path() -> PathBuf {
    let xdg = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|h| h.join(".local/share"))
    };
    xdg.or_else(home)
        .map(|d| d.join("unionwire/store"))
        .unwrap_or_default()
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: default_store_path(),
        }
    }
}

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
        }
    }
}

/// `[crawl]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlConfig {
    /// Minimum time between two request starts to one host (robots.txt included).
    #[serde(default = "default_per_host_delay", deserialize_with = "de_duration")]
    pub per_host_delay: Duration,
    /// Largest `Crawl-delay` from robots.txt that is honoured.
    #[serde(default = "default_max_crawl_delay", deserialize_with = "de_duration")]
    pub max_crawl_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one puts the host on hold for this long.
    #[serde(default = "default_max_retry_after", deserialize_with = "de_duration")]
    pub max_retry_after: Duration,
    /// Most fetches in flight over all hosts.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Most sources crawled at once.
    #[serde(default = "default_source_concurrency")]
    pub source_concurrency: usize,
    /// The user agent; `{version}` is replaced by the program version.
    #[serde(default = "default_user_agent")]
    pub user_agent: String,
    /// TCP connect timeout.
    #[serde(default = "default_connect_timeout", deserialize_with = "de_duration")]
    pub connect_timeout: Duration,
    /// Longest silence while reading a response.
    #[serde(default = "default_read_timeout", deserialize_with = "de_duration")]
    pub read_timeout: Duration,
    /// Longest time for a whole request, body included.
    #[serde(default = "default_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    /// Largest decoded body accepted, in bytes.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: u64,
    /// Most redirects followed.
    #[serde(default = "default_max_redirects")]
    pub max_redirects: usize,
    /// Retries after a timeout, 408, 429 or 5xx.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Obey robots.txt (turning this off is for your own sites only).
    #[serde(default = "default_true")]
    pub obey_robots: bool,
    /// How long a fetched robots.txt is trusted.
    #[serde(default = "default_robots_ttl", deserialize_with = "de_duration")]
    pub robots_ttl: Duration,
    /// Stored articles are re-fetched after this long (0 = never).
    #[serde(default = "default_recheck_after", deserialize_with = "de_duration")]
    pub recheck_after: Duration,
    /// Failed runs in a row after which a source that has worked is `failing` (before that it is
    /// `degraded`; a source that never worked is `failing` from its first failure). Runs in a row that
    /// find nothing also make a source `degraded` after this many.
    #[serde(default = "default_failing_after", alias = "unhealthy_after")]
    pub failing_after: u32,
    /// Fraction of `every` added at random to each schedule (0.0–1.0).
    #[serde(default = "default_jitter")]
    pub jitter: f64,
    /// Most article pages fetched from one source in one run.
    #[serde(default = "default_max_articles_per_run")]
    pub max_articles_per_run: usize,
    /// Allow fetching private and loopback addresses found in content (tests and intranets only).
    #[serde(default)]
    pub allow_private_addresses: bool,
}

fn default_per_host_delay() -> Duration {
    Duration::from_secs(1)
}
fn default_max_crawl_delay() -> Duration {
    Duration::from_secs(30)
}
fn default_max_retry_after() -> Duration {
    Duration::from_secs(3600)
}
fn default_concurrency() -> usize {
    32
}
fn default_source_concurrency() -> usize {
    8
}
fn default_user_agent() -> String {
    "unionwire/{version} (+https://github.com/unionwire/unionwire)".to_owned()
}
fn default_connect_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_read_timeout() -> Duration {
    Duration::from_secs(15)
}
fn default_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_max_body_bytes() -> u64 {
    10 * 1024 * 1024
}
fn default_max_redirects() -> usize {
    10
}
fn default_retries() -> u32 {
    2
}
fn default_true() -> bool {
    true
}
fn default_robots_ttl() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_recheck_after() -> Duration {
    Duration::from_secs(0)
}
fn default_failing_after() -> u32 {
    3
}
fn default_jitter() -> f64 {
    0.1
}
fn default_max_articles_per_run() -> usize {
    200
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            per_host_delay: default_per_host_delay(),
            max_crawl_delay: default_max_crawl_delay(),
            max_retry_after: default_max_retry_after(),
            concurrency: default_concurrency(),
            source_concurrency: default_source_concurrency(),
            user_agent: default_user_agent(),
            connect_timeout: default_connect_timeout(),
            read_timeout: default_read_timeout(),
            timeout: default_timeout(),
            max_body_bytes: default_max_body_bytes(),
            max_redirects: default_max_redirects(),
            retries: default_retries(),
            obey_robots: true,
            robots_ttl: default_robots_ttl(),
            recheck_after: default_recheck_after(),
            failing_after: default_failing_after(),
            jitter: default_jitter(),
            max_articles_per_run: default_max_articles_per_run(),
            allow_private_addresses: false,
        }
    }
}

impl CrawlConfig {
    /// The user agent with `{version}` filled in.
    #[must_use]
    pub fn user_agent(&self) -> String {
        self.user_agent
            .replace("{version}", env!("CARGO_PKG_VERSION"))
    }
}

/// `[feeds]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsConfig {
    /// Title of the all-stories feed.
    #[serde(default = "default_feed_title")]
    pub title: String,
    /// Description of the all-stories feed.
    #[serde(default = "default_feed_description")]
    pub description: String,
    /// Items per feed when `limit` is not given.
    #[serde(default = "default_limit")]
    pub default_limit: usize,
    /// Largest `limit` accepted.
    #[serde(default = "default_max_limit")]
    pub max_limit: usize,
}

fn default_feed_title() -> String {
    "unionwire · 工会新闻".to_owned()
}
fn default_feed_description() -> String {
    "中国工会新闻，去重、清洗后的全文聚合 (Chinese trade-union news, deduplicated and cleaned)"
        .to_owned()
}
fn default_limit() -> usize {
    50
}
fn default_max_limit() -> usize {
    500
}

impl Default for FeedsConfig {
    fn default() -> Self {
        Self {
            title: default_feed_title(),
            description: default_feed_description(),
            default_limit: default_limit(),
            max_limit: default_max_limit(),
        }
    }
}

/// What kind of thing a source URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// HTML index pages whose links (chosen by `links`) are articles.
    Listing,
    /// An RSS, Atom or JSON feed read with feed-rs.
    Feed,
    /// A Hanweb JCMS column: items embedded as XML in the page, further pages from `dataproxy.jsp`.
    Hanweb,
    /// The 工人日报 e-paper: one issue a day, its pages and their articles.
    Epaper,
}

impl SourceKind {
    /// The kind's name as written in the config.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Feed => "feed",
            Self::Hanweb => "hanweb",
            Self::Epaper => "epaper",
        }
    }
}

/// One `[[sources]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// `[a-z0-9-]+`, used in feed URLs.
    pub id: SourceId,
    /// Human name.
    pub name: String,
    /// What the URL is.
    pub kind: SourceKind,
    /// The listing, feed, column or e-paper root URL.
    pub url: Url,
    /// Listing: CSS selector of article links.
    #[serde(default)]
    pub links: Option<String>,
    /// Regex that resolved article URLs must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// How often the source is due.
    #[serde(default = "default_every", deserialize_with = "de_duration")]
    pub every: Duration,
    /// Listing pages followed (1 = only the first).
    #[serde(default = "default_pages")]
    pub pages: u32,
    /// Feed: fetch and extract the article page when an entry carries only a summary.
    #[serde(default)]
    pub fulltext: bool,
    /// Site profile to use for its articles (default: chosen by URL).
    #[serde(default)]
    pub profile: Option<String>,
    /// Groups for `/feeds/tag/{tag}` (region, level…).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Higher wins when two sources publish a story at the same time.
    #[serde(default)]
    pub priority: i32,
    /// `false` keeps the source configured but never crawled.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_every() -> Duration {
    Duration::from_secs(30 * 60)
}
fn default_pages() -> u32 {
    1
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).map_err(serde::de::Error::custom)
}

/// Parses `"1s"`, `"30m"`, `"1h 30m"`, `"250ms"`, `"0"`.
///
/// # Errors
/// A message saying what a duration looks like.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("invalid duration {s:?} ({e}); write e.g. \"1s\", \"30m\", \"6h\""))
}

/// Overrides that come from the command line (`None` = not given, so lower layers win).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--store`
    pub store_path: Option<PathBuf>,
    /// `--listen`
    pub listen: Option<SocketAddr>,
    /// `--delay`
    pub per_host_delay: Option<Duration>,
}

impl Config {
    /// The embedded default alone.
    ///
    /// # Errors
    /// Only if the embedded file is broken (a build defect, caught by tests).
    pub fn embedded() -> Result<Self, ConfigError> {
        Self::from_toml(DEFAULT_TOML, "<embedded default>")
    }

    /// Parses and validates one TOML document. `origin` names it in errors.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] with the line and key, or [`ConfigError::Invalid`].
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let mut cfg: Self = toml::from_str(text).map_err(|e| {
            let span = e.span();
            let line = span.clone().map_or(0, |s| locate::line_at(text, s.start));
            let message = e.message().trim().to_owned();
            // The parser names the key for unknown and missing fields; for a wrong type or a bad value
            // it names only the value, so say whose value it is.
            let message = match span.and_then(|s| locate::key_at(text, s)) {
                Some(key) if !message.contains(&format!("`{key}`")) => format!("{key}: {message}"),
                _ => message,
            };
            ConfigError::Parse {
                origin: origin.to_owned(),
                line,
                message,
            }
        })?;
        cfg.document = Document {
            origin: origin.to_owned(),
            text: Some(text.into()),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Loads the layered configuration: the user file (`path`, else `$UNIONWIRE_CONFIG`, else the
    /// embedded default), then `UNIONWIRE_STORE_PATH`, `UNIONWIRE_LISTEN`, `UNIONWIRE_PER_HOST_DELAY`, then `overrides`.
    ///
    /// A user file replaces the embedded default as a whole document; keys it leaves out take their
    /// built-in defaults, and `[[sources]]` come only from it.
    ///
    /// # Errors
    /// Any [`ConfigError`], naming where.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let env_path = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
        let chosen = path.map(Path::to_path_buf).or(env_path);
        let mut cfg = match chosen {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?;
                Self::from_toml(&text, &p.display().to_string())?
            }
            None => Self::embedded()?,
        };
        if let Some(v) = std::env::var_os("UNIONWIRE_STORE_PATH") {
            cfg.store.path = PathBuf::from(v);
        }
        if let Ok(v) = std::env::var("UNIONWIRE_LISTEN") {
            cfg.server.listen = parse_listen(&v).map_err(|message| ConfigError::Invalid {
                origin: "UNIONWIRE_LISTEN".into(),
                line: None,
                key: "server.listen".into(),
                message,
            })?;
        }
        if let Ok(v) = std::env::var("UNIONWIRE_PER_HOST_DELAY") {
            cfg.crawl.per_host_delay =
                parse_duration(&v).map_err(|message| ConfigError::Invalid {
                    origin: "UNIONWIRE_PER_HOST_DELAY".into(),
                    line: None,
                    key: "crawl.per_host_delay".into(),
                    message,
                })?;
        }
        if let Some(p) = &overrides.store_path {
            cfg.store.path.clone_from(p);
        }
        if let Some(l) = overrides.listen {
            cfg.server.listen = l;
        }
        if let Some(d) = overrides.per_host_delay {
            cfg.crawl.per_host_delay = d;
        }
        if cfg.store.path.as_os_str().is_empty() {
            return Err(cfg.document.invalid(
                "store.path".into(),
                &[Seg::Key("store"), Seg::Key("path")],
                "no store directory: set [store] path, --store or UNIONWIRE_STORE_PATH, or HOME or \
                 XDG_DATA_HOME for the default"
                    .into(),
            ));
        }
        Ok(cfg)
    }

    /// The source with this id.
    #[must_use]
    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id.as_str() == id)
    }

    /// Every tag used by a source, sorted.
    #[must_use]
    pub fn tags(&self) -> BTreeSet<&str> {
        self.sources
            .iter()
            .flat_map(|s| s.tags.iter().map(String::as_str))
            .collect()
    }

    /// Checks that every `sources[].profile` names one of `known` (the site profiles the binary has).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the file, line and key, and the profiles there are.
    pub fn check_profiles(&self, known: &[&str]) -> Result<(), ConfigError> {
        for (i, s) in self.sources.iter().enumerate() {
            if let Some(p) = &s.profile {
                if !known.contains(&p.as_str()) {
                    return Err(self.document.invalid(
                        format!("sources[{i}] ({}).profile", s.id),
                        &[Seg::Key("sources"), Seg::Index(i), Seg::Key("profile")],
                        format!(
                            "no site profile is named {p:?}; there are: {}",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let doc = &self.document;
        let top = |section: &'static str, key: &'static str, message: &str| {
            doc.invalid(
                format!("{section}.{key}"),
                &[Seg::Key(section), Seg::Key(key)],
                message.to_owned(),
            )
        };
        if self.crawl.concurrency == 0 {
            return Err(top("crawl", "concurrency", "must be at least 1"));
        }
        if self.crawl.source_concurrency == 0 {
            return Err(top("crawl", "source_concurrency", "must be at least 1"));
        }
        if !(0.0..=1.0).contains(&self.crawl.jitter) {
            return Err(top("crawl", "jitter", "must be between 0.0 and 1.0"));
        }
        if self.crawl.max_body_bytes < 1024 {
            return Err(top("crawl", "max_body_bytes", "must be at least 1024"));
        }
        if self.crawl.timeout.is_zero() {
            return Err(top("crawl", "timeout", "must be above zero"));
        }
        if self.crawl.read_timeout.is_zero() {
            return Err(top("crawl", "read_timeout", "must be above zero"));
        }
        if self.feeds.default_limit == 0 || self.feeds.default_limit > self.feeds.max_limit {
            return Err(top(
                "feeds",
                "default_limit",
                &format!(
                    "must be between 1 and feeds.max_limit ({})",
                    self.feeds.max_limit
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            let bad = |k: &'static str, message: String| {
                doc.invalid(
                    format!("sources[{i}] ({}).{k}", s.id),
                    &[Seg::Key("sources"), Seg::Index(i), Seg::Key(k)],
                    message,
                )
            };
            if !seen.insert(s.id.as_str()) {
                return Err(bad("id", "duplicate source id".into()));
            }
            if !matches!(s.url.scheme(), "http" | "https") {
                return Err(bad(
                    "url",
                    format!(
                        "the {} scheme is not supported; only http and https URLs can be crawled",
                        s.url.scheme()
                    ),
                ));
            }
            if s.every < Duration::from_secs(60) {
                return Err(bad("every", "must be at least 1m, to be polite".into()));
            }
            if s.pages == 0 {
                return Err(bad("pages", "must be at least 1".into()));
            }
            match (&s.kind, &s.links) {
                (SourceKind::Listing, None) => {
                    return Err(bad("links", "a listing source needs a CSS selector".into()));
                }
                (_, Some(sel)) => {
                    if let Err(e) = scraper::Selector::parse(sel) {
                        return Err(bad(
                            "links",
                            format!("invalid CSS selector {sel:?}: {}", selector_error_words(&e)),
                        ));
                    }
                }
                _ => {}
            }
            if let Some(p) = &s.pattern {
                if let Err(e) = regex::Regex::new(p) {
                    return Err(bad(
                        "pattern",
                        format!("invalid regex {p:?}: {}", regex_error_words(&e)),
                    ));
                }
            }
            for t in &s.tags {
                if SourceId::new(t.clone()).is_err() {
                    return Err(bad("tags", format!("tag {t:?} must be [a-z0-9-]+")));
                }
            }
        }
        Ok(())
    }
}

/// What is wrong with a CSS selector, in words (scraper's own text for most selector mistakes is
/// "Unexpected error occurred. Please report this to the developer" and an enum name).
#[must_use]
pub fn selector_error_words(e: &scraper::error::SelectorErrorKind) -> String {
    use scraper::error::SelectorErrorKind as K;
    use selectors::parser::SelectorParseErrorKind as P;
    let words = match e {
        K::UnexpectedToken => "a character or token is out of place",
        K::EndOfLine => "it ends too early (an unclosed bracket, quote or parenthesis?)",
        K::InvalidAtRule | K::InvalidAtRuleBody => "@-rules are not selectors",
        K::QualRuleInvalid => "it is not a valid selector",
        K::TooManyNestedBlocks => "it nests too deeply",
        K::ExpectedColonOnPseudoElement => "a pseudo-element needs `::`",
        K::ExpectedIdentityOnPseudoElement => "a pseudo-element needs a name after `::`",
        K::UnexpectedSelectorParseError(p) => match p {
            P::NoQualifiedNameInAttributeSelector | P::InvalidQualNameInAttr => {
                "an attribute selector needs an attribute name, as in `a[href]`"
            }
            P::EmptySelector => "it is empty",
            P::DanglingCombinator => "a combinator (`>`, `+`, `~`) has nothing after it",
            P::UnexpectedTokenInAttributeSelector | P::BadValueInAttr | P::ExpectedBarInAttr => {
                "an attribute selector is malformed; write `[name]`, `[name=value]` or `[name^=\"value\"]`"
            }
            P::NoIdentForPseudo | P::UnsupportedPseudoClassOrElement => {
                "it uses a pseudo-class or pseudo-element that is not supported"
            }
            P::ClassNeedsIdent => "a `.` must be followed by a class name",
            P::ExpectedNamespace | P::ExplicitNamespaceUnexpectedToken => {
                "namespaces are not supported"
            }
            _ => "it is not a selector this crawler can use",
        },
    };
    words.to_owned()
}

/// A regex error on one line: the parser's own message, without its multi-line caret drawing.
fn regex_error_words(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(
            || text.lines().last().unwrap_or("").trim().to_owned(),
            str::to_owned,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses() {
        let cfg = Config::embedded().unwrap();
        assert!(cfg.sources.len() >= 5);
        assert_eq!(cfg.crawl.per_host_delay, Duration::from_secs(1));
    }

    #[test]
    fn unknown_keys_name_the_line_and_key() {
        let err = Config::from_toml("[crawl]\nper_host_delay = \"1s\"\nspeed = 3\n", "x.toml")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("x.toml:3:"), "{msg}");
        assert!(msg.contains("speed"), "{msg}");
    }

    #[test]
    fn bad_durations_are_reported() {
        let err = Config::from_toml("[crawl]\nper_host_delay = \"soon\"\n", "x.toml").unwrap_err();
        assert!(err.to_string().contains("x.toml:2"), "{err}");
        assert!(err.to_string().contains("duration"), "{err}");
    }

    #[test]
    fn bad_source_values_name_the_source() {
        let text = "[[sources]]\nid = \"a\"\nname = \"A\"\nkind = \"listing\"\nurl = \"http://a.example/\"\nlinks = \"li a[\"\n";
        let err = Config::from_toml(text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("sources[0] (a).links"), "{err}");
    }
}
