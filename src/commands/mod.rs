//! One file per command. Here: logging set-up, dispatch, and the mapping of errors to exit codes.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use crate::cli::{Cli, Command, LogFormat};

pub mod check;
pub mod control;
pub mod copy;
pub mod crawl;
pub mod db;
pub mod export;
pub mod fetch;
pub mod run;
pub mod serve;
pub mod sources;

/// Exit code: something failed (a URL, a source, a check).
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code: bad flags or configuration.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: the store is held by another process (probably a running daemon).
pub(crate) const EXIT_STORE_LOCKED: u8 = 3;
/// Exit code: the store is damaged or from a newer schema.
pub(crate) const EXIT_STORE_BAD: u8 = 4;

/// An error a command ends with, carrying its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// What to print (already contextualised).
    pub error: anyhow::Error,
}

impl Failure {
    /// A failure with a code.
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Self {
            code,
            error: error.into(),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error: anyhow::Error = e.into();
        let code = classify(&error);
        Self { code, error }
    }
}

/// Picks the exit code for an error by what it is.
fn classify(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if cause.downcast_ref::<crate::config::ConfigError>().is_some() {
            return EXIT_USAGE;
        }
        if let Some(code) = exit_code_for(cause) {
            return code;
        }
    }
    EXIT_FAILURE
}

/// What every command returns.
pub(crate) type CmdResult = Result<(), Failure>;

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let terminal = Terminal::default();
    init_tracing(cli.log_format, terminal.clone());
    let result = match &cli.command {
        Command::Run(a) => run::run(&cli, a),
        Command::Crawl(a) => crawl::run(&cli, a, &terminal),
        Command::Fetch(a) => fetch::run(&cli, a),
        Command::Serve(a) => serve::run(&cli, a),
        Command::Sources(a) => sources::run(&cli, a),
        Command::Export(a) => export::run(&cli, a),
        Command::Db { command } => db::run(&cli, command),
        Command::Check => check::run(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output went away (`unionwire sources | head -1`): stop quietly.
        Err(f) if stdout_closed(&f.error) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("unionwire: error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

/// The reason a write to standard output failed when its reader closed it (`EPIPE`).
#[derive(Debug)]
pub(crate) struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Whether `error` comes from writing to a standard output whose reader is gone.
fn stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.is::<StdoutClosed>()
            || c.downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .is_some_and(|inner| inner.is::<StdoutClosed>())
    })
}

/// Standard output for the commands that print lists: a closed pipe (`| head -1`) is an error that makes
/// the command stop and exit 0 without a message, instead of a panic in `println!`.
pub(crate) struct Stdout(std::io::BufWriter<std::io::Stdout>);

impl Stdout {
    /// Buffered standard output.
    #[must_use]
    pub fn new() -> Self {
        Self(std::io::BufWriter::new(std::io::stdout()))
    }
}

impl Default for Stdout {
    fn default() -> Self {
        Self::new()
    }
}

fn mark_closed(e: std::io::Error) -> std::io::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::io::Error::new(std::io::ErrorKind::BrokenPipe, StdoutClosed)
    } else {
        e
    }
}

impl std::io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(mark_closed)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(mark_closed)
    }
}

/// Standard error as the log writes to it: while a progress bar is on screen, each log line is printed
/// above the bar (the bar is taken down for the write and drawn again), so lines never tear it.
#[derive(Clone, Default)]
pub struct Terminal {
    bar: Arc<Mutex<Option<indicatif::ProgressBar>>>,
}

impl Terminal {
    /// Routes log lines around `bar` until [`Terminal::detach`].
    pub(crate) fn attach(&self, bar: indicatif::ProgressBar) {
        *self
            .bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(bar);
    }

    /// Log lines go straight to standard error again.
    pub(crate) fn detach(&self) {
        *self
            .bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// One log write: a whole formatted event.
pub struct TerminalWriter {
    bar: Option<indicatif::ProgressBar>,
}

impl std::io::Write for TerminalWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &self.bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf)),
            None => std::io::stderr().write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Terminal {
    type Writer = TerminalWriter;

    fn make_writer(&'a self) -> Self::Writer {
        TerminalWriter {
            bar: self
                .bar
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }
}

fn init_tracing(format: LogFormat, terminal: Terminal) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(terminal);
    // A second init (tests calling `run` twice) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Human => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Loads the configuration for a command, honouring `--config` and `--store`.
///
/// # Errors
/// A [`Failure`] with [`EXIT_USAGE`] when the configuration is invalid.
pub(crate) fn load_config(
    cli: &Cli,
    mut overrides: crate::config::Overrides,
) -> Result<crate::config::Config, Failure> {
    if overrides.store_path.is_none() {
        overrides.store_path.clone_from(&cli.store);
    }
    let cfg = crate::config::Config::load(cli.config.as_deref(), &overrides)
        .map_err(|e| Failure::new(EXIT_USAGE, e))?;
    cfg.check_profiles(&crate::extract::Profiles::builtin().names())
        .map_err(|e| Failure::new(EXIT_USAGE, e))?;
    Ok(cfg)
}

/// A multi-threaded tokio runtime for a command.
///
/// # Errors
/// When the OS refuses threads.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                EXIT_FAILURE,
                anyhow::anyhow!("starting the async runtime: {e}"),
            )
        })
}

/// The exit code a store error maps to, if `error` is one: [`EXIT_STORE_LOCKED`] for a store held by
/// another process, [`EXIT_STORE_BAD`] for a damaged store or one from a newer build.
#[must_use]
pub fn exit_code_for(error: &(dyn std::error::Error + 'static)) -> Option<u8> {
    use crate::store::StoreError;
    match error.downcast_ref::<StoreError>()? {
        StoreError::Locked { .. } => Some(EXIT_STORE_LOCKED),
        StoreError::NewerSchema { .. } | StoreError::Damaged { .. } => Some(EXIT_STORE_BAD),
        _ => None,
    }
}

/// Opens the configured store (PostgreSQL when `store.url` is set, else the sled directory
/// `store.path`), creating or migrating it if needed: for the commands that write (`run`, `crawl`).
///
/// # Errors
/// The store's [`crate::store::StoreError`].
pub(crate) fn open_store(
    cfg: &crate::config::Config,
) -> Result<crate::store::SharedStore, crate::store::StoreError> {
    match &cfg.store.url {
        Some(u) => crate::store::open_url(u.expose()),
        None => crate::store::open(&cfg.store.path),
    }
}

/// Opens the configured store for a command that only reads it: nothing is created.
///
/// # Errors
/// The store's [`crate::store::StoreError`] ([`crate::store::StoreError::Missing`] when there is none).
pub(crate) fn open_store_existing(
    cfg: &crate::config::Config,
) -> Result<crate::store::SharedStore, crate::store::StoreError> {
    match &cfg.store.url {
        Some(u) => crate::store::open_url_existing(u.expose()),
        None => crate::store::open_existing(&cfg.store.path),
    }
}

/// Where the configured store is, for messages (a PostgreSQL URL without its password).
#[must_use]
pub(crate) fn store_place(cfg: &crate::config::Config) -> String {
    match &cfg.store.url {
        Some(u) => u.to_string(),
        None => cfg.store.path.display().to_string(),
    }
}
