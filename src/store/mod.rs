//! The store: the only module that names sled (0.34.7).
//!
//! One sled tree, `unionwire/v1`, holds every record under a one-byte key prefix:
//!
//! | prefix | key after the prefix | value |
//! |---|---|---|
//! | `a` | article id (16 bytes) | [`StoredArticle`] as checked JSON |
//! | `f` | article id | fingerprint: SimHash then anchors, 8 bytes each, big-endian |
//! | `u` | URL identity key ([`crate::dedup::url_key`]) | article id |
//! | `s` | story id (16 bytes) | story record (members, lead) as checked JSON |
//! | `t` | story sort time (8 bytes, order-preserving) + story id | empty: stories newest-last |
//! | `B` | band number (1) + band (2) | band index: postings of SimHash (8) + article id (16) |
//! | `H` | anchor (8) | sentence-anchor index: postings of article id (16) + story id (16) |
//! | `x` | source id + `0x00` + sort time (8) + article id | empty: a source's articles by time |
//! | `F` | URL identity key | [`FetchState`] as checked JSON (an article page's is written in its article's batch) |
//! | `S` | source id | [`SourceState`] as checked JSON |
//! | `m` | `schema`, `generation`, `articles`, `stories` | big-endian integers |
//!
//! The two fingerprint indexes keep every posting of one key in one value (an append-only list under
//! the ingest lock), so a near-duplicate lookup is four `get`s for the bands plus one per anchor, and
//! candidates are filtered on the full SimHash in memory: its cost does not grow with the number of keys
//! in the tree the way a prefix scan over one key per posting did (schema 1 kept one `b` key per band
//! and article and one `h` key per anchor and article; [`migrate`] rewrites them).
//!
//! "Checked JSON" is a format byte, an 8-byte hash of the JSON, then the JSON: a torn or damaged value
//! is detected, reported by [`Store::verify`] with its key, and skipped by readers. Every ingest is one
//! read-modify-write under a process-local lock, written with one atomic sled batch; an ingest batch is
//! flushed (fsync) before [`Store::ingest_batch`] returns. sled locks its directory: a second process
//! gets [`StoreError::Locked`] at once.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::dedup::{self, Fingerprint};
use crate::model::{Article, ArticleId, Flag, SourceId, StoryId};

pub mod query;
mod salvage;
pub use salvage::SalvageReport;

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 2;
/// The tree every record lives in (versioned with the key layout).
const TREE: &str = "unionwire/v1";
/// Format byte of a checked JSON value.
const ENVELOPE_V1: u8 = 1;
/// At most this many postings are kept under one band key (random SimHashes put about one in 65,536 of
/// the store there; a band shared by thousands of pages is boilerplate, not a story).
const MAX_BAND_POSTINGS: usize = 1024;
/// At most this many postings are kept under one anchor key (an anchor in more than
/// [`dedup::MAX_ANCHOR_STORIES`] stories is a stock phrase, whatever else carries it).
const MAX_ANCHOR_POSTINGS: usize = 64;
/// Bytes of one band posting: SimHash (8) + article id (16).
const BAND_POSTING: usize = 24;
/// Bytes of one anchor posting: article id (16) + story id (16).
const ANCHOR_POSTING: usize = 32;
/// sled's page cache, in bytes. sled's default is 1 GiB, far past the crawler's 100 MB RSS budget. The
/// hot set of a crawl (the band and anchor lists, recent stories, the index nodes) fits in much less, and
/// the kernel's page cache serves the rest of the file: measured on the 2,000-article crawl benchmark,
/// peak RSS 104 MB at 32 MiB, 97 MB at 16 MiB, 94 MB at 8 MiB, while a near-duplicate lookup among 1M
/// stored fingerprints cost the same CPU (about 0.2 ms) at 8 and 32 MiB (`cargo bench --bench store`).
pub const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store's lock.
    #[error(
        "opening store {path}: it is locked by another process (probably a running unionwire daemon); stop it or use another --store"
    )]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// The store was written by a newer unionwire.
    #[error(
        "opening store {path}: schema version {found} is newer than this build supports ({supported}); upgrade unionwire"
    )]
    NewerSchema {
        /// The store directory.
        path: PathBuf,
        /// The version recorded in the store.
        found: u32,
        /// [`SCHEMA_VERSION`].
        supported: u32,
    },
    /// A command that only reads was pointed at a directory with no store in it.
    #[error(
        "no store at {path}: nothing has been crawled into it yet (`unionwire crawl --once` or `unionwire run` make one), or --store / [store] path should point elsewhere"
    )]
    Missing {
        /// The store directory.
        path: PathBuf,
    },
    /// The path exists but is not a unionwire store, so nothing is written into it.
    #[error("refusing {path}: it is not a unionwire store ({detail}); nothing was written there (choose a new or empty directory)")]
    NotAStore {
        /// The path.
        path: PathBuf,
        /// What is there instead.
        detail: String,
    },
    /// A salvage was pointed at a directory that holds something.
    #[error("refusing to salvage into {path}: it is not empty; choose a new or empty directory")]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// The store cannot be used: sled reports corruption, or the schema record is damaged.
    #[error(
        "opening store {path}: the store is damaged ({detail}); `unionwire db salvage --to NEW_DIR` copies every readable record into a new store"
    )]
    Damaged {
        /// The store directory.
        path: PathBuf,
        /// What was found.
        detail: String,
    },
    /// A sled operation failed.
    #[error("store {op}")]
    Sled {
        /// The operation.
        op: &'static str,
        /// sled's error.
        #[source]
        source: sled::Error,
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
    /// An article without any URL cannot be identified.
    #[error("ingesting article {title:?}: it has no URL")]
    NoUrl {
        /// The article's title.
        title: String,
    },
}

impl StoreError {
    fn sled(op: &'static str) -> impl FnOnce(sled::Error) -> StoreError {
        move |source| StoreError::Sled { op, source }
    }
}

/// The exit code a store error maps to, if `error` is one: [`crate::commands::EXIT_STORE_LOCKED`] for
/// a store held by another process, [`crate::commands::EXIT_STORE_BAD`] for a damaged or newer store.
#[must_use]
pub fn exit_code_for(error: &(dyn std::error::Error + 'static)) -> Option<u8> {
    match error.downcast_ref::<StoreError>()? {
        StoreError::Locked { .. } => Some(crate::commands::EXIT_STORE_LOCKED),
        StoreError::NewerSchema { .. } | StoreError::Damaged { .. } => {
            Some(crate::commands::EXIT_STORE_BAD)
        }
        _ => None,
    }
}

/// An article on its way into the store, with its near-duplicate fingerprint computed ahead: the
/// crawl fingerprints on its extraction threads, in parallel, and leaves the store writer only the writes.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The article.
    pub article: Article,
    /// The source it came from.
    pub source: SourceId,
    /// The source's priority.
    pub priority: i32,
    fingerprint: Fingerprint,
    /// The URL the article was fetched under and its fetch state, written in the article's own batch.
    fetched: Option<(String, FetchState)>,
}

impl Incoming {
    /// Fingerprints `article` (title and body text, as [`Store::ingest`] would).
    #[must_use]
    pub fn new(article: Article, source: SourceId, priority: i32) -> Self {
        let fingerprint = dedup::fingerprint(&article.title, &article.body_text());
        Self {
            article,
            source,
            priority,
            fingerprint,
            fetched: None,
        }
    }

    /// Records `state` as the fetch state of `url` (the URL the article was asked for, canonicalised) in the
    /// same atomic sled batch as the article, with `url` added to the URL index: the validators exist exactly
    /// when the article does. The state's role becomes [`PageRole::Article`].
    #[must_use]
    pub fn with_fetch_state(mut self, url: String, mut state: FetchState) -> Self {
        state.role = PageRole::Article;
        self.fetched = Some((url, state));
        self
    }
}

