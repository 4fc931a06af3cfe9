//! `unionwire run` (being built).

use crate::cli::Cli;
use crate::commands::{CmdResult, Failure, EXIT_FAILURE};

/// Runs `run`.
///
/// # Errors
/// Not built yet.
pub fn run(_cli: &Cli, _args: &crate::cli::ServeArgs) -> CmdResult {
    Err(Failure::new(
        EXIT_FAILURE,
        anyhow::anyhow!("run is not built yet"),
    ))
}
