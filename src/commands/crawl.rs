//! `unionwire crawl --once [--source ID]…`: run the due work now (or the named sources), with a progress bar on a
//! terminal and plain log lines otherwise, then print a summary per source. `--from/--to` backfill e-paper issues.
//! While a daemon holds the store, `--source ID` has the daemon crawl that source through its control API.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, CrawlArgs};
use crate::commands::{
    load_config, CmdResult, Failure, Stdout, Terminal, EXIT_FAILURE, EXIT_USAGE,
};
use crate::config::{parse_duration, Config, Overrides, SourceConfig, SourceKind};
use crate::crawl::{Crawler, Progress, RunOptions, SourceSummary};
use crate::fetch::{FetchConfig, Fetcher};
use crate::metrics::Metrics;
use crate::store::Store;

/// Runs `crawl`.
///
/// # Errors
/// Usage failures for unknown sources or bad dates; exit 3 when a daemon holds the store; exit 1 when a source failed.
pub fn run(cli: &Cli, args: &CrawlArgs, terminal: &Terminal) -> CmdResult {
    let delay = match &args.delay {
        Some(d) => {
            Some(parse_duration(d).map_err(|e| Failure::new(EXIT_USAGE, anyhow!("--delay: {e}")))?)
        }
        None => None,
    };
    let cfg = load_config(
        cli,
        Overrides {
            per_host_delay: delay,
            ..Overrides::default()
        },
    )?;
    let opts = RunOptions {
        epaper_range: backfill_range(args)?,
    };
    let store = match crate::commands::open_store(&cfg) {
        Ok(store) => store,
        Err(e @ crate::store::StoreError::Locked { .. }) => {
            return crawl_through_daemon(&cfg, e, args, opts.epaper_range.is_some());
        }
        Err(e) => return Err(e.into()),
    };
    let chosen = choose_sources(&cfg, store.as_ref(), args, opts.epaper_range.is_some())?;
    if chosen.is_empty() {
        let mut out = Stdout::new();
        writeln!(
            out,
            "no source is due; use --all or --source ID to crawl anyway"
        )?;
        out.flush()?;
        return Ok(());
    }
    let cfg = Arc::new(cfg);
    let fetcher =
        Fetcher::new(FetchConfig::from(&cfg.crawl)).map_err(|e| Failure::new(EXIT_FAILURE, e))?;
    let metrics = Arc::new(Metrics::default());
    let show_bar = !args.no_progress && std::io::stderr().is_terminal();
    // The bar stays hidden until there is something to count (a bar of 0/0 draws full), and log lines
    // print above it while it is up.
    let bar = show_bar.then(|| {
        let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} articles · {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let mut crawler = Crawler::new(cfg.clone(), fetcher, store.clone(), metrics);
    if let Some(b) = bar.clone() {
        terminal.attach(b.clone());
        crawler = crawler.with_progress(Arc::new(move |p| match p {
            Progress::SourceStarted { source } => b.set_message(source.to_string()),
            Progress::ArticlesQueued { count, .. } => {
                b.inc_length(count);
                if count > 0 && b.is_hidden() {
                    b.set_draw_target(ProgressDrawTarget::stderr());
                }
            }
            Progress::ArticleDone { .. } => b.inc(1),
            // The summary prints each source once, at the end.
            Progress::SourceFinished { .. } => {}
        }));
    }
    let rt = crate::commands::runtime()?;
    let summaries = rt.block_on(async {
        let token = CancellationToken::new();
        let stop = token.clone();
        let signals = tokio::spawn(async move {
            crate::commands::run::shutdown_signal().await;
            tracing::warn!("interrupted: finishing in-flight work and flushing the store");
            stop.cancel();
        });
        let s = crawler.run_once(&chosen, &opts, &token).await;
        signals.abort();
        s
    });
    if let Some(b) = bar {
        terminal.detach();
        b.finish_and_clear();
    }
    store.flush()?;
    finish(&summaries)
}

/// `crawl --once --source ID…` while a daemon holds the store: the daemon crawls each source in turn (its
/// own schedule and politeness apply) and the summaries are printed as usual. Other crawls need the store.
fn crawl_through_daemon(
    cfg: &Config,
    locked: crate::store::StoreError,
    args: &CrawlArgs,
    backfill: bool,
) -> CmdResult {
    if args.source.is_empty() || backfill {
        let what = if backfill {
            "an e-paper backfill (--from/--to) needs the store to itself"
        } else {
            "a crawl of the due sources (or --all) needs the store to itself; `--source ID` has the \
             running daemon crawl that source now"
        };
        return Err(Failure::new(
            crate::commands::EXIT_STORE_LOCKED,
            anyhow::Error::new(locked).context(what),
        ));
    }
    for id in &args.source {
        if cfg.source(id).is_none() {
            let known: Vec<&str> = cfg.sources.iter().map(|s| s.id.as_str()).collect();
            return Err(Failure::new(
                EXIT_USAGE,
                anyhow!("unknown source {id:?}; configured: {}", known.join(", ")),
            ));
        }
    }
    let daemon = crate::commands::control::Daemon::reach(cfg, &locked)?;
    if args.delay.is_some() {
        eprintln!(
            "note: --delay is not applied: the daemon crawls with its own crawl.per_host_delay"
        );
    }
    let show_bar = !args.no_progress && std::io::stderr().is_terminal();
    let mut summaries = Vec::new();
    for id in &args.source {
        let bar = show_bar.then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} articles · {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_message(id.clone());
            b
        });
        let summary = daemon.crawl(id, |queued, done| {
            if let Some(b) = &bar {
                b.set_length(queued);
                b.set_position(done);
                if queued > 0 && b.is_hidden() {
                    b.set_draw_target(ProgressDrawTarget::stderr());
                }
            }
        });
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        summaries.push(summary?);
    }
    finish(&summaries)
}

