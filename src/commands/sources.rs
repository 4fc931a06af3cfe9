//! `unionwire sources`: the configured sources with their health (from the store). When a daemon holds the
//! store, the health comes from its control API; when no daemon can be asked, the list is printed without
//! health and says why.

use std::io::Write;

use crate::cli::{Cli, SourcesArgs};
use crate::commands::{control, load_config, CmdResult, Stdout};
use crate::config::Overrides;
use crate::store::SourceState;

/// Runs `sources`.
///
/// # Errors
/// A bad configuration or a damaged store.
pub fn run(cli: &Cli, args: &SourcesArgs) -> CmdResult {
    let cfg = load_config(cli, Overrides::default())?;
    let health: Option<Vec<Option<SourceState>>> = match crate::commands::open_store_existing(&cfg)
    {
        Ok(store) => Some(
            cfg.sources
                .iter()
                .map(|s| store.source_state(&s.id))
                .collect::<Result<_, _>>()?,
        ),
        Err(e @ crate::store::StoreError::Locked { .. }) => {
            match control::daemon_for(&cfg, &e).and_then(|d| match d {
                Some(d) => d.source_health(),
                None => Err(e.into()),
            }) {
                Ok(by_id) => Some(
                    cfg.sources
                        .iter()
                        .map(|s| by_id.get(s.id.as_str()).cloned())
                        .collect(),
                ),
                Err(f) => {
                    eprintln!("note: {:#}; health is not shown", f.error);
                    None
                }
            }
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
    let mut out = Stdout::new();
    if args.json {
        for (i, s) in cfg.sources.iter().enumerate() {
            let st = health.as_ref().and_then(|h| h[i].as_ref());
            writeln!(
                out,
                "{}",
                crate::server::control::source_json(s, st, health.is_some())
            )?;
        }
        out.flush()?;
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
    writeln!(out, "{}", line(header))?;
    for r in &rows {
        writeln!(
            out,
            "{}",
            line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]].map(String::as_str))
        )?;
    }
    out.flush()?;
    Ok(())
}
