//! Integration tests: the crawler against local multi-host test sites (127.0.0.1 and 127.0.0.2), a real
//! sled store, and the real binary for signal handling.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;
use unionwire::config::Config;
use unionwire::crawl::{Crawler, RunOptions};
use unionwire::fetch::{FetchConfig, Fetcher};
use unionwire::metrics::Metrics;

use crate::support;

/// What a test site saw.
#[derive(Default)]
struct Log {
    /// (path, start instant) of every request.
    hits: Mutex<Vec<(String, Instant)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Log {
    fn count(&self, prefix: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .count()
    }
    fn starts(&self) -> Vec<Instant> {
        self.hits.lock().unwrap().iter().map(|(_, t)| *t).collect()
    }
}

/// How the test site behaves.
#[derive(Clone)]
struct Site {
    name: &'static str,
    articles: usize,
    per_page: usize,
    robots: &'static str,
    /// Listing answers 500.
    broken: bool,
    /// Article paths that answer 503 + Retry-After: 1 the first time.
    retry_after_once: Arc<Mutex<Vec<String>>>,
    /// Each response waits this long (to overlap requests).
    latency: Duration,
    /// First content id of the site's article URLs.
    id_base: usize,
    log: Arc<Log>,
}

impl Site {
    fn new(name: &'static str, articles: usize) -> Self {
        Self {
            name,
            articles,
            per_page: 10,
            robots: "User-agent: *\nAllow: /\n",
            broken: false,
            retry_after_once: Arc::default(),
            latency: Duration::from_millis(20),
            id_base: if name == "乙" {
                41_000_000
            } else {
                40_000_000
            },
            log: Arc::default(),
        }
    }
}

const ORGS: [&str; 12] = [
    "江苏省总工会",
    "浙江省总工会",
    "广东省总工会",
    "四川省总工会",
    "湖北省总工会",
    "山东省总工会",
    "北京市总工会",
    "上海市总工会",
    "天津市总工会",
    "重庆市总工会",
    "河南省总工会",
    "湖南省总工会",
];
const TOPICS: [&str; 12] = [
    "安康杯竞赛推进会",
    "职工技能大赛决赛",
    "劳模创新工作室授牌仪式",
    "职工书屋建设现场会",
    "户外劳动者驿站揭牌",
    "集体协商要约行动",
    "困难职工帮扶中心开放日",
    "新就业形态劳动者入会集中行动",
    "产业工人队伍建设改革座谈会",
    "职工疗休养基地签约",
    "女职工权益保护专项检查",
    "金秋助学金发放仪式",
];
const WORDS: [&str; 64] = [
    "职工",
    "劳动",
    "技能",
    "竞赛",
    "安全",
    "生产",
    "权益",
    "维护",
    "服务",
    "基层",
    "组织",
    "建设",
    "企业",
    "车间",
    "班组",
    "培训",
    "工资",
    "协商",
    "帮扶",
    "困难",
    "慰问",
    "环卫",
    "快递",
    "骑手",
    "驿站",
    "书屋",
    "劳模",
    "工匠",
    "创新",
    "工作室",
    "疗休养",
    "体检",
    "心理",
    "法律",
    "援助",
    "欠薪",
    "工伤",
    "认定",
    "女职工",
    "保护",
    "助学",
    "农民工",
    "返乡",
    "就业",
    "岗位",
    "夜校",
    "学历",
    "提升",
    "数控",
    "焊工",
    "电工",
    "比武",
    "表彰",
    "宣讲",
    "调研",
    "座谈",
    "走访",
    "送温暖",
    "清凉",
    "物资",
    "会员",
    "入会",
    "普惠",
    "平台",
];

/// A deterministic, story-unique article: every number picks different facts and phrasing.
pub(crate) fn article_html(site: &str, n: usize) -> String {
    let pick = |salt: usize, len: usize| {
        let mut x = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (salt as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 31;
        x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 29;
        (x % len as u64) as usize
    };
    let org = ORGS[pick(1, ORGS.len())];
    let topic = TOPICS[(n + pick(2, TOPICS.len())) % TOPICS.len()];
    let mut paras = String::new();
    for k in 0..5 {
        let sentence = |j: usize| -> String {
            (0..12)
                .map(|w| WORDS[pick(100 + k * 1000 + j * 50 + w, WORDS.len())])
                .collect()
        };
        let (d1, d2, d3) = (sentence(1), sentence(2), sentence(3));
        paras.push_str(&format!(
            "<p style=\"text-indent: 2em;\">{site}讯（第{n}号）{}月{}日，{org}举办{topic}。{d1}；{d2}；{d3}。据介绍，本次活动共有{}名职工参加，覆盖企业{}家。</p>\n",
            1 + (n + k) % 12,
            1 + (n * 3 + k) % 28,
            100 + n * 17 + k * 101,
            10 + n * 3 + k * 7,
        ));
    }
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>{org}{topic}--中国工会新闻--人民网</title></head>
<body><div class="layout rm_txt cf"><div class="col col-1 fl">
<h1>{org}举办{topic}（{site}{n}）</h1>
<div class="col-1-1 fl">2024年09月{:02}日10:{:02} | 来源：<a href="/">工人日报</a></div>
<div class="rm_txt_con cf" id="rm_txt_zw">{paras}</div>
<div class="edit cf">(责编：王五、赵六)</div>
</div></div></body></html>"#,
        1 + n % 28,
        n % 60
    )
}

fn listing_html(site: &Site, page: usize) -> String {
    let pages = site.articles.div_ceil(site.per_page).max(1);
    let mut items = String::new();
    let start = (page - 1) * site.per_page;
    for n in start..(start + site.per_page).min(site.articles) {
        items.push_str(&format!("<li><a href='/n1/2024/0927/c67502-{}.html' target=\"_blank\">{}新闻{n}</a> <i class=gray> 2024-09-27 </i></li>\n", site.id_base + n, site.name));
    }
    let next = if page < pages {
        format!(
            "<div class=\"page_n\"><a href=\"index{}.html\">下一页</a></div>",
            page + 1
        )
    } else {
        String::new()
    };
    format!("<html><head><meta charset=\"utf-8\"><title>列表</title></head><body><div class=\"ej_list_box clear\"><ul>{items}</ul></div>{next}</body></html>")
}

async fn handle(
    State(site): State<Site>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let log = site.log.clone();
    log.hits
        .lock()
        .unwrap()
        .push((format!("/{path}"), Instant::now()));
    let now = log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    log.max_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(site.latency).await;
    let resp = respond(&site, &path, &headers);
    log.in_flight.fetch_sub(1, Ordering::SeqCst);
    resp
}

fn respond(site: &Site, path: &str, headers: &HeaderMap) -> Response {
    let html = |body: String| {
        let etag = format!(
            "\"{:x}\"",
            body.len() * 31 + body.bytes().map(usize::from).sum::<usize>()
        );
        if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
            return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
        }
        (
            StatusCode::OK,
            [
                ("content-type", "text/html; charset=utf-8".to_owned()),
                ("etag", etag),
            ],
            body,
        )
            .into_response()
    };
    if path == "robots.txt" {
        return (StatusCode::OK, site.robots).into_response();
    }
    if let Some(rest) = path.strip_prefix("list/index") {
        if site.broken {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        let page = rest.trim_end_matches(".html").parse::<usize>().unwrap_or(1);
        return html(listing_html(site, page));
    }
    if let Some(rest) = path.strip_prefix("n1/2024/0927/c67502-") {
        let mut once = site.retry_after_once.lock().unwrap();
        if let Some(i) = once.iter().position(|p| p == path) {
            once.remove(i);
            return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")]).into_response();
        }
        drop(once);
        let n = rest
            .trim_end_matches(".html")
            .parse::<usize>()
            .unwrap_or(0)
            .saturating_sub(site.id_base);
        if n < site.articles {
            return html(article_html(site.name, n));
        }
    }
    StatusCode::NOT_FOUND.into_response()
}

async fn start(site: &Site, ip: [u8; 4]) -> SocketAddr {
    let router = Router::new()
        .route("/{*path}", get(handle))
        .with_state(site.clone());
    support::serve_on(ip, router).await.addr
}

fn config_for(
    store: &std::path::Path,
    sources: &[(&str, SocketAddr, u32)],
    delay_ms: u64,
) -> Config {
    let mut t = format!(
        "[store]\npath = {:?}\n[crawl]\nper_host_delay = \"{delay_ms}ms\"\nretries = 2\njitter = 0.0\nconcurrency = 8\n",
        store.display().to_string()
    );
    for (id, addr, pages) in sources {
        t.push_str(&format!(
            "[[sources]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"listing\"\nurl = \"http://{addr}/list/index.html\"\nlinks = \"div.ej_list_box li a\"\nevery = \"30m\"\npages = {pages}\n"
        ));
    }
    Config::from_toml(&t, "test.toml").unwrap()
}

fn crawler(cfg: Config, store: &unionwire::store::SharedStore) -> Crawler {
    let cfg = Arc::new(cfg);
    let fetcher = Fetcher::new(FetchConfig::from(&cfg.crawl)).unwrap();
    Crawler::new(cfg, fetcher, store.clone(), Arc::new(Metrics::default()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_once_stores_every_article_and_the_second_run_uses_conditional_get() {
    let site = Site::new("甲", 25);
    let addr = start(&site, [127, 0, 0, 1]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let cfg = config_for(&dir.path().join("s"), &[("site-a", addr, 5)], 0);
    let c = crawler(cfg.clone(), &store);
    let token = CancellationToken::new();

    let first = c
        .run_once(&cfg.sources, &RunOptions::default(), &token)
        .await;
    assert_eq!(first[0].new_articles, 25, "{:?}", first[0]);
    assert_eq!(first[0].new_stories, 25, "{:?}", first[0]);
    assert!(!first[0].failed);
    assert_eq!(
        site.log.count("/list/index"),
        3,
        "three listing pages, then pagination stops"
    );
    assert_eq!(store.stats().unwrap().articles, 25);

    let article_hits = site.log.count("/n1/");
    let second = c
        .run_once(&cfg.sources, &RunOptions::default(), &token)
        .await;
    assert_eq!(second[0].new_articles, 0);
    assert_eq!(
        second[0].not_modified, 1,
        "the first listing page answers 304: {:?}",
        second[0]
    );
    assert_eq!(
        site.log.count("/n1/"),
        article_hits,
        "no stored article is fetched again"
    );
    assert_eq!(store.stats().unwrap().articles, 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_per_host_with_the_delay_while_other_hosts_proceed() {
    let a = Site::new("甲", 6);
    let b = Site::new("乙", 6);
    let addr_a = start(&a, [127, 0, 0, 1]).await;
    let addr_b = start(&b, [127, 0, 0, 2]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let delay = 250u64;
    let cfg = config_for(
        &dir.path().join("s"),
        &[("site-a", addr_a, 1), ("site-b", addr_b, 1)],
        delay,
    );
    let c = crawler(cfg.clone(), &store);
    let sums = c
        .run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(sums[0].new_articles + sums[1].new_articles, 12, "{sums:?}");

    for site in [&a, &b] {
        assert_eq!(
            site.log.max_in_flight.load(Ordering::SeqCst),
            1,
            "one request in flight per host"
        );
        let starts = site.log.starts();
        assert!(starts.len() >= 8, "robots + listing + 6 articles");
        for w in starts.windows(2) {
            let gap = w[1].duration_since(w[0]);
            assert!(
                support::waited(gap, Duration::from_millis(delay)),
                "gap {gap:?} below the per-host delay"
            );
        }
    }
    // The hosts were crawled side by side, not one after the other.
    let (sa, sb) = (a.log.starts(), b.log.starts());
    let (a_first, a_last) = (sa[0], *sa.last().unwrap());
    assert!(
        sb.iter().any(|t| *t > a_first && *t < a_last),
        "host B waited for host A"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_disallow_is_obeyed() {
    let mut site = Site::new("甲", 10);
    site.robots = "User-agent: *\nDisallow: /n1/2024/0927/c67502-40000003.html\nDisallow: /n1/2024/0927/c67502-40000007.html\n";
    let addr = start(&site, [127, 0, 0, 1]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let cfg = config_for(&dir.path().join("s"), &[("site-a", addr, 1)], 0);
    let sums = crawler(cfg.clone(), &store)
        .run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(sums[0].new_articles, 8, "{:?}", sums[0]);
    assert_eq!(site.log.count("/n1/2024/0927/c67502-40000003"), 0);
    assert_eq!(site.log.count("/n1/2024/0927/c67502-40000007"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_holds_the_host() {
    let site = Site::new("甲", 3);
    site.retry_after_once
        .lock()
        .unwrap()
        .push("n1/2024/0927/c67502-40000001.html".into());
    let addr = start(&site, [127, 0, 0, 1]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let cfg = config_for(&dir.path().join("s"), &[("site-a", addr, 1)], 0);
    let sums = crawler(cfg.clone(), &store)
        .run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(
        sums[0].new_articles, 3,
        "the 503 was retried: {:?}",
        sums[0]
    );
    let hits = site.log.hits.lock().unwrap().clone();
    let first_503 = hits
        .iter()
        .position(|(p, _)| p.ends_with("40000001.html"))
        .unwrap();
    let t503 = hits[first_503].1;
    for (p, t) in &hits[first_503 + 1..] {
        assert!(
            support::waited(t.duration_since(t503), Duration::from_secs(1)),
            "{p} was requested {:?} after a Retry-After: 1",
            t.duration_since(t503)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_does_not_stop_the_others_and_is_recorded() {
    let good = Site::new("甲", 4);
    let mut bad = Site::new("乙", 4);
    bad.broken = true;
    let addr_good = start(&good, [127, 0, 0, 1]).await;
    let addr_bad = start(&bad, [127, 0, 0, 2]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let mut cfg = config_for(
        &dir.path().join("s"),
        &[("bad", addr_bad, 1), ("good", addr_good, 1)],
        0,
    );
    cfg.crawl.retries = 0;
    let c = crawler(cfg.clone(), &store);
    let sums = c
        .run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
    let by: HashMap<_, _> = sums.iter().map(|s| (s.source.as_str(), s)).collect();
    assert!(by["bad"].failed);
    assert!(
        by["bad"].errors[0].contains("500"),
        "{:?}",
        by["bad"].errors
    );
    assert_eq!(by["good"].new_articles, 4);
    let st = store
        .source_state(&"bad".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(st.consecutive_failures, 1);
    assert!(st.last_error.is_some());
    let ok = store
        .source_state(&"good".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(ok.consecutive_failures, 0);
    assert!(ok.healthy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_yields_nothing_for_n_runs_is_unhealthy() {
    let site = Site::new("甲", 0);
    let addr = start(&site, [127, 0, 0, 1]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let mut cfg = config_for(&dir.path().join("s"), &[("empty", addr, 1)], 0);
    cfg.crawl.failing_after = 3;
    let c = crawler(cfg.clone(), &store);
    for run in 1..=3 {
        c.run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
        let st = store
            .source_state(&"empty".parse().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(st.consecutive_empty, run);
        assert_eq!(st.healthy, run < 3, "run {run}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_mid_crawl_keeps_what_was_stored_and_the_next_run_completes() {
    let mut site = Site::new("甲", 40);
    site.latency = Duration::from_millis(30);
    let addr = start(&site, [127, 0, 0, 1]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let cfg = config_for(&path, &[("site-a", addr, 4)], 10);
    {
        let store = unionwire::store::open(&path).unwrap();
        let c = crawler(cfg.clone(), &store);
        let token = CancellationToken::new();
        let t2 = token.clone();
        let seen = site.log.clone();
        // Cancel once the crawl is under way: ten articles asked for (of 40).
        tokio::spawn(async move {
            while seen.count("/n1/") < 10 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            t2.cancel();
        });
        let sums = tokio::time::timeout(
            support::HANG,
            c.run_once(&cfg.sources, &RunOptions::default(), &token),
        )
        .await
        .expect("the cancelled crawl returns");
        assert!(sums[0].cancelled);
        assert!(sums[0].new_articles < 40, "{:?}", sums[0]);
        store.flush().unwrap();
    }
    let store = unionwire::store::open(&path).unwrap();
    let before = store.stats().unwrap().articles;
    let sums = crawler(cfg.clone(), &store)
        .run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(before + sums[0].new_articles, 40, "{:?}", sums[0]);
    assert_eq!(store.stats().unwrap().articles, 40);
}

/// Runs the site on its own runtime thread so that the test can block on a child process.
fn site_in_background(site: Site) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            tx.send(start(&site, [127, 0, 0, 1]).await).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

/// Requests the site saw for each path (`/n1/…`, `/list/…`).
fn hits_by_path(log: &Log) -> HashMap<String, usize> {
    let mut by = HashMap::new();
    for (p, _) in log.hits.lock().unwrap().iter() {
        *by.entry(p.clone()).or_insert(0) += 1;
    }
    by
}

#[test]
fn sigterm_mid_crawl_exits_zero_and_a_restart_loses_nothing() {
    let mut site = Site::new("甲", 60);
    site.latency = Duration::from_millis(15);
    let log = site.log.clone();
    let addr = site_in_background(site);
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("s");
    let cfg_path = dir.path().join("c.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[store]\npath = {:?}\n[server]\nlisten = \"127.0.0.1:0\"\n[crawl]\nper_host_delay = \"20ms\"\njitter = 0.0\n[[sources]]\nid = \"a\"\nname = \"a\"\nkind = \"listing\"\nurl = \"http://{addr}/list/index.html\"\nlinks = \"div.ej_list_box li a\"\nevery = \"30m\"\npages = 6\n",
            store_path.display().to_string()
        ),
    )
    .unwrap();
    let mut daemon =
        support::daemon::start_daemon_of(std::path::Path::new(support::bin()), &cfg_path);
    // Wait until the daemon has made its first batch of articles durable, then ask it to stop.
    daemon.wait_acked(1, support::HANG);
    daemon.terminate();
    let (code, lines) = daemon.finish();
    assert!(code.success(), "exit status {code:?}");
    let acked: std::collections::HashSet<String> =
        support::daemon::durable_urls(&lines).into_iter().collect();

    let stored_after_stop: std::collections::HashSet<String> = {
        let store = unionwire::store::open(&store_path).unwrap();
        assert!(store.verify().unwrap().is_ok());
        let urls = store
            .articles()
            .map(|a| a.unwrap().article.url)
            .collect::<std::collections::HashSet<_>>();
        assert_eq!(store.stats().unwrap().articles, urls.len() as u64);
        urls
    };
    eprintln!(
        "SIGTERM after the first durable batch: {} acknowledged, {} stored, {} article requests",
        acked.len(),
        stored_after_stop.len(),
        log.count("/n1/")
    );
    // Mid-crawl really, and the stop lost nothing it had acknowledged nor stored anything it had not.
    assert!(!acked.is_empty(), "the daemon acknowledged a batch");
    assert!(
        stored_after_stop.len() < 60,
        "the crawl had finished before SIGTERM: not a mid-crawl stop"
    );
    assert_eq!(
        stored_after_stop, acked,
        "stored after the stop = acknowledged before it"
    );

    // A restart picks up where the daemon stopped: it fetches only what is missing, stores it once.
    let before_restart = hits_by_path(&log);
    let out = support::unionwire_command()
        .args([
            "--config",
            cfg_path.to_str().unwrap(),
            "crawl",
            "--once",
            "--all",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after_restart = hits_by_path(&log);
    let base = format!("http://{addr}");
    let mut refetched = Vec::new();
    let mut fetched_new = 0;
    for n in 0..60 {
        let path = format!("/n1/2024/0927/c67502-{}.html", 40_000_000 + n);
        let was = before_restart.get(&path).copied().unwrap_or(0);
        let now = after_restart.get(&path).copied().unwrap_or(0);
        if stored_after_stop.contains(&format!("{base}{path}")) {
            if now != was {
                refetched.push(path);
            }
        } else {
            assert!(
                now > was,
                "{path} was missing and the restart did not fetch it"
            );
            fetched_new += 1;
        }
    }
    assert!(
        refetched.is_empty(),
        "stored before the stop but fetched again by the restart: {refetched:?}"
    );
    let store = unionwire::store::open(&store_path).unwrap();
    let final_urls: std::collections::HashSet<String> =
        store.articles().map(|a| a.unwrap().article.url).collect();
    assert!(
        stored_after_stop.is_subset(&final_urls),
        "an article stored before the stop is gone after the restart"
    );
    assert_eq!(fetched_new, 60 - stored_after_stop.len());
    assert_eq!(store.stats().unwrap().articles, 60);
    assert_eq!(store.stats().unwrap().stories, 60);
}

/// Serves the fixture replicas of the real union sites by Host header and path.
async fn replica_handler(headers: HeaderMap, Path(path): Path<String>) -> Response {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_owned();
    let file = match (host.as_str(), path.as_str()) {
        (_, "robots.txt") => return StatusCode::NOT_FOUND.into_response(),
        ("acftu.people.com.cn", "GB/67502/index.html") => "people/list_index.html",
        ("acftu.people.com.cn", "GB/67502/index2.html") => "people/list_index2.html",
        ("acftu.people.com.cn", p) if p.ends_with("40320001.html") => "people/rm_txt.html",
        ("acftu.people.com.cn", p) if p.ends_with("40320002.html") => "people/text_c.html",
        ("acftu.people.com.cn", p) if p.ends_with("40320003.html") => "people/box01.html",
        ("acftu.people.com.cn", p) if p.contains("40320000-2") => "people/box01_p2.html",
        ("acftu.people.com.cn", p) if p.starts_with("n1/") => "people/text_c_utf8.html",
        ("www.workercn.cn", "") => {
            return (
                [("content-type", "text/html; charset=utf-8")],
                "<html><body><ul><li><a href=\"/c/2024-09-27/8300000.shtml\">职工书屋建到工地上</a></li>\
                 <li><a href=\"/about.html\">关于我们</a></li></ul></body></html>",
            )
                .into_response()
        }
        ("www.workercn.cn", p) if p.starts_with("c/") => "workercn/article.html",
        ("www.workercn.cn", p) if p.starts_with("papers/grrb/") && p.ends_with("page.html") => "workercn/epaper_page.html",
        ("www.workercn.cn", p) if p.starts_with("papers/grrb/") && p.contains("news-") => "workercn/epaper_news.html",
        ("www.acftu.org" | "www.hbzgh.org.cn", p) if p.ends_with("ghyw/") => "acftu/list.html",
        ("www.acftu.org" | "www.hbzgh.org.cn", p) if p.contains("/t2024") => "acftu/article.html",
        ("www.jsgh.org", p) if p.starts_with("col/col") => "hanweb/list.html",
        ("www.jsgh.org", p) if p.contains("dataproxy.jsp") => "hanweb/dataproxy_page2.xml",
        ("www.jsgh.org", p) if p.starts_with("art/") => "hanweb/article.html",
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let text = support::fixture_text(file);
    // Pages that declare GB2312 are served as GBK bytes, as the real sites do.
    let head: String = text.chars().take(600).collect();
    let declares_gbk = head.to_ascii_lowercase().contains("charset=gb2312");
    let bytes = if declares_gbk {
        encoding_rs::GBK.encode(&text).0.into_owned()
    } else {
        text.into_bytes()
    };
    let ct = if file.ends_with(".xml") {
        "text/xml"
    } else {
        "text/html"
    };
    ([("content-type", ct)], bytes).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_default_source_crawls_its_fixture_replica() {
    let router = Router::new()
        .route(
            "/",
            get(|h: HeaderMap| replica_handler(h, Path(String::new()))),
        )
        .route("/{*path}", get(replica_handler));
    let addr = support::serve(router).await.addr;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::embedded().unwrap();
    cfg.store.path = dir.path().join("s");
    cfg.crawl.per_host_delay = Duration::ZERO;
    for s in &mut cfg.sources {
        // The replica speaks plain HTTP; hosts and paths stay the real ones.
        if s.url.scheme() == "https" {
            s.url.set_scheme("http").unwrap();
        }
    }
    let store = unionwire::store::open(&cfg.store.path).unwrap();
    let mut fetcher = Fetcher::new(FetchConfig::from(&cfg.crawl)).unwrap();
    for s in &cfg.sources {
        fetcher = fetcher.with_host_override(s.url.host_str().unwrap(), addr);
    }
    let cfg = Arc::new(cfg);
    let c = Crawler::new(
        cfg.clone(),
        fetcher,
        store.clone(),
        Arc::new(Metrics::default()),
    );
    let sums = c
        .run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
    for s in &sums {
        assert!(!s.failed, "{s:?}");
        // (jsgh and jsgh-jcdt share one replica page, so which of them stores its articles first varies.)
        assert!(
            s.links_found >= 1,
            "source {} found no article: {s:?}",
            s.source
        );
        assert!(s.errors.is_empty(), "{s:?}");
    }
    let stored: u64 = sums.iter().map(|s| s.new_articles).sum();
    assert_eq!(store.stats().unwrap().articles, stored);
    let by: HashMap<_, _> = sums.iter().map(|s| (s.source.as_str(), s)).collect();
    assert_eq!(
        by["acftu-people"].new_articles, 7,
        "5 links on page 1 and 2 on page 2: {:?}",
        by["acftu-people"]
    );
    for a in store.articles() {
        let a = a.unwrap();
        assert!(!a.article.title.is_empty(), "{:?}", a.article.url);
        assert!(
            a.article.published.is_some(),
            "no date for {}",
            a.article.url
        );
        assert!(
            a.article.paragraphs.len() >= 3,
            "{}: {:?}",
            a.article.url,
            a.article.paragraphs
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn epaper_backfill_walks_each_issue_in_the_range() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let router = Router::new().route(
        "/{*path}",
        get(move |h: HeaderMap, Path(path): Path<String>| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(path.clone());
                replica_handler(h, Path(path)).await
            }
        }),
    );
    let addr = support::serve(router).await.addr;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::embedded().unwrap();
    cfg.store.path = dir.path().join("s");
    cfg.crawl.per_host_delay = Duration::ZERO;
    let mut src = cfg.source("grrb-epaper").unwrap().clone();
    src.url.set_scheme("http").unwrap();
    let store = unionwire::store::open(&cfg.store.path).unwrap();
    let fetcher = Fetcher::new(FetchConfig::from(&cfg.crawl))
        .unwrap()
        .with_host_override("www.workercn.cn", addr);
    let c = Crawler::new(Arc::new(cfg), fetcher, store, Arc::new(Metrics::default()));
    let range = ("2024-09-01".parse().unwrap(), "2024-09-03".parse().unwrap());
    let opts = RunOptions {
        epaper_range: Some(range),
    };
    let sum = c.crawl_source(&src, &opts, &CancellationToken::new()).await;
    assert!(!sum.failed && sum.errors.is_empty(), "{sum:?}");
    assert!(sum.new_articles >= 1, "{sum:?}");
    let seen = seen.lock().unwrap().clone();
    let issues: Vec<&String> = seen
        .iter()
        .filter(|p| p.ends_with("/1/page.html"))
        .collect();
    for day in ["01", "02", "03"] {
        let want = format!("papers/grrb/2024/09/{day}/1/page.html");
        assert!(
            issues.iter().any(|p| **p == want),
            "issue {want} not fetched: {issues:?}"
        );
    }
    assert!(
        !seen
            .iter()
            .any(|p| p.contains("2024/08/31") || p.contains("2024/09/04")),
        "{seen:?}"
    );
}