/// Prints the summary and gives the exit status: 1 when a source failed.
fn finish(summaries: &[SourceSummary]) -> CmdResult {
    print_summary(summaries)?;
    let failed: Vec<&str> = summaries
        .iter()
        .filter(|s| s.failed)
        .map(|s| s.source.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            EXIT_FAILURE,
            anyhow!("sources failed: {}", failed.join(", ")),
        ))
    }
}

fn backfill_range(
    args: &CrawlArgs,
) -> Result<Option<(jiff::civil::Date, jiff::civil::Date)>, Failure> {
    let (Some(from), Some(to)) = (&args.from, &args.to) else {
        return Ok(None);
    };
    let parse = |flag: &str, s: &str| -> Result<jiff::civil::Date, Failure> {
        s.parse().map_err(|e| {
            Failure::new(
                EXIT_USAGE,
                anyhow!("{flag} {s:?}: expected YYYY-MM-DD ({e})"),
            )
        })
    };
    let (f, t) = (parse("--from", from)?, parse("--to", to)?);
    if f > t {
        return Err(Failure::new(
            EXIT_USAGE,
            anyhow!("--from {f} is after --to {t}"),
        ));
    }
    Ok(Some((f, t)))
}

fn choose_sources(
    cfg: &Config,
    store: &dyn Store,
    args: &CrawlArgs,
    backfill: bool,
) -> Result<Vec<SourceConfig>, Failure> {
    if !args.source.is_empty() {
        let mut out = Vec::new();
        for id in &args.source {
            let s = cfg.source(id).ok_or_else(|| {
                let known: Vec<&str> = cfg.sources.iter().map(|s| s.id.as_str()).collect();
                Failure::new(
                    EXIT_USAGE,
                    anyhow!("unknown source {id:?}; configured: {}", known.join(", ")),
                )
            })?;
            if backfill && s.kind != SourceKind::Epaper {
                return Err(Failure::new(
                    EXIT_USAGE,
                    anyhow!(
                        "--from/--to backfill e-paper issues; source {id} is a {}",
                        s.kind.as_str()
                    ),
                ));
            }
            out.push(s.clone());
        }
        return Ok(out);
    }
    if backfill {
        return Err(Failure::new(
            EXIT_USAGE,
            anyhow!("--from/--to need --source ID of an e-paper source"),
        ));
    }
    let now = Timestamp::now();
    let mut out = Vec::new();
    for s in cfg.sources.iter().filter(|s| s.enabled) {
        let due = args.all
            || store
                .source_state(&s.id)?
                .and_then(|st| st.next_due)
                .is_none_or(|t| t <= now);
        if due {
            out.push(s.clone());
        }
    }
    Ok(out)
}

fn summary_line(s: &SourceSummary) -> String {
    format!(
        "{:<16} pages {:>4}  not-modified {:>3}  conditional misses {:>3}  new articles {:>4}  updated {:>3}  new stories {:>4}  skipped {:>3}  errors {:>3}{}",
        s.source,
        s.pages_fetched,
        s.not_modified,
        s.conditional_misses,
        s.new_articles,
        s.updated_articles,
        s.new_stories,
        s.skipped,
        s.errors.len(),
        if s.failed { "  FAILED" } else if s.cancelled { "  interrupted" } else { "" }
    )
}

fn print_summary(summaries: &[SourceSummary]) -> CmdResult {
    let mut out = Stdout::new();
    writeln!(out, "crawl summary")?;
    for s in summaries {
        writeln!(out, "  {}", summary_line(s))?;
        for e in s.errors.iter().take(5) {
            writeln!(out, "      error: {e}")?;
        }
        if s.errors.len() > 5 {
            writeln!(out, "      … {} more errors", s.errors.len() - 5)?;
        }
    }
    let total = |f: fn(&SourceSummary) -> u64| summaries.iter().map(f).sum::<u64>();
    writeln!(
        out,
        "  total: {} pages, {} conditional misses, {} new articles, {} new stories, {} errors",
        total(|s| s.pages_fetched),
        total(|s| s.conditional_misses),
        total(|s| s.new_articles),
        total(|s| s.new_stories),
        summaries.iter().map(|s| s.errors.len()).sum::<usize>()
    )?;
    out.flush()?;
    Ok(())
}
