//! Integration tests: clean — the pinyin mirror seed, the spam tail, negatives that must stay untouched,
//! markup safety of mirror repair on raw HTML, XSS payloads through the sanitiser, and property tests.

use proptest::prelude::*;
use regex::Regex;
use unionwire::clean::{
    clean_article, clean_title, comparison_text, is_pinyin_mirror, is_spam_block, normalize_text,
    repair_mirror, sanitize_html, to_simplified,
};
use unionwire::model::{Article, Flag};

use super::support;

fn seed() -> String {
    let path = support::data("seeds/000_72cd3a6619c5879e.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("seed {}: {e}", path.display()))
}

fn non_empty_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// A `(` followed by a tone-marked pinyin syllable: what must never survive a repair.
fn pinyin_left(text: &str) -> Vec<String> {
    let re = Regex::new(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]* ?[)）]").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_owned()).collect()
}

/// The characters the seed annotates, in their Traditional form (those that t2s changes).
fn annotated_traditional(seed: &str) -> Vec<char> {
    let re = Regex::new(r"(\p{Han})\(").unwrap();
    let mut out: Vec<char> = re
        .captures_iter(seed)
        .filter_map(|c| c[1].chars().next())
        .filter(|c| to_simplified(&c.to_string()) != c.to_string())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[test]
fn seed_is_detected_as_a_pinyin_mirror() {
    assert!(is_pinyin_mirror(&seed()));
}

#[test]
fn seed_repair_restores_title_author_and_source() {
    let r = repair_mirror(&seed());
    let lines = non_empty_lines(&r.text);
    assert_eq!(lines[0], "中国共产党新闻网>>中国工会新闻");
    assert_eq!(lines[1], "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动");
    assert_eq!(lines[2], "黄洪涛");
    assert!(lines[3].contains("来源:工人日报客户端"), "{}", lines[3]);
    assert!(lines[3].starts_with("2024年09月27日11:01"));
}

#[test]
fn seed_repair_leaves_no_pinyin_and_no_annotated_traditional_characters() {
    let s = seed();
    let r = repair_mirror(&s);
    assert_eq!(pinyin_left(&r.text), Vec::<String>::new());
    let traditional = annotated_traditional(&s);
    assert!(
        traditional.len() > 50,
        "expected the seed's annotated set, got {traditional:?}"
    );
    let left: Vec<char> = traditional
        .into_iter()
        .filter(|c| r.text.contains(*c))
        .collect();
    assert!(left.is_empty(), "traditional characters left: {left:?}");
    // The split 擴 in `注重?cái)U(kuò)展` is rebuilt from its surviving byte.
    assert!(r.text.contains("注重扩展赛道"));
}

#[test]
fn seed_editor_line_marks_the_lost_name_character_and_reports_degraded() {
    let r = repair_mirror(&seed());
    assert!(r.degraded);
    let editor = non_empty_lines(&r.text)
        .into_iter()
        .find(|l| l.starts_with("(责编:"))
        .expect("editor line");
    assert!(editor.starts_with("(责编:闫涵、张"), "{editor}");
    assert!(editor.ends_with('\u{FFFD}'), "{editor}");
}

#[test]
fn seed_county_tail_is_a_spam_block() {
    let s = seed();
    let tail = non_empty_lines(&s)
        .last()
        .copied()
        .expect("tail")
        .to_owned();
    assert!(tail.starts_with("岚皋县|"));
    assert!(is_spam_block(&tail));
    // No other line of the seed is a spam block.
    let r = repair_mirror(&s);
    let spam: Vec<&str> = non_empty_lines(&r.text)
        .into_iter()
        .filter(|l| is_spam_block(l))
        .collect();
    assert_eq!(spam.len(), 1);
}

#[test]
fn seed_as_an_article_is_cleaned_and_flagged() {
    let s = seed();
    let lines = non_empty_lines(&s);
    let mut a = Article {
        title: lines[1].to_owned(),
        authors: vec![lines[2].to_owned()],
        paragraphs: lines[4..].iter().map(|l| (*l).to_owned()).collect(),
        ..Article::default()
    };
    clean_article(&mut a);
    assert_eq!(a.title, "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动");
    assert_eq!(a.authors, vec!["黄洪涛".to_owned()]);
    let last = a.paragraphs.last().expect("paragraphs");
    assert!(last.starts_with("(责编:闫涵、张"), "{last}");
    assert!(!a.paragraphs.iter().any(|p| p.contains("岚皋县")));
    assert_eq!(pinyin_left(&a.body_text()), Vec::<String>::new());
    for f in [
        Flag::PinyinMirror,
        Flag::Degraded,
        Flag::SpamRemoved,
        Flag::SpamMirror,
    ] {
        assert!(a.has_flag(f), "missing {f:?} in {:?}", a.flags);
    }
    let once = a.clone();
    clean_article(&mut a);
    assert_eq!(a, once);
}

#[test]
fn mirror_and_its_repair_compare_equal() {
    let s = seed();
    let repaired = repair_mirror(&s).text;
    let c = comparison_text(&s);
    assert_eq!(c, comparison_text(&repaired));
    assert!(c.starts_with("中国共产党新闻网中国工会新闻江苏工会重点抓好四赛"));
    assert!(!c.contains("岚皋县"));
    assert!(!c.contains('\u{FFFD}'));
}

#[test]
fn simplified_variant_with_spaces_and_emoji_is_repaired() {
    let r = repair_mirror("劳动(dòng )者(🍢)");
    assert_eq!(r.text, "劳动者");
    assert!(!r.degraded);
    let r = repair_mirror("小驿站传递大温暖。户外劳动(dòng )者(🍢)“吃饭难、如厕难”");
    assert_eq!(r.text, "小驿站传递大温暖。户外劳动者“吃饭难、如厕难”");
}

#[test]
fn legitimate_parentheses_are_left_unchanged() {
    for text in [
        "中国(China)",
        "（2024）",
        "APP(app)",
        "第3期(上)",
        "中国(China)在（2024）年推出APP(app)第3期(上)。",
    ] {
        assert!(!is_pinyin_mirror(text), "{text}");
        let r = repair_mirror(text);
        assert_eq!(r.text, text);
        assert!(!r.degraded);
    }
}

#[test]
fn real_traditional_prose_is_not_a_mirror() {
    let text =
        "中華全國總工會近日召開會議，部署今年職工技能競賽工作。會議要求各級工會加強組織領導，\
                推動競賽活動與時俱進。臺灣同胞也參加了交流活動。";
    assert!(!is_pinyin_mirror(text));
    assert!(!is_spam_block(text));
}

#[test]
fn a_paragraph_listing_three_cities_survives() {
    let p = "南京市、苏州市和无锡市总工会联合举办职工技能大赛，来自三市的200多名职工参赛。";
    assert!(!is_spam_block(p));
    assert!(!is_spam_block("南京市|苏州市|无锡市"));
    let mut a = Article {
        title: "三市联合举办职工技能大赛".into(),
        paragraphs: vec![p.into()],
        ..Article::default()
    };
    clean_article(&mut a);
    assert_eq!(a.paragraphs, vec![p.to_owned()]);
    assert!(a.flags.is_empty());
}

/// A stuffed county list as spam mirrors append it.
const STUFFED: &str = "岚皋县| 秦皇岛市| 怀安县| 札达县| 彩票| 夏津县| 汉寿县| 阿尔山市|";

fn article_of(paragraphs: &[&str]) -> Article {
    Article {
        title: "职工之歌".into(),
        paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
        ..Article::default()
    }
}

#[test]
fn an_ordinary_pages_repeated_paragraph_is_kept() {
    // A song's refrain, printed twice in a row as the page shows it: text, not a copy.
    let refrain = "咱们工人有力量！嘿！咱们工人有力量！";
    let paragraphs = [
        "每天每日工作忙，盖成了高楼大厦，修起了铁路煤矿。",
        refrain,
        refrain,
        "改造得世界变呀么变了样！",
    ];
    let mut a = article_of(&paragraphs);
    clean_article(&mut a);
    assert_eq!(a.paragraphs, paragraphs.map(str::to_owned).to_vec());
    assert!(a.flags.is_empty(), "{:?}", a.flags);
    // The same at the very end, where a stuffed tail is looked for.
    let mut a = article_of(&paragraphs[..3]);
    clean_article(&mut a);
    assert_eq!(a.paragraphs.len(), 3, "{:?}", a.paragraphs);
}

#[test]
fn a_repeat_left_adjacent_by_removed_spam_collapses() {
    let p = "市总工会举办职工技能大赛，来自全市的200多名职工参赛。";
    let q = "大赛设置了电工、焊工等六个工种。";
    // A stuffed block between two copies of one paragraph.
    let mut a = article_of(&[p, STUFFED, p, q]);
    clean_article(&mut a);
    assert_eq!(a.paragraphs, vec![p.to_owned(), q.to_owned()]);
    assert!(a.has_flag(Flag::SpamRemoved));
    // A stuffed line inside the first copy, after its text.
    let first = format!("{p}\n{STUFFED}");
    let mut a = article_of(&[&first, p, q]);
    clean_article(&mut a);
    assert_eq!(a.paragraphs, vec![p.to_owned(), q.to_owned()]);
    // A stuffed tail glued to the last copy.
    let last = format!("{p}{STUFFED}");
    let mut a = article_of(&[q, p, &last]);
    clean_article(&mut a);
    assert_eq!(a.paragraphs, vec![q.to_owned(), p.to_owned()]);
    // A lost-character `?` line between the copies.
    let mut a = article_of(&[p, "???", p]);
    clean_article(&mut a);
    assert_eq!(a.paragraphs, vec![p.to_owned()]);
    // Only the copy across the spam goes: two copies that were already adjacent on the page stay.
    let mut a = article_of(&[p, STUFFED, p, p, q]);
    clean_article(&mut a);
    assert_eq!(a.paragraphs, vec![p.to_owned(), p.to_owned(), q.to_owned()]);
}

#[test]
fn a_mirror_copys_duplicated_paragraph_collapses() {
    let p = "市总工会举办职工技能大赛，来自全市的200多名职工参赛。";
    let q = "大赛设置了电工、焊工等六个工种。";
    for flag in [Flag::PinyinMirror, Flag::SpamMirror] {
        let mut a = article_of(&[p, p, q, q]);
        a.flag(flag);
        clean_article(&mut a);
        assert_eq!(a.paragraphs, vec![p.to_owned(), q.to_owned()], "{flag:?}");
    }
    // The seed, a real mirror copy, with one of its paragraphs doubled as mirror tools do.
    let s = seed();
    let lines = non_empty_lines(&s);
    let mut doubled: Vec<String> = lines[4..].iter().map(|l| (*l).to_owned()).collect();
    doubled.insert(1, doubled[0].clone());
    let mut once = Article {
        title: lines[1].to_owned(),
        paragraphs: lines[4..].iter().map(|l| (*l).to_owned()).collect(),
        ..Article::default()
    };
    let mut twice = Article {
        paragraphs: doubled,
        ..once.clone()
    };
    clean_article(&mut once);
    clean_article(&mut twice);
    assert!(twice.has_flag(Flag::PinyinMirror));
    assert_eq!(twice.paragraphs, once.paragraphs);
}

#[test]
fn titles_lose_site_suffixes_and_stuffed_segments() {
    assert_eq!(
        clean_title("某某工会开展职工技能比赛--中国工会新闻--人民网"),
        "某某工会开展职工技能比赛"
    );
    assert_eq!(
        clean_title("职工书屋建到工地上-工人日报-中工网"),
        "职工书屋建到工地上"
    );
    assert_eq!(
        clean_title("亚洲国产精品_江苏工会重点抓好“四赛”_欧美日韩在线视频"),
        "江苏工会重点抓好“四赛”"
    );
    assert_eq!(
        clean_title("  2024-2025年度 职工运动会 "),
        "2024-2025年度 职工运动会"
    );
}

#[test]
fn normalize_text_collapses_whitespace_and_trims_indentation() {
    assert_eq!(
        normalize_text("\u{3000}\u{3000}职工 \t 书屋\u{A0}"),
        "职工 书屋"
    );
}

fn html_tags(text: &str) -> Vec<String> {
    let re = Regex::new(r"(?s)<!--.*?-->|<[^>]*>").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_owned()).collect()
}

