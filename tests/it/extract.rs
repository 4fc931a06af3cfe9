//! Integration tests: extract (site profiles, generic extraction, Chinese metadata, listings,
//! Hanweb, e-paper, feeds) over the fixtures in `tests/fixtures/{people,workercn,hanweb,acftu,mirror,feeds}`.

use proptest::prelude::*;
use scraper::Selector;
use unionwire::extract::{
    self, epaper, feed, hanweb, listing_links, merge_pages, next_listing_page, Profiles,
};
use unionwire::model::Flag;
use url::Url;

use crate::support::{fixture, fixture_text};

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

/// Extracts a fixture with the profile chosen for `u`.
fn extract_at(rel: &str, u: &str) -> extract::Extracted {
    let u = url(u);
    let profile = Profiles::builtin().for_url(&u);
    extract::extract_article(&fixture_text(rel), &u, profile).unwrap()
}

/// Encodes UTF-8 fixture text as GBK bytes and decodes it back as a GB2312-labelled page would be.
fn through_gbk(text: &str) -> String {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "fixture text must be GBK-encodable");
    let label = encoding_rs::Encoding::for_label(b"gb2312").unwrap();
    let (decoded, _, malformed) = label.decode(&bytes);
    assert!(!malformed);
    decoded.into_owned()
}

const PEOPLE_ART: &str = "http://acftu.people.com.cn/n1/2024/0927/c67502-40320010.html";
const SEED_ART: &str = "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html";

// ---------- F1: people.cn listing ----------

#[test]
fn people_listing_links_are_absolute_deduplicated_and_dated() {
    let html = through_gbk(&fixture_text("people/list_index.html"));
    let base = url("http://acftu.people.com.cn/GB/67502/index.html");
    let sel = Selector::parse("div.ej_list_box li").unwrap();
    let links = listing_links(&html, &base, &sel, None);
    let got: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        got,
        vec![
            "http://acftu.people.com.cn/n1/2024/0927/c67502-40320001.html",
            "http://acftu.people.com.cn/n1/2024/0927/c67502-40320002.html",
            "http://acftu.people.com.cn/n1/2024/0926/c67502-40320003.html",
            "http://acftu.people.com.cn/n1/2024/0926/c67502-40320004.html",
            "http://acftu.people.com.cn/n1/2024/0925/c67502-40320005.html",
        ]
    );
    assert_eq!(
        links[0].title.as_deref(),
        Some("江苏工会重点抓好“四赛”深入推进“安康杯”竞赛")
    );
    assert_eq!(
        links[2].date.map(|d| d.to_string()).as_deref(),
        Some("2024-09-26")
    );
    assert!(links.iter().all(|l| l.date.is_some()));
}

#[test]
fn people_listing_pattern_filters_links() {
    let html = fixture_text("people/list_index.html");
    let base = url("http://acftu.people.com.cn/GB/67502/index.html");
    let sel = Selector::parse("a").unwrap();
    let pat = regex::Regex::new(r"/n1/\d{4}/\d{4}/c67502-\d+\.html$").unwrap();
    let links = listing_links(&html, &base, &sel, Some(&pat));
    assert_eq!(
        links.len(),
        5,
        "nav, pager and footer links are filtered out"
    );
}

#[test]
fn people_listing_pagination_stops_on_the_last_page() {
    let base = url("http://acftu.people.com.cn/GB/67502/index.html");
    let next = next_listing_page(&fixture_text("people/list_index.html"), &base).unwrap();
    assert_eq!(
        next.as_str(),
        "http://acftu.people.com.cn/GB/67502/index2.html"
    );
    assert_eq!(
        next_listing_page(&fixture_text("people/list_index2.html"), &next),
        None
    );
}

#[test]
fn people_listing_native_ids_come_from_the_url() {
    let a = extract_at("people/box01.html", SEED_ART).article;
    assert!(a
        .native_ids
        .contains(&("contentid".to_string(), "40320000".to_string())));
    assert!(a
        .native_ids
        .contains(&("catalog".to_string(), "67502".to_string())));
}

// ---------- F2: people.cn rm_txt ----------

#[test]
fn people_rm_txt_article_gbk_round_trip() {
    let html = through_gbk(&fixture_text("people/rm_txt.html"));
    let u = url(PEOPLE_ART);
    let e = extract::extract_article(&html, &u, Profiles::builtin().for_url(&u)).unwrap();
    let a = e.article;
    assert_eq!(a.profile, "people");
    assert_eq!(a.title, "某某工会开展职工技能比赛");
    assert_eq!(a.lead_title.as_deref(), Some("赛技能 促发展"));
    assert_eq!(a.subtitle, None);
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T11:01:00+08:00"
    );
    assert_eq!(a.source.as_deref(), Some("工人日报客户端"));
    assert_eq!(a.authors, vec!["王磊", "李卓尔"]);
    assert_eq!(a.editors, vec!["闫涵", "张鑫"]);
    assert!(a.encoding.is_empty());
    let prose: Vec<&String> = a
        .paragraphs
        .iter()
        .filter(|p| p.chars().count() > 20)
        .collect();
    assert_eq!(prose.len(), 4, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[0].starts_with("9月24日，某某市总工会"));
    let body = a.body_text();
    for noise in [
        "showPlayer",
        "分享",
        "责编",
        "工人日报 》",
        "相关新闻",
        "版 权",
        "职工技能大赛启动",
        "今天是",
    ] {
        assert!(!body.contains(noise), "body contains {noise:?}: {body}");
    }
    assert_eq!(
        a.images,
        vec!["http://acftu.people.com.cn/NMediaFile/2024/0927/MAIN202409271101000001.jpg"]
    );
    assert!(a
        .native_ids
        .contains(&("contentid".to_string(), "40320010".to_string())));
    assert!(a
        .native_ids
        .contains(&("catalog".to_string(), "67502".to_string())));
    assert!(!a.has_flag(Flag::GenericFallback));
    assert!(e.next_pages.is_empty());
}

#[test]
fn numeric_meta_author_is_never_a_name() {
    let html = fixture_text("people/rm_txt.html").replace("本报记者  王  磊  李卓尔", "");
    let u = url(PEOPLE_ART);
    let a = extract::extract_article(&html, &u, Profiles::builtin().for_url(&u))
        .unwrap()
        .article;
    assert!(a.authors.iter().all(|x| x != "104665"), "{:?}", a.authors);
}

// ---------- F3: people.cn 党网 / 2010s variants ----------

fn assert_seed_article(a: &unionwire::model::Article) {
    assert_seed_article_from(a, "工人日报客户端");
}

/// The seed article's fields, with the 来源 as the page wrote it.
fn assert_seed_article_from(a: &unionwire::model::Article, source: &str) {
    assert_eq!(a.title, "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动");
    assert_eq!(a.authors, vec!["黄洪涛"]);
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T11:01:00+08:00"
    );
    assert_eq!(a.source.as_deref(), Some(source));
    assert_eq!(a.editors, vec!["闫涵", "张鑫"]);
    assert!(
        a.paragraphs[0].starts_with("9月24日，江苏省总工会在镇江举办"),
        "{:?}",
        a.paragraphs
    );
    assert!(!a.body_text().contains("责编"));
}

#[test]
fn people_text_c_variant_with_nbsp_separator_and_full_width_parens() {
    let e = extract_at("people/text_c.html", SEED_ART);
    assert_seed_article(&e.article);
    assert_eq!(e.article.paragraphs.len(), 4);
    assert!(!e.article.body_text().contains("旧闻"));
}

#[test]
fn people_text_c_utf8_variant_with_newstime() {
    let e = extract_at("people/text_c_utf8.html", SEED_ART);
    assert_seed_article(&e.article);
    assert_eq!(e.article.paragraphs.len(), 4);
}

#[test]
fn people_box01_variant_lists_its_next_page() {
    let html = through_gbk(&fixture_text("people/box01.html"));
    let u = url(SEED_ART);
    let e = extract::extract_article(&html, &u, Profiles::builtin().for_url(&u)).unwrap();
    // The 来源 keeps the outlet and the channel as written (issue #14).
    assert_seed_article_from(&e.article, "人民网-工人日报客户端");
    assert_eq!(e.article.paragraphs.len(), 4);
    assert_eq!(
        e.next_pages.iter().map(Url::as_str).collect::<Vec<_>>(),
        vec!["http://acftu.people.com.cn/n1/2024/0927/c67502-40320000-2.html"]
    );
}

#[test]
fn multi_page_articles_merge_in_order_without_repeated_header() {
    let first = extract_at("people/box01.html", SEED_ART);
    let second = extract_at(
        "people/box01_p2.html",
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000-2.html",
    );
    assert_eq!(second.article.paragraphs.len(), 2);
    let merged = merge_pages(first.article.clone(), vec![second.article]);
    assert_eq!(merged.paragraphs.len(), 6);
    assert_eq!(&merged.paragraphs[..4], &first.article.paragraphs[..]);
    assert!(merged.paragraphs[4].starts_with("会议要求"));
    assert!(merged.has_flag(Flag::MultiPage));
    assert_eq!(merged.title, first.article.title);
    assert_eq!(merged.editors, vec!["闫涵", "张鑫"]);
}

#[test]
fn profile_misses_fall_back_to_generic_and_say_so() {
    // A people.cn page in a template no selector knows.
    let html = r#"<html><head><title>新模板文章--中国工会新闻--人民网</title></head><body>
        <div class="newlayout"><div class="headline">新模板文章标题</div>
        <div class="para-box"><p>第一段正文，内容较长，讲述了工会工作的具体做法和成效，职工群众普遍欢迎。</p>
        <p>第二段正文，继续介绍有关情况，以及下一步的工作打算和具体安排，内容充实。</p></div></div>
        </body></html>"#;
    let u = url(PEOPLE_ART);
    let a = extract::extract_article(html, &u, Profiles::builtin().for_url(&u))
        .unwrap()
        .article;
    assert!(a.has_flag(Flag::GenericFallback));
    assert_eq!(a.title, "新模板文章");
    assert_eq!(a.paragraphs.len(), 2, "{:?}", a.paragraphs);
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T00:00:00+08:00",
        "date from the URL"
    );
}

// ---------- F4: pinyin spam mirror ----------

#[test]
fn pinyin_mirror_is_repaired_and_extracted() {
    let pinyin = regex::Regex::new(r"\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)").unwrap();
    for rel in ["mirror/mirror.html", "mirror/mirror_links.html"] {
        let u = url("http://mirror.example/n1/2024/0927/c67502-40320000.html");
        let e = extract::extract_article(&fixture_text(rel), &u, Profiles::builtin().for_url(&u))
            .unwrap();
        let a = &e.article;
        assert_eq!(
            a.title, "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动",
            "{rel}"
        );
        assert_eq!(a.authors, vec!["黄洪涛"], "{rel}");
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2024-09-27T11:01:00+08:00",
            "{rel}"
        );
        assert_eq!(a.source.as_deref(), Some("工人日报客户端"), "{rel}");
        assert!(a.has_flag(Flag::PinyinMirror), "{rel}");
        let body = a.body_text();
        assert!(!pinyin.is_match(&body), "{rel}: pinyin left in {body}");
        for tail in ["岚皋县", "彩票", "秦皇岛市", "平定县"] {
            assert!(!body.contains(tail), "{rel}: county tail left: {tail}");
        }
        assert!(a.paragraphs.len() >= 6, "{rel}: {:?}", a.paragraphs);
        assert!(
            a.paragraphs[0].starts_with("9月24日,江苏省总工会"),
            "{rel}: {:?}",
            a.paragraphs[0]
        );
        assert!(!body.contains("来源"), "{rel}: header line left in body");
    }
}

