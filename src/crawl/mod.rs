//! The crawl engine: for each source, discover article links (listing pages, feeds, Hanweb columns, the
//! e-paper), fetch the articles politely through [`crate::fetch::Fetcher::get_polite`], extract and clean them,
//! and ingest them into the [`crate::store::Store`] in flushed batches; then record the source's health.
//! [`scheduler`] decides when each source is due. Every fetch waits on the run's cancellation token.

pub mod discover;
pub mod scheduler;
pub mod workers;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use jiff::Timestamp;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::config::{Config, SourceConfig};
use crate::extract::{self, Profiles};
use crate::fetch::{FetchError, Fetcher, Request};
use crate::metrics::Metrics;
use crate::model::{Article, SourceId};
use crate::store::{FetchState, Incoming, SourceState, Store};

use workers::{Pending, Workers};

pub use discover::Discovered;

/// Articles ingested per flushed batch: a crash loses at most the batch being written, and a re-crawl restores it.
pub const INGEST_BATCH: usize = 16;

/// Batches waiting for the store writer per source, beyond which fetching waits for the oldest.
const MAX_QUEUED_BATCHES: usize = 4;

/// Most pages one multi-page article may have.
pub const MAX_ARTICLE_PAGES: usize = 20;

/// What happened while crawling one source once.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SourceSummary {
    /// The source.
    pub source: String,
    /// Pages fetched with a body (listing, feed and article pages).
    pub pages_fetched: u64,
    /// Pages that answered 304 Not Modified.
    pub not_modified: u64,
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
    /// Errors, one line each (URL and reason).
    pub errors: Vec<String>,
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
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

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
    store: Store,
    metrics: Arc<Metrics>,
    /// Bounds fetches in flight over all sources.
    slots: Arc<Semaphore>,
    /// The CPU work (decoding, parsing, extraction, fingerprints): one thread per core.
    cpu: Workers,
    /// The store writes: one thread, so batches land in the order they were queued.
    writer: Workers,
    progress: Option<ProgressFn>,
}

