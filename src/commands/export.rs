//! `unionwire export` (being built).

use crate::cli::{Cli, ExportArgs};
use crate::commands::{CmdResult, Failure, EXIT_FAILURE};

/// Runs `export`.
///
/// # Errors
/// Not built yet.
pub fn run(_cli: &Cli, _args: &ExportArgs) -> CmdResult {
    Err(Failure::new(
        EXIT_FAILURE,
        anyhow::anyhow!("export is not built yet"),
    ))
}
