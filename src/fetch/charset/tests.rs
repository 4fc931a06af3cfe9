use super::*;

#[test]
fn meta_http_equiv_gb2312_decodes_as_gb18030() {
    let (bytes, _, _) = GBK.encode("工会新闻");
    let mut page =
        b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
            .to_vec();
    page.extend_from_slice(&bytes);
    let d = decode(&page, Some("text/html"), Some("www.example.org"));
    assert_eq!(d.encoding, GB18030);
    assert!(d.text.ends_with("工会新闻"));
}

#[test]
fn content_language_utf8_is_ignored() {
    let (bytes, _, _) = GBK.encode("中国工会");
    let mut page =
        b"<meta http-equiv=\"Content-Language\" content=\"utf-8\" /><meta charset='GBK'>".to_vec();
    page.extend_from_slice(&bytes);
    let d = decode(&page, None, None);
    assert_eq!(d.encoding, GB18030);
    assert!(d.text.ends_with("中国工会"));
}

#[test]
fn charset_param_variants() {
    assert_eq!(
        charset_param("text/html; Charset=\"GB2312\"").as_deref(),
        Some("GB2312")
    );
    assert_eq!(charset_param("text/html"), None);
    assert_eq!(charset_param("text/html; charset="), None);
}

#[test]
fn comments_hide_meta() {
    let page = b"<!-- <meta charset=gbk> --><meta charset=windows-1252>";
    assert_eq!(prescan_meta(page), Some(WINDOWS_1252));
}

#[test]
fn ascii_falls_back_by_host() {
    let d = decode(b"<p>hello</p>", None, Some("acftu.people.com.cn"));
    assert_eq!(d.encoding, GB18030);
    let d = decode(b"<p>hello</p>", None, Some("www.workercn.cn"));
    assert_eq!(d.encoding, UTF_8);
}

/// An undeclared GBK page of about `kib` KiB: an ASCII head, then Chinese paragraphs.
fn undeclared_gbk_page(kib: usize) -> Vec<u8> {
    let mut html = String::from("<html><head><title>t</title></head><body>\n");
    let mut i = 0;
    // UTF-8 spends 3 bytes per Chinese character, GBK 2: aim at `kib` KiB once encoded.
    while html.len() < kib * 1024 * 3 / 2 {
        i += 1;
        html.push_str(&format!(
            "<p>第{i}段：全国总工会部署职工技能大赛，切实维护职工合法权益。</p>\n"
        ));
    }
    html.push_str("</body></html>");
    GBK.encode(&html).0.into_owned()
}

#[test]
fn detection_reads_a_prefix_but_decodes_the_whole_body() {
    let page = undeclared_gbk_page(40);
    assert!(page.len() > 2 * DETECT_BYTES, "{}", page.len());
    let prefix = detection_prefix(&page);
    assert!(prefix.len() <= DETECT_BYTES && prefix.len() >= DETECT_BYTES / 2);
    assert_eq!(page.get(prefix.len()), Some(&b'<'), "cut before a tag");
    let d = decode(&page, Some("text/html"), Some("www.example.cn"));
    assert_eq!(d.encoding, GB18030);
    assert!(
        d.text.ends_with("。</p>\n</body></html>"),
        "decoded to the end"
    );
    assert!(!d.text.contains('\u{FFFD}'));
    assert_eq!(detect(&page, None, None).1, Source::Detected);
}

#[test]
fn a_long_ascii_head_makes_the_detector_read_further() {
    // 40 KB of inline script before any Chinese: the 16 KB prefix holds no non-ASCII byte, so the
    // detector reads on until it has enough (here: the whole page).
    let mut page = b"<html><head><script>\n".to_vec();
    while page.len() < 40 * 1024 {
        page.extend_from_slice(b"var a = [1, 2, 3]; function f(x) { return x + 1; }\n");
    }
    page.extend_from_slice(b"</script></head><body>\n");
    page.extend_from_slice(&undeclared_gbk_page(6));
    let prefix = detection_prefix(&page);
    assert!(
        prefix.iter().filter(|b| !b.is_ascii()).count() >= DETECT_MIN_NON_ASCII
            || prefix.len() == page.len()
    );
    assert_eq!(decode(&page, None, Some("example.cn")).encoding, GB18030);
}

