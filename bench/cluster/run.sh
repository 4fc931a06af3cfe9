#!/usr/bin/env bash
# Crawl throughput with 1, 2 and 3 crawler processes (`unionwire run --role crawler`) sharing one PostgreSQL
# store, over the generated local site of the crawl bench (bench/crawl/gensite.py, served by nginx on
# 127.0.0.2..), each run on a fresh database. Prints, per crawler count: pages fetched, wall seconds from start
# until every source has completed a run and no lease is held, pages/s, CPU seconds of the crawlers (user +
# system, from /proc) and CPU ms per page, and the most database connections the crawlers held at once
# (pg_stat_activity, application_name unionwire).
#
# usage: bench/cluster/run.sh [ARTICLES=1200] [HOSTS=6]
#   env PG=postgres://USER:PASS@HOST:PORT/postgres (a role that may create databases; default
#       $UNIONWIRE_TEST_PG), UWBIN=path (default: build the release binary), DELAY=0 (crawl.per_host_delay),
#       SECTIONS=4 (listing sources per host), COUNTS="1 2 3".
# Needs nginx and psql.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/site.sh
ARTICLES=${1:-1200}
HOSTS=${2:-6}
PG=${PG:-${UNIONWIRE_TEST_PG:-}}
DELAY=${DELAY:-0}
SECTIONS=${SECTIONS:-4}
COUNTS=${COUNTS:-"1 2 3"}
PORT=8093
OUT=$PWD/bench/out/cluster
[ -n "$PG" ] || { echo "run.sh: set PG (or UNIONWIRE_TEST_PG) to a postgres:// URL of a role with CREATEDB" >&2; exit 2; }
command -v psql >/dev/null || { echo "run.sh: psql is missing" >&2; exit 2; }
NGINX=$(site_nginx)
[ -x "$NGINX" ] || { echo "run.sh: nginx is missing" >&2; exit 2; }
mkdir -p "$OUT"
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*" >&2; }

if [ -z "${UWBIN:-}" ]; then
  stamp "building unionwire (release, the binary only)"
  cargo build --release --quiet --bin unionwire
  UWBIN=${CARGO_TARGET_DIR:-$PWD/target}/release/unionwire
fi

stamp "generating $ARTICLES articles on $HOSTS hosts"
rm -rf "$OUT/site"
PER_PAGE=$(( (ARTICLES / HOSTS + SECTIONS - 1) / SECTIONS ))
python3 bench/crawl/gensite.py "$OUT/site" --articles "$ARTICLES" --hosts "$HOSTS" --port $PORT --per-page "$PER_PAGE"
site_start "$OUT"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  site_stop "$OUT"
}
trap cleanup EXIT

# The database URL for database $1 on the server PG names.
db_url() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$PG" "$1"; }
SOURCES=$(( HOSTS * SECTIONS ))
CLK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

RESULTS=()
for N in $COUNTS; do
  DB=uw_bench_cluster_$N
  psql -q "$PG" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  URL=$(db_url "$DB")
  CFG=$OUT/crawlers-$N.toml
  {
    echo "[store]"; echo "url = \"$URL\""
    echo "[server]"; echo "listen = \"127.0.0.1:0\""
    echo "[crawl]"; echo "per_host_delay = \"$DELAY\""; echo "max_articles_per_run = 1000000"
    echo "concurrency = 16"; echo "source_concurrency = 4"; echo "jitter = 0.0"; echo "obey_robots = false"
    echo "allow_private_addresses = true"; echo "lease_ttl = \"30s\""
    for s in $(seq 1 "$SECTIONS"); do
      i=0
      while read -r host; do
        i=$((i + 1))
        page=index.html; [ "$s" -gt 1 ] && page=index$s.html
        echo "[[sources]]"; echo "id = \"h$i-s$s\""; echo "name = \"host $i section $s\""; echo "kind = \"listing\""
        echo "url = \"http://$host/list/$page\""; echo "links = \"div.ej_list_box li a\""; echo "every = \"24h\""
      done < "$OUT/site/hosts.txt"
    done
  } > "$CFG"
  "$UWBIN" --config "$CFG" db migrate >/dev/null
  stamp "$N crawler(s)"
  PIDS=()
  START=$(date +%s.%N)
  for k in $(seq 1 "$N"); do
    RUST_LOG=unionwire=warn "$UWBIN" --config "$CFG" run --role crawler > "$OUT/crawler-$N-$k.out" 2> "$OUT/crawler-$N-$k.log" &
    PIDS+=($!)
  done
  MAXCONN=0
  while :; do
    read -r DONE HELD CONN < <(psql -tA -F' ' "$URL" -c "SELECT
      (SELECT count(*) FROM uw_source_state WHERE state->>'last_success' IS NOT NULL),
      (SELECT count(*) FROM uw_source_leases WHERE owner IS NOT NULL),
      (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'unionwire')")
    [ "$CONN" -gt "$MAXCONN" ] && MAXCONN=$CONN
    if [ "$DONE" -ge "$SOURCES" ] && [ "$HELD" -eq 0 ]; then break; fi
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { echo "a crawler exited early; see $OUT/crawler-$N-*.log" >&2; exit 1; }; done
    sleep 0.1
  done
  END=$(date +%s.%N)
  TICKS=0
  PAGES=0
  for k in $(seq 1 "$N"); do
    p=${PIDS[$((k - 1))]}
    TICKS=$(( TICKS + $(cpu_ticks "$p") ))
    ADDR=$(sed -n 's/^listening on //p' "$OUT/crawler-$N-$k.out" | head -1)
    FETCHED=$(curl -s "$ADDR/metrics" | awk '/^unionwire_pages_fetched_total /{print $2}')
    PAGES=$(( PAGES + ${FETCHED:-0} ))
  done
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  STORED=$(psql -tA "$URL" -c "SELECT value FROM uw_meta WHERE name = 'articles'")
  RESULTS+=("$N $PAGES $STORED $START $END $TICKS $MAXCONN")
  psql -q "$PG" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
done
stamp "done"

python3 - "$CLK" "${RESULTS[@]}" <<'PY'
import sys
clk = int(sys.argv[1])
print()
print("| crawlers | pages fetched | articles stored | wall s | pages/s | CPU s | CPU ms/page | max DB connections |")
print("|---|---|---|---|---|---|---|---|")
for line in sys.argv[2:]:
    n, pages, stored, start, end, ticks, conns = line.split()
    wall = float(end) - float(start)
    cpu = int(ticks) / clk
    pages = int(pages)
    print(f"| {n} | {pages} | {stored} | {wall:.1f} | {pages / wall:.0f} | {cpu:.1f} | "
          f"{1000 * cpu / max(pages, 1):.2f} | {conns} |")
PY
