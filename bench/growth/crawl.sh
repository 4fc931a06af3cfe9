#!/usr/bin/env bash
# Cost over the size of a run, and over the size of the store.
#
#   bench/growth/crawl.sh tenths [ARTICLES=20000] [HOSTS=4]
#     one `crawl --once` of a generated site (bench/crawl/gensite.py, served by nginx), printing pages/s for each
#     tenth of the articles stored (from the store writer's "batch durable" log events), and the last tenth's
#     rate as a share of the first's.
#   bench/growth/crawl.sh bigstore [FILL=1000000] [ARTICLES=2000] [HOSTS=4]
#     the same crawl of ARTICLES pages twice: into an empty store, and into a store first filled with FILL
#     synthetic articles through the store's own write path (`cargo bench --bench store -- --fill FILL DIR`,
#     a bulk load: about 13 GB of disk for 1,000,000), the second crawl going into that store itself;
#     prints each crawl's ingest rate (articles stored per second of the crawl), CPU and peak RSS, and the ratio.
#
# env UNIONWIRE_BIN: a built binary to use instead of building target/release/unionwire.
# Needs nginx (installed with apt-get when missing). Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/site.sh
MODE=${1:-tenths}
case "$MODE" in
  tenths) ARTICLES=${2:-20000}; HOSTS=${3:-4}; FILL=0 ;;
  bigstore) FILL=${2:-1000000}; ARTICLES=${3:-2000}; HOSTS=${4:-4} ;;
  *) echo "usage: $0 tenths [ARTICLES] [HOSTS] | bigstore [FILL] [ARTICLES] [HOSTS]"; exit 2 ;;
esac
PORT=8092
OUT=$PWD/bench/out/growth-$MODE
mkdir -p "$OUT"
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  (apt-get update -qq && apt-get install -y -qq nginx-light || apt-get install -y -qq nginx) >/dev/null
fi
if [ -z "${UNIONWIRE_BIN:-}" ]; then
  stamp "building unionwire (release)"
  cargo build --release --quiet --bin unionwire
  UNIONWIRE_BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/unionwire
fi

stamp "generating $ARTICLES articles on $HOSTS hosts"
rm -rf "$OUT/site"
python3 bench/crawl/gensite.py "$OUT/site" --articles "$ARTICLES" --hosts "$HOSTS" --port $PORT
site_start "$OUT"
trap 'site_stop "$OUT"' EXIT

# crawl STORE LOG: one `crawl --once` into STORE, the writer's batch events logged as JSON to LOG; prints
# measure.py's JSON line.
crawl() {
  local store=$1 log=$2 cfg=$OUT/unionwire.toml i=0
  {
    echo "[store]"; echo "path = \"$store\""
    echo "[crawl]"; echo "per_host_delay = \"0\""; echo "max_articles_per_run = 1000000"; echo "concurrency = 16"
    while read -r host; do
      i=$((i + 1))
      echo "[[sources]]"; echo "id = \"host$i\""; echo "name = \"host $i\""; echo "kind = \"listing\""
      echo "url = \"http://$host/list/index.html\""; echo "links = \"div.ej_list_box li a\""; echo "pages = 100000"
    done < "$OUT/site/hosts.txt"
  } > "$cfg"
  RUST_LOG=warn,unionwire::crawl::writer=debug python3 bench/measure.py crawl -- \
    "$UNIONWIRE_BIN" --config "$cfg" --log-format json crawl --once --all --no-progress 2>"$log" | tail -1
}

if [ "$MODE" = tenths ]; then
  stamp "crawl --once of $ARTICLES pages"
  rm -rf "$OUT/store"
  START=$(python3 -c 'import time; print(time.time())')
  M=$(crawl "$OUT/store" "$OUT/crawl.log")
  stamp "done"
  python3 - "$OUT/crawl.log" "$START" "$M" <<'PY'
import json, sys
from datetime import datetime
log, start, m = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
events = []
for line in open(log, encoding="utf-8", errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    f = e.get("fields", {})
    if f.get("message") == "batch durable":
        t = datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")).timestamp()
        events.append((t, int(f["articles"])))
events.sort()
total = sum(n for _, n in events)
print(f"{total} articles stored in {m['wall_s']} s wall, {m['cpu_s']} CPU-s "
      f"({1000 * m['cpu_s'] / max(total, 1):.2f} ms/page), peak RSS {m['peak_rss_mb']} MB; "
      f"first batch durable {events[0][0] - start:.1f} s after the start" if events else "no batch logged")
if total:
    print("| tenth | articles | seconds | pages/s |")
    print("|---|---|---|---|")
    # Tenth k runs from the batch that completed tenth k-1 to the batch that completes tenth k; tenth 1
    # from the first durable batch (the time before it, robots.txt and listing pages and the first batch's
    # fetches, is printed above), so its articles are counted without the first batch's.
    rates, k, done = [], 1, 0
    t_prev, prev_done = events[0][0], events[0][1]
    for t, n in events:
        done += n
        while k <= 10 and done >= k * total / 10:
            secs, arts = t - t_prev, done - prev_done
            rate = arts / secs if secs > 0 else float("nan")
            rates.append(rate)
            print(f"| {k} | {arts} | {secs:.2f} | {rate:.0f} |")
            t_prev, prev_done, k = t, done, k + 1
    print(f"last tenth / first tenth pages/s: {rates[-1] / rates[0]:.2f} (the issue asks >= 0.90)")
PY
else
  stamp "crawl into an empty store"
  rm -rf "$OUT/store-empty"
  E=$(crawl "$OUT/store-empty" "$OUT/crawl-empty.log")
  BIG=$OUT/store-$FILL
  if [ ! -f "$BIG/filled" ]; then
    stamp "filling a store with $FILL synthetic articles"
    rm -rf "$BIG"
    cargo bench --quiet --bench store -- --fill "$FILL" "$BIG"
    touch "$BIG/filled"
  fi
  # The crawl goes into the filled store itself (a copy of 1,000,000 articles would need another ~13 GB of
  # disk): the marker goes first, so the next run fills again.
  rm -f "$BIG/filled"
  stamp "crawl into the store of $FILL articles"
  B=$(crawl "$BIG" "$OUT/crawl-big.log")
  stamp "done"
  python3 - "$E" "$B" "$FILL" "$OUT/crawl-empty.log" "$OUT/crawl-big.log" <<'PY'
import json, sys
e, b, fill = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
def stored(log):
    n = 0
    for line in open(log, encoding="utf-8", errors="replace"):
        try:
            f = json.loads(line).get("fields", {})
        except ValueError:
            continue
        if f.get("message") == "batch durable":
            n += int(f["articles"])
    return n
ne, nb = stored(sys.argv[4]), stored(sys.argv[5])
re_, rb = ne / e["wall_s"], nb / b["wall_s"]
print("| store before the crawl | articles stored | wall s | articles/s | CPU ms/article | peak RSS MB |")
print("|---|---|---|---|---|---|")
print(f"| empty | {ne} | {e['wall_s']} | {re_:.0f} | {1000 * e['cpu_s'] / max(ne, 1):.2f} | {e['peak_rss_mb']} |")
print(f"| {fill:,} articles | {nb} | {b['wall_s']} | {rb:.0f} | {1000 * b['cpu_s'] / max(nb, 1):.2f} | {b['peak_rss_mb']} |")
print(f"ingest rate with {fill:,} stored / empty: {rb / re_:.2f} (the issue asks >= 0.70, peak RSS <= 100 MB)")
PY
fi
