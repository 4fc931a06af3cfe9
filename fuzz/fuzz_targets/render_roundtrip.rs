//! Fuzz path 3: article fields → sanitise → RSS/Atom/JSON Feed render → re-parse (strict XML, JSON,
//! feed-rs). The input is split on 0xFF into title, author and body HTML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unionwire::publish::{is_xml_char, FeedFormat, FeedItem, FeedMeta};

fn well_formed(xml: &str) -> bool {
    if !xml.chars().all(is_xml_char) {
        return false;
    }
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0xff).map(String::from_utf8_lossy);
    let title = parts.next().unwrap_or_default().into_owned();
    let author = parts.next().unwrap_or_default().into_owned();
    let body = parts.next().unwrap_or_default().into_owned();
    let base = url::Url::parse("http://news.test/a/1.html").expect("constant url");
    let item = FeedItem {
        guid: "urn:unionwire:story:00000000000000000000000000000001".to_owned(),
        title: title.clone(),
        link: base.to_string(),
        authors: vec![author.clone()],
        summary: body.clone(),
        content_html: unionwire::clean::sanitize_html(&body, &base),
        source: Some(author),
        category: Some(title),
        ..FeedItem::default()
    };
    let meta = FeedMeta {
        title: "unionwire".to_owned(),
        description: "fuzz".to_owned(),
        home_url: url::Url::parse("http://feeds.test/").expect("constant url"),
        self_url: url::Url::parse("http://feeds.test/feeds/all.rss").expect("constant url"),
        ttl_minutes: 30,
        updated: None,
    };
    for fmt in [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json] {
        let out = fmt.render(&meta, std::slice::from_ref(&item));
        match fmt {
            FeedFormat::Json => assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok()),
            _ => assert!(well_formed(&out), "{fmt:?} not well-formed:\n{out}"),
        }
        let parsed = feed_rs::parser::parse(out.as_bytes()).expect("our own feed re-parses");
        assert_eq!(parsed.entries.len(), 1);
    }
});
