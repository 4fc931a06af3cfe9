//! T16–T18: hostile feeds, hostile pages, hostile markup for republishing. Each parse runs on a thread with
//! the default 2 MiB stack and its peak heap is measured on that thread. T19 (RSS output is valid XML,
//! proptest) and T20 (conditional GET matrix) live in `publish::render` and `publish::server`.
//! `clean::sanitizer_*` cover the basic sanitizer cases; here: the XSS/mXSS corpus and idempotence.

use std::time::{Duration, Instant};

use unionwire::extract::{extract_article, feed::parse_feed, ExtractError};

use super::{mib, peak_heap};
use crate::support::faultd::Faultd;
use crate::support::HANG;

/// Peak heap one hostile page or feed may take while it is parsed and extracted.
const HEAP_BOUND: u64 = 64 << 20;

/// Runs `f` on a fresh thread with a 2 MiB stack (the default for spawned threads) and returns its output,
/// the wall time and the peak heap of that thread. Panics if the thread panics or overflows its stack, and
/// stops waiting after [`HANG`] (a parser that loops), naming `what`.
fn on_small_stack<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> (T, Duration, u64) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let t = Instant::now();
            let (out, peak) = peak_heap(f);
            let _ = tx.send((out, t.elapsed(), peak));
        })
        .expect("spawn parser thread");
    match rx.recv_timeout(HANG) {
        Ok(out) => {
            worker.join().expect("the parser thread ends");
            out
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let _ = worker.join();
            panic!("{what}: the parser thread panicked or overflowed its stack")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still parsing after {HANG:?}: the parser loops or hangs")
        }
    }
}

fn base() -> url::Url {
    url::Url::parse("http://news.test/feed.xml").unwrap()
}

fn rss(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>http://news.test/</link>\
         <description>d</description>{items}</channel></rss>"
    )
}

fn item(title: &str, body: &str) -> String {
    format!(
        "<item><title>{title}</title><link>http://news.test/a/1.html</link><description>{body}</description></item>"
    )
}

/// Every text an entry carries, for looking for leaked expansions.
fn all_text(e: &unionwire::extract::feed::Entry) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        e.title,
        e.summary.clone().unwrap_or_default(),
        e.content_html.clone().unwrap_or_default(),
        e.authors.join(" ")
    )
}

#[test]
fn t16_hostile_xml_feeds_parse_or_fail_without_expanding_anything() {
    let dtd = std::thread::spawn(|| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let srv = rt.block_on(Faultd::start());
        (srv, rt)
    })
    .join()
    .unwrap();
    let (dtd_srv, _rt) = dtd;
    let mut laughs = String::from("<!DOCTYPE rss [<!ENTITY lol \"lol\">");
    for level in 1..=9 {
        let prev = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        laughs.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    laughs.push_str("]>");
    let nested = format!("{}{}", "<x>".repeat(100_000), "</x>".repeat(100_000));
    let mut attrs =
        String::from("<item><title>attrs</title><link>http://news.test/a/1.html</link><x ");
    for i in 0..1_000_000 {
        attrs.push_str(&format!("a{i}=\"1\" "));
    }
    attrs.push_str("/></item>");
    let cases: Vec<(&str, String)> = vec![
        (
            "billion laughs",
            format!(
                "<?xml version=\"1.0\"?>{laughs}<rss version=\"2.0\"><channel><title>t</title>{}</channel></rss>",
                item("&lol9;", "&lol9;")
            ),
        ),
        (
            "xxe",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
                 <rss version=\"2.0\"><channel><title>t</title>{}</channel></rss>",
                item("&xxe;", "&xxe;")
            ),
        ),
        (
            "external dtd",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"{}\">\
                 <rss version=\"2.0\"><channel><title>t</title>{}</channel></rss>",
                dtd_srv.url("/evil.dtd"),
                item("dtd", "dtd")
            ),
        ),
        ("100,000 nested elements", rss(&format!("<item><title>deep</title>{nested}</item>"))),
        ("1,000,000 attributes", rss(&attrs)),
        ("control character", rss(&item("工会\u{13}新闻", "正文\u{1}内容"))),
        ("huge char ref", rss(&item("&#44444444401;", "&#xFFFFFFFFFF;"))),
        ("9 MiB text node", rss(&item("big", &"工".repeat(3 << 20)))),
    ];
    for (name, doc) in cases {
        let len = doc.len();
        let (result, took, peak) =
            on_small_stack(name, move || parse_feed(doc.as_bytes(), &base()));
        let summary = match &result {
            Ok(entries) => format!("{} entries", entries.len()),
            Err(e) => format!("error: {e}"),
        };
        eprintln!(
            "T16 {name}: {len} B in, {summary}, {took:?}, peak heap {:.2} MiB",
            mib(peak)
        );
        assert!(peak < HEAP_BOUND, "{name}: peak heap {peak} B over 64 MiB");
        match name {
            "1,000,000 attributes" => assert!(
                matches!(result, Err(ExtractError::TooManyAttributes { .. })),
                "{name}: {summary}"
            ),
            "100,000 nested elements" => assert!(
                matches!(result, Err(ExtractError::TooDeep { .. })),
                "{name}: {summary}"
            ),
            // An invalid character reference may fail the parse; it must not panic or expand.
            "huge char ref" => {}
            _ => assert!(result.is_ok(), "{name}: {summary}"),
        }
        if let Ok(entries) = result {
            for e in &entries {
                let text = all_text(e);
                assert!(!text.contains("root:"), "{name}: file content leaked");
                assert!(!text.contains("lollol"), "{name}: entities expanded");
                assert!(
                    !text
                        .chars()
                        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
                    "{name}: control characters kept: {:?}",
                    e.title
                );
            }
        }
    }
    assert_eq!(
        dtd_srv.connections(),
        0,
        "the external DTD was never fetched"
    );
}