impl Crawler {
    /// A crawler over these parts. Every configured source's host is trusted by the fetcher (the operator named it).
    #[must_use]
    pub fn new(cfg: Arc<Config>, fetcher: Fetcher, store: Store, metrics: Arc<Metrics>) -> Self {
        for s in &cfg.sources {
            if let Some(host) = s.url.host_str() {
                fetcher.trust_host(host);
            }
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
        }
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
    pub fn store(&self) -> &Store {
        &self.store
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
                self.fetch_articles(src, found.items, token, &mut sum).await;
                // Listing validators are kept only once the articles they led to are stored, so that a run cut
                // short is not followed by a 304 that hides the links it never fetched.
                if !token.is_cancelled() {
                    for (url, st) in found.validators {
                        if let Err(e) = self.store.set_fetch_state(&url, &st) {
                            warn!(url, error = %e, "saving fetch state failed");
                        }
                    }
                }
            }
            Err(e) => {
                blocked = matches!(
                    e,
                    FetchError::Blocked { .. } | FetchError::HostOnHold { .. }
                );
                warn!(source = %src.id, error = %e, "source discovery failed");
                sum.failed = true;
                sum.errors.push(e.to_string());
            }
        }
        sum.cancelled = token.is_cancelled();
        sum.took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Err(e) = self.record_health(src, &sum, blocked) {
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

    /// Fetches the discovered articles that are not stored yet (or due for a re-check) and ingests them.
    async fn fetch_articles(
        &self,
        src: &SourceConfig,
        found: Vec<Discovered>,
        token: &CancellationToken,
        sum: &mut SourceSummary,
    ) {
        let mut seen = HashSet::new();
        let mut todo = Vec::new();
        for d in found {
            let canon = crate::dedup::canonical_url(d.url()).to_string();
            if !seen.insert(canon.clone()) {
                continue;
            }
            sum.links_found += 1;
            match self.needs_fetch(&canon) {
                Ok(true) => todo.push(d),
                Ok(false) => sum.already_stored += 1,
                Err(e) => sum.errors.push(format!("{canon}: store: {e}")),
            }
            if todo.len() >= self.cfg.crawl.max_articles_per_run {
                break;
            }
        }
        self.emit(Progress::ArticlesQueued {
            source: src.id.clone(),
            count: todo.len() as u64,
        });
        if todo.is_empty() {
            return;
        }

        // The store writer thread takes the batches while the next pages are fetched and extracted; each is
        // flushed before it is counted as stored. At most `MAX_QUEUED_BATCHES` wait per source.
        let mut queued: std::collections::VecDeque<Pending<WriteOutcome>> =
            std::collections::VecDeque::new();
        let mut outcome = WriteOutcome::default();
        let mut results = stream::iter(todo)
            .map(|d| self.fetch_one(src, d, token))
            .buffer_unordered(self.cfg.crawl.concurrency);
        let mut batch: Vec<Incoming> = Vec::new();
        while let Some(r) = results.next().await {
            self.emit(Progress::ArticleDone {
                source: src.id.clone(),
            });
            match r {
                Ok(Fetched::Article(a, pages)) => {
                    sum.pages_fetched += pages;
                    batch.push(*a);
                }
                Ok(Fetched::NotModified) => sum.not_modified += 1,
                Ok(Fetched::Cancelled) => {}
                Err(line) => {
                    sum.pages_fetched += 1;
                    self.metrics
                        .fetch_errors
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    sum.errors.push(line);
                }
            }
            if batch.len() >= INGEST_BATCH {
                queued.extend(self.write(src, std::mem::take(&mut batch), &mut outcome));
                if queued.len() > MAX_QUEUED_BATCHES {
                    if let Some(p) = queued.pop_front() {
                        merge_written(p.wait().await, &mut outcome);
                    }
                }
            }
        }
        if !batch.is_empty() {
            queued.extend(self.write(src, batch, &mut outcome));
        }
        for p in queued {
            merge_written(p.wait().await, &mut outcome);
        }
        sum.new_articles += outcome.new_articles;
        sum.updated_articles += outcome.updated_articles;
        sum.new_stories += outcome.new_stories;
        sum.errors.extend(outcome.errors);
    }

    /// Queues one batch on the store writer; a writer that cannot take it is reported in `outcome`.
    fn write(
        &self,
        src: &SourceConfig,
        batch: Vec<Incoming>,
        outcome: &mut WriteOutcome,
    ) -> Option<Pending<WriteOutcome>> {
        let store = self.store.clone();
        let metrics = self.metrics.clone();
        let source = src.id.clone();
        let n = batch.len();
        let job = self
            .writer
            .submit(move || write_batch(&store, &metrics, &source, batch));
        job.map_err(|e| outcome.errors.push(format!("storing {n} articles: {e}")))
            .ok()
    }

    fn needs_fetch(&self, canonical: &str) -> Result<bool, crate::store::StoreError> {
        if !self.store.contains_url(canonical)? {
            return Ok(true);
        }
        let recheck = self.cfg.crawl.recheck_after;
        if recheck.is_zero() {
            return Ok(false);
        }
        let state = self.store.fetch_state(canonical)?;
        let last = state.and_then(|s| s.fetched_at);
        Ok(match last {
            None => true,
            Some(t) => elapsed_since(t) >= recheck,
        })
    }

    /// Fetches, extracts and cleans one article (following its extra pages).
    async fn fetch_one(
        &self,
        src: &SourceConfig,
        d: Discovered,
        token: &CancellationToken,
    ) -> Result<Fetched, String> {
        let url = d.url().clone();
        let canon = crate::dedup::canonical_url(&url).to_string();
        if let Discovered::FeedEntry(entry) = &d {
            let mut a = extract::feed::entry_article(entry);
            finish_article(&mut a);
            return Ok(Fetched::Article(
                Box::new(self.fingerprint(src, a).await?),
                0,
            ));
        }
        let state = self
            .store
            .fetch_state(&canon)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut req = Request::html(url.clone());
        req.etag.clone_from(&state.etag);
        req.last_modified.clone_from(&state.last_modified);
        let Some(resp) = self.polite(&req, token).await else {
            return Ok(Fetched::Cancelled);
        };
        let resp = resp.map_err(|e| {
            self.remember_fetch(&canon, None, discover::error_status(&e), None);
            e.to_string()
        })?;
        use std::sync::atomic::Ordering::Relaxed;
        if resp.not_modified {
            self.metrics.not_modified.fetch_add(1, Relaxed);
            self.remember_fetch(
                &canon,
                resp.etag.clone().or(state.etag),
                Some(304),
                resp.last_modified.clone().or(state.last_modified),
            );
            return Ok(Fetched::NotModified);
        }
        self.metrics.pages_fetched.fetch_add(1, Relaxed);
        let profile_name = src.profile.clone();
        let final_url = resp.url.clone();
        let mut resp = resp;
        let (first, encoding) = self
            .extract_page(&mut resp, profile_name.clone())
            .await
            .map_err(|e| format!("{final_url}: {e}"))?;
        let mut pages = 1u64;
        let mut rest = Vec::new();
        for next in first.next_pages.iter().take(MAX_ARTICLE_PAGES - 1) {
            let Some(r) = self.polite(&Request::html(next.clone()), token).await else {
                return Ok(Fetched::Cancelled);
            };
            match r {
                Ok(mut r) if !r.not_modified => {
                    pages += 1;
                    match self.extract_page(&mut r, profile_name.clone()).await {
                        Ok((x, _)) => rest.push(x.article),
                        Err(e) => warn!(url = %next, error = %e, "extracting a later page failed"),
                    }
                }
                Ok(_) => {}
                Err(e) => warn!(url = %next, error = %e, "fetching a later page failed"),
            }
        }
        let mut article = if rest.is_empty() {
            first.article
        } else {
            extract::merge_pages(first.article, rest)
        };
        article.encoding = encoding;
        finish_article(&mut article);
        self.remember_fetch(
            &canon,
            resp.etag.clone(),
            Some(resp.status),
            resp.last_modified.clone(),
        );
        if article.paragraphs.is_empty() {
            return Err(format!("{final_url}: no article text found"));
        }
        let incoming = self.fingerprint(src, article).await?;
        Ok(Fetched::Article(Box::new(incoming), pages))
    }

    /// Fingerprints an article for the store on a CPU thread, so the store writer only writes.
    async fn fingerprint(&self, src: &SourceConfig, article: Article) -> Result<Incoming, String> {
        let (source, priority) = (src.id.clone(), src.priority);
        self.on_cpu(move || Incoming::new(article, source, priority))
            .await
    }

    /// Decodes and extracts a fetched page on a CPU thread. The body is moved, not copied, out of `resp`.
    /// Returns the extraction and the encoding's name.
    async fn extract_page(
        &self,
        resp: &mut crate::fetch::Response,
        profile: Option<String>,
    ) -> Result<(extract::Extracted, String), String> {
        let body = std::mem::take(&mut resp.body);
        let content_type = resp.content_type.clone();
        let url = resp.url.clone();
        self.on_cpu(move || {
            let decoded =
                crate::fetch::charset::decode_bytes(body, content_type.as_deref(), url.host_str());
            let encoding = decoded.encoding.name().to_owned();
            // No named profile: extraction chooses one from the page (URL or signature).
            let p = profile
                .as_deref()
                .and_then(|name| Profiles::builtin().by_name(name));
            extract::extract_article(&decoded.text, &url, p)
                .map(|mut x| {
                    decoded.flags().into_iter().for_each(|f| x.article.flag(f));
                    (x, encoding)
                })
                .map_err(|e| e.to_string())
        })
        .await?
    }

    /// Runs CPU-bound work on the CPU threads (one per core, jobs queued in order), never on the reactor.
    pub(crate) async fn on_cpu<T, F>(&self, work: F) -> Result<T, String>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.cpu.run(work).await.map_err(|e| e.to_string())
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

    fn remember_fetch(
        &self,
        url: &str,
        etag: Option<String>,
        status: Option<u16>,
        last_modified: Option<String>,
    ) {
        let st = FetchState {
            etag,
            last_modified,
            last_status: status,
            fetched_at: Some(Timestamp::now()),
            next_due: None,
        };
        if let Err(e) = self.store.set_fetch_state(url, &st) {
            warn!(url, error = %e, "saving fetch state failed");
        }
    }

    /// Updates the source's health record and its next due time.
    fn record_health(
        &self,
        src: &SourceConfig,
        sum: &SourceSummary,
        blocked: bool,
    ) -> Result<(), crate::store::StoreError> {
        let mut st = self.store.source_state(&src.id)?.unwrap_or_default();
        let now = Timestamp::now();
        if sum.cancelled {
            // A cut-short run says nothing about the source's health; it stays due.
            return Ok(());
        }
        st.runs += 1;
        st.last_run = Some(now);
        let new = u32::try_from(sum.new_articles).unwrap_or(u32::MAX);
        st.last_new = new;
        st.articles_total += sum.new_articles;
        if sum.failed {
            st.consecutive_failures += 1;
            st.last_error = sum.errors.first().cloned();
        } else {
            st.consecutive_failures = 0;
            st.last_success = Some(now);
            if sum.errors.is_empty() {
                st.last_error = None;
            } else {
                st.last_error = sum.errors.first().cloned();
            }
        }
        if new == 0 && sum.updated_articles == 0 {
            st.consecutive_empty += 1;
        } else {
            st.consecutive_empty = 0;
        }
        let limit = self.cfg.crawl.unhealthy_after;
        st.healthy = st.consecutive_failures < limit && st.consecutive_empty < limit;
        let wait = scheduler::next_interval(
            src.every,
            self.cfg.crawl.jitter,
            st.consecutive_failures,
            blocked,
        );
        st.next_due = Some(add(now, wait));
        self.store.set_source_state(&src.id, &st)
    }
}

/// What the store writer did for one source run.
#[derive(Default)]
struct WriteOutcome {
    new_articles: u64,
    updated_articles: u64,
    new_stories: u64,
    errors: Vec<String>,
}

/// Ingests one batch (flushed before it returns) and counts what it did.
fn write_batch(
    store: &Store,
    metrics: &Metrics,
    source: &SourceId,
    batch: Vec<Incoming>,
) -> WriteOutcome {
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = WriteOutcome::default();
    let n = batch.len();
    // The URLs are only for the debug line below: not collected when it is off.
    let urls = tracing::enabled!(tracing::Level::DEBUG).then(|| {
        batch
            .iter()
            .map(|i| i.article.url.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    match store.ingest_incoming(batch) {
        Ok(done) => {
            for i in done {
                if i.new_article {
                    out.new_articles += 1;
                    metrics.articles_new.fetch_add(1, Relaxed);
                } else if i.changed {
                    out.updated_articles += 1;
                    metrics.articles_updated.fetch_add(1, Relaxed);
                }
                if i.new_story {
                    out.new_stories += 1;
                    metrics.stories_new.fetch_add(1, Relaxed);
                }
            }
            // Durable from here on (ingest_incoming flushed): the crash test checks these survive a kill.
            // Debug level: one line per batch listing its URLs is for crash tests and forensics, not daily logs.
            if let Some(urls) = urls {
                debug!(source = %source, articles = n, urls = %urls, "batch durable");
            }
        }
        Err(e) => {
            // With its causes: "store write article: … No space left on device" says what to do.
            let e = error_chain(&e);
            warn!(source = %source, error = %e, "ingest failed");
            out.errors.push(format!("storing {n} articles: {e}"));
        }
    }
    out
}

/// Adds a finished write job's counts to `out`.
fn merge_written(done: Result<WriteOutcome, workers::WorkerError>, out: &mut WriteOutcome) {
    match done {
        Ok(o) => {
            out.new_articles += o.new_articles;
            out.updated_articles += o.updated_articles;
            out.new_stories += o.new_stories;
            out.errors.extend(o.errors);
        }
        Err(e) => out.errors.push(format!("the store writer failed: {e}")),
    }
}

enum Fetched {
    Article(Box<Incoming>, u64),
    NotModified,
    Cancelled,
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
pub fn elapsed_since(t: Timestamp) -> Duration {
    let d = Timestamp::now().duration_since(t);
    Duration::try_from(d).unwrap_or(Duration::ZERO)
}

/// Health of every configured source, for `sources` and the server.
///
/// # Errors
/// A store error.
pub fn health(
    cfg: &Config,
    store: &Store,
) -> Result<Vec<(SourceId, SourceState)>, crate::store::StoreError> {
    cfg.sources
        .iter()
        .map(|s| Ok((s.id.clone(), store.source_state(&s.id)?.unwrap_or_default())))
        .collect()
}

/// An error and its sources, joined with ": ".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}
