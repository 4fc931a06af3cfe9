#!/usr/bin/env python3
"""Fetch each feed URL and check it the way readers and the W3C Feed Validator would.

Usage: python3 tests/feedparser_check.py URL [URL...]

For every RSS or Atom URL: Python feedparser must parse it with bozo == 0 and find every entry the
document holds; a JSON Feed (which feedparser 6 does not read) is checked against JSON Feed 1.1; RSS and Atom documents are also checked offline against the W3C validator rules
that matter for us (XML 1.0 declaration, no DOCTYPE/SYSTEM entities, channel title/link/description,
atom:link rel="self", a non-permalink guid on every item, RFC 822 pubDate, absolute links; Atom
id/title/updated/author/self link). Exits 1 if any check fails, 2 on bad usage or a missing
feedparser (install it with `pip install feedparser`).
"""

import json
import re
import sys
import urllib.request
import xml.etree.ElementTree as ET

try:
    import feedparser
except ImportError:  # pragma: no cover
    print("feedparser_check: the feedparser package is missing (pip install feedparser)", file=sys.stderr)
    sys.exit(2)

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def absolute(url):
    return url is not None and re.match(r"^https?://[^/\s]+", url) is not None


def check_rss(root, problems):
    channel = root.find("channel")
    if root.get("version") != "2.0" or channel is None:
        problems.append("not an RSS 2.0 document")
        return
    for tag in ("title", "link", "description"):
        if channel.find(tag) is None:
            problems.append(f"channel has no <{tag}>")
    if not absolute(channel.findtext("link")):
        problems.append("channel link is not absolute")
    selfs = [l for l in channel.findall(ATOM + "link") if l.get("rel") == "self"]
    if len(selfs) != 1 or not absolute(selfs[0].get("href")):
        problems.append("channel needs one atom:link rel=self with an absolute href")
    lbd = channel.findtext("lastBuildDate")
    if lbd is not None and not RFC822.match(lbd):
        problems.append(f"lastBuildDate {lbd!r} is not RFC 822")
    ttl = channel.findtext("ttl")
    if ttl is not None and not ttl.isdigit():
        problems.append("ttl is not a whole number")
    guids = set()
    for i, item in enumerate(channel.findall("item")):
        if item.find("title") is None and item.find("description") is None:
            problems.append(f"item {i} has neither title nor description")
        guid = item.find("guid")
        if guid is None or not (guid.text or "").strip():
            problems.append(f"item {i} has no guid")
        else:
            if guid.get("isPermaLink") != "false" and not absolute(guid.text):
                problems.append(f"item {i} guid is not a URL but isPermaLink is not false")
            if guid.text in guids:
                problems.append(f"item {i} repeats guid {guid.text}")
            guids.add(guid.text)
        link = item.findtext("link")
        if link is not None and not absolute(link):
            problems.append(f"item {i} link {link!r} is not absolute")
        pub = item.findtext("pubDate")
        if pub is not None and not RFC822.match(pub):
            problems.append(f"item {i} pubDate {pub!r} is not RFC 822")
        src = item.find("source")
        if src is not None and not absolute(src.get("url")):
            problems.append(f"item {i} source has no absolute url")
        if len(item.findall("enclosure")) > 1:
            problems.append(f"item {i} has more than one enclosure")


