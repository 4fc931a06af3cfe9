//! Renderer tests: FeedItems built directly, rendered, and read back with feed-rs and a strict XML reader.

use proptest::prelude::*;
use unionwire::model::{Published, StoryId};
use unionwire::publish::{
    is_xml_char, one_line, render_atom, render_json, render_opml, render_rss, story_guid, FeedItem,
    FeedMeta, OtherCopy,
};
use url::Url;

fn meta() -> FeedMeta {
    FeedMeta {
        title: "测试 · 工会新闻".into(),
        description: "desc & <b>".into(),
        home_url: Url::parse("http://127.0.0.1:8080/").unwrap(),
        self_url: Url::parse("http://127.0.0.1:8080/feeds/all.rss").unwrap(),
        ttl_minutes: 30,
        updated: Some("2024-09-27T03:01:00Z".parse().unwrap()),
        built: "2024-09-28T00:00:00Z".parse().unwrap(),
        next_url: None,
        stylesheet: Some(Url::parse("http://127.0.0.1:8080/feed.xsl").unwrap()),
    }
}

fn item(i: u8, title: &str) -> FeedItem {
    FeedItem {
        guid: story_guid(&StoryId([i; 16])),
        title: title.into(),
        link: format!("http://acftu.people.com.cn/n1/2024/0927/c67502-{i}.html"),
        published: Published::beijing(2024, 9, 27, 11, i8::try_from(i % 60).unwrap(), 0),
        updated: None,
        authors: vec!["张三".into(), "李四".into()],
        source: Some("工人日报".into()),
        category: Some("中国工会新闻 (人民网)".into()),
        summary: "摘要".into(),
        content_html: "<p>正文</p>".into(),
        source_feed: Some("http://127.0.0.1:8080/feeds/source/a-src.rss".into()),
        also_carried_by: vec![OtherCopy {
            name: "中工网".into(),
            url: "https://www.workercn.cn/c/2024-09-27/1.shtml".into(),
            mirror: false,
        }],
        ..FeedItem::default()
    }
}

/// Reads a whole XML document with quick-xml (end names checked); panics on any error.
fn assert_well_formed(xml: &str) {
    assert!(
        xml.starts_with("<?xml version=\"1.0\""),
        "no XML declaration"
    );
    assert!(
        xml.chars().all(is_xml_char),
        "a character XML 1.0 forbids was written"
    );
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::DocType(_)) => panic!("DOCTYPE written"),
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
}

fn parse(s: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(s.as_bytes()).expect("feed-rs parses our feed")
}

#[test]
fn rss_has_every_channel_and_item_element() {
    let xml = render_rss(&meta(), &[item(1, "全总 & 职工")]);
    assert_well_formed(&xml);
    for needle in [
        "<atom:link href=\"http://127.0.0.1:8080/feeds/all.rss\" rel=\"self\" type=\"application/rss+xml\"",
        "xmlns:atom=\"http://www.w3.org/2005/Atom\"",
        "<lastBuildDate>Fri, 27 Sep 2024 11:01:00 +0800</lastBuildDate>",
        "<ttl>30</ttl>",
        "<guid isPermaLink=\"false\">urn:unionwire:story:01010101010101010101010101010101</guid>",
        "<pubDate>Fri, 27 Sep 2024 11:01:00 +0800</pubDate>",
        // Every author in one dc:creator: newsboat shows only the last of several.
        "<dc:creator>张三、李四</dc:creator>",
        "<category>中国工会新闻 (人民网)</category>",
        "<category domain=\"urn:unionwire:laiyuan\">工人日报</category>",
        // RSS 2.0 <source>: the channel the item came from, i.e. the source's own feed.
        "<source url=\"http://127.0.0.1:8080/feeds/source/a-src.rss\">中国工会新闻 (人民网)</source>",
        "<?xml-stylesheet type=\"text/xsl\" href=\"http://127.0.0.1:8080/feed.xsl\"?>",
        "<content:encoded>",
        "<title>全总 &amp; 职工</title>",
    ] {
        assert!(xml.contains(needle), "missing {needle} in\n{xml}");
    }
}

#[test]
fn atom_and_json_carry_the_same_facts() {
    let atom = render_atom(&meta(), &[item(1, "t")]);
    assert_well_formed(&atom);
    assert!(
        atom.contains("<published>2024-09-27T11:01:00+08:00</published>"),
        "{atom}"
    );
    assert!(atom.contains("rel=\"self\""));
    assert!(atom.contains("scheme=\"urn:unionwire:laiyuan\""));
    let json: serde_json::Value =
        serde_json::from_str(&render_json(&meta(), &[item(1, "t")])).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], "http://127.0.0.1:8080/feeds/all.rss");
    let it = &json["items"][0];
    assert_eq!(
        it["id"],
        "urn:unionwire:story:01010101010101010101010101010101"
    );
    assert_eq!(it["date_published"], "2024-09-27T11:01:00+08:00");
    assert_eq!(it["_unionwire"]["source"], "工人日报");
    assert_eq!(it["tags"][0], "中国工会新闻 (人民网)");
    assert!(it["content_html"]
        .as_str()
        .unwrap()
        .contains("workercn.cn/c/2024-09-27/1.shtml"));
}

