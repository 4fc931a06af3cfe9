#!/usr/bin/env bash
# End-to-end crawl speed, side by side on the same machine and data:
#   unionwire crawl --once (delay 0) vs a minimal Scrapy spider, over a generated local site served by nginx,
#   plus trafilatura's extraction speed on a sample of the same pages and the html5ever parse ceiling.
# usage: bench/crawl/run.sh [ARTICLES=2000] [HOSTS=4]
#   env TRAFILATURA_PAGES=200 (sample size; 0 = every page), PARSE_CEILING=1 (0 skips building the example),
#   UNIONWIRE_BIN (a built binary to measure instead of building target/release/unionwire: before/after runs)
# Prints pages/s, CPU seconds and peak RSS for each, and the ratios unionwire/peer. Needs root for apt-get.
# From a fresh clone the release build dominates; nginx and the Python environment are installed in the
# background meanwhile, and only the binary is built before the crawl (the parse-ceiling example, which
# needs the dev-dependencies, is built after the timed runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/site.sh
ARTICLES=${1:-2000}
HOSTS=${2:-4}
TRAFILATURA_PAGES=${TRAFILATURA_PAGES:-200}
PARSE_CEILING=${PARSE_CEILING:-1}
PORT=8090
OUT=$PWD/bench/out/crawl
mkdir -p "$OUT"
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }

need() { command -v "$1" >/dev/null 2>&1; }
VENV=$PWD/bench/out/venv
setup() {
  if ! need nginx && [ ! -x /usr/sbin/nginx ]; then
    (apt-get update -qq && apt-get install -y -qq nginx-light || apt-get install -y -qq nginx) >/dev/null
  fi
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
  "$VENV/bin/python" -c 'import scrapy, trafilatura, lxml_html_clean' 2>/dev/null \
    || "$VENV/bin/pip" install -q scrapy trafilatura lxml_html_clean
}
stamp "installing nginx and the Python environment (scrapy, trafilatura) in the background"
setup > "$OUT/setup.log" 2>&1 &
SETUP=$!

TARGET=${CARGO_TARGET_DIR:-$PWD/target}
if [ -n "${UNIONWIRE_BIN:-}" ]; then
  UWBIN=$UNIONWIRE_BIN
  stamp "using $UWBIN"
else
  stamp "building unionwire (release, the binary only)"
  cargo build --release --quiet --bin unionwire
  UWBIN=$TARGET/release/unionwire
fi

stamp "generating $ARTICLES articles on $HOSTS hosts"
rm -rf "$OUT/site"
python3 bench/crawl/gensite.py "$OUT/site" --articles "$ARTICLES" --hosts "$HOSTS" --port $PORT

if ! wait "$SETUP"; then
  echo "setting up nginx/scrapy failed:"; cat "$OUT/setup.log"; exit 1
fi
stamp "starting nginx on 127.0.0.2..127.0.0.$((HOSTS + 1)):$PORT"
site_start "$OUT"
trap 'site_stop "$OUT"' EXIT

stamp "unionwire crawl --once (per_host_delay 0)"
CFG=$OUT/unionwire.toml
rm -rf "$OUT/store"
{
  echo "[store]"; echo "path = \"$OUT/store\""
  echo "[crawl]"; echo "per_host_delay = \"0\""; echo "max_articles_per_run = 1000000"; echo "concurrency = 16"
  i=0
  while read -r host; do
    i=$((i + 1))
    echo "[[sources]]"; echo "id = \"host$i\""; echo "name = \"host $i\""; echo "kind = \"listing\""
    echo "url = \"http://$host/list/index.html\""; echo "links = \"div.ej_list_box li a\""; echo "pages = 1000"
  done < "$OUT/site/hosts.txt"
} > "$CFG"
UW=$(python3 bench/measure.py unionwire -- "$UWBIN" --config "$CFG" crawl --once --all --no-progress 2>"$OUT/unionwire.log" | tail -1)
UW_ARTICLES=$("$UWBIN" --config "$CFG" db stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"])')

stamp "scrapy (minimal spider, CSS selectors)"
rm -f "$OUT/scrapy.jsonl"
HOSTLIST=$(paste -sd, "$OUT/site/hosts.txt")
SC=$(python3 bench/measure.py scrapy -- "$VENV/bin/scrapy" runspider bench/crawl/spider.py -a hosts="$HOSTLIST" \
  -o "$OUT/scrapy.jsonl" -s LOG_LEVEL=WARNING -s ROBOTSTXT_OBEY=True -s TELNETCONSOLE_ENABLED=False 2>"$OUT/scrapy.log" | tail -1)
SC_ARTICLES=$(wc -l < "$OUT/scrapy.jsonl")

stamp "trafilatura extraction (one core, $TRAFILATURA_PAGES pages)"
TF=$("$VENV/bin/python" bench/crawl/trafilatura_extract.py "$OUT/site" "$TRAFILATURA_PAGES" | tail -1)
PC='{"pages_per_s": null}'
if [ "$PARSE_CEILING" != 0 ]; then
  stamp "html5ever parse ceiling (building the example)"
  cargo build --release --quiet --example parse_ceiling
  PC=$("$TARGET/release/examples/parse_ceiling" "$OUT/site" | tail -1)
fi
stamp "done"

python3 - "$UW" "$UW_ARTICLES" "$SC" "$SC_ARTICLES" "$TF" "$PC" <<'PY'
import json, os, sys
uw, uwn, sc, scn, tf, pc = sys.argv[1:]
uw, sc, tf, pc = json.loads(uw), json.loads(sc), json.loads(tf), json.loads(pc)
uwn, scn = int(uwn), int(scn)
uw_ps = uwn / uw["wall_s"]; sc_ps = scn / sc["wall_s"]
print()
print(f"| crawler | articles | wall s | pages/s | CPU s | CPU ms/page | peak RSS MB |")
print(f"|---|---|---|---|---|---|---|")
print(f"| unionwire crawl --once | {uwn} | {uw['wall_s']} | {uw_ps:.0f} | {uw['cpu_s']} | {1000 * uw['cpu_s'] / max(uwn, 1):.1f} | {uw['peak_rss_mb']} |")
print(f"| scrapy (minimal spider) | {scn} | {sc['wall_s']} | {sc_ps:.0f} | {sc['cpu_s']} | {1000 * sc['cpu_s'] / max(scn, 1):.1f} | {sc['peak_rss_mb']} |")
print()
print(f"unionwire / scrapy pages/s: {uw_ps / sc_ps:.1f}x   (issue #18 asks >= 10x, <= 1.0 CPU ms/page, peak RSS <= 100 MB)")
print(f"trafilatura extract, one core: {tf['pages_per_s']} pages/s ({tf['extracted']}/{tf['pages']} extracted)")
if pc.get("pages_per_s"):
    cores = os.cpu_count() or 1
    print(f"html5ever parse ceiling, one core: {pc['pages_per_s']} pages/s; unionwire end to end is "
          f"{uw_ps / pc['pages_per_s']:.2f}x of it (on {cores} cores)")
PY
