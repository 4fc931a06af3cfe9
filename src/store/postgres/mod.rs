//! The PostgreSQL engine (tokio-postgres 0.7 with a deadpool-postgres 0.14 pool): a
//! [`crate::store::Store`] many processes on many machines can share, and the only code that names
//! PostgreSQL. Files: `conn` (URL, password, location), `ingest`, `read` (lookups and paged queries),
//! `verify`.
//!
//! Tables (`migrations/postgres/*.sql`, versioned in `uw_schema`):
//!
//! | table | key | what |
//! |---|---|---|
//! | `uw_articles` | id | the `StoredArticle` as JSON, with its story, source, sort time and fingerprint as columns (index: source, sort time) |
//! | `uw_urls` | URL identity key | article id |
//! | `uw_stories` | id | members in lead order (JSON) and the lead's sort time (index: sort time) |
//! | `uw_bands` | band number, band, article | the article's full SimHash: the near-duplicate band index |
//! | `uw_anchors` | anchor, article | the article's story: the sentence-anchor index |
//! | `uw_fetch_state` | URL identity key | `FetchState` as JSON |
//! | `uw_source_state` | source id | `SourceState` as JSON |
//! | `uw_meta` | name | `generation`, `articles`, `stories` counters |
//! | `uw_source_leases` | source id | which crawler holds the source, until when (`lease`) |
//! | `uw_host_turns` | host | politeness shared by every crawler: request in flight, next start, hold (`lease`) |
//!
//! Calling convention: the trait is synchronous; the engine owns a small tokio runtime, spawns each
//! operation on it and waits for the result from the calling thread with `futures::executor::block_on`,
//! which neither panics nor starves anything when the caller is itself a worker of another runtime.
//!
//! Writes: each [`crate::store::Store::write`] batch is one transaction, committed before `write`
//! returns, so what it returns is already durable and `flush` has nothing left to do (an article without
//! URL commits the articles before it, as on sled). Every ingest transaction first takes one
//! transaction-level advisory lock (`pg_advisory_xact_lock`): writers in all processes that share the
//! database place articles in stories one at a time, so two crawlers ingesting copies of one story end
//! with one story. Reads take no lock.

use std::future::Future;
use std::sync::Arc;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::dedup::Fingerprint;
use crate::model::{
    ArticleId, FetchState, Ingested, SourceId, SourceState, StoredArticle, StoryId, StoryView,
};
use crate::store::query::{Cursor, StoryPage};
use crate::store::{Incoming, Problem, Stats, Store, StoreError, StoryFilter, VerifyReport};

mod conn;
mod copy;
mod ingest;
mod lease;
mod prune;
mod read;
mod verify;

pub use conn::is_postgres_url;

/// The schema this build reads and writes: the number of the newest migration.
pub(crate) const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The migrations, in order: migration `n` (1-based, file `000n_*.sql`) brings the schema to version `n`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_leases.sql"),
];

/// Connections kept per process (one writer, readers from the blocking pool).
const POOL_SIZE: usize = 8;

/// How a store is opened: by a command that writes (schema created or migrated), one that only reads
/// (nothing created), or `db migrate` (checked, then migrated by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opening {
    Create,
    Existing,
    Migrate,
}

/// The advisory lock every ingest transaction holds (an arbitrary constant: "uw-ingest").
const INGEST_LOCK: i64 = 0x7577_2d69_6e67_6573;
/// The channel every committed write and prune announces itself on (`pg_notify` inside the transaction,
/// so the notification is delivered exactly when the change is visible), and servers LISTEN on.
pub(crate) const CHANGES_CHANNEL: &str = "uw_changes";

/// How long the change listener waits before connecting again after its connection failed.
const LISTEN_RETRY: std::time::Duration = std::time::Duration::from_secs(1);
/// The longest wait between two connection attempts of the change listener.
const LISTEN_RETRY_MAX: std::time::Duration = std::time::Duration::from_secs(30);