#[test]
fn all_three_formats_parse_back_to_the_same_items() {
    let items: Vec<FeedItem> = (1..=5).map(|i| item(i, &format!("标题 {i}"))).collect();
    for (name, text) in [
        ("rss", render_rss(&meta(), &items)),
        ("atom", render_atom(&meta(), &items)),
        ("json", render_json(&meta(), &items)),
    ] {
        let feed = parse(&text);
        assert_eq!(feed.entries.len(), items.len(), "{name}");
        for (e, it) in feed.entries.iter().zip(&items) {
            assert_eq!(e.id, it.guid, "{name} guid");
            assert_eq!(e.title.as_ref().unwrap().content, it.title, "{name} title");
            assert_eq!(e.links[0].href, it.link, "{name} link");
            let published = e.published.expect("published date");
            assert_eq!(
                published.timestamp(),
                it.published.unwrap().unix_seconds(),
                "{name} date"
            );
            assert!(
                e.content
                    .as_ref()
                    .and_then(|c| c.body.as_deref())
                    .unwrap_or_default()
                    .contains("<p>正文</p>"),
                "{name}"
            );
        }
    }
}

#[test]
fn the_other_carriers_close_the_html_and_bad_urls_are_left_out() {
    let mut it = item(1, "t");
    it.also_carried_by.push(OtherCopy {
        name: "evil\"><script>".into(),
        url: "javascript:alert(1)".into(),
        mirror: false,
    });
    it.also_carried_by.push(OtherCopy {
        name: "名<b>".into(),
        url: "http://x.example/?a=1&b=\"2\"".into(),
        mirror: true,
    });
    let feed = parse(&render_rss(&meta(), &[it]));
    let html = feed.entries[0]
        .content
        .as_ref()
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert!(html.ends_with("</ul>"), "{html}");
    assert!(html.contains("中工网"));
    assert!(!html.contains("javascript:"));
    assert!(!html.contains("<script"));
    assert!(html.contains("名&lt;b&gt;"), "{html}");
    // The mirror copy comes after the clean one and is marked.
    let clean = html.find("中工网").unwrap();
    let mirror = html.find("名&lt;b&gt;").unwrap();
    assert!(clean < mirror, "{html}");
    assert!(
        html[mirror..].contains(unionwire::publish::MIRROR_MARK),
        "{html}"
    );
    assert!(
        html.contains("href=\"http://x.example/?a=1&amp;b=&quot;2&quot;\""),
        "{html}"
    );
}

#[test]
fn a_one_megabyte_title_stays_valid() {
    let huge = "工会]]>&<\u{1}".repeat(110_000);
    let items = vec![item(1, &huge)];
    let rss = render_rss(&meta(), &items);
    assert_well_formed(&rss);
    let back = parse(&rss);
    assert_eq!(
        back.entries[0].title.as_ref().unwrap().content,
        one_line(&huge)
    );
    let atom = render_atom(&meta(), &items);
    assert_well_formed(&atom);
    parse(&atom);
    parse(&render_json(&meta(), &items));
}

#[test]
fn opml_lists_every_feed_with_absolute_urls() {
    let cfg = super::config();
    let opml = render_opml(&Url::parse("https://news.example/uw").unwrap(), &cfg);
    assert_well_formed(&opml);
    let urls: Vec<&str> = opml
        .split("xmlUrl=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(
        urls,
        vec![
            "https://news.example/uw/feeds/all.rss",
            "https://news.example/uw/feeds/source/a-src.rss",
            "https://news.example/uw/feeds/source/b-src.rss",
            "https://news.example/uw/feeds/source/c-src.rss",
            "https://news.example/uw/feeds/tag/north.rss",
            "https://news.example/uw/feeds/tag/south.rss",
        ]
    );
    assert!(opml.contains("<opml version=\"2.0\">"));
}

