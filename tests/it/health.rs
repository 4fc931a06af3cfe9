//! Integration tests: source health tells the truth. Sources whose hosts do not resolve (`.invalid`, RFC
//! 6761: never resolves, as every host does on a machine without network) are `failing` with a `dns`
//! error after their first run, in `sources`, `sources --json` and `/metrics`; a working source that
//! fails is `degraded`, then `failing`; robots-disallowed links are skipped, not errors.

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;
use unionwire::config::Config;
use unionwire::crawl::{Crawler, RunOptions};
use unionwire::fetch::{FetchConfig, Fetcher};
use unionwire::metrics::Metrics;
use unionwire::store::SourceStatus;

/// One source of every kind, each on a host that does not resolve.
const OFFLINE: &str = r#"
[crawl]
per_host_delay = "0s"
[[sources]]
id = "listing-src"
name = "L"
kind = "listing"
url = "http://news.union-a.invalid/list/"
links = "ul a"
[[sources]]
id = "feed-src"
name = "F"
kind = "feed"
url = "http://union-b.invalid/rss.xml"
[[sources]]
id = "hanweb-src"
name = "H"
kind = "hanweb"
url = "http://www.union-c.invalid/col/col1/index.html"
[[sources]]
id = "epaper-src"
name = "E"
kind = "epaper"
url = "http://paper.union-d.invalid/papers/grrb/"
"#;

