#!/usr/bin/env bash
# T22 at full strength: ROUNDS rounds (default 10) of CYCLES SIGKILLs (default 10; 100 kills in all, sled's
# N_TESTS), each round on a fresh store and a fresh local site of 10,000 unique items. Every kill lands
# while `unionwire run` is ingesting: the daemon dies after a random number of "batch durable"
# acknowledgements (spread so a round's kills walk the store from empty to about 90 % full) plus up to
# 300 ms. After each kill the store must verify clean and hold everything acknowledged; after each round
# a clean crawl must leave exactly 10,000 articles, none twice, every acknowledged one present, and
# `unionwire db verify` clean. Prints one line per kill, one per round and a total.
# The normal test run does one round of 10 kills.
#
# --conditional: the same loop against a server that sends ETag/Last-Modified and answers conditional
# requests with 304, like nginx (issue 13; reliability::crash_conditional): 2,140 articles behind 100 listing
# pages, a listing of 3-page articles and a summary-only feed whose pages are fetched. After each round's kills
# and one clean `crawl --once --all`: every article of the site, exactly its count, none twice, no conditional
# miss, verify clean. The normal test run does one round of 8 kills. The seed is printed;
# UNIONWIRE_TEST_SEED=N replays a schedule.
# Usage: scripts/crash_loop.sh [--conditional] [ROUNDS [CYCLES]]   (default 10 10)
set -euo pipefail
cd "$(dirname "$0")/.."
test_name=reliability::crash::t22_kill9_mid_write_loses_nothing_acknowledged_and_duplicates_nothing
if [ "${1:-}" = "--conditional" ]; then
  test_name=reliability::crash_conditional::kill9_against_a_304_server_then_one_clean_crawl_stores_every_article_once
  shift
fi
rounds="${1:-10}"
cycles="${2:-10}"
cargo build --bin unionwire
cargo test --test it --no-run
# Run a private copy of the binary: other builds in the shared target directory replace target/debug/unionwire.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/unionwire" "$tmp/unionwire"
CRASH_BIN="$tmp/unionwire" CRASH_ROUNDS="$rounds" CRASH_CYCLES="$cycles" \
  cargo test --test it "$test_name" -- --nocapture --exact "$test_name"
