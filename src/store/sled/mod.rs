//! The sled engine (sled 0.34.7): the embedded default [`crate::store::Store`], and the only code that
//! names sled. Files: `codec` (keys, values, posting lists), `ingest`, `read`, `query`, `verify`,
//! `migrate`, `salvage`, `prune` (retention).
//!
//! One sled tree, `unionwire/v1`, holds every record under a one-byte key prefix:
//!
//! | prefix | key after the prefix | value |
//! |---|---|---|
//! | `a` | article id (16 bytes) | `StoredArticle` as checked JSON |
//! | `f` | article id | fingerprint: SimHash then anchors, 8 bytes each, big-endian |
//! | `u` | URL identity key (`dedup::url_key`) | article id |
//! | `s` | story id (16 bytes) | story record (members, lead) as checked JSON |
//! | `t` | story sort time (8 bytes, order-preserving) + story id | empty: stories newest-last |
//! | `B` | band number (1) + band (2) | band index: postings of SimHash (8) + article id (16) |
//! | `H` | anchor (8) | sentence-anchor index: postings of article id (16) + story id (16) |
//! | `x` | source id + `0x00` + sort time (8) + article id | empty: a source's articles by time |
//! | `F` | URL identity key | `FetchState` as checked JSON (an article page's is written in its article's batch) |
//! | `S` | source id | `SourceState` as checked JSON |
//! | `m` | `schema`, `generation`, `articles`, `stories` | big-endian integers |
//!
//! The two fingerprint indexes keep every posting of one key in one value (an append-only list under
//! the ingest lock), so a near-duplicate lookup is four `get`s for the bands plus one per anchor, and
//! candidates are filtered on the full SimHash in memory: its cost does not grow with the number of keys
//! in the tree the way a prefix scan over one key per posting did (schema 1 kept one `b` key per band
//! and article and one `h` key per anchor and article; `migrate` rewrites them).
//!
//! "Checked JSON" is a format byte, an 8-byte hash of the JSON, then the JSON: a torn or damaged value
//! is detected, reported by `verify` with its key, and skipped by readers. Every `write` (a batch of
//! articles) is one read-modify-write under a process-local lock, written with one atomic sled batch in
//! which each posting list is read and written once; an ingest batch is flushed (fsync) before
//! `Store::ingest_batch` returns. sled locks its directory: a second process
//! gets [`StoreError::Locked`] at once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::dedup::Fingerprint;
use crate::model::{
    ArticleId, FetchState, Ingested, SourceId, SourceState, StoredArticle, StoryId, StoryView,
};
use crate::store::query::{Cursor, StoryPage};
use crate::store::{
    Incoming, Problem, PruneReport, Stats, Store, StoreError, StoryFilter, VerifyReport,
};

pub(crate) mod codec;
mod copy;
mod ingest;
mod migrate;
mod prune;
mod query;
mod read;
mod salvage;
mod verify;

use codec::{META_SCHEMA, TREE};
pub use salvage::SalvageReport;

/// The schema this build reads and writes.
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// sled's page cache, in bytes. sled's default is 1 GiB, far past the crawler's 100 MB RSS budget. The
/// hot set of a crawl (the band and anchor lists, recent stories, the index nodes) fits in much less, and
/// the kernel's page cache serves the rest of the file: measured on the 2,000-article crawl benchmark,
/// peak RSS 104 MB at 32 MiB, 97 MB at 16 MiB, 94 MB at 8 MiB, while a near-duplicate lookup among 1M
/// stored fingerprints cost the same CPU (about 0.2 ms) at 8 and 32 MiB (`cargo bench --bench store`).
pub(crate) const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// A sled failure in `op`, as the engine-neutral [`StoreError::Backend`].
pub(crate) fn sled_err(op: &'static str) -> impl FnOnce(sled::Error) -> StoreError {
    move |source| StoreError::Backend {
        op,
        source: Box::new(source),
    }
}

struct Inner {
    path: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    /// Held by every write, so each read-modify-write of the posting lists and story records is whole.
    ingest: Mutex<()>,
    /// Moved after every write and prune ([`crate::store::ChangeCounter`]).
    changes: crate::store::ChangeCounter,
    /// Source leases: in memory, since one process opens the store.
    leases: crate::store::lease::MemoryLeases,
}

