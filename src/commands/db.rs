//! `unionwire db stats` (articles, stories, size on disk; `--json`), `unionwire db salvage --to DIR` (every
//! readable record of a damaged store copied into a new one) and `unionwire db verify [--repair]`
//! (every record decodes, every index points at a record, no fetch state claims a missing article; exit 4
//! when damaged; `--repair` removes such fetch states and exits 0 when nothing else is wrong).

use crate::cli::{Cli, DbCommand};
use crate::commands::{load_config, CmdResult, Failure, EXIT_STORE_BAD};

/// Runs `db`.
///
/// # Errors
/// A store that cannot be opened (locked: exit 3; damaged or newer: exit 4); `verify` finding damage
/// (exit 4).
pub fn run(cli: &Cli, cmd: &DbCommand) -> CmdResult {
    let cfg = load_config(cli, crate::config::Overrides::default())?;
    match cmd {
        DbCommand::Salvage { to, json } => salvage(&cfg.store.path, to, *json),
        DbCommand::Stats { json } => {
            let store = crate::store::open_existing(&cfg.store.path)?;
            let s = store.stats()?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string(&s).map_err(anyhow::Error::from)?
                );
            } else {
                println!("store:          {}", store.location());
                println!("articles:       {}", s.articles);
                println!("stories:        {}", s.stories);
                println!("size on disk:   {} bytes", s.size_on_disk);
                println!("schema version: {}", s.schema_version);
                println!("generation:     {}", s.generation);
            }
            Ok(())
        }
        DbCommand::Verify { repair } => {
            let store = crate::store::open_existing(&cfg.store.path)?;
            let mut report = store.verify()?;
            if *repair && !report.is_ok() {
                for p in store.repair_fetch_states()? {
                    println!(
                        "repaired: {}: {} (removed; the next crawl fetches it in full)",
                        p.key, p.what
                    );
                }
                report = store.verify()?;
            }
            for p in &report.problems {
                println!("damaged: {}: {}", p.key, p.what);
            }
            if report.is_ok() {
                println!("ok: {} records checked", report.records);
                Ok(())
            } else {
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
    }
}

fn salvage(from: &std::path::Path, to: &std::path::Path, json: bool) -> CmdResult {
    let report = crate::store::salvage(from, to)?;
    if json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(anyhow::Error::from)?
        );
    } else {
        for (key, why) in &report.unreadable {
            println!("unreadable: {key}: {why}");
        }
        println!(
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
        );
    }
    Ok(())
}
