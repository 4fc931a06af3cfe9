//! Fuzz path 2: bytes → feed parse (feed-rs) → our model (entry → article → clean).
#![no_main]

use libfuzzer_sys::fuzz_target;
use unionwire::extract::feed;

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("http://news.test/feed.xml").expect("constant url");
    let _ = feed::decode_feed(data);
    if let Ok(entries) = feed::parse_feed(data, &base) {
        for e in &entries {
            let _ = feed::is_summary_only(e);
            let mut a = feed::entry_article(e);
            unionwire::crawl::finish_article(&mut a);
        }
    }
});
