#!/usr/bin/env python3
"""Score unionwire and trafilatura, in the same run and on the same pages, on two evaluation sets:

- trafilatura-eval (upstream adbar/trafilatura tests/evaldata.json, 990 pages): body by upstream's metric (every
  `with` segment must appear in the extracted text, every `without` segment must not, after whitespace
  normalisation; TP/FP/FN summed over all pages, F = 2TP / (2TP + FP + FN)); title, author and date on the 851
  labelled pages, compared after whitespace normalisation (authors joined by "; " as upstream writes them; dates at
  the label's precision). An empty label is a label too: the right answer there is nothing.
- readability-testpages (mozilla/readability test/test-pages, 130 pages): body F1 by the AEB metric (score.py,
  Han characters as tokens) against the tag-stripped expected HTML; title exact (and after removing a <title>-style
  site suffix); byline and publishedTime where labelled; body F1 on the Chinese pages.

usage: evalsets.py --eval DIR --out DIR --unionwire PATH/TO/examples/evalset [--worst N]
Runs inside bench/out/venv (trafilatura installed). Writes OUT/evalsets.md (the tables and the worst pages) and
OUT/evalsets.json (per-page results), and prints the tables.
"""
import argparse
import gzip
import json
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import shingles, tokens  # noqa: E402  (the AEB metric)

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402

WS = re.compile(r"\s+")
CHINESE_READABILITY = ("gmw", "qq", "youth", "pixnet")


def norm(s):
    if isinstance(s, list):  # a few upstream author labels are lists of names
        s = "; ".join(s)
    return WS.sub(" ", s or "").strip()


def load_sets(eval_dir):
    te = json.load(open(eval_dir / "trafilatura-eval" / "evaldata_indexed.json", encoding="utf-8"))
    tpages = []
    for key, v in te.items():
        tpages.append({"set": "te", "id": key, "path": str(eval_dir / "trafilatura-eval" / v["gz"]),
                       "url": key if key.startswith(("http://", "https://")) else "", "label": v})
    rpages = []
    for d in sorted((eval_dir / "readability-testpages" / "test-pages").iterdir()):
        if not (d / "source.html.gz").exists():
            continue
        meta = json.load(open(d / "expected-metadata.json", encoding="utf-8"))
        expected = gzip.decompress((d / "expected.html.gz").read_bytes()).decode("utf-8", "replace")
        text = lxml_html.fromstring(expected).text_content() if expected.strip() else ""
        rpages.append({"set": "rt", "id": d.name, "path": str(d / "source.html.gz"), "url": "",
                       "label": meta, "expected_text": text})
    return tpages, rpages


def run_unionwire(binary, pages, out_dir, name):
    manifest = out_dir / f"{name}.manifest.json"
    json.dump([{"id": p["id"], "path": p["path"], "url": p["url"]} for p in pages], open(manifest, "w"))
    result = out_dir / f"{name}.unionwire.jsonl"
    t0 = time.monotonic()
    subprocess.run([binary, str(manifest), str(result)], check=True)
    secs = time.monotonic() - t0
    got = {}
    for line in open(result, encoding="utf-8"):
        r = json.loads(line)
        a = r.get("article") or {}
        got[r["id"]] = {
            "text": "\n".join(a.get("paragraphs") or []),
            "title": a.get("title") or "",
            "author": "; ".join(a.get("authors") or []),
            "date": (a.get("published") or "")[:10],
            "profile": a.get("profile"),
            "flags": a.get("flags") or [],
            "error": r.get("error"),
        }
    return got, secs


def run_trafilatura(pages):
    got = {}
    t0 = time.monotonic()
    for p in pages:
        raw = gzip.decompress(Path(p["path"]).read_bytes())
        try:
            doc = trafilatura.bare_extraction(raw, url=p["url"] or None, with_metadata=True,
                                              include_comments=False)
        except Exception as e:  # noqa: BLE001  (a crash on one page must not stop the bench)
            doc, err = None, str(e)
        else:
            err = None
        if doc is not None and hasattr(doc, "as_dict"):
            doc = doc.as_dict()
        doc = doc or {}
        got[p["id"]] = {"text": doc.get("text") or "", "title": doc.get("title") or "",
                        "author": doc.get("author") or "", "date": (doc.get("date") or "")[:10],
                        "error": err}
    return got, time.monotonic() - t0


