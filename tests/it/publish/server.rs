//! Server tests: the real `server::serve` on 127.0.0.1:0 over a real store.

use reqwest::StatusCode;

use super::{article, client, config, start, start_with, Running};

async fn get(r: &Running, path: &str) -> reqwest::Response {
    client().get(r.url(path)).send().await.expect("request")
}

fn parse(body: &[u8]) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body).expect("feed-rs parses the served feed")
}

const FEEDS: [&str; 9] = [
    "/feeds/all.rss",
    "/feeds/all.atom",
    "/feeds/all.json",
    "/feeds/source/a-src.rss",
    "/feeds/source/c-src.atom",
    "/feeds/source/b-src.json",
    "/feeds/tag/north.rss",
    "/feeds/tag/south.atom",
    "/feeds/tag/south.json",
];

#[tokio::test]
async fn every_route_answers_with_its_media_type() {
    let r = start().await;
    for (path, ctype) in [
        ("/feeds/all.rss", "application/rss+xml; charset=utf-8"),
        ("/feeds/all.atom", "application/atom+xml; charset=utf-8"),
        ("/feeds/all.json", "application/feed+json; charset=utf-8"),
        ("/opml", "text/x-opml; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/healthz", "text/plain; charset=utf-8"),
        ("/metrics", "text/plain; version=0.0.4; charset=utf-8"),
    ] {
        let res = get(&r, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["content-type"], ctype, "{path}");
    }
    for path in FEEDS {
        let res = get(&r, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body = res.bytes().await.unwrap();
        assert!(!parse(&body).entries.is_empty(), "{path} is empty");
    }
}

#[tokio::test]
async fn all_feed_has_one_item_per_story_newest_first_with_the_other_carriers() {
    let r = start().await;
    let body = get(&r, "/feeds/all.rss").await.bytes().await.unwrap();
    let feed = parse(&body);
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles,
        [
            "湖北职工技能大赛开幕",
            "江苏工会开展送温暖活动",
            "全总部署职工服务工作"
        ]
    );
    let story = &feed.entries[2];
    assert!(story.id.starts_with("urn:unionwire:story:"), "{}", story.id);
    assert_eq!(story.links[0].href, "http://a.example/n/1.html");
    let html = story.content.as_ref().unwrap().body.clone().unwrap();
    assert!(html.contains("http://b.example/copy/1.html"), "{html}");
    assert!(html.contains("乙网"), "{html}");
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("<pubDate>Fri, 20 Sep 2024 11:01:00 +0800</pubDate>"),
        "{text}"
    );
    assert!(text.contains("<dc:creator>张三</dc:creator>"));
    assert!(text.contains("<category>甲网</category>"));
    assert!(text.contains("<ttl>10</ttl>"));
    assert!(
        text.contains(&format!("href=\"{}/feeds/all.rss\"", r.base)),
        "self link uses the Host"
    );
    // The same story keeps its GUID in every feed and format.
    for path in [
        "/feeds/all.atom",
        "/feeds/all.json",
        "/feeds/source/b-src.rss",
        "/feeds/tag/north.atom",
    ] {
        let f = parse(&get(&r, path).await.bytes().await.unwrap());
        assert!(f.entries.iter().any(|e| e.id == story.id), "{path}");
    }
}

#[tokio::test]
async fn source_and_tag_feeds_hold_only_their_sources() {
    let r = start().await;
    let ids = |f: feed_rs::model::Feed| {
        f.entries
            .into_iter()
            .map(|e| e.links[0].href.clone())
            .collect::<Vec<_>>()
    };
    let c = ids(parse(
        &get(&r, "/feeds/source/c-src.rss")
            .await
            .bytes()
            .await
            .unwrap(),
    ));
    assert_eq!(c, ["http://c.example/2.html"]);
    let b = ids(parse(
        &get(&r, "/feeds/source/b-src.rss")
            .await
            .bytes()
            .await
            .unwrap(),
    ));
    // b-src carried story 1 (a copy of a-src's): its feed lists the story, through its lead copy,
    // the same link as every other feed.
    assert_eq!(b, ["http://a.example/n/1.html"]);
    let south = ids(parse(
        &get(&r, "/feeds/tag/south.rss").await.bytes().await.unwrap(),
    ));
    assert_eq!(south.len(), 2, "{south:?}");
    assert!(!south.contains(&"http://a.example/n/3.html".to_owned()));
}

