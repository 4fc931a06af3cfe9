//! The store: the [`Store`] trait every engine implements, the plain types it takes and returns, and the
//! engine-neutral [`StoreError`].
//!
//! The rest of the program holds a [`SharedStore`] (`Arc<dyn Store>`) and never names an engine. The
//! engines are [`sled`] (embedded, the default; [`open`] and [`open_existing`] take its path) and
//! [`postgres`] (a shared database); [`open_url`] and [`open_url_existing`] choose by the URL.
//!
//! Calling convention: every operation is synchronous and may block on I/O, so it runs on a worker thread
//! (the crawl's store writer, or tokio's blocking pool through [`blocking`]), never on the async reactor.
//!
//! Policy is not the engine's: which version of an article is kept, which copy leads a story and which
//! stored near-duplicate a new article joins are pure functions in [`crate::dedup::story`], and the
//! near-duplicate fingerprint is computed by [`crate::dedup`] before an article reaches the store
//! ([`Incoming`]). An engine stores and looks up what they decide.

use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use crate::dedup::Fingerprint;
use crate::model::{Article, ArticleId, SourceId, StoryId};

pub mod lease;
pub mod postgres;
pub mod query;
pub mod sled;

pub use crate::model::{
    FetchState, Ingested, PageRole, SourceError, SourceState, SourceStatus, StoredArticle,
    StoryView,
};
pub use lease::{ClaimRequest, Claimed, HostTurnAnswer, Lease};
pub use query::{Cursor, StoryPage};
pub use sled::SalvageReport;

/// What can go wrong in a store, whatever the engine.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store's lock.
    #[error(
        "opening store {location}: it is locked by another process (probably a running unionwire daemon); stop it or use another --store"
    )]
    Locked {
        /// The store (a directory).
        location: String,
    },
    /// The store was written by a newer unionwire.
    #[error(
        "opening store {location}: schema version {found} is newer than this build supports ({supported}); upgrade unionwire"
    )]
    NewerSchema {
        /// The store.
        location: String,
        /// The version recorded in the store.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A command that only reads was pointed at a place with no store in it.
    #[error(
        "no store at {location}: nothing has been crawled into it yet (`unionwire crawl --once` or `unionwire run` make one), or --store / [store] path should point elsewhere"
    )]
    Missing {
        /// The store.
        location: String,
    },
    /// The path exists but is not a unionwire store, so nothing is written into it.
    #[error("refusing {location}: it is not a unionwire store ({detail}); nothing was written there (choose a new or empty directory)")]
    NotAStore {
        /// The path.
        location: String,
        /// What is there instead.
        detail: String,
    },
    /// A salvage or copy was pointed at a store that holds something.
    #[error(
        "refusing to salvage into {location}: it is not empty; choose a new or empty directory"
    )]
    NotEmpty {
        /// The target.
        location: String,
    },
    /// The store cannot be used: the engine reports corruption, or the schema record is damaged.
    #[error(
        "opening store {location}: the store is damaged ({detail}); `unionwire db salvage --to NEW_DIR` copies every readable record into a new store"
    )]
    Damaged {
        /// The store.
        location: String,
        /// What was found.
        detail: String,
    },
    /// An operation of the engine failed (I/O, a lost connection, a full disk).
    #[error("store {op}")]
    Backend {
        /// The operation.
        op: &'static str,
        /// The engine's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A record could not be encoded.
    #[error("encoding {what}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// serde's error.
        #[source]
        source: serde_json::Error,
    },
    /// The database server cannot be reached (or its URL is not one), so nothing was opened.
    #[error("cannot open store {location}: {detail}")]
    Unavailable {
        /// The database address, without its password.
        location: String,
        /// What went wrong.
        detail: String,
    },
    /// An article without any URL cannot be identified.
    #[error("ingesting article {title:?}: it has no URL")]
    NoUrl {
        /// The article's title.
        title: String,
    },
}