def te_body(pages, pred):
    tp = fp = fn = 0
    per = {}
    for p in pages:
        text = norm(pred.get(p["id"], {}).get("text"))
        a = b = c = 0
        for seg in p["label"].get("with") or []:
            if norm(seg) in text:
                a += 1
            else:
                c += 1
        for seg in p["label"].get("without") or []:
            if norm(seg) in text:
                b += 1
        tp, fp, fn = tp + a, fp + b, fn + c
        per[p["id"]] = (a, b, c)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"f": f, "p": prec, "r": rec, "tp": tp, "fp": fp, "fn": fn}, per


def field_ok(field, expected, got):
    e, g = norm(expected), norm(got)
    if field == "date":
        return (not e and not g) or (bool(e) and g[:len(e)] == e)
    return e == g


def te_fields(pages, pred):
    out, wrong = {}, {}
    for field in ("title", "author", "date"):
        labelled = [p for p in pages if field in p["label"]]
        right = [p for p in labelled if field_ok(field, p["label"].get(field), pred.get(p["id"], {}).get(field))]
        nonempty = [p for p in labelled if norm(p["label"].get(field))]
        right_ne = [p for p in nonempty if field_ok(field, p["label"][field], pred.get(p["id"], {}).get(field))]
        out[field] = {"all": (len(right), len(labelled)), "nonempty": (len(right_ne), len(nonempty))}
        wrong[field] = {p["id"] for p in labelled} - {p["id"] for p in right}
    return out, wrong


def aeb_doc(truth, pred):
    tt, pp = tokens(truth, True), tokens(pred, True)
    ts, ps = shingles(tt), shingles(pp)
    tp = sum(min(ts[k], ps[k]) for k in ts.keys() & ps.keys())
    fp = sum(max(0, ps[k] - ts.get(k, 0)) for k in ps)
    fn = sum(max(0, ts[k] - ps.get(k, 0)) for k in ts)
    s = tp + fp + fn
    if s:
        tp, fp, fn = tp / s, fp / s, fn / s
    p = (1.0 if fp == 0 and fn == 0 else tp / (tp + fp)) if tp + fp > 0 else None
    r = (1.0 if fp == 0 and fn == 0 else tp / (tp + fn)) if tp + fn > 0 else None
    return p, r


def aeb(pages, pred):
    ps, rs, per = [], [], {}
    for p in pages:
        pr, rc = aeb_doc(p["expected_text"], pred.get(p["id"], {}).get("text", ""))
        per[p["id"]] = (pr, rc)
        if pr is not None:
            ps.append(pr)
        if rc is not None:
            rs.append(rc)
    P = sum(ps) / len(ps) if ps else 0.0
    R = sum(rs) / len(rs) if rs else 0.0
    return {"f1": 2 * P * R / (P + R) if P + R else 0.0, "p": P, "r": R}, per


SUFFIX = re.compile(r"\s*(?:\||-|–|—|_|::|»|·)\s*[^|\-–—_:»·]{1,60}$")


def strip_suffix(t):
    t = norm(t)
    for _ in range(2):
        s = SUFFIX.sub("", t)
        if len(s) >= 4:
            t = s
    return t


def byline_names(s):
    s = norm(s).lower()
    s = re.sub(r"^(by|von|par|por)\s+", "", s)
    return {x.strip() for x in re.split(r"\s*(?:,|;|、|&|\band\b|\bund\b)\s*", s) if x.strip()}