#[test]
fn legitimate_parentheses_are_not_treated_as_a_mirror() {
    let html = "<html><head><title>中国(China)工会代表团出访--中国工会新闻--人民网</title></head><body><h1>中国(China)工会代表团出访</h1>\
        <div class=\"content\"><p>中国(China)工会代表团（2024）访问了多国工会组织，双方就职工权益保护交换了意见，并通过APP(app)发布了行程。</p>\
        <p>代表团表示，将继续加强交流合作，推动构建和谐劳动关系，增进各国职工之间的友谊与了解。</p></div></body></html>";
    let u = url("https://example.org/news/1.html");
    let a = extract::extract_article(html, &u, None).unwrap().article;
    assert!(!a.has_flag(Flag::PinyinMirror));
    assert!(
        a.paragraphs[0].contains("中国(China)工会代表团（2024）"),
        "{:?}",
        a.paragraphs
    );
    assert!(a.paragraphs[0].contains("APP(app)"));
}

// ---------- F5: workercn ----------

#[test]
fn workercn_article_generic_body_and_title_split() {
    let e = extract_at(
        "workercn/article.html",
        "https://www.workercn.cn/c/2024-09-27/8300000.shtml",
    );
    let a = e.article;
    assert_eq!(a.profile, "workercn");
    assert_eq!(a.title, "职工书屋建到工地上");
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T07:30:01+08:00"
    );
    assert_eq!(a.source.as_deref(), Some("工人日报"));
    assert_eq!(a.authors, vec!["张三"]);
    assert_eq!(a.editors, vec!["李四"]);
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
    let body = a.body_text();
    for noise in ["相关新闻", "流动图书馆", "Copyright", "首页", "责任编辑"] {
        assert!(!body.contains(noise), "{noise}: {body}");
    }
    assert_eq!(
        a.native_ids,
        vec![("workercn".to_string(), "8300000".to_string())]
    );
}

#[test]
fn workercn_generic_extraction_without_profile() {
    // Saved on a host no profile knows (on workercn.cn itself extraction chooses the workercn profile).
    let u = url("https://saved.example.org/c/2024-09-27/8300000.shtml");
    let a = extract::extract_article(&fixture_text("workercn/article.html"), &u, None)
        .unwrap()
        .article;
    assert_eq!(a.profile, "generic");
    assert_eq!(a.title, "职工书屋建到工地上");
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T07:30:01+08:00"
    );
}

#[test]
fn workercn_epaper_article() {
    let e = extract_at(
        "workercn/epaper_news.html",
        "https://www.workercn.cn/papers/grrb/2024/09/27/2/news-3.html",
    );
    let a = e.article;
    assert_eq!(a.profile, "workercn-epaper");
    assert_eq!(a.lead_title.as_deref(), Some("聚焦技能人才培养"));
    assert_eq!(a.title, "产业工人技能提升有了“加速度”");
    assert_eq!(
        a.subtitle.as_deref(),
        Some("多地工会搭建平台助力职工成长成才")
    );
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T00:00:00+08:00"
    );
    assert_eq!(a.source.as_deref(), Some("工人日报"));
    assert_eq!(a.paragraphs.len(), 4, "{:#?}", a.paragraphs);
    assert_eq!(a.authors, vec!["赵六"]);
    assert_eq!(
        a.images,
        vec!["https://www.workercn.cn/papers/images/2024-09/27/02/grrb2024092702_b.jpg"]
    );
}

#[test]
fn epaper_issue_pages_and_articles() {
    let root = url("https://www.workercn.cn/papers/grrb");
    let date = jiff::civil::date(2024, 9, 27);
    let issue = epaper::issue_url(&root, date);
    assert_eq!(
        issue.as_str(),
        "https://www.workercn.cn/papers/grrb/2024/09/27/1/page.html"
    );
    let html = fixture_text("workercn/epaper_page.html");
    let pages = epaper::page_links(&html, &issue);
    assert_eq!(pages.len(), 4);
    assert_eq!(
        pages[1].as_str(),
        "https://www.workercn.cn/papers/grrb/2024/09/27/2/page.html"
    );
    let arts = epaper::article_links(&html, &issue);
    assert_eq!(arts.len(), 6);
    assert_eq!(
        arts[2].url.as_str(),
        "https://www.workercn.cn/papers/grrb/2024/09/27/1/news-3.html"
    );
    assert_eq!(
        arts[2].title.as_deref(),
        Some("产业工人技能提升有了“加速度”")
    );
    assert_eq!(arts[2].date, Some(date));
}

// ---------- F6: Hanweb and TRS ----------

#[test]
fn hanweb_listing_embedded_records_and_jpage() {
    let base = url("https://www.jsgh.org/col/col3577/index.html?uid=18462&pageNum=1");
    let html = fixture_text("hanweb/list.html");
    let links = hanweb::embedded_links(&html, &base);
    assert_eq!(links.len(), 3);
    assert_eq!(
        links[0].url.as_str(),
        "https://www.jsgh.org/art/2024/9/27/art_3577_123456.html"
    );
    assert_eq!(
        links[0].title.as_deref(),
        Some("省总工会召开安康杯竞赛推进会")
    );
    assert_eq!(links[0].date, Some(jiff::civil::date(2024, 9, 27)));
    let j = hanweb::jpage(&html, &base).unwrap();
    assert_eq!(j.columnid, "3577");
    assert_eq!(j.unitid, "18462");
    assert_eq!(j.webid.as_deref(), Some("22"));
    assert_eq!(j.total_record, Some(45));
    assert_eq!(j.perpage, 15);
    let u = hanweb::dataproxy_url(&j, 2);
    assert_eq!(
        u.as_str(),
        "https://www.jsgh.org/module/web/jpage/dataproxy.jsp?page=2&appid=1&webid=22&path=%2F&columnid=3577&unitid=18462&permissiontype=0"
    );
}

#[test]
fn hanweb_dataproxy_answer() {
    let base = url("https://www.jsgh.org/module/web/jpage/dataproxy.jsp?page=2");
    let (links, total) =
        hanweb::parse_dataproxy(&fixture_text("hanweb/dataproxy_page2.xml"), &base);
    assert_eq!(total, Some(3));
    assert_eq!(links.len(), 2);
    assert_eq!(
        links[1].url.as_str(),
        "https://www.jsgh.org/art/2024/9/19/art_3577_123439.html"
    );
    assert_eq!(links[1].date, Some(jiff::civil::date(2024, 9, 19)));
}

#[test]
fn hanweb_article_meta_wins_over_decoy_dates() {
    let e = extract_at(
        "hanweb/article.html",
        "https://www.jsgh.org/art/2024/9/27/art_3577_123456.html",
    );
    let a = e.article;
    assert_eq!(a.profile, "hanweb");
    assert_eq!(a.title, "省总工会召开安康杯竞赛推进会");
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T10:30:00+08:00"
    );
    assert_eq!(a.source.as_deref(), Some("江苏省总工会"));
    assert_eq!(a.paragraphs.len(), 3);
    assert!(a
        .native_ids
        .contains(&("docid".to_string(), "123456".to_string())));
}

#[test]
fn trs_listing_and_pager() {
    let base = url("https://www.acftu.org/xwdt/ghyw/");
    let html = fixture_text("acftu/list.html");
    let sel = Selector::parse("div.list_box li").unwrap();
    let links = listing_links(&html, &base, &sel, None);
    assert_eq!(links.len(), 3);
    assert_eq!(
        links[0].url.as_str(),
        "https://www.acftu.org/xwdt/ghyw/202409/t20240927_999999.html"
    );
    assert_eq!(links[0].date, Some(jiff::civil::date(2024, 9, 27)));
    let next = next_listing_page(&html, &base).unwrap();
    assert_eq!(
        next.as_str(),
        "https://www.acftu.org/xwdt/ghyw/index_1.html"
    );
}

#[test]
fn trs_article() {
    let e = extract_at(
        "acftu/article.html",
        "https://www.acftu.org/xwdt/ghyw/202409/t20240927_999999.html",
    );
    let a = e.article;
    assert_eq!(a.profile, "trs");
    assert_eq!(a.title, "全总召开书记处会议");
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T16:20:00+08:00"
    );
    assert_eq!(a.source.as_deref(), Some("全总办公厅"));
    assert_eq!(a.paragraphs.len(), 3);
    assert!(a
        .native_ids
        .contains(&("docid".to_string(), "999999".to_string())));
}

#[test]
fn challenge_page_is_no_content_not_an_empty_article() {
    let u = url("https://www.acftu.org/xwdt/ghyw/");
    let r = extract::extract_article(&fixture_text("acftu/blocked412.html"), &u, None);
    assert!(
        matches!(r, Err(extract::ExtractError::NoContent { .. })),
        "{r:?}"
    );
}

// ---------- F7: feeds ----------

#[test]
fn feed_utf8_and_gb2312_give_the_same_entries() {
    let text = fixture_text("feeds/people_politics.xml");
    let base = url("http://www.people.com.cn/rss/politics.xml");
    let utf8 = feed::parse_feed(text.as_bytes(), &base).unwrap();
    let gb_text = text.replace(r#"encoding="utf-8""#, r#"encoding="gb2312""#);
    let (gb_bytes, _, unmappable) = encoding_rs::GBK.encode(&gb_text);
    assert!(!unmappable);
    let gb = feed::parse_feed(&gb_bytes, &base).unwrap();
    assert_eq!(utf8, gb);
    assert_eq!(utf8.len(), 2, "the entry without a link is skipped");
    assert_eq!(utf8[0].title, "全国总工会部署职工技能提升行动");
    assert_eq!(
        utf8[0].link.as_str(),
        "http://politics.people.com.cn/n1/2024/0927/c1001-40320101.html"
    );
    assert_eq!(
        utf8[0].published.unwrap().instant.to_string(),
        "2024-09-27T03:01:00Z"
    );
    assert!(feed::is_summary_only(&utf8[0]));
    assert!(!feed::is_summary_only(&utf8[1]));
    let a = feed::entry_article(&utf8[1]);
    assert_eq!(a.profile, "feed");
    assert_eq!(a.paragraphs.len(), 3);
    assert_eq!(a.url, utf8[1].link.as_str());
}

/// Every input feed-rs's own fixtures hold (`tests/data/feed-rs-fixtures`), each with feed-rs's snapshot
/// of it. Ours must parse each one that feed-rs parses (every fixture with a snapshot) and keep exactly
/// the entries whose link, or else whose id, resolves to an http(s) URL against the base.
#[test]
fn feed_rs_fixtures_parse_with_the_entries_feed_rs_finds() {
    fn inputs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                inputs(&p, out);
            } else {
                let name = p.to_string_lossy();
                if (name.ends_with(".xml") || name.ends_with(".json"))
                    && !name.ends_with(".serde.json")
                {
                    out.push(p);
                }
            }
        }
    }
    let base = url("http://example.com/");
    let linked = |v: &serde_json::Value| -> bool {
        let href_ok = |h: &str| {
            base.join(h)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        };
        let links = v["links"].as_array().cloned().unwrap_or_default();
        if !links.is_empty() {
            return links
                .iter()
                .any(|l| l["href"].as_str().is_some_and(href_ok));
        }
        v["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("http://") || id.starts_with("https://"))
    };
    let mut files = Vec::new();
    inputs(&crate::support::data("feed-rs-fixtures"), &mut files);
    files.sort();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for p in &files {
        let snapshot = p.with_extension("serde.json");
        let Ok(expected) = std::fs::read_to_string(&snapshot) else {
            continue;
        };
        let expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
        let want = expected["entries"]
            .as_array()
            .map_or(0, |es| es.iter().filter(|e| linked(e)).count());
        checked += 1;
        match feed::parse_feed(&std::fs::read(p).unwrap(), &base) {
            Ok(entries) if entries.len() == want => {}
            Ok(entries) => wrong.push(format!(
                "{}: {} entries, feed-rs finds {want} with links",
                p.display(),
                entries.len()
            )),
            Err(e) => wrong.push(format!("{}: {e}", p.display())),
        }
    }
    assert!(
        checked >= 60,
        "only {checked} fixtures with snapshots found"
    );
    assert!(
        wrong.is_empty(),
        "{} of {checked} fixtures:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The four fixtures feed-rs keeps without a snapshot are not feeds (plain XML samples, an invalid RSS
/// document): ours must refuse each one with a feed error, not read entries out of it.
#[test]
fn feed_rs_fixtures_that_are_not_feeds_are_feed_errors() {
    let base = url("http://example.com/");
    let dir = crate::support::data("feed-rs-fixtures");
    let mut refused = Vec::new();
    for sub in std::fs::read_dir(&dir).unwrap().flatten() {
        let Ok(files) = std::fs::read_dir(sub.path()) else {
            continue;
        };
        for f in files.flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "xml") && !p.with_extension("serde.json").exists()
            {
                let r = feed::parse_feed(&std::fs::read(&p).unwrap(), &base);
                assert!(
                    matches!(r, Err(extract::ExtractError::Feed { .. })),
                    "{}: {:?}",
                    p.display(),
                    r.map(|e| e.len())
                );
                refused.push(p);
            }
        }
    }
    assert_eq!(refused.len(), 4, "{refused:?}");
}

