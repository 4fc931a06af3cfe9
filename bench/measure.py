#!/usr/bin/env python3
"""Run a command and print one JSON line with its wall time, CPU seconds (user+sys of it and its children)
and peak RSS (of the largest process in the tree, from getrusage RUSAGE_CHILDREN).

usage: measure.py LABEL -- COMMAND ARGS...
"""
import json
import resource
import subprocess
import sys
import time


def main():
    if "--" not in sys.argv:
        sys.exit("usage: measure.py LABEL -- COMMAND ARGS...")
    i = sys.argv.index("--")
    label = " ".join(sys.argv[1:i])
    cmd = sys.argv[i + 1:]
    t0 = time.monotonic()
    proc = subprocess.run(cmd)
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {
        "label": label,
        "exit": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
        "peak_rss_mb": round(ru.ru_maxrss / 1024, 1),
    }
    print(json.dumps(out), flush=True)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
