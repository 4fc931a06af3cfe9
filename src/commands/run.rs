//! `unionwire run`: the daemon — the scheduler, the HTTP server and its control API (`/api/`, see
//! [`crate::server::control`]) in one process, over one store.
//!
//! `--role` splits it: `all` (the default) does both; `crawler` runs the scheduler and the crawl, and
//! its listener answers only `/healthz`, `/metrics` and the control API (`crawl now` included), no
//! feeds; `server` serves the feeds, pages and API from the store and never crawls (its control API's
//! `crawl now` answers 409 saying so). Sources are leased through the store
//! ([`crate::store::Store::claim_sources`]), so any number of crawlers can share a PostgreSQL store;
//! a sled store is held by one process whatever its role.
//! SIGINT/SIGTERM stop new work, cancel in-flight fetches, let the server finish its requests, flush the store
//! and exit 0 within [`SHUTDOWN_GRACE`].

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::cli::{Cli, Role, RunArgs};
use crate::commands::{load_config, CmdResult, Failure, EXIT_FAILURE};
use crate::config::{Overrides, SourceConfig};
use crate::crawl::{scheduler, Crawler, Progress, RunOptions};
use crate::fetch::{FetchConfig, Fetcher};
use crate::metrics::Metrics;
use crate::server::control::{Control, CrawlNow, CrawlProgress};
use crate::server::{self, AppState};
use crate::store::SharedStore;

/// The longest shutdown may take before the process gives up waiting for tasks.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// Runs the daemon.
///
/// # Errors
/// Exit 3 when another process holds the store; exit 1 when the address cannot be bound.
pub fn run(cli: &Cli, args: &RunArgs) -> CmdResult {
    let role = args.role;
    let cfg = load_config(
        cli,
        Overrides {
            listen: args.serve.listen,
            ..Overrides::default()
        },
    )?;
    let store = crate::commands::open_store(&cfg)?;
    let cfg = Arc::new(cfg);
    let metrics = Arc::new(Metrics::default());
    let crawler = if role.crawls() {
        let fetcher = Fetcher::new(FetchConfig::from(&cfg.crawl))
            .map_err(|e| Failure::new(EXIT_FAILURE, e))?;
        Some(Crawler::new(
            cfg.clone(),
            fetcher,
            store.clone(),
            metrics.clone(),
        ))
    } else {
        None
    };
    let command = match role {
        Role::All => "run",
        Role::Crawler => "run --role crawler",
        Role::Server => "run --role server",
    };
    let rt = crate::commands::runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(cfg.server.listen)
            .await
            .with_context(|| format!("binding {}", cfg.server.listen))?;
        let addr = listener.local_addr()?;
        info!(%addr, role = role.as_str(), store = %crate::commands::store_place(&cfg), sources = cfg.sources.len(), "unionwire running");
        // A machine-readable line for scripts and tests that start the daemon on port 0.
        println!("listening on http://{addr}");
        let token = CancellationToken::new();
        let tracker = TaskTracker::new();
        let control = Control::new(
            &cfg,
            addr,
            command,
            crawler
                .clone()
                .map(|c| Arc::new(DaemonCrawls(c)) as Arc<dyn CrawlNow>),
            token.child_token(),
            tracker.clone(),
        );
        let mut state =
            AppState::new(store.clone(), cfg.clone(), metrics.clone()).with_control(control);
        if !role.serves_feeds() {
            state = state.without_feeds();
        }
        tracker.spawn(server::serve(listener, state, token.child_token()));
        if let Some(crawler) = crawler {
            tracker.spawn(scheduler::run(crawler, token.child_token()));
        }
        // Retention is a writer's job: the processes that crawl apply it, a server only reads.
        if let Some(retention) = cfg.store.retention.filter(|_| role.crawls()) {
            tracker.spawn(apply_retention(
                store.clone(),
                retention,
                token.child_token(),
            ));
        }
        tracker.close();
        shutdown_signal().await;
        info!("shutting down: no new work, cancelling fetches, flushing the store");
        token.cancel();
        if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait()).await.is_err() {
            warn!(grace = ?SHUTDOWN_GRACE, "tasks still running at the end of the grace period");
        }
        anyhow::Ok(())
    })?;
    store.flush()?;
    info!("store flushed; bye");
    Ok(())
}

/// The daemon's crawler as the control API's `crawl now` ([`CrawlNow`]).
struct DaemonCrawls(Crawler);

impl CrawlNow for DaemonCrawls {
    fn crawl(
        &self,
        source: SourceConfig,
        progress: CrawlProgress,
        token: CancellationToken,
    ) -> futures::future::BoxFuture<'static, serde_json::Value> {
        let CrawlProgress { queued, done } = progress;
        let crawler = self.0.clone().with_progress(Arc::new(move |p| match p {
            Progress::ArticlesQueued { count, .. } => {
                queued.fetch_add(count, Ordering::Relaxed);
            }
            Progress::ArticleDone { .. } => {
                done.fetch_add(1, Ordering::Relaxed);
            }
            Progress::SourceStarted { .. } | Progress::SourceFinished { .. } => {}
        }));
        Box::pin(async move {
            // After the running crawl of the source (the schedule's here, or another crawler's sharing the
            // store), if one is running: one crawl of a source at a time.
            let summary = match crawler.claim_when_free(&source.id, &token).await {
                Some(claim) => {
                    crawler
                        .crawl_claimed(claim, &source, &RunOptions::default(), &token)
                        .await
                }
                None => {
                    crawler
                        .crawl_source(&source, &RunOptions::default(), &token)
                        .await
                }
            };
            serde_json::to_value(&summary).unwrap_or_else(|e| {
                serde_json::json!({
                    "source": source.id, "failed": true,
                    "errors": [format!("encoding the summary: {e}")],
                })
            })
        })
    }
}

/// How often the daemon applies `store.retention` (the first time at start).
pub(crate) const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Prunes the stories older than `retention` at start, then every [`PRUNE_EVERY`], until `token` is
/// cancelled.
async fn apply_retention(store: SharedStore, retention: Duration, token: CancellationToken) {
    loop {
        let cutoff = crate::commands::db::retention_cutoff(jiff::Timestamp::now(), retention);
        match crate::store::blocking(&store, move |s| s.prune(cutoff)).await {
            Ok(r) => info!(
                stories = r.stories,
                articles = r.articles,
                url_entries = r.url_entries,
                fetch_states = r.fetch_states,
                %cutoff,
                "retention applied"
            ),
            Err(e) => warn!(error = %e, "applying the retention failed; trying again in a day"),
        }
        tokio::select! {
            () = token.cancelled() => break,
            () = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
