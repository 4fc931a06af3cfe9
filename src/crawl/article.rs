//! A source's articles: which discovered links need fetching, the polite (conditional) fetch of each, the
//! article assembled from its pages ([`super::assemble`]) and fingerprinted on the CPU threads, and the
//! batches handed to the store writer ([`super::writer`]). An article page's validators ride with its
//! article; a fetch that yields no article returns the state to record instead.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering::Relaxed;

use futures::stream::{self, StreamExt};
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::assemble::{self, LaterPage, Page};
use super::discover::{self, Discovered};
use super::workers::Pending;
use super::writer::{failure_state, merge_written, WriteOutcome};
use super::{elapsed_since, finish_article, CrawlError, Crawler, Progress, SourceSummary};
use super::{INGEST_BATCH, MAX_QUEUED_BATCHES};
use crate::config::SourceConfig;
use crate::extract;
use crate::fetch::{FetchError, Request};
use crate::model::Article;
use crate::store::{FetchState, Incoming, PageRole};

/// What fetching one discovered item came to.
pub(super) enum Fetched {
    /// The article (carrying its page's fetch state) and the pages fetched for it.
    Article(Box<Incoming>, u64),
    NotModified,
    Cancelled,
    /// robots.txt disallows it.
    Skipped,
}

/// One discovered item's outcome.
pub(super) struct FetchOutcome {
    /// The article, or why there is none.
    fetched: Result<Fetched, CrawlError>,
    /// A fetch state to record that no new article carries (a failure, or a stored article still current).
    state: Option<(String, FetchState)>,
    /// A 304 answered for an article the store lacks (then fetched again unconditionally).
    miss: bool,
}

impl FetchOutcome {
    /// An outcome with no fetch state to record.
    fn of(fetched: Result<Fetched, CrawlError>) -> Self {
        Self {
            fetched,
            state: None,
            miss: false,
        }
    }

    /// A failure, with the state to record for its URL.
    fn failure(e: CrawlError, canon: String, state: FetchState) -> Self {
        Self {
            fetched: Err(e),
            state: Some((canon, state)),
            miss: false,
        }
    }
}

