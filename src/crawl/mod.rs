//! The crawl engine: for each source, discover article links (`discover`: listing pages, feeds, Hanweb
//! columns, the e-paper), fetch the articles politely through [`crate::fetch::Fetcher::get_polite`] (`article`),
//! assemble each from its pages ([`assemble`]: decode, extract and clean, on the CPU threads), fingerprint it
//! ([`crate::dedup::fingerprint_article`]), and hand flushed batches to the one store writer thread
//! (`writer`), which also records the source's health (`health`). `scheduler` decides when each source
//! is due. Every fetch waits on the run's cancellation token. Store reads from async code run on the
//! blocking pool (`Crawler::read_store`); nothing decodes or parses on the reactor.
//!
//! Crash consistency (DESIGN decision 9): every fetch-state write goes through the one store writer thread.
//! An article page's validators ride in the atomic write that stores its article
//! ([`crate::store::Incoming::with_fetch_state`]); states that describe no new article (a failure, a stored
//! article still current) follow in the writer's job; an index page's validators are saved by a writer job
//! queued after the source's last article batch, and only if every link the page stands for is stored by
//! then. A 304 for an article the store lacks is a conditional miss: fetched again unconditionally and
//! counted (`conditional_misses`, `unionwire_conditional_misses_total`).
//!
//! Crawlers sharing a store: the scheduler leases sources through the store (`Crawler::claim_due`,
//! `Crawler::crawl_claimed`), and on a store that shares host turns (PostgreSQL) the fetcher's per-host
//! politeness also goes through the store (`hosts`), so it holds across every crawler process.

mod article;
pub mod assemble;
pub(crate) mod discover;
mod error;
pub mod health;
mod hosts;
pub mod scheduler;
pub mod workers;
mod writer;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use jiff::Timestamp;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::{Config, SourceConfig};
use crate::fetch::{FetchError, Fetcher, Request};
use crate::metrics::Metrics;
use crate::model::{Article, SourceId};
use crate::store::{SharedStore, SourceState, Store, StoreError};

use workers::Workers;

pub use assemble::MAX_ARTICLE_PAGES;
pub use discover::{Discovered, IndexPage};
pub use error::CrawlError;
pub use hosts::StoreHosts;

/// Articles ingested per flushed batch: a crash loses at most the batch being written, and a re-crawl restores it.
pub(crate) const INGEST_BATCH: usize = 16;

/// Batches waiting for the store writer per source, beyond which fetching waits for the oldest.
const MAX_QUEUED_BATCHES: usize = 4;

/// What happened while crawling one source once.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SourceSummary {
    /// The source.
    pub source: String,
    /// Pages fetched with a body (listing, feed and article pages).
    pub pages_fetched: u64,
    /// Pages that answered 304 Not Modified (and are stored: see `conditional_misses`).
    pub not_modified: u64,
    /// Article pages that answered 304 although the store lacks their article: fetched again
    /// unconditionally. Each one means a fetch state outlived its article (a store from before issue 13).
    pub conditional_misses: u64,
    /// Article links found.
    pub links_found: u64,
    /// Links skipped because the article is already stored.
    pub already_stored: u64,
    /// Articles stored for the first time.
    pub new_articles: u64,
    /// Stored articles whose content changed.
    pub updated_articles: u64,
    /// Stories founded by new articles.
    pub new_stories: u64,
    /// Links robots.txt disallows: skipped, not errors.
    pub skipped: u64,
    /// Errors, one line each (URL and reason).
    pub errors: Vec<String>,
    /// The kind of the first error (`dns`, `http 5xx`, …: [`health::ErrorKind`]), and the URL it was at.
    pub error_kind: Option<&'static str>,
    /// The URL of the first error, if one.
    pub error_url: Option<String>,
    /// Whether the source's discovery step (listing/feed/column/issue) failed as a whole.
    pub failed: bool,
    /// Whether the run was cut short by shutdown.
    pub cancelled: bool,
    /// Wall time in milliseconds.
    pub took_ms: u64,
}

/// Progress events for a terminal progress bar or log lines.
#[derive(Debug, Clone)]
pub enum Progress {
    /// A source started.
    SourceStarted {
        /// Which.
        source: SourceId,
    },
    /// Article links were discovered for a source; this many will be fetched.
    ArticlesQueued {
        /// Which source.
        source: SourceId,
        /// How many.
        count: u64,
    },
    /// One article was handled (stored, skipped or failed).
    ArticleDone {
        /// Which source.
        source: SourceId,
    },
    /// A source finished.
    SourceFinished {
        /// Its summary.
        summary: SourceSummary,
    },
}