/// What [`Store::ingest`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The article's id.
    pub id: ArticleId,
    /// The story it belongs to.
    pub story: StoryId,
    /// It was not stored before.
    pub new_article: bool,
    /// It founded a new story.
    pub new_story: bool,
    /// Something a feed shows changed (new article, new content, new lead).
    pub changed: bool,
}

/// An article as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredArticle {
    /// Its id (hash of its canonical URL's identity key).
    pub id: ArticleId,
    /// Its story.
    pub story: StoryId,
    /// The configured source it came from.
    pub source_id: SourceId,
    /// That source's priority (higher wins a tie for story lead).
    pub priority: i32,
    /// When it was first stored.
    pub first_seen: Timestamp,
    /// When it was last fetched.
    pub last_seen: Timestamp,
    /// When a fetch last changed what it shows (title, text, byline…), if one ever did after the first.
    #[serde(default)]
    pub changed_at: Option<Timestamp>,
    /// Its SimHash.
    pub simhash: u64,
    /// The article (its `canonical_url` set by [`crate::dedup::canonical_article_url`]).
    pub article: Article,
}

impl StoredArticle {
    /// The time feeds sort it by: published, else first seen.
    #[must_use]
    pub fn sort_time(&self) -> Timestamp {
        self.article
            .published
            .map_or(self.first_seen, |p| p.instant)
    }
}

/// A story: its lead article and the others that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryView {
    /// The story's id.
    pub id: StoryId,
    /// Earliest published (ties: higher source priority).
    pub lead: StoredArticle,
    /// Every other member ("also carried by"), in lead order.
    pub also: Vec<StoredArticle>,
}

/// Which stories [`Store::recent_stories`] returns.
#[derive(Debug, Clone, Default)]
pub struct StoryFilter {
    /// Only stories with a member from one of these sources.
    pub sources: Option<Vec<SourceId>>,
    /// Only stories whose lead or a member has this text in its title or body.
    pub q: Option<String>,
}

/// What a URL with a [`FetchState`] is to the crawler, which decides what its validators stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PageRole {
    /// Written before roles were recorded (schema 2 without this field): it cannot say whether it is an
    /// index page or an article page. The crawler does not trust such an index page's validators.
    #[default]
    Unknown,
    /// An index page (listing page, feed, Hanweb column, e-paper issue): its validators stand for every link
    /// it yielded, and are saved only once each of those is stored (or settled, see [`PageRole::NoArticle`]).
    Index,
    /// An article page: validators are written only in the sled batch that stores its article
    /// ([`Incoming::with_fetch_state`]), or when the article is already stored.
    Article,
    /// A link that answered for good with no article (404, 410, or not HTML): it settles the link for the
    /// index page that listed it. Never carries validators.
    NoArticle,
}

/// Conditional-GET and schedule state of one URL.
///
/// The rule (DESIGN decision 9): validators are saved only for what is stored. An article page's state goes
/// into the same atomic batch as its article; an index page's only after every link it yielded is stored.
/// [`Store::verify`] reports a state whose validators claim an article the store lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FetchState {
    /// The last `ETag`.
    pub etag: Option<String>,
    /// The last `Last-Modified`.
    pub last_modified: Option<String>,
    /// The last HTTP status.
    pub last_status: Option<u16>,
    /// When it was last fetched.
    pub fetched_at: Option<Timestamp>,
    /// When it is due again.
    pub next_due: Option<Timestamp>,
    /// What the URL is (absent in records written before it existed: [`PageRole::Unknown`]).
    #[serde(default)]
    pub role: PageRole,
}

impl FetchState {
    /// Whether it carries a validator (`ETag` or `Last-Modified`) a conditional request would send.
    #[must_use]
    pub fn has_validators(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }

    /// Whether its validators claim a stored article: an article page's (or a state of unknown role) with
    /// validators. Such a state without its article would hide the article behind a 304.
    #[must_use]
    pub fn claims_article(&self) -> bool {
        self.has_validators() && matches!(self.role, PageRole::Article | PageRole::Unknown)
    }
}

/// How a source is doing, as `crate::crawl::health` decides from its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    /// Never run (or recorded before statuses existed).
    #[default]
    Unknown,
    /// The last run succeeded and found something recently.
    Healthy,
    /// It worked before, but the last run failed (fewer than `crawl.failing_after` in a row), or it has
    /// found nothing for `crawl.failing_after` runs.
    Degraded,
    /// It has never succeeded and the last run failed, or it failed `crawl.failing_after` runs in a row.
    Failing,
}

impl SourceStatus {
    /// `unknown`, `healthy`, `degraded` or `failing`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::Failing => "failing",
        }
    }
}

/// The last error of a source's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceError {
    /// `dns`, `connect`, `timeout`, `http 5xx`, `http 4xx`, `blocked`, `robots`, `parse`, `empty` or
    /// `other`.
    pub kind: String,
    /// What happened, in one line.
    pub message: String,
    /// The URL it happened at, if one.
    pub url: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// Health and schedule of one configured source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceState {
    /// How it is doing.
    #[serde(default)]
    pub status: SourceStatus,
    /// The last error, with its kind, URL and time (kept after a later success, for the record).
    #[serde(default)]
    pub error: Option<SourceError>,
    /// When a run last stored a new article.
    #[serde(default)]
    pub last_new_article: Option<Timestamp>,
    /// When it is due again.
    pub next_due: Option<Timestamp>,
    /// When it last ran.
    pub last_run: Option<Timestamp>,
    /// When it last succeeded.
    pub last_success: Option<Timestamp>,
    /// The last error, if the last run failed.
    pub last_error: Option<String>,
    /// Failed runs in a row.
    pub consecutive_failures: u32,
    /// Runs in a row that found nothing.
    pub consecutive_empty: u32,
    /// Runs in total.
    pub runs: u64,
    /// Articles stored in total.
    pub articles_total: u64,
    /// New articles in the last run.
    pub last_new: u32,
    /// Whether its status is `healthy` (kept beside `status` for readers of older records).
    pub healthy: bool,
}

impl SourceState {
    /// Its status; a record from before statuses existed is read from its `healthy` flag.
    #[must_use]
    pub fn status(&self) -> SourceStatus {
        match self.status {
            SourceStatus::Unknown if self.runs > 0 => {
                if self.healthy {
                    SourceStatus::Healthy
                } else if self.last_success.is_none() {
                    SourceStatus::Failing
                } else {
                    SourceStatus::Degraded
                }
            }
            s => s,
        }
    }
}

/// Counts and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Stored articles.
    pub articles: u64,
    /// Stories.
    pub stories: u64,
    /// Bytes on disk (sled's count).
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

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Member {
    id: ArticleId,
    source: SourceId,
    priority: i32,
    /// Published, else first seen (unix seconds).
    time: i64,
    first_seen: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoryRecord {
    /// Members in lead order (the first is the lead).
    members: Vec<Member>,
    /// The lead's sort time (unix seconds), the `t` index key.
    time: i64,
}

impl StoryRecord {
    fn order(&mut self) {
        self.members.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then(b.priority.cmp(&a.priority))
                .then(a.first_seen.cmp(&b.first_seen))
                .then(a.id.cmp(&b.id))
        });
        self.time = self.members.first().map_or(0, |m| m.time);
    }
}

struct Inner {
    path: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    ingest: Mutex<()>,
    generation: AtomicU64,
}

/// The article store. Cheap to clone; one process owns the directory.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Keys and values
// ---------------------------------------------------------------------------------------------

fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    k.push(prefix);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

/// Order-preserving encoding of a signed time.
fn time_bytes(t: i64) -> [u8; 8] {
    (u64::from_ne_bytes(t.to_ne_bytes()) ^ (1 << 63)).to_be_bytes()
}

