//! `unionwire serve`: serve the feeds from the store without crawling, until SIGINT or SIGTERM,
//! then finish in-flight requests and exit 0.

use std::sync::Arc;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, ServeArgs};
use crate::commands::{load_config, runtime, CmdResult, Failure};
use crate::config::Overrides;

/// Runs `serve`.
///
/// # Errors
/// A [`Failure`] when the configuration is invalid, the store cannot be opened (locked, damaged),
/// or the address cannot be bound.
pub fn run(cli: &Cli, args: &ServeArgs) -> CmdResult {
    let cfg = load_config(
        cli,
        Overrides {
            listen: args.listen,
            ..Overrides::default()
        },
    )?;
    let store = crate::commands::open_store_existing(&cfg).map_err(Failure::from)?;
    let cfg = Arc::new(cfg);
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let rt = runtime()?;
    rt.block_on(async move {
        let listen = cfg.server.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        let addr = listener.local_addr().unwrap_or(listen);
        tracing::info!(%addr, store = %crate::commands::store_place(&cfg), "serving feeds");
        let token = CancellationToken::new();
        let signals = tokio::spawn(cancel_on_signal(token.clone()));
        let control = crate::server::control::Control::new(
            &cfg,
            addr,
            "serve",
            None,
            token.clone(),
            tokio_util::task::TaskTracker::new(),
        );
        let state = crate::server::AppState::new(store.clone(), cfg, metrics).with_control(control);
        let served = crate::server::serve(listener, state, token.clone()).await;
        signals.abort();
        served.context("serving HTTP")?;
        store.flush().context("flushing the store")?;
        tracing::info!("stopped");
        Ok::<(), Failure>(())
    })
}

/// Cancels `token` on the first SIGINT or SIGTERM.
async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
    token.cancel();
}