def rt_fields(pages, pred):
    res, wrong = {}, {}
    titled = [p for p in pages if norm(p["label"].get("title"))]
    exact = [p for p in titled if norm(p["label"]["title"]) == norm(pred.get(p["id"], {}).get("title"))]
    loose = [p for p in titled
             if strip_suffix(p["label"]["title"]) == strip_suffix(pred.get(p["id"], {}).get("title"))]
    res["title exact"] = (len(exact), len(titled))
    res["title, site suffix removed"] = (len(loose), len(titled))
    wrong["title"] = {p["id"] for p in titled} - {p["id"] for p in exact}
    bylined = [p for p in pages if norm(p["label"].get("byline"))]
    by = [p for p in bylined
          if pred.get(p["id"], {}).get("author")
          and byline_names(pred[p["id"]]["author"]) == byline_names(p["label"]["byline"])]
    res["byline (same names)"] = (len(by), len(bylined))
    wrong["byline"] = {p["id"] for p in bylined} - {p["id"] for p in by}
    dated = [p for p in pages if norm(p["label"].get("publishedTime"))]
    dd = [p for p in dated if pred.get(p["id"], {}).get("date") == norm(p["label"]["publishedTime"])[:10]]
    res["date (day)"] = (len(dd), len(dated))
    wrong["date"] = {p["id"] for p in dated} - {p["id"] for p in dd}
    return res, wrong


