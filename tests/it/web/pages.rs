//! The HTML pages: `/` with its search box and linked copy counts, `/stories/{id}`, `/sources/{id}`,
//! `/search?q=` with paging, the empty states, and the security headers every page keeps.

use reqwest::StatusCode;
use unionwire::model::SourceId;
use unionwire::store::SourceState;

use super::{config, many, start, story_path, MIRROR_URL, ORIGIN_URL};
use crate::publish::{client, start_with, Running};

async fn page(r: &Running, path: &str) -> (StatusCode, String) {
    let res = client().get(r.url(path)).send().await.expect("request");
    let status = res.status();
    assert_eq!(
        res.headers()["content-type"],
        "text/html; charset=utf-8",
        "{path}"
    );
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
    assert!(!csp.contains("script-src"), "{path}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let html = res.text().await.unwrap();
    assert!(!html.to_ascii_lowercase().contains("<script"), "{path}");
    let handler = regex::Regex::new(r"(?i)<[^>]*\son[a-z]+\s*=").unwrap();
    assert!(
        !handler.is_match(&html),
        "{path}: an event handler attribute"
    );
    (status, html)
}

#[tokio::test]
async fn the_index_has_a_search_box_and_links_the_copy_count_to_the_story_page() {
    let r = start().await;
    let (status, html) = page(&r, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("action=\"{}\"", r.url("/search"))) && html.contains("name=\"q\""),
        "no search box"
    );
    // The a-src/b-src story and the origin/mirror story each have one other copy.
    let story = story_path(&r, "http://a.example/n/1.html");
    let link = format!("<a href=\"{}#copies\">另有 1 家转载</a>", r.url(&story));
    assert!(html.contains(&link), "{link} not in\n{html}");
    let mirror_story = story_path(&r, MIRROR_URL);
    assert!(html.contains(&format!(
        "<a href=\"{}#copies\">另有 1 家转载</a>",
        r.url(&mirror_story)
    )));
    // Sources link to their pages.
    assert!(html.contains(&format!(
        "<a href=\"{}\">某镜像站</a>",
        r.url("/sources/mirror-src")
    )));
}

