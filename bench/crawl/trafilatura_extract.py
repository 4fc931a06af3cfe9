"""Extract every generated article file with trafilatura on one core; print pages/s."""
import json
import sys
import time
from pathlib import Path

import trafilatura

root = Path(sys.argv[1])
files = sorted(root.glob("*/n1/**/*.html"))
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
