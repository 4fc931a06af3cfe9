use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    unionwire::commands::run(unionwire::cli::Cli::parse())
}