fn article_key(id: &ArticleId) -> Vec<u8> {
    key(b'a', &[&id.0])
}
fn fp_key(id: &ArticleId) -> Vec<u8> {
    key(b'f', &[&id.0])
}
fn url_index_key(url_key: &str) -> Vec<u8> {
    key(b'u', &[url_key.as_bytes()])
}
fn story_key(id: &StoryId) -> Vec<u8> {
    key(b's', &[&id.0])
}
fn story_time_key(time: i64, id: &StoryId) -> Vec<u8> {
    key(b't', &[&time_bytes(time), &id.0])
}
fn band_key(n: u8, band: u16) -> Vec<u8> {
    key(b'B', &[&[n], &band.to_be_bytes()])
}
fn anchor_key(anchor: u64) -> Vec<u8> {
    key(b'H', &[&anchor.to_be_bytes()])
}
fn fetch_state_key(url: &str) -> Vec<u8> {
    key(b'F', &[dedup::url_key_str(url).as_bytes()])
}
fn source_time_key(source: &SourceId, time: i64, id: &ArticleId) -> Vec<u8> {
    key(
        b'x',
        &[source.as_str().as_bytes(), &[0], &time_bytes(time), &id.0],
    )
}
const META_SCHEMA: &[u8] = b"mschema";
const META_GENERATION: &[u8] = b"mgeneration";
const META_ARTICLES: &[u8] = b"marticles";
const META_STORIES: &[u8] = b"mstories";

fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(value).map_err(|source| StoreError::Encode { what, source })?;
    let mut out = Vec::with_capacity(json.len() + 9);
    out.push(ENVELOPE_V1);
    out.extend_from_slice(&dedup::stable_hash(&json).to_be_bytes());
    out.extend_from_slice(&json);
    Ok(out)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let (&format, rest) = bytes.split_first().ok_or("empty value")?;
    if format != ENVELOPE_V1 {
        return Err(format!("unknown value format {format}"));
    }
    if rest.len() < 8 {
        return Err("truncated value".into());
    }
    let (sum, json) = rest.split_at(8);
    if sum != dedup::stable_hash(json).to_be_bytes() {
        return Err("checksum mismatch (torn or damaged value)".into());
    }
    serde_json::from_slice(json).map_err(|e| format!("undecodable value: {e}"))
}

fn encode_fp(fp: &Fingerprint) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * (1 + fp.anchors.len()));
    out.extend_from_slice(&fp.simhash.to_be_bytes());
    for a in &fp.anchors {
        out.extend_from_slice(&a.to_be_bytes());
    }
    out
}

fn decode_fp(bytes: &[u8]) -> Option<Fingerprint> {
    if bytes.len() < 8 || bytes.len() % 8 != 0 {
        return None;
    }
    let mut words = bytes
        .chunks_exact(8)
        .map(|c| u64::from_be_bytes(c.try_into().unwrap_or([0; 8])));
    let simhash = words.next()?;
    Some(Fingerprint {
        simhash,
        anchors: words.collect(),
    })
}

fn u64_value(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

fn id_from(bytes: &[u8]) -> Option<ArticleId> {
    Some(ArticleId(bytes.try_into().ok()?))
}

/// The two posting lists: their layout and bounds.
#[derive(Debug, Clone, Copy)]
enum List {
    /// `B` keys: SimHash (8) + article id (16) per posting.
    Band,
    /// `H` keys: article id (16) + story id (16) per posting.
    Anchor,
}

impl List {
    fn width(self) -> usize {
        match self {
            List::Band => BAND_POSTING,
            List::Anchor => ANCHOR_POSTING,
        }
    }

    /// Where the article id starts in a posting.
    fn id_at(self) -> usize {
        match self {
            List::Band => 8,
            List::Anchor => 0,
        }
    }

    fn cap(self) -> usize {
        match self {
            List::Band => MAX_BAND_POSTINGS,
            List::Anchor => MAX_ANCHOR_POSTINGS,
        }
    }

    /// The length of a well-formed key of this list.
    fn key_len(self) -> usize {
        match self {
            List::Band => 4,
            List::Anchor => 9,
        }
    }

    fn id_of(self, posting: &[u8]) -> Option<ArticleId> {
        posting
            .get(self.id_at()..self.id_at() + 16)
            .and_then(id_from)
    }
}

fn band_posting(simhash: u64, id: &ArticleId) -> [u8; BAND_POSTING] {
    let mut p = [0u8; BAND_POSTING];
    p[..8].copy_from_slice(&simhash.to_be_bytes());
    p[8..].copy_from_slice(&id.0);
    p
}

fn anchor_posting(id: &ArticleId, story: &StoryId) -> [u8; ANCHOR_POSTING] {
    let mut p = [0u8; ANCHOR_POSTING];
    p[..16].copy_from_slice(&id.0);
    p[16..].copy_from_slice(&story.0);
    p
}

/// The (SimHash, article) postings of a band list (a torn tail is ignored).
fn band_postings(list: &[u8]) -> impl Iterator<Item = (u64, ArticleId)> + '_ {
    list.chunks_exact(BAND_POSTING).filter_map(|p| {
        let (h, id) = p.split_at(8);
        Some((u64_value(h)?, id_from(id)?))
    })
}

/// The (article, story) postings of an anchor list (a torn tail is ignored).
fn anchor_postings(list: &[u8]) -> impl Iterator<Item = (ArticleId, StoryId)> + '_ {
    list.chunks_exact(ANCHOR_POSTING).filter_map(|p| {
        let (id, story) = p.split_at(16);
        Some((id_from(id)?, StoryId(id_from(story)?.0)))
    })
}

/// Band and anchor lists read during one write, edited in memory and written back in its batch: each
/// list is read at most once however many postings change in it.
#[derive(Default)]
struct Postings {
    lists: HashMap<Vec<u8>, Vec<u8>>,
    dirty: BTreeSet<Vec<u8>>,
}

impl Postings {
    fn load(&mut self, tree: &sled::Tree, k: Vec<u8>) -> Result<&mut Vec<u8>, StoreError> {
        use std::collections::hash_map::Entry;
        match self.lists.entry(k) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                let v = tree
                    .get(e.key())
                    .map_err(StoreError::sled("read index"))?
                    .map(|v| v.to_vec())
                    .unwrap_or_default();
                Ok(e.insert(v))
            }
        }
    }

    /// The list under `k` as it stands (with this write's edits).
    fn read(&mut self, tree: &sled::Tree, k: Vec<u8>) -> Result<&[u8], StoreError> {
        Ok(self.load(tree, k)?.as_slice())
    }

    /// Drops `id`'s posting from the list under `k`, if any.
    fn remove(
        &mut self,
        tree: &sled::Tree,
        k: Vec<u8>,
        list: List,
        id: &ArticleId,
    ) -> Result<(), StoreError> {
        let v = self.load(tree, k.clone())?;
        let before = v.len();
        let kept: Vec<u8> = v
            .chunks_exact(list.width())
            .filter(|p| list.id_of(p).as_ref() != Some(id))
            .flatten()
            .copied()
            .collect();
        if kept.len() != before {
            *v = kept;
            self.dirty.insert(k);
        }
        Ok(())
    }

    /// Puts `posting` (of `id`) in the list under `k`, replacing an older posting of `id`, unless the
    /// list is full.
    fn add(
        &mut self,
        tree: &sled::Tree,
        k: Vec<u8>,
        list: List,
        id: &ArticleId,
        posting: &[u8],
    ) -> Result<(), StoreError> {
        self.remove(tree, k.clone(), list, id)?;
        let v = self.load(tree, k.clone())?;
        // A torn tail (damage) is dropped when the list is next written.
        v.truncate(v.len() - v.len() % list.width());
        if v.len() / list.width() < list.cap() {
            v.extend_from_slice(posting);
            self.dirty.insert(k);
        }
        Ok(())
    }

    /// Writes every changed list into `batch` (an emptied list is removed).
    fn write(self, batch: &mut sled::Batch) {
        let Postings { mut lists, dirty } = self;
        for k in dirty {
            match lists.remove(&k) {
                Some(v) if !v.is_empty() => batch.insert(k, v),
                _ => batch.remove(k),
            }
        }
    }
}

