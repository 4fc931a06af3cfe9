use std::process::ExitCode;

use clap::Parser;

/// glibc's malloc slows as a long crawl fragments its heap: in a 20,000-page crawl its free-list
/// consolidation grew to 15 % of all CPU time in the store writer's thread by the last tenth (sled pages
/// nodes in and out of its cache on every write). mimalloc keeps per-size free lists and does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    unionwire::commands::run(unionwire::cli::Cli::parse())
}