fn raw_block(text: &str, tag: &str) -> String {
    let re = Regex::new(&format!(r"(?s)<{tag}[^>]*>(.*?)</{tag}>")).unwrap();
    re.captures(text)
        .map(|c| c[1].to_owned())
        .unwrap_or_default()
}

#[test]
fn repairing_raw_html_leaves_markup_byte_identical() {
    let page = support::fixture_text("clean/mirror_page.html");
    assert!(is_pinyin_mirror(&page));
    let r = repair_mirror(&page);
    assert!(r.degraded);
    let before = html_tags(&page);
    let after = html_tags(&r.text);
    assert_eq!(before.len(), after.len());
    // Only human-readable attribute values may change: the description meta and the image's alt text.
    let allowed = [
        (
            r#"<meta name="description" content="江蘇工會(huì)重點(diǎn)抓好“四賽”">"#,
            r#"<meta name="description" content="江苏工会重点抓好“四赛”">"#,
        ),
        (
            r#"<img src="/img/a.jpg?w=1&amp;h=2" alt="勞動(dòng)者(🍢)">"#,
            r#"<img src="/img/a.jpg?w=1&amp;h=2" alt="劳动者">"#,
        ),
    ];
    for (b, a) in before.iter().zip(&after) {
        if b != a {
            assert!(
                allowed.iter().any(|(x, y)| x == b && y == a),
                "markup changed:\n  {b}\n  {a}"
            );
        }
    }
    for raw in ["script", "style"] {
        assert_eq!(
            raw_block(&page, raw),
            raw_block(&r.text, raw),
            "{raw} changed"
        );
    }
    assert!(r.text.contains(r#"href="/搜索?關(guān)=1""#));
    assert!(r
        .text
        .contains("<title>亚洲国产精品_江苏工会重点抓好“四赛”_欧美日韩在线视频</title>"));
    assert!(r
        .text
        .contains("<h1>江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动</h1>"));
    assert!(r.text.contains(r##"来源:<a href="#">工人日报客户端</a>"##));
    assert!(r.text.contains("近年来,各级工会注重扩展赛道。"));
    assert!(r.text.contains("活动(China) APP(app) 第3期(上)（2024）"));
    assert!(r
        .text
        .contains("<div class=\"edit\">(责编:闫涵、张\u{FFFD}\u{FFFD}</div>"));
    assert!(r.text.contains("<!-- 中國(guó) comment stays -->"));
}

#[test]
fn repair_of_plain_ascii_html_is_identity() {
    let page = r#"<html><body onload="x()"><a href="/a?b=1&c=2">a ? b</a><script>if(a<b){}</script></body></html>"#;
    assert_eq!(repair_mirror(page).text, page);
}

fn base() -> url::Url {
    url::Url::parse("http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html").unwrap()
}

#[test]
fn sanitizer_strips_script_and_event_handlers() {
    let out = sanitize_html(
        r#"<p onclick="alert(1)">正文<script>alert(1)</script></p><img src=x onerror="alert(1)"><style>p{}</style>"#,
        &base(),
    );
    assert!(!out.contains("script"), "{out}");
    assert!(!out.contains("alert"), "{out}");
    assert!(!out.contains("onerror"), "{out}");
    assert!(!out.contains("onclick"), "{out}");
    assert!(!out.contains("<style"), "{out}");
    assert!(out.contains("<p>正文</p>"), "{out}");
    assert!(
        out.contains(r#"<img src="http://acftu.people.com.cn/n1/2024/0927/x">"#),
        "{out}"
    );
}

#[test]
fn sanitizer_refuses_dangerous_urls() {
    let payloads = [
        r#"<a href="javascript:alert(1)">x</a>"#,
        r#"<a href="JaVaScRiPt:alert(1)">x</a>"#,
        r#"<a href="java&#x09;script:alert(1)">x</a>"#,
        r#"<a href=" javascript:alert(1)">x</a>"#,
        r#"<img src="data:image/svg+xml;base64,PHN2Zz4=">"#,
        r#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#,
        r#"<img src="/ok.jpg" srcset="javascript:alert(1) 1x, data:image/png;base64,AA 2x">"#,
        r#"<a href="vbscript:msgbox(1)">x</a>"#,
    ];
    for p in payloads {
        let out = sanitize_html(p, &base()).to_lowercase();
        for bad in ["javascript", "data:", "vbscript", "srcset", "script"] {
            assert!(!out.contains(bad), "{p} -> {out}");
        }
    }
}

#[test]
fn sanitizer_drops_svg_mathml_and_iframes_with_their_content() {
    let payloads = [
        r#"<svg><style><img src=x onerror=alert(1)></style></svg>"#,
        r#"<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>"#,
        r#"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"#,
        r#"<math href="javascript:alert(1)">x</math>"#,
        r#"<iframe src="javascript:alert(1)"></iframe>"#,
        r#"<noscript><p title="</noscript><img src=x onerror=alert(1)>">"#,
        r#"<form action="javascript:alert(1)"><button>x</button></form>"#,
    ];
    for p in payloads {
        let out = sanitize_html(p, &base()).to_lowercase();
        for bad in [
            "<svg",
            "<math",
            "<iframe",
            "<style",
            "onerror",
            "javascript",
            "<form",
            "alert",
        ] {
            assert!(!out.contains(bad), "{p} -> {out}");
        }
    }
}

#[test]
fn sanitizer_keeps_structure_and_makes_links_absolute() {
    let out = sanitize_html(
        r#"<h2>小标题</h2><p>见<a href="../0926/c67502-1.html" target="_blank" rel="opener">上文</a>和<a href="mailto:x@example.com">来信</a></p>
<figure><img src="/img/a.jpg" alt="图"><figcaption>图注</figcaption></figure>
<table><thead><tr><th>项目</th></tr></thead><tbody><tr><td colspan="2" style="color:red">1</td></tr></tbody></table>
<ul><li>一</li></ul><blockquote>引文</blockquote><div class="x"><span>包裹</span></div>"#,
        &base(),
    );
    assert!(out.contains(
        r#"<a href="http://acftu.people.com.cn/n1/2024/0926/c67502-1.html" rel="noopener noreferrer">上文</a>"#
    ), "{out}");
    assert!(
        out.contains(r#"<a href="mailto:x@example.com" rel="noopener noreferrer">来信</a>"#),
        "{out}"
    );
    assert!(
        out.contains(r#"<img src="http://acftu.people.com.cn/img/a.jpg" alt="图">"#),
        "{out}"
    );
    assert!(out.contains("<figcaption>图注</figcaption>"), "{out}");
    assert!(out.contains(r#"<td colspan="2">1</td>"#), "{out}");
    assert!(out.contains("<h2>小标题</h2>"));
    assert!(out.contains("<li>一</li>"));
    assert!(out.contains("<blockquote>引文</blockquote>"));
    assert!(
        out.contains("包裹") && !out.contains("<div") && !out.contains("<span"),
        "{out}"
    );
    assert!(
        !out.contains("target=") && !out.contains("opener\""),
        "{out}"
    );
}

/// Strings built from the pieces that matter here: Han (Traditional and Simplified), pinyin, parens, `?`,
/// separators, tags, emoji, whitespace, place names and spam words.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "中",
        "國",
        "國(guó)",
        "(guó)",
        "guó)",
        "日?qǐng)?bào)",
        "?cái)U(kuò)",
        "張?chǎng)?",
        "?",
        "??",
        "(",
        ")",
        "（",
        "）",
        "(de)",
        "(men)",
        "(🍢)",
        "🍢",
        "\u{FE0F}",
        "|",
        "｜",
        "_",
        "-",
        "--",
        "。",
        "，",
        " ",
        "\u{3000}",
        "\u{A0}",
        "\n",
        "<",
        ">",
        "<p>",
        "</p>",
        "<a href=\"?\">",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "\"",
        "'",
        "=",
        "岚皋县",
        "秦皇岛市",
        "彩票",
        "收藏",
        "亚洲",
        "国产",
        "人民网",
        "\u{FFFD}",
        "\u{200B}",
        "a",
        "Z",
        "1",
        "é",
        "ü",
        "\u{0301}",
        "𠀀",
        "\u{D7FF}",
        "\u{10FFFF}",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn article_strategy() -> impl Strategy<Value = Article> {
    (
        tricky_text(),
        prop::option::of(tricky_text()),
        prop::collection::vec(tricky_text(), 0..4),
        prop::collection::vec(tricky_text(), 0..8),
        prop::option::of(tricky_text()),
        any::<bool>(),
    )
        .prop_map(|(title, subtitle, authors, paragraphs, source, mirror)| {
            let mut a = Article {
                title,
                subtitle,
                authors,
                paragraphs,
                source,
                ..Article::default()
            };
            if mirror {
                a.flag(Flag::PinyinMirror);
            }
            a
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nothing_panics_on_arbitrary_strings(s in any::<String>(), t in tricky_text()) {
        for text in [&s, &t] {
            let _ = is_pinyin_mirror(text);
            let _ = repair_mirror(text);
            let _ = is_spam_block(text);
            let _ = clean_title(text);
            let _ = normalize_text(text);
            let _ = to_simplified(text);
            let _ = comparison_text(text);
            let _ = sanitize_html(text, &base());
        }
    }

    #[test]
    fn repair_never_changes_a_text_without_han_or_annotations(s in "[ -~]{0,200}") {
        prop_assert_eq!(repair_mirror(&s).text, s);
    }

    #[test]
    fn normalize_text_is_idempotent(t in tricky_text()) {
        let once = normalize_text(&t);
        prop_assert_eq!(normalize_text(&once), once);
    }

    #[test]
    fn clean_title_is_idempotent(t in tricky_text()) {
        let once = clean_title(&t);
        prop_assert_eq!(clean_title(&once), once);
    }

    #[test]
    fn clean_article_is_idempotent(a in article_strategy()) {
        let mut once = a.clone();
        clean_article(&mut once);
        let mut twice = once.clone();
        clean_article(&mut twice);
        prop_assert_eq!(twice, once);
    }
}
