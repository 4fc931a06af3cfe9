//! Fuzz path 1: bytes → charset decode (three declared charsets) → article extraction → clean.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("http://news.test/n1/2025/0601/c1-2.html").expect("constant url");
    for ct in [None, Some("text/html; charset=gbk"), Some("text/html; charset=utf-8")] {
        let d = unionwire::fetch::charset::decode(data, ct, Some("news.test"));
        if let Ok(x) = unionwire::extract::extract_article(&d.text, &url, None) {
            let mut a = x.article;
            unionwire::crawl::finish_article(&mut a);
        }
    }
});