#[test]
fn garbage_is_a_feed_error() {
    let r = feed::parse_feed(
        b"<html><body>not a feed</body></html>",
        &url("http://example.com/feed"),
    );
    assert!(matches!(r, Err(extract::ExtractError::Feed { .. })));
}

// ---------- robustness ----------

#[test]
fn deeply_nested_html_does_not_overflow() {
    let depth = 100_000;
    let mut html = String::with_capacity(depth * 12);
    html.push_str("<html><body>");
    for _ in 0..depth {
        html.push_str("<div>");
    }
    html.push_str("<p>深层嵌套的正文内容，用于检验提取器不会栈溢出。</p>");
    for _ in 0..depth {
        html.push_str("</div>");
    }
    html.push_str("</body></html>");
    let u = url("https://example.com/deep.html");
    let _ = extract::extract_article(&html, &u, None);
    let sel = Selector::parse("a").unwrap();
    let _ = listing_links(&html, &u, &sel, None);
}

/// A 5 MiB page whose body is one text node (no markup, no line breaks) went super-linear once; it is
/// extracted whole, as one paragraph.
#[test]
fn five_mib_single_text_node_is_one_paragraph() {
    let sentence = "各级工会组织深入开展安康杯竞赛活动，切实维护职工安全健康权益。";
    let text = sentence.repeat(5 * 1024 * 1024 / sentence.len());
    let html = format!(
        "<html><head><title>超长正文</title></head><body><h1>超长正文</h1><div id=\"rm_txt_zw\">{text}</div></body></html>"
    );
    let u = url(PEOPLE_ART);
    let a = extract::extract_article(&html, &u, Profiles::builtin().for_url(&u))
        .unwrap()
        .article;
    assert_eq!(a.title, "超长正文");
    assert_eq!(a.paragraphs.len(), 1);
    assert!(a.paragraphs[0] == text, "the paragraph is the whole text");
    assert!(a.flags.is_empty(), "{:?}", a.flags);
}

#[test]
fn builtin_profiles_cover_the_site_families() {
    let names = Profiles::builtin().names();
    for n in ["people", "workercn", "workercn-epaper", "hanweb", "trs"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(fixture("people").is_dir());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn extract_article_never_panics(s in ".{0,400}") {
        let u = url("http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html");
        let _ = extract::extract_article(&s, &u, Profiles::builtin().for_url(&u));
        let _ = extract::extract_article(&s, &u, None);
    }

    #[test]
    fn extract_article_never_panics_on_tag_soup(parts in proptest::collection::vec(prop_oneof![
        Just("<div>".to_string()), Just("</div>".to_string()), Just("<p>".to_string()), Just("</p>".to_string()),
        Just("<a href='../x'>".to_string()), Just("</a>".to_string()), Just("<table><tr><td>".to_string()),
        Just("<script>".to_string()), Just("<h1>".to_string()), Just("2024年09月27日11:01".to_string()),
        Just("来源：".to_string()), Just("(责编：".to_string()), Just("中國(guó)".to_string()), Just("岚皋县| ".to_string()),
        "[\\p{Han}，。a-z ]{0,20}",
    ], 0..60)) {
        let html = parts.concat();
        let u = url("https://www.jsgh.org/art/2024/9/27/art_3577_123456.html");
        let _ = extract::extract_article(&html, &u, Profiles::builtin().for_url(&u));
        let _ = extract::extract_article(&html, &u, None);
        let _ = next_listing_page(&html, &u);
        let _ = hanweb::embedded_links(&html, &u);
        let _ = hanweb::jpage(&html, &u);
    }

    #[test]
    fn listing_links_never_panics(s in ".{0,400}") {
        let u = url("http://acftu.people.com.cn/GB/67502/index.html");
        let sel = Selector::parse("li, a").unwrap();
        let _ = listing_links(&s, &u, &sel, None);
        let _ = epaper::page_links(&s, &u);
        let _ = epaper::article_links(&s, &u);
    }

    #[test]
    fn parse_feed_never_panics(s in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = feed::parse_feed(&s, &url("http://example.com/feed.xml"));
    }

    #[test]
    fn parse_feed_never_panics_on_feed_like_text(s in "<\\?xml version=\"1.0\" encoding=\"(gb2312|utf-8|big5|x)\"\\?><rss><channel><item><link>[a-z:/.]{0,20}</link><title>.{0,20}</title></item>.{0,40}") {
        let _ = feed::parse_feed(s.as_bytes(), &url("http://example.com/feed.xml"));
    }
}

// ---------- generic body: split articles, captions, comments, chrome lines ----------

/// Sentences long and punctuated enough to score as article text.
fn sentence(i: usize) -> String {
    format!(
        "Paragraph {i} of the report says the union signed a new agreement, covering wages, hours and safety, after talks that lasted three weeks."
    )
}

fn generic_paragraphs(body: &str) -> Vec<String> {
    let html = format!(
        "<html><head><title>Report</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>{body}\
         <div class=\"sidebar\"><ul><li><a href=\"/a\">Another story about something else entirely</a></li>\
         <li><a href=\"/b\">Yet another story that readers also liked</a></li></ul></div>\
         <footer>About us. Contact. Terms of use.</footer></body></html>"
    );
    generic_article(&html, "https://news.example.org/a/1.html").paragraphs
}

#[test]
fn generic_body_gathers_an_article_cut_into_one_card_per_paragraph() {
    let cards: String = (0..8)
        .map(|i| {
            format!(
                "<div class=\"card collection-item\"><div class=\"card-content card-article\"><p>{}</p></div></div>",
                sentence(i)
            )
        })
        .collect();
    let p = generic_paragraphs(&format!(
        "<div class=\"collection\" id=\"article-body\">{cards}</div>"
    ));
    let want: Vec<String> = (0..8).map(sentence).collect();
    assert_eq!(p, want);
}

#[test]
fn generic_body_joins_chunks_cut_apart_by_an_ad_row() {
    let chunk = |r: std::ops::Range<usize>| -> String {
        let ps: String = r.map(|i| format!("<p>{}</p>", sentence(i))).collect();
        format!(
            "<div class=\"grid\"><div class=\"grid--item body article__body\">{ps}</div><div class=\"rail\"></div></div>"
        )
    };
    let body = format!(
        "<div class=\"chunks\">{}<div class=\"row\"><div class=\"ad\"><span>Advertisement</span></div></div>{}</div>",
        chunk(0..5),
        chunk(5..8)
    );
    let p = generic_paragraphs(&body);
    let want: Vec<String> = (0..8).map(sentence).collect();
    assert_eq!(p, want);
}

#[test]
fn generic_body_leaves_out_captions_comments_and_lone_interface_lines() {
    let ps: String = (0..6).map(|i| format!("<p>{}</p>", sentence(i))).collect();
    let body = format!(
        "<article><p>Published 11:11 PM EST Nov 19, 2019</p>{ps}\
         <figure><img src=\"x.jpg\"><figcaption>Workers at the plant, pictured in May, before the strike began.</figcaption></figure>\
         <p class=\"photo-credit\">Photo: A. Photographer, Agency, all rights reserved by the agency.</p>\
         <p>ADVERTISEMENT</p><p>Aktualisiert: 11.04.2020, 10:27</p><p>- Anzeige -</p><p>{}</p><p>Artikel drucken</p><p>Teilen Sie dies mit:</p><p>zurück zur Listenansicht</p><p>Mis à jour le 3 avril 2020 à 12:35</p></article>\
         <div id=\"comments\"><div class=\"comment-body\"><p>I disagree with this report, because the agreement leaves out contract workers entirely.</p></div></div>",
        sentence(6)
    );
    let p = generic_paragraphs(&body);
    let want: Vec<String> = (0..7).map(sentence).collect();
    assert_eq!(p, want);
}

#[test]
fn generic_body_reads_text_written_beside_line_breaks_in_a_div() {
    let text = format!("{} {} {}", sentence(0), sentence(1), sentence(2));
    let body = format!(
        "<div class=\"row\"><div class=\"col-md-3\"><ul>{}</ul></div>\
         <div class=\"col-md-9\"><p class=\"titulo\">Report</p><small>05/10/2018 - Category: <a href=\"/c\">Health</a></small><br><br>{text}<br><br><br></div></div>",
        (0..30)
            .map(|i| format!("<li><a href=\"/archive/{i}\">Archive month {i} (15)</a></li>"))
            .collect::<String>()
    );
    let p = generic_paragraphs(&body);
    assert!(p.contains(&text), "{p:#?}");
    assert!(!p.iter().any(|l| l.contains("Archive month")), "{p:#?}");
}

/// An article cut into chunks of one tag and class (a how-to's steps between ad slots): once two long
/// chunks make the repeat, a short one (a one-sentence step) is body too; a same-class chunk of links is not.
#[test]
fn short_chunks_of_a_repeated_container_join_the_body() {
    let chunk = |inner: &str| {
        format!("<div class=\"step\"><div class=\"step-wrap\"><div class=\"inner\">{inner}</div></div></div>")
    };
    let ps = |r: std::ops::Range<usize>| -> String {
        r.map(|i| format!("<p>{}</p>", sentence(i))).collect()
    };
    let short = "Water the terrarium only when its walls stop misting up.";
    let body = format!(
        "<div class=\"howto\">{}{}<div class=\"slot\"><div class=\"ad\">Advertisement</div></div>{}{}{}</div>",
        chunk(&ps(0..3)),
        chunk(&format!("<p>{short}</p>")),
        chunk(&ps(3..5)),
        chunk("<p><a href=\"/more/1\">More terrarium projects you will like</a> <a href=\"/more/2\">Ten easy succulents</a></p>"),
        chunk(&ps(5..6)),
    );
    let p = generic_paragraphs(&body);
    let mut want: Vec<String> = (0..3).map(sentence).collect();
    want.push(short.to_owned());
    want.extend((3..6).map(sentence));
    assert_eq!(p, want);
}

/// The same shape on a Chinese page: a report cut into `div.para` blocks, one of them a single sentence.
#[test]
fn a_one_sentence_chunk_of_a_chinese_report_is_body() {
    let long = |i: usize| {
        format!(
            "<p>第{i}段：市总工会近日在全市开展职工技能大赛，来自二百多家企业的一千余名职工参加了电工、焊工、数控车工等十二个工种的比赛，赛事持续三天。</p>"
        )
    };
    let para = |inner: &str| {
        format!(
            "<div class=\"para\"><div class=\"box\"><div class=\"txt\">{inner}</div></div></div>"
        )
    };
    let short = "记者在现场看到，参赛职工已全部就位。";
    let body = format!(
        "<div class=\"wrap\">{}{}{}</div>",
        para(&format!("{}{}{}", long(1), long(2), long(3))),
        para(&format!("<p>{short}</p>")),
        para(&format!("{}{}", long(4), long(5))),
    );
    let p = generic_paragraphs(&body);
    assert_eq!(p.len(), 6, "{p:#?}");
    assert_eq!(p[3], short, "{p:#?}");
    assert!(
        p[0].starts_with("第1段") && p[5].starts_with("第5段"),
        "{p:#?}"
    );
}

/// A table that carries the article (a list of films, a price table) beside its caption and header row:
/// the table is the container, so the introduction written above it is body too.
#[test]
fn the_text_around_a_captioned_table_joins_it() {
    let rows: String = (0..10)
        .map(|i| {
            format!(
                "<tr><td>Film {i}</td><td>19{i}0</td><td>{}</td></tr>",
                sentence(i)
            )
        })
        .collect();
    let intro = "This list gives the films in which the characters live the same day again and again, with the year and a short synopsis of each.";
    let more = "Films that only mention such a loop in passing are left out of it, and so are remakes of the films it already lists.";
    let body = format!(
        "<div><p>{intro}</p><p>{more}</p><table><caption>Films with time loops</caption>\
         <thead><tr><th>Film</th><th>Year</th><th>Description</th></tr></thead><tbody>{rows}</tbody></table></div>"
    );
    let p = generic_paragraphs(&body);
    assert_eq!(p.first().map(String::as_str), Some(intro), "{p:#?}");
    assert_eq!(p.get(1).map(String::as_str), Some(more), "{p:#?}");
    for i in 0..10 {
        assert!(
            p.iter().any(|l| l.contains(&sentence(i))),
            "row {i} missing: {p:#?}"
        );
    }
}

/// An article cut into chunks that share a tag and class, where the template wraps every chunk but the
/// first in a bare `<span>` (a real page: readability's `ehow-2`): every step is body, in page order.
#[test]
fn chunks_wrapped_in_bare_spans_are_all_body() {
    let gz = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/readability-testpages/ehow-2.source.html.gz"),
    )
    .unwrap();
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut html).unwrap();
    let u = url("https://www.ehow.com/how_4851888_throw-graduation-party-budget.html");
    let a = extract::extract_article(&html, &u, Profiles::builtin().for_url(&u))
        .unwrap()
        .article;
    let text = a.paragraphs.join("\n");
    for step in [
        "Graduation parties are a great way",
        "Parties hosted at restaurants, clubhouses",
        "Instead of hiring a DJ",
        "Skip carving stations of prime rib",
        "Decorate your party in the graduate",
    ] {
        assert!(
            text.contains(step),
            "missing {step:?} in {:?}",
            a.paragraphs
        );
    }
    assert!(!text.contains("Leaf Group"), "{:?}", a.paragraphs);
}