#[test]
fn short_bodies_are_fed_whole() {
    let page = undeclared_gbk_page(8);
    assert_eq!(detection_prefix(&page).len(), page.len());
    assert_eq!(detection_prefix(b"").len(), 0);
}

#[test]
fn decode_bytes_agrees_with_decode() {
    let gbk = undeclared_gbk_page(20);
    let inputs: Vec<(Vec<u8>, Option<&str>)> = vec![
        (
            "<p>工会</p>".as_bytes().to_vec(),
            Some("text/html; charset=utf-8"),
        ),
        (b"\xEF\xBB\xBF<p>BOM \xE5\xB7\xA5</p>".to_vec(), None),
        (
            b"<p>broken \xE5\xB7 utf-8 \xFF</p>".to_vec(),
            Some("text/html; charset=utf-8"),
        ),
        (gbk, None),
        (b"<meta charset=gbk><p>\xB9\xA4\xBB\xE1</p>".to_vec(), None),
        (Vec::new(), None),
    ];
    for (bytes, ct) in inputs {
        let by_ref = decode(&bytes, ct, Some("example.cn"));
        let by_value = decode_bytes(Bytes::from(bytes.clone()), ct, Some("example.cn"));
        assert_eq!(by_ref, by_value, "{:?}", String::from_utf8_lossy(&bytes));
    }
}

/// What chardetng says after reading the whole body (the detection step without the UTF-8 check).
fn chardetng_whole(bytes: &[u8], tld: &str) -> Option<&'static Encoding> {
    let mut d = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    d.feed(bytes, true)
        .then(|| widen(d.guess(Some(tld.as_bytes()), chardetng::Utf8Detection::Allow)))
}

#[test]
fn the_utf8_check_gives_chardetngs_answer() {
    let long_ascii_head = format!("<html>{}<p>工会新闻</p>", "<div>ascii</div>".repeat(4000));
    let cases: Vec<Vec<u8>> = vec![
        "<p>全国总工会召开会议，部署职工服务工作。</p>"
            .repeat(200)
            .into_bytes(),
        long_ascii_head.into_bytes(),
        "<p>Café crème, naïve résumé</p>".as_bytes().to_vec(),
        "<p>Ελληνικά και русский текст</p>".as_bytes().to_vec(),
        "<p>日本語のテキスト 和 한국어</p>".as_bytes().to_vec(),
        "<p>emoji 🎉 only</p>".as_bytes().to_vec(),
    ];
    for bytes in cases {
        for (host, tld) in [
            ("example.cn", "cn"),
            ("example.com", "com"),
            ("example.ru", "ru"),
        ] {
            let (enc, source, _) = detect(&bytes, None, Some(host));
            assert_eq!(source, Source::Detected);
            assert_eq!(Some(enc), chardetng_whole(&bytes, tld), "{host}");
        }
    }
    // All ASCII: chardetng has nothing to judge, so the host decides, as before.
    let ascii = b"<html><p>plain ascii</p></html>".repeat(100);
    assert_eq!(chardetng_whole(&ascii, "cn"), None);
    assert_eq!(
        detect(&ascii, None, Some("acftu.people.com.cn")).1,
        Source::Fallback
    );
}

#[test]
fn odd_inputs_never_panic() {
    for input in [
        &b""[..],
        b"<",
        b"<meta",
        b"<meta charset=\"",
        b"<?xml encoding=",
        b"<?xml version='1.0' encoding='utf-16'?>",
        b"<!--",
        b"\xFF\xFE",
        b"<meta http-equiv=content-type content='charset='>",
    ] {
        let _ = decode(input, Some("text/html; charset"), Some("ÄÖ.例子"));
        let _ = decode(input, None, Some("1.2.3.4"));
    }
}