#[tokio::test]
async fn keyword_filter_and_limit() {
    let r = start().await;
    let q = |p: &str| {
        let r = &r;
        let p = p.to_owned();
        async move {
            parse(&get(r, &p).await.bytes().await.unwrap())
                .entries
                .len()
        }
    };
    assert_eq!(
        q("/feeds/all.rss?q=%E6%B1%9F%E8%8B%8F").await,
        1,
        "q=江苏 (a substring)"
    );
    assert_eq!(q("/feeds/all.rss?q=%E6%B2%A1%E6%9C%89").await, 0, "q=没有");
    assert_eq!(q("/feeds/all.rss?limit=1").await, 1);
    assert_eq!(q("/feeds/all.json?limit=2").await, 2);
    assert_eq!(
        q("/feeds/source/a-src.atom?q=%E6%B9%96%E5%8C%97&limit=5").await,
        1
    );
}

#[tokio::test]
async fn bad_input_gets_400_and_unknown_names_404() {
    let r = start().await;
    let long_q = format!("/feeds/all.rss?q={}", "a".repeat(201));
    for path in [
        "/feeds/all.rss?limit=0",
        "/feeds/all.rss?limit=501",
        "/feeds/all.rss?limit=abc",
        "/feeds/all.rss?limit=99999999999999999999999999",
        "/feeds/all.rss?q=%FF%FE",
        long_q.as_str(),
    ] {
        let res = get(&r, path).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = res.text().await.unwrap();
        assert!(body.len() < 100, "{body}");
    }
    for path in [
        "/feeds/nope.rss",
        "/feeds/all.xml",
        "/feeds/all",
        "/feeds/source/zzz.rss",
        "/feeds/tag/zzz.atom",
        "/feeds/source/A-SRC.rss",
        "/feeds/../Cargo.toml",
        "/feeds/source/..%2F..%2FCargo.toml",
        "/feeds/source/%2e%2e%2fCargo.toml.rss",
        "/feeds/all.rss/extra",
        "/etc/passwd",
        "/feeds/tag/north.rss.rss",
    ] {
        assert_eq!(
            get(&r, path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let res = client()
        .post(r.url("/feeds/all.rss"))
        .body(vec![b'x'; 10 << 20])
        .send()
        .await;
    if let Ok(res) = res {
        assert!(
            [
                StatusCode::PAYLOAD_TOO_LARGE,
                StatusCode::METHOD_NOT_ALLOWED
            ]
            .contains(&res.status()),
            "{}",
            res.status()
        );
    }
}

#[tokio::test]
async fn conditional_get_matrix() {
    let r = start().await;
    let c = client();
    let first = c.get(r.url("/feeds/all.rss")).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let lm = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    let cc = first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong etag {etag}"
    );
    assert_eq!(cc, "public, max-age=600");
    let body = first.bytes().await.unwrap();

    let weak = format!("W/{etag}");
    let list = format!("\"nope\", {etag}");
    let cases: Vec<(Vec<(&str, &str)>, StatusCode)> = vec![
        (vec![("if-none-match", &etag)], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", &weak)], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", &list)], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", "*")], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", "\"nope\"")], StatusCode::OK),
        (
            vec![
                ("if-none-match", &etag),
                ("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT"),
            ],
            StatusCode::NOT_MODIFIED,
        ),
        (
            vec![("if-none-match", "\"nope\""), ("if-modified-since", &lm)],
            StatusCode::OK,
        ),
        (vec![("if-modified-since", &lm)], StatusCode::NOT_MODIFIED),
        (
            vec![("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")],
            StatusCode::OK,
        ),
        (vec![("if-modified-since", "not a date")], StatusCode::OK),
    ];
    for (headers, want) in cases {
        let mut req = c.get(r.url("/feeds/all.rss"));
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), want, "{headers:?}");
        assert_eq!(res.headers()["etag"], etag.as_str(), "{headers:?}");
        assert_eq!(res.headers()["cache-control"], cc.as_str());
        assert!(res.headers().get("vary").is_some());
        assert!(res.headers().get("date").is_some());
        let got = res.bytes().await.unwrap();
        if want == StatusCode::NOT_MODIFIED {
            assert!(got.is_empty(), "304 with a body");
        } else {
            assert_eq!(got, body);
        }
    }
    let head = c
        .head(r.url("/feeds/all.rss"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_MODIFIED);
    let post = c
        .post(r.url("/feeds/all.rss"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);

    // A new story changes the generation: new ETag, new body, 200 for the old validator.
    r.store
        .ingest_batch(vec![(
            article("http://c.example/9.html", "新的报道", 4, 25),
            super::sid("c-src"),
            0,
        )
            .into()])
        .unwrap();
    let res = c
        .get(r.url("/feeds/all.rss"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_ne!(res.headers()["etag"], etag.as_str());
    let feed = parse(&res.bytes().await.unwrap());
    assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "新的报道");
}

#[tokio::test]
async fn etags_are_stable_across_restarts_and_cache_hits_are_counted() {
    let a = start().await;
    let b = start().await;
    let c = client();
    // Different ports mean different self links, so compare with a fixed base URL instead.
    let mut cfg = config();
    cfg.server.base_url = Some(url::Url::parse("http://feeds.example/").unwrap());
    let x = start_with(cfg.clone(), super::corpus()).await;
    let y = start_with(cfg, super::corpus()).await;
    let tag = |r: &Running| {
        let c = c.clone();
        let u = r.url("/feeds/all.atom");
        async move {
            c.get(u).send().await.unwrap().headers()["etag"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(tag(&x).await, tag(&y).await);
    assert_eq!(tag(&x).await, tag(&y).await, "cached answers keep the tag");
    assert_ne!(tag(&a).await, tag(&b).await, "self links differ by port");
    let hits = x
        .metrics
        .feed_cache_hits
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(hits >= 1, "second request served from cache");
    assert_eq!(x.metrics.renders(), 1, "one render for two requests");
}

#[tokio::test]
async fn gzip_and_brotli() {
    let r = start().await;
    for enc in ["gzip", "br"] {
        let res = client()
            .get(r.url("/feeds/all.rss"))
            .header("accept-encoding", enc)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-encoding"], enc);
    }
    // reqwest's own decoding gives back the feed.
    let auto = reqwest::Client::new()
        .get(r.url("/feeds/all.rss"))
        .send()
        .await
        .unwrap();
    parse(&auto.bytes().await.unwrap());
}

/// No script-capable element, no event-handler attribute, no non-web URL in the parsed HTML.
fn assert_inert(html: &str) {
    let doc = scraper::Html::parse_fragment(html);
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        let name = el.value().name();
        assert!(
            !["script", "svg", "math", "style", "iframe", "object", "embed"].contains(&name),
            "<{name}> in {html}"
        );
        for (attr, value) in el.value().attrs() {
            assert!(!attr.starts_with("on"), "{attr} on <{name}> in {html}");
            if attr == "href" || attr == "src" {
                assert!(
                    value.starts_with("http://") || value.starts_with("https://"),
                    "{attr}={value} in {html}"
                );
            }
        }
        if name == "a" {
            assert_eq!(
                el.value().attr("rel"),
                Some("noopener noreferrer"),
                "{html}"
            );
        }
    }
}

#[tokio::test]
async fn republished_html_is_safe() {
    let mut evil = article(
        "http://a.example/x.html",
        "<img src=x onerror=alert(1)>标题",
        5,
        23,
    );
    evil.authors = vec!["<svg onload=alert(1)>".into()];
    evil.paragraphs
        .push("<script>alert(1)</script><a href=\"javascript:alert(1)\">x</a>".into());
    evil.images = vec![
        "javascript:alert(1)".into(),
        "data:image/svg+xml,<svg onload=alert(1)>".into(),
        "/img/ok.png".into(),
        "http:a<script>alert(1)</script>".into(),
    ];
    let r = start_with(config(), vec![(evil, "a-src")]).await;
    for path in ["/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json"] {
        let feed = parse(&get(&r, path).await.bytes().await.unwrap());
        let e = &feed.entries[0];
        assert_eq!(
            e.title.as_ref().unwrap().content,
            "<img src=x onerror=alert(1)>标题",
            "{path}: title is text"
        );
        let html = e.content.as_ref().unwrap().body.clone().unwrap();
        assert_inert(&html);
        assert!(
            html.contains("http://a.example/img/ok.png"),
            "{path}: relative image made absolute: {html}"
        );
        assert!(
            html.contains("&lt;script&gt;"),
            "{path}: text stays visible: {html}"
        );
    }
    let page = get(&r, "/").await;
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let page = page.text().await.unwrap();
    assert!(!page.contains("<img src=x"), "index page escapes titles");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;标题"));
}

#[tokio::test]
async fn index_opml_and_metrics_describe_the_feeds() {
    let r = start().await;
    let page = get(&r, "/").await.text().await.unwrap();
    for needle in [
        "/feeds/all.rss",
        "/feeds/source/b-src.atom",
        "/feeds/tag/south.json",
        "湖北职工技能大赛开幕",
        "not crawled yet",
        "/opml",
    ] {
        assert!(page.contains(needle), "index lacks {needle}");
    }
    let opml = get(&r, "/opml").await.text().await.unwrap();
    let n = opml.matches("xmlUrl=").count();
    assert_eq!(n, 6, "{opml}");
    for line in opml.split("xmlUrl=\"").skip(1) {
        let url = line.split('"').next().unwrap();
        let res = client().get(url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{url}");
    }
    let _ = get(&r, "/feeds/nope.rss").await;
    let m = get(&r, "/metrics").await.text().await.unwrap();
    for needle in [
        "unionwire_http_requests_total{route=\"feed\",status=\"200\"}",
        "unionwire_http_requests_total{route=\"feed\",status=\"404\"}",
        "unionwire_feed_render_seconds_count",
        "unionwire_pages_fetched_total 0",
        "# TYPE unionwire_source_healthy gauge",
    ] {
        assert!(m.contains(needle), "metrics lack {needle}:\n{m}");
    }
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let r = start().await;
    assert_eq!(get(&r, "/healthz").await.status(), StatusCode::OK);
    r.token.cancel();
    let out = tokio::time::timeout(crate::support::HANG, r.task)
        .await
        .expect("server stops after cancel")
        .expect("task joins");
    assert!(out.is_ok());
}

#[tokio::test]
async fn feeds_pass_python_feedparser_and_the_w3c_rules() {
    let r = start().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/feedparser_check.py");
    let urls: Vec<String> = FEEDS.iter().map(|p| r.url(p)).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .args(&urls)
            .output()
    })
    .await
    .expect("join")
    .expect("python3 runs (install it and `pip install feedparser`)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "feedparser_check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("9 passed, 0 failed"), "{stdout}");
}

#[tokio::test]
async fn connections_over_the_limit_wait_for_a_free_slot() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut cfg = config();
    cfg.server.max_connections = 1;
    let r = start_with(cfg, super::corpus()).await;
    let addr = r.base.trim_start_matches("http://").to_owned();
    // Connection A takes the only slot and keeps it (keep-alive, idle after one answer).
    let mut a = tokio::net::TcpStream::connect(&addr).await.unwrap();
    a.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = a.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    // Connection B is not served while A is open...
    let url = r.url("/healthz");
    let b = tokio::spawn(async move { client().get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !b.is_finished(),
        "a second connection was served over the limit"
    );
    // ...and is served once A closes.
    drop(a);
    let status = tokio::time::timeout(crate::support::HANG, b)
        .await
        .expect("B is served after A closes")
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
}