impl StoreError {
    /// Whether the operation may succeed if tried again: the database server was unreachable, went
    /// away mid-operation (a restart) or refused it for the moment (starting up, a serialization
    /// conflict). A write that failed so is safe to repeat: ingest is idempotent.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Unavailable { .. } => true,
            StoreError::Backend { source, .. } => postgres::is_transient(source.as_ref()),
            _ => false,
        }
    }

    /// An engine failure in `op`.
    pub fn backend(
        op: &'static str,
    ) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> StoreError {
        move |source| StoreError::Backend { op, source }
    }
}

/// An article on its way into the store, with its near-duplicate fingerprint computed ahead by
/// [`crate::dedup::fingerprint_article`] (the crawl does that on its CPU threads, in parallel, and leaves
/// the store writer only the writes).
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The article.
    pub article: Article,
    /// The source it came from.
    pub source: SourceId,
    /// The source's priority.
    pub priority: i32,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// The URL the article was asked for and its fetch state, written in the article's own atomic write.
    pub fetched: Option<(String, FetchState)>,
    /// "Now" for this write (tests and replays); the time of the write when `None`.
    pub at: Option<Timestamp>,
}

impl Incoming {
    /// Fingerprints `article` ([`crate::dedup::fingerprint_article`]).
    #[must_use]
    pub fn new(article: Article, source: SourceId, priority: i32) -> Self {
        let fingerprint = crate::dedup::fingerprint_article(&article);
        Self::fingerprinted(article, fingerprint, source, priority)
    }

    /// An article whose fingerprint was computed already.
    #[must_use]
    pub fn fingerprinted(
        article: Article,
        fingerprint: Fingerprint,
        source: SourceId,
        priority: i32,
    ) -> Self {
        Self {
            article,
            source,
            priority,
            fingerprint,
            fetched: None,
            at: None,
        }
    }

    /// Records `state` as the fetch state of `url` (the URL the article was asked for, canonicalised) in the
    /// same atomic write as the article, with `url` added to the URL index: the validators exist exactly
    /// when the article does. The state's role becomes [`PageRole::Article`].
    #[must_use]
    pub fn with_fetch_state(mut self, url: String, mut state: FetchState) -> Self {
        state.role = PageRole::Article;
        self.fetched = Some((url, state));
        self
    }

    /// Writes with `now` as the time (first seen, last seen, changed at).
    #[must_use]
    pub fn at(mut self, now: Timestamp) -> Self {
        self.at = Some(now);
        self
    }
}

impl From<(Article, SourceId, i32)> for Incoming {
    /// `(article, source, priority)`, fingerprinted.
    fn from((article, source, priority): (Article, SourceId, i32)) -> Self {
        Self::new(article, source, priority)
    }
}

/// Which stories [`Store::stories_page`] returns.
#[derive(Debug, Clone, Default)]
pub struct StoryFilter {
    /// Only stories with a member from one of these sources.
    pub sources: Option<Vec<SourceId>>,
    /// Only stories whose lead or a member has this text in its title or body.
    pub q: Option<String>,
}

/// Whether an article's title or a paragraph contains `q` (ASCII letters compared case-insensitively): the
/// search every engine applies.
#[must_use]
pub(crate) fn matches_q(a: &Article, q: &str) -> bool {
    let q = q.to_ascii_lowercase();
    a.title.to_ascii_lowercase().contains(&q)
        || a.paragraphs
            .iter()
            .any(|p| p.to_ascii_lowercase().contains(&q))
}

/// Counts and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Stored articles.
    pub articles: u64,
    /// Stories.
    pub stories: u64,
    /// Bytes on disk (the engine's count).
    pub size_on_disk: u64,
    /// The schema version.
    pub schema_version: u32,
    /// The feed generation.
    pub generation: u64,
}

/// One problem [`Store::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The key, printable (prefix letter, then hex or text).
    pub key: String,
    /// What is wrong.
    pub what: String,
}

/// What [`Store::verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Records checked.
    pub records: u64,
    /// Problems found.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// No problem found.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What [`Store::prune`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Stories removed.
    pub stories: u64,
    /// Articles removed (the copies of those stories).
    pub articles: u64,
    /// URL index entries removed.
    pub url_entries: u64,
    /// Fetch states of those URLs removed (a later crawl fetches such a page in full).
    pub fetch_states: u64,
}

