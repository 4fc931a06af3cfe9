#!/usr/bin/env python3
"""A local news site whose listings gain articles every minute, for the long-run growth measurement.

usage: livesite.py --port 8093 [--sources 4] [--start 100] [--per-minute 10] [--per-page 50]

Serves on 127.0.0.1:PORT. Source s has a listing at /s{s}/list/index.html (then index2.html, ...) linking its
newest articles first; it holds START articles at launch and gains PER_MINUTE more every minute of wall time.
Article pages (/s{s}/n1/2024/MMDD/c67502-N.html) are the crawl benchmark's pages (gensite.py's template, 20-60 KB),
generated on request from their number, so the same URL always gives the same bytes. robots.txt allows all.
Pages answer with an ETag (a hash of the bytes) and honour If-None-Match, as nginx does in bench/crawl.
"""
import argparse
import hashlib
import os
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "crawl"))
import gensite  # noqa: E402

T0 = time.monotonic()


def count(a):
    return a.start + int((time.monotonic() - T0) // 60) * a.per_minute


def article_path(s, n):
    rng = random.Random(s * 1_000_003 + n)
    date = f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return f"/s{s}/n1/{date[:4]}/{date[4:]}/c67502-{40000000 + n}.html", date


def make_handler(a):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send(self, code, body, ctype="text/html; charset=utf-8"):
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if code == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if code == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            p = self.path.split("?")[0]
            if p == "/robots.txt":
                return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            parts = p.strip("/").split("/")
            if len(parts) >= 2 and parts[0].startswith("s") and parts[0][1:].isdigit():
                s = int(parts[0][1:])
                if s < a.sources and parts[1] == "list" and len(parts) == 3:
                    return self.listing(s, parts[2])
                if s < a.sources and parts[1] == "n1" and len(parts) == 5 and parts[4].startswith("c67502-"):
                    try:
                        n = int(parts[4][len("c67502-"):-len(".html")]) - 40000000
                    except ValueError:
                        n = -1
                    if 0 <= n < count(a) and article_path(s, n)[0] == p:
                        return self.article(s, n)
            self.send(404, b"not found")

        def listing(self, s, name):
            page = 1 if name == "index.html" else int(name[5:-5]) if name[5:-5].isdigit() else 0
            total = count(a)
            newest_first = list(range(total - 1, -1, -1))
            chunk = newest_first[(page - 1) * a.per_page: page * a.per_page] if page >= 1 else []
            if not chunk:
                return self.send(404, b"not found")
            lis = []
            for n in chunk:
                path, d = article_path(s, n)
                lis.append(f"<li><a href='{path}'>来源{s}第{n}期</a> <i> {d[:4]}-{d[4:6]}-{d[6:]} </i></li>\n")
            more = page * a.per_page < total
            nxt = f'<div class="page_n"><a href="index{page + 1}.html">下一页</a></div>' if more else ""
            html = (f'<html><head><meta charset="utf-8"><title>中国工会新闻--人民网</title></head><body>'
                    f'<div class="ej_list_box clear"><ul>{"".join(lis)}</ul></div>{nxt}</body></html>')
            self.send(200, html.encode())

        def article(self, s, n):
            rng = random.Random(s * 7_000_001 + n)
            _, date = article_path(s, n)
            host = self.headers.get("Host", "127.0.0.1")
            _, page = gensite.article(rng, host, s * 1_000_000 + n, date, rng.randint(20_000, 60_000))
            self.send(200, page.replace("@CHARSET@", "utf-8").encode())

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8093)
    ap.add_argument("--sources", type=int, default=4)
    ap.add_argument("--start", type=int, default=100)
    ap.add_argument("--per-minute", type=int, default=10)
    ap.add_argument("--per-page", type=int, default=50)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(a))
    srv.daemon_threads = True
    print(f"serving {a.sources} sources on 127.0.0.1:{a.port}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