#[test]
fn sources_on_hosts_that_do_not_resolve_are_failing_with_a_dns_error_after_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("offline.toml");
    std::fs::write(&cfg, OFFLINE).unwrap();
    let store = dir.path().join("store");
    let run = |args: &[&str]| {
        crate::support::unionwire_command()
            .arg("--config")
            .arg(&cfg)
            .arg("--store")
            .arg(&store)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["crawl", "--once", "--all", "--no-progress"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("DNS lookup failed for news.union-a.invalid"),
        "{stdout}"
    );

    let out = run(&["sources", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    for s in &lines {
        assert_eq!(s["status"], "failing", "{s}");
        assert_eq!(s["last_error"]["kind"], "dns", "{s}");
        assert!(
            s["last_error"]["url"]
                .as_str()
                .unwrap()
                .contains(".invalid/"),
            "{s}"
        );
        assert!(s["last_success"].is_null(), "{s}");
        assert!(s["next_due"].is_string(), "{s}");
        let message = s["last_error"]["message"].as_str().unwrap();
        assert!(message.starts_with("DNS lookup failed for "), "{message}");
        assert!(
            !message.contains("robots.txt"),
            "the site did not block us: {message}"
        );
        assert_eq!(
            message.matches("http://").count(),
            1,
            "the URL once: {message}"
        );
    }

    let out = run(&["sources"]);
    let table = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = table.lines().collect();
    assert!(
        rows[0].starts_with("SOURCE") && rows[0].contains("LAST ERROR"),
        "{table}"
    );
    assert_eq!(rows.len(), 5, "{table}");
    let status_at = rows[0].find("STATUS").unwrap();
    for r in &rows[1..] {
        assert_eq!(
            &r[status_at..status_at + "failing".len()],
            "failing",
            "aligned: {table}"
        );
        assert!(r.contains("dns: DNS lookup failed"), "{table}");
    }
}

/// In one process: `/metrics` counts each failure by source and kind, and says the source is down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_fetch_errors_by_source_and_kind() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::from_toml(OFFLINE, "offline.toml").unwrap();
    cfg.sources.truncate(1);
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let cfg = Arc::new(cfg);
    let metrics = Arc::new(Metrics::default());
    let fetcher = Fetcher::new(FetchConfig::from(&cfg.crawl)).unwrap();
    let crawler = Crawler::new(cfg.clone(), fetcher, store.clone(), metrics.clone());
    let sums = crawler
        .run_once(
            &cfg.sources,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await;
    assert!(sums[0].failed);
    assert_eq!(sums[0].error_kind, Some("dns"));
    let st = store.source_state(&cfg.sources[0].id).unwrap().unwrap();
    let text = metrics.render_prometheus(&[(cfg.sources[0].id.clone(), st)]);
    assert!(
        text.contains("unionwire_fetch_errors_total{source=\"listing-src\",kind=\"dns\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("unionwire_source_up{source=\"listing-src\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("unionwire_source_healthy{source=\"listing-src\"} 0"),
        "{text}"
    );
}

/// A source that worked becomes `degraded` when it fails, `failing` after `crawl.failing_after` failures in
/// a row, and `healthy` again when it works; a link robots.txt disallows is counted as skipped, not as an
/// error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_source_degrades_then_fails_and_robots_links_are_skipped() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let up = Arc::new(AtomicBool::new(true));
    let state = up.clone();
    let page = "<html><body><h1>工会新闻</h1><div class=\"content\"><p>全国总工会部署职工技能培训和劳动权益保障工作，各级工会组织认真落实，推动企业开展集体协商，维护职工合法权益。</p><p>各地工会还开展了送清凉活动。</p></div></body></html>";
    let router = Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /private/\n" }))
        .route(
            "/list/",
            get(move || {
                let ok = state.load(Ordering::SeqCst);
                async move {
                    if ok {
                        (
                            axum::http::StatusCode::OK,
                            axum::response::Html(
                                "<ul><li><a href=\"/n/1.html\">一</a></li><li><a href=\"/private/2.html\">二</a></li></ul>"
                                    .to_owned(),
                            ),
                        )
                    } else {
                        (axum::http::StatusCode::SERVICE_UNAVAILABLE, axum::response::Html(String::new()))
                    }
                }
            }),
        )
        .route("/n/1.html", get(move || async move { axum::response::Html(page) }));
    let server = crate::support::serve(router).await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[crawl]\nper_host_delay = \"0s\"\nretries = 0\nfailing_after = 2\n[[sources]]\nid = \"site\"\nname = \"S\"\nkind = \"listing\"\nurl = \"{}\"\nlinks = \"ul a\"\n",
        server.url("/list/")
    );
    let cfg = Arc::new(Config::from_toml(&text, "t.toml").unwrap());
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
    let fetcher = Fetcher::new(FetchConfig::from(&cfg.crawl)).unwrap();
    let crawler = Crawler::new(
        cfg.clone(),
        fetcher,
        store.clone(),
        Arc::new(Metrics::default()),
    );
    let id = cfg.sources[0].id.clone();
    let once = || {
        let (c, cfg) = (&crawler, cfg.clone());
        async move {
            c.run_once(
                &cfg.sources,
                &RunOptions::default(),
                &CancellationToken::new(),
            )
            .await
        }
    };
    let first = once().await;
    assert_eq!(first[0].new_articles, 1, "{:?}", first[0]);
    assert_eq!(
        first[0].skipped, 1,
        "the robots-disallowed link: {:?}",
        first[0]
    );
    assert!(first[0].errors.is_empty(), "{:?}", first[0].errors);
    assert_eq!(
        store.source_state(&id).unwrap().unwrap().status,
        SourceStatus::Healthy
    );

    up.store(false, Ordering::SeqCst);
    once().await;
    let st = store.source_state(&id).unwrap().unwrap();
    assert_eq!(st.status, SourceStatus::Degraded);
    assert_eq!(st.error.as_ref().unwrap().kind, "http 5xx");
    once().await;
    assert_eq!(
        store.source_state(&id).unwrap().unwrap().status,
        SourceStatus::Failing
    );

    up.store(true, Ordering::SeqCst);
    once().await;
    let st = store.source_state(&id).unwrap().unwrap();
    assert_eq!(st.status, SourceStatus::Healthy);
    assert!(st.last_success.is_some() && st.last_new_article.is_some());
}
