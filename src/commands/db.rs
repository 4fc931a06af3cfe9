//! `unionwire db stats` (articles, stories, size on disk; `--json`), `unionwire db salvage --to DIR` (every
//! readable record of a damaged store copied into a new one) and `unionwire db verify [--repair]`
//! (every record decodes, every index points at a record, no fetch state claims a missing article; exit 4
//! when damaged; `--repair` removes such fetch states and exits 0 when nothing else is wrong). While a
//! daemon holds the store, `db stats` and `db prune` ask its control API, and `db verify` says it needs the
//! daemon stopped (exit 3). `unionwire db prune [--older-than D]` applies the retention (`store.retention`).

use std::io::Write;

use crate::cli::{Cli, DbCommand};
use jiff::Timestamp;

use crate::commands::{
    control, load_config, CmdResult, Failure, Stdout, EXIT_STORE_BAD, EXIT_USAGE,
};
use crate::config::Config;
use crate::store::StoreError;

/// Runs `db`.
///
/// # Errors
/// A store that cannot be opened (locked: exit 3; damaged or newer: exit 4); `verify` finding damage
/// (exit 4).
pub fn run(cli: &Cli, cmd: &DbCommand) -> CmdResult {
    // Both stores are named on the command line: the configuration's store is not involved.
    if let DbCommand::Copy { from, to } = cmd {
        return crate::commands::copy::run(from, to);
    }
    let cfg = load_config(cli, crate::config::Overrides::default())?;
    match cmd {
        DbCommand::Salvage { to, json } => {
            if let Some(u) = &cfg.store.url {
                return Err(Failure::new(
                    EXIT_USAGE,
                    anyhow::anyhow!(
                        "db salvage copies a damaged sled store directory; the store is the PostgreSQL \
                         database {u} (use PostgreSQL's own backups and `db verify`)"
                    ),
                ));
            }
            salvage(&cfg.store.path, to, *json)
        }
        DbCommand::Migrate => migrate(&cfg),
        DbCommand::Stats { json } => stats(&cfg, *json),
        DbCommand::Verify { repair } => verify(&cfg, *repair),
        DbCommand::Prune { older_than, json } => prune(&cfg, older_than.as_deref(), *json),
        DbCommand::Copy { from, to } => crate::commands::copy::run(from, to),
    }
}

/// The cutoff for a retention: stories not current since then are removed. A retention reaching before
/// the earliest representable time removes nothing.
#[must_use]
pub(crate) fn retention_cutoff(now: Timestamp, retention: std::time::Duration) -> Timestamp {
    jiff::SignedDuration::try_from(retention)
        .ok()
        .and_then(|d| now.checked_sub(d).ok())
        .unwrap_or(Timestamp::MIN)
}

fn prune(cfg: &Config, older_than: Option<&str>, json: bool) -> CmdResult {
    let retention = match older_than {
        Some(s) => crate::config::parse_retention(s)
            .map_err(|m| Failure::new(EXIT_USAGE, anyhow::anyhow!("--older-than: {m}")))?,
        None => cfg.store.retention.ok_or_else(|| {
            Failure::new(
                EXIT_USAGE,
                anyhow::anyhow!(
                    "store.retention is not set, so the store keeps everything: set [store] retention \
                     (e.g. \"730d\") or pass --older-than DURATION"
                ),
            )
        })?,
    };
    let cutoff = retention_cutoff(Timestamp::now(), retention);
    let report = match crate::commands::open_store_existing(cfg) {
        Ok(store) => store.prune(cutoff)?,
        Err(e) => match control::daemon_for(cfg, &e)? {
            Some(daemon) => daemon.prune(cutoff)?,
            None => return Err(e.into()),
        },
    };
    let mut out = Stdout::new();
    if json {
        let v = serde_json::json!({ "cutoff": cutoff, "report": report });
        writeln!(out, "{v}")?;
    } else {
        writeln!(
            out,
            "pruned {} stories ({} articles, {} URL index entries, {} fetch states) not current since {} \
             ({} ago)",
            report.stories,
            report.articles,
            report.url_entries,
            report.fetch_states,
            cutoff.strftime("%Y-%m-%d %H:%M:%S UTC"),
            humantime::format_duration(retention)
        )?;
    }
    out.flush()?;
    Ok(())
}