/// Receives [`Progress`] events.
pub(crate) type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// How a run is asked for.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// E-paper backfill range (inclusive), instead of today's issue.
    pub epaper_range: Option<(jiff::civil::Date, jiff::civil::Date)>,
}

/// The crawler: one per process, shared by the scheduler and `crawl --once`.
#[derive(Clone)]
pub struct Crawler {
    cfg: Arc<Config>,
    fetcher: Fetcher,
    store: SharedStore,
    metrics: Arc<Metrics>,
    /// Bounds fetches in flight over all sources.
    slots: Arc<Semaphore>,
    /// The CPU work (decoding, parsing, extraction, fingerprints): one thread per core.
    cpu: Workers,
    /// The store writes: one thread, so batches land in the order they were queued.
    writer: Workers,
    progress: Option<ProgressFn>,
    /// This process's name in source leases and host turns (host name, process id and a random tag).
    owner: Arc<str>,
}

/// A source leased for one crawl ([`Crawler::claim`], [`Crawler::claim_due`]): through the store, so no
/// other crawl of it runs meanwhile in this process or any other that shares the store. Hand it to
/// [`Crawler::crawl_claimed`], which renews the lease while the crawl runs and releases it after; a
/// claim dropped otherwise lets its lease run out (`crawl.lease_ttl`).
#[derive(Debug)]
pub struct SourceClaim {
    id: SourceId,
}

impl SourceClaim {
    /// The source.
    #[must_use]
    pub fn source(&self) -> &SourceId {
        &self.id
    }
}

/// A name for this process that no other crawler sharing the store has: host name, process id and a
/// random tag.
fn process_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    let tag: u32 = rand::random();
    format!("{host}/{}/{tag:08x}", std::process::id())
}

impl Crawler {
    /// A crawler over these parts. Every configured source's host is trusted by the fetcher (the operator named it).
    #[must_use]
    pub fn new(
        cfg: Arc<Config>,
        fetcher: Fetcher,
        store: SharedStore,
        metrics: Arc<Metrics>,
    ) -> Self {
        for s in &cfg.sources {
            if let Some(host) = s.url.host_str() {
                fetcher.trust_host(host);
            }
        }
        let owner: Arc<str> = process_owner().into();
        if let Some(shared) = hosts::StoreHosts::for_store(&store, owner.clone()) {
            fetcher.share_hosts(Arc::new(shared));
        }
        let slots = Arc::new(Semaphore::new(cfg.crawl.concurrency));
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self {
            cfg,
            fetcher,
            store,
            metrics,
            slots,
            cpu: Workers::new("cpu", cores),
            writer: Workers::new("store", 1),
            progress: None,
            owner,
        }
    }

