#!/usr/bin/env bash
# T22 at full strength: SIGKILL `unionwire run` at random points 100 times (sled's N_TESTS) while it ingests
# 10,000 unique items from a local site, then check that nothing acknowledged was lost, nothing is stored
# twice, and `unionwire db verify` is clean. The normal test run does the same with 10 cycles.
# Usage: scripts/crash_loop.sh [CYCLES]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-100}"
CRASH_CYCLES="$cycles" cargo test --test it reliability::crash::t22 -- --nocapture --exact \
  reliability::crash::t22_kill9_mid_write_loses_nothing_acknowledged_and_duplicates_nothing