/// A key shown to people: the prefix letter, then text if printable, else hex.
fn printable_key(k: &[u8]) -> String {
    match k.split_first() {
        None => String::new(),
        Some((&p, rest)) => {
            let text = std::str::from_utf8(rest)
                .ok()
                .filter(|s| s.chars().all(|c| !c.is_control()));
            match text {
                Some(s) if matches!(p, b'u' | b'F' | b'S' | b'm') => {
                    format!("{}/{s}", char::from(p))
                }
                _ => format!("{}/{}", char::from(p), hex::encode(rest)),
            }
        }
    }
}

/// Whether two versions of an article show the same thing (the URL it was fetched from aside).
fn same_content(a: &Article, b: &Article) -> bool {
    Article {
        url: String::new(),
        ..a.clone()
    } == Article {
        url: String::new(),
        ..b.clone()
    }
}

fn is_mirror_copy(a: &Article) -> bool {
    a.has_flag(Flag::PinyinMirror) || a.has_flag(Flag::SpamMirror) || a.has_flag(Flag::Degraded)
}

fn matches_q(a: &Article, q: &str) -> bool {
    let q = q.to_ascii_lowercase();
    a.title.to_ascii_lowercase().contains(&q)
        || a.paragraphs
            .iter()
            .any(|p| p.to_ascii_lowercase().contains(&q))
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

impl Store {
    /// Opens (creating if missing) the store at `path`.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process holds it; [`StoreError::NewerSchema`] for a store from
    /// a newer build; [`StoreError::Damaged`] when sled reports corruption or the schema record is bad;
    /// [`StoreError::Sled`] for other I/O failures.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        check_store_dir(path, true)?;
        Self::open_checked(path)
    }

    /// Opens the store at `path` for a command that only reads it: a missing (or empty) directory is
    /// [`StoreError::Missing`], and nothing is created.
    ///
    /// # Errors
    /// [`StoreError::Missing`], [`StoreError::NotAStore`], or as [`Store::open`].
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        check_store_dir(path, false)?;
        Self::open_checked(path)
    }

    fn open_checked(path: &Path) -> Result<Store, StoreError> {
        let db = open_db(path)?;
        let tree = db.open_tree(TREE).map_err(StoreError::sled("open tree"))?;
        let damaged = |detail: String| StoreError::Damaged {
            path: path.to_path_buf(),
            detail,
        };
        match tree
            .get(META_SCHEMA)
            .map_err(StoreError::sled("read schema"))?
        {
            None => {
                if tree.first().map_err(StoreError::sled("read"))?.is_some() {
                    return Err(damaged("records without a schema version record".into()));
                }
                tree.insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())
                    .map_err(StoreError::sled("write schema"))?;
                db.flush().map_err(StoreError::sled("flush"))?;
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| damaged("unreadable schema version record".into()))?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        path: path.to_path_buf(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < SCHEMA_VERSION {
                    migrate(&tree, found, path)?;
                }
            }
        }
        let generation = tree
            .get(META_GENERATION)
            .map_err(StoreError::sled("read generation"))?
            .and_then(|v| u64_value(&v))
            .unwrap_or(0);
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                db,
                tree,
                ingest: Mutex::new(()),
                generation: AtomicU64::new(generation),
            }),
        })
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn tree(&self) -> &sled::Tree {
        &self.inner.tree
    }

    /// Stores an article from `source` (with that source's `priority`), or updates it if its canonical
    /// URL is already stored (keeping `first_seen`; a mirror copy never replaces a clean original), and
    /// places it in a story: the story of the closest stored near-duplicate, else a new one. Not flushed.
    ///
    /// # Errors
    /// [`StoreError::NoUrl`] for an article without URL; [`StoreError::Sled`] when sled fails.
    pub fn ingest(
        &self,
        article: Article,
        source: &SourceId,
        priority: i32,
    ) -> Result<Ingested, StoreError> {
        self.ingest_at(article, source, priority, Timestamp::now())
    }

    /// [`Store::ingest`] with an explicit "now" (tests, replays).
    ///
    /// # Errors
    /// As [`Store::ingest`].
    pub fn ingest_at(
        &self,
        article: Article,
        source: &SourceId,
        priority: i32,
        now: Timestamp,
    ) -> Result<Ingested, StoreError> {
        let fp = dedup::fingerprint(&article.title, &article.body_text());
        self.ingest_fingerprinted(article, fp, source, priority, now, None)
    }

    /// [`Store::ingest_at`] with the article's fingerprint already computed (see [`Incoming`]), and the fetch
    /// state of the URL it was asked for, if any, written in the same batch.
    fn ingest_fingerprinted(
        &self,
        mut article: Article,
        fp: Fingerprint,
        source: &SourceId,
        priority: i32,
        now: Timestamp,
        fetched: Option<&(String, FetchState)>,
    ) -> Result<Ingested, StoreError> {
        if article.url.trim().is_empty() && article.canonical_url.trim().is_empty() {
            return Err(StoreError::NoUrl {
                title: article.title,
            });
        }
        let canonical = dedup::canonical_article_url(&article);
        let id_key = dedup::url_key_str(&canonical);
        let id = ArticleId::from_canonical_url(&id_key);
        let fetched_key = dedup::url_key_str(&article.url);
        article.canonical_url = canonical;

        let _guard = self
            .inner
            .ingest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tree = self.tree();
        let existing = self.get(&id)?;
        let new_article = existing.is_none();
        let mut batch = sled::Batch::default();
        let mut postings = Postings::default();
        let mut new_story = false;
        let mut changed;
        let record = match existing {
            Some(old) => {
                let keep_old = is_mirror_copy(&article) && !is_mirror_copy(&old.article);
                let mut rec = old.clone();
                rec.last_seen = now;
                if !keep_old {
                    let mut native = old.article.native_ids.clone();
                    for n in &article.native_ids {
                        if !native.contains(n) {
                            native.push(n.clone());
                        }
                    }
                    let mut next = article;
                    next.native_ids = native;
                    if next.published.is_none() {
                        next.published = old.article.published;
                        next.published_precision = old.article.published_precision;
                    }
                    // The first spelling of the canonical URL stays (the id is the same either way).
                    next.canonical_url.clone_from(&old.article.canonical_url);
                    if is_mirror_copy(&old.article) && !is_mirror_copy(&next) {
                        rec.source_id = source.clone();
                        rec.priority = priority;
                    }
                    rec.article = next;
                }
                changed = !same_content(&rec.article, &old.article);
                if changed {
                    rec.changed_at = Some(now);
                    let old_fp = self.fingerprint_of(&id)?.unwrap_or_default();
                    let new_fp = if keep_old { old_fp.clone() } else { fp };
                    if new_fp != old_fp {
                        unindex_fingerprint(tree, &mut postings, &id, &old_fp)?;
                        index_fingerprint(
                            tree,
                            &mut batch,
                            &mut postings,
                            &id,
                            &new_fp,
                            &rec.story,
                        )?;
                        rec.simhash = new_fp.simhash;
                    }
                    if old.sort_time() != rec.sort_time() {
                        batch.remove(source_time_key(
                            &old.source_id,
                            old.sort_time().as_second(),
                            &id,
                        ));
                    }
                }
                rec
            }
            None => {
                changed = true;
                let story = match self.find_story(&id, &fp, &mut postings)? {
                    Some(s) => s,
                    None => {
                        new_story = true;
                        StoryId::from(id)
                    }
                };
                index_fingerprint(tree, &mut batch, &mut postings, &id, &fp, &story)?;
                let n = self.meta_u64(META_ARTICLES)? + 1;
                batch.insert(META_ARTICLES, &n.to_be_bytes());
                StoredArticle {
                    id,
                    story,
                    source_id: source.clone(),
                    priority,
                    first_seen: now,
                    last_seen: now,
                    changed_at: None,
                    simhash: fp.simhash,
                    article,
                }
            }
        };

        // The story record.
        let story_id = record.story;
        let old_story: Option<StoryRecord> = tree
            .get(story_key(&story_id))
            .map_err(StoreError::sled("read story"))?
            .and_then(|v| decode(&v).ok());
        let mut story = old_story.clone().unwrap_or(StoryRecord {
            members: Vec::new(),
            time: 0,
        });
        if old_story.is_none() && !new_story {
            // The story record was lost (damage): this article re-founds it.
            new_story = true;
        }
        let member = Member {
            id,
            source: record.source_id.clone(),
            priority: record.priority,
            time: record.sort_time().as_second(),
            first_seen: record.first_seen.as_second(),
        };
        let old_lead = story.members.first().map(|m| m.id);
        story.members.retain(|m| m.id != id);
        story.members.push(member);
        story.order();
        if old_lead != story.members.first().map(|m| m.id) {
            changed = true;
        }
        if let Some(old) = &old_story {
            if old.time != story.time {
                batch.remove(story_time_key(old.time, &story_id));
            }
        } else {
            let n = self.meta_u64(META_STORIES)? + 1;
            batch.insert(META_STORIES, &n.to_be_bytes());
        }
        batch.insert(story_time_key(story.time, &story_id), &[][..]);
        batch.insert(story_key(&story_id), encode("story", &story)?);

        batch.insert(article_key(&id), encode("article", &record)?);
        batch.insert(url_index_key(&id_key), &id.0[..]);
        if !fetched_key.is_empty() && fetched_key != id_key {
            batch.insert(url_index_key(&fetched_key), &id.0[..]);
        }
        if let Some((asked, state)) = fetched {
            // The URL the crawler asked for (before redirects and rel=canonical) finds the article too, and its
            // validators land with the article: neither exists without the other.
            let asked_key = dedup::url_key_str(asked);
            if !asked_key.is_empty() {
                if asked_key != id_key && asked_key != fetched_key {
                    batch.insert(url_index_key(&asked_key), &id.0[..]);
                }
                batch.insert(fetch_state_key(asked), encode("fetch state", state)?);
            }
        }
        batch.insert(
            source_time_key(&record.source_id, record.sort_time().as_second(), &id),
            &[][..],
        );
        postings.write(&mut batch);
        if changed {
            let g = self.inner.generation.load(Ordering::SeqCst) + 1;
            batch.insert(META_GENERATION, &g.to_be_bytes());
            tree.apply_batch(batch)
                .map_err(StoreError::sled("write article"))?;
            self.inner.generation.store(g, Ordering::SeqCst);
        } else {
            tree.apply_batch(batch)
                .map_err(StoreError::sled("write article"))?;
        }
        Ok(Ingested {
            id,
            story: story_id,
            new_article,
            new_story,
            changed,
        })
    }

    /// Ingests every item, then flushes (fsync) before returning: what this returns is durable.
    ///
    /// # Errors
    /// The first failing ingest, or a failed flush.
    pub fn ingest_batch(
        &self,
        items: Vec<(Article, SourceId, i32)>,
    ) -> Result<Vec<Ingested>, StoreError> {
        self.ingest_incoming(
            items
                .into_iter()
                .map(|(article, source, priority)| Incoming::new(article, source, priority))
                .collect(),
        )
    }

    /// [`Store::ingest_batch`] for articles whose fingerprints were computed ahead ([`Incoming::new`]).
    ///
    /// # Errors
    /// As [`Store::ingest_batch`].
    pub fn ingest_incoming(&self, items: Vec<Incoming>) -> Result<Vec<Ingested>, StoreError> {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(self.ingest_fingerprinted(
                i.article,
                i.fingerprint,
                &i.source,
                i.priority,
                Timestamp::now(),
                i.fetched.as_ref(),
            )?);
        }
        self.flush()?;
        Ok(out)
    }

    /// Writes everything to disk (fsync).
    ///
    /// # Errors
    /// When sled cannot flush.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.inner
            .db
            .flush()
            .map(|_| ())
            .map_err(StoreError::sled("flush"))
    }

    fn get_raw(&self, k: &[u8]) -> Result<Option<sled::IVec>, StoreError> {
        self.tree().get(k).map_err(StoreError::sled("read"))
    }

    fn meta_u64(&self, k: &[u8]) -> Result<u64, StoreError> {
        Ok(self.get_raw(k)?.and_then(|v| u64_value(&v)).unwrap_or(0))
    }

    fn fingerprint_of(&self, id: &ArticleId) -> Result<Option<Fingerprint>, StoreError> {
        Ok(self.get_raw(&fp_key(id))?.and_then(|v| decode_fp(&v)))
    }

    /// The story of the closest stored near-duplicate, found through the band and anchor lists (read
    /// through `postings`, so the ingest that follows writes them back without reading them again).
    fn find_story(
        &self,
        id: &ArticleId,
        fp: &Fingerprint,
        postings: &mut Postings,
    ) -> Result<Option<StoryId>, StoreError> {
        let tree = self.tree();
        let mut candidates: BTreeSet<ArticleId> = BTreeSet::new();
        for (n, band) in (0u8..).zip(dedup::bands(fp.simhash)) {
            let list = postings.read(tree, band_key(n, band))?;
            candidates.extend(
                band_postings(list)
                    .filter(|(h, _)| dedup::hamming(*h, fp.simhash) <= dedup::MAX_DISTANCE)
                    .map(|(_, c)| c),
            );
        }
        // Anchors found in many different stories are stock phrases of union news (切实维护职工合法权益…):
        // they neither nominate candidates nor count as shared text.
        let mut stock: Vec<u64> = Vec::new();
        for a in &fp.anchors {
            let list = postings.read(tree, anchor_key(*a))?;
            let stories: BTreeSet<StoryId> = anchor_postings(list).map(|(_, s)| s).collect();
            if stories.len() > dedup::MAX_ANCHOR_STORIES {
                stock.push(*a);
            } else {
                candidates.extend(anchor_postings(list).map(|(c, _)| c));
            }
        }
        candidates.remove(id);
        let own = without_stock(fp, &stock);
        let mut best: Option<(u32, usize, ArticleId)> = None;
        for c in candidates {
            let Some(cfp) = self.fingerprint_of(&c)? else {
                continue;
            };
            let cfp = without_stock(&cfp, &stock);
            if !dedup::same_story(&own, &cfp) {
                continue;
            }
            let d = dedup::hamming(fp.simhash, cfp.simhash);
            let shared = dedup::shared_anchors(&own.anchors, &cfp.anchors);
            let better =
                best.is_none_or(|(bd, bs, _)| (d, usize::MAX - shared) < (bd, usize::MAX - bs));
            if better {
                best = Some((d, shared, c));
            }
        }
        match best {
            Some((_, _, c)) => Ok(self.get(&c)?.map(|a| a.story)),
            None => Ok(None),
        }
    }

    /// The story a fingerprint would join (the closest stored near-duplicate's), through the band and
    /// anchor indexes; `None` when it would found a new story.
    ///
    /// # Errors
    /// When sled fails.
    pub fn near_duplicate_story(&self, fp: &Fingerprint) -> Result<Option<StoryId>, StoreError> {
        self.find_story(&ArticleId([0; 16]), fp, &mut Postings::default())
    }

    /// Benchmark support: posts bare SimHashes under `id`s in the band lists (no article or fingerprint
    /// record). Every band list is read in one sequential scan first (a bulk load touches most of
    /// them), and the changed lists are written in batches of a few thousand. Not for production data:
    /// `verify` reports such entries as dangling.
    ///
    /// # Errors
    /// When sled fails.
    #[doc(hidden)]
    pub fn bench_index_fingerprints(&self, items: &[(ArticleId, u64)]) -> Result<(), StoreError> {
        const WRITE_STEP: usize = 8192;
        let tree = self.tree();
        let mut postings = Postings::default();
        for item in tree.scan_prefix([b'B']) {
            let (k, v) = item.map_err(StoreError::sled("scan band index"))?;
            postings.lists.insert(k.to_vec(), v.to_vec());
        }
        for (id, h) in items {
            for (n, b) in (0u8..).zip(dedup::bands(*h)) {
                postings.add(tree, band_key(n, b), List::Band, id, &band_posting(*h, id))?;
            }
        }
        let Postings { mut lists, dirty } = postings;
        let dirty: Vec<Vec<u8>> = dirty.into_iter().collect();
        for keys in dirty.chunks(WRITE_STEP) {
            let mut batch = sled::Batch::default();
            for k in keys {
                if let Some(v) = lists.remove(k) {
                    batch.insert(k.as_slice(), v);
                }
            }
            tree.apply_batch(batch)
                .map_err(StoreError::sled("write fingerprints"))?;
        }
        Ok(())
    }

    /// The article with this id. A damaged record reads as absent (and is reported by [`Store::verify`]).
    ///
    /// # Errors
    /// When sled fails.
    pub fn get(&self, id: &ArticleId) -> Result<Option<StoredArticle>, StoreError> {
        let k = article_key(id);
        Ok(self.get_raw(&k)?.and_then(|v| decode_logged(&k, &v)))
    }

    /// The article stored for a URL (canonicalised; a recognised mirror URL finds its origin).
    ///
    /// # Errors
    /// When sled fails.
    pub fn by_url(&self, url: &str) -> Result<Option<StoredArticle>, StoreError> {
        match self.url_id(url)? {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    fn url_id(&self, url: &str) -> Result<Option<ArticleId>, StoreError> {
        for k in lookup_keys(url) {
            if let Some(v) = self.get_raw(&url_index_key(&k))? {
                if let Some(id) = id_from(&v) {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }

    /// Whether an article is stored for this URL (canonicalised).
    ///
    /// # Errors
    /// When sled fails.
    pub fn contains_url(&self, url: &str) -> Result<bool, StoreError> {
        Ok(self.url_id(url)?.is_some())
    }

    /// A story with its members; `None` when unknown (or its lead's record is damaged).
    ///
    /// # Errors
    /// When sled fails.
    pub fn story(&self, id: &StoryId) -> Result<Option<StoryView>, StoreError> {
        let k = story_key(id);
        let Some(rec) = self
            .get_raw(&k)?
            .and_then(|v| decode_logged::<StoryRecord>(&k, &v))
        else {
            return Ok(None);
        };
        self.view(*id, &rec)
    }

    fn view(&self, id: StoryId, rec: &StoryRecord) -> Result<Option<StoryView>, StoreError> {
        let mut members = Vec::with_capacity(rec.members.len());
        for m in &rec.members {
            if let Some(a) = self.get(&m.id)? {
                members.push(a);
            }
        }
        if members.is_empty() {
            return Ok(None);
        }
        let lead = members.remove(0);
        Ok(Some(StoryView {
            id,
            lead,
            also: members,
        }))
    }

    /// Stories newest first by lead's published (else first seen), filtered: the first page of
    /// [`Store::stories_page`].
    ///
    /// # Errors
    /// When sled fails.
    pub fn recent_stories(
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

    /// A source's articles, newest first (published, else first seen), optionally filtered by `q`.
    ///
    /// # Errors
    /// When sled fails.
    pub fn recent_articles(
        &self,
        source: &SourceId,
        q: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        let mut out = Vec::new();
        let prefix = key(b'x', &[source.as_str().as_bytes(), &[0]]);
        let mut seen = BTreeSet::new();
        for item in self.tree().scan_prefix(&prefix).keys().rev() {
            if out.len() >= limit {
                break;
            }
            let k = item.map_err(StoreError::sled("scan source"))?;
            let Some(id) = k.get(prefix.len() + 8..).and_then(id_from) else {
                continue;
            };
            if !seen.insert(id) {
                continue;
            }
            let Some(a) = self.get(&id)? else { continue };
            if a.source_id != *source {
                continue;
            }
            if q.filter(|q| !q.is_empty())
                .is_some_and(|q| !matches_q(&a.article, q))
            {
                continue;
            }
            out.push(a);
        }
        Ok(out)
    }

    /// Every readable article, in id order (damaged records are skipped and logged).
    pub fn articles(&self) -> impl Iterator<Item = Result<StoredArticle, StoreError>> + '_ {
        self.tree()
            .scan_prefix([b'a'])
            .filter_map(|item| match item {
                Err(source) => Some(Err(StoreError::Sled {
                    op: "scan articles",
                    source,
                })),
                Ok((k, v)) => decode_logged(&k, &v).map(Ok),
            })
    }

    /// The fetch state of a URL (canonicalised).
    ///
    /// # Errors
    /// When sled fails.
    pub fn fetch_state(&self, url: &str) -> Result<Option<FetchState>, StoreError> {
        let k = fetch_state_key(url);
        Ok(self.get_raw(&k)?.and_then(|v| decode_logged(&k, &v)))
    }

    /// Records the fetch state of a URL (canonicalised) as given. Not flushed.
    ///
    /// This writes nothing else: the caller keeps the rule that validators exist only for what is stored
    /// (the crawler writes an article page's state through [`Incoming::with_fetch_state`] instead, and an
    /// index page's only once its links are stored). [`Store::verify`] reports a state that breaks it.
    ///
    /// # Errors
    /// When sled fails.
    pub fn set_fetch_state(&self, url: &str, st: &FetchState) -> Result<(), StoreError> {
        self.tree()
            .insert(fetch_state_key(url), encode("fetch state", st)?)
            .map(|_| ())
            .map_err(StoreError::sled("write fetch state"))
    }

    /// What is wrong with the fetch-state record `k` = `v`, if anything: undecodable, or validators that
    /// claim an article the store lacks ([`FetchState::claims_article`]).
    fn fetch_state_problem(&self, k: &[u8], v: &[u8]) -> Result<Option<String>, StoreError> {
        let st = match decode::<FetchState>(v) {
            Ok(st) => st,
            Err(e) => return Ok(Some(e)),
        };
        if !st.claims_article() {
            return Ok(None);
        }
        let url = String::from_utf8_lossy(k.get(1..).unwrap_or_default());
        let stored = match self.url_id(&url)? {
            Some(id) => self.get(&id)?.is_some(),
            None => false,
        };
        if stored {
            return Ok(None);
        }
        Ok(Some(match st.role {
            PageRole::Unknown => "fetch state (from before page roles were recorded) has validators, but no \
                                  article is stored for its URL: if it is an article page, a 304 hides the article"
                .to_owned(),
            _ => "fetch state claims an article the store lacks: its validators would hide it behind a 304"
                .to_owned(),
        }))
    }

    /// Removes every fetch-state record [`Store::verify`] reports (undecodable, or validators claiming an
    /// article the store lacks), then flushes. The next crawl fetches those URLs unconditionally. Returns
    /// what was removed.
    ///
    /// # Errors
    /// When sled fails to read, write or flush.
    pub fn repair_fetch_states(&self) -> Result<Vec<Problem>, StoreError> {
        let mut removed = Vec::new();
        let mut batch = sled::Batch::default();
        for item in self.tree().scan_prefix([b'F']) {
            let (k, v) = item.map_err(StoreError::sled("scan fetch state"))?;
            if let Some(what) = self.fetch_state_problem(&k, &v)? {
                removed.push(Problem {
                    key: printable_key(&k),
                    what,
                });
                batch.remove(k);
            }
        }
        self.tree()
            .apply_batch(batch)
            .map_err(StoreError::sled("remove fetch state"))?;
        self.flush()?;
        Ok(removed)
    }

    /// The health record of a source.
    ///
    /// # Errors
    /// When sled fails.
    pub fn source_state(&self, id: &SourceId) -> Result<Option<SourceState>, StoreError> {
        let k = key(b'S', &[id.as_str().as_bytes()]);
        Ok(self.get_raw(&k)?.and_then(|v| decode_logged(&k, &v)))
    }

    /// Records the health of a source. Not flushed.
    ///
    /// # Errors
    /// When sled fails.
    pub fn set_source_state(&self, id: &SourceId, st: &SourceState) -> Result<(), StoreError> {
        let k = key(b'S', &[id.as_str().as_bytes()]);
        self.tree()
            .insert(k, encode("source state", st)?)
            .map(|_| ())
            .map_err(StoreError::sled("write source state"))
    }

    /// A counter that changes whenever a story's content or membership changes (a feed cache key).
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::SeqCst)
    }

    /// Articles, stories, size on disk.
    ///
    /// # Errors
    /// When sled fails.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        Ok(Stats {
            articles: self.meta_u64(META_ARTICLES)?,
            stories: self.meta_u64(META_STORIES)?,
            size_on_disk: self
                .inner
                .db
                .size_on_disk()
                .map_err(StoreError::sled("measure size"))?,
            schema_version: SCHEMA_VERSION,
            generation: self.generation(),
        })
    }

    /// Checks every record: values decode, index keys are well formed and point at stored records,
    /// counters match, and no fetch state's validators claim an article the store lacks (such a state would
    /// turn every later fetch of the article into a 304; [`Store::repair_fetch_states`] removes it). Reports
    /// each bad key; changes nothing.
    ///
    /// # Errors
    /// When sled fails to read.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        let tree = self.tree();
        let mut problem = |k: &[u8], what: String| {
            report.problems.push(Problem {
                key: printable_key(k),
                what,
            });
        };
        let mut good_articles: HashMap<ArticleId, StoryId> = HashMap::new();
        let mut stories = 0u64;
        let mut checked = 0u64;
        // Pass 1: primary records.
        for item in tree.iter() {
            let (k, v) = item.map_err(StoreError::sled("scan"))?;
            checked += 1;
            match k.first() {
                Some(b'a') => match decode::<StoredArticle>(&v) {
                    Err(e) => problem(&k, e),
                    Ok(a) if k.get(1..) != Some(&a.id.0[..]) => {
                        problem(&k, format!("record holds article {}", a.id));
                    }
                    Ok(a) => {
                        good_articles.insert(a.id, a.story);
                    }
                },
                Some(b's') => match decode::<StoryRecord>(&v) {
                    Err(e) => problem(&k, e),
                    Ok(_) => stories += 1,
                },
                Some(b'F') => {
                    if let Some(what) = self.fetch_state_problem(&k, &v)? {
                        problem(&k, what);
                    }
                }
                Some(b'S') => {
                    if let Err(e) = decode::<SourceState>(&v) {
                        problem(&k, e);
                    }
                }
                Some(b'm') => {
                    let ok = match k.as_ref() {
                        META_SCHEMA => v.len() == 4,
                        META_GENERATION | META_ARTICLES | META_STORIES => v.len() == 8,
                        _ => false,
                    };
                    if !ok {
                        problem(&k, "unknown or malformed meta record".into());
                    }
                }
                Some(b'f' | b'u' | b't' | b'B' | b'H' | b'x') => {}
                _ => problem(&k, "unknown key prefix".into()),
            }
        }
        let article_ok =
            |id: Option<ArticleId>| id.is_some_and(|id| good_articles.contains_key(&id));
        // Pass 2: indexes point at readable records.
        for item in tree.iter() {
            let (k, v) = item.map_err(StoreError::sled("scan"))?;
            let what = match k.first() {
                Some(b'f') => {
                    if decode_fp(&v).is_none() {
                        Some("malformed fingerprint".to_owned())
                    } else if !article_ok(k.get(1..).and_then(id_from)) {
                        Some("fingerprint of a missing or damaged article".to_owned())
                    } else {
                        None
                    }
                }
                Some(b'u') => (!article_ok(id_from(&v)))
                    .then(|| "URL index points at a missing or damaged article".to_owned()),
                Some(b'B') => check_list(&k, &v, List::Band, &article_ok),
                Some(b'H') => check_list(&k, &v, List::Anchor, &article_ok),
                Some(b'x') => {
                    let id = k
                        .len()
                        .checked_sub(16)
                        .and_then(|s| k.get(s..))
                        .and_then(id_from);
                    (!article_ok(id))
                        .then(|| "source index points at a missing or damaged article".to_owned())
                }
                Some(b't') => {
                    let sid = k.get(9..).and_then(id_from).map(|a| StoryId(a.0));
                    let ok = k.len() == 25
                        && sid.is_some_and(|s| {
                            tree.get(story_key(&s))
                                .ok()
                                .flatten()
                                .is_some_and(|v| decode::<StoryRecord>(&v).is_ok())
                        });
                    (!ok)
                        .then(|| "story time index points at a missing or damaged story".to_owned())
                }
                Some(b's') => match decode::<StoryRecord>(&v) {
                    Ok(rec) => rec
                        .members
                        .iter()
                        .find(|m| !good_articles.contains_key(&m.id))
                        .map(|m| format!("story member {} is missing or damaged", m.id)),
                    Err(_) => None,
                },
                Some(b'a') => match decode::<StoredArticle>(&v) {
                    Ok(a) => {
                        let story_ok = tree
                            .get(story_key(&a.story))
                            .map_err(StoreError::sled("read story"))?
                            .is_some_and(|v| decode::<StoryRecord>(&v).is_ok());
                        (!story_ok).then(|| format!("its story {} is missing or damaged", a.story))
                    }
                    Err(_) => None,
                },
                _ => None,
            };
            if let Some(what) = what {
                problem(&k, what);
            }
        }
        report.records = checked;
        let counted = self.meta_u64(META_ARTICLES)?;
        if counted != good_articles.len() as u64 && report.problems.is_empty() {
            report.problems.push(Problem {
                key: printable_key(META_ARTICLES),
                what: format!(
                    "counts {counted} articles, {} are stored",
                    good_articles.len()
                ),
            });
        }
        let counted = self.meta_u64(META_STORIES)?;
        if counted != stories && report.problems.is_empty() {
            report.problems.push(Problem {
                key: printable_key(META_STORIES),
                what: format!("counts {counted} stories, {stories} are stored"),
            });
        }
        Ok(report)
    }
}