    /// This process's name in source leases and host turns.
    #[must_use]
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Sends progress events to `f`.
    #[must_use]
    pub fn with_progress(mut self, f: ProgressFn) -> Self {
        self.progress = Some(f);
        self
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// Leases `id` for one crawl, due or not, unless a crawl of it runs (here or in another process
    /// sharing the store); `None` then, or when the store cannot be asked (logged).
    pub async fn claim(&self, id: &SourceId) -> Option<SourceClaim> {
        self.claim_sources(vec![id.clone()], 1, false)
            .await
            .into_iter()
            .next()
    }

    /// Leases up to `limit` of `candidates` (in their order) that are due by their stored state and that
    /// no crawl holds, here or in any process sharing the store.
    pub async fn claim_due(&self, candidates: Vec<SourceId>, limit: usize) -> Vec<SourceClaim> {
        self.claim_sources(candidates, limit, true).await
    }

    async fn claim_sources(
        &self,
        candidates: Vec<SourceId>,
        limit: usize,
        only_due: bool,
    ) -> Vec<SourceClaim> {
        if candidates.is_empty() || limit == 0 {
            return Vec::new();
        }
        let (owner, ttl) = (self.owner.clone(), self.cfg.crawl.lease_ttl);
        let claimed = self
            .read_store(move |store| {
                store.claim_sources(&crate::store::ClaimRequest {
                    owner: &owner,
                    candidates: &candidates,
                    limit,
                    only_due,
                    now: Timestamp::now(),
                    ttl,
                })
            })
            .await;
        match claimed {
            Ok(claimed) => claimed
                .into_iter()
                .map(|c| {
                    self.metrics.count_lease_claim(c.taken_over.is_some());
                    if let Some(previous) = &c.taken_over {
                        info!(source = %c.source, previous = %previous, "took over an expired source lease");
                    }
                    SourceClaim { id: c.source }
                })
                .collect(),
            Err(e) => {
                warn!(error = %e, "claiming sources failed");
                Vec::new()
            }
        }
    }

    /// Leases `id`, waiting for a running crawl of it to end; `None` when `token` is cancelled first.
    pub async fn claim_when_free(
        &self,
        id: &SourceId,
        token: &CancellationToken,
    ) -> Option<SourceClaim> {
        loop {
            if let Some(c) = self.claim(id).await {
                return Some(c);
            }
            tokio::select! {
                () = token.cancelled() => return None,
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    }

    /// Crawls a leased source once ([`Crawler::crawl_source`]), renewing the lease every third of
    /// `crawl.lease_ttl` meanwhile, then releases it (after the source's health and next due time are
    /// stored, so no other crawler sees it due in between). A lease found lost to another crawler (this
    /// one stalled past the lease) cancels the crawl: the other crawler has the source now.
    pub async fn crawl_claimed(
        &self,
        claim: SourceClaim,
        src: &SourceConfig,
        opts: &RunOptions,
        token: &CancellationToken,
    ) -> SourceSummary {
        let ttl = self.cfg.crawl.lease_ttl;
        let crawl_token = token.child_token();
        let crawl = self.crawl_source(src, opts, &crawl_token);
        tokio::pin!(crawl);
        self.metrics.leases_held.fetch_add(1, Ordering::Relaxed);
        let mut beat = tokio::time::interval(ttl / 3);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        beat.tick().await;
        let summary = loop {
            tokio::select! {
                sum = &mut crawl => break sum,
                _ = beat.tick() => {
                    let (id, owner) = (claim.id.clone(), self.owner.clone());
                    match self.read_store(move |s| s.renew_lease(&id, &owner, Timestamp::now(), ttl)).await {
                        Ok(true) => {}
                        Ok(false) => {
                            warn!(source = %claim.id, "source lease lost to another crawler; stopping this crawl of it");
                            crawl_token.cancel();
                        }
                        Err(e) => warn!(source = %claim.id, error = %e, "renewing the source lease failed; trying again"),
                    }
                }
            }
        };
        self.metrics.leases_held.fetch_sub(1, Ordering::Relaxed);
        let (id, owner) = (claim.id.clone(), self.owner.clone());
        if let Err(e) = self.read_store(move |s| s.release_lease(&id, &owner)).await {
            warn!(source = %claim.id, error = %e, "releasing the source lease failed; it runs out by itself");
        }
        summary
    }

    fn emit(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(p);
        }
    }

    /// Crawls these sources once, at most `crawl.source_concurrency` at a time, and returns their summaries in order.
    pub async fn run_once(
        &self,
        sources: &[SourceConfig],
        opts: &RunOptions,
        token: &CancellationToken,
    ) -> Vec<SourceSummary> {
        stream::iter(sources)
            .map(|s| self.crawl_source(s, opts, token))
            .buffered(self.cfg.crawl.source_concurrency)
            .collect()
            .await
    }

    /// Crawls one source once: discover, fetch new articles, ingest, record health and the next due time.
    pub async fn crawl_source(
        &self,
        src: &SourceConfig,
        opts: &RunOptions,
        token: &CancellationToken,
    ) -> SourceSummary {
        let started = Instant::now();
        let mut sum = SourceSummary {
            source: src.id.to_string(),
            ..SourceSummary::default()
        };
        self.emit(Progress::SourceStarted {
            source: src.id.clone(),
        });
        info!(source = %src.id, kind = src.kind.as_str(), url = %src.url, "crawling source");

        let discovered = discover::discover(self, src, opts, token, &mut sum).await;
        let mut blocked = false;
        match discovered {
            Ok(found) => {
                let discover::Found {
                    items,
                    links,
                    validators,
                } = found;
                self.fetch_articles(src, items, token, &mut sum).await;
                // Index validators are kept only once the articles they stand for are stored, so that a run
                // cut short is not followed by a 304 that hides the links it never fetched.
                if !token.is_cancelled() && !validators.is_empty() {
                    self.save_index_pages(src, links, validators).await;
                }
            }
            Err(e) => {
                blocked = matches!(
                    e,
                    FetchError::Blocked { .. } | FetchError::HostOnHold { .. }
                );
                let kind = health::ErrorKind::of(&e);
                warn!(source = %src.id, kind = kind.as_str(), error = %e, "source failed");
                self.metrics
                    .count_fetch_error(src.id.as_str(), kind.as_str());
                sum.failed = true;
                sum.errors.insert(0, e.to_string());
                sum.error_kind = Some(kind.as_str());
                sum.error_url = Some(e.url().to_owned());
            }
        }
        sum.cancelled = token.is_cancelled();
        sum.took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Err(e) = self.record_health(src, &sum, blocked).await {
            warn!(source = %src.id, error = %e, "recording source health failed");
            sum.errors.push(format!("recording health: {e}"));
        }
        self.metrics
            .crawl_runs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        info!(
            source = %src.id,
            pages = sum.pages_fetched,
            not_modified = sum.not_modified,
            conditional_misses = sum.conditional_misses,
            new = sum.new_articles,
            updated = sum.updated_articles,
            stories = sum.new_stories,
            errors = sum.errors.len(),
            took_ms = sum.took_ms,
            "crawled source"
        );
        self.emit(Progress::SourceFinished {
            summary: sum.clone(),
        });
        sum
    }

    /// Runs CPU-bound work on the CPU threads (one per core, jobs queued in order), never on the reactor.
    pub(crate) async fn on_cpu<T, F>(&self, work: F) -> Result<T, CrawlError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.cpu.run(work).await.map_err(|e| CrawlError::Worker {
            what: "CPU work",
            message: e.to_string(),
        })
    }

    /// Reads the store on the blocking pool (the store's calling convention), never on the reactor.
    pub(crate) async fn read_store<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        crate::store::blocking(&self.store, read).await
    }

