//! Process metrics in the Prometheus text format: the crawl counters the crawler increments, HTTP
//! requests by route and status, the feed render-time histogram, and per-source health. One
//! [`Metrics`] is created at start-up and handed to the crawler and the server (no globals).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::model::SourceId;
use crate::model::{SourceState, SourceStatus};

/// Upper bounds (seconds) of the feed render-time histogram buckets; `+Inf` is implied.
pub(crate) const RENDER_BUCKETS: [f64; 8] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];

/// The process's counters. Every field is safe to update from any thread.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Pages (listings, feeds, articles) fetched with a 2xx answer.
    pub pages_fetched: AtomicU64,
    /// Conditional fetches answered 304 Not Modified.
    pub not_modified: AtomicU64,
    /// 304 answers for an article the store lacks (its fetch state outlived it), fetched again unconditionally.
    pub conditional_misses: AtomicU64,
    /// Fetches that failed (network, status, size, decoding, no text), by (source, kind).
    fetch_errors: Mutex<BTreeMap<(String, &'static str), u64>>,
    /// Articles stored for the first time.
    pub articles_new: AtomicU64,
    /// Stored articles whose content changed.
    pub articles_updated: AtomicU64,
    /// Stories founded.
    pub stories_new: AtomicU64,
    /// Crawl runs of a source completed (successful or not).
    pub crawl_runs: AtomicU64,
    /// HTTP requests served, by (route, status).
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// Feed renders (cache misses), per histogram bucket (the last one is `+Inf`).
    render_buckets: [AtomicU64; RENDER_BUCKETS.len() + 1],
    /// Sum of render times in microseconds.
    render_micros: AtomicU64,
    /// Feed responses served from the render cache.
    pub feed_cache_hits: AtomicU64,
    /// Source leases this process holds now (a gauge).
    pub leases_held: AtomicU64,
    /// Source leases claimed.
    pub lease_claims: AtomicU64,
    /// Source leases claimed that had expired in another owner's hands (a crawler that died or stalled).
    pub lease_takeovers: AtomicU64,
}