/// The URL index keys a lookup tries: the mirror origin's, then the URL's own.
fn lookup_keys(url: &str) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Ok(u) = url::Url::parse(url.trim()) {
        if let Some(origin) = dedup::mirror_origin(&u) {
            keys.push(dedup::url_key(&origin));
        }
        keys.push(dedup::url_key(&u));
    } else {
        keys.push(url.trim().to_owned());
    }
    keys
}

/// Records `fp` as `id`'s fingerprint and posts it in its band and anchor lists.
fn index_fingerprint(
    tree: &sled::Tree,
    batch: &mut sled::Batch,
    postings: &mut Postings,
    id: &ArticleId,
    fp: &Fingerprint,
    story: &StoryId,
) -> Result<(), StoreError> {
    batch.insert(fp_key(id), encode_fp(fp));
    for (n, b) in (0u8..).zip(dedup::bands(fp.simhash)) {
        // The full SimHash rides along, so a lookup filters candidates without reading them.
        postings.add(
            tree,
            band_key(n, b),
            List::Band,
            id,
            &band_posting(fp.simhash, id),
        )?;
    }
    for a in &fp.anchors {
        // The story rides along, so a lookup can tell a stock phrase (in many stories) from a shared one.
        postings.add(
            tree,
            anchor_key(*a),
            List::Anchor,
            id,
            &anchor_posting(id, story),
        )?;
    }
    Ok(())
}

