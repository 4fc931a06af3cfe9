//! `unionwire sources`: the configured sources with their health (from the store). When a daemon holds the
//! store, the list is printed without health and says where the daemon's health page is.

use crate::cli::{Cli, SourcesArgs};
use crate::commands::{load_config, CmdResult};
use crate::config::Overrides;
use crate::store::SourceState;

/// Runs `sources`.
///
/// # Errors
/// A bad configuration or a damaged store.
pub fn run(cli: &Cli, args: &SourcesArgs) -> CmdResult {
    let cfg = load_config(cli, Overrides::default())?;
    let health: Option<Vec<Option<SourceState>>> =
        match crate::store::open_existing(&cfg.store.path) {
            Ok(store) => Some(
                cfg.sources
                    .iter()
                    .map(|s| store.source_state(&s.id))
                    .collect::<Result<_, _>>()?,
            ),
            Err(e)
                if crate::commands::exit_code_for(&e)
                    == Some(crate::commands::EXIT_STORE_LOCKED) =>
            {
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
    let rows: Vec<[String; 6]> = cfg
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let st = health.as_ref().and_then(|h| h[i].clone());
            let status = match &st {
                None if health.is_none() => "unknown".to_owned(),
                None => "never run".to_owned(),
                Some(st) => st.status().as_str().to_owned(),
            };
            let status = if s.enabled {
                status
            } else {
                format!("{status} (disabled)")
            };
            let when = |t: Option<jiff::Timestamp>| {
                t.map_or_else(
                    || "never".to_owned(),
                    |t| t.strftime("%Y-%m-%d %H:%M").to_string(),
                )
            };
            let (success, due, error) = match &st {
                None => ("never".to_owned(), "now".to_owned(), String::new()),
                Some(st) => (
                    when(st.last_success),
                    st.next_due
                        .map_or_else(|| "now".to_owned(), |t| when(Some(t))),
                    st.error
                        .as_ref()
                        .filter(|_| st.status() != crate::store::SourceStatus::Healthy)
                        .map(|e| format!("{}: {}", e.kind, e.message))
                        .unwrap_or_default(),
                ),
            };
            [
                s.id.to_string(),
                s.kind.as_str().to_owned(),
                status,
                success,
                due,
                error,
            ]
        })
        .collect();
    if args.json {
        for (i, s) in cfg.sources.iter().enumerate() {
            let st = health.as_ref().and_then(|h| h[i].clone());
            let v = serde_json::json!({
                "id": s.id, "name": s.name, "kind": s.kind.as_str(), "url": s.url.as_str(),
                "every": humantime::format_duration(s.every).to_string(), "enabled": s.enabled,
                "tags": s.tags,
                "status": st.as_ref().map_or(rows[i][2].as_str(), |st| st.status().as_str()),
                "last_success": st.as_ref().and_then(|st| st.last_success),
                "last_new_article": st.as_ref().and_then(|st| st.last_new_article),
                "next_due": st.as_ref().and_then(|st| st.next_due),
                "last_error": st.as_ref().and_then(|st| st.error.clone()),
                "health": st,
            });
            println!("{v}");
        }
        return Ok(());
    }
    let header = [
        "SOURCE",
        "KIND",
        "STATUS",
        "LAST SUCCESS",
        "NEXT DUE",
        "LAST ERROR",
    ];
    let width = |c: usize| {
        rows.iter()
            .map(|r| r[c].chars().count())
            .chain([header[c].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let line = |r: [&str; 6]| {
        let mut out = String::new();
        for (c, w) in widths.iter().enumerate() {
            let cell = r[c];
            out.push_str(cell);
            out.push_str(&" ".repeat(w.saturating_sub(cell.chars().count()) + 2));
        }
        out.push_str(r[5]);
        out.trim_end().to_owned()
    };
    println!("{}", line(header));
    for r in &rows {
        println!(
            "{}",
            line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]].map(String::as_str))
        );
    }
    Ok(())
}
