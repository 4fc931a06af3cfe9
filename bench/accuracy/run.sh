#!/usr/bin/env bash
# Extraction accuracy and speed, side by side: unionwire vs trafilatura (PyPI, in a venv this script creates),
# in one run, on three evaluation sets:
#   - the scrapinghub article-extraction benchmark (AEB, 181 pages): body F1/P/R with the benchmark's own metric,
#     next to every published peer (scored from their published outputs with the same metric); speed on one core;
#   - trafilatura-eval (990 pages): body F from upstream's with/without segments, and title / author / date
#     accuracy on the 851 labelled pages;
#   - readability-testpages (130 pages): body F1 (AEB metric, Han characters as tokens), title exact, byline and
#     date where labelled, and body F1 on the Chinese pages.
# usage: bench/accuracy/run.sh          (WORST=N prints the N worst pages per field; default 8)
# Data: $UNIONWIRE_EVAL_DIR, else ../shared/eval beside the checkout. Exit 3 when a data set is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

# ---- where the evaluation sets are -------------------------------------------------------------------------
need() {  # set name, upstream repository, commit, what to copy
  cat <<MSG
  $1: $4
      from $2 at commit $3
MSG
}
find_eval() {
  for d in "${UNIONWIRE_EVAL_DIR:-}" "$ROOT/../shared/eval"; do
    if [ -n "$d" ] && [ -f "$d/scrapinghub-aeb/ground-truth.json" ] && [ -f "$d/trafilatura-eval/evaldata_indexed.json" ] \
       && [ -d "$d/readability-testpages/test-pages" ]; then
      echo "$d"; return 0
    fi
  done
  return 1
}
if ! EVAL=$(find_eval); then
  echo "bench/accuracy: evaluation data not found in \$UNIONWIRE_EVAL_DIR (${UNIONWIRE_EVAL_DIR:-unset}) nor in $ROOT/../shared/eval." >&2
  echo "It needs one folder holding these three sets (see bench/README.md for the layout):" >&2
  {
    need scrapinghub-aeb https://github.com/scrapinghub/article-extraction-benchmark 4a3bc979f76c0df73cb95fe272e2fc1b96f9f010 \
      "ground-truth.json, html/<id>.html.gz (the upstream html/ pages, gzipped) and output/*.json"
    need trafilatura-eval https://github.com/adbar/trafilatura e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5 \
      "evaldata_indexed.json (tests/evaldata.json plus each page's gz path) and html/<name>.html.gz from tests/cache and tests/eval"
    need readability-testpages https://github.com/mozilla/readability ab4027a8b37669745016869a37a504727992b2ba \
      "test-pages/<name>/{source.html.gz,expected.html.gz,expected-metadata.json} from test/test-pages"
  } >&2
  echo "Clone them, lay them out as above and run again with UNIONWIRE_EVAL_DIR=/that/folder." >&2
  exit 3
fi
AEB=$EVAL/scrapinghub-aeb
OUT=$ROOT/bench/out/accuracy
mkdir -p "$OUT"
VENV=$ROOT/bench/out/venv
PARSE_CEILING=${PARSE_CEILING:-1}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
setup() {
  if [ ! -x "$VENV/bin/python" ] || [ ! -x "$VENV/bin/pip" ]; then rm -rf "$VENV"; python3 -m venv "$VENV"; fi
  "$VENV/bin/python" -c 'import trafilatura, lxml_html_clean' 2>/dev/null || "$VENV/bin/pip" install -q trafilatura lxml_html_clean
}
# The Python environment installs in the background while cargo builds (from a fresh clone both take minutes).
setup > "$OUT/setup.log" 2>&1 &
SETUP=$!

echo "== building unionwire (release: the binary and the evalset example)"
cargo build --release --quiet --bin unionwire --example evalset
if ! wait "$SETUP"; then echo "installing trafilatura failed:"; cat "$OUT/setup.log"; exit 1; fi

echo "== unpacking the AEB pages"
rm -rf "$OUT/html"; mkdir -p "$OUT/html"
for f in "$AEB"/html/*.html.gz; do gunzip -c "$f" > "$OUT/html/$(basename "$f" .gz)"; done

echo "== unionwire on AEB (one core)"
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

echo "== trafilatura on AEB (one core)"
TF=$($PIN "$VENV/bin/python" bench/accuracy/trafilatura_aeb.py "$AEB/html" "$OUT/trafilatura.json" | tail -1)

# What bounds the speed: html5ever merely parsing the same pages on one core (an example, so it needs the
# dev-dependencies; built after the timed runs). PARSE_CEILING=0 skips it.
PC='{"pages_per_s": null}'
if [ "$PARSE_CEILING" != 0 ]; then
  echo "== html5ever parse ceiling (building the example)"
  cargo build --release --quiet --example parse_ceiling
  PC=$($PIN "$TARGET/release/examples/parse_ceiling" "$OUT/html" --all | tail -1)
fi

echo "== trafilatura-eval and readability-testpages: unionwire and trafilatura on the same pages"
"$VENV/bin/python" bench/accuracy/evalsets.py --eval "$EVAL" --out "$OUT" \
  --unionwire "$TARGET/release/examples/evalset" --worst "${WORST:-8}"

echo
echo "AEB (181 pages), body:"
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
echo
cat "$OUT/evalsets.md"