/// Takes `id`'s postings of `fp` out of the band and anchor lists.
fn unindex_fingerprint(
    tree: &sled::Tree,
    postings: &mut Postings,
    id: &ArticleId,
    fp: &Fingerprint,
) -> Result<(), StoreError> {
    for (n, b) in (0u8..).zip(dedup::bands(fp.simhash)) {
        postings.remove(tree, band_key(n, b), List::Band, id)?;
    }
    for a in &fp.anchors {
        postings.remove(tree, anchor_key(*a), List::Anchor, id)?;
    }
    Ok(())
}

/// A fingerprint without the given stock anchors.
fn without_stock(fp: &Fingerprint, stock: &[u64]) -> Fingerprint {
    Fingerprint {
        simhash: fp.simhash,
        anchors: fp
            .anchors
            .iter()
            .copied()
            .filter(|a| !stock.contains(a))
            .collect(),
    }
}

fn decode_logged<T: DeserializeOwned>(k: &[u8], v: &[u8]) -> Option<T> {
    match decode(v) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!(key = %printable_key(k), error = %e, "skipping damaged store record");
            None
        }
    }
}

/// How often and how long [`open_db`] waits for a lock that may be in the middle of being released.
const LOCK_RETRIES: u32 = 10;
const LOCK_RETRY_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// Opens sled at `path` with a bounded cache ([`CACHE_BYTES`]). A lock still held by a handle this
/// process has just dropped (sled releases it from a background thread) is retried for up to
/// 200 ms; a lock held by another process is then reported as [`StoreError::Locked`].
/// Whether `path` may hold a store: a sled store directory (its `conf` and `db` files), or, when
/// `create` is set, a missing or empty directory. A non-empty directory without them is refused before
/// sled writes anything into it.
fn check_store_dir(path: &Path, create: bool) -> Result<(), StoreError> {
    let not_a_store = |detail: &str| StoreError::NotAStore {
        path: path.to_path_buf(),
        detail: detail.to_owned(),
    };
    let missing = || StoreError::Missing {
        path: path.to_path_buf(),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if create { Ok(()) } else { Err(missing()) };
        }
        Err(e) => return Err(not_a_store(&format!("it cannot be read: {e}"))),
    };
    if !meta.is_dir() {
        return Err(not_a_store("a file, not a directory"));
    }
    let mut entries =
        std::fs::read_dir(path).map_err(|e| not_a_store(&format!("it cannot be listed: {e}")))?;
    if entries.next().is_none() {
        return if create { Ok(()) } else { Err(missing()) };
    }
    let sled_files = ["conf", "db"].iter().all(|f| path.join(f).is_file());
    if sled_files {
        Ok(())
    } else {
        Err(not_a_store(
            "a non-empty directory without a store's `conf` and `db` files",
        ))
    }
}

fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
    let mut attempt = 0;
    loop {
        let opened = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_BYTES)
            .open();
        let err = match opened {
            Ok(db) => return Ok(db),
            Err(e) => e,
        };
        match err {
            sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
                attempt += 1;
                if attempt > LOCK_RETRIES {
                    return Err(StoreError::Locked {
                        path: path.to_path_buf(),
                    });
                }
                std::thread::sleep(LOCK_RETRY_WAIT);
            }
            sled::Error::Corruption { .. } => {
                return Err(StoreError::Damaged {
                    path: path.to_path_buf(),
                    detail: err.to_string(),
                })
            }
            other => {
                return Err(StoreError::Sled {
                    op: "open",
                    source: other,
                })
            }
        }
    }
}

/// What is wrong with a band or anchor list, if anything: a malformed key or value, or a posting of
/// an article that is missing or damaged.
fn check_list(
    k: &[u8],
    v: &[u8],
    list: List,
    article_ok: &dyn Fn(Option<ArticleId>) -> bool,
) -> Option<String> {
    let name = match list {
        List::Band => "band",
        List::Anchor => "anchor",
    };
    if k.len() != list.key_len() {
        return Some(format!("malformed {name} index key"));
    }
    if v.is_empty() || v.len() % list.width() != 0 {
        return Some(format!("malformed {name} index list ({} bytes)", v.len()));
    }
    v.chunks_exact(list.width())
        .map(|p| list.id_of(p))
        .find(|id| !article_ok(*id))
        .map(|id| {
            let id = id.map_or_else(|| "?".to_owned(), |id| id.to_string());
            format!("{name} index points at missing or damaged article {id}")
        })
}

