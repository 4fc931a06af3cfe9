//! `unionwire crawl` (being built).

use crate::cli::Cli;
use crate::commands::{CmdResult, Failure, EXIT_FAILURE};

/// Runs `crawl`.
///
/// # Errors
/// Not built yet.
pub fn run(_cli: &Cli, _args: &crate::cli::CrawlArgs) -> CmdResult {
    Err(Failure::new(
        EXIT_FAILURE,
        anyhow::anyhow!("crawl is not built yet"),
    ))
}
