"""Extract generated article files with trafilatura on one core; print pages/s.

usage: trafilatura_extract.py SITE_DIR [LIMIT]
LIMIT (default: every page) takes an evenly spread sample, so the figure costs seconds, not minutes
(trafilatura manages about 13-30 pages/s here)."""
import json
import sys
import time
from pathlib import Path

import trafilatura

root = Path(sys.argv[1])
files = sorted(root.glob("*/n1/**/*.html"))
if len(sys.argv) > 2 and 0 < int(sys.argv[2]) < len(files):
    step = len(files) / int(sys.argv[2])
    files = [files[int(i * step)] for i in range(int(sys.argv[2]))]
datas = [f.read_bytes() for f in files]
t0 = time.process_time()
w0 = time.monotonic()
ok = 0
for d in datas:
    if trafilatura.extract(d):
        ok += 1
cpu = time.process_time() - t0
wall = time.monotonic() - w0
print(json.dumps({"label": "trafilatura extract", "pages": len(datas), "extracted": ok,
                  "cpu_s": round(cpu, 3), "pages_per_s": round(len(datas) / wall, 1)}))
