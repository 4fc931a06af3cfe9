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
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -c 'import trafilatura, lxml_html_clean' 2>/dev/null || "$VENV/bin/pip" install -q trafilatura lxml_html_clean

echo "== building unionwire (release)"
cargo build --release --quiet --bin unionwire

echo "== unpacking the benchmark pages"
rm -rf "$OUT/html"; mkdir -p "$OUT/html"
for f in "$AEB"/html/*.html.gz; do gunzip -c "$f" > "$OUT/html/$(basename "$f" .gz)"; done

echo "== unionwire (one core)"
PIN=""; command -v taskset >/dev/null && PIN="taskset -c 0"
start=$(date +%s.%N)
$PIN target/release/unionwire fetch --json --no-pages "$OUT"/html/*.html > "$OUT/unionwire.jsonl" 2> "$OUT/unionwire.err" || true
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

echo
echo "| system | F1 | precision | recall | accuracy |"
echo "|---|---|---|---|---|"
row() { python3 bench/accuracy/score.py "$AEB/ground-truth.json" "$2" | python3 -c "import json,sys; r=json.load(sys.stdin); print(f'| $1 | {r[\"f1\"]:.3f} | {r[\"precision\"]:.3f} | {r[\"recall\"]:.3f} | {r[\"accuracy\"]:.3f} |')"; }
row "**unionwire** (this run)" "$OUT/unionwire.json"
row "trafilatura (this run)" "$OUT/trafilatura.json"
for f in "$AEB"/output/*.json; do row "$(basename "$f" .json) (published output)" "$f"; done
echo
python3 - "$UW_SECS" "$TF" <<'PY'
import json, sys
uw = float(sys.argv[1]); tf = json.loads(sys.argv[2])
uw_ps = 181 / uw
print(f"speed on one core: unionwire {uw_ps:.0f} pages/s (whole CLI, process start included), "
      f"trafilatura {tf['pages_per_s']} pages/s -> {uw_ps / tf['pages_per_s']:.1f}x (target >= 12x)")
PY