def pct(x):
    a, b = x
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--unionwire", required=True)
    ap.add_argument("--worst", type=int, default=8)
    ap.add_argument("--reuse-trafilatura", action="store_true",
                    help="score the trafilatura answers saved by an earlier run (OUT/trafilatura.cache.json)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tpages, rpages = load_sets(args.eval)

    uw_t, uw_t_s = run_unionwire(args.unionwire, tpages, args.out, "trafilatura-eval")
    uw_r, _ = run_unionwire(args.unionwire, rpages, args.out, "readability")
    cache = args.out / "trafilatura.cache.json"
    if args.reuse_trafilatura and cache.exists():
        c = json.load(open(cache, encoding="utf-8"))
        tf_t, tf_t_s, tf_r = c["te"], c["te_s"], c["rt"]
    else:
        tf_t, tf_t_s = run_trafilatura(tpages)
        tf_r, _ = run_trafilatura(rpages)
        json.dump({"te": tf_t, "te_s": tf_t_s, "rt": tf_r}, open(cache, "w"), ensure_ascii=False)

    lines = []
    say = lines.append
    ub, uper = te_body(tpages, uw_t)
    tb, tper = te_body(tpages, tf_t)
    uf, uwrong = te_fields(tpages, uw_t)
    tfields, twrong = te_fields(tpages, tf_t)
    say(f"trafilatura-eval ({len(tpages)} pages; title/author/date labelled on "
        f"{sum(1 for p in tpages if 'title' in p['label'])}):")
    say("")
    say("| metric | unionwire | trafilatura (this run) |")
    say("|---|---|---|")
    say(f"| body F (P / R) | **{ub['f']:.3f}** ({ub['p']:.3f} / {ub['r']:.3f}) | "
        f"{tb['f']:.3f} ({tb['p']:.3f} / {tb['r']:.3f}) |")
    for field in ("title", "author", "date"):
        name = {"title": "title exact", "author": "author accuracy", "date": "date accuracy"}[field]
        say(f"| {name}, all labelled (empty label = nothing expected) | {pct(uf[field]['all'])} | "
            f"{pct(tfields[field]['all'])} |")
        say(f"| {name}, non-empty labels only | {pct(uf[field]['nonempty'])} | {pct(tfields[field]['nonempty'])} |")
    say(f"| time for the {len(tpages)} pages (whole process / Python loop) | {uw_t_s:.1f} s | {tf_t_s:.1f} s |")
    say("")

    ua, uaper = aeb(rpages, uw_r)
    ta, taper = aeb(rpages, tf_r)
    zh = [p for p in rpages if p["id"] in CHINESE_READABILITY]
    uz, _ = aeb(zh, uw_r)
    tz, _ = aeb(zh, tf_r)
    urf, urwrong = rt_fields(rpages, uw_r)
    trf, _ = rt_fields(rpages, tf_r)
    say(f"readability-testpages ({len(rpages)} pages; {len(zh)} Chinese: {', '.join(p['id'] for p in zh)}):")
    say("")
    say("| metric | unionwire | trafilatura (this run) |")
    say("|---|---|---|")
    say(f"| body F1 (P / R), AEB metric | **{ua['f1']:.3f}** ({ua['p']:.3f} / {ua['r']:.3f}) | "
        f"{ta['f1']:.3f} ({ta['p']:.3f} / {ta['r']:.3f}) |")
    say(f"| body F1 on the Chinese pages | **{uz['f1']:.3f}** | {tz['f1']:.3f} |")
    for k in urf:
        say(f"| {k} | {pct(urf[k])} | {pct(trf[k])} |")
    say("")
    for p in zh:
        up, ur = uaper[p["id"]]
        tp_, tr = taper[p["id"]]
        f = lambda a, b: 2 * a * b / (a + b) if a and b else 0.0  # noqa: E731
        say(f"- {p['id']}: unionwire F1 {f(up, ur):.3f} (P {up or 0:.2f} R {ur or 0:.2f}), "
            f"trafilatura {f(tp_, tr):.3f}; profile {uw_r.get(p['id'], {}).get('profile')}")
    say("")

    # Where our fields lose: pages unionwire gets wrong, trafilatura's answer beside ours.
    n = args.worst
    if n:
        say("Worst cases (label / unionwire / trafilatura), trafilatura-eval:")
        for field in ("title", "author", "date"):
            ids = sorted(uwrong[field], key=lambda i: (i in twrong[field], i))
            say(f"- {field}: unionwire wrong on {len(uwrong[field])}, of which trafilatura right on "
                f"{len(uwrong[field] - twrong[field])}; trafilatura wrong on {len(twrong[field])}")
            for i in ids[:n]:
                lab = next(p for p in tpages if p["id"] == i)["label"].get(field)
                say(f"    - {i}: {lab!r} / {uw_t.get(i, {}).get(field)!r} / {tf_t.get(i, {}).get(field)!r}")
        worst_body = sorted(tpages, key=lambda p: -(uper[p["id"]][1] + uper[p["id"]][2]))[:n]
        say("- body (most missed `with` + kept `without` segments): " + ", ".join(
            f"{p['id']} (fp {uper[p['id']][1]}, fn {uper[p['id']][2]}; trafilatura fp {tper[p['id']][1]}, "
            f"fn {tper[p['id']][2]})" for p in worst_body))
        say("")
        say("Worst cases, readability-testpages:")
        for field in ("title", "byline", "date"):
            key = {"title": "title", "byline": "byline", "date": "publishedTime"}[field]
            ours = {"title": "title", "byline": "author", "date": "date"}[field]
            ids = sorted(urwrong[field])
            say(f"- {field}: unionwire wrong on {len(ids)}")
            for i in ids[:n]:
                lab = next(p for p in rpages if p["id"] == i)["label"].get(key)
                say(f"    - {i}: {lab!r} / {uw_r.get(i, {}).get(ours)!r} / {tf_r.get(i, {}).get(ours)!r}")
        worst = sorted(rpages, key=lambda p: sum(x or 0 for x in uaper[p["id"]]))[:n]
        say("- body (lowest P + R): " + ", ".join(
            f"{p['id']} (P {uaper[p['id']][0] or 0:.2f} R {uaper[p['id']][1] or 0:.2f})" for p in worst))
    text = "\n".join(lines)
    (args.out / "evalsets.md").write_text(text + "\n", encoding="utf-8")
    json.dump({"trafilatura-eval": {"unionwire": uw_t, "trafilatura": tf_t},
               "readability": {"unionwire": uw_r, "trafilatura": tf_r}},
              open(args.out / "evalsets.json", "w"), ensure_ascii=False)
    print(text)


if __name__ == "__main__":
    main()
