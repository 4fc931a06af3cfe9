//! Feed servers on a shared PostgreSQL store, as real `unionwire serve` processes: two servers answer one
//! feed with the same bytes and the same ETag; a server picks up what another process stored, woken by
//! NOTIFY when it listens (its `server.refresh` set far beyond the test's hang guard, so nothing else could
//! have shown it), and through its refresh alone when it does not listen (`server.notify = false`: the
//! notifications never reach it); `/healthz` and the pool gauges of `/metrics`.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::postgres::{new_database, server};
use super::{article, sid, story_text};
use crate::support::HANG;

/// A running `unionwire serve`, killed when dropped.
pub(super) struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(super) base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `unionwire --config CONFIG --log-format json serve` and waits (hang guard) until it listens.
pub(super) fn start_serve(config: &Path) -> Serve {
    let mut child = crate::support::unionwire_command()
        .arg("--config")
        .arg(config)
        .args(["--log-format", "json", "serve"])
        .env("RUST_LOG", "unionwire=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start unionwire serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let (rx, log) = crate::support::watch_lines(stderr, |line| {
        let v = serde_json::from_str::<serde_json::Value>(line).ok()?;
        if v["fields"]["message"] != "serving feeds" {
            return None;
        }
        Some(format!("http://{}", v["fields"]["addr"].as_str()?))
    });
    let base = rx
        .recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("serve did not start listening: {:?}", log.lock().unwrap()));
    Serve { child, base }
}

/// An HTTP answer: status, ETag, body.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) etag: Option<String>,
    pub(super) body: String,
}

/// GETs `url` (no compression, one fixed set of headers, so two servers are asked the same thing).
pub(super) fn get(url: &str) -> Answer {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let res = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client")
            .get(url)
            .header("accept", "application/atom+xml")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = res.status().as_u16();
        let etag = res
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.text().await.expect("body");
        Answer { status, etag, body }
    })
}

/// Polls `url` until `done` holds for its answer; panics after `HANG`.
pub(super) fn wait_until(url: &str, what: &str, done: impl Fn(&Answer) -> bool) -> Answer {
    let started = Instant::now();
    loop {
        let a = get(url);
        if done(&a) {
            return a;
        }
        assert!(
            started.elapsed() < HANG,
            "{what}: not seen within the hang guard; last answer {} {}",
            a.status,
            a.body
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A serve configuration on the store at `url`, behind one public base URL (as behind a load balancer).
pub(super) fn write_config(dir: &Path, name: &str, url: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "[store]\nurl = \"{url}\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n\
             base_url = \"http://news.example/\"\n{extra}\n"
        ),
    )
    .expect("write config");
    path
}

pub(super) fn ingest(url: &str, page: &str, title: &str, text: &[&str]) {
    let store = unionwire::store::open_url(url).expect("open the store");
    store
        .ingest_batch(vec![(
            article(&format!("http://a.example/{page}.html"), title, text),
            sid("a"),
            0,
        )
            .into()])
        .expect("ingest");
}

/// A third story, unlike both others.
pub(super) fn third_text() -> Vec<&'static str> {
    vec![
        "市总工会组织全国劳动模范和大国工匠走进中小学校园，为学生讲述扎根一线、精益求精的成长经历。",
        "活动现场，老劳模展示了数十年来获得的奖章和证书，孩子们围在展台前认真听讲，不时提出问题。",
        "据介绍，劳模工匠进校园活动今年将覆盖全市一百二十所学校，并同步开设线上课堂供家长收看。",
    ]
}

/// Other text than `story_text`: a story of its own.
pub(super) fn other_text(n: usize) -> Vec<String> {
    vec![
        format!("第{n}届职工技能大赛在省会举行，来自全省各行业的选手参加了焊工、电工、数控车工等项目的比赛。"),
        format!("大赛由省总工会和省人力资源社会保障厅联合主办，第{n}批获奖选手将被授予技术能手称号。"),
        format!("赛前，各市总工会组织了第{n}轮选拔，共有三千余名职工报名参赛，覆盖机械、化工、建筑等行业。"),
    ]
}