/// Reads a gzipped page from `tests/data/readability-testpages/` and extracts it without a profile.
fn readability_page(name: &str, u: &str) -> Vec<String> {
    let gz = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/readability-testpages")
            .join(name),
    )
    .unwrap();
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut html).unwrap();
    let u = url(u);
    extract::extract_article(&html, &u, Profiles::builtin().for_url(&u))
        .unwrap()
        .article
        .paragraphs
}

/// A documentation page cut into `div.section`s, two of whose ids (`sharing-with-a-single-developer`,
/// `sharing-with-multiple-developers-code-review`) match the chrome names (a real page: readability's
/// `mercurial`). Their text reads as an article, so they stay body, headings included; the link-dense
/// table of contents stays out.
#[test]
fn sections_whose_ids_name_chrome_stay_body_when_they_read_as_text() {
    let p = readability_page(
        "mercurial.source.html.gz",
        "https://www.mercurial-scm.org/doc/evolve/sharing.html",
    );
    let text = p.join("\n");
    for want in [
        "Sharing with a single developer",
        "The key to shared mutable history is to keep your changesets in draft phase",
        "Sharing with multiple developers: code review",
        "Code review is a good use case for sharing mutable history",
        "Getting into trouble with shared mutable history",
        "Mutable history is a powerful tool.",
    ] {
        assert!(text.contains(want), "missing {want:?} in {p:#?}");
    }
    assert!(!p.iter().any(|l| l == "Contents"), "{p:#?}");
}

/// A Blogger template puts the post inside `div.widget.Blog`, a wrapper whose class names chrome, while
/// a featured-post box higher up carries a long excerpt of another story. The wrapper's text reads as an
/// article (long, punctuated, several paragraphs, barely linked), so the post is the body, not the
/// excerpt; the link-dense sidebar stays out. (Dropping every chrome-named wrapper leaves the excerpt,
/// long enough to pass for a body, as the best candidate.)
#[test]
fn an_article_inside_a_chrome_named_wrapper_is_still_the_body() {
    let excerpt = "Featured: the city's bus drivers voted on Monday to accept the transport authority's \
        revised offer, ending a dispute over rosters and rest breaks that had run since the spring. \
        The offer raises basic pay by four per cent this year and three per cent next year, adds a \
        paid meal break to every shift longer than six hours and sets up a joint committee on \
        fatigue. Union officials said turnout in the ballot was the highest in a decade, and that \
        members had backed the deal by a large majority after a month of depot meetings. \
        The authority said the first new rosters would start in September, once the fatigue \
        committee has met, and that drivers' back pay would arrive with the July wages.";
    let post: String = (0..12).map(|i| format!("<p>{}</p>", sentence(i))).collect();
    let body = format!(
        "<div class=\"featured-post\"><h3>Featured post</h3><p>{excerpt}</p></div>\
         <div class=\"widget Blog\" id=\"Blog1\"><div class=\"blog-posts hfeed\">\
           <div class=\"post hentry\"><h3 class=\"post-title\">Union signs a new agreement</h3>\
           <div class=\"post-body entry-content\">{post}</div></div></div></div>"
    );
    let p = generic_paragraphs(&body);
    for i in 0..12 {
        assert!(p.contains(&sentence(i)), "missing paragraph {i} in {p:#?}");
    }
    assert!(!p.iter().any(|l| l.contains("bus drivers")), "{p:#?}");
    assert!(!p.iter().any(|l| l.contains("Another story")), "{p:#?}");
}

/// Paragraphs of a Chinese union news report, for the fixtures below.
const ZH_REPORT: [&str; 14] = [
    "3月18日，市总工会与市企业联合会在市职工服务中心召开会议，共同签订了新一轮行业工资集体协议，覆盖全市一百二十多家企业的三万余名职工。",
    "据介绍，本轮协商历时三周，职工方代表先后走访了二十多家企业，收集意见建议四百余条，并就工资增长幅度、加班费计算基数等问题与企业方反复磋商。",
    "协议约定，今年行业职工工资平均增长幅度不低于百分之五，一线职工的增幅不低于企业平均水平，新入职职工的试用期工资不得低于转正工资的百分之八十。",
    "市总工会有关负责人表示，工资集体协商是维护职工劳动经济权益的重要途径，工会将督促企业逐条落实协议内容，对不履行协议的企业依法提出整改意见。",
    "企业方代表认为，协议兼顾了职工诉求和企业承受能力，有助于稳定职工队伍、减少人员流失，企业将把协议内容纳入年度经营计划，按时足额兑现。",
    "在工时方面，协议要求企业严格执行国家工时制度，确需延长工作时间的，应当与工会和职工协商，每月延长时间累计不得超过三十六小时，并依法支付加班工资。",
    "在劳动安全方面，协议规定企业每年至少组织两次安全生产培训，为一线职工配备符合国家标准的劳动防护用品，并为高温作业岗位发放防暑降温费。",
    "协议还明确，企业应当设立有职工代表参加的劳动安全卫生监督小组，定期开展隐患排查，职工发现事故隐患有权向企业和工会报告，企业不得因此打击报复。",
    "签约仪式后，部分职工代表表示，以前遇到加班费算得不清楚的情况，只能自己去找人事部门，现在有了协议，心里更踏实了，维权也有了依据。",
    "下一步，市总工会将会同人社部门组成联合检查组，对协议履行情况开展专项检查，并将检查结果向职工公开，接受职工监督。",
    "市总工会还将推动更多行业开展工资集体协商，力争到年底全市建会企业工资集体协商覆盖率达到百分之九十以上，让更多职工分享发展成果。",
    "此外，工会将加强协商指导员队伍建设，通过业务培训和案例交流，提升基层工会干部的协商能力，帮助职工方代表敢谈判、会谈判。",
    "据了解，该市自2010年起推行行业性工资集体协商，目前已有餐饮、建筑、物流等十二个行业签订了行业工资集体协议，惠及职工二十余万人。",
    "市人社局有关负责人表示，将把行业工资集体协议的履行情况纳入劳动保障监察范围，对拖欠、克扣职工工资的行为依法查处，切实保障职工合法权益。",
];

/// The report's paragraphs `r` as `<p>`s.
fn zh_part(r: std::ops::Range<usize>) -> String {
    ZH_REPORT[r].iter().map(|t| format!("<p>{t}</p>")).collect()
}

/// A Chinese report cut into parts of unequal length (the first holds most of the text, so it, not
/// their wrapper, is the best container, and the later parts join as its siblings on their own scores),
/// with a short plain list of the agreement's terms between two parts and a section heading right
/// before one: the list and the heading are body, in page order; a `相关阅读` list of links between two
/// parts is navigation and stays out.
#[test]
fn headings_and_text_lists_between_the_body_parts_join_it() {
    let body = format!(
        "<div class=\"detail\">\
           <div>{}</div>\
           <ul><li>工资增幅不低于5%</li><li>月加班不超36小时</li><li>每年两次安全培训</li></ul>\
           <div>{}</div>\
           <h2>协议如何落实</h2>\
           <div>{}</div>\
           <ul><li><a href=\"/a/2.html\">相关阅读：全市职工服务中心正式启用</a></li>\
           <li><a href=\"/a/3.html\">相关阅读：五一劳动奖状获奖名单公布</a></li></ul>\
           <div>{}</div>\
         </div>",
        zh_part(0..8),
        zh_part(8..10),
        zh_part(10..12),
        zh_part(12..14)
    );
    let p = generic_paragraphs(&body);
    let pos = |s: &str| {
        p.iter()
            .position(|l| l == s)
            .unwrap_or_else(|| panic!("no {s:?} in {p:#?}"))
    };
    let item = pos("工资增幅不低于5%");
    assert!(
        pos(ZH_REPORT[7]) < item && item < pos(ZH_REPORT[8]),
        "{p:#?}"
    );
    let heading = pos("协议如何落实");
    assert!(
        pos(ZH_REPORT[9]) < heading && heading < pos(ZH_REPORT[10]),
        "{p:#?}"
    );
    pos(ZH_REPORT[13]);
    assert!(!p.iter().any(|l| l.contains("相关阅读")), "{p:#?}");
}

/// A photo gallery's captions sit between two parts of the report in a list whose class names chrome
/// (`legends`): unlinked, punctuated text, yet not the article's; it stays out, while the parts on
/// either side are both body.
#[test]
fn a_chrome_named_caption_list_between_the_body_parts_stays_out() {
    let body = format!(
        "<div class=\"detail\">\
           <div>{}</div>\
           <ul class=\"legends\"><li>图为签约仪式现场。</li><li>职工代表在协议上签字。</li>\
           <li>与会人员合影留念。</li></ul>\
           <div>{}</div>\
         </div>",
        zh_part(0..10),
        zh_part(10..14)
    );
    let p = generic_paragraphs(&body);
    for t in ZH_REPORT {
        assert!(p.iter().any(|l| l == t), "missing {t:?} in {p:#?}");
    }
    assert!(
        !p.iter()
            .any(|l| l.contains("签约仪式现场") || l.contains("合影")),
        "{p:#?}"
    );
}

