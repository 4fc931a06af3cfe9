//! Which state of the store the feeds show: the server keeps the store's generation (its change counter)
//! instead of reading it on every feed request. A background task ([`Freshness::run`], started by
//! [`super::serve_with`]) reads it every `server.refresh`, and at once when the store's
//! [`crate::store::ChangeCounter`] moves: after every write this process commits (so `run`'s own crawl
//! shows in the next request), and on PostgreSQL when a writer in another process NOTIFYs. A feed request
//! compares the counter with the one the kept generation was read under and reads the store itself only
//! when they differ, so a request never sees less than this process has written. Whether the last read
//! succeeded is what `/healthz` reports. Without the task (a router used on its own) every request reads
//! the generation, as before.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::store::{SharedStore, Store, StoreError};

/// What the last reads of the generation found.
#[derive(Debug, Default)]
struct Seen {
    /// The newest generation read (generations only grow).
    generation: Option<u64>,
    /// The change count known before that read began: changes up to it are in `generation`.
    local: u64,
    /// Why the last read failed; `None` after a successful one.
    failed: Option<String>,
    /// Whether any read finished.
    read_once: bool,
}

/// The generation the feeds are rendered for, and whether the store answered last time.
#[derive(Debug)]
pub(crate) struct Freshness {
    seen: Mutex<Seen>,
    /// The store's change counter.
    changes: watch::Receiver<u64>,
    /// Whether [`Freshness::run`] keeps the generation.
    running: AtomicBool,
}

impl Freshness {
    /// Freshness over `store`; with `remote`, the store also follows other processes' announced changes
    /// ([`crate::store::Store::changes`]).
    pub(crate) fn new(store: &dyn Store, remote: bool) -> Self {
        Self {
            seen: Mutex::new(Seen::default()),
            changes: store.changes(remote),
            running: AtomicBool::new(false),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The generation to render feeds for: the kept one while it includes every change this process
    /// knows of, else read from the store now (blocking: call it on the blocking pool).
    ///
    /// # Errors
    /// The store's, when it had to be read and could not be.
    pub(crate) fn generation(&self, store: &dyn Store) -> Result<u64, StoreError> {
        let local = *self.changes.borrow();
        if self.running.load(Ordering::Acquire) {
            let seen = self.seen();
            if let Some(g) = seen.generation.filter(|_| seen.local >= local) {
                return Ok(g);
            }
        }
        self.read(store, local)
    }

    /// Reads the generation, the changes up to `local` being known to be committed before the read.
    fn read(&self, store: &dyn Store, local: u64) -> Result<u64, StoreError> {
        let read = store.generation();
        let mut seen = self.seen();
        seen.read_once = true;
        match &read {
            Ok(g) => {
                // Concurrent reads may finish out of order; the larger values are the later state.
                seen.generation = Some(seen.generation.map_or(*g, |old| old.max(*g)));
                seen.local = seen.local.max(local);
                seen.failed = None;
            }
            Err(e) => {
                seen.failed = Some(format!(
                    "{}: {}",
                    store.location(),
                    crate::model::error_chain(e)
                ))
            }
        }
        read
    }

    /// `Ok` while the store answers, else why not: the last read while [`Freshness::run`] keeps the
    /// generation and the store answered it, else a read now (blocking).
    pub(crate) fn health(&self, store: &dyn Store) -> Result<(), String> {
        if self.running.load(Ordering::Acquire) {
            let seen = self.seen();
            if seen.read_once && seen.failed.is_none() {
                return Ok(());
            }
        }
        let local = *self.changes.borrow();
        self.read(store, local)
            .map(|_| ())
            .map_err(|e| format!("{}: {}", store.location(), crate::model::error_chain(&e)))
    }

    /// Keeps the generation until `token` is cancelled: reads it now, then every `every` and whenever
    /// the store's change counter moves. A failed read is logged once per outage, and the next one
    /// retries.
    pub(crate) async fn run(
        self: Arc<Self>,
        store: SharedStore,
        every: Duration,
        token: CancellationToken,
    ) {
        let mut changes = Some(self.changes.clone());
        let mut was_down = false;
        loop {
            let local = changes
                .as_mut()
                .map_or_else(|| *self.changes.borrow(), |c| *c.borrow_and_update());
            let me = Arc::clone(&self);
            let st = Arc::clone(&store);
            let read =
                tokio::task::spawn_blocking(move || me.read(st.as_ref(), local).map(|_| ())).await;
            match read {
                Ok(Ok(())) => {
                    if was_down {
                        tracing::info!(store = %store.location(), "the store answers again");
                    }
                    was_down = false;
                }
                Ok(Err(e)) => {
                    if !was_down {
                        tracing::warn!(error = %e, "reading the store's generation failed; serving the last good feeds");
                    }
                    was_down = true;
                }
                Err(e) => tracing::error!(error = %e, "the generation read panicked"),
            }
            // From the first read on, requests may use the kept generation.
            self.running.store(true, Ordering::Release);
            let woke = {
                let moved = async {
                    match changes.as_mut() {
                        Some(c) => c.changed().await.is_ok(),
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = token.cancelled() => None,
                    () = tokio::time::sleep(every) => Some(true),
                    ok = moved => Some(ok),
                }
            };
            match woke {
                None => break,
                // The store's counter is gone (the store is closing): the timer alone remains.
                Some(false) => changes = None,
                Some(true) => {}
            }
        }
        self.running.store(false, Ordering::Release);
    }
}