#[test]
fn t17_hostile_html_articles_do_not_overflow_or_hang() {
    let url = url::Url::parse("http://news.test/a/1.html").unwrap();
    let big_text = "工".repeat((5 << 20) / 3);
    // A real article paragraph: long enough that an extractor keeps it as body text.
    let para = "全国总工会近日召开会议，部署职工技能提升、劳动保护和困难职工帮扶等重点工作，要求各级工会组织\
                切实维护职工合法权益，把服务送到一线。";
    // (case, page, the title it must extract, the text its body must carry, or `None` where the text lies
    // past the tree walkers' depth guard and the body must come back empty and flagged `empty_body`)
    let cases: Vec<(&str, String, &str, Option<String>)> = vec![
        (
            "50,000 nested div",
            format!(
                "<html><head><title>深</title></head><body>{}<p>{para}</p>{}</body></html>",
                "<div>".repeat(50_000),
                "</div>".repeat(50_000)
            ),
            "深",
            Some(para.to_owned()),
        ),
        (
            "20,000 nested <ul><li>",
            format!(
                "<html><head><title>列表</title></head><body>{}{para}</body></html>",
                "<ul><li>".repeat(20_000)
            ),
            "列表",
            // `li` does not count as nesting when the source is flattened (it closes implicitly), but the
            // tree builder puts each `ul` inside the previous `li`: the text ends up over 400 levels deep.
            None,
        ),
        (
            "40,000 <a><i> pairs",
            format!(
                "<html><head><title>嵌套</title></head><body>{}<p>{para}</p></body></html>",
                "<a><i>".repeat(40_000)
            ),
            "嵌套",
            Some(para.to_owned()),
        ),
        (
            "5 MiB text node",
            format!("<html><head><title>长</title></head><body><p>{big_text}</p></body></html>"),
            "长",
            Some(big_text.clone()),
        ),
        (
            "100,000 script tags",
            format!(
                "<html><head><title>脚本</title></head><body>{}<p>{para}</p></body></html>",
                "<script>var a=1;</script>".repeat(100_000)
            ),
            "脚本",
            Some(para.to_owned()),
        ),
    ];
    for (name, html, title, body) in cases {
        let len = html.len();
        let u = url.clone();
        let (result, took, peak) = on_small_stack(name, move || {
            extract_article(&html, &u, None).map(|x| x.article)
        });
        eprintln!(
            "T17 {name}: {len} B, {:?} in {took:?}, peak heap {:.1} MiB",
            result
                .as_ref()
                .map(|a| (&a.title, a.paragraphs.len(), &a.flags))
                .map_err(ToString::to_string),
            mib(peak)
        );
        let article = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(article.title, title, "{name}: the title");
        let text = article.paragraphs.concat();
        match body {
            Some(body) => assert!(
                text.contains(&body),
                "{name}: the body text is extracted: {} chars: {:?}",
                text.chars().count(),
                text.chars().take(80).collect::<String>()
            ),
            None => assert!(
                text.is_empty() && article.has_flag(unionwire::model::Flag::EmptyBody),
                "{name}: an unreachable body is empty and flagged, never guessed: {:?} {:?}",
                text.chars().take(80).collect::<String>(),
                article.flags
            ),
        }
        assert!(!text.contains("var a=1"), "{name}: script text in the body");
        assert!(peak < HEAP_BOUND, "{name}: peak heap {:.1} MiB", mib(peak));
    }
}

