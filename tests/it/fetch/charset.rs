//! The charset matrix: BOM, HTTP header, `<meta>`, `<meta>` after 1024 bytes, GBK bytes made at test
//! time, GB18030 four-byte sequences, windows-1252, invalid UTF-8, and the people.com.cn quirks; and
//! declared charsets that lie (`gb2312` on UTF-8 pages, `utf-8` on GBK bytes, Big5 behind `gb2312`), which
//! give way to what the bytes support (`charset_mismatch`), and pages that still decode badly (`degraded`).

use axum::http::header;
use axum::routing::get;
use encoding_rs::{BIG5, GB18030, GBK, UTF_16LE, UTF_8, WINDOWS_1252};
use unionwire::fetch::charset::{decode, decode_bytes, detect, gb2312_share, Source};
use unionwire::fetch::Request;
use unionwire::model::Flag;

use super::{fetcher, serve_logged, test_config, url};

const TEXT: &str = "全国总工会召开会议，部署职工服务工作。工人日报记者报道。";

fn gbk(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = GBK.encode(s);
    assert!(!unmappable, "test text must be GBK-encodable");
    bytes.into_owned()
}

#[test]
fn utf8_bom_beats_a_contradicting_header() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(TEXT.as_bytes());
    let d = decode(&bytes, Some("text/html; charset=gbk"), None);
    assert_eq!(d.encoding, UTF_8);
    assert_eq!(d.text, TEXT);
}

#[test]
fn utf16le_bom_is_honoured() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "工会 news".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let d = decode(&bytes, None, None);
    assert_eq!(d.encoding, UTF_16LE);
    assert_eq!(d.text, "工会 news");
}

#[test]
fn http_charset_gb2312_decodes_gbk_bytes_as_gb18030() {
    let bytes = gbk(TEXT);
    for label in ["gb2312", "GBK", "x-gbk", "\"GB2312\""] {
        let d = decode(&bytes, Some(&format!("text/html; charset={label}")), None);
        assert_eq!(d.encoding, GB18030, "label {label}");
        assert_eq!(d.text, TEXT);
    }
}

#[test]
fn meta_http_equiv_is_read_when_the_header_has_no_charset() {
    let mut page = br#"<html><head><meta http-equiv="content-type" content="text/html;charset=GB2312"/><title>"#
        .to_vec();
    page.extend_from_slice(&gbk(TEXT));
    page.extend_from_slice(b"</title>");
    let (enc, source, _) = detect(&page, Some("text/html"), Some("acftu.people.com.cn"));
    assert_eq!((enc, source), (GB18030, Source::Meta));
    assert!(decode(&page, Some("text/html"), None).text.contains(TEXT));
}

#[test]
fn meta_charset_attribute_is_read() {
    let mut page = b"<!doctype html><meta charset=\"gbk\">".to_vec();
    page.extend_from_slice(&gbk(TEXT));
    let d = decode(&page, None, None);
    assert_eq!(d.encoding, GB18030);
    assert!(d.text.ends_with(TEXT));
}

#[test]
fn contradictory_content_language_meta_is_ignored() {
    // The 2021 people.cn template: a Content-Language meta whose content is a charset name.
    let mut page = br#"<meta http-equiv="Content-Language" content="utf-8" /><meta http-equiv="content-type" content="text/html;charset=GB2312"/>"#
        .to_vec();
    page.extend_from_slice(&gbk(TEXT));
    let d = decode(&page, None, Some("opinion.people.com.cn"));
    assert_eq!(d.encoding, GB18030);
    assert!(d.text.ends_with(TEXT));
}

#[test]
fn meta_after_the_first_1024_bytes_is_not_read() {
    // A windows-1252 meta placed past the prescan window must lose to detection of the GBK body.
    let mut page = b"<html><head><!--".to_vec();
    page.extend(std::iter::repeat_n(b'x', 1100));
    page.extend_from_slice(b"--><meta charset=\"windows-1252\"></head><body><p>");
    for _ in 0..4 {
        page.extend_from_slice(&gbk(TEXT));
    }
    let (enc, source, _) = detect(&page, Some("text/html"), Some("www.acftu.org.cn"));
    assert_eq!(source, Source::Detected);
    assert_eq!(enc, GB18030);
    assert!(decode(&page, None, Some("www.acftu.org.cn"))
        .text
        .contains(TEXT));
}

