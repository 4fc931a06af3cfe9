#!/usr/bin/env bash
# Cost over daemon uptime: `unionwire run` against a local site whose listings gain articles every minute
# (bench/growth/livesite.py), printing the daemon's RSS, open file descriptors and store size once a minute.
# usage: bench/growth/daemon.sh [MINUTES=30] [SOURCES=4] [PER_MINUTE=10]
#   env UNIONWIRE_BIN (a built binary to use instead of building target/release/unionwire)
# Prints one line per minute and, at the end, RSS and fds after the first 5 minutes against their minute-5 values.
# Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${1:-30}
SOURCES=${2:-4}
PER_MINUTE=${3:-10}
SITE_PORT=8093
HTTP_PORT=8094
OUT=$PWD/bench/out/growth-daemon
rm -rf "$OUT"; mkdir -p "$OUT"
if [ -z "${UNIONWIRE_BIN:-}" ]; then
  cargo build --release --quiet --bin unionwire
  UNIONWIRE_BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/unionwire
fi

python3 bench/growth/livesite.py --port $SITE_PORT --sources "$SOURCES" --per-minute "$PER_MINUTE" > "$OUT/site.log" 2>&1 &
SITE=$!
DAEMON=
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
  kill "$SITE" 2>/dev/null || true
}
trap cleanup EXIT
# The daemon's first robots.txt fetch must find the site up (a refused robots.txt is remembered).
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$SITE_PORT/robots.txt" && break
  sleep 0.2
done

CFG=$OUT/unionwire.toml
{
  echo "[store]"; echo "path = \"$OUT/store\""
  echo "[server]"; echo "listen = \"127.0.0.1:$HTTP_PORT\""
  echo "[crawl]"; echo "per_host_delay = \"0\""; echo "jitter = 0.0"
  for s in $(seq 0 $((SOURCES - 1))); do
    echo "[[sources]]"; echo "id = \"live$s\""; echo "name = \"live $s\""; echo "kind = \"listing\""
    echo "url = \"http://127.0.0.1:$SITE_PORT/s$s/list/index.html\""; echo "links = \"div.ej_list_box li a\""
    echo "pages = 3"; echo "every = \"1m\""
  done
} > "$CFG"

"$UNIONWIRE_BIN" --config "$CFG" run > "$OUT/daemon.log" 2>&1 &
DAEMON=$!
echo "minute | RSS MB | open fds | store MB | articles (from /metrics)"
sample() {
  local rss fds size arts
  rss=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$DAEMON/status")
  fds=$(ls "/proc/$DAEMON/fd" | wc -l)
  size=$(du -sk "$OUT/store" | awk '{printf "%.1f", $1 / 1024}')
  arts=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | awk '/^unionwire_articles_new_total/ {print $2}' || true)
  echo "$1 | $rss | $fds | $size | ${arts:-?}" | tee -a "$OUT/samples.txt"
}
for m in $(seq 1 "$MINUTES"); do
  sleep 60
  if ! kill -0 "$DAEMON" 2>/dev/null; then echo "the daemon exited; see $OUT/daemon.log"; exit 1; fi
  sample "$m"
done

python3 - "$OUT/samples.txt" <<'PY'
import sys
rows = [l.split(" | ") for l in open(sys.argv[1]).read().splitlines()]
rows = [(int(m), float(r), int(f), float(s)) for m, r, f, s, _ in rows]
base = [r for r in rows if r[0] == 5] or rows[:1]
m5 = base[0]
later = [r for r in rows if r[0] >= m5[0]]
rss_hi = max(r[1] for r in later); fds_hi = max(r[2] for r in later)
print(f"after minute {m5[0]}: RSS {m5[1]:.1f} -> max {rss_hi:.1f} MB ({100 * (rss_hi / m5[1] - 1):+.1f} %), "
      f"fds {m5[2]} -> max {fds_hi} ({100 * (fds_hi / m5[2] - 1):+.1f} %), store {rows[0][3]:.1f} -> {rows[-1][3]:.1f} MB")
PY