#[test]
fn t17_hostile_markup_through_the_sanitiser_does_not_overflow() {
    let cases: Vec<(&str, String)> = vec![
        ("50,000 nested div", "<div>".repeat(50_000) + "正文"),
        ("20,000 nested <ul><li>", "<ul><li>".repeat(20_000) + "正文"),
        (
            "40,000 <a><i> pairs",
            "<a href=\"/x\"><i>".repeat(40_000) + "正文",
        ),
        (
            "100,000 nested blockquote",
            "<blockquote>".repeat(100_000) + "正文",
        ),
    ];
    for (name, html) in cases {
        let len = html.len();
        let (out, took, peak) = on_small_stack(name, move || {
            let base = url::Url::parse("http://news.test/a/1.html").unwrap();
            unionwire::clean::sanitize_html(&html, &base)
        });
        eprintln!(
            "T17 sanitise {name}: {len} B → {} B in {took:?}, peak heap {:.1} MiB",
            out.len(),
            mib(peak)
        );
        assert!(out.contains("正文"), "{name}: the text survives");
        assert!(peak < HEAP_BOUND, "{name}: peak heap {:.1} MiB", mib(peak));
    }
}

/// XSS and mXSS payloads (Miniflux sanitizer tests, CVE-2023-27592, FreshRSS #8797, ammonia advisories).
const XSS: &[&str] = &[
    "<script>alert(1)</script><p>ok</p>",
    "<img src=x onerror=alert(1)>",
    "<img srcset=\"http:a<script>alert(1)</script>\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"java&#x09;script:alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><annotation-xml encoding=\"text/html\"><style><img src=x onerror=alert(1)></style></annotation-xml></math>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<iframe src=\"http://evil.test/\"></iframe>",
    "<form action=\"http://evil.test/\"><input name=q></form>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<a href=\"http://evil.test/\" target=\"_blank\">new tab</a>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<div onclick=\"alert(1)\" onmouseover=alert(1)>x</div>",
    "<base href=\"http://evil.test/\"><meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
    "<table><td><svg><desc><style><img src=x onerror=alert(1)>",
    "<img src=\"http://news.test/a.png\" alt=\"<script>x</script>\">",
];

fn assert_inert(input: &str, out: &str) {
    let lower = out.to_ascii_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "data:",
        "<svg",
        "<math",
        "<style",
        "<iframe",
        "<form",
        "<object",
        "<embed",
        "<base",
        "<meta",
        "<noscript",
        "onerror",
        "onclick",
        "onmouseover",
        "style=",
    ] {
        assert!(!lower.contains(bad), "{input:?} → {out:?} contains {bad}");
    }
    if lower.contains("<a ") {
        assert!(
            lower.contains("noopener") && lower.contains("noreferrer"),
            "{input:?} → {out:?}: link without rel=noopener noreferrer"
        );
    }
}

#[test]
fn t18_republished_html_is_inert_and_sanitising_is_idempotent() {
    let base = url::Url::parse("http://news.test/a/1.html").unwrap();
    for input in XSS {
        let once = unionwire::clean::sanitize_html(input, &base);
        assert_inert(input, &once);
        let twice = unionwire::clean::sanitize_html(&once, &base);
        assert_eq!(twice, once, "mXSS round trip changed {input:?}");
    }
    eprintln!(
        "T18 {} payloads inert, sanitize idempotent on all",
        XSS.len()
    );
}
