//! `unionwire db` (being built).

use crate::cli::{Cli, DbCommand};
use crate::commands::{CmdResult, Failure, EXIT_FAILURE};

/// Runs `db`.
///
/// # Errors
/// Not built yet.
pub fn run(_cli: &Cli, _cmd: &DbCommand) -> CmdResult {
    Err(Failure::new(
        EXIT_FAILURE,
        anyhow::anyhow!("db is not built yet"),
    ))
}