#[test]
fn gb18030_four_byte_sequences_decode_under_a_gbk_label() {
    // U+20000 is outside GBK: GB18030 encodes it in four bytes.
    let text = "𠀀工会€·—";
    let (bytes, _, unmappable) = GB18030.encode(text);
    assert!(!unmappable);
    assert!(
        bytes.len() > text.chars().count() * 2,
        "expects four-byte sequences"
    );
    let d = decode(&bytes, Some("text/html; charset=gbk"), None);
    assert_eq!(d.text, text);
    assert!(!d.text.contains('\u{FFFD}'));
}

#[test]
fn windows_1252_from_header_and_from_detection() {
    let text = "Le café crème, déjà vu: naïve résumé façade à Noël, où garçon était très fâché.";
    let (bytes, _, _) = WINDOWS_1252.encode(text);
    let d = decode(&bytes, Some("text/html; charset=windows-1252"), None);
    assert_eq!(d.text, text);
    // "iso-8859-1" is a WHATWG label of windows-1252.
    let d = decode(&bytes, Some("text/html; charset=iso-8859-1"), None);
    assert_eq!(d.encoding, WINDOWS_1252);
    let (enc, source, _) = detect(&bytes, None, Some("www.example.fr"));
    assert_eq!((enc, source), (WINDOWS_1252, Source::Detected));
    assert_eq!(decode(&bytes, None, Some("www.example.fr")).text, text);
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let bytes = b"<p>ok \xFF\xFE\xE5\xB7 end</p>";
    let d = decode(bytes, Some("text/html; charset=utf-8"), None);
    assert_eq!(d.encoding, UTF_8);
    assert!(d.text.starts_with("<p>ok "));
    assert!(d.text.ends_with(" end</p>"));
    assert!(d.text.contains('\u{FFFD}'));
}

#[test]
fn latin1_bytes_under_a_utf8_header_follow_the_header() {
    let (bytes, _, _) = WINDOWS_1252.encode("café");
    let d = decode(&bytes, Some("text/html; charset=utf-8"), None);
    assert_eq!(d.text, "caf\u{FFFD}");
}

#[test]
fn undeclared_gbk_is_detected_and_ascii_falls_back_by_host() {
    let bytes = gbk(TEXT);
    let (enc, source, _) = detect(&bytes, Some("text/html"), Some("acftu.people.com.cn"));
    assert_eq!((enc, source), (GB18030, Source::Detected));
    assert_eq!(decode(&bytes, None, Some("acftu.people.com.cn")).text, TEXT);

    let ascii = b"<html><body>hello</body></html>";
    let (enc, source, _) = detect(ascii, None, Some("www.people.com.cn"));
    assert_eq!((enc, source), (GB18030, Source::Fallback));
    let (enc, source, _) = detect(ascii, None, Some("www.workercn.cn"));
    assert_eq!((enc, source), (UTF_8, Source::Fallback));
}

#[test]
fn xml_declaration_names_the_feed_encoding() {
    let mut feed = br#"<?xml version="1.0" encoding="gb2312"?><rss><channel><title>"#.to_vec();
    feed.extend_from_slice(&gbk("工会新闻"));
    feed.extend_from_slice(b"</title></channel></rss>");
    let (enc, source, _) = detect(&feed, Some("application/rss+xml"), None);
    assert_eq!((enc, source), (GB18030, Source::XmlDeclaration));
    assert!(decode(&feed, None, None).text.contains("工会新闻"));
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed: u32 = 12345;
    for len in 0..400usize {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let b = (seed >> 16) as u8;
                // Mix in markup so the prescan paths run.
                match b % 7 {
                    0 => b'<',
                    1 => b'=',
                    2 => b'"',
                    _ => b,
                }
            })
            .collect();
        let _ = decode(
            &bytes,
            Some("text/html; charset=bogus"),
            Some("X.people.com.cn"),
        );
        let _ = decode(&bytes, None, Some("例子.测试"));
    }
}

