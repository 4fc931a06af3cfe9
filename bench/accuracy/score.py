#!/usr/bin/env python3
"""Score article-body predictions with the scrapinghub article-extraction-benchmark metric (see
../shared/eval/scrapinghub-aeb/README.md): 4-token shingles of `\\w+` tokens, per-document normalised
tp/fp/fn, corpus precision/recall as means, F1 from them. With --cjk, every Han character is its own token
(the upstream tokenizer keeps a run of Han characters as one token, which is meaningless for Chinese).

usage: score.py GROUND_TRUTH.json PREDICTIONS.json [--cjk]
Predictions: {id: {"articleBody": "..."}} or {"output": {...}}. Prints one JSON line.
"""
import json
import re
import sys
from collections import Counter

WORD = re.compile(r"\w+", re.UNICODE)
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def tokens(text, cjk):
    out = []
    for t in WORD.findall(text or ""):
        if cjk and HAN.search(t):
            buf = ""
            for ch in t:
                if HAN.match(ch):
                    if buf:
                        out.append(buf)
                        buf = ""
                    out.append(ch)
                else:
                    buf += ch
            if buf:
                out.append(buf)
        else:
            out.append(t)
    return out


def shingles(toks):
    if len(toks) < 4:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i:i + 4]) for i in range(len(toks) - 3))


def main():
    truth = json.load(open(sys.argv[1]))
    pred = json.load(open(sys.argv[2]))
    cjk = "--cjk" in sys.argv
    if "output" in pred and isinstance(pred["output"], dict):
        pred = pred["output"]
    precisions, recalls, exact = [], [], 0
    for key, t in truth.items():
        tt = tokens(t.get("articleBody", ""), cjk)
        pp = tokens((pred.get(key) or {}).get("articleBody", ""), cjk)
        exact += tt == pp
        ts, ps = shingles(tt), shingles(pp)
        tp = sum(min(ts[k], ps[k]) for k in ts.keys() & ps.keys())
        fp = sum(max(0, ps[k] - ts.get(k, 0)) for k in ps)
        fn = sum(max(0, ts[k] - ps.get(k, 0)) for k in ts)
        s = tp + fp + fn
        if s:
            tp, fp, fn = tp / s, fp / s, fn / s
        if tp + fp > 0:
            precisions.append(1.0 if fp == 0 and fn == 0 else tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(1.0 if fp == 0 and fn == 0 else tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(json.dumps({"f1": round(f1, 4), "precision": round(p, 4), "recall": round(r, 4),
                      "accuracy": round(exact / len(truth), 4), "documents": len(truth)}))


if __name__ == "__main__":
    main()