/// A counter of the changes to the store this process knows of: each write or prune this process commits
/// moves it, and so does, on PostgreSQL, a change another process announces (LISTEN/NOTIFY, when asked
/// for with [`Store::changes`]). Servers wait on it to re-read [`Store::generation`] at once instead of at
/// their next refresh; it says only "look again", never what changed, and nothing depends on it moving.
#[derive(Debug, Clone)]
pub struct ChangeCounter(Arc<tokio::sync::watch::Sender<u64>>);

impl ChangeCounter {
    /// A counter at zero.
    #[must_use]
    pub fn new() -> Self {
        Self(Arc::new(tokio::sync::watch::Sender::new(0)))
    }

    /// Counts one change and wakes every subscriber.
    pub fn bump(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that sees the counter move.
    #[must_use]
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.subscribe()
    }
}

impl Default for ChangeCounter {
    fn default() -> Self {
        Self::new()
    }
}

/// The state of an engine's connection pool (PostgreSQL): what `/metrics` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PoolStatus {
    /// Most connections the pool opens.
    pub max_size: usize,
    /// Connections open now (in use or idle).
    pub size: usize,
    /// Idle connections ready to use.
    pub available: usize,
    /// Operations waiting for a connection.
    pub waiting: usize,
}

/// A store engine. Every operation is synchronous (see the module's calling convention); an engine is
/// shared between threads as a [`SharedStore`].
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Where the store is, for messages: a directory, or a database address without its password.
    fn location(&self) -> String;

    /// Whether a write can fail for a moment and succeed when tried again ([`StoreError::is_transient`]:
    /// a database server restarting). Writers keep a copy of a batch to try again only then; an embedded
    /// store's failures are final.
    fn has_transient_failures(&self) -> bool {
        false
    }

    /// Stores each article, or updates it if its canonical URL is already stored (the version merge of
    /// [`crate::dedup::story::next_version`]), and places it in a story: the story of the closest stored
    /// near-duplicate ([`crate::dedup::story::closest`]), else a new one. Each article is one atomic write
    /// with its fetch state; the whole is not yet durable (see [`Store::flush`]).
    ///
    /// # Errors
    /// [`StoreError::NoUrl`] for an article without URL (the articles before it are written); engine
    /// failures.
    fn write(&self, items: Vec<Incoming>) -> Result<Vec<Ingested>, StoreError>;

    /// Makes everything written so far durable (fsync, or a commit).
    ///
    /// # Errors
    /// When the engine cannot.
    fn flush(&self) -> Result<(), StoreError>;

    /// The article with this id. A damaged record reads as absent (and is reported by [`Store::verify`]).
    ///
    /// # Errors
    /// Engine failures.
    fn get(&self, id: &ArticleId) -> Result<Option<StoredArticle>, StoreError>;

    /// The article stored for a URL (canonicalised; a recognised mirror URL finds its origin).
    ///
    /// # Errors
    /// Engine failures.
    fn by_url(&self, url: &str) -> Result<Option<StoredArticle>, StoreError>;

    /// Whether an article is stored for this URL (canonicalised).
    ///
    /// # Errors
    /// Engine failures.
    fn contains_url(&self, url: &str) -> Result<bool, StoreError>;

    /// A story with its members; `None` when unknown (or its lead's record is damaged).
    ///
    /// # Errors
    /// Engine failures.
    fn story(&self, id: &StoryId) -> Result<Option<StoryView>, StoreError>;

    /// Up to `limit` stories newest first (by the lead's published, else first seen) matching `filter`,
    /// strictly older than `before` when given. `next` is set when older matching stories exist.
    ///
    /// # Errors
    /// Engine failures.
    fn stories_page(
        &self,
        filter: &StoryFilter,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError>;

    /// Up to `limit` stories `source` carried, newest first by that source's article (published, else
    /// first seen), each story once, optionally only those whose articles match `q`, strictly older than
    /// `before` when given. The cursors are of the source's articles.
    ///
    /// # Errors
    /// Engine failures.
    fn source_stories_page(
        &self,
        source: &SourceId,
        q: Option<&str>,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError>;

    /// A source's articles, newest first (published, else first seen), optionally filtered by `q`.
    ///
    /// # Errors
    /// Engine failures.
    fn recent_articles(
        &self,
        source: &SourceId,
        q: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError>;

    /// Every readable article, in id order (damaged records are skipped and logged).
    fn articles(&self) -> Box<dyn Iterator<Item = Result<StoredArticle, StoreError>> + '_>;

    /// The story a fingerprint would join (the closest stored near-duplicate's); `None` when it would
    /// found a new story.
    ///
    /// # Errors
    /// Engine failures.
    fn near_duplicate_story(&self, fp: &Fingerprint) -> Result<Option<StoryId>, StoreError>;

    /// The fetch state of a URL (canonicalised).
    ///
    /// # Errors
    /// Engine failures.
    fn fetch_state(&self, url: &str) -> Result<Option<FetchState>, StoreError>;

    /// Records the fetch state of a URL (canonicalised) as given; nothing else. The caller keeps the rule
    /// that validators exist only for what is stored (an article page's state goes in through
    /// [`Incoming::with_fetch_state`]); [`Store::verify`] reports a state that breaks it.
    ///
    /// # Errors
    /// Engine failures.
    fn set_fetch_state(&self, url: &str, st: &FetchState) -> Result<(), StoreError>;

    /// Removes every fetch state [`Store::verify`] reports (undecodable, or validators claiming an
    /// article the store lacks), durably. Returns what was removed.
    ///
    /// # Errors
    /// Engine failures.
    fn repair_fetch_states(&self) -> Result<Vec<Problem>, StoreError>;

    /// The health record of a source.
    ///
    /// # Errors
    /// Engine failures.
    fn source_state(&self, id: &SourceId) -> Result<Option<SourceState>, StoreError>;

    /// Records the health of a source.
    ///
    /// # Errors
    /// Engine failures.
    fn set_source_state(&self, id: &SourceId, st: &SourceState) -> Result<(), StoreError>;

    /// A counter, kept in the store itself, that changes whenever a story's content or membership changes:
    /// a feed cache key that every process reading the store sees move.
    ///
    /// # Errors
    /// Engine failures.
    fn generation(&self) -> Result<u64, StoreError>;

    /// The change counter of this process ([`ChangeCounter`]): a receiver that moves after every write
    /// or prune this process commits. With `remote`, an engine shared between processes also moves it
    /// when another process announces a change (PostgreSQL: LISTEN, started on the first such call and
    /// reconnected when the connection drops); sled, which one process owns, has nothing to add.
    fn changes(&self, remote: bool) -> tokio::sync::watch::Receiver<u64>;

    /// The fingerprint an article is indexed under (`db copy` moves it with the record).
    ///
    /// # Errors
    /// Engine failures.
    fn fingerprint(&self, id: &ArticleId) -> Result<Option<Fingerprint>, StoreError>;

    /// `db copy`: writes a story as another store keeps it — its members' records as they are (ids,
    /// times, story), in lead order, each indexed under its fingerprint, with its URL index entries
    /// (canonical and fetched URL), source index and counters — in one atomic write (durable at the next
    /// [`Store::flush`]; on PostgreSQL committed on return). A story the store has already is left alone
    /// (`false`): a copy run again goes on where it stopped.
    ///
    /// # Errors
    /// Engine failures; a member stored here already under another story.
    fn import_story(
        &self,
        id: &StoryId,
        members: Vec<(StoredArticle, Fingerprint)>,
    ) -> Result<bool, StoreError>;

    /// Every fetch state, by URL identity key ([`crate::dedup::url_key_str`]; [`Store::set_fetch_state`]
    /// takes the key back as it is), in key order.
    ///
    /// # Errors
    /// Engine failures.
    fn fetch_states(&self) -> Result<Vec<(String, FetchState)>, StoreError>;

    /// Every source's health record, in id order.
    ///
    /// # Errors
    /// Engine failures.
    fn source_states(&self) -> Result<Vec<(SourceId, SourceState)>, StoreError>;

    /// The state of the engine's connection pool; `None` for an engine without one (sled).
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }

    /// Articles, stories, size on disk.
    ///
    /// # Errors
    /// Engine failures.
    fn stats(&self) -> Result<Stats, StoreError>;

    /// Checks every record and index; reports each bad key; changes nothing.
    ///
    /// # Errors
    /// Engine failures.
    fn verify(&self) -> Result<VerifyReport, StoreError>;

    /// Retention (`db prune`, `store.retention`): removes every story none of whose copies has been current
    /// since `cutoff` (a copy is current from the later of its publication, else first-seen, time and its
    /// first-seen time), with its articles and everything that refers to them (fingerprints, URL index
    /// entries and their fetch states, near-duplicate postings, source index), one atomic write per story,
    /// and fixes the counters; then flushes. [`Store::verify`] stays clean.
    ///
    /// # Errors
    /// Engine failures (the stories removed before one stay removed, each whole).
    fn prune(&self, cutoff: Timestamp) -> Result<PruneReport, StoreError>;

    /// [`Store::write`], then [`Store::flush`]: what this returns is durable.
    ///
    /// # Errors
    /// As those two.
    fn ingest_batch(&self, items: Vec<Incoming>) -> Result<Vec<Ingested>, StoreError> {
        let done = self.write(items)?;
        self.flush()?;
        Ok(done)
    }

    /// Writes one article (fingerprinted here) from `source`, not yet durable.
    ///
    /// # Errors
    /// As [`Store::write`].
    fn ingest(
        &self,
        article: Article,
        source: &SourceId,
        priority: i32,
    ) -> Result<Ingested, StoreError> {
        one(self.write(vec![Incoming::new(article, source.clone(), priority)])?)
    }

    /// [`Store::ingest`] with an explicit "now" (tests, replays).
    ///
    /// # Errors
    /// As [`Store::write`].
    fn ingest_at(
        &self,
        article: Article,
        source: &SourceId,
        priority: i32,
        now: Timestamp,
    ) -> Result<Ingested, StoreError> {
        one(self.write(vec![
            Incoming::new(article, source.clone(), priority).at(now)
        ])?)
    }

    /// The first page of [`Store::stories_page`].
    ///
    /// # Errors
    /// Engine failures.
    fn recent_stories(
        &self,
        filter: &StoryFilter,
        limit: usize,
    ) -> Result<Vec<StoryView>, StoreError> {
        Ok(self
            .stories_page(filter, None, limit)?
            .stories
            .into_iter()
            .map(|(view, _)| view)
            .collect())
    }

    /// Claims up to `req.limit` of `req.candidates` (in their order) for `req.owner`, each for `req.ttl`:
    /// those no live lease holds (a lease whose expiry has passed is taken over, whoever held it) and,
    /// with `req.only_due`, whose stored state makes them due at `req.now`. One transaction: every
    /// process sharing the store sees each source claimed by at most one owner at a time.
    ///
    /// # Errors
    /// Engine failures (then nothing was claimed).
    fn claim_sources(&self, req: &ClaimRequest<'_>) -> Result<Vec<Claimed>, StoreError>;

    /// Extends `owner`'s lease on `source` to `now + ttl`. `false` when `owner` no longer holds it (it
    /// expired and another owner took it over, or it was released).
    ///
    /// # Errors
    /// Engine failures.
    fn renew_lease(
        &self,
        source: &SourceId,
        owner: &str,
        now: Timestamp,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError>;

    /// Ends `owner`'s lease on `source` (nothing when another owner holds it now).
    ///
    /// # Errors
    /// Engine failures.
    fn release_lease(&self, source: &SourceId, owner: &str) -> Result<(), StoreError>;

    /// Every source lease held now (live or expired but not yet taken over), by source.
    ///
    /// # Errors
    /// Engine failures.
    fn leases(&self) -> Result<Vec<Lease>, StoreError>;

    /// Whether politeness per host is kept in the store for every process that shares it
    /// ([`Store::take_host_turn`]); when `false` (an engine one process opens) the fetcher's own per-host
    /// gate is the whole of it and the host-turn operations are not used.
    fn shares_host_turns(&self) -> bool {
        false
    }

    /// Takes the turn at `host` for `holder` if no other holder's request is in flight there (a turn
    /// whose `in_flight_ttl` passed is over), the gap since the last request is over and no hold is on:
    /// then no other request may start there for `gap`. Otherwise says how long to wait. Atomic across
    /// every process sharing the store, on the store's clock.
    ///
    /// # Errors
    /// Engine failures; an engine that does not share host turns refuses.
    fn take_host_turn(
        &self,
        host: &str,
        holder: &str,
        gap: std::time::Duration,
        in_flight_ttl: std::time::Duration,
    ) -> Result<HostTurnAnswer, StoreError> {
        let _ = (host, holder, gap, in_flight_ttl);
        Err(unshared())
    }

    /// Ends `holder`'s turn at `host`: the next request may start `gap` after now, not before.
    ///
    /// # Errors
    /// As [`Store::take_host_turn`].
    fn end_host_turn(
        &self,
        host: &str,
        holder: &str,
        gap: std::time::Duration,
    ) -> Result<(), StoreError> {
        let _ = (host, holder, gap);
        Err(unshared())
    }

    /// Puts `host` on hold for `wait` from now (`Retry-After`), unless a longer hold is on already.
    ///
    /// # Errors
    /// As [`Store::take_host_turn`].
    fn hold_host(&self, host: &str, wait: std::time::Duration) -> Result<(), StoreError> {
        let _ = (host, wait);
        Err(unshared())
    }
}

fn unshared() -> StoreError {
    StoreError::Backend {
        op: "host turns",
        source: "this engine is opened by one process and keeps no shared host state".into(),
    }
}

/// A store shared by threads and tasks.
pub type SharedStore = Arc<dyn Store>;

fn one(mut done: Vec<Ingested>) -> Result<Ingested, StoreError> {
    done.pop().ok_or_else(|| StoreError::Backend {
        op: "write article",
        source: "the engine returned no result for the article".into(),
    })
}

/// Opens (creating if missing) the store at `path`.
///
/// # Errors
/// [`StoreError::Locked`] when another process holds it; [`StoreError::NewerSchema`] for a store from a
/// newer build; [`StoreError::Damaged`] or [`StoreError::NotAStore`]; engine failures.
pub fn open(path: &Path) -> Result<SharedStore, StoreError> {
    Ok(Arc::new(sled::SledStore::open(path)?))
}

/// Opens the store at `path` for a command that only reads it: a missing (or empty) directory is
/// [`StoreError::Missing`], and nothing is created.
///
/// # Errors
/// [`StoreError::Missing`], or as [`open`].
pub fn open_existing(path: &Path) -> Result<SharedStore, StoreError> {
    Ok(Arc::new(sled::SledStore::open_existing(path)?))
}

/// Opens (creating or migrating the schema if needed) the store a URL names: PostgreSQL for
/// `postgres://` and `postgresql://` URLs, else the sled store at the path.
///
/// # Errors
/// [`StoreError::Unavailable`] when the database cannot be reached; [`StoreError::NewerSchema`]; as
/// [`open`] for a path.
pub fn open_url(url: &str) -> Result<SharedStore, StoreError> {
    if postgres::is_postgres_url(url) {
        Ok(Arc::new(postgres::PgStore::open(url)?))
    } else {
        open(Path::new(url))
    }
}

/// [`open_url`] for a command that only reads: a database without the schema (or a missing
/// directory) is [`StoreError::Missing`], and nothing is created.
///
/// # Errors
/// [`StoreError::Missing`], or as [`open_url`].
pub fn open_url_existing(url: &str) -> Result<SharedStore, StoreError> {
    if postgres::is_postgres_url(url) {
        Ok(Arc::new(postgres::PgStore::open_existing(url)?))
    } else {
        open_existing(Path::new(url))
    }
}

/// Copies every readable record of the store at `from` into a new store at `to` (`db salvage`).
///
/// # Errors
/// As [`sled::SledStore::salvage`].
pub fn salvage(from: &Path, to: &Path) -> Result<SalvageReport, StoreError> {
    sled::SledStore::salvage(from, to)
}

/// Runs a store operation on tokio's blocking pool (the calling convention for async code).
///
/// # Errors
/// The operation's error; a panicked operation is reported as an engine failure.
pub async fn blocking<T, F>(store: &SharedStore, f: F) -> Result<T, StoreError>
where
    F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| StoreError::Backend {
            op: "run on the blocking pool",
            source: Box::new(e),
        })?
}