/// A section heading followed by the section's list (or table) and then the section's paragraphs,
/// between two parts of the report: the heading waits on the part after it, the list on the parts
/// beside it, so neither alone joins; as a run of headings and text-like lists between two parts that
/// joined, they all do, in page order. A table of figures between two headings joins the same way.
#[test]
fn a_run_of_headings_and_lists_between_the_body_parts_joins_it() {
    let body = format!(
        "<div class=\"detail\">\
           <div>{}</div>\
           <h2>协议主要内容</h2>\
           <ul><li>工资增幅不低于5%</li><li>月加班不超36小时</li><li>每年两次安全培训</li></ul>\
           <div>{}</div>\
           <h3>各行业签约情况</h3>\
           <table><tr><td>餐饮业</td><td>3.2万人</td></tr><tr><td>建筑业</td><td>5.1万人</td></tr></table>\
           <h3>下一步工作</h3>\
           <div>{}</div>\
         </div>",
        zh_part(0..8),
        zh_part(8..11),
        zh_part(11..14)
    );
    let p = generic_paragraphs(&body);
    let pos = |s: &str| {
        p.iter()
            .position(|l| l.contains(s))
            .unwrap_or_else(|| panic!("no {s:?} in {p:#?}"))
    };
    let order = [
        pos(ZH_REPORT[7]),
        pos("协议主要内容"),
        pos("工资增幅不低于5%"),
        pos("每年两次安全培训"),
        pos(ZH_REPORT[8]),
        pos(ZH_REPORT[10]),
        pos("各行业签约情况"),
        pos("建筑业"),
        pos("下一步工作"),
        pos(ZH_REPORT[11]),
        pos(ZH_REPORT[13]),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?} in {p:#?}");
}

/// A list of links to other stories, set beside an article's blocks with the blocks' own classes.
const STORY_LINKS: &str = "<li><a href=\"/s/1\">The strike in pictures</a></li>\
    <li><a href=\"/s/2\">Five things to know about the talks</a></li>";

/// The article's sentences `0..n` are all in `p`, in page order, and none of [`STORY_LINKS`] is.
fn assert_sentences_in_order_without_story_links(p: &[String], n: usize) {
    let pos = |i: usize| {
        p.iter()
            .position(|l| *l == sentence(i))
            .unwrap_or_else(|| panic!("no paragraph {i} in {p:#?}"))
    };
    let order: Vec<usize> = (0..n).map(pos).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?} in {p:#?}");
    assert!(
        !p.iter()
            .any(|l| l.contains("in pictures") || l.contains("Five things")),
        "{p:#?}"
    );
}

/// A template that gives each block of the article its own modifier classes (`o-block pb-15`,
/// `o-block pb-10 cf`, a cell with and without `move-up`, a `c-copy` text box with an extra `Array`),
/// nesting each text box four levels below the element the blocks share: no exact repeat of the best
/// container's place, and the blocks' own scores are far too low to join as siblings. The text boxes
/// share their classes and their place, loosely, three times over, so they are all body, in page order;
/// a related-stories block of links beside them stays out.
#[test]
fn article_blocks_whose_classes_differ_by_modifiers_are_all_body() {
    let block = |modifier: &str, cell: &str, text: &str, r: std::ops::Range<usize>| -> String {
        let ps: String = r.map(|i| format!("<p>{}</p>", sentence(i))).collect();
        format!(
            "<div class=\"o-block {modifier}\"><div class=\"grid\">\
             <div class=\"grid__cell {cell}\"><div class=\"c-copy {text}\">{ps}</div></div></div></div>"
        )
    };
    let body = format!(
        "<div class=\"o-stack\">{}{}\
         <div class=\"o-block pb-10\"><div class=\"grid\"><div class=\"grid__cell col-8\">\
         <ul class=\"story-list\">{STORY_LINKS}</ul></div></div></div>{}</div>",
        block("pb-15", "col-8", "c-gray-1", 0..5),
        block("pb-10 cf", "move-up col-8", "c-gray-1 Array", 5..6),
        block("pb-10", "col-8", "c-gray-1", 6..8),
    );
    assert_sentences_in_order_without_story_links(&generic_paragraphs(&body), 8);
}

// ---------- generic body: pages too short for any block to score ----------

fn short_page(body: &str) -> unionwire::model::Article {
    let html = format!("<html><head><title>Notice</title></head><body>{body}</body></html>");
    generic_article(&html, "https://news.example.org/n/2.html")
}

/// A page whose whole text is a few headings beside images (a photo page, a placeholder): no block
/// reaches the scoring floor, so the short visible text is the body.
#[test]
fn a_page_of_a_few_headings_and_images_keeps_its_headings() {
    let a = short_page(
        "<article class=\"markdown-body\"><h2>Photo 1</h2><img src=\"/1.jpg\" alt=\"one\">\
         <h2>Photo 2</h2><img src=\"/2.jpg\" alt=\"two\"></article>",
    );
    assert_eq!(a.paragraphs, ["Photo 1", "Photo 2"]);
}

/// Short text wrapped in a script trigger (`<a href="javascript:…">`) is text, not a link.
#[test]
fn short_text_inside_a_script_trigger_anchor_is_body() {
    let a =
        short_page("<a href=\"javascript:\"><p>Closed today.</p><p>Open Monday.</p> See you</a>");
    assert_eq!(a.paragraphs, ["Closed today.", "Open Monday.", "See you"]);
}

/// A short page of nothing but links (a bare navigation or error page) still has no body.
#[test]
fn a_short_page_of_links_has_no_body() {
    let a = short_page(
        "<a href=\"/\">Home</a> <a href=\"/news\">News</a> <a href=\"/about\">About us</a> Page not found",
    );
    assert!(a.paragraphs.is_empty(), "{:?}", a.paragraphs);
    assert!(a.flags.contains(&Flag::EmptyBody));
}

/// An article cut into blocks where most blocks share one class list and a few carry an extra modifier
/// (`after-quote`, `divider pb-15`): the exact repeats alone hold only part of the article. The blocks
/// that share a class with the exact repeats, at the same place, are all body, in page order; a block of
/// related links with the very same class stays out.
#[test]
fn chunks_with_an_extra_modifier_class_join_the_exact_repeats() {
    let block = |class: &str, r: std::ops::Range<usize>| -> String {
        let ps: String = r.map(|i| format!("<p>{}</p>", sentence(i))).collect();
        format!("<div class=\"{class}\"><div class=\"story-text\">{ps}</div></div>")
    };
    let body = format!(
        "<div class=\"stack\">{}{}{}{}{}\
         <div class=\"block pb-10\"><ul>{STORY_LINKS}</ul></div></div>",
        block("block pb-10", 0..5),
        block("block pb-10 after-quote", 5..6),
        block("block pb-10", 6..8),
        block("block divider pb-15", 8..9),
        block("block pb-10", 9..11),
    );
    assert_sentences_in_order_without_story_links(&generic_paragraphs(&body), 11);
}

/// A box of teasers for other stories inside the article's container (`related-posts`: each teaser a
/// linked heading and a prose excerpt) is not the article, though its class also says `post` and its
/// excerpts read as prose.
#[test]
fn a_related_posts_box_of_teasers_inside_the_article_stays_out() {
    let ps: String = (0..6).map(|i| format!("<p>{}</p>", sentence(i))).collect();
    let teasers: String = (0..3)
        .map(|i| {
            format!(
                "<div class=\"teaser\"><h4><a href=\"/t/{i}\">Earlier story {i} on the wage talks</a></h4>\
                 <p>Excerpt {i}: the union and the employers met again, and the talks went on into the night.</p>\
                 <p>March {i}, 2024</p></div>"
            )
        })
        .collect();
    let p = generic_paragraphs(&format!(
        "<div class=\"entry-content\">{ps}<div class=\"related-posts\"><h3>Related</h3>{teasers}</div></div>"
    ));
    for i in 0..6 {
        assert!(p.contains(&sentence(i)), "no paragraph {i} in {p:#?}");
    }
    assert!(
        !p.iter()
            .any(|l| l.contains("Earlier story") || l.contains("Excerpt")),
        "{p:#?}"
    );
}

/// A cookie-consent dialog's prose is never the article, even on a page whose article is too short to win
/// on its own (a recipe's one-line steps): the dialog is dropped wherever it is, not only as page chrome.
#[test]
fn a_cookie_consent_dialog_is_never_the_body() {
    let tier = |name: &str, what: &str| {
        format!(
            "<div class=\"m192-cookies-customize-tier\"><div class=\"m192-cookies-customize-tier-headline\">{name}</div>\
             <div class=\"m192-cookies-customize-tier-description\">{what}</div></div>"
        )
    };
    let a = short_page(&format!(
        "<div class=\"m192-cookies-customize\"><form>{}{}{}</form></div>\
         <h1>Honey cake muffins</h1>\
         <div class=\"step\"><span>1</span><div><p>Heat the oven.</p></div></div>\
         <div class=\"step\"><span>2</span><div><p>Mix the dough.</p></div></div>",
        tier(
            "Necessary cookies",
            "These cookies are necessary so that the basic functions of the site can be used, and they cannot be switched off.",
        ),
        tier(
            "Performance cookies",
            "The performance cookies also help us to analyse how the site is used, so that we can measure and improve its quality.",
        ),
        tier(
            "Marketing cookies",
            "These marketing and third-party cookies help us to show you personalised content from this site on other platforms.",
        ),
    ));
    assert!(
        !a.paragraphs.iter().any(|p| p.contains("cookies")),
        "{:#?}",
        a.paragraphs
    );
}

/// A union notice published as images (a scanned document): the page's only text besides the title and
/// the meta line is the site's footer. The footer is not the article: the body stays empty and is
/// flagged, and the title, date and source are still read.
#[test]
fn an_image_only_notice_does_not_take_the_site_footer_for_its_body() {
    let html = "<html><head><meta charset=\"utf-8\"><title>关于召开2024年职工代表大会的通知_某某市总工会</title></head><body>\
        <div class=\"top\"><div class=\"logo\">某某市总工会</div><div class=\"topnav\"><a href=\"/\">首页</a> \
        <a href=\"/gh\">工会动态</a> <a href=\"/tz\">通知公告</a> <a href=\"/wq\">维权服务</a></div></div>\
        <div class=\"wrap\"><h1>关于召开2024年职工代表大会的通知</h1><div class=\"info\">发布时间：2024-03-05 来源：办公室</div>\
        <div class=\"con\"><p><img src=\"/upload/2024/tz1.jpg\"></p><p><img src=\"/upload/2024/tz2.jpg\"></p></div></div>\
        <div class=\"bottom\">主办单位：某某市总工会 地址：某某市人民路88号 邮编：100000 电话：010-12345678 备案号：京ICP备12345678号</div>\
        </body></html>";
    let a = extract::extract_article(
        html,
        &url("http://www.zgh.example.cn/tz/2024/0305/1.html"),
        None,
    )
    .unwrap()
    .article;
    assert!(a.paragraphs.is_empty(), "{:?}", a.paragraphs);
    assert!(a.flags.contains(&Flag::EmptyBody));
    assert_eq!(a.title, "关于召开2024年职工代表大会的通知");
    assert_eq!(a.source.as_deref(), Some("办公室"));
    assert!(a.published.is_some());
}

/// A page too short for any block to score keeps its notice but not its copyright line.
#[test]
fn a_short_page_keeps_its_notice_but_not_its_footer() {
    let a = short_page("<p>Closed on Monday.</p><div class=\"bottom\">© 2024 Example Union</div>");
    assert_eq!(a.paragraphs, ["Closed on Monday."]);
}

/// A notice's own closing contact details (where to register, whom to call) are its text, not the site's
/// footer, even at the very end of the body.
#[test]
fn a_notices_closing_contact_line_stays_in_the_body() {
    let ps: String = (0..4)
        .map(|i| {
            format!(
                "<p>第{i}项：市总工会决定举办全市职工技能竞赛，参赛对象为全市企业在岗职工，竞赛项目包括电工、焊工、钳工等工种，请各单位认真组织报名。</p>"
            )
        })
        .collect();
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>关于举办职工技能竞赛的通知</title></head><body>\
         <h1>关于举办职工技能竞赛的通知</h1><div class=\"con\">{ps}\
         <p>报名地址：某某市人民路88号 联系电话：010-12345678</p></div>\
         <div class=\"bottom\">主办单位：某某市总工会 备案号：京ICP备12345678号</div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/tz/2024/0401/2.html");
    assert_eq!(
        a.paragraphs.last().map(String::as_str),
        Some("报名地址：某某市人民路88号 联系电话：010-12345678"),
        "{:#?}",
        a.paragraphs
    );
    assert!(
        !a.paragraphs.iter().any(|p| p.contains("备案号")),
        "{:#?}",
        a.paragraphs
    );
}

