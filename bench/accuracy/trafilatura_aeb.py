"""Run trafilatura over the AEB pages (one core); write predictions JSON and print timing."""
import gzip
import json
import sys
import time
from pathlib import Path

import trafilatura

html_dir, out = Path(sys.argv[1]), sys.argv[2]
docs = {p.name.split(".")[0]: gzip.decompress(p.read_bytes()) for p in sorted(html_dir.glob("*.html.gz"))}
t0 = time.process_time()
w0 = time.monotonic()
pred = {k: {"articleBody": trafilatura.extract(v) or ""} for k, v in docs.items()}
cpu, wall = time.process_time() - t0, time.monotonic() - w0
json.dump(pred, open(out, "w"), ensure_ascii=False)
print(json.dumps({"label": "trafilatura", "pages": len(docs), "cpu_s": round(cpu, 3),
                  "pages_per_s": round(len(docs) / wall, 1)}))
