//! The store writer's side of a crawl: one thread ([`super::workers`]) takes every write, so batches land
//! in the order they were queued. It ingests a batch of articles (each with its page's fetch state) and
//! flushes it before counting it stored, then records the fetch states that describe no new article; after
//! a source's last batch it saves its index pages' validators (only where every link is stored), and then
//! the source's health. Articles, fetch states and health take this one write path.

use jiff::Timestamp;
use tracing::{debug, warn};

use super::discover::IndexPage;
use super::workers::{self, Pending};
use super::Crawler;
use crate::config::SourceConfig;
use crate::metrics::Metrics;
use crate::model::SourceId;
use crate::store::{FetchState, Incoming, PageRole, Store};

impl Crawler {
    /// Queues one batch (and the fetch states that follow it) on the store writer; a writer that cannot take
    /// it is reported in `outcome`.
    pub(super) fn write(
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
    pub(super) async fn save_index_pages(
        &self,
        src: &SourceConfig,
        links: Vec<String>,
        pages: Vec<IndexPage>,
    ) {
        let store = self.store.clone();
        let job = self
            .writer
            .submit(move || save_index_pages(store.as_ref(), &links, pages));
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
}

/// What the store writer did for one source run.
#[derive(Default)]
pub(super) struct WriteOutcome {
    pub(super) new_articles: u64,
    pub(super) updated_articles: u64,
    pub(super) new_stories: u64,
    pub(super) errors: Vec<String>,
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

/// Saves each index page's validators if every link it stands for (`links[page.from..page.to]`) is stored or
/// settled (answered for good with no article); a page with a link still missing is saved without
/// validators, so that its next fetch is a full one. Each link is looked up once however many pages stand
/// for it. Runs on the store writer, after the batches queued before it. Returns (saved, held back).
fn save_index_pages(store: &dyn Store, links: &[String], pages: Vec<IndexPage>) -> (usize, usize) {
    let settled = |link: &str| {
        store.contains_url(link).unwrap_or(false)
            || store
                .fetch_state(link)
                .ok()
                .flatten()
                .is_some_and(|st| st.role == PageRole::NoArticle)
    };
    // missing_before[i]: how many of links[..i] are not settled.
    let mut missing_before = Vec::with_capacity(links.len() + 1);
    missing_before.push(0usize);
    for link in links {
        let last = missing_before.last().copied().unwrap_or(0);
        missing_before.push(last + usize::from(!settled(link)));
    }
    let count = |i: usize| missing_before.get(i).or(missing_before.last()).copied();
    let (mut saved, mut held) = (0, 0);
    for page in pages {
        let mut st = page.state;
        let missing = count(page.to)
            .unwrap_or(0)
            .saturating_sub(count(page.from).unwrap_or(0));
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
pub(super) fn failure_state(status: Option<u16>, role: PageRole) -> FetchState {
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
    match ingest_retrying(store, source, batch) {
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
            let e = crate::model::error_chain(&e);
            warn!(source = %source, error = %e, "ingest failed");
            out.errors.push(format!("storing {n} articles: {e}"));
        }
    }
}

/// The first wait before a write that failed for a transient reason is tried again.
const WRITE_RETRY_FIRST: std::time::Duration = std::time::Duration::from_millis(250);
/// The longest wait between two tries of a write.
const WRITE_RETRY_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a write is tried again before its failure is reported (a database restart takes seconds).
const WRITE_RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// [`Store::ingest_batch`], tried again with backoff while it fails for a transient reason (the database
/// restarted, a pooled connection went stale: [`crate::store::StoreError::is_transient`]) for up to
/// [`WRITE_RETRY_FOR`]. Repeating a batch is safe: ingest is idempotent, so a batch whose commit
/// happened but was not confirmed is stored once. On a store without transient failures the batch is
/// written once, without keeping a copy.
fn ingest_retrying(
    store: &dyn Store,
    source: &SourceId,
    batch: Vec<Incoming>,
) -> Result<Vec<crate::store::Ingested>, crate::store::StoreError> {
    if !store.has_transient_failures() {
        return store.ingest_batch(batch);
    }
    let started = std::time::Instant::now();
    let mut wait = WRITE_RETRY_FIRST;
    let mut tries = 1u32;
    loop {
        match store.ingest_batch(batch.clone()) {
            Err(e) if e.is_transient() && started.elapsed() + wait <= WRITE_RETRY_FOR => {
                warn!(source = %source, error = %crate::model::error_chain(&e), tries, retry_in = ?wait, "ingest failed for now; trying the batch again");
                std::thread::sleep(wait);
                wait = (wait * 2).min(WRITE_RETRY_MAX_WAIT);
                tries += 1;
            }
            done => return done,
        }
    }
}

/// Adds a finished write job's counts to `out`.
pub(super) fn merge_written(
    done: Result<WriteOutcome, workers::WorkerError>,
    out: &mut WriteOutcome,
) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Article;
    use crate::store::sled::SledStore;

    fn validated(etag: &str) -> FetchState {
        FetchState {
            etag: Some(etag.to_owned()),
            role: PageRole::Index,
            ..FetchState::default()
        }
    }

    /// Each index page keeps its validators only if every link of its own range is stored: ranges of one
    /// shared list, overlapping (listing pages: each stands for the rest of the run) or not (e-paper issues).
    #[test]
    fn validators_are_saved_only_for_pages_whose_range_is_all_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SledStore::open(dir.path()).expect("open");
        let link = |n: usize| format!("http://news.example/a/{n}.html");
        let source = SourceId::new("s").expect("id");
        let stored: Vec<Incoming> = [0, 1, 3, 4]
            .into_iter()
            .map(|n| {
                let a = Article {
                    url: link(n),
                    title: format!("第{n}篇"),
                    paragraphs: vec![format!("第{n}篇文章的正文，讲述工会为职工办实事的经过。")],
                    ..Article::default()
                };
                Incoming::new(a, source.clone(), 1)
            })
            .collect();
        store.ingest_batch(stored).expect("ingest");
        let links: Vec<String> = (0..5).map(link).collect();
        let pages = vec![
            // Listing pages: 0..5 and 2..5 take in the missing link 2; 3..5 does not.
            IndexPage::standing_for("http://news.example/list/1", validated("\"p1\""), 0, 5),
            IndexPage::standing_for("http://news.example/list/2", validated("\"p2\""), 2, 5),
            IndexPage::standing_for("http://news.example/list/3", validated("\"p3\""), 3, 5),
            // An issue standing for links 0..2 only.
            IndexPage::standing_for("http://news.example/issue/1", validated("\"i1\""), 0, 2),
        ];
        assert_eq!(save_index_pages(&store, &links, pages), (2, 2));
        let etag = |url: &str| {
            store
                .fetch_state(url)
                .expect("read")
                .expect("a state is saved either way")
                .etag
        };
        assert_eq!(etag("http://news.example/list/1"), None);
        assert_eq!(etag("http://news.example/list/2"), None);
        assert_eq!(
            etag("http://news.example/list/3").as_deref(),
            Some("\"p3\"")
        );
        assert_eq!(
            etag("http://news.example/issue/1").as_deref(),
            Some("\"i1\"")
        );
    }
}
