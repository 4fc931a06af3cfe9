//! T25 in the normal test run: the three fuzzed paths (the cargo-fuzz targets in `fuzz/`) driven by
//! proptest with arbitrary bytes and with markup-shaped input. `scripts/fuzz.sh` runs the same properties with
//! many more cases (`PROPTEST_CASES`) and the cargo-fuzz targets for a bounded time. Findings become plain
//! regression tests at the end of this file.
//!
//! 1. bytes → charset decode → article extraction (and clean);
//! 2. bytes → feed parse → our model (entry → article → clean);
//! 3. article → sanitise → RSS/Atom/JSON render → re-parse (strict XML, JSON, feed-rs).

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
fn sanitize_render_reparse(title: &str, author: &str, body: &str, link_tail: &str) {
    let base = page_url();
    let content = unionwire::clean::sanitize_html(body, &base);
    let item = FeedItem {
        guid: format!("urn:unionwire:story:{:032x}", title.len()),
        title: title.to_owned(),
        link: format!("http://news.test/{}", urlencode(link_tail)),
        authors: vec![author.to_owned()],
        summary: body.to_owned(),
        content_html: content,
        source: Some(author.to_owned()),
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
    }
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

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
        author in "\\PC{0,20}",
        body in markup(),
        tail in "\\PC{0,10}",
    ) {
        sanitize_render_reparse(&title, &author, &body, &tail);
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