/// Announces a change on [`CHANGES_CHANNEL`] inside the caller's transaction (delivered at commit).
pub(crate) async fn announce(c: &impl GenericClient) -> Result<(), StoreError> {
    cached::execute(c, "SELECT pg_notify($1, '')", &[&CHANGES_CHANNEL])
        .await
        .map(|_| ())
        .map_err(pg_err("announce change"))
}

/// The advisory lock a migration holds.
const MIGRATE_LOCK: i64 = 0x7577_2d6d_6967_7261;

/// Queries through the connection's statement cache: each statement is parsed once per connection,
/// then only bound and executed (one round trip instead of two).
mod cached {
    use deadpool_postgres::GenericClient;
    use tokio_postgres::types::ToSql;
    use tokio_postgres::{Error, Row};

    type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

    pub(super) async fn query(
        c: &impl GenericClient,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, Error> {
        let st = c.prepare_cached(sql).await?;
        c.query(&st, params).await
    }

    pub(super) async fn query_opt(
        c: &impl GenericClient,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, Error> {
        let st = c.prepare_cached(sql).await?;
        c.query_opt(&st, params).await
    }

    pub(super) async fn query_one(
        c: &impl GenericClient,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Row, Error> {
        let st = c.prepare_cached(sql).await?;
        c.query_one(&st, params).await
    }

    pub(super) async fn execute(
        c: &impl GenericClient,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, Error> {
        let st = c.prepare_cached(sql).await?;
        c.execute(&st, params).await
    }
}

/// A PostgreSQL failure in `op`, as the engine-neutral [`StoreError::Backend`].
pub(crate) fn pg_err(op: &'static str) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    move |source| StoreError::Backend {
        op,
        source: Box::new(source),
    }
}

struct Inner {
    location: String,
    /// The connection settings, for the change listener's own connection (outside the pool).
    config: tokio_postgres::Config,
    pool: Pool,
    /// Moved after every write and prune of this process, and by the change listener.
    changes: crate::store::ChangeCounter,
    /// Whether the change listener was started.
    listening: std::sync::atomic::AtomicBool,
    handle: tokio::runtime::Handle,
    /// Shut down in the background on drop (dropping a runtime may happen inside another one).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.pool.close();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The PostgreSQL store. Cheap to clone; any number of processes may open one database.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.inner.location)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` and migrates it to this build's schema if it is older or
    /// empty (the crawler and the daemon).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the URL is bad or the server cannot be reached;
    /// [`StoreError::NewerSchema`] for a database from a newer build; engine failures.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        Self::connect(url, Opening::Create)
    }

    /// Connects for `db migrate`: the schema is checked (a newer one is refused) but not changed; the
    /// caller then runs [`PgStore::migrate`] and reports what it did.
    ///
    /// # Errors
    /// As [`PgStore::open`].
    pub fn open_for_migration(url: &str) -> Result<PgStore, StoreError> {
        Self::connect(url, Opening::Migrate)
    }

    /// Connects for a command that only reads: a database without the schema is
    /// [`StoreError::Missing`], and nothing is created.
    ///
    /// # Errors
    /// [`StoreError::Missing`], or as [`PgStore::open`].
    pub fn open_existing(url: &str) -> Result<PgStore, StoreError> {
        Self::connect(url, Opening::Existing)
    }

    fn connect(url: &str, opening: Opening) -> Result<PgStore, StoreError> {
        let target = conn::target(url)?;
        let location = target.location.clone();
        let unavailable = |detail: String| StoreError::Unavailable {
            location: location.clone(),
            detail,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("store-postgres")
            .enable_all()
            .build()
            .map_err(|e| unavailable(format!("starting the client runtime: {e}")))?;
        let config = target.config.clone();
        let manager = Manager::from_config(
            target.config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(std::time::Duration::from_secs(15)))
            .wait_timeout(Some(std::time::Duration::from_secs(60)))
            .build()
            .map_err(|e| unavailable(format!("building the connection pool: {e}")))?;
        let store = PgStore {
            inner: Arc::new(Inner {
                location: location.clone(),
                config,
                pool,
                changes: crate::store::ChangeCounter::new(),
                listening: std::sync::atomic::AtomicBool::new(false),
                handle: runtime.handle().clone(),
                runtime: Some(runtime),
            }),
        };
        // The first connection tells whether the server is there at all.
        let found = store
            .run("connect", |c| async move { schema_version(&c).await })
            .map_err(|e| match e {
                StoreError::Backend {
                    op: "connect",
                    source,
                } => unavailable(crate::model::error_chain(source.as_ref())),
                other => other,
            })?;
        match found {
            None if opening == Opening::Existing => return Err(StoreError::Missing { location }),
            Some(found) if found > SCHEMA_VERSION => {
                return Err(StoreError::NewerSchema {
                    location,
                    found,
                    supported: SCHEMA_VERSION,
                })
            }
            Some(found) if found == SCHEMA_VERSION => {}
            _ if opening == Opening::Migrate => {}
            _ => {
                store.migrate()?;
            }
        }
        Ok(store)
    }

    /// Applies every migration newer than the database's schema, in one transaction under an advisory
    /// lock (so concurrent migrators apply each once). Returns the schema version before and after.
    ///
    /// # Errors
    /// [`StoreError::NewerSchema`] when the database is newer than this build; engine failures (then
    /// nothing was applied).
    pub fn migrate(&self) -> Result<(u32, u32), StoreError> {
        let location = self.inner.location.clone();
        self.run("migrate", move |mut c| async move {
            let tx = c.transaction().await.map_err(pg_err("migrate"))?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
                .await
                .map_err(pg_err("migrate"))?;
            tx.batch_execute("CREATE TABLE IF NOT EXISTS uw_schema (version integer NOT NULL)")
                .await
                .map_err(pg_err("migrate"))?;
            let before = match tx
                .query_opt("SELECT version FROM uw_schema", &[])
                .await
                .map_err(pg_err("migrate"))?
            {
                Some(row) => u32::try_from(row.get::<_, i32>(0)).unwrap_or(0),
                None => {
                    tx.execute("INSERT INTO uw_schema (version) VALUES (0)", &[])
                        .await
                        .map_err(pg_err("migrate"))?;
                    0
                }
            };
            if before > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    location,
                    found: before,
                    supported: SCHEMA_VERSION,
                });
            }
            for (n, sql) in (1u32..).zip(MIGRATIONS) {
                if n > before {
                    tx.batch_execute(sql).await.map_err(pg_err("migrate"))?;
                }
            }
            let after = i32::try_from(SCHEMA_VERSION).unwrap_or(i32::MAX);
            tx.execute("UPDATE uw_schema SET version = $1", &[&after])
                .await
                .map_err(pg_err("migrate"))?;
            tx.commit().await.map_err(pg_err("migrate"))?;
            Ok((before, SCHEMA_VERSION))
        })
    }