/// The sled store. Cheap to clone; one process owns the directory.
#[derive(Clone)]
pub struct SledStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens (creating if missing) the store at `path`.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process holds it; [`StoreError::NewerSchema`] for a store from
    /// a newer build; [`StoreError::Damaged`] when sled reports corruption or the schema record is bad;
    /// [`StoreError::Backend`] for other I/O failures.
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        check_store_dir(path, true)?;
        Self::open_checked(path)
    }

    /// Opens the store at `path` for a command that only reads it: a missing (or empty) directory is
    /// [`StoreError::Missing`], and nothing is created.
    ///
    /// # Errors
    /// [`StoreError::Missing`], [`StoreError::NotAStore`], or as [`SledStore::open`].
    pub fn open_existing(path: &Path) -> Result<SledStore, StoreError> {
        check_store_dir(path, false)?;
        Self::open_checked(path)
    }

    /// Benchmark support: opens (creating if missing) the store at `path` with a page cache of
    /// `cache_bytes` instead of [`CACHE_BYTES`], for a bulk fill that may use more memory than a crawl.
    ///
    /// # Errors
    /// As [`SledStore::open`].
    #[doc(hidden)]
    pub fn open_with_cache(path: &Path, cache_bytes: u64) -> Result<SledStore, StoreError> {
        check_store_dir(path, true)?;
        Self::open_checked_with(path, cache_bytes)
    }

    fn open_checked(path: &Path) -> Result<SledStore, StoreError> {
        Self::open_checked_with(path, CACHE_BYTES)
    }

    fn open_checked_with(path: &Path, cache_bytes: u64) -> Result<SledStore, StoreError> {
        let db = open_db(path, cache_bytes)?;
        let tree = db.open_tree(TREE).map_err(sled_err("open tree"))?;
        let damaged = |detail: String| StoreError::Damaged {
            location: path.display().to_string(),
            detail,
        };
        match tree.get(META_SCHEMA).map_err(sled_err("read schema"))? {
            None => {
                if tree.first().map_err(sled_err("read"))?.is_some() {
                    return Err(damaged("records without a schema version record".into()));
                }
                tree.insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())
                    .map_err(sled_err("write schema"))?;
                db.flush().map_err(sled_err("flush"))?;
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| damaged("unreadable schema version record".into()))?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        location: path.display().to_string(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < SCHEMA_VERSION {
                    migrate::migrate(&tree, found, path)?;
                }
            }
        }
        Ok(SledStore {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                db,
                tree,
                ingest: Mutex::new(()),
                changes: crate::store::ChangeCounter::new(),
                leases: crate::store::lease::MemoryLeases::default(),
            }),
        })
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub(super) fn tree(&self) -> &sled::Tree {
        &self.inner.tree
    }

    /// The ingest lock: every write that decides from what the store holds (ingest, import, prune) holds it,
    /// so that two of them never decide on the same state. A poisoned lock is taken as it is (the writes
    /// under it are atomic batches; a panic left nothing half-written).
    pub(super) fn ingest_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.inner
            .ingest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Store for SledStore {
    fn location(&self) -> String {
        self.inner.path.display().to_string()
    }
    fn write(&self, items: Vec<Incoming>) -> Result<Vec<Ingested>, StoreError> {
        let done = SledStore::write(self, items);
        // Also after a failure: the articles before it are written.
        self.inner.changes.bump();
        done
    }
    fn flush(&self) -> Result<(), StoreError> {
        SledStore::flush(self)
    }
    fn get(&self, id: &ArticleId) -> Result<Option<StoredArticle>, StoreError> {
        SledStore::get(self, id)
    }
    fn by_url(&self, url: &str) -> Result<Option<StoredArticle>, StoreError> {
        SledStore::by_url(self, url)
    }
    fn contains_url(&self, url: &str) -> Result<bool, StoreError> {
        SledStore::contains_url(self, url)
    }
    fn story(&self, id: &StoryId) -> Result<Option<StoryView>, StoreError> {
        SledStore::story(self, id)
    }
    fn stories_page(
        &self,
        filter: &StoryFilter,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        SledStore::stories_page(self, filter, before, limit)
    }
    fn source_stories_page(
        &self,
        source: &SourceId,
        q: Option<&str>,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        SledStore::source_stories_page(self, source, q, before, limit)
    }
    fn recent_articles(
        &self,
        source: &SourceId,
        q: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        SledStore::recent_articles(self, source, q, limit)
    }
    fn articles(&self) -> Box<dyn Iterator<Item = Result<StoredArticle, StoreError>> + '_> {
        Box::new(SledStore::articles(self))
    }
    fn near_duplicate_story(&self, fp: &Fingerprint) -> Result<Option<StoryId>, StoreError> {
        SledStore::near_duplicate_story(self, fp)
    }
    fn fetch_state(&self, url: &str) -> Result<Option<FetchState>, StoreError> {
        SledStore::fetch_state(self, url)
    }
    fn set_fetch_state(&self, url: &str, st: &FetchState) -> Result<(), StoreError> {
        SledStore::set_fetch_state(self, url, st)
    }
    fn repair_fetch_states(&self) -> Result<Vec<Problem>, StoreError> {
        SledStore::repair_fetch_states(self)
    }
    fn source_state(&self, id: &SourceId) -> Result<Option<SourceState>, StoreError> {
        SledStore::source_state(self, id)
    }
    fn set_source_state(&self, id: &SourceId, st: &SourceState) -> Result<(), StoreError> {
        SledStore::set_source_state(self, id, st)
    }
    fn generation(&self) -> Result<u64, StoreError> {
        SledStore::generation(self)
    }
    fn stats(&self) -> Result<Stats, StoreError> {
        SledStore::stats(self)
    }
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        SledStore::verify(self)
    }
    fn prune(&self, cutoff: jiff::Timestamp) -> Result<PruneReport, StoreError> {
        let done = SledStore::prune(self, cutoff);
        self.inner.changes.bump();
        done
    }
    fn fingerprint(&self, id: &ArticleId) -> Result<Option<Fingerprint>, StoreError> {
        self.fingerprint_of(id)
    }
    fn import_story(
        &self,
        id: &StoryId,
        members: Vec<(StoredArticle, Fingerprint)>,
    ) -> Result<bool, StoreError> {
        let done = SledStore::import_story(self, id, members);
        self.inner.changes.bump();
        done
    }
    fn fetch_states(&self) -> Result<Vec<(String, FetchState)>, StoreError> {
        SledStore::fetch_states(self)
    }
    fn source_states(&self) -> Result<Vec<(SourceId, SourceState)>, StoreError> {
        SledStore::source_states(self)
    }
    fn changes(&self, _remote: bool) -> tokio::sync::watch::Receiver<u64> {
        // One process owns a sled store: its own writes are all there is.
        self.inner.changes.subscribe()
    }
    fn claim_sources(
        &self,
        req: &crate::store::ClaimRequest<'_>,
    ) -> Result<Vec<crate::store::Claimed>, StoreError> {
        self.inner
            .leases
            .claim(req, |id| SledStore::source_state(self, id))
    }
    fn renew_lease(
        &self,
        source: &SourceId,
        owner: &str,
        now: jiff::Timestamp,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError> {
        Ok(self.inner.leases.renew(source, owner, now, ttl))
    }
    fn release_lease(&self, source: &SourceId, owner: &str) -> Result<(), StoreError> {
        self.inner.leases.release(source, owner);
        Ok(())
    }
    fn leases(&self) -> Result<Vec<crate::store::Lease>, StoreError> {
        Ok(self.inner.leases.list())
    }
}

