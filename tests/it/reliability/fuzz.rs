//! T25 in the normal test run: the three fuzzed paths (the cargo-fuzz targets in `fuzz/`) driven by
//! proptest with arbitrary bytes and with markup-shaped input. `scripts/fuzz.sh` runs the same properties with
//! many more cases (`PROPTEST_CASES`) and the cargo-fuzz targets for a bounded time. Findings become plain
//! regression tests at the end of this file.
//!
//! 1. bytes → charset decode → article extraction (and clean);
//! 2. bytes → feed parse → our model (entry → article → clean);
//! 3. article → sanitise → RSS/Atom/JSON render → re-parse (strict XML, JSON, feed-rs), and the re-parsed
//!    entry carries the fields that went in (id, title, link, authors, content), as the feed spec says a
//!    reader sees them.
//!
//! The proptest runs are seeded: the seed is printed, and `UNIONWIRE_TEST_SEED` replays one.

use proptest::prelude::*;
use unionwire::extract::{extract_article, feed};
use unionwire::fetch::charset;
use unionwire::publish::{FeedFormat, FeedItem, FeedMeta};

fn page_url() -> url::Url {
    url::Url::parse("http://news.test/n1/2025/0601/c1-2.html").unwrap()
}

/// Markup-shaped text: tags, entities, CJK, control characters and raw bytes mixed.
fn markup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("<html>".to_owned()),
        Just("<body>".to_owned()),
        Just("<div class=\"article\">".to_owned()),
        Just("</div>".to_owned()),
        Just("<p>".to_owned()),
        Just("</p>".to_owned()),
        Just("<h1>".to_owned()),
        Just("<title>".to_owned()),
        Just("<script>".to_owned()),
        Just("<a href=\"/x\">".to_owned()),
        Just("<img src=\"javascript:x\" onerror=y>".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("]]>".to_owned()),
        Just("&#x10FFFF;&#0;&#44444444401;&amp;&lt;".to_owned()),
        Just("<item><title>".to_owned()),
        Just("</title><link>http://news.test/a</link></item>".to_owned()),
        Just("<rss version=\"2.0\"><channel>".to_owned()),
        Just("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>".to_owned()),
        Just("来源：新华社 2025-06-01 10:00 责任编辑：张三".to_owned()),
        "[\\u{0}-\\u{1f}\\u{fffe}\\u{ffff}]{0,3}",
        "\\PC{0,20}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

fn bytes_or_markup() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..4096),
        markup().prop_map(String::into_bytes),
    ]
}

/// Path 1.
fn decode_and_extract(bytes: &[u8]) {
    for ct in [
        None,
        Some("text/html; charset=gbk"),
        Some("text/html; charset=utf-8"),
    ] {
        let d = charset::decode(bytes, ct, Some("news.test"));
        if let Ok(x) = extract_article(&d.text, &page_url(), None) {
            let mut a = x.article;
            unionwire::crawl::finish_article(&mut a);
        }
    }
}

/// Path 2.
fn parse_feed_to_model(bytes: &[u8]) {
    let _ = feed::decode_feed(bytes);
    if let Ok(entries) = feed::parse_feed(bytes, &page_url()) {
        for e in &entries {
            let _ = feed::is_summary_only(e);
            let mut a = feed::entry_article(e);
            unionwire::crawl::finish_article(&mut a);
        }
    }
}

fn meta() -> FeedMeta {
    FeedMeta {
        title: "unionwire".to_owned(),
        description: "test".to_owned(),
        home_url: url::Url::parse("http://feeds.test/").unwrap(),
        self_url: url::Url::parse("http://feeds.test/feeds/all.rss").unwrap(),
        ttl_minutes: 30,
        updated: None,
        built: jiff::Timestamp::UNIX_EPOCH,
        next_url: None,
        stylesheet: None,
    }
}

/// Checks that an XML document is well formed with quick-xml's checks on.
fn well_formed(xml: &str) -> Result<(), String> {
    if let Some(c) = xml.chars().find(|c| !unionwire::publish::is_xml_char(*c)) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML 1.0",
            u32::from(c)
        ));
    }
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    r.config_mut().check_comments = true;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("at {}: {e}", r.buffer_position())),
        }
    }
}

/// Path 3.
fn sanitize_render_reparse(title: &str, authors: &[String], body: &str, link_tail: &str) {
    let base = page_url();
    let content = unionwire::clean::sanitize_html(body, &base);
    let item = FeedItem {
        guid: format!("urn:unionwire:story:{:032x}", title.len()),
        title: title.to_owned(),
        link: format!("http://news.test/{}", urlencode(link_tail)),
        authors: authors.to_vec(),
        summary: body.to_owned(),
        content_html: content,
        source: authors.first().cloned(),
        category: Some(title.to_owned()),
        ..FeedItem::default()
    };
    for fmt in [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json] {
        let out = fmt.render(&meta(), std::slice::from_ref(&item));
        match fmt {
            FeedFormat::Json => {
                serde_json::from_str::<serde_json::Value>(&out)
                    .unwrap_or_else(|e| panic!("json does not re-parse: {e}\n{out}"));
            }
            _ => {
                if let Err(e) = well_formed(&out) {
                    panic!("{fmt:?} is not well-formed XML: {e}\n{out}");
                }
            }
        }
        let parsed = feed_rs::parser::parse(out.as_bytes())
            .unwrap_or_else(|e| panic!("{fmt:?} does not re-parse with feed-rs: {e}\n{out}"));
        assert_eq!(parsed.entries.len(), 1, "{fmt:?}");
        assert_fields(fmt, &parsed.entries[0], &item, &out);
    }
}