    /// A polite fetch that gives up (returns `None`) when the run is cancelled.
    pub(crate) async fn polite(
        &self,
        req: &Request,
        token: &CancellationToken,
    ) -> Option<Result<crate::fetch::Response, FetchError>> {
        let _permit = tokio::select! {
            () = token.cancelled() => return None,
            p = self.slots.acquire() => p.expect("the crawl semaphore is never closed"),
        };
        tokio::select! {
            () = token.cancelled() => None,
            r = self.fetcher.get_polite(req) => Some(r),
        }
    }

    /// Updates the source's health record and its next due time ([`health::record_run`]), on the store
    /// writer: after this run's article batches, through the one write path.
    async fn record_health(
        &self,
        src: &SourceConfig,
        sum: &SourceSummary,
        blocked: bool,
    ) -> Result<(), CrawlError> {
        if sum.cancelled {
            // A cut-short run says nothing about the source's health; it stays due.
            return Ok(());
        }
        let run = health::RunReport {
            failed: sum.failed,
            error: sum.errors.first().map(|line| {
                (
                    sum.error_kind.unwrap_or(health::ErrorKind::Other.as_str()),
                    line.clone(),
                    sum.error_url.clone(),
                )
            }),
            new_articles: sum.new_articles,
            updated_articles: sum.updated_articles,
        };
        let store = self.store.clone();
        let (id, every) = (src.id.clone(), src.every);
        let (failing_after, jitter) = (self.cfg.crawl.failing_after, self.cfg.crawl.jitter);
        let job = self.writer.submit(move || {
            let mut st = store.source_state(&id)?.unwrap_or_default();
            let now = Timestamp::now();
            health::record_run(&mut st, &run, failing_after, now);
            let wait = scheduler::next_interval(every, jitter, st.consecutive_failures, blocked);
            st.next_due = Some(add(now, wait));
            store.set_source_state(&id, &st)
        });
        let worker = |e: workers::WorkerError| CrawlError::Worker {
            what: "the store writer",
            message: e.to_string(),
        };
        Ok(job.map_err(worker)?.wait().await.map_err(worker)??)
    }
}

/// The last steps every article takes before the store: its canonical URL.
pub fn finish_article(a: &mut Article) {
    a.canonical_url = crate::dedup::canonical_article_url(a);
}

/// `t + d`, saturating.
#[must_use]
pub fn add(t: Timestamp, d: Duration) -> Timestamp {
    let span = jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
    t.checked_add(span).unwrap_or(Timestamp::MAX)
}

/// How long ago `t` was (zero if in the future).
#[must_use]
pub(crate) fn elapsed_since(t: Timestamp) -> Duration {
    let d = Timestamp::now().duration_since(t);
    Duration::try_from(d).unwrap_or(Duration::ZERO)
}

/// Health of every configured source, for `sources` and the server.
///
/// # Errors
/// A store error.
pub fn health(
    cfg: &Config,
    store: &dyn Store,
) -> Result<Vec<(SourceId, SourceState)>, crate::store::StoreError> {
    cfg.sources
        .iter()
        .map(|s| Ok((s.id.clone(), store.source_state(&s.id)?.unwrap_or_default())))
        .collect()
}