/// The migration hook: brings a store at schema `from` up to [`SCHEMA_VERSION`], each step crash-safe
/// (re-running it after an interruption finishes the job), then records the new version.
fn migrate(tree: &sled::Tree, from: u32, path: &Path) -> Result<(), StoreError> {
    if from != 1 {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("unknown schema version {from}"),
        });
    }
    migrate_1_to_2(tree)?;
    tree.insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())
        .map_err(StoreError::sled("write schema"))?;
    tree.flush().map_err(StoreError::sled("flush"))?;
    Ok(())
}

/// Schema 1 → 2: the band index moves from one `b` key per band and article (key: `b`, band number,
/// band, article id; value: SimHash) to one `B` list per band, and the anchor index from one `h` key
/// per anchor and article (key: `h`, anchor, article id; value: story id) to one `H` list per anchor.
/// Old keys are read in key order, so each list's postings arrive together; every few thousand keys one
/// batch writes the lists (merged with what an interrupted run already wrote) and removes the keys they
/// came from.
fn migrate_1_to_2(tree: &sled::Tree) -> Result<(), StoreError> {
    const STEP: usize = 4096;
    for (old, list) in [(b'b', List::Band), (b'h', List::Anchor)] {
        let mut postings = Postings::default();
        let mut batch = sled::Batch::default();
        let mut pending = 0usize;
        for item in tree.scan_prefix([old]) {
            let (k, v) = item.map_err(StoreError::sled("scan schema 1 index"))?;
            batch.remove(k.clone());
            pending += 1;
            if let Some((new_key, id, posting)) = v1_posting(tree, list, &k, &v)? {
                postings.add(tree, new_key, list, &id, &posting)?;
            }
            if pending >= STEP {
                std::mem::take(&mut postings).write(&mut batch);
                tree.apply_batch(std::mem::take(&mut batch))
                    .map_err(StoreError::sled("migrate index"))?;
                pending = 0;
            }
        }
        postings.write(&mut batch);
        tree.apply_batch(batch)
            .map_err(StoreError::sled("migrate index"))?;
    }
    Ok(())
}

/// A schema 1 index entry rewritten: (schema 2 list key, article, posting).
type V1Posting = (Vec<u8>, ArticleId, Vec<u8>);

/// A schema 1 band or anchor key as a [`V1Posting`]; `None` for a malformed key or a band key whose
/// SimHash cannot be recovered (such keys are dropped).
fn v1_posting(
    tree: &sled::Tree,
    list: List,
    k: &[u8],
    v: &[u8],
) -> Result<Option<V1Posting>, StoreError> {
    let read = |k: Vec<u8>| tree.get(k).map_err(StoreError::sled("read"));
    match list {
        List::Band => {
            let (Some(head), Some(id)) = (k.get(1..4), k.get(4..).and_then(id_from)) else {
                return Ok(None);
            };
            // The first schema 1 stores kept no SimHash in the posting: the fingerprint record has it.
            let simhash = match u64_value(v) {
                Some(h) => Some(h),
                None => read(fp_key(&id))?
                    .and_then(|f| decode_fp(&f))
                    .map(|f| f.simhash),
            };
            Ok(simhash.map(|h| (key(b'B', &[head]), id, band_posting(h, &id).to_vec())))
        }
        List::Anchor => {
            let (Some(head), Some(id)) = (k.get(1..9), k.get(9..).and_then(id_from)) else {
                return Ok(None);
            };
            // Likewise the story: from the article record, else the article founded its own.
            let story = match id_from(v) {
                Some(s) => StoryId(s.0),
                None => read(article_key(&id))?
                    .and_then(|a| decode::<StoredArticle>(&a).ok())
                    .map_or(StoryId::from(id), |a| a.story),
            };
            Ok(Some((
                key(b'H', &[head]),
                id,
                anchor_posting(&id, &story).to_vec(),
            )))
        }
    }
}