fn stats(cfg: &Config, json: bool) -> CmdResult {
    let s = match crate::commands::open_store_existing(cfg) {
        Ok(store) => serde_json::to_value(store.stats()?).map_err(anyhow::Error::from)?,
        Err(e) => match control::daemon_for(cfg, &e)? {
            Some(daemon) => daemon.db_stats()?,
            None => return Err(e.into()),
        },
    };
    let mut out = Stdout::new();
    if json {
        writeln!(out, "{s}")?;
    } else {
        let field = |k: &str| {
            s[k].as_u64()
                .map_or_else(|| "?".to_owned(), |n| n.to_string())
        };
        writeln!(out, "store:          {}", crate::commands::store_place(cfg))?;
        writeln!(out, "articles:       {}", field("articles"))?;
        writeln!(out, "stories:        {}", field("stories"))?;
        writeln!(out, "size on disk:   {} bytes", field("size_on_disk"))?;
        writeln!(out, "schema version: {}", field("schema_version"))?;
        writeln!(out, "generation:     {}", field("generation"))?;
    }
    out.flush()?;
    Ok(())
}

/// The exit-3 answer of `db verify` on a store a daemon holds: it needs the store to itself.
fn verify_needs_the_store(cfg: &Config, locked: StoreError) -> Failure {
    let daemon = control::Daemon::connect(cfg, &locked).ok();
    let who = match daemon.as_ref() {
        Some(d) => format!(
            "the unionwire daemon at {}{} holds it",
            d.base(),
            d.pid().map(|p| format!(" (pid {p})")).unwrap_or_default()
        ),
        None => "another process holds it (probably a running `unionwire run`)".to_owned(),
    };
    let stop = match daemon.as_ref().and_then(control::Daemon::pid) {
        Some(pid) => format!("`kill -TERM {pid}`"),
        None => "`kill -TERM PID`".to_owned(),
    };
    Failure::new(
        crate::commands::EXIT_STORE_LOCKED,
        anyhow::Error::new(locked).context(format!(
            "db verify reads every record and must have the store to itself, and {who}: stop the \
             daemon (Ctrl-C in its terminal, {stop}, or `systemctl stop unionwire`; it flushes the \
             store and exits), run `unionwire db verify` again, then start the daemon again. \
             `unionwire db stats` works while it runs"
        )),
    )
}

fn verify(cfg: &Config, repair: bool) -> CmdResult {
    let store = match crate::commands::open_store_existing(cfg) {
        Ok(store) => store,
        Err(e @ StoreError::Locked { .. }) => return Err(verify_needs_the_store(cfg, e)),
        Err(e) => return Err(e.into()),
    };
    let mut out = Stdout::new();
    let mut report = store.verify()?;
    if repair && !report.is_ok() {
        for p in store.repair_fetch_states()? {
            writeln!(
                out,
                "repaired: {}: {} (removed; the next crawl fetches it in full)",
                p.key, p.what
            )?;
        }
        report = store.verify()?;
    }
    for p in &report.problems {
        writeln!(out, "damaged: {}: {}", p.key, p.what)?;
    }
    if report.is_ok() {
        writeln!(out, "ok: {} records checked", report.records)?;
        out.flush()?;
        Ok(())
    } else {
        out.flush()?;
        Err(Failure::new(
            EXIT_STORE_BAD,
            anyhow::anyhow!(
                "store {} is damaged: {} problem(s) in {} records",
                store.location(),
                report.problems.len(),
                report.records
            ),
        ))
    }
}

fn salvage(from: &std::path::Path, to: &std::path::Path, json: bool) -> CmdResult {
    let report = crate::store::salvage(from, to)?;
    let mut out = Stdout::new();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&report).map_err(anyhow::Error::from)?
        )?;
    } else {
        for (key, why) in &report.unreadable {
            writeln!(out, "unreadable: {key}: {why}")?;
        }
        writeln!(
            out,
            "salvaged {} into {}: {} articles, {} fetch states, {} source health records; {} records \
             unreadable; {} index records rebuilt; {} fetch states dropped (their article was lost; the \
             next crawl fetches those pages in full)",
            from.display(),
            to.display(),
            report.articles,
            report.fetch_states,
            report.source_states,
            report.unreadable.len(),
            report.rebuilt_records,
            report.fetch_states_dropped
        )?;
    }
    out.flush()?;
    Ok(())
}

/// `db migrate`: brings the store's schema up to this build's and says from which version.
fn migrate(cfg: &Config) -> CmdResult {
    let mut out = Stdout::new();
    match &cfg.store.url {
        Some(u) => {
            let store = crate::store::postgres::PgStore::open_for_migration(u.expose())?;
            let (before, after) = store.migrate()?;
            if before == after {
                writeln!(out, "store {u}: schema {after}, up to date")?;
            } else {
                writeln!(out, "store {u}: schema {before} -> {after}")?;
            }
        }
        None => {
            // Opening a sled store migrates it (crash-safe steps), or refuses a newer one.
            let store = crate::store::open_existing(&cfg.store.path)?;
            let s = store.stats()?;
            writeln!(
                out,
                "store {}: schema {}, up to date",
                store.location(),
                s.schema_version
            )?;
        }
    }
    Ok(())
}
