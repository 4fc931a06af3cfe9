//! `unionwire export`: every stored article as one JSON object per line (the `Article` fields plus
//! `id`, `story`, `source_id`, `first_seen`), to standard output or a file. While a daemon holds the store,
//! the same lines come from its control API.

use std::io::Write;

use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::commands::{control, load_config, CmdResult, Stdout};
use crate::store::StoredArticle;
use anyhow::Context;

/// Writes one article as a JSON line ([`crate::server::control::write_export_line`]).
///
/// # Errors
/// When writing fails.
pub(crate) fn write_jsonl(out: &mut dyn Write, a: &StoredArticle) -> anyhow::Result<()> {
    crate::server::control::write_export_line(out, a).context("writing an export line")
}

/// Runs `export`.
///
/// # Errors
/// A store that cannot be opened (locked: exit 3; damaged or newer: exit 4), or an output that cannot
/// be written.
pub fn run(cli: &Cli, args: &ExportArgs) -> CmdResult {
    let cfg = load_config(cli, crate::config::Overrides::default())?;
    let source = match crate::commands::open_store_existing(&cfg) {
        Ok(store) => Ok(store),
        Err(e) => match control::daemon_for(&cfg, &e)? {
            Some(daemon) => Err(daemon),
            None => return Err(e.into()),
        },
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("creating export file {}", path.display()))?,
        )),
        None => Box::new(Stdout::new()),
    };
    match (args.format, source) {
        (ExportFormat::Jsonl, Ok(store)) => {
            for a in store.articles() {
                write_jsonl(&mut out, &a?)?;
            }
        }
        (ExportFormat::Jsonl, Err(daemon)) => daemon.export(&mut out)?,
    }
    out.flush().context("flushing the export")?;
    Ok(())
}