/// A WordPress post with Jetpack's boxes inside its `entry-content`: the like box (`div.sharedaddy`, whose
/// id `like-post-wrapper-…` carries the content word `post`) and the related-posts box (`jp-relatedposts`),
/// whose list the page loads later, so only its heading is there. Neither is body text: a content word
/// glued into a chrome name does not make the box content.
#[test]
fn wordpress_like_and_related_post_boxes_stay_out_of_the_body() {
    let paras: String = [
        "市总工会近日召开职工代表座谈会，听取一线职工对劳动保护工作的意见和建议。",
        "座谈会上，来自制造、建筑和物流行业的十二名职工代表先后发言，围绕高温作业、夜班安排和休息休假等问题提出意见。",
        "据介绍，今年以来全市各级工会共开展劳动保护监督检查三百余次，督促企业整改安全隐患一千二百多处。",
        "下一步，市总工会将继续深化职工代表座谈制度，推动更多企业建立职工意见收集和反馈机制。",
        "市总工会负责人表示，将把职工反映的问题逐条梳理，会同有关部门研究解决，并在年底前向职工代表反馈办理情况。",
    ]
    .iter()
    .map(|p| format!("<p>{p}</p>"))
    .collect();
    let p = generic_paragraphs(&format!(
        "<article class=\"post-462 post type-post\"><h1 class=\"entry-title\">市总工会召开职工代表座谈会</h1>\
         <div class=\"entry-content\">{paras}\
         <div class=\"sharedaddy sd-block sd-like jetpack-likes-widget-wrapper\" id=\"like-post-wrapper-64775252-462\">\
         <h3 class=\"sd-title\">喜欢这篇文章：</h3><div class=\"likes-widget-placeholder post-likes-widget-placeholder\">\
         <span class=\"button\"><span>点赞</span></span> <span class=\"loading\">正在加载…</span></div></div>\
         <div id=\"jp-relatedposts\" class=\"jp-relatedposts\"><h3 class=\"jp-relatedposts-headline\"><em>相关文章</em></h3></div>\
         </div></article>"
    ));
    assert_eq!(p.len(), 5, "{p:#?}");
    assert!(p[4].starts_with("市总工会负责人表示"), "{p:#?}");
}

/// A heading opens what follows it. When what followed is gone from the body (a list of links to other
/// links, or a box the page fills in by script), the heading that ends the body is not article text. A
/// cross-heading of two sentences whose section the page hides (a paywall) is prose and stays.
#[test]
fn a_heading_left_at_the_end_of_the_body_is_dropped() {
    let paras: String = [
        "今年以来，区总工会在全区推行新就业形态劳动者入会集中行动，快递员、外卖骑手等群体入会人数明显增加。",
        "区总工会还在商圈和物流园区建成二十个户外劳动者服务站点，为劳动者提供饮水、充电、休息等服务。",
        "区总工会负责人介绍，下一步将推动更多企业与新就业形态劳动者开展集体协商，维护劳动者合法权益。",
        "据统计，全区已有三千余名新就业形态劳动者加入工会组织，享受到工会提供的各项服务。",
    ]
    .iter()
    .map(|p| format!("<p>{p}</p>"))
    .collect();
    let p = generic_paragraphs(&format!(
        "<div class=\"article\"><h1>区总工会推进新就业形态劳动者入会</h1>{paras}\
         <h3>工会服务在身边</h3><ul><li><a href=\"/a/1.html\">市总工会开展送清凉活动</a></li>\
         <li><a href=\"/a/2.html\">职工书屋建设工作推进会召开</a></li></ul></div>"
    ));
    assert_eq!(p.len(), 4, "{p:#?}");
    assert!(p[3].starts_with("据统计"), "{p:#?}");

    let p = generic_paragraphs(&format!(
        "<div class=\"article\"><h1>区总工会推进新就业形态劳动者入会</h1>{paras}\
         <h3>服务站点还将继续增加。明年将覆盖全部街道。</h3><div style=\"display:none\"><p>订阅后阅读全文。</p></div></div>"
    ));
    assert_eq!(
        p.last().map(String::as_str),
        Some("服务站点还将继续增加。明年将覆盖全部街道。"),
        "{p:#?}"
    );
}

/// A blog theme's meta box after the post (`footer.entry-meta`, `div.entry-utility`, `p.postmetadata`):
/// the date, the categories and the tags. It is not body text; the date in it is still read from the
/// lines after the body.
#[test]
fn a_posts_meta_box_is_not_body_but_its_date_is_read() {
    let paras: String = [
        "镇工会联合会日前组织辖区二十余家企业的职工代表，围绕工资集体协商开展专题培训。",
        "培训邀请市总工会法律顾问授课，结合案例讲解协商程序、要约方式和协议备案等内容。",
        "参训职工代表纷纷表示，通过培训掌握了协商的方法和技巧，回到企业后将更好地代表职工发声。",
        "镇工会联合会负责人表示，今年将推动辖区企业工资集体协商覆盖率提高到九成以上。",
    ]
    .iter()
    .map(|p| format!("<p>{p}</p>"))
    .collect();
    for meta in [
        "<div class=\"entry-utility\">本文发布于 2024年5月20日，分类：<a href=\"/c/gh\">工会动态</a>。</div>",
        "<p class=\"postmetadata alt\">本文发布于 2024年5月20日，归入<a href=\"/c/gh\">工会动态</a>分类。</p>",
    ] {
        let html = format!(
            "<html><head><title>镇工会开展工资集体协商培训</title></head><body>\
             <div class=\"post\"><h2 class=\"entry-title\">镇工会开展工资集体协商培训</h2>\
             <div class=\"entry-content\">{paras}</div>{meta}</div></body></html>"
        );
        let a = generic_article(&html, "https://blog.example.org/2024/05/20/peixun/");
        assert_eq!(a.paragraphs.len(), 4, "{:#?}", a.paragraphs);
        assert!(!a.paragraphs.iter().any(|p| p.contains("分类")), "{:#?}", a.paragraphs);
        assert!(
            a.published
                .is_some_and(|d| d.to_rfc3339().starts_with("2024-05-20")),
            "{meta}: {:?}",
            a.published.map(|d| d.to_rfc3339())
        );
    }
}

/// An article set as a column of cards (one chunk per card, the same class on each), with its lead in a
/// block beside the column: the lead joins the cards, as a paragraph beside a single best container would.
#[test]
fn the_lead_beside_a_column_of_repeated_cards_joins_the_body() {
    let chunks = [
        "一是扩大覆盖面。市总工会推动新建企业同步建会，全年新建基层工会组织一百二十个，新发展会员八千余人。",
        "二是提升服务质量。各级工会新建职工之家三十六个，开展技能培训两百余场次，惠及职工两万余人次。",
        "三是强化权益保障。市总工会法律援助中心全年受理职工法律咨询一千五百余件，办结劳动争议案件两百余件。",
        "四是加强自身建设。市总工会组织基层工会干部轮训，进一步提升工会干部依法履职和服务职工的能力。",
    ];
    // Two cards of two paragraphs each: too few close alternatives for the common-container rule.
    let cards: String = chunks
        .chunks(2)
        .map(|c| {
            format!(
                "<div class=\"card\"><div class=\"card-body\"><p>{}</p><p>{}</p></div></div>",
                c[0], c[1]
            )
        })
        .collect();
    let lead = "今年以来，市总工会紧紧围绕中心工作，从四个方面扎实推进工会工作，取得了明显成效，职工群众的获得感不断增强。";
    let p = generic_paragraphs(&format!(
        "<div class=\"main\"><h1>市总工会扎实推进工会工作</h1><div class=\"summary\"><p>{lead}</p></div>\
         <div class=\"cards\">{cards}</div></div>"
    ));
    assert_eq!(p.first().map(String::as_str), Some(lead), "{p:#?}");
    assert_eq!(p.len(), 5, "{p:#?}");
}

/// Ruby annotations (`<rt>` readings such as pinyin over hanzi, and the `<rp>` fallback parentheses) are
/// reading aids, not text: glued into the line they would double every annotated word (儿童 → 儿童értóng).
#[test]
fn ruby_readings_are_not_glued_into_the_text() {
    let ps: String = (0..4)
        .map(|i| {
            format!(
                "<p>第{i}段：区总工会走进社区，为<ruby>儿童<rp>(</rp><rt>értóng</rt><rp>)</rp></ruby>和家长讲解安全知识，\
                 帮助职工家庭在暑期里照顾好孩子，活动受到居民欢迎。</p>"
            )
        })
        .collect();
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>暑期安全课堂进社区</title></head><body>\
         <h1>暑期安全课堂进社区</h1><div class=\"con\">{ps}</div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/hd/2024/0701/3.html");
    assert!(
        a.paragraphs.iter().any(|p| p.contains("为儿童和家长讲解")),
        "{:#?}",
        a.paragraphs
    );
    assert!(
        !a.paragraphs
            .iter()
            .any(|p| p.contains("értóng") || p.contains('(')),
        "{:#?}",
        a.paragraphs
    );
}

/// `n` paragraphs of the same sentence, numbered `第0段：` on, as a report's body.
fn numbered_paragraphs(n: usize, sentence: &str) -> String {
    (0..n)
        .map(|i| format!("<p>第{i}段：{sentence}</p>"))
        .collect()
}

/// `n` list items, each a teaser for another post: a linked heading over a prose excerpt (a blog theme's
/// related-posts box).
fn post_teasers(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "<li><article class=\"post_teaser\"><h3><a href=\"/p/{i}\">区总工会举办第{i}期职工读书分享会</a></h3>\
                 <div class=\"excerpt\">读书分享会上，来自各基层工会的职工代表轮流分享读书心得，交流阅读体会，现场气氛热烈，\
                 大家表示要把读书成果转化为干事创业的动力，在岗位上建功立业。</div></article></li>"
            )
        })
        .collect()
}

/// Extracts a whole page with the generic extractor (no profile) at `u`.
fn generic_article(html: &str, u: &str) -> unionwire::model::Article {
    extract::extract_article(html, &url(u), None)
        .unwrap()
        .article
}

/// A block named for the page (`page-title`, `block-page-title`) that holds only the headline is not the
/// article: a content-suggesting name counts for the text under it, and a headline is too little text to
/// outrank a short report whose paragraphs sit in unnamed containers.
#[test]
fn a_title_block_named_for_the_page_does_not_outrank_a_short_report() {
    let html = "<html><head><meta charset=\"utf-8\"><title>区总工会慰问一线职工</title></head><body>\
         <div class=\"layout\"><div id=\"block-site-page-title\" class=\"block page-title-block\">\
         <h1><span>区总工会慰问一线职工</span></h1></div>\
         <div class=\"block\"><div class=\"node\"><div class=\"field\"><div class=\"item\">\
         <p>区总工会近日走访慰问环卫工人和快递员。</p>\
         <p>工会干部为他们送去了防暑降温用品和慰问金。</p>\
         <p>区总工会负责人说，下一步将继续关心关爱户外劳动者。</p></div></div></div></div></div></body></html>";
    let a = generic_article(html, "http://www.qzgh.example.cn/news/2024/0712/1.html");
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
    assert!(
        a.paragraphs[0].starts_with("区总工会近日"),
        "{:#?}",
        a.paragraphs
    );
}

/// A block of links inside the body that opens with a paragraph of its own (the notice's list of
/// attachments under a sentence that introduces them) keeps that paragraph; the links stay out.
#[test]
fn a_paragraph_introducing_a_list_of_links_in_the_body_is_kept() {
    let ps = numbered_paragraphs(
        4,
        "市总工会决定在全市开展职工书香读书活动，引导广大职工多读书、读好书，提升职工文化素养。",
    );
    let intro = "现将活动有关文件公布如下，请各基层工会认真组织学习。";
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>关于开展职工书香读书活动的通知</title></head><body>\
         <div class=\"main\"><h1>关于开展职工书香读书活动的通知</h1><div class=\"con\">{ps}\
         <div class=\"fj\"><p>{intro}</p><ul>\
         <li><a href=\"/f/1.doc\">附件一：关于开展二〇二四年全市职工书香读书活动的实施方案及活动安排表</a></li>\
         <li><a href=\"/f/2.doc\">附件二：全市职工书香读书活动优秀读书笔记和职工读书征文评选办法</a></li>\
         <li><a href=\"/f/3.doc\">附件三：全市职工书香读书活动各基层工会组织情况统计汇总表</a></li>\
         </ul></div></div></div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/tz/2024/0412/2.html");
    assert_eq!(
        a.paragraphs.last().map(String::as_str),
        Some(intro),
        "{:#?}",
        a.paragraphs
    );
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
}

