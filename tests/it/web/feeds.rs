//! Feeds as readers and validators see them: the lead copy, paging, authors, `<source url>`, dates,
//! entity tags per content coding, and the stylesheet browsers render them with.

use reqwest::StatusCode;

use super::{config, many, start, MIRROR_URL, ORIGIN_URL};
use crate::publish::{client, start_with, Running};

async fn body(r: &Running, path: &str) -> String {
    let res = client().get(r.url(path)).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.expect("body")
}

fn parse(text: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(text.as_bytes()).expect("feed-rs parses the served feed")
}

#[tokio::test]
async fn the_per_source_feed_of_a_mirror_links_the_origin() {
    let r = start().await;
    let mirror_story = r.store.by_url(MIRROR_URL).unwrap().unwrap().story;
    let origin = r.store.by_url(ORIGIN_URL).unwrap().unwrap();
    assert_eq!(
        origin.story, mirror_story,
        "origin and mirror are one story"
    );
    for ext in ["rss", "atom", "json"] {
        for path in [
            format!("/feeds/source/mirror-src.{ext}"),
            format!("/feeds/source/origin-src.{ext}"),
            format!("/feeds/all.{ext}"),
        ] {
            let text = body(&r, &path).await;
            let feed = parse(&text);
            let entry = feed
                .entries
                .iter()
                .find(|e| e.id == format!("urn:unionwire:story:{}", mirror_story.to_hex()))
                .unwrap_or_else(|| panic!("{path} lacks the story"));
            assert_eq!(entry.links[0].href, ORIGIN_URL, "{path} links the mirror");
            let html = entry
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .unwrap_or_default();
            // The mirror is listed as another copy, marked, and its text is not the item's text.
            let at = html
                .find(MIRROR_URL)
                .unwrap_or_else(|| panic!("{path}: mirror not listed: {html}"));
            assert!(
                html[at..].contains(unionwire::publish::MIRROR_MARK),
                "{path}: mirror not marked"
            );
            assert!(
                !html.contains('\u{FFFD}'),
                "{path} carries the damaged mirror text"
            );
        }
    }
    // The mirror source's feed still holds only the story it carried.
    let feed = parse(&body(&r, "/feeds/source/mirror-src.atom").await);
    assert_eq!(feed.entries.len(), 1);
    let json: serde_json::Value =
        serde_json::from_str(&body(&r, "/feeds/source/mirror-src.json").await).unwrap();
    let copies = &json["items"][0]["_unionwire"]["also_carried_by"];
    assert_eq!(copies[0]["url"], MIRROR_URL);
    assert_eq!(copies[0]["mirror"], true);
}

/// Follows a feed's next links from `first`, returning every page's item ids and links followed.
async fn walk(r: &Running, first: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let mut pages = Vec::new();
    let mut followed = Vec::new();
    let mut next = Some(r.url(first));
    while let Some(u) = next.take() {
        assert!(pages.len() < 20, "paging does not end");
        followed.push(u.clone());
        let res = client().get(&u).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{u}");
        let text = res.text().await.unwrap();
        if u.contains(".json") {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            pages.push(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_owned())
                    .collect(),
            );
            next = v["next_url"].as_str().map(str::to_owned);
        } else {
            let f = parse(&text);
            pages.push(f.entries.iter().map(|e| e.id.clone()).collect());
            // feed-rs reads atom:link in RSS channels too.
            next = f
                .links
                .iter()
                .find(|l| l.rel.as_deref() == Some("next"))
                .map(|l| l.href.clone());
            if next.is_none() && u.contains(".rss") {
                next = text
                    .split("<atom:link ")
                    .skip(1)
                    .find(|l| l.contains("rel=\"next\""))
                    .and_then(|l| l.split("href=\"").nth(1))
                    .and_then(|l| l.split('"').next())
                    .map(|h| h.replace("&amp;", "&"));
            }
        }
    }
    (pages, followed)
}