impl Crawler {
    /// Fetches the discovered articles that are not stored yet (or due for a re-check) and ingests them.
    pub(super) async fn fetch_articles(
        &self,
        src: &SourceConfig,
        found: Vec<Discovered>,
        token: &CancellationToken,
        sum: &mut SourceSummary,
    ) {
        let mut seen = HashSet::new();
        let mut links = Vec::new();
        for d in found {
            let canon = crate::dedup::canonical_url(d.url()).to_string();
            if seen.insert(canon.clone()) {
                links.push((canon, d));
            }
        }
        // Which links need a fetch: read from the store on the blocking pool, all at once.
        let recheck = self.cfg.crawl.recheck_after;
        let canons: Vec<String> = links.iter().map(|(c, _)| c.clone()).collect();
        let needs = self
            .read_store(move |s| {
                Ok(canons
                    .iter()
                    .map(|c| {
                        let need = needs_fetch(s, c, recheck)?;
                        // The state a conditional request needs, read here with the rest rather than once
                        // per article on the blocking pool.
                        let state = if need { s.fetch_state(c)? } else { None };
                        Ok((need, state))
                    })
                    .collect::<Vec<Result<_, crate::store::StoreError>>>())
            })
            .await;
        let needs = match needs {
            Ok(n) => n,
            Err(e) => {
                sum.errors.push(format!("reading the store: {e}"));
                return;
            }
        };
        let mut todo = Vec::new();
        for ((canon, d), need) in links.into_iter().zip(needs) {
            sum.links_found += 1;
            match need {
                Ok((true, state)) => todo.push((d, state.unwrap_or_default())),
                Ok((false, _)) => sum.already_stored += 1,
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
        let mut queued: VecDeque<Pending<WriteOutcome>> = VecDeque::new();
        let mut outcome = WriteOutcome::default();
        let mut results = stream::iter(todo)
            .map(|(d, state)| self.fetch_one(src, d, state, token))
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
                Err(e) => {
                    sum.pages_fetched += 1;
                    let kind = e.kind();
                    self.metrics
                        .count_fetch_error(src.id.as_str(), kind.as_str());
                    if sum.errors.is_empty() {
                        sum.error_kind = Some(kind.as_str());
                        sum.error_url = e.url().map(str::to_owned);
                    }
                    sum.errors.push(e.to_string());
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

    /// Fetches, extracts and cleans one article (following its extra pages). The article carries its page's
    /// fetch state into the store; a fetch that yields no article returns the state to record instead.
    async fn fetch_one(
        &self,
        src: &SourceConfig,
        d: Discovered,
        state: FetchState,
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
            Err(e) => return failed(canon, e),
        };
        if !resp.not_modified {
            return self.article_from(src, canon, resp, token).await;
        }
        self.metrics.not_modified.fetch_add(1, Relaxed);
        let key = canon.clone();
        if self
            .read_store(move |s| s.contains_url(&key))
            .await
            .unwrap_or(false)
        {
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
            Ok(r) if r.not_modified => FetchOutcome::failure(
                CrawlError::UnaskedNotModified {
                    url: url.to_string(),
                },
                canon,
                failure_state(Some(304), PageRole::Article),
            ),
            Ok(r) => self.article_from(src, canon, r, token).await,
            Err(e) => failed(canon, e),
        };
        out.miss = true;
        out
    }

    /// The article of a page fetched with a body, with its later pages ([`assemble::assemble`]). Its
    /// validators go with it into the store, unless a later page could not be read (then what is stored is
    /// not the whole page set the validators describe, and none are kept).
    async fn article_from(
        &self,
        src: &SourceConfig,
        canon: String,
        resp: crate::fetch::Response,
        token: &CancellationToken,
    ) -> FetchOutcome {
        self.metrics.pages_fetched.fetch_add(1, Relaxed);
        let status = resp.status;
        let (etag, last_modified) = (resp.etag.clone(), resp.last_modified.clone());
        let fail = |e: CrawlError, canon: String| {
            FetchOutcome::failure(e, canon, failure_state(Some(status), PageRole::Article))
        };
        let first = match self.extract_page(resp.into(), src.profile.clone()).await {
            Ok(x) => x,
            Err(e) => return fail(e, canon),
        };
        let later = |next: url::Url| async move {
            match self.polite(&Request::html(next), token).await {
                None => LaterPage::Cancelled,
                Some(Ok(r)) if r.not_modified => {
                    LaterPage::Failed("answered 304 to a request without validators".into())
                }
                Some(Ok(r)) => match self.extract_page(r.into(), src.profile.clone()).await {
                    Ok(x) => LaterPage::Read(Box::new(x.extracted)),
                    Err(e) => LaterPage::Failed(e.to_string()),
                },
                Some(Err(e)) => LaterPage::Failed(e.to_string()),
            }
        };
        let done = match assemble::assemble(first, true, later).await {
            None => return FetchOutcome::of(Ok(Fetched::Cancelled)),
            Some(Ok(done)) => done,
            Some(Err(e)) => return fail(e, canon),
        };
        let complete = done.skipped.is_empty();
        let st = FetchState {
            etag: etag.filter(|_| complete),
            last_modified: last_modified.filter(|_| complete),
            last_status: Some(status),
            fetched_at: Some(Timestamp::now()),
            next_due: None,
            role: PageRole::Article,
        };
        let pages = done.pages;
        FetchOutcome::of(
            self.fingerprint(src, done.article)
                .await
                .map(|i| Fetched::Article(Box::new(i.with_fetch_state(canon, st)), pages)),
        )
    }

    /// Fingerprints an article for the store ([`crate::dedup::fingerprint_article`]) on a CPU thread, so
    /// the store writer only writes.
    async fn fingerprint(
        &self,
        src: &SourceConfig,
        article: Article,
    ) -> Result<Incoming, CrawlError> {
        let (source, priority) = (src.id.clone(), src.priority);
        self.on_cpu(move || {
            let fp = crate::dedup::fingerprint_article(&article);
            Incoming::fingerprinted(article, fp, source, priority)
        })
        .await
    }

    /// Sniffs, decodes and extracts a fetched page on a CPU thread ([`assemble::extract_page`]).
    async fn extract_page(
        &self,
        page: Page,
        profile: Option<String>,
    ) -> Result<assemble::PageArticle, CrawlError> {
        self.on_cpu(move || {
            assemble::extract_page(page, assemble::profile_named(profile.as_deref()))
        })
        .await?
    }
}

/// Whether a link must be fetched: it is not stored, or it is due for a re-check.
fn needs_fetch(
    s: &dyn crate::store::Store,
    canonical: &str,
    recheck: std::time::Duration,
) -> Result<bool, crate::store::StoreError> {
    if !s.contains_url(canonical)? {
        return Ok(true);
    }
    if recheck.is_zero() {
        return Ok(false);
    }
    let last = s.fetch_state(canonical)?.and_then(|st| st.fetched_at);
    Ok(match last {
        None => true,
        Some(t) => elapsed_since(t) >= recheck,
    })
}

/// The outcome of a fetch of `canon` that failed with `e`, and the state to record (no validators).
fn failed(canon: String, e: FetchError) -> FetchOutcome {
    let status = discover::error_status(&e);
    // A link that is gone or is not a page settles it for its index page; anything else may come back.
    let role = match e {
        FetchError::Status {
            status: 404 | 410, ..
        }
        | FetchError::NotHtml { .. } => PageRole::NoArticle,
        _ => PageRole::Article,
    };
    let e = CrawlError::Fetch(e);
    let fetched = if e.is_robots_skip() {
        Ok(Fetched::Skipped)
    } else {
        Err(e)
    };
    FetchOutcome {
        fetched,
        state: Some((canon, failure_state(status, role))),
        miss: false,
    }
}
