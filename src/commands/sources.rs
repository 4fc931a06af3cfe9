//! `unionwire sources`: the configured sources with their health (from the store). When a daemon holds the
//! store, the list is printed without health and says where the daemon's health page is.

use crate::cli::{Cli, SourcesArgs};
use crate::commands::{load_config, CmdResult};
use crate::config::Overrides;
use crate::store::{SourceState, Store};

/// Runs `sources`.
///
/// # Errors
/// A bad configuration or a damaged store.
pub fn run(cli: &Cli, args: &SourcesArgs) -> CmdResult {
    let cfg = load_config(cli, Overrides::default())?;
    let health: Option<Vec<Option<SourceState>>> = match Store::open_existing(&cfg.store.path) {
        Ok(store) => Some(
            cfg.sources
                .iter()
                .map(|s| store.source_state(&s.id))
                .collect::<Result<_, _>>()?,
        ),
        Err(e) if crate::store::exit_code_for(&e) == Some(crate::commands::EXIT_STORE_LOCKED) => {
            eprintln!(
                "note: {e}; health is not shown (see http://{}/ for the daemon's view)",
                cfg.server.listen
            );
            None
        }
        Err(e @ crate::store::StoreError::Missing { .. }) => {
            eprintln!("note: {e}; no source has been crawled, so no health is shown");
            None
        }
        Err(e) => return Err(e.into()),
    };
    for (i, s) in cfg.sources.iter().enumerate() {
        let st = health.as_ref().and_then(|h| h[i].clone());
        if args.json {
            let v = serde_json::json!({
                "id": s.id, "name": s.name, "kind": s.kind.as_str(), "url": s.url.as_str(),
                "every": humantime::format_duration(s.every).to_string(), "enabled": s.enabled,
                "tags": s.tags, "health": st,
            });
            println!("{v}");
        } else {
            let status = match &st {
                None if health.is_none() => "unknown".to_owned(),
                None => "never run".to_owned(),
                Some(st) if st.healthy => format!(
                    "healthy (last new {}, total {})",
                    st.last_new, st.articles_total
                ),
                Some(st) => format!(
                    "UNHEALTHY ({} failures, {} empty runs{})",
                    st.consecutive_failures,
                    st.consecutive_empty,
                    st.last_error
                        .as_deref()
                        .map(|e| format!("; {e}"))
                        .unwrap_or_default()
                ),
            };
            println!(
                "{:<16} {:<8} {:<8} {}{}\n                 {}",
                s.id,
                s.kind.as_str(),
                humantime::format_duration(s.every).to_string(),
                s.name,
                if s.enabled { "" } else { " (disabled)" },
                status
            );
        }
    }
    Ok(())
}
