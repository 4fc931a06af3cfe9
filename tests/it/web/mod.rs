//! The web side as a user meets it: the story, source and search pages, feed paging, the lead copy of
//! a story carried by a spam mirror, content-coded entity tags, the XSLT view of the feeds, and two
//! real clients: headless Chromium (layout at 400 and 1280 px, console errors) and newsboat (every
//! author shown). Everything runs against the real server on 127.0.0.1 over a real sled store.

mod browser;
mod feeds;
mod newsboat;
mod pages;

use unionwire::config::Config;
use unionwire::extract::{self, Profiles};
use unionwire::model::{Article, Flag, Published};
use url::Url;

use crate::publish::{article, start_with, Running};
use crate::support::fixture_text;

/// Five sources: an origin site and a spam mirror of it (higher priority, so the store's own order
/// would put the mirror first on a tie), two plain feeds, and a listing source.
pub const CONFIG: &str = r#"
[feeds]
title = "测试 · 工会新闻"
default_limit = 50
max_limit = 500

[[sources]]
id = "origin-src"
name = "中国工会新闻"
kind = "listing"
url = "http://acftu.people.com.cn/GB/67560/index.html"
links = "a"
every = "30m"
tags = ["national"]

[[sources]]
id = "mirror-src"
name = "某镜像站"
kind = "listing"
url = "http://spam-mirror.test/list.html"
links = "a"
every = "1h"
priority = 10

[[sources]]
id = "a-src"
name = "甲网"
kind = "feed"
url = "http://a.example/feed.xml"
every = "10m"
tags = ["national"]

[[sources]]
id = "b-src"
name = "乙网"
kind = "feed"
url = "http://b.example/feed.xml"
every = "1h"

[[sources]]
id = "quiet-src"
name = "静网"
kind = "listing"
url = "http://quiet.example/list.html"
links = "a"
every = "2h"
"#;

pub fn config() -> Config {
    Config::from_toml(CONFIG, "web-test.toml").expect("test config parses")
}

/// The URL the mirror copy lives at: another site, a path no mirror rule maps back to the origin, so
/// it is stored as its own article and joins the origin's story as a near-duplicate.
pub const MIRROR_URL: &str = "http://spam-mirror.test/news/20240927/4032.html";
/// The origin's URL.
pub const ORIGIN_URL: &str = "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html";

/// The seed mirror page (tests/fixtures/mirror/mirror.html) extracted and repaired by the real
/// extractor, as the crawler would store it.
pub fn mirror_article() -> Article {
    let u = Url::parse(MIRROR_URL).expect("fixed URL");
    let e = extract::extract_article(
        &fixture_text("mirror/mirror.html"),
        &u,
        Profiles::builtin().for_url(&u),
    )
    .expect("the mirror page extracts");
    let mut a = e.article;
    unionwire::crawl::finish_article(&mut a);
    assert!(a.has_flag(Flag::PinyinMirror), "{:?}", a.flags);
    assert_eq!(
        a.canonical_url, MIRROR_URL,
        "the mirror URL must not map to the origin"
    );
    a
}

/// The origin's clean copy of the same report: the repaired text without the mirror's flags and
/// damage, at the origin's URL.
pub fn origin_article() -> Article {
    let m = mirror_article();
    Article {
        url: ORIGIN_URL.to_owned(),
        canonical_url: ORIGIN_URL.to_owned(),
        flags: Vec::new(),
        paragraphs: m
            .paragraphs
            .iter()
            .map(|p| p.replace('\u{FFFD}', ""))
            .collect(),
        ..m
    }
}

/// An article with several authors (newsboat must show them all).
pub fn multi_author_article() -> Article {
    let mut a = article(
        "http://a.example/n/7.html",
        "三位记者联合报道职工之家建设",
        7,
        24,
    );
    a.authors = vec!["张三".into(), "李四".into(), "王五".into()];
    a
}

/// The corpus of the web tests: the mirror story (origin + mirror), a story carried by a-src and
/// b-src, a multi-author story, and a few single stories.
pub fn corpus() -> Vec<(Article, &'static str)> {
    vec![
        (mirror_article(), "mirror-src"),
        (origin_article(), "origin-src"),
        (
            article("http://a.example/n/1.html", "全总部署职工服务工作", 1, 20),
            "a-src",
        ),
        (
            article(
                "http://b.example/copy/1.html",
                "全总部署职工服务工作",
                1,
                20,
            ),
            "b-src",
        ),
        (multi_author_article(), "a-src"),
        (
            article("http://b.example/n/2.html", "江苏工会开展送温暖活动", 2, 21),
            "b-src",
        ),
        (
            article("http://a.example/n/3.html", "湖北职工技能大赛开幕", 3, 22),
            "a-src",
        ),
    ]
}

pub async fn start() -> Running {
    start_with(config(), corpus()).await
}

/// A story's page path from an article in it.
pub fn story_path(r: &Running, url: &str) -> String {
    let a = r.store.by_url(url).expect("read").expect("stored");
    format!("/stories/{}", a.story.to_hex())
}

/// `n` unrelated stories on `source`, one a day from 2024-08-01, plus two more at the same second
/// (a tie the cursor must break by id).
pub fn many(n: usize, source: &'static str, host: &str) -> Vec<(Article, &'static str)> {
    let mut out = Vec::new();
    for i in 0..n {
        let day = i8::try_from(i % 28 + 1).expect("small");
        let month = 8 + i8::try_from(i / 28).expect("small");
        let mut a = article(
            &format!("http://{host}/p/{i}.html"),
            &format!("第{i}条报道"),
            100 + i,
            day,
        );
        a.published = Published::beijing(2024, month, day, 9, 0, 0);
        out.push((a, source));
    }
    for j in 0..2 {
        let mut a = article(
            &format!("http://{host}/tie/{j}.html"),
            &format!("同一秒的报道{j}"),
            500 + j,
            1,
        );
        a.published = Published::beijing(2024, 7, 1, 8, 0, 0);
        out.push((a, source));
    }
    out
}