def check_atom(root, problems):
    if root.tag != ATOM + "feed":
        problems.append("not an Atom feed")
        return
    for tag in ("id", "title", "updated"):
        if root.find(ATOM + tag) is None:
            problems.append(f"feed has no <{tag}>")
    if not RFC3339.match(root.findtext(ATOM + "updated") or ""):
        problems.append("feed updated is not RFC 3339")
    selfs = [l for l in root.findall(ATOM + "link") if l.get("rel") == "self"]
    if len(selfs) != 1 or not absolute(selfs[0].get("href")):
        problems.append("feed needs one link rel=self with an absolute href")
    feed_author = root.find(ATOM + "author") is not None
    ids = set()
    for i, e in enumerate(root.findall(ATOM + "entry")):
        for tag in ("id", "title", "updated"):
            if e.find(ATOM + tag) is None:
                problems.append(f"entry {i} has no <{tag}>")
        eid = e.findtext(ATOM + "id")
        if eid in ids:
            problems.append(f"entry {i} repeats id {eid}")
        ids.add(eid)
        for tag in ("updated", "published"):
            v = e.findtext(ATOM + tag)
            if v is not None and not RFC3339.match(v):
                problems.append(f"entry {i} {tag} {v!r} is not RFC 3339")
        source_author = e.find(ATOM + "source/" + ATOM + "author") is not None
        if not feed_author and e.find(ATOM + "author") is None and not source_author:
            problems.append(f"entry {i} has no author, no atom:source author, and the feed has none")
        for l in e.findall(ATOM + "link"):
            if not absolute(l.get("href")):
                problems.append(f"entry {i} link is not absolute")


def check_json(body, problems):
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        problems.append(f"not UTF-8 JSON: {e}")
        return problems, 0
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version is not JSON Feed 1.1")
    if not isinstance(doc.get("title"), str):
        problems.append("feed has no title")
    for key in ("home_page_url", "feed_url"):
        if key in doc and not absolute(doc[key]):
            problems.append(f"{key} is not absolute")
    items = doc.get("items")
    if not isinstance(items, list):
        problems.append("feed has no items array")
        return problems, 0
    ids = set()
    for i, it in enumerate(items):
        if not isinstance(it.get("id"), str) or not it["id"]:
            problems.append(f"item {i} has no string id")
        elif it["id"] in ids:
            problems.append(f"item {i} repeats id {it['id']}")
        ids.add(it.get("id"))
        if not isinstance(it.get("content_html"), str) and not isinstance(it.get("content_text"), str):
            problems.append(f"item {i} has neither content_html nor content_text")
        if "url" in it and not absolute(it["url"]):
            problems.append(f"item {i} url is not absolute")
        for key in ("date_published", "date_modified"):
            if key in it and not RFC3339.match(it[key]):
                problems.append(f"item {i} {key} is not RFC 3339")
        for k in it:
            if k.startswith("_") and not isinstance(it[k], dict):
                problems.append(f"item {i} extension {k} is not an object")
    return problems, len(items)


def check(url):
    problems = []
    with urllib.request.urlopen(url, timeout=30) as res:
        body = res.read()
        headers = {k.lower(): v for k, v in res.headers.items()}
    ctype = headers.get("content-type", "")
    if "json" in ctype:
        # feedparser 6 reads no JSON Feed: check it against the JSON Feed 1.1 spec instead.
        return check_json(body, problems)
    d = feedparser.parse(body, response_headers=headers)
    if d.bozo:
        problems.append(f"feedparser bozo: {d.bozo_exception!r}")
    if not body.startswith(b'<?xml version="1.0"'):
        problems.append("no XML 1.0 declaration at the start")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        problems.append("document has a DOCTYPE or entity declarations")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        problems.append(f"not well-formed XML: {e}")
        return problems, len(d.entries)
    if root.tag == "rss":
        check_rss(root, problems)
        expected = len(root.findall("channel/item"))
    else:
        check_atom(root, problems)
        expected = len(root.findall(ATOM + "entry"))
    if len(d.entries) != expected:
        problems.append(f"feedparser found {len(d.entries)} entries, the document has {expected}")
    return problems, len(d.entries)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failed = 0
    for url in argv[1:]:
        try:
            problems, n = check(url)
        except Exception as e:  # network or HTTP error: the feed failed
            problems, n = [f"fetching: {e!r}"], 0
        if problems:
            failed += 1
            print(f"FAIL {url}")
            for p in problems:
                print(f"  - {p}")
        else:
            print(f"ok   {url} ({n} entries)")
    print(f"{len(argv) - 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
