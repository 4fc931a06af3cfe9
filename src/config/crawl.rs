//! `[crawl]`: the crawler, its politeness and its timeouts.

use std::time::Duration;

use serde::Deserialize;

use super::values::{de_duration, default_true};

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
    /// How long a crawler's lease on a source lasts without renewal: renewed every third of it while the
    /// crawl runs, released when it ends; a crashed crawler's sources are taken over after this long.
    #[serde(default = "default_lease_ttl", deserialize_with = "de_duration")]
    pub lease_ttl: Duration,
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
fn default_lease_ttl() -> Duration {
    Duration::from_secs(60)
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
            lease_ttl: default_lease_ttl(),
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
