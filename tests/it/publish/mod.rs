//! Integration tests for `publish` (renderers, OPML) and `server` (routes, conditional GET, limits),
//! over a real sled store in a temporary directory and the real server on 127.0.0.1:0.

mod freshness;
mod render;
mod server;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use unionwire::config::Config;
use unionwire::metrics::Metrics;
use unionwire::model::{Article, Published, SourceId};

/// Three sources: `a-src` (every 10m, tags north), `b-src` (1h, north+south), `c-src` (2h, south).
pub const CONFIG: &str = r#"
[feeds]
title = "测试 · 工会新闻"
default_limit = 50
max_limit = 500

[[sources]]
id = "a-src"
name = "甲网"
kind = "feed"
url = "http://a.example/feed.xml"
every = "10m"
tags = ["north"]
priority = 10

[[sources]]
id = "b-src"
name = "乙网"
kind = "feed"
url = "http://b.example/feed.xml"
every = "1h"
tags = ["north", "south"]
priority = 5

[[sources]]
id = "c-src"
name = "丙网"
kind = "feed"
url = "http://c.example/feed.xml"
every = "2h"
tags = ["south"]
"#;

pub fn config() -> Config {
    Config::from_toml(CONFIG, "test.toml").expect("test config parses")
}

/// Deterministic pseudo-random Chinese text for `seed`: different seeds give unrelated text, so the
/// articles are different stories; the same seed gives the same text (a copy on another site).
fn text_for(seed: usize, paragraph: usize) -> String {
    let mut x = (seed as u64 + 1)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add((paragraph as u64).wrapping_mul(1_442_695_040_888_963_407));
    (0..80)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from_u32(0x4E00 + u32::try_from((x >> 33) % 0x51A5).unwrap()).unwrap()
        })
        .collect()
}

/// An article whose six paragraphs are chosen by `seed` (same seed, same text).
pub fn article(url: &str, title: &str, seed: usize, day: i8) -> Article {
    let paragraphs = (0..6).map(|i| format!("{}。", text_for(seed, i))).collect();
    Article {
        url: url.to_owned(),
        canonical_url: url.to_owned(),
        title: title.to_owned(),
        authors: vec!["张三".to_owned()],
        source: Some("工人日报".to_owned()),
        published: Published::beijing(2024, 9, day, 11, 1, 0),
        paragraphs,
        ..Article::default()
    }
}

pub fn sid(s: &str) -> SourceId {
    SourceId::new(s).expect("valid id")
}

/// A running server over a store filled with `articles`.
pub struct Running {
    pub base: String,
    pub store: unionwire::store::SharedStore,
    pub token: CancellationToken,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub metrics: Arc<Metrics>,
    _dir: tempfile::TempDir,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

pub async fn start_with(cfg: Config, articles: Vec<(Article, &str)>) -> Running {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = unionwire::store::open(&dir.path().join("db")).expect("open store");
    let batch = articles
        .into_iter()
        .map(|(a, s)| (a, sid(s), cfg.source(s).map_or(0, |c| c.priority)).into())
        .collect();
    store.ingest_batch(batch).expect("ingest");
    let metrics = Arc::new(Metrics::new());
    let state = unionwire::server::AppState::new(store.clone(), Arc::new(cfg), metrics.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let token = CancellationToken::new();
    let task = tokio::spawn(unionwire::server::serve(listener, state, token.clone()));
    Running {
        base: format!("http://{addr}"),
        store,
        token,
        task,
        metrics,
        _dir: dir,
    }
}

/// The standard corpus: story 1 carried by a-src and b-src (same text), story 2 on c-src, story 3 on a-src.
pub fn corpus() -> Vec<(Article, &'static str)> {
    vec![
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
        (
            article("http://c.example/2.html", "江苏工会开展送温暖活动", 2, 21),
            "c-src",
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

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .expect("client")
}
