//! `unionwire export`: every stored article as one JSON object per line (the `Article` fields plus
//! `id`, `story`, `source_id`, `first_seen`), to standard output or a file.

use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::commands::{load_config, CmdResult};
use crate::model::{Article, ArticleId, SourceId, StoryId};
use crate::store::StoredArticle;

/// One exported line.
#[derive(Serialize)]
struct Row<'a> {
    id: ArticleId,
    story: StoryId,
    source_id: &'a SourceId,
    first_seen: jiff::Timestamp,
    #[serde(flatten)]
    article: &'a Article,
}

/// Writes one article as a JSON line.
///
/// # Errors
/// When writing fails.
pub fn write_jsonl(out: &mut dyn Write, a: &StoredArticle) -> anyhow::Result<()> {
    let row = Row {
        id: a.id,
        story: a.story,
        source_id: &a.source_id,
        first_seen: a.first_seen,
        article: &a.article,
    };
    serde_json::to_writer(&mut *out, &row).context("writing an export line")?;
    out.write_all(b"\n").context("writing an export line")?;
    Ok(())
}

/// Runs `export`.
///
/// # Errors
/// A store that cannot be opened (locked: exit 3; damaged or newer: exit 4), or an output that cannot
/// be written.
pub fn run(cli: &Cli, args: &ExportArgs) -> CmdResult {
    let cfg = load_config(cli, crate::config::Overrides::default())?;
    let store = crate::store::open_existing(&cfg.store.path)?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("creating export file {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        ExportFormat::Jsonl => {
            for a in store.articles() {
                write_jsonl(&mut out, &a?)?;
            }
        }
    }
    out.flush().context("flushing the export")?;
    Ok(())
}