fn adversarial() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        Just("]]>".to_owned()),
        Just("&amp;".to_owned()),
        Just("&".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{1b}".to_owned()),
        Just("\u{fffe}\u{ffff}".to_owned()),
        Just("😀".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("\r\n".to_owned()),
        Just("中國(guó)".to_owned()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_text_gives_valid_feeds(title in adversarial(), author in adversarial(), html in adversarial(), summary in adversarial(), credit in adversarial()) {
        let mut it = item(7, &title);
        it.authors = vec![author];
        it.content_html = html;
        it.summary = summary;
        it.source = Some(credit.clone());
        it.category = Some(credit);
        let items = vec![it, item(8, "second")];
        let rss = render_rss(&meta(), &items);
        assert_well_formed(&rss);
        let atom = render_atom(&meta(), &items);
        assert_well_formed(&atom);
        let json = render_json(&meta(), &items);
        serde_json::from_str::<serde_json::Value>(&json).unwrap();
        let expected = {
            let t = one_line(&title);
            if t.is_empty() { "(无标题)".to_owned() } else { t }
        };
        for text in [&rss, &atom, &json] {
            let feed = parse(text);
            prop_assert_eq!(feed.entries.len(), 2);
            prop_assert_eq!(&feed.entries[0].id, &items[0].guid);
            prop_assert_eq!(&feed.entries[0].title.as_ref().unwrap().content, &expected);
        }
    }
}

#[test]
fn next_links_appear_in_every_format() {
    let mut m = meta();
    let next =
        "http://127.0.0.1:8080/feeds/all.atom?before=1727406060.01010101010101010101010101010101";
    m.next_url = Some(Url::parse(next).unwrap());
    let atom = render_atom(&m, &[item(1, "t")]);
    let feed = parse(&atom);
    assert!(
        feed.links
            .iter()
            .any(|l| l.rel.as_deref() == Some("next") && l.href == next),
        "{atom}"
    );
    let rss = render_rss(&m, &[item(1, "t")]);
    assert!(
        rss.contains(&format!("href=\"{next}\" rel=\"next\"")),
        "{rss}"
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(&m, &[item(1, "t")])).unwrap();
    assert_eq!(json["next_url"], next);
    // The last page has none.
    let json: serde_json::Value =
        serde_json::from_str(&render_json(&meta(), &[item(1, "t")])).unwrap();
    assert!(json.get("next_url").is_none());
    assert!(!render_atom(&meta(), &[item(1, "t")]).contains("rel=\"next\""));
}

#[test]
fn no_feed_level_author_is_inherited_and_a_bylineless_entry_names_its_site_in_atom_source() {
    let mut anon = item(2, "无署名");
    anon.authors.clear();
    let items = [item(1, "有署名"), anon];
    let atom = render_atom(&meta(), &items);
    assert_well_formed(&atom);
    let feed = parse(&atom);
    assert!(feed.authors.is_empty(), "feed-level author: {atom}");
    let names: Vec<&str> = feed.entries[0]
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    assert_eq!(names, ["张三", "李四"]);
    assert!(
        feed.entries[1].authors.is_empty(),
        "invented byline: {atom}"
    );
    // RFC 4287 §4.1.2 still holds: the entry's atom:source has an author, the site.
    let entry = atom.split("<entry>").nth(2).unwrap();
    assert!(
        entry.contains("<source>")
            && entry.contains("<author><name>中国工会新闻 (人民网)</name></author>"),
        "{entry}"
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(&meta(), &items)).unwrap();
    assert!(
        json.get("authors").is_none(),
        "feed-level authors in JSON Feed"
    );
    assert!(json["items"][1].get("authors").is_none());
    assert_eq!(json["items"][0]["authors"][1]["name"], "李四");
}

#[test]
fn categories_are_labelled_with_their_own_names() {
    let atom = render_atom(&meta(), &[item(1, "t")]);
    assert!(
        atom.contains("term=\"工人日报\" scheme=\"urn:unionwire:laiyuan\" label=\"工人日报\""),
        "{atom}"
    );
    assert!(!atom.contains("label=\"来源\""), "{atom}");
    assert!(
        atom.contains("term=\"中国工会新闻 (人民网)\" label=\"中国工会新闻 (人民网)\""),
        "{atom}"
    );
}

#[test]
fn entry_updated_is_the_content_time_and_an_empty_feed_is_updated_when_built() {
    let mut it = item(1, "t");
    it.updated = it.published.map(|p| p.instant);
    it.stored = Some("2026-12-01T00:00:00Z".parse().unwrap());
    let feed = parse(&render_atom(&meta(), &[it.clone()]));
    assert_eq!(
        feed.entries[0].updated.unwrap().timestamp(),
        it.published.unwrap().unix_seconds(),
        "entry updated is when the content last changed, not when it was stored"
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(&meta(), &[it])).unwrap();
    assert!(
        json["items"][0].get("date_modified").is_none(),
        "unchanged since publication: no separate date_modified"
    );
    let mut m = meta();
    m.updated = None;
    let empty = render_atom(&m, &[]);
    assert!(
        empty.contains("<updated>2024-09-28T08:00:00+08:00</updated>"),
        "{empty}"
    );
    assert!(!empty.contains("1970-01-01"), "{empty}");
}
