//! The command line: clap definitions only. Values here are raw; `commands/` validates and runs them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// unionwire: crawl, clean, deduplicate and republish Chinese trade-union news.
#[derive(Debug, Parser)]
#[command(name = "unionwire", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: $UNIONWIRE_CONFIG, else the embedded default).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Store directory, or a PostgreSQL URL `postgres://USER@HOST:PORT/DB` (overrides store.path and
    /// store.url).
    #[arg(long, global = true, value_name = "DIR|URL")]
    pub store: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl every source on its schedule and serve the feeds (the daemon); `--role` splits the two
    /// halves between processes that share a PostgreSQL store.
    Run(RunArgs),
    /// Run the crawl now: every due source, or one.
    Crawl(CrawlArgs),
    /// Fetch pages (URLs or saved files) and print the extracted articles. Needs no store.
    Fetch(FetchArgs),
    /// Serve the feeds from the store without crawling.
    Serve(ServeArgs),
    /// List the configured sources with their health.
    Sources(SourcesArgs),
    /// Export stored articles.
    Export(ExportArgs),
    /// Inspect or check the store.
    Db {
        /// What to do with the store.
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Check the configuration and print it as understood.
    Check,
}

/// `run` and `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides server.listen): IP:PORT, HOST:PORT or :PORT.
    #[arg(long, value_name = "ADDR", value_parser = crate::config::parse_listen)]
    pub listen: Option<SocketAddr>,
}

/// `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// What this process does: `all` crawls on the schedule and serves the feeds; `crawler` only
    /// crawls (its listener answers `/healthz`, `/metrics` and the control API, no feeds); `server` only
    /// serves the feeds, pages and API from the store (no crawling). Any number of crawlers and servers
    /// may share one PostgreSQL store; a sled store is held by one process.
    #[arg(long, value_enum, default_value_t = Role::All)]
    pub role: Role,
    /// The listener.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The role of a `run` process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Crawl and serve (the default).
    All,
    /// Crawl only: the schedule and the crawl, sources leased through the store.
    Crawler,
    /// Serve only: feeds, pages and the API, reading the store.
    Server,
}

impl Role {
    /// The name as on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Crawler => "crawler",
            Role::Server => "server",
        }
    }

    /// Whether this role crawls.
    #[must_use]
    pub fn crawls(self) -> bool {
        matches!(self, Role::All | Role::Crawler)
    }

    /// Whether this role serves the feeds and pages.
    #[must_use]
    pub fn serves_feeds(self) -> bool {
        matches!(self, Role::All | Role::Server)
    }
}

/// `crawl`.
#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Run once and exit (the only mode `crawl` has; `run` is the daemon).
    #[arg(long)]
    pub once: bool,
    /// Only this source (repeatable).
    #[arg(long, value_name = "ID")]
    pub source: Vec<String>,
    /// Crawl even sources that are not due yet.
    #[arg(long)]
    pub all: bool,
    /// E-paper backfill: first issue date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", requires = "to")]
    pub from: Option<String>,
    /// E-paper backfill: last issue date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,
    /// Minimum delay between requests to one host (overrides crawl.per_host_delay).
    #[arg(long, value_name = "DURATION")]
    pub delay: Option<String>,
    /// No progress bar even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

/// `fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// URLs (http/https), paths of saved HTML pages or plain-text copies, or `-` for standard input.
    #[arg(required = true, value_name = "URL_OR_FILE")]
    pub inputs: Vec<String>,
    /// One JSON object per line instead of readable text.
    #[arg(long)]
    pub json: bool,
    /// Use this site profile instead of choosing one by URL.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The URL a saved file was fetched from (resolves links, picks the profile).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Do not follow multi-page (`div.zdfy`) links.
    #[arg(long)]
    pub no_pages: bool,
}

/// `sources`.
#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per article per line.
    Jsonl,
}

/// `db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Counts and size on disk.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check that every record decodes, every index points at a record, and no fetch state claims an
    /// article the store lacks.
    Verify {
        /// Remove the fetch states that claim a missing article (and undecodable ones), so the next crawl
        /// fetches those pages in full; other damage is reported, not changed.
        #[arg(long)]
        repair: bool,
    },
    /// Remove the stories none of whose copies is current any more (older than `store.retention`, or
    /// `--older-than`), with their articles and index entries.
    Prune {
        /// Keep this much instead of `store.retention` (e.g. `730d`; at least `1d`).
        #[arg(long, value_name = "DURATION")]
        older_than: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Bring the store's schema up to this build's (PostgreSQL: apply the versioned migrations, which
    /// `run` and `crawl` also apply when they open it; sled migrates on open). A store from a newer build
    /// is refused (exit 4).
    Migrate,
    /// Copy one store into another (sled → PostgreSQL and back): every story with its articles as they
    /// are, the fetch states and the source states; then compare counts and checksums of both sides
    /// (exit 1 when they differ). Run again, it copies only what is missing (resumable, idempotent).
    Copy {
        /// The store to copy: a sled directory or a `postgres://` URL (only read).
        #[arg(long, value_name = "STORE")]
        from: String,
        /// The store to copy into: a sled directory or a `postgres://` URL (created or migrated).
        #[arg(long, value_name = "STORE")]
        to: String,
    },
    /// Copy every record of a damaged store that can still be read into a new store at DIR (a new or
    /// empty directory), and report what could not be read. The damaged store is only read.
    Salvage {
        /// The new store's directory.
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}