#[tokio::test]
async fn response_decode_uses_the_header_from_the_wire() {
    let body = gbk(TEXT);
    let router = axum::Router::new().route(
        "/gbk",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=GB2312")], body) }
        }),
    );
    let (server, _log) = serve_logged([127, 0, 0, 1], router).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let resp = f
        .get(&Request::html(url(&server.url("/gbk"))))
        .await
        .unwrap();
    let d = resp.decode();
    assert_eq!(d.encoding, GB18030);
    assert_eq!(d.text, TEXT);
}

/// A Chinese article page of `paragraphs` paragraphs with `head` in its `<head>`.
fn article_page(head: &str, paragraphs: usize) -> String {
    let mut html = format!(
        "<html><head>{head}<title>江苏工会重点抓好“四赛”</title></head><body><h1>江苏工会重点抓好“四赛”</h1>\n"
    );
    for i in 0..paragraphs {
        html.push_str(&format!(
            "<p>第{i}段：9月24日，江苏省总工会在镇江举办全省工会“安康杯”竞赛推进会，提出重点抓好“四赛”，推动竞赛向中小微企业延伸。</p>\n"
        ));
    }
    html.push_str("</body></html>");
    html
}

const GB2312_META: &str = r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#;

#[test]
fn a_gb2312_declaration_on_a_utf8_page_is_overruled_by_the_bytes() {
    let page = article_page(GB2312_META, 6);
    // Declared in the page, in the HTTP header, or both; by reference and by value.
    for ct in [None, Some("text/html; charset=GB2312"), Some("text/html")] {
        let d = decode(page.as_bytes(), ct, Some("www.example.cn"));
        assert_eq!(d.encoding, UTF_8, "{ct:?}");
        assert_eq!(d.text, page, "{ct:?}: decoded as UTF-8, byte for byte");
        assert!(d.charset_mismatch && !d.degraded, "{ct:?}");
        assert_eq!(d.flags(), vec![Flag::CharsetMismatch]);
        let by_value = decode_bytes(bytes::Bytes::from(page.clone()), ct, Some("www.example.cn"));
        assert_eq!(by_value, d, "{ct:?}");
    }
    // The same declaration over real GBK bytes is honest: no flag.
    let gbk_page = gbk(&page);
    let d = decode(&gbk_page, None, Some("www.example.cn"));
    assert_eq!((d.encoding, d.text.as_str()), (GB18030, page.as_str()));
    assert!(!d.charset_mismatch && !d.degraded);
    assert!(d.flags().is_empty());
}

#[test]
fn a_single_stray_han_character_does_not_overrule_a_declaration() {
    // Valid UTF-8 with no Han text (an ASCII page with one accented word) keeps its declared charset.
    let page = format!("{GB2312_META}<p>caf\u{e9} only</p>");
    let d = decode(page.as_bytes(), None, None);
    assert_eq!(d.encoding, GB18030);
    assert!(!d.charset_mismatch);
}