#[tokio::test]
async fn a_story_page_shows_the_clean_text_and_every_copy_with_its_flags() {
    let r = start().await;
    let path = story_path(&r, MIRROR_URL);
    let (status, html) = page(&r, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h1>江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动</h1>"),
        "{html}"
    );
    assert!(html.contains("2024-09-27 11:01"), "date");
    assert!(html.contains("来源：工人日报客户端"), "credited outlet");
    assert!(html.contains("作者：黄洪涛"), "author");
    assert!(html.contains("9月24日,江苏省总工会"), "the text");
    assert!(
        !html.contains('\u{FFFD}'),
        "the damaged mirror text is shown"
    );
    assert!(html.contains(&format!(
        "<a href=\"{}\">中国工会新闻</a>",
        r.url("/sources/origin-src")
    )));
    // Copies: origin first (the lead), the mirror after it with its flags and the mark.
    let copies = &html[html.find("id=\"copies\"").expect("copies section")..];
    let origin_at = copies.find(ORIGIN_URL).expect("origin listed");
    let mirror_at = copies.find(MIRROR_URL).expect("mirror listed");
    assert!(origin_at < mirror_at);
    let mirror_row = &copies[mirror_at..];
    let mirror_row = &mirror_row[..mirror_row.find("</tr>").unwrap()];
    assert!(mirror_row.contains("pinyin_mirror"), "{mirror_row}");
    assert!(
        mirror_row.contains(unionwire::publish::MIRROR_MARK),
        "{mirror_row}"
    );
    assert!(copies.contains("spam-mirror.test"), "the copy's site");
    assert!(copies[..mirror_at].contains("首选副本"));

    let (status, html) = page(&r, "/stories/00000000000000000000000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("存储中没有这个编号的报道"), "{html}");
    let (status, _) = page(&r, "/stories/not-hex").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_source_page_shows_health_last_error_schedule_and_recent_stories() {
    let r = start().await;
    let failed: jiff::Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
    r.store
        .set_source_state(
            &SourceId::new("mirror-src").unwrap(),
            &SourceState {
                last_run: Some(failed),
                last_success: Some("2026-11-30T02:00:00Z".parse().unwrap()),
                next_due: Some("2026-12-01T03:00:00Z".parse().unwrap()),
                last_error: Some("listing http://spam-mirror.test/list.html returned 503".into()),
                consecutive_failures: 2,
                runs: 5,
                articles_total: 1,
                healthy: false,
                ..SourceState::default()
            },
        )
        .unwrap();
    let (status, html) = page(&r, "/sources/mirror-src").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>某镜像站</h1>"));
    // A record from before statuses, unhealthy with a past success, reads as degraded.
    assert!(html.contains("degraded"), "health");
    assert!(
        html.contains("listing http://spam-mirror.test/list.html returned 503"),
        "last error"
    );
    assert!(html.contains("每 1h"), "schedule");
    assert!(
        html.contains("2026-12-01 11:00"),
        "next due in Beijing time"
    );
    assert!(html.contains("2026-11-30 10:00"), "last success");
    assert!(html.contains("江苏工会重点抓好"), "recent story");
    assert!(html.contains(&r.url("/feeds/source/mirror-src.atom")));

    // A source never crawled says so; one that never succeeded says why its list is empty.
    let (_, quiet) = page(&r, "/sources/quiet-src").await;
    assert!(quiet.contains("还没有文章：这个来源尚未抓取。"), "{quiet}");
    r.store
        .set_source_state(
            &SourceId::new("quiet-src").unwrap(),
            &SourceState {
                last_run: Some(failed),
                last_error: Some("DNS lookup failed for quiet.example".into()),
                consecutive_failures: 1,
                runs: 1,
                ..SourceState::default()
            },
        )
        .unwrap();
    let (_, quiet) = page(&r, "/sources/quiet-src").await;
    assert!(
        quiet.contains(
            "还没有文章：这个来源从未抓取成功（上次错误：DNS lookup failed for quiet.example）。"
        ),
        "{quiet}"
    );
    let (status, _) = page(&r, "/sources/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_finds_titles_and_text_newest_first_and_pages() {
    let mut corpus = super::corpus();
    corpus.extend(many(5, "b-src", "b.example"));
    let r = start_with(config(), corpus).await;
    // By title.
    let (status, html) = page(&r, "/search?q=%E6%8A%A5%E9%81%93").await; // 报道
    assert_eq!(status, StatusCode::OK);
    let hits: Vec<usize> = [
        "第4条报道",
        "第3条报道",
        "第2条报道",
        "第1条报道",
        "第0条报道",
    ]
    .iter()
    .map(|t| html.find(t).unwrap_or_else(|| panic!("{t} missing")))
    .collect();
    assert!(hits.windows(2).all(|w| w[0] < w[1]), "newest first");
    // By text only: a phrase of the mirror story's body, not in any title.
    let (_, html) = page(&r, "/search?q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7").await; // 安全生产
    assert!(html.contains("江苏工会重点抓好"), "{html}");
    assert!(!html.contains("第0条报道"));
    // Paging: two a page, following the next links visits every hit once, in order.
    let mut seen = Vec::new();
    let mut next = Some(r.url("/search?q=%E6%8A%A5%E9%81%93&limit=2"));
    while let Some(u) = next.take() {
        assert!(seen.len() < 50);
        let res = client().get(&u).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        let list = &html[html.find("<ol class=\"stories\">").expect("a list")..];
        let list = &list[..list.find("</ol>").unwrap()];
        let n = list.matches("<li>").count();
        assert!((1..=2).contains(&n), "{list}");
        for t in list.split("<li>").skip(1) {
            let title = t
                .split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned();
            seen.push(title);
        }
        next = html
            .split("<a rel=\"next\" href=\"")
            .nth(1)
            .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"));
    }
    let mut want = vec!["三位记者联合报道职工之家建设".to_owned()];
    want.extend((0..5).rev().map(|i| format!("第{i}条报道")));
    want.extend(["同一秒的报道1".to_owned(), "同一秒的报道0".to_owned()]);
    let mut sorted_seen = seen.clone();
    sorted_seen.sort();
    let mut sorted_want = want.clone();
    sorted_want.sort();
    assert_eq!(sorted_seen, sorted_want, "every hit once: {seen:?}");
    assert_eq!(seen[..6], want[..6], "newest first across pages");
    // Empty states.
    let (_, html) = page(
        &r,
        "/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D",
    )
    .await; // 不存在的词
    assert!(
        html.contains("没有标题或正文包含“不存在的词”的报道。"),
        "{html}"
    );
    let (_, html) = page(&r, "/search").await;
    assert!(html.contains("输入关键词"), "{html}");
    let (status, _) = page(&r, "/search?q=a&before=garbage").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_empty_store_says_why_the_latest_list_is_empty() {
    let r = start_with(config(), Vec::new()).await;
    let (_, html) = page(&r, "/").await;
    assert!(html.contains("还没有报道：来源尚未抓取过"), "{html}");
    for id in ["origin-src", "mirror-src", "a-src", "b-src", "quiet-src"] {
        r.store
            .set_source_state(
                &SourceId::new(id).unwrap(),
                &SourceState {
                    runs: 1,
                    consecutive_failures: 1,
                    last_error: Some("DNS lookup failed".into()),
                    ..SourceState::default()
                },
            )
            .unwrap();
    }
    let (_, html) = page(&r, "/").await;
    assert!(
        html.contains("还没有报道：每个来源的抓取都失败了"),
        "{html}"
    );
}