/// What a reader must see for a plain-text field: the characters XML forbids dropped, whitespace runs
/// folded to one space, the ends trimmed (the feeds' documented rule for one-line text).
fn expected_line(s: &str) -> String {
    let kept: String = s.chars().filter(|c| xml_char(*c)).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The XML 1.0 `Char` production, written out here as the independent oracle.
fn xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Checks that the one entry feed-rs read back from `fmt` carries the item's fields.
fn assert_fields(fmt: FeedFormat, entry: &feed_rs::model::Entry, item: &FeedItem, out: &str) {
    let title = match expected_line(&item.title) {
        t if t.is_empty() => "(无标题)".to_owned(),
        t => t,
    };
    assert_eq!(entry.id, item.guid, "{fmt:?} id\n{out}");
    assert_eq!(
        entry.title.as_ref().map(|t| t.content.as_str()),
        Some(title.as_str()),
        "{fmt:?} title\n{out}"
    );
    // Compared as URLs: feed-rs resolves the link (`/%2E` is the path `/`), as a reader would.
    let as_url = |s: &str| {
        url::Url::parse(s)
            .map(String::from)
            .unwrap_or_else(|_| s.to_owned())
    };
    let links: Vec<String> = entry.links.iter().map(|l| as_url(&l.href)).collect();
    assert!(
        links.contains(&as_url(&item.link)),
        "{fmt:?} link {:?} not in {links:?}\n{out}",
        item.link
    );
    let mut authors: Vec<String> = item
        .authors
        .iter()
        .map(|a| expected_line(a))
        .filter(|a| !a.is_empty())
        .collect();
    // No feed carries a feed-level author, so an item without a byline has none in any format (a JSON
    // Feed or Atom reader would otherwise show the feed's as the item's). RSS carries every author in one
    // `dc:creator`, joined with 、 (readers such as newsboat show only the last of repeated ones).
    if fmt == FeedFormat::Rss && authors.len() > 1 {
        authors = vec![authors.join("、")];
    }
    let got: Vec<&str> = entry
        .authors
        .iter()
        .map(|p| p.name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(got, authors, "{fmt:?} authors\n{out}");
    let content = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .unwrap_or_default();
    let want: String = item.content_html.chars().filter(|c| xml_char(*c)).collect();
    // Whitespace at the ends of an HTML body is insignificant, and feed-rs trims it for Atom.
    assert_eq!(content.trim(), want.trim(), "{fmt:?} content\n{out}");
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The proptest configuration: the environment's case count (`PROPTEST_CASES`), no persistence file, and a
/// seed that is printed and can be replayed with `UNIONWIRE_TEST_SEED`.
fn seeded(test: &str) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(crate::support::test_seed(test)),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(seeded("T25"))]

    #[test]
    fn t25_bytes_decode_extract_never_panics(bytes in bytes_or_markup()) {
        decode_and_extract(&bytes);
    }

    #[test]
    fn t25_bytes_feed_parse_model_never_panics(bytes in bytes_or_markup()) {
        parse_feed_to_model(&bytes);
    }

    #[test]
    fn t25_sanitize_render_reparse_round_trips(
        title in "\\PC{0,40}|[\\u{0}-\\u{1f}\\u{fffe}\\u{ffff}\\]>&<]{0,10}",
        authors in prop::collection::vec("\\PC{0,20}", 0..4),
        body in markup(),
        tail in "\\PC{0,10}",
    ) {
        sanitize_render_reparse(&title, &authors, &body, &tail);
    }
}

#[test]
fn t25_fixture_seeds_go_through_every_path() {
    let mut n = 0;
    for dir in ["feeds", "people", "acftu", "hanweb"] {
        let Ok(entries) = std::fs::read_dir(crate::support::fixture(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(bytes) = std::fs::read(e.path()) else {
                continue;
            };
            decode_and_extract(&bytes);
            parse_feed_to_model(&bytes);
            // Truncations are what a dropped connection would hand over.
            for cut in [bytes.len() / 3, bytes.len() / 2] {
                decode_and_extract(&bytes[..cut]);
                parse_feed_to_model(&bytes[..cut]);
            }
            n += 1;
        }
    }
    eprintln!("T25 {n} fixture seeds (whole, 1/3, 1/2) through paths 1 and 2");
    assert!(n > 0, "no fixtures found");
}
