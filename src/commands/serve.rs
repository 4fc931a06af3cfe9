//! `unionwire serve` (being built).

use crate::cli::{Cli, ServeArgs};
use crate::commands::{CmdResult, Failure, EXIT_FAILURE};

/// Runs `serve`.
///
/// # Errors
/// Not built yet.
pub fn run(_cli: &Cli, _args: &ServeArgs) -> CmdResult {
    Err(Failure::new(
        EXIT_FAILURE,
        anyhow::anyhow!("serve is not built yet"),
    ))
}
