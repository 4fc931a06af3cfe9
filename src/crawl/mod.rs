//! The crawl engine: for each source, discover article links (listing pages, feeds, Hanweb columns, the
//! e-paper), fetch the articles politely through [`crate::fetch::Fetcher::get_polite`], extract and clean them,
//! and ingest them into the [`crate::store::Store`] in flushed batches; then record the source's health.
//! [`scheduler`] decides when each source is due. Every fetch waits on the run's cancellation token.
//!
//! Crash consistency (DESIGN decision 9): every fetch-state write goes through the one store writer thread.
//! An article page's validators ride in the sled batch that stores its article
//! ([`crate::store::Incoming::with_fetch_state`]); states that describe no new article (a failure, a stored
//! article still current) follow in the writer's job; an index page's validators are saved by a writer job
//! queued after the source's last article batch, and only if every link the page stands for is stored by
//! then. A 304 for an article the store lacks is a conditional miss: fetched again unconditionally and
//! counted (`conditional_misses`, `unionwire_conditional_misses_total`).

pub mod discover;
pub mod health;
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
use crate::store::{FetchState, Incoming, PageRole, SharedStore, SourceState, Store};

use workers::{Pending, Workers};

pub use discover::{Discovered, IndexPage};

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
    store: SharedStore,
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
    pub fn store(&self) -> &SharedStore {
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
                // Index validators are kept only once the articles they stand for are stored, so that a run
                // cut short is not followed by a 304 that hides the links it never fetched.
                if !token.is_cancelled() && !found.validators.is_empty() {
                    self.save_index_pages(src, found.validators).await;
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
        // Fetch states that describe no new article (failures, stored articles still current): written by the
        // store writer after the batch queued with them.
        let mut states: Vec<(String, FetchState)> = Vec::new();
        while let Some(o) = results.next().await {
            self.emit(Progress::ArticleDone {
                source: src.id.clone(),
            });
            if o.miss {
                sum.conditional_misses += 1;
            }
            states.extend(o.state);
            match o.fetched {
                Ok(Fetched::Article(a, pages)) => {
                    sum.pages_fetched += pages;
                    batch.push(*a);
                }
                Ok(Fetched::NotModified) => sum.not_modified += 1,
                Ok(Fetched::Cancelled) => {}
                Ok(Fetched::Skipped) => sum.skipped += 1,
                Err((kind, line, url)) => {
                    sum.pages_fetched += 1;
                    self.metrics
                        .count_fetch_error(src.id.as_str(), kind.as_str());
                    if sum.errors.is_empty() {
                        sum.error_kind = Some(kind.as_str());
                        sum.error_url = url;
                    }
                    sum.errors.push(line);
                }
            }
            if batch.len() >= INGEST_BATCH {
                let (b, st) = (std::mem::take(&mut batch), std::mem::take(&mut states));
                queued.extend(self.write(src, b, st, &mut outcome));
                if queued.len() > MAX_QUEUED_BATCHES {
                    if let Some(p) = queued.pop_front() {
                        merge_written(p.wait().await, &mut outcome);
                    }
                }
            }
        }
        if !batch.is_empty() || !states.is_empty() {
            queued.extend(self.write(src, batch, states, &mut outcome));
        }
        for p in queued {
            merge_written(p.wait().await, &mut outcome);
        }
        sum.new_articles += outcome.new_articles;
        sum.updated_articles += outcome.updated_articles;
        sum.new_stories += outcome.new_stories;
        sum.errors.extend(outcome.errors);
    }

    /// Queues one batch (and the fetch states that follow it) on the store writer; a writer that cannot take
    /// it is reported in `outcome`.
    fn write(
        &self,
        src: &SourceConfig,
        batch: Vec<Incoming>,
        states: Vec<(String, FetchState)>,
        outcome: &mut WriteOutcome,
    ) -> Option<Pending<WriteOutcome>> {
        let store = self.store.clone();
        let metrics = self.metrics.clone();
        let source = src.id.clone();
        let n = batch.len();
        let job = self
            .writer
            .submit(move || write_batch(store.as_ref(), &metrics, &source, batch, &states));
        job.map_err(|e| outcome.errors.push(format!("storing {n} articles: {e}")))
            .ok()
    }

    /// Saves the validators of the source's index pages on the store writer, after every article batch this
    /// run queued (each flushed): a page whose links are not all stored (or settled) keeps no validators.
    async fn save_index_pages(&self, src: &SourceConfig, pages: Vec<IndexPage>) {
        let store = self.store.clone();
        let job = self
            .writer
            .submit(move || save_index_pages(store.as_ref(), pages));
        let done = match job {
            Ok(p) => p.wait().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match done {
            Ok((saved, held)) => {
                debug!(source = %src.id, saved, held, "index page validators");
            }
            Err(e) => warn!(source = %src.id, error = %e, "saving index page validators failed"),
        }
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

    /// Fetches, extracts and cleans one article (following its extra pages). The article carries its page's
    /// fetch state into the store; a fetch that yields no article returns the state to record instead.
    async fn fetch_one(
        &self,
        src: &SourceConfig,
        d: Discovered,
        token: &CancellationToken,
    ) -> FetchOutcome {
        let url = d.url().clone();
        let canon = crate::dedup::canonical_url(&url).to_string();
        if let Discovered::FeedEntry(entry) = &d {
            let mut a = extract::feed::entry_article(entry);
            finish_article(&mut a);
            return FetchOutcome::of(
                self.fingerprint(src, a)
                    .await
                    .map(|i| Fetched::Article(Box::new(i), 0)),
            );
        }
        let state = self
            .store
            .fetch_state(&canon)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut req = Request::html(url.clone());
        if state.claims_article() {
            req.etag.clone_from(&state.etag);
            req.last_modified.clone_from(&state.last_modified);
        }
        let Some(resp) = self.polite(&req, token).await else {
            return FetchOutcome::of(Ok(Fetched::Cancelled));
        };
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return self.failed(canon, &e),
        };
        use std::sync::atomic::Ordering::Relaxed;
        if !resp.not_modified {
            return self.article_from(src, canon, resp, token).await;
        }
        self.metrics.not_modified.fetch_add(1, Relaxed);
        if self.store.contains_url(&canon).unwrap_or(false) {
            // Still current, and stored: the validators describe what the store holds.
            let st = FetchState {
                etag: resp.etag.clone().or(state.etag),
                last_modified: resp.last_modified.clone().or(state.last_modified),
                last_status: Some(304),
                fetched_at: Some(Timestamp::now()),
                next_due: None,
                role: PageRole::Article,
            };
            return FetchOutcome {
                fetched: Ok(Fetched::NotModified),
                state: Some((canon, st)),
                miss: false,
            };
        }
        // A 304 for an article the store lacks: its validators outlived it. Fetch it again, unconditionally.
        self.metrics.conditional_misses.fetch_add(1, Relaxed);
        info!(source = %src.id, url = %url, "304 for an article the store lacks; fetching it unconditionally");
        let Some(again) = self.polite(&Request::html(url.clone()), token).await else {
            return FetchOutcome {
                miss: true,
                ..FetchOutcome::of(Ok(Fetched::Cancelled))
            };
        };
        let mut out = match again {
            Ok(r) if r.not_modified => FetchOutcome {
                fetched: Err((
                    health::ErrorKind::Other,
                    format!("{url}: answered 304 Not Modified to a request without validators"),
                    Some(url.to_string()),
                )),
                state: Some((canon, failure_state(Some(304), PageRole::Article))),
                miss: false,
            },
            Ok(r) => self.article_from(src, canon, r, token).await,
            Err(e) => self.failed(canon, &e),
        };
        out.miss = true;
        out
    }

    /// The state to record for a fetch of `canon` that failed with `e` (no validators).
    fn failed(&self, canon: String, e: &FetchError) -> FetchOutcome {
        let status = discover::error_status(e);
        // A link that is gone or is not a page settles it for its index page; anything else may come back.
        let role = match e {
            FetchError::Status {
                status: 404 | 410, ..
            }
            | FetchError::NotHtml { .. } => PageRole::NoArticle,
            _ => PageRole::Article,
        };
        let fetched = match e {
            // robots.txt says no: the link is skipped, which is not the site failing.
            FetchError::RobotsDisallowed {
                unreachable: None, ..
            } => Ok(Fetched::Skipped),
            _ => Err((
                health::ErrorKind::of(e),
                e.to_string(),
                Some(e.url().to_owned()),
            )),
        };
        FetchOutcome {
            fetched,
            state: Some((canon, failure_state(status, role))),
            miss: false,
        }
    }

    /// Extracts the article from a page fetched with a body, following its later pages. Its validators go
    /// with it into the store, unless a later page could not be read (then what is stored is not the whole
    /// page set the validators describe, and none are kept).
    async fn article_from(
        &self,
        src: &SourceConfig,
        canon: String,
        resp: crate::fetch::Response,
        token: &CancellationToken,
    ) -> FetchOutcome {
        self.metrics
            .pages_fetched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let profile_name = src.profile.clone();
        let final_url = resp.url.clone();
        let mut resp = resp;
        let (first, encoding) = match self.extract_page(&mut resp, profile_name.clone()).await {
            Ok(x) => x,
            Err(e) => {
                return FetchOutcome {
                    fetched: Err((
                        health::ErrorKind::Parse,
                        format!("{final_url}: {e}"),
                        Some(final_url.to_string()),
                    )),
                    state: Some((canon, failure_state(Some(resp.status), PageRole::Article))),
                    miss: false,
                }
            }
        };
        let mut pages = 1u64;
        let mut rest = Vec::new();
        let mut complete = true;
        for next in first.next_pages.iter().take(MAX_ARTICLE_PAGES - 1) {
            let Some(r) = self.polite(&Request::html(next.clone()), token).await else {
                return FetchOutcome::of(Ok(Fetched::Cancelled));
            };
            match r {
                Ok(mut r) if !r.not_modified => {
                    pages += 1;
                    match self.extract_page(&mut r, profile_name.clone()).await {
                        Ok((x, _)) => rest.push(x.article),
                        Err(e) => {
                            complete = false;
                            warn!(url = %next, error = %e, "extracting a later page failed");
                        }
                    }
                }
                Ok(_) => {
                    complete = false;
                    warn!(url = %next, "a later page answered 304 to a request without validators");
                }
                Err(e) => {
                    complete = false;
                    warn!(url = %next, error = %e, "fetching a later page failed");
                }
            }
        }
        let mut article = if rest.is_empty() {
            first.article
        } else {
            extract::merge_pages(first.article, rest)
        };
        article.encoding = encoding;
        finish_article(&mut article);
        if article.paragraphs.is_empty() {
            return FetchOutcome {
                fetched: Err((
                    health::ErrorKind::Empty,
                    format!("{final_url}: no article text found"),
                    Some(final_url.to_string()),
                )),
                state: Some((canon, failure_state(Some(resp.status), PageRole::Article))),
                miss: false,
            };
        }
        let (etag, last_modified) = if complete {
            (resp.etag.clone(), resp.last_modified.clone())
        } else {
            (None, None)
        };
        let st = FetchState {
            etag,
            last_modified,
            last_status: Some(resp.status),
            fetched_at: Some(Timestamp::now()),
            next_due: None,
            role: PageRole::Article,
        };
        FetchOutcome::of(
            self.fingerprint(src, article)
                .await
                .map(|i| Fetched::Article(Box::new(i.with_fetch_state(canon, st)), pages)),
        )
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
        health::record_run(&mut st, &run, self.cfg.crawl.failing_after, now);
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

/// Ingests one batch (flushed before it returns; each article with its page's fetch state), then records
/// `states` (fetch states that describe no new article), and counts what it did.
fn write_batch(
    store: &dyn Store,
    metrics: &Metrics,
    source: &SourceId,
    batch: Vec<Incoming>,
    states: &[(String, FetchState)],
) -> WriteOutcome {
    let mut out = WriteOutcome::default();
    if !batch.is_empty() {
        ingest(store, metrics, source, batch, &mut out);
    }
    for (url, st) in states {
        if let Err(e) = store.set_fetch_state(url, st) {
            warn!(url, error = %e, "saving fetch state failed");
        }
    }
    out
}

/// Saves each index page's validators if every link it stands for is stored or settled (answered for good
/// with no article); a page with a link still missing is saved without validators, so that its next fetch is
/// a full one. Runs on the store writer, after the batches queued before it. Returns (saved, held back).
fn save_index_pages(store: &dyn Store, pages: Vec<IndexPage>) -> (usize, usize) {
    let settled = |link: &str| {
        store.contains_url(link).unwrap_or(false)
            || store
                .fetch_state(link)
                .ok()
                .flatten()
                .is_some_and(|st| st.role == PageRole::NoArticle)
    };
    let (mut saved, mut held) = (0, 0);
    for page in pages {
        let mut st = page.state;
        let missing = page.links.iter().filter(|l| !settled(l)).count();
        if missing == 0 {
            saved += 1;
        } else {
            held += 1;
            debug!(url = %page.url, missing, "index page validators held back: links not stored");
            st.etag = None;
            st.last_modified = None;
        }
        if let Err(e) = store.set_fetch_state(&page.url, &st) {
            warn!(url = %page.url, error = %e, "saving fetch state failed");
        }
    }
    (saved, held)
}

/// A fetch state without validators: what is recorded when a fetch yields no article.
fn failure_state(status: Option<u16>, role: PageRole) -> FetchState {
    FetchState {
        etag: None,
        last_modified: None,
        last_status: status,
        fetched_at: Some(Timestamp::now()),
        next_due: None,
        role,
    }
}

/// Ingests `batch` (flushed) into `out`'s counts.
fn ingest(
    store: &dyn Store,
    metrics: &Metrics,
    source: &SourceId,
    batch: Vec<Incoming>,
    out: &mut WriteOutcome,
) {
    use std::sync::atomic::Ordering::Relaxed;
    let n = batch.len();
    // The URLs are only for the debug line below: not collected when it is off.
    let urls = tracing::enabled!(tracing::Level::DEBUG).then(|| {
        batch
            .iter()
            .map(|i| i.article.url.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    match store.ingest_batch(batch) {
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
    /// The article (carrying its page's fetch state) and the pages fetched for it.
    Article(Box<Incoming>, u64),
    NotModified,
    Cancelled,
    /// robots.txt disallows it.
    Skipped,
}

/// What fetching one discovered item came to.
struct FetchOutcome {
    /// The article, or the failure: its kind, one line, and the URL.
    fetched: Result<Fetched, (health::ErrorKind, String, Option<String>)>,
    /// A fetch state to record that no new article carries (a failure, or a stored article still current).
    state: Option<(String, FetchState)>,
    /// A 304 answered for an article the store lacks (then fetched again unconditionally).
    miss: bool,
}

impl FetchOutcome {
    /// An outcome with no fetch state to record; an error (from the CPU threads) is of kind `other`.
    fn of(fetched: Result<Fetched, String>) -> Self {
        Self {
            fetched: fetched.map_err(|e| (health::ErrorKind::Other, e, None)),
            state: None,
            miss: false,
        }
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
    store: &dyn Store,
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