/// An article a page builder sets as a column of unclassed `<section>`s, each wrapping the same text block
/// (`div.wysiwyg`), with a gallery between them: the short last section of text is as much the article as
/// the long ones, though on its own score it would not join.
#[test]
fn a_short_section_of_the_same_template_as_the_body_joins_it() {
    let long = |h: &str| -> String {
        let ps: String = (0..4)
            .map(|i| {
                format!(
                    "<p>{h}第{i}段：区总工会组织劳模工匠走进企业车间，与一线职工面对面交流技术难题，现场传授操作经验和创新方法，受到职工欢迎。</p>"
                )
            })
            .collect();
        format!("<section><div class=\"wysiwyg\"><h2>{h}</h2>{ps}</div></section>")
    };
    let last = "下一步，区总工会将把劳模工匠进企业活动常态化，每季度组织一次。";
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>劳模工匠进企业</title></head><body><main>\
         <h1>劳模工匠进企业</h1>{}{}\
         <section><div class=\"slider\"><img src=\"/p/1.jpg\" alt=\"活动现场\"></div></section>\
         <section><div class=\"wysiwyg\"><h2>常态开展</h2><p>{last}</p></div></section>\
         </main><footer>区总工会 版权所有</footer></body></html>",
        long("走进车间"),
        long("现场教学")
    );
    let a = generic_article(&html, "http://www.qzgh.example.cn/news/2024/0520/3.html");
    assert_eq!(
        a.paragraphs.last().map(String::as_str),
        Some(last),
        "{:#?}",
        a.paragraphs
    );
}

/// A lead (摘要) that the template sets in the article's header, beside the title and two levels apart from
/// the body's column, opens the body: scored alone, one paragraph never joins it.
#[test]
fn a_lead_set_in_the_article_header_opens_the_body() {
    let ps = numbered_paragraphs(5, "会议指出，各级工会要把维护职工合法权益作为基本职责，推动集体协商、劳动保护和技能培训落到实处，切实解决职工急难愁盼问题。");
    let lead = "市总工会日前召开全委会议，部署今年维权服务工作，提出十项具体举措。";
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>市总工会部署维权服务工作</title></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/xw\">新闻</a></div>\
         <div class=\"wrap\"><div class=\"article-head\"><h1>市总工会部署维权服务工作</h1>\
         <div class=\"info\">2024-03-05 来源：市总工会</div><div class=\"summary\"><p>{lead}</p></div></div>\
         <div class=\"content-box\"><div class=\"left\"><div class=\"article-body\"><div class=\"con\">{ps}</div></div>\
         <div class=\"page\"><a href=\"2.html\">上一篇：区总工会开展送清凉活动</a></div></div>\
         <div class=\"right\"><ul><li><a href=\"/a\">区总工会举办职工运动会</a></li><li><a href=\"/b\">市总工会开展劳模宣讲</a></li></ul></div></div></div>\
         <div class=\"bottom\">主办单位：某某市总工会 备案号：京ICP备12345678号</div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0305/3.html");
    assert_eq!(
        a.paragraphs.first().map(String::as_str),
        Some(lead),
        "{:#?}",
        a.paragraphs
    );
    assert_eq!(a.paragraphs.len(), 6, "{:#?}", a.paragraphs);
}

/// A lead set in the article's `<header>` element beside the title, under any of the names templates give
/// it (`summary`, a BEM `Post__lead`, `article__abstract`, `epigraph`, `vorspann`), opens the body. A deck
/// (`dek`) or a 副标题 (`subtitle`) is the headline's second line, not the body's opening: it stays out.
#[test]
fn a_lead_in_the_article_header_opens_the_body_and_a_deck_does_not() {
    let ps = numbered_paragraphs(5, "会议指出，各级工会要把维护职工合法权益作为基本职责，推动集体协商、劳动保护和技能培训落到实处，切实解决职工急难愁盼问题。");
    let lead = "市总工会日前召开全委会议，部署今年维权服务工作。";
    for (head, opens) in [
        ("<header><h1>市总工会部署维权服务工作</h1><p class=\"summary\">{lead}</p></header>", true),
        ("<header class=\"Post__header\"><h1>市总工会部署维权服务工作</h1><div class=\"Post__lead\"><h2>{lead}</h2></div></header>", true),
        ("<section class=\"article__header\"><h1>市总工会部署维权服务工作</h1><div class=\"article__abstract\"><p>{lead}</p></div></section>", true),
        ("<div class=\"articlehead\"><h1>市总工会部署维权服务工作</h1><p class=\"vorspann\">{lead}</p></div>", true),
        ("<div class=\"articlehead\"><h1>市总工会部署维权服务工作</h1><h2 class=\"subtitle\">——{lead}</h2></div>", false),
        ("<div class=\"hero\"><h1>市总工会部署维权服务工作</h1><p class=\"entry-summary p-dek\">{lead}</p></div>", false),
    ] {
        let head = head.replace("{lead}", lead);
        let html = format!(
            "<html><head><meta charset=\"utf-8\"><title>市总工会部署维权服务工作</title></head><body>\
             <div class=\"wrap\">{head}<div class=\"content-box\"><div class=\"left\">\
             <div class=\"article-body\"><div class=\"con\">{ps}</div></div>\
             <div class=\"page\"><a href=\"2.html\">上一篇：区总工会开展送清凉活动</a></div></div>\
             <div class=\"right\"><ul><li><a href=\"/a\">区总工会举办职工运动会</a></li></ul></div></div></div></body></html>"
        );
        let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0305/4.html");
        assert_eq!(a.paragraphs.len(), 5 + usize::from(opens), "{head}: {:#?}", a.paragraphs);
        assert_eq!(a.paragraphs[0] == lead, opens, "{head}: {:#?}", a.paragraphs);
    }
}

/// A summary that a CMS cuts from the first paragraph (its opening sentences and an ellipsis) only repeats
/// the body: it does not open it a second time.
#[test]
fn a_summary_cut_from_the_first_paragraph_is_not_repeated() {
    let first = "3月5日，市总工会召开全委会议，部署今年维权服务工作，提出十项具体举措，推动各项维权服务落到实处。";
    let ps = numbered_paragraphs(4, "会议指出，各级工会要把维护职工合法权益作为基本职责，推动集体协商、劳动保护和技能培训落到实处。");
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>市总工会部署维权服务工作</title></head><body>\
         <div class=\"wrap\"><header><h1>市总工会部署维权服务工作</h1>\
         <div class=\"summary\">3月5日，市总工会召开全委会议，部署今年维权服务工作...</div></header>\
         <div class=\"content-box\"><div class=\"article-body\"><div class=\"con\"><p>{first}</p>{ps}</div></div></div>\
         </div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0305/6.html");
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
    assert_eq!(a.paragraphs[0], first, "{:#?}", a.paragraphs);
}

/// Excerpts that share their tag and class before the article are a list of other posts, each with its
/// teaser, not the article's lead: they stay out of the body.
#[test]
fn a_list_of_post_excerpts_before_the_article_is_not_its_lead() {
    let ps = numbered_paragraphs(5, "会议指出，各级工会要把维护职工合法权益作为基本职责，推动集体协商、劳动保护和技能培训落到实处，切实解决职工急难愁盼问题。");
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>市总工会部署维权服务工作</title></head><body>\
         <div class=\"main\"><div class=\"list\">\
         <div class=\"item-excerpt\">春节前夕，区总工会走访慰问困难职工，送去节日问候。</div>\
         <div class=\"item-excerpt\">区总工会举办职工技能大赛，三百余名职工同台竞技。</div></div>\
         <div class=\"content-box\"><div class=\"left\"><div class=\"article-body\"><h1>市总工会部署维权服务工作</h1>\
         <div class=\"con\">{ps}</div></div><div class=\"page\"><a href=\"2.html\">上一篇：区总工会开展送清凉活动</a></div></div>\
         <div class=\"right\"><ul><li><a href=\"/a\">区总工会举办职工运动会</a></li></ul></div></div></div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0305/5.html");
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
}

/// A modal dialog (a login box, a site notice opened from the footer) is hidden until opened: its prose is
/// never the article, even when it is longer than a short report and its `modal-body` names it content.
#[test]
fn a_modal_dialog_is_never_the_body() {
    let html = "<html><head><meta charset=\"utf-8\"><title>市总工会开展送清凉活动</title></head><body>\
         <div class=\"wrap\"><h1>市总工会开展送清凉活动</h1>\
         <div class=\"con\"><p>7月10日，市总工会走进建筑工地，为高温下坚守岗位的职工送去清凉。</p>\
         <p>活动中，工会干部为职工送上了绿豆汤、藿香正气水等防暑用品。</p>\
         <p>市总工会表示，将持续关注户外劳动者的劳动保护工作。</p></div></div>\
         <div class=\"modal fade\" id=\"noticeModal\"><div class=\"modal-dialog\"><div class=\"modal-content\">\
         <div class=\"modal-header\"><h4>网站声明</h4></div><div class=\"modal-body\">\
         <p>一、本网站所刊登的各种新闻、信息和各种专题专栏资料，均为本网站版权所有，未经协议授权，禁止下载使用。</p>\
         <p>二、凡本网注明“来源：某某市总工会”的所有作品，版权均属于本网站，转载请注明出处，违者本网将依法追究责任。</p>\
         <p>三、凡本网注明“来源：XXX（非本网）”的作品，均转载自其它媒体，转载目的在于传递更多信息，并不代表本网赞同其观点和对其真实性负责。</p>\
         <p>四、如因作品内容、版权和其它问题需要同本网联系的，请在作品发表之日起三十日内进行，否则视为放弃相关权利。</p>\
         </div></div></div></div></body></html>";
    let a = generic_article(html, "http://www.szgh.example.cn/news/2024/0710/1.html");
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
    assert!(
        a.paragraphs[0].starts_with("7月10日"),
        "{:#?}",
        a.paragraphs
    );
}

/// A page built with Elementor puts every block, text included, in an `elementor-widget` with an
/// `elementor-widget-container`: the framework's word for a block, not a sidebar widget. An article set
/// as three sections of text widgets is read whole, not dropped as widgets for a list of related posts.
#[test]
fn text_widgets_of_a_page_builder_are_the_article() {
    let section = |h: &str, a: &str, b: &str| -> String {
        format!(
            "<section class=\"elementor-section elementor-top-section elementor-element\"><div class=\"elementor-container\">\
             <div class=\"elementor-column elementor-col-100 elementor-element\"><div class=\"elementor-widget-wrap\">\
             <div class=\"elementor-element elementor-element-3f2a elementor-widget elementor-widget-heading\">\
             <div class=\"elementor-widget-container\"><h2 class=\"elementor-heading-title\">{h}</h2></div></div>\
             <div class=\"elementor-element elementor-element-7c1d elementor-widget elementor-widget-text-editor\">\
             <div class=\"elementor-widget-container\"><div class=\"elementor-text-editor elementor-clearfix\">\
             <p>{a}</p><p>{b}</p></div></div></div></div></div></div></section>"
        )
    };
    let related = post_teasers(3);
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>关于我们 - 某某区职工服务中心</title></head><body>\
         <div class=\"elementor elementor-42\">{}{}{}</div>\
         <div id=\"related_posts\"><ul>{related}</ul></div></body></html>",
        section(
            "中心简介",
            "某某区职工服务中心成立于二〇一五年，由区总工会主管，为全区职工提供法律援助、技能培训和困难帮扶服务。",
            "中心现有专职工作人员十二名，设立法律援助、技能培训、帮扶救助三个服务窗口。"
        ),
        section(
            "服务项目",
            "中心每年举办各类技能培训班四十余期，培训职工三千余人次，帮助一大批职工取得职业资格证书。",
            "法律援助窗口为职工免费提供劳动争议咨询、代写文书和代理仲裁诉讼等服务。"
        ),
        section(
            "联系我们",
            "职工可拨打服务热线，或在工作日到中心服务大厅现场办理各项业务。",
            "中心地址：某某区人民路八十八号职工之家一楼。"
        ),
    );
    let a = generic_article(&html, "http://www.qzfw.example.cn/about/");
    let all = a.paragraphs.join("\n");
    for want in ["成立于二〇一五年", "每年举办各类技能培训班", "服务热线"] {
        assert!(all.contains(want), "{want}: {:#?}", a.paragraphs);
    }
    assert!(!all.contains("读书分享会上"), "{:#?}", a.paragraphs);
}

