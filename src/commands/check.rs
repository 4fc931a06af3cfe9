//! `unionwire check`: load and validate the configuration, print what was understood.

use std::io::Write;

use crate::cli::Cli;
use crate::commands::{load_config, CmdResult, Stdout};
use crate::config::Overrides;

/// Runs `check`.
///
/// # Errors
/// A usage failure naming the file, line and key of a bad configuration.
pub fn run(cli: &Cli) -> CmdResult {
    let cfg = load_config(cli, Overrides::default())?;
    let mut out = Stdout::new();
    writeln!(
        out,
        "configuration ok: {} sources, store {}",
        cfg.sources.len(),
        super::store_place(&cfg)
    )?;
    for s in &cfg.sources {
        writeln!(
            out,
            "  {:<16} {:<8} every {:<8} {}",
            s.id,
            s.kind.as_str(),
            humantime::format_duration(s.every).to_string(),
            s.url
        )?;
    }
    out.flush()?;
    Ok(())
}