/// How long [`open_db`] waits for a lock that may be in the middle of being released: briefly for
/// a lock another process may hold, longer for a store this process has held (sled releases the
/// lock from background threads after the last handle is dropped, which can take a while on a busy
/// machine).
const LOCK_RETRY_WAIT: std::time::Duration = std::time::Duration::from_millis(20);
const LOCK_WAIT_FOREIGN: std::time::Duration = std::time::Duration::from_millis(200);
const LOCK_WAIT_OWN: std::time::Duration = std::time::Duration::from_secs(10);

/// The store directories this process has opened, so that a lock it still holds while a dropped
/// handle winds down is waited for rather than reported as another process's.
static OPENED_HERE: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn opened_here(path: &Path) -> bool {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    OPENED_HERE
        .lock()
        .map(|v| v.contains(&key))
        .unwrap_or(false)
}

fn remember_opened(path: &Path) {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(mut v) = OPENED_HERE.lock() {
        if !v.contains(&key) {
            v.push(key);
        }
    }
}

/// Whether `path` may hold a store: a sled store directory (its `conf` and `db` files), or, when
/// `create` is set, a missing or empty directory. A non-empty directory without them is refused before
/// sled writes anything into it.
fn check_store_dir(path: &Path, create: bool) -> Result<(), StoreError> {
    let not_a_store = |detail: &str| StoreError::NotAStore {
        location: path.display().to_string(),
        detail: detail.to_owned(),
    };
    let missing = || StoreError::Missing {
        location: path.display().to_string(),
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

/// Opens sled at `path` with a bounded cache ([`CACHE_BYTES`]). A lock still held by a handle this
/// process has dropped is waited for (up to [`LOCK_WAIT_OWN`]); any other held lock is retried for
/// [`LOCK_WAIT_FOREIGN`] and then reported as [`StoreError::Locked`].
fn open_db(path: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let started = std::time::Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .open();
        let err = match opened {
            Ok(db) => {
                remember_opened(path);
                return Ok(db);
            }
            Err(e) => e,
        };
        match err {
            sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
                let limit = if opened_here(path) {
                    LOCK_WAIT_OWN
                } else {
                    LOCK_WAIT_FOREIGN
                };
                if started.elapsed() >= limit {
                    return Err(StoreError::Locked {
                        location: path.display().to_string(),
                    });
                }
                std::thread::sleep(LOCK_RETRY_WAIT);
            }
            sled::Error::Corruption { .. } => {
                return Err(StoreError::Damaged {
                    location: path.display().to_string(),
                    detail: err.to_string(),
                })
            }
            other => return Err(sled_err("open")(other)),
        }
    }
}