#[test]
fn two_servers_on_one_database_serve_one_feed_alike_and_see_other_processes_writes() {
    let Some(server) = server("store::serving") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");
    ingest(&url, "1", "安康杯竞赛推进会召开", &story_text());
    ingest(
        &url,
        "2",
        "职工技能大赛举行",
        &other_text(1).iter().map(String::as_str).collect::<Vec<_>>(),
    );

    let dir = tempfile::tempdir().expect("temp dir");
    // A listens (NOTIFY) and would otherwise wait an hour; B never listens and reads every 200 ms.
    let a_cfg = write_config(dir.path(), "a", &url, "refresh = \"1h\"\nnotify = true");
    let b_cfg = write_config(dir.path(), "b", &url, "refresh = \"200ms\"\nnotify = false");
    let a = start_serve(&a_cfg);
    let b = start_serve(&b_cfg);

    for feed in ["/feeds/all.atom", "/feeds/all.rss", "/feeds/all.json"] {
        let fa = get(&format!("{}{feed}", a.base));
        let fb = get(&format!("{}{feed}", b.base));
        assert_eq!((fa.status, fb.status), (200, 200), "{feed}");
        assert!(
            fa.body.contains("安康杯竞赛推进会召开"),
            "{feed}: {}",
            fa.body
        );
        assert_eq!(fa.body, fb.body, "{feed}: the same bytes from both servers");
        assert!(fa.etag.is_some(), "{feed}");
        assert_eq!(fa.etag, fb.etag, "{feed}: the same ETag from both servers");
    }
    for s in [&a, &b] {
        let h = get(&format!("{}/healthz", s.base));
        assert_eq!((h.status, h.body.trim()), (200, "ok"));
        let m = get(&format!("{}/metrics", s.base));
        assert!(
            m.body.contains("unionwire_store_pool_max_size 8"),
            "{}",
            m.body
        );
        for gauge in [
            "unionwire_store_pool_size ",
            "unionwire_store_pool_available ",
            "unionwire_store_pool_waiting ",
        ] {
            assert!(
                m.body.contains(&format!("# TYPE {} gauge", gauge.trim()))
                    && m.body.contains(gauge),
                "{gauge}: {}",
                m.body
            );
        }
    }

    // Another process stores a third story.
    ingest(&url, "3", "劳模工匠进校园", &third_text());
    let atom = "/feeds/all.atom";
    let seen_a = wait_until(&format!("{}{atom}", a.base), "A woken by NOTIFY", |r| {
        r.body.contains("劳模工匠进校园")
    });
    let seen_b = wait_until(&format!("{}{atom}", b.base), "B through its refresh", |r| {
        r.body.contains("劳模工匠进校园")
    });
    assert_eq!(seen_a.body, seen_b.body, "the same bytes after the change");
    assert_eq!(seen_a.etag, seen_b.etag, "the same ETag after the change");
    assert!(seen_a.body.contains("职工技能大赛举行"));
    drop((a, b));
}

#[test]
fn a_server_with_notify_off_does_not_listen_and_one_with_it_on_does() {
    // What the test above relies on: B's refresh, not a notification, showed it the change.
    let Some(server) = server("store::serving") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");
    ingest(&url, "1", "安康杯竞赛推进会召开", &story_text());
    let dir = tempfile::tempdir().expect("temp dir");
    let on = start_serve(&write_config(dir.path(), "on", &url, "notify = true"));
    let off = start_serve(&write_config(dir.path(), "off", &url, "notify = false"));
    assert_eq!(get(&format!("{}/feeds/all.atom", on.base)).status, 200);
    assert_eq!(get(&format!("{}/feeds/all.atom", off.base)).status, 200);
    // The database's own view: which sessions LISTEN on the channel.
    let listeners = || -> i64 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            let task = tokio::spawn(conn);
            let n: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND query ILIKE 'LISTEN uw_changes%'",
                    &[],
                )
                .await
                .expect("query")
                .get(0);
            drop(client);
            let _ = task.await;
            n
        })
    };
    let started = Instant::now();
    while listeners() < 1 {
        assert!(
            started.elapsed() < HANG,
            "the notify = true server never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(on);
    let started = Instant::now();
    while listeners() > 0 {
        assert!(started.elapsed() < HANG, "a listener outlived its server");
        std::thread::sleep(Duration::from_millis(100));
    }
    // `off` is still running and has served a feed, and listens on nothing.
    assert_eq!(get(&format!("{}/healthz", off.base)).status, 200);
    assert_eq!(listeners(), 0);
}