#[test]
fn a_utf8_declaration_on_gbk_bytes_gives_way_to_the_bytes() {
    let page = article_page(r#"<meta charset="utf-8">"#, 6);
    let bytes = gbk(&page);
    let d = decode(
        &bytes,
        Some("text/html; charset=utf-8"),
        Some("www.example.cn"),
    );
    assert_eq!(d.encoding, GB18030);
    assert_eq!(d.text, page);
    assert!(d.charset_mismatch && !d.degraded);
    assert_eq!(
        decode_bytes(
            bytes::Bytes::from(bytes),
            Some("text/html; charset=utf-8"),
            Some("www.example.cn")
        ),
        d
    );
}

#[test]
fn big5_bytes_behind_a_gb2312_declaration_are_implausible_and_read_as_big5() {
    let traditional = "全國總工會召開會議，部署職工服務工作。各級工會要切實維護職工合法權益，\
        推動構建和諧勞動關係，做好困難職工幫扶和新就業形態勞動者服務。";
    let page = format!("{GB2312_META}<p>{}</p>", traditional.repeat(4));
    let (bytes, _, unmappable) = BIG5.encode(&page);
    assert!(!unmappable);
    // Read as GBK these bytes decode without a single U+FFFD, but into rare characters.
    let as_gbk = GB18030.decode_without_bom_handling(&bytes).0;
    assert!(!as_gbk.contains('\u{FFFD}'));
    assert!(
        gb2312_share(&bytes).unwrap() < 0.8,
        "{:?}",
        gb2312_share(&bytes)
    );
    assert!(gb2312_share(&gbk(&article_page("", 4))).unwrap() > 0.95);
    let d = decode(&bytes, None, Some("www.example.com.tw"));
    assert_eq!(d.encoding, BIG5);
    assert_eq!(d.text, page);
    assert!(d.charset_mismatch && !d.degraded);
}

#[test]
fn a_page_that_still_decodes_badly_is_degraded_not_passed_off_as_clean() {
    // GBK bytes with every fourth character's trail byte destroyed: no encoding reads them cleanly.
    let mut bytes = gbk(&article_page(GB2312_META, 6));
    let start = bytes.iter().position(|&b| b >= 0x80).unwrap();
    let mut i = start;
    let mut n = 0;
    while i + 1 < bytes.len() {
        if bytes[i] >= 0x81 {
            if n % 4 == 0 {
                bytes[i + 1] = 0x7F;
            }
            n += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    let d = decode(&bytes, None, Some("www.example.cn"));
    assert!(d.degraded, "{}", &d.text[..200]);
    assert!(d.flags().contains(&Flag::Degraded));
    assert!(d.text.contains('\u{FFFD}'));
    // A couple of broken bytes in an otherwise clean page are tolerated (real pages have them).
    let mut few = gbk(&article_page(GB2312_META, 6));
    let at = few.len() / 2;
    let at = at + few[at..].iter().position(|&b| b >= 0x81).unwrap();
    few[at + 1] = 0x7F;
    let d = decode(&few, None, Some("www.example.cn"));
    assert!(!d.degraded && !d.charset_mismatch);
    assert_eq!(d.encoding, GB18030);
}

#[tokio::test]
async fn fetch_flags_a_gb2312_labelled_utf8_page_and_extracts_it_clean() {
    let page = article_page(GB2312_META, 4);
    let router = axum::Router::new().route(
        "/n1/2024/0927/c67502-40320000.html",
        get(move || {
            let page = page.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=GB2312")], page) }
        }),
    );
    let (server, _log) = serve_logged([127, 0, 0, 1], router).await;
    let u = server.url("/n1/2024/0927/c67502-40320000.html");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_unionwire"))
            .args(["fetch", "--json", "--no-pages", &u])
            .env_remove("UNIONWIRE_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["encoding"], "UTF-8");
    assert_eq!(v["title"], "江苏工会重点抓好“四赛”");
    assert!(v["paragraphs"][0]
        .as_str()
        .unwrap()
        .starts_with("第0段：9月24日，江苏省总工会"));
    let flags: Vec<&str> = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(flags.contains(&"charset_mismatch"), "{flags:?}");
    assert!(!flags.contains(&"degraded"), "{flags:?}");
}

#[test]
fn a_few_latin1_bytes_on_a_utf8_page_do_not_turn_it_into_windows_1252() {
    // Seen on real pages: UTF-8 text with umlauts throughout and a stray Latin-1 byte in a few alt texts.
    // Reading the whole page as windows-1252 would decode without a U+FFFD and garble every umlaut.
    let mut page = br#"<html><head><meta charset="utf-8"></head><body>"#.to_vec();
    for _ in 0..12 {
        page.extend_from_slice(
            "<p>So schön winterlich ist es, wie die Küche nach Äpfeln duftet.</p>".as_bytes(),
        );
    }
    for _ in 0..3 {
        page.extend_from_slice(b"<img alt=\"K\xFCchenblogs\">");
    }
    page.extend_from_slice(b"</body></html>");
    let d = decode(
        &page,
        Some("text/html; charset=utf-8"),
        Some("www.example.de"),
    );
    assert_eq!(d.encoding, UTF_8);
    assert!(d.text.contains("So schön winterlich"));
    assert!(!d.charset_mismatch && !d.degraded, "{:?}", d.flags());
}