#[tokio::test]
async fn every_feed_pages_with_before_and_rel_next_or_next_url() {
    let r = start_with(config(), many(7, "a-src", "a.example")).await;
    // The whole feed in one page: the order every paging must reproduce.
    let all: Vec<String> = parse(&body(&r, "/feeds/all.atom").await)
        .entries
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(all.len(), 9);
    for first in [
        "/feeds/all.atom?limit=3",
        "/feeds/all.json?limit=3",
        "/feeds/all.rss?limit=3",
        "/feeds/source/a-src.atom?limit=3",
        "/feeds/source/a-src.json?limit=4",
        "/feeds/tag/national.rss?limit=2",
    ] {
        let (pages, followed) = walk(&r, first).await;
        let flat: Vec<String> = pages.concat();
        assert_eq!(flat, all, "{first}: pages {pages:?} via {followed:?}");
        let limit: usize = first.rsplit('=').next().unwrap().parse().unwrap();
        assert_eq!(pages.len(), all.len().div_ceil(limit), "{first}: {pages:?}");
        assert!(pages.iter().all(|p| !p.is_empty() && p.len() <= limit));
        assert!(
            followed[1..]
                .iter()
                .all(|u| u.contains("before=") && u.contains(&format!("limit={limit}"))),
            "{followed:?}"
        );
    }
    // A bare time works as a cursor: everything published strictly before it.
    let before = parse(&body(&r, "/feeds/all.atom?before=2024-08-04T00:00:00%2B08:00").await);
    let titles: Vec<String> = before
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles[..3],
        ["第2条报道", "第1条报道", "第0条报道"],
        "{titles:?}"
    );
    let mut ties = titles[3..].to_vec();
    ties.sort();
    assert_eq!(ties, ["同一秒的报道0", "同一秒的报道1"], "{titles:?}");
    assert_eq!(before.entries.len(), 5, "{titles:?}");
    for bad in ["before=yesterday", "before=1.2", "before=1&before=2"] {
        let res = client()
            .get(r.url(&format!("/feeds/all.rss?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn rss_shows_every_author_and_its_source_is_the_sources_feed() {
    let r = start().await;
    let rss = body(&r, "/feeds/all.rss").await;
    assert!(
        rss.contains("<dc:creator>张三、李四、王五</dc:creator>"),
        "{rss}"
    );
    // One dc:creator per item: newsboat would show only the last of several.
    for item in rss.split("<item>").skip(1) {
        assert!(item.matches("<dc:creator>").count() <= 1, "{item}");
    }
    // a-src is a feed source: its own feed URL. origin-src is a listing: its feed here.
    assert!(
        rss.contains("<source url=\"http://a.example/feed.xml\">甲网</source>"),
        "{rss}"
    );
    let own = format!(
        "<source url=\"{}\">中国工会新闻</source>",
        r.url("/feeds/source/origin-src.rss")
    );
    assert!(rss.contains(&own), "{rss}");
    assert!(
        !rss.contains(&format!("<source url=\"{ORIGIN_URL}\"")),
        "{rss}"
    );
    let atom = parse(&body(&r, "/feeds/all.atom").await);
    assert!(
        atom.authors.is_empty(),
        "a feed-level author entries would inherit"
    );
    let multi = atom
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == "三位记者联合报道职工之家建设")
        .unwrap();
    let names: Vec<&str> = multi
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    assert_eq!(names, ["张三", "李四", "王五"]);
    for e in &atom.entries {
        // updated is the publication time (the content never changed), not the crawl time.
        assert_eq!(e.updated, e.published, "{:?}", e.title);
    }
}

#[tokio::test]
async fn an_empty_atom_feed_is_updated_when_it_is_built() {
    let r = start_with(config(), Vec::new()).await;
    let before = jiff::Timestamp::now().as_second();
    let text = body(&r, "/feeds/all.atom").await;
    let after = jiff::Timestamp::now().as_second();
    let updated: jiff::Timestamp = text
        .split("<updated>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (before..=after).contains(&updated.as_second()),
        "{updated} not within the request: {text}"
    );
    assert!(!text.contains("1970-01-01"), "{text}");
}

#[tokio::test]
async fn each_content_coding_has_its_own_strong_etag_and_if_none_match_follows_it() {
    let r = start().await;
    let c = client();
    let mut tags = Vec::new();
    for enc in ["identity", "gzip", "br"] {
        let res = c
            .get(r.url("/feeds/all.atom"))
            .header("accept-encoding", enc)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        if enc != "identity" {
            assert_eq!(res.headers()["content-encoding"], enc);
        }
        let tag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "strong: {tag}");
        tags.push((enc, tag));
    }
    assert_ne!(tags[0].1, tags[1].1);
    assert_ne!(tags[0].1, tags[2].1);
    assert_ne!(tags[1].1, tags[2].1);
    // Each tag matches only the representation it names: 304 for the coding it came with, else 200.
    for (asked, asked_tag) in &tags {
        for (tag_coding, tag) in &tags {
            let res = c
                .get(r.url("/feeds/all.atom"))
                .header("accept-encoding", *asked)
                .header("if-none-match", tag)
                .send()
                .await
                .unwrap();
            let want = if asked == tag_coding {
                StatusCode::NOT_MODIFIED
            } else {
                StatusCode::OK
            };
            assert_eq!(
                res.status(),
                want,
                "asking for {asked} with the {tag_coding} tag {tag}"
            );
            assert_eq!(res.headers()["etag"], asked_tag.as_str());
            if want == StatusCode::NOT_MODIFIED {
                assert!(res.headers().get("content-encoding").is_none());
                assert!(res.bytes().await.unwrap().is_empty());
            }
        }
    }
}

#[tokio::test]
async fn browsers_get_feeds_and_opml_as_xml_with_our_stylesheet() {
    let r = start().await;
    let c = client();
    let browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let xsl = r.url("/feed.xsl");
    for (path, reader_type) in [
        ("/feeds/all.rss", "application/rss+xml; charset=utf-8"),
        (
            "/feeds/source/a-src.atom",
            "application/atom+xml; charset=utf-8",
        ),
        ("/opml", "text/x-opml; charset=utf-8"),
    ] {
        let reader = c.get(r.url(path)).send().await.unwrap();
        assert_eq!(reader.headers()["content-type"], reader_type, "{path}");
        let reader_tag = reader.headers().get("etag").cloned();
        let reader_body = reader.text().await.unwrap();
        let page = c
            .get(r.url(path))
            .header("accept", browser_accept)
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.headers()["content-type"],
            "application/xml; charset=utf-8",
            "{path}"
        );
        if let Some(t) = reader_tag {
            assert_ne!(
                page.headers()["etag"],
                t,
                "{path}: one tag for two representations"
            );
        }
        let page_body = page.text().await.unwrap();
        assert_eq!(page_body, reader_body, "{path}: same document");
        let pi = format!("<?xml-stylesheet type=\"text/xsl\" href=\"{xsl}\"?>");
        assert!(page_body.starts_with("<?xml version=\"1.0\""), "{path}");
        assert!(
            page_body.contains(&pi),
            "{path}: {}",
            &page_body[..200.min(page_body.len())]
        );
    }
    let res = c.get(&xsl).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/xsl; charset=utf-8");
    let sheet = res.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&sheet);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the stylesheet is not well-formed: {e}"),
        }
    }
    assert!(
        !sheet.contains("<script"),
        "the stylesheet must stay script-free"
    );
}

#[tokio::test]
async fn paged_feeds_with_bylineless_entries_pass_python_feedparser_and_the_w3c_rules() {
    let mut corpus = super::corpus();
    let mut anonymous = crate::publish::article("http://b.example/n/9.html", "无署名的报道", 9, 23);
    anonymous.authors.clear();
    corpus.push((anonymous, "b-src"));
    let r = start_with(config(), corpus).await;
    let paths = [
        "/feeds/all.rss?limit=2",
        "/feeds/all.atom?limit=2",
        "/feeds/all.json?limit=2",
        "/feeds/source/b-src.atom",
        "/feeds/source/mirror-src.rss",
        "/feeds/tag/national.atom?limit=1",
    ];
    // The Atom feeds hold an entry without a byline (b-src's), named in its atom:source.
    let atom = body(&r, "/feeds/source/b-src.atom").await;
    assert!(atom.contains("<source>"), "{atom}");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/feedparser_check.py");
    let urls: Vec<String> = paths.iter().map(|p| r.url(p)).collect();
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .args(&urls)
        .kill_on_drop(true)
        .output()
        .await
        .expect("python3 runs (install it and `pip install feedparser`)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "feedparser_check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("6 passed, 0 failed"), "{stdout}");
}