    /// Runs `f` with a pooled connection on the engine's runtime and waits for it.
    fn run<T, F, Fut>(&self, op: &'static str, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(Object) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.inner.pool.clone();
        let task = self.inner.handle.spawn(async move {
            let client = pool.get().await.map_err(|e| StoreError::Backend {
                op: "connect",
                source: Box::new(e),
            })?;
            f(client).await
        });
        futures::executor::block_on(task).map_err(|e| StoreError::Backend {
            op,
            source: Box::new(e),
        })?
    }

    /// Benchmark support: posts bare SimHashes under `id`s in the band index (no article record), like
    /// the sled engine's hook. Not for production data: `verify` reports such entries as dangling.
    ///
    /// # Errors
    /// Engine failures.
    #[doc(hidden)]
    pub fn bench_index_fingerprints(&self, items: &[(ArticleId, u64)]) -> Result<(), StoreError> {
        for chunk in items.chunks(4096) {
            let chunk = chunk.to_vec();
            self.run("write fingerprints", move |c| async move {
                ingest::bench_bands(&c, &chunk).await
            })?;
        }
        Ok(())
    }
}

/// The change listener: its own connection LISTENs on [`CHANGES_CHANNEL`] and moves `changes` on every
/// notification. When the connection fails it connects again (backing off from [`LISTEN_RETRY`] to
/// [`LISTEN_RETRY_MAX`]) and moves `changes` once it listens again, since notifications sent meanwhile are
/// lost. Nothing depends on it: servers also read the generation every `server.refresh`.
async fn listen(
    config: tokio_postgres::Config,
    changes: crate::store::ChangeCounter,
    location: String,
) {
    let mut wait = LISTEN_RETRY;
    loop {
        match listen_once(&config, &changes).await {
            Ok(()) => {
                tracing::warn!(store = %location, "the change listener's connection closed; connecting again");
                wait = LISTEN_RETRY;
            }
            Err(e) => {
                tracing::warn!(store = %location, error = %crate::model::error_chain(&e), retry_in = ?wait, "listening for store changes failed");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LISTEN_RETRY_MAX);
    }
}

/// One connection of the change listener, until it ends.
async fn listen_once(
    config: &tokio_postgres::Config,
    changes: &crate::store::ChangeCounter,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The connection is driven here; notifications are passed on, the end of the connection ends `rx`.
    let driver = tokio::spawn(async move {
        loop {
            match futures::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => {
                    if tx.send(()).is_err() {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    });
    let listened = client
        .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))
        .await;
    if let Err(e) = listened {
        driver.abort();
        return Err(e);
    }
    // Whatever was announced while this listener was not connected.
    changes.bump();
    while rx.recv().await.is_some() {
        changes.bump();
    }
    drop(client);
    match driver.await {
        Ok(r) => r,
        Err(_) => Ok(()),
    }
}

/// Whether `e` (or a cause) is a failure a retry may get past: a connection that could not be made or
/// was lost, a pool that timed out waiting for one, a server shutting down or starting up (SQLSTATE
/// class 08, 57P01-57P03), a serialization failure or deadlock (40001, 40P01).
pub(crate) fn is_transient(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(pg) = err.downcast_ref::<tokio_postgres::Error>() {
            return pg_transient(pg);
        }
        if let Some(pool) = err.downcast_ref::<deadpool_postgres::PoolError>() {
            return match pool {
                deadpool_postgres::PoolError::Timeout(_) => true,
                deadpool_postgres::PoolError::Backend(pg) => pg_transient(pg),
                _ => false,
            };
        }
        cur = err.source();
    }
    false
}

fn pg_transient(pg: &tokio_postgres::Error) -> bool {
    if pg.is_closed() {
        return true;
    }
    if let Some(code) = pg.code() {
        let code = code.code();
        return code.starts_with("08")
            || matches!(code, "57P01" | "57P02" | "57P03" | "40001" | "40P01");
    }
    // A connection refused, reset or timed out: an I/O error under the client's.
    let mut cur = std::error::Error::source(pg);
    while let Some(err) = cur {
        if err.downcast_ref::<std::io::Error>().is_some() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The schema version recorded in the database; `None` when it has none (never migrated).
async fn schema_version(c: &impl GenericClient) -> Result<Option<u32>, StoreError> {
    let exists: bool = c
        .query_one("SELECT to_regclass('uw_schema') IS NOT NULL", &[])
        .await
        .map_err(pg_err("read schema"))?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let row = c
        .query_opt("SELECT version FROM uw_schema", &[])
        .await
        .map_err(pg_err("read schema"))?;
    Ok(row
        .map(|r| r.get::<_, i32>(0))
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v > 0))
}

impl Store for PgStore {
    fn location(&self) -> String {
        self.inner.location.clone()
    }
    fn has_transient_failures(&self) -> bool {
        true
    }
    fn write(&self, items: Vec<Incoming>) -> Result<Vec<Ingested>, StoreError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let done = self.run("write articles", move |mut c| async move {
            ingest::write_batch(&mut c, items).await
        });
        // Also after a failure: an article without URL commits the ones before it.
        self.inner.changes.bump();
        done
    }
    fn flush(&self) -> Result<(), StoreError> {
        // Every write is a committed transaction already.
        Ok(())
    }
    fn get(&self, id: &ArticleId) -> Result<Option<StoredArticle>, StoreError> {
        let id = *id;
        self.run(
            "read article",
            move |c| async move { read::get(&c, &id).await },
        )
    }
    fn by_url(&self, url: &str) -> Result<Option<StoredArticle>, StoreError> {
        let url = url.to_owned();
        self.run("read article", move |c| async move {
            match read::url_id(&c, &url).await? {
                Some(id) => read::get(&c, &id).await,
                None => Ok(None),
            }
        })
    }
    fn contains_url(&self, url: &str) -> Result<bool, StoreError> {
        let url = url.to_owned();
        self.run("read URL index", move |c| async move {
            Ok(read::url_id(&c, &url).await?.is_some())
        })
    }
    fn story(&self, id: &StoryId) -> Result<Option<StoryView>, StoreError> {
        let id = *id;
        self.run(
            "read story",
            move |c| async move { read::story(&c, id).await },
        )
    }
    fn stories_page(
        &self,
        filter: &StoryFilter,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        let (filter, before) = (filter.clone(), before.copied());
        self.run("scan stories", move |c| async move {
            read::stories_page(&c, &filter, before, limit).await
        })
    }
    fn source_stories_page(
        &self,
        source: &SourceId,
        q: Option<&str>,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        let (source, q, before) = (source.clone(), q.map(str::to_owned), before.copied());
        self.run("scan source", move |c| async move {
            read::source_stories_page(&c, &source, q.as_deref(), before, limit).await
        })
    }
    fn recent_articles(
        &self,
        source: &SourceId,
        q: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        let (source, q) = (source.clone(), q.map(str::to_owned));
        self.run("scan source", move |c| async move {
            read::recent_articles(&c, &source, q.as_deref(), limit).await
        })
    }
    fn articles(&self) -> Box<dyn Iterator<Item = Result<StoredArticle, StoreError>> + '_> {
        Box::new(read::Articles::new(self))
    }
    fn near_duplicate_story(&self, fp: &Fingerprint) -> Result<Option<StoryId>, StoreError> {
        let fp = fp.clone();
        self.run("near-duplicate lookup", move |c| async move {
            ingest::find_story(&c, &ArticleId([0; 16]), &fp).await
        })
    }
    fn fetch_state(&self, url: &str) -> Result<Option<FetchState>, StoreError> {
        let url = url.to_owned();
        self.run("read fetch state", move |c| async move {
            read::fetch_state(&c, &url).await
        })
    }
    fn set_fetch_state(&self, url: &str, st: &FetchState) -> Result<(), StoreError> {
        let (url, json) = (url.to_owned(), read::to_json("fetch state", st)?);
        self.run("write fetch state", move |c| async move {
            read::set_fetch_state(&c, &url, &json).await
        })
    }
    fn repair_fetch_states(&self) -> Result<Vec<Problem>, StoreError> {
        self.run("repair fetch states", |c| async move {
            verify::repair_fetch_states(&c).await
        })
    }
    fn source_state(&self, id: &SourceId) -> Result<Option<SourceState>, StoreError> {
        let id = id.clone();
        self.run("read source state", move |c| async move {
            read::source_state(&c, &id).await
        })
    }
    fn set_source_state(&self, id: &SourceId, st: &SourceState) -> Result<(), StoreError> {
        let (id, json) = (id.clone(), read::to_json("source state", st)?);
        self.run("write source state", move |c| async move {
            read::set_source_state(&c, &id, &json).await
        })
    }
    fn generation(&self) -> Result<u64, StoreError> {
        self.run("read generation", |c| async move {
            read::meta(&c, "generation").await
        })
    }
    fn stats(&self) -> Result<Stats, StoreError> {
        self.run("read stats", |c| async move { read::stats(&c).await })
    }
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.run("verify", |c| async move { verify::verify(&c).await })
    }
    fn prune(&self, cutoff: jiff::Timestamp) -> Result<crate::store::PruneReport, StoreError> {
        let done = self.run("prune", move |c| prune::prune(c, cutoff));
        self.inner.changes.bump();
        done
    }
    fn fingerprint(&self, id: &ArticleId) -> Result<Option<Fingerprint>, StoreError> {
        let id = *id;
        self.run("read fingerprint", move |c| async move {
            copy::fingerprint(&c, &id).await
        })
    }
    fn import_story(
        &self,
        id: &StoryId,
        members: Vec<(StoredArticle, Fingerprint)>,
    ) -> Result<bool, StoreError> {
        let id = *id;
        let done = self.run("copy story", move |c| copy::import_story(c, id, members));
        self.inner.changes.bump();
        done
    }
    fn fetch_states(&self) -> Result<Vec<(String, FetchState)>, StoreError> {
        self.run("scan fetch states", |c| async move {
            copy::fetch_states(&c).await
        })
    }
    fn source_states(&self) -> Result<Vec<(SourceId, SourceState)>, StoreError> {
        self.run("scan source states", |c| async move {
            copy::source_states(&c).await
        })
    }
    fn changes(&self, remote: bool) -> tokio::sync::watch::Receiver<u64> {
        use std::sync::atomic::Ordering;
        if remote && !self.inner.listening.swap(true, Ordering::SeqCst) {
            // Runs until the engine's runtime shuts down with the store.
            self.inner.handle.spawn(listen(
                self.inner.config.clone(),
                self.inner.changes.clone(),
                self.inner.location.clone(),
            ));
        }
        self.inner.changes.subscribe()
    }
    fn pool_status(&self) -> Option<crate::store::PoolStatus> {
        let s = self.inner.pool.status();
        Some(crate::store::PoolStatus {
            max_size: s.max_size,
            size: s.size,
            available: s.available,
            waiting: s.waiting,
        })
    }
    fn claim_sources(
        &self,
        req: &crate::store::ClaimRequest<'_>,
    ) -> Result<Vec<crate::store::Claimed>, StoreError> {
        let req = lease::OwnedClaim::from(req);
        self.run("claim sources", move |c| lease::claim(c, req))
    }
    fn renew_lease(
        &self,
        source: &SourceId,
        owner: &str,
        now: jiff::Timestamp,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let (source, owner) = (source.clone(), owner.to_owned());
        self.run("renew lease", move |c| async move {
            lease::renew(&c, &source, &owner, now, ttl).await
        })
    }
    fn release_lease(&self, source: &SourceId, owner: &str) -> Result<(), StoreError> {
        let (source, owner) = (source.clone(), owner.to_owned());
        self.run("release lease", move |c| async move {
            lease::release(&c, &source, &owner).await
        })
    }
    fn leases(&self) -> Result<Vec<crate::store::Lease>, StoreError> {
        self.run("read leases", |c| async move { lease::list(&c).await })
    }
    fn shares_host_turns(&self) -> bool {
        true
    }
    fn take_host_turn(
        &self,
        host: &str,
        holder: &str,
        gap: std::time::Duration,
        in_flight_ttl: std::time::Duration,
    ) -> Result<crate::store::HostTurnAnswer, StoreError> {
        let (host, holder) = (host.to_ascii_lowercase(), holder.to_owned());
        self.run("take host turn", move |c| async move {
            lease::take_host_turn(&c, &host, &holder, gap, in_flight_ttl).await
        })
    }
    fn end_host_turn(
        &self,
        host: &str,
        holder: &str,
        gap: std::time::Duration,
    ) -> Result<(), StoreError> {
        let (host, holder) = (host.to_ascii_lowercase(), holder.to_owned());
        self.run("end host turn", move |c| async move {
            lease::end_host_turn(&c, &host, &holder, gap).await
        })
    }
    fn hold_host(&self, host: &str, wait: std::time::Duration) -> Result<(), StoreError> {
        let host = host.to_ascii_lowercase();
        self.run("hold host", move |c| async move {
            lease::hold_host(&c, &host, wait).await
        })
    }
}
