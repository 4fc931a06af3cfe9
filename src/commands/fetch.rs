//! `unionwire fetch` (being built).

use crate::cli::Cli;
use crate::commands::{CmdResult, Failure, EXIT_FAILURE};

/// Runs `fetch`.
///
/// # Errors
/// Not built yet.
pub fn run(_cli: &Cli, _args: &crate::cli::FetchArgs) -> CmdResult {
    Err(Failure::new(
        EXIT_FAILURE,
        anyhow::anyhow!("fetch is not built yet"),
    ))
}