/// A media object sets text beside a picture (`o-media` with its `o-media__body`, Bootstrap's `media` and
/// `media-body`): a layout, not a block of media. Its paragraphs continue the article beside it.
#[test]
fn paragraphs_set_beside_a_picture_continue_the_article() {
    let first = numbered_paragraphs(
        3,
        "市总工会近日启动“职工心理健康关爱行动”，在全市五十家企业设立心理服务站，为职工提供心理咨询和疏导服务。",
    );
    let beside = "心理服务站由专业心理咨询师值守，每周开放三天，职工可以预约面谈，也可以通过热线电话咨询，服务全程免费并严格保护职工隐私。";
    let more = numbered_paragraphs(
        2,
        "市总工会有关负责人表示，今年将把心理服务站扩大到一百家企业，并培训一批基层工会心理服务骨干。",
    );
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>市总工会启动职工心理健康关爱行动</title></head><body>\
         <div class=\"page\"><h1>市总工会启动职工心理健康关爱行动</h1><div class=\"column\">\
         <div class=\"o-textblock\">{first}</div>\
         <div class=\"o-media o-media--left\"><div class=\"o-media__img\"><img src=\"/p/1.jpg\" alt=\"心理服务站\"></div>\
         <div class=\"o-media__body\"><p>{beside}</p>{more}</div></div>\
         </div></div><div class=\"footer\">主办：某某市总工会</div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0611/2.html");
    assert_eq!(a.paragraphs.len(), 6, "{:#?}", a.paragraphs);
    assert_eq!(a.paragraphs[3], beside, "{:#?}", a.paragraphs);
}

/// A WordPress post's class list names its own category and tags (`category-comment` for a 评论 column,
/// `tag-…`): they say what the post is about, not what the element is. A commentary in a category whose
/// slug is `comment` is the article, not a reader's comment.
#[test]
fn a_post_in_a_category_named_comment_is_not_a_reader_comment() {
    let ps = numbered_paragraphs(
        4,
        "维护好职工的休息休假权益，既是法律的要求，也是企业留住人才的关键，各级工会要敢于为职工说话。",
    );
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>让职工休假不再是奢望 – 工会时评</title></head><body class=\"post-template-default single\">\
         <div id=\"page\" class=\"site\"><div id=\"content\" class=\"site-content\"><div id=\"primary\" class=\"content-area\">\
         <main id=\"main\" class=\"site-main\">\
         <article id=\"post-88\" class=\"post-88 post type-post status-publish format-standard hentry category-comment tag-xiujia\">\
         <header class=\"entry-header\"><h1 class=\"entry-title\">让职工休假不再是奢望</h1></header>\
         <div class=\"entry-content\">{ps}</div></article></main></div>\
         <div id=\"secondary\" class=\"widget-area\"><section class=\"widget widget_text\"><div class=\"textwidget\">\
         <p>工会时评栏目欢迎广大职工和工会干部投稿，来稿请注明作者姓名、单位和联系方式，一经采用即付稿酬。</p>\
         <p>投稿邮箱见本站联系我们页面，来稿请勿一稿多投，本栏目保留对来稿进行删改的权利。</p></div></section></div>\
         </div></div></body></html>"
    );
    let a = generic_article(&html, "http://www.ghsp.example.cn/2024/05/08/xiujia/");
    assert_eq!(a.paragraphs.len(), 4, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[0].starts_with("第0段"), "{:#?}", a.paragraphs);
}

/// A short report is retried without the chrome filters, and on that reading a box of teasers for other
/// posts (`related_posts`, each teaser a linked heading over its excerpt) is heavier than the report. It
/// is still never the article.
#[test]
fn a_box_of_teasers_never_outweighs_a_short_report() {
    let teasers = post_teasers(3);
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>区总工会开展送清凉活动</title></head><body>\
         <div class=\"wrap\"><h1>区总工会开展送清凉活动</h1>\
         <div class=\"con\"><p>7月10日，区总工会走进建筑工地，为一线职工送去清凉。</p>\
         <p>工会干部为职工送上了绿豆汤和防暑药品。</p></div>\
         <div id=\"related_posts\"><h2>相关文章</h2><ul>{teasers}</ul></div></div></body></html>"
    );
    let a = generic_article(&html, "http://www.qzgh.example.cn/news/2024/0710/2.html");
    assert_eq!(a.paragraphs.len(), 2, "{:#?}", a.paragraphs);
    assert!(
        a.paragraphs[0].starts_with("7月10日"),
        "{:#?}",
        a.paragraphs
    );
}

/// A policy explainer in sections of different shapes: an introduction, a table, and questions whose
/// answers sit in an accordion. One answer scores best, but the article is the container that holds them
/// all (three times its text, barely linked, with another answer scoring nearly as well): the
/// introduction and the table are read too, and the links beside the article are not.
#[test]
fn an_article_in_sections_of_different_shapes_is_read_whole() {
    let answers =
        |n: usize, s: &str| -> String { (0..n).map(|i| format!("<p>答{i}：{s}</p>")).collect() };
    let a1 = answers(4, "职工因工受伤后，用人单位应当在三十日内提出工伤认定申请，逾期未申请的，职工本人或者其近亲属、工会组织可以在一年内直接申请。");
    let a2 = answers(4, "工伤职工在停工留薪期内，原工资福利待遇不变，由所在单位按月支付，停工留薪期一般不超过十二个月。");
    let a3 = answers(3, "工伤职工需要护理的，生活护理费按照生活完全不能自理、大部分不能自理或者部分不能自理三个等级支付。");
    let intro: String = (0..2)
        .map(|i| format!("<p>导{i}：为帮助广大职工了解工伤保险政策，市总工会法律服务中心整理了职工最关心的几个问题，供大家参考。</p>"))
        .collect();
    let rows: String = [
        ("一", 27),
        ("二", 25),
        ("三", 23),
        ("四", 21),
        ("五", 18),
        ("六", 16),
    ]
    .iter()
    .map(|(n, m)| format!("<tr><td>{n}级伤残</td><td>{m}个月本人工资</td></tr>"))
    .collect();
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>工伤保险政策问答</title></head><body>\
         <div class=\"main\"><h1>工伤保险政策问答</h1><div class=\"article\"><div class=\"shuoming\">{intro}</div>\
         <table class=\"tb\"><tr><th>伤残等级</th><th>一次性伤残补助金</th></tr>{rows}</table>\
         <div class=\"qa\"><ul class=\"accordion\">\
         <li class=\"item\"><h3>问：工伤认定申请的时限是多久？</h3><div class=\"answer\">{a1}</div></li>\
         <li class=\"item\"><h3>问：停工留薪期内工资怎么发？</h3><div class=\"answer\">{a2}</div></li>\
         <li class=\"item\"><h3>问：生活护理费怎么支付？</h3><div class=\"answer\">{a3}</div></li></ul></div></div>\
         <div class=\"side\"><ul><li><a href=\"/a\">区总工会举办职工运动会</a></li><li><a href=\"/b\">市总工会开展劳模宣讲</a></li></ul></div>\
         </div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/flfw/2024/0601/1.html");
    assert!(a.paragraphs[0].starts_with("导0："), "{:#?}", a.paragraphs);
    assert!(
        a.paragraphs.iter().any(|p| p.contains("一级伤残")),
        "{:#?}",
        a.paragraphs
    );
    assert!(
        a.paragraphs
            .last()
            .is_some_and(|p| p.starts_with("答2：工伤职工需要护理")),
        "{:#?}",
        a.paragraphs
    );
    assert!(
        !a.paragraphs.iter().any(|p| p.contains("运动会")),
        "{:#?}",
        a.paragraphs
    );
}

/// A picture's legend (`div.legend`, as some CMSs mark a caption) is a caption like a `figcaption`: it
/// stays out of the body.
#[test]
fn a_picture_legend_stays_out_of_the_body() {
    let ps = numbered_paragraphs(4, "市总工会组织劳模工匠走进企业车间，与一线职工面对面交流技术难题，现场传授操作经验和创新方法。");
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>劳模工匠进车间</title></head><body>\
         <div class=\"main\"><h1>劳模工匠进车间</h1><div class=\"content\">{ps}\
         <div class=\"pic\"><img src=\"/p/1.jpg\" alt=\"\"></div>\
         <div class=\"legend\"><div class=\"content\">图为劳模工匠在车间现场为青年职工讲解数控机床的操作要领，职工们认真学习。</div></div>\
         <p>活动受到企业职工的普遍欢迎，大家纷纷表示要向劳模工匠学习，在岗位上精益求精。</p></div></div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0520/7.html");
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
    assert!(
        !a.paragraphs.iter().any(|p| p.starts_with("图为")),
        "{:#?}",
        a.paragraphs
    );
}

/// A sentence that runs on into its one link (the link covers most of the paragraph) is prose and stays
/// in the body; a link under a label (相关链接：) is not, however long its title.
#[test]
fn a_sentence_that_runs_on_into_a_link_is_kept() {
    let ps = numbered_paragraphs(4, "市总工会组织劳模工匠走进企业车间，与一线职工面对面交流技术难题，现场传授操作经验和创新方法。");
    let runs_on = "据了解，此次大赛共设置十二个赛项，参赛选手须在六月底前通过各级工会组织报名，逾期不再受理。";
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>职工技能大赛启动</title></head><body>\
         <div class=\"main\"><h1>职工技能大赛启动</h1><div class=\"content\">{ps}\
         <p>据了解，此次大赛共设置十二个赛项，<a href=\"/tz/1.html\">参赛选手须在六月底前通过各级工会组织报名，逾期不再受理。</a></p>\
         <p>相关链接：<a href=\"/tz/2.html\">市总工会关于开展二〇二四年全市职工职业技能大赛的通知及各赛项技术文件</a></p>\
         </div></div></body></html>"
    );
    let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0520/8.html");
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
    assert_eq!(a.paragraphs[4], runs_on, "{:#?}", a.paragraphs);
}

/// A rating box under the article (`post-ratings`, `article-rating`: 这篇文章对您有帮助吗？) asks the
/// reader something; it is not the article's last paragraph.
#[test]
fn a_rating_box_under_the_article_stays_out() {
    let ps = numbered_paragraphs(4, "市总工会组织劳模工匠走进企业车间，与一线职工面对面交流技术难题，现场传授操作经验和创新方法。");
    for class in ["post-ratings", "article-rating"] {
        let html = format!(
            "<html><head><meta charset=\"utf-8\"><title>劳模工匠进车间</title></head><body>\
             <div class=\"main\"><h1>劳模工匠进车间</h1><div class=\"content\">{ps}\
             <div class=\"{class}\"><p>这篇文章对您有帮助吗？请为本文评分，您的意见将帮助我们改进服务。</p>\
             <span>有帮助</span> <span>没帮助</span></div></div></div></body></html>"
        );
        let a = generic_article(&html, "http://www.zgh.example.cn/xw/2024/0520/9.html");
        assert_eq!(a.paragraphs.len(), 4, "{class}: {:#?}", a.paragraphs);
    }
}
