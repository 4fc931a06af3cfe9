#!/usr/bin/env bash
# T25: fuzz the three parsing paths for a bounded time.
#  1. cargo-fuzz targets in fuzz/ (needs `cargo install cargo-fuzz` and a nightly toolchain), seeded from
#     tests/fixtures, each for SECONDS (default 600, as quick-xml's CIFuzz), -rss_limit_mb=512, 1 s per input;
#  2. the same paths as proptest properties with PROPTEST_CASES (default 100000) cases, bounded by SECONDS.
# Every crash found must become a plain regression test in tests/it/reliability/fuzz.rs.
# Usage: scripts/fuzz.sh [SECONDS]
set -uo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
status=0
if cargo fuzz --version >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; then
  # Build every target once, then run the binaries: `cargo fuzz run` rebuilds whenever the tree changed
  # meanwhile, which on a shared tree costs a full sanitizer build per target.
  echo "== cargo fuzz build"
  cargo +nightly fuzz build || exit 1
  bindir="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"
  for t in decode_extract feed_model render_roundtrip; do
    corpus="fuzz/corpus/$t"
    mkdir -p "$corpus"
    case "$t" in
      decode_extract) cp -n tests/fixtures/people/* tests/fixtures/acftu/* tests/fixtures/hanweb/* "$corpus"/ 2>/dev/null ;;
      feed_model) cp -n tests/fixtures/feeds/* "$corpus"/ 2>/dev/null ;;
    esac
    echo "== cargo fuzz run $t for ${secs}s"
    mkdir -p "fuzz/artifacts/$t"
    "$bindir/$t" -artifact_prefix="fuzz/artifacts/$t/" -max_total_time="$secs" -rss_limit_mb=512 -timeout=1 \
      "$corpus" || status=1
  done
else
  echo "cargo-fuzz or nightly missing: running the proptest paths only"
fi
echo "== proptest paths, ${PROPTEST_CASES:-100000} cases each, at most ${secs}s"
PROPTEST_CASES="${PROPTEST_CASES:-100000}" timeout "$secs" \
  cargo test --test it reliability::fuzz -- --nocapture
rc=$?
if [ "$rc" -eq 124 ]; then echo "proptest paths: time bound reached without a failure"; elif [ "$rc" -ne 0 ]; then status=1; fi
exit "$status"
