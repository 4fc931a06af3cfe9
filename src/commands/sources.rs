//! `unionwire sources` (being built).

use crate::cli::Cli;
use crate::commands::{CmdResult, Failure, EXIT_FAILURE};

/// Runs `sources`.
///
/// # Errors
/// Not built yet.
pub fn run(_cli: &Cli, _args: &crate::cli::SourcesArgs) -> CmdResult {
    Err(Failure::new(
        EXIT_FAILURE,
        anyhow::anyhow!("sources is not built yet"),
    ))
}
