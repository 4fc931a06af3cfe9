#!/usr/bin/env bash
# Extraction accuracy and speed, side by side: unionwire vs trafilatura (PyPI, in a venv this script creates) on
# the scrapinghub article-extraction benchmark (181 real pages), scored with the benchmark's own metric, next to
# every published peer (scored from their published outputs with the same metric). One core each (taskset).
# usage: bench/accuracy/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
AEB=${AEB:-$PWD/../shared/eval/scrapinghub-aeb}
OUT=$PWD/bench/out/accuracy
mkdir -p "$OUT"
VENV=$PWD/bench/out/venv
PARSE_CEILING=${PARSE_CEILING:-1}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
setup() {
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
  "$VENV/bin/python" -c 'import trafilatura, lxml_html_clean' 2>/dev/null || "$VENV/bin/pip" install -q trafilatura lxml_html_clean
}
# The Python environment installs in the background while cargo builds (from a fresh clone both take minutes).
setup > "$OUT/setup.log" 2>&1 &
SETUP=$!

echo "== building unionwire (release, the binary only)"
cargo build --release --quiet --bin unionwire
if ! wait "$SETUP"; then echo "installing trafilatura failed:"; cat "$OUT/setup.log"; exit 1; fi

echo "== unpacking the benchmark pages"
rm -rf "$OUT/html"; mkdir -p "$OUT/html"
for f in "$AEB"/html/*.html.gz; do gunzip -c "$f" > "$OUT/html/$(basename "$f" .gz)"; done

echo "== unionwire (one core)"
PIN=""; command -v taskset >/dev/null && PIN="taskset -c 0"
start=$(date +%s.%N)
$PIN "$TARGET/release/unionwire" fetch --json --no-pages "$OUT"/html/*.html > "$OUT/unionwire.jsonl" 2> "$OUT/unionwire.err" || true
end=$(date +%s.%N)
python3 - "$OUT/unionwire.jsonl" "$OUT/unionwire.json" <<'PY'
import json, sys, os
pred = {}
for line in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(line)
    key = os.path.basename(a["url"]).split(".")[0]
    pred[key] = {"articleBody": "\n".join(a.get("paragraphs") or [])}
json.dump(pred, open(sys.argv[2], "w"), ensure_ascii=False)
PY
UW_SECS=$(python3 -c "print($end - $start)")

echo "== trafilatura (one core)"
TF=$($PIN "$VENV/bin/python" bench/accuracy/trafilatura_aeb.py "$AEB/html" "$OUT/trafilatura.json" | tail -1)

# What bounds the speed: html5ever merely parsing the same pages on one core (an example, so it needs the
# dev-dependencies; built after the timed runs). PARSE_CEILING=0 skips it.
PC='{"pages_per_s": null}'
if [ "$PARSE_CEILING" != 0 ]; then
  echo "== html5ever parse ceiling (building the example)"
  cargo build --release --quiet --example parse_ceiling
  PC=$($PIN "$TARGET/release/examples/parse_ceiling" "$OUT/html" --all | tail -1)
fi

echo
echo "| system | F1 | precision | recall | accuracy |"
echo "|---|---|---|---|---|"
row() { python3 bench/accuracy/score.py "$AEB/ground-truth.json" "$2" | python3 -c "import json,sys; r=json.load(sys.stdin); print(f'| $1 | {r[\"f1\"]:.3f} | {r[\"precision\"]:.3f} | {r[\"recall\"]:.3f} | {r[\"accuracy\"]:.3f} |')"; }
row "**unionwire** (this run)" "$OUT/unionwire.json"
row "trafilatura (this run)" "$OUT/trafilatura.json"
for f in "$AEB"/output/*.json; do row "$(basename "$f" .json) (published output)" "$f"; done
echo
python3 - "$UW_SECS" "$TF" "$PC" <<'PY'
import json, sys
uw = float(sys.argv[1]); tf = json.loads(sys.argv[2]); pc = json.loads(sys.argv[3])
uw_ps = 181 / uw
print(f"speed on one core: unionwire {uw_ps:.0f} pages/s (whole CLI, process start included), "
      f"trafilatura {tf['pages_per_s']} pages/s -> {uw_ps / tf['pages_per_s']:.1f}x (target >= 12x)")
if pc.get("pages_per_s"):
    print(f"html5ever parse ceiling on the same pages, one core: {pc['pages_per_s']} pages/s; unionwire extracts at "
          f"{uw_ps / pc['pages_per_s']:.2f}x of it, 12x trafilatura would need {12 * tf['pages_per_s'] / pc['pages_per_s']:.2f}x")
PY