impl Metrics {
    /// Fresh counters, all zero.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one source lease claimed; `taken_over` when it had expired in another owner's hands.
    pub fn count_lease_claim(&self, taken_over: bool) {
        self.lease_claims.fetch_add(1, Ordering::Relaxed);
        if taken_over {
            self.lease_takeovers.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one failed fetch of `source`, of `kind` (`dns`, `http 5xx`, … as the crawl names them).
    pub fn count_fetch_error(&self, source: &str, kind: &'static str) {
        let mut map = self
            .fetch_errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry((source.to_owned(), kind)).or_insert(0) += 1;
    }

    /// Failed fetches counted so far, over every source and kind.
    #[must_use]
    pub fn fetch_errors_total(&self) -> u64 {
        self.fetch_errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .sum()
    }

    /// Counts one HTTP request on `route` (a fixed label such as `feed`, `opml`, `index`) answered with `status`.
    pub fn record_request(&self, route: &'static str, status: u16) {
        let mut map = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry((route, status)).or_insert(0) += 1;
    }

    /// The number of requests counted for `route` and `status`.
    #[must_use]
    pub fn requests(&self, route: &'static str, status: u16) -> u64 {
        let map = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&(route, status)).copied().unwrap_or(0)
    }

    /// Records how long one feed render took.
    pub fn record_render(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let idx = RENDER_BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(RENDER_BUCKETS.len());
        self.render_buckets[idx].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.render_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// How many feed renders were recorded.
    #[must_use]
    pub fn renders(&self) -> u64 {
        self.render_buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .sum()
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4), with one health line
    /// per source from `health`.
    #[must_use]
    pub fn render_prometheus(&self, health: &[(SourceId, SourceState)]) -> String {
        let mut out = String::with_capacity(4096);
        let counters: [(&str, &str, &AtomicU64); 10] = [
            (
                "unionwire_pages_fetched_total",
                "Pages fetched with a 2xx answer.",
                &self.pages_fetched,
            ),
            (
                "unionwire_not_modified_total",
                "Conditional fetches answered 304.",
                &self.not_modified,
            ),
            (
                "unionwire_conditional_misses_total",
                "304 answers for an article the store lacks, fetched again unconditionally.",
                &self.conditional_misses,
            ),
            (
                "unionwire_articles_new_total",
                "Articles stored for the first time.",
                &self.articles_new,
            ),
            (
                "unionwire_articles_updated_total",
                "Stored articles whose content changed.",
                &self.articles_updated,
            ),
            (
                "unionwire_stories_new_total",
                "Stories founded.",
                &self.stories_new,
            ),
            (
                "unionwire_crawl_runs_total",
                "Source crawl runs completed.",
                &self.crawl_runs,
            ),
            (
                "unionwire_feed_cache_hits_total",
                "Feed responses served from the render cache.",
                &self.feed_cache_hits,
            ),
            (
                "unionwire_lease_claims_total",
                "Source leases claimed by this process.",
                &self.lease_claims,
            ),
            (
                "unionwire_lease_takeovers_total",
                "Source leases claimed after they expired in another crawler's hands.",
                &self.lease_takeovers,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP unionwire_leases_held Source leases this process holds now.\n# TYPE unionwire_leases_held gauge\nunionwire_leases_held {}",
            self.leases_held.load(Ordering::Relaxed)
        );

        let _ = writeln!(
            out,
            "# HELP unionwire_fetch_errors_total Fetches that failed, by source and kind (dns, connect, timeout, http 5xx, http 4xx, blocked, robots, parse, empty, other).\n# TYPE unionwire_fetch_errors_total counter"
        );
        {
            let map = self
                .fetch_errors
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((source, kind), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "unionwire_fetch_errors_total{{source=\"{}\",kind=\"{kind}\"}} {n}",
                    label(source)
                );
            }
        }

        let _ = writeln!(
            out,
            "# HELP unionwire_http_requests_total HTTP requests served, by route and status.\n# TYPE unionwire_http_requests_total counter"
        );
        {
            let map = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "unionwire_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }

        let name = "unionwire_feed_render_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to render a feed on a cache miss.\n# TYPE {name} histogram"
        );
        let mut cumulative = 0u64;
        for (i, bound) in RENDER_BUCKETS.iter().enumerate() {
            cumulative += self.render_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.render_buckets[RENDER_BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        #[allow(clippy::cast_precision_loss)] // microsecond sums stay far below 2^52
        let sum = self.render_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {cumulative}");

        write_health(&mut out, health);
        out
    }
}

/// Escapes a Prometheus label value (backslash, double quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A per-source gauge: name, help text, and how to read it from a source's state.
type Gauge = (&'static str, &'static str, fn(&SourceState) -> Option<f64>);

fn write_health(out: &mut String, health: &[(SourceId, SourceState)]) {
    let gauges: [Gauge; 5] = [
        (
            "unionwire_source_up",
            "1 when the source's last run succeeded, 0 when it failed (no sample before its first run).",
            |s| s.last_run.map(|_| if s.consecutive_failures == 0 { 1.0 } else { 0.0 }),
        ),
        (
            "unionwire_source_healthy",
            "1 when the source's status is healthy (not degraded, failing or never run).",
            |s| Some(if source_healthy(s) { 1.0 } else { 0.0 }),
        ),
        (
            "unionwire_source_consecutive_failures",
            "Crawl runs in a row that failed or found nothing new.",
            |s| Some(f64::from(source_failures(s))),
        ),
        (
            "unionwire_source_last_success_timestamp_seconds",
            "When the source was last crawled successfully (Unix seconds).",
            |s| source_last_success(s).map(|t| t.as_second() as f64),
        ),
        (
            "unionwire_source_articles_total",
            "Articles stored from the source.",
            |s| source_articles(s).map(|n| n as f64),
        ),
    ];
    for (name, help, get) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (id, state) in health {
            if let Some(v) = get(state) {
                let _ = writeln!(out, "{name}{{source=\"{}\"}} {v}", label(id.as_str()));
            }
        }
    }
}

fn source_healthy(s: &SourceState) -> bool {
    s.status() == SourceStatus::Healthy
}
fn source_failures(s: &SourceState) -> u32 {
    s.consecutive_failures
}
fn source_last_success(s: &SourceState) -> Option<jiff::Timestamp> {
    s.last_success
}
fn source_articles(s: &SourceState) -> Option<u64> {
    Some(s.articles_total)
}

/// The store's connection pool, as `/metrics` reports it (PostgreSQL; deadpool's status).
#[derive(Debug, Clone, Copy)]
pub struct PoolGauges {
    /// Most connections the pool opens.
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Idle connections.
    pub available: usize,
    /// Operations waiting for a connection.
    pub waiting: usize,
}

/// Appends the store's connection-pool gauges to `out`.
pub fn render_pool(out: &mut String, pool: &PoolGauges) {
    let gauges: [(&str, &str, usize); 4] = [
        (
            "unionwire_store_pool_max_size",
            "Most connections the store's pool opens.",
            pool.max_size,
        ),
        (
            "unionwire_store_pool_size",
            "Connections the store's pool holds open (in use or idle).",
            pool.size,
        ),
        (
            "unionwire_store_pool_available",
            "Idle connections in the store's pool, ready to use.",
            pool.available,
        ),
        (
            "unionwire_store_pool_waiting",
            "Store operations waiting for a connection.",
            pool.waiting,
        ),
    ];
    for (name, help, v) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
    }
}
