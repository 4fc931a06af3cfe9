//! Integration tests: a CLI that works beside the daemon (issue 15 part 3). The real `unionwire run` holds the
//! store while the real CLI runs `sources`, `db stats`, `export` and `crawl --once --source` through the
//! daemon's control API (saying so on stderr), `db verify` explains that it needs the daemon stopped, the
//! API needs `server.admin_token` off loopback, and list commands exit quietly on a closed stdout.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::support::{self, daemon::Daemon, HANG};

const WORDS: [&str; 24] = [
    "职工", "劳动", "技能", "竞赛", "安全", "生产", "权益", "走访", "帮扶", "清凉", "物资", "会员",
    "入会", "普惠", "平台", "驿站", "协商", "培训", "工匠", "创新", "服务", "维权", "保障", "关爱",
];

/// A deterministic article whose text differs from every other number's.
fn article(source: &str, n: usize) -> String {
    let pick = |salt: usize| {
        let mut x = ((n + 1) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (salt as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 32;
        (x % WORDS.len() as u64) as usize
    };
    let mut body = String::new();
    for p in 0..5 {
        let words: String = (0..40).map(|w| WORDS[pick(p * 100 + w)]).collect();
        body.push_str(&format!(
            "<p>{source}第{n}号消息第{p}段：{words}。本次活动共有{}名职工参加。</p>\n",
            100 + n * 13 + p * 7
        ));
    }
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>{source}工会新闻{n}--人民网</title></head>
<body><div class="layout rm_txt cf"><div class="col col-1 fl">
<h1>{source}工会举办第{n}场职工活动</h1>
<div class="col-1-1 fl">2024年09月{:02}日10:{:02} | 来源：<a href="/">工人日报</a></div>
<div class="rm_txt_con cf" id="rm_txt_zw">{body}</div>
</div></div></body></html>"#,
        1 + n % 28,
        n % 60
    )
}

/// A site with one listing per source (`/{source}/list.html`, `count` articles each).
#[derive(Clone)]
struct Site {
    count: usize,
    hits: Arc<AtomicUsize>,
}

async fn page(State(site): State<Site>, UrlPath(path): UrlPath<String>) -> Response {
    site.hits.fetch_add(1, Ordering::SeqCst);
    let html =
        |body: String| ([("content-type", "text/html; charset=utf-8")], body).into_response();
    if path == "robots.txt" {
        return "User-agent: *\nAllow: /\n".into_response();
    }
    if let Some(source) = path.strip_suffix("/list.html") {
        let items: String = (0..site.count)
            .map(|n| format!("<li><a href=\"/{source}/n1/2024/0927/c1-{n}.html\">{n}</a></li>"))
            .collect();
        return html(format!(
            "<html><head><meta charset=\"utf-8\"><title>列表</title></head><body><ul class=\"list\">{items}</ul></body></html>"
        ));
    }
    let mut parts = path.splitn(2, '/');
    if let (Some(source), Some(rest)) = (parts.next(), parts.next()) {
        if let Some(n) = rest
            .strip_prefix("n1/2024/0927/c1-")
            .and_then(|r| r.strip_suffix(".html"))
            .and_then(|n| n.parse::<usize>().ok())
        {
            if n < site.count {
                return html(article(source, n));
            }
        }
    }
    StatusCode::NOT_FOUND.into_response()
}

/// Runs the site on its own runtime thread, so the test can block on child processes.
pub(crate) fn site_in_background(count: usize) -> SocketAddr {
    let site = Site {
        count,
        hits: Arc::default(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let router = Router::new().route("/{*path}", get(page)).with_state(site);
            tx.send(support::serve(router).await.addr).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

/// A port on 127.0.0.1 that was free a moment ago: the CLI finds the daemon by the configured address, so
/// the daemon cannot listen on port 0.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Source `a` (crawled by the daemon's schedule) and source `b` (disabled: only crawled when asked).
pub(crate) fn config(store: &Path, listen: &str, token: Option<&str>, site: SocketAddr) -> String {
    let token = token.map_or_else(String::new, |t| format!("admin_token = \"{t}\"\n"));
    let mut t = format!(
        "[store]\npath = {:?}\n[server]\nlisten = \"{listen}\"\n{token}[crawl]\nper_host_delay = \"0s\"\njitter = 0.0\n",
        store.display().to_string()
    );
    for (id, enabled) in [("a", true), ("b", false)] {
        t.push_str(&format!(
            "[[sources]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"listing\"\nurl = \"http://{site}/{id}/list.html\"\nlinks = \"ul.list a\"\nevery = \"6h\"\nenabled = {enabled}\n"
        ));
    }
    t
}

pub(crate) fn cli(config: &Path, args: &[&str]) -> Output {
    support::unionwire_command()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The one stderr line that says the command asked the daemon at `base`.
pub(crate) fn assert_asked_daemon(out: &Output, base: &str, what: &str) {
    let err = text(&out.stderr);
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(notes.len(), 1, "{what}: one notice line: {err}");
    assert!(
        notes[0].contains("running unionwire daemon") && notes[0].contains(&format!("{base}/api/")),
        "{what}: the notice names the daemon's address {base}: {err}"
    );
}

pub(crate) fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

pub(crate) fn start(cfg: &Path) -> (Daemon, String) {
    let daemon = support::daemon::start_daemon_of(Path::new(support::bin()), cfg);
    let base = daemon.base_url(HANG);
    (daemon, base)
}

#[test]
fn sources_db_stats_export_and_crawl_work_while_run_holds_the_store() {
    let site = site_in_background(6);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let cfg = dir.path().join("c.toml");
    let listen = format!("127.0.0.1:{}", free_port());
    std::fs::write(&cfg, config(&store, &listen, None, site)).unwrap();
    let (mut daemon, base) = start(&cfg);
    assert_eq!(base, format!("http://{listen}"));

    // The daemon's schedule crawls `a` (6 articles); wait until its health says so, asking through the CLI.
    let started = Instant::now();
    let a_done = loop {
        let out = cli(&cfg, &["sources", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_asked_daemon(&out, &base, "sources --json");
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 2, "{lines:?}");
        if !lines[0]["last_success"].is_null() {
            break lines;
        }
        assert!(
            started.elapsed() < HANG,
            "source a never finished: {lines:?}"
        );
        assert!(
            daemon.child.try_wait().unwrap().is_none(),
            "the daemon exited"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(a_done[0]["id"], "a");
    assert_eq!(a_done[0]["status"], "healthy", "{}", a_done[0]);
    assert_eq!(a_done[1]["id"], "b");
    assert_eq!(a_done[1]["status"], "never run (disabled)", "{}", a_done[1]);

    let out = cli(&cfg, &["sources"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_asked_daemon(&out, &base, "sources");
    let table = text(&out.stdout);
    assert!(table.lines().nth(1).unwrap().starts_with("a "), "{table}");
    assert!(table.lines().nth(1).unwrap().contains("healthy"), "{table}");
    assert!(table.contains("never run (disabled)"), "{table}");

    let stats = |what: &str| {
        let out = cli(&cfg, &["db", "stats", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_asked_daemon(&out, &base, what);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v
    };
    let s = stats("db stats --json");
    assert_eq!(s["articles"], 6, "{s}");
    assert_eq!(s["stories"], 6, "{s}");
    let out = cli(&cfg, &["db", "stats"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_asked_daemon(&out, &base, "db stats");
    assert!(
        text(&out.stdout).contains("articles:       6"),
        "{}",
        text(&out.stdout)
    );

    let out = cli(&cfg, &["export"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_asked_daemon(&out, &base, "export");
    let exported = json_lines(&out);
    assert_eq!(exported.len(), 6);
    assert!(
        exported.iter().all(|a| a["source_id"] == "a"),
        "{exported:?}"
    );

    // `crawl --once --source b`: the daemon crawls the disabled source now and the summary is printed.
    let out = cli(&cfg, &["crawl", "--once", "--source", "b", "--no-progress"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert_asked_daemon(&out, &base, "crawl --once --source b");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("b "))
        .unwrap_or_else(|| panic!("no summary line for b: {stdout}"));
    assert!(line.contains("new articles    6"), "{stdout}");
    assert!(line.contains("errors   0"), "{stdout}");
    assert!(stdout.contains("total: "), "{stdout}");
    assert_eq!(stats("db stats after the crawl")["articles"], 12);
    let out = cli(&cfg, &["sources", "--json"]);
    let b = &json_lines(&out)[1];
    assert_eq!(b["status"], "healthy", "{b}");
    assert!(b["last_success"].is_string(), "{b}");
    let out = cli(
        &cfg,
        &["crawl", "--once", "--source", "nope", "--no-progress"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = cli(&cfg, &["crawl", "--once", "--all", "--no-progress"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--source ID"),
        "{}",
        text(&out.stderr)
    );

    let out = cli(&cfg, &["export"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let through_daemon = out.stdout;
    let out = cli(&cfg, &["sources", "--json"]);
    let sources_through_daemon = out.stdout;

    // `db verify` needs the store to itself: it says so, names the daemon and how to stop it, exit 3.
    let out = cli(&cfg, &["db", "verify"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("must have the store to itself"), "{err}");
    assert!(
        err.contains(&format!("kill -TERM {}", daemon.child.id())),
        "names the daemon's pid: {err}"
    );
    assert!(err.contains(&format!("{base}/")), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    daemon.terminate();
    let (status, _) = daemon.finish();
    assert!(status.success(), "{status:?}");

    // With the daemon stopped the same commands read the store themselves, without a notice, and print
    // the same bytes the daemon sent.
    let out = cli(&cfg, &["export"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("note:"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.stdout.len(), through_daemon.len());
    assert!(
        out.stdout == through_daemon,
        "the export through the daemon is the export"
    );
    let out = cli(&cfg, &["sources", "--json"]);
    assert_eq!(text(&out.stdout), text(&sources_through_daemon));
    let out = cli(&cfg, &["db", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

fn api_get(url: &str, token: Option<&str>) -> (u16, String, Option<String>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut rb = client.get(url);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let res = rb.send().await.unwrap();
        let status = res.status().as_u16();
        let challenge = res
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, res.text().await.unwrap(), challenge)
    })
}

const TOKEN: &str = "c0ntrol-t0ken-for-the-test-4f9a2b";

#[test]
fn off_loopback_the_api_needs_the_admin_token() {
    let site = site_in_background(2);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let port = free_port();
    let listen = format!("0.0.0.0:{port}");
    let with_token = dir.path().join("token.toml");
    std::fs::write(&with_token, config(&store, &listen, Some(TOKEN), site)).unwrap();
    let without_token = dir.path().join("no-token.toml");
    std::fs::write(&without_token, config(&store, &listen, None, site)).unwrap();
    let wrong_token = dir.path().join("wrong-token.toml");
    std::fs::write(
        &wrong_token,
        config(&store, &listen, Some("not-the-daemons-token-0000"), site),
    )
    .unwrap();

    let (daemon, base) = start(&with_token);
    let local = format!("http://127.0.0.1:{port}");
    assert!(base.ends_with(&format!(":{port}")), "{base}");
    let (code, body, challenge) = api_get(&format!("{local}/api/status"), None);
    assert_eq!(code, 401, "{body}");
    assert_eq!(challenge.as_deref(), Some("Bearer realm=\"unionwire\""));
    assert!(body.contains("admin_token"), "{body}");
    let (code, _, _) = api_get(
        &format!("{local}/api/db/stats"),
        Some("c0ntrol-t0ken-for-the-test-4f9a2c"),
    );
    assert_eq!(code, 401, "a token one character off");
    let (code, body, _) = api_get(&format!("{local}/api/status"), Some(TOKEN));
    assert_eq!(code, 200, "{body}");
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["service"], "unionwire");
    assert_eq!(status["pid"], daemon.child.id());
    assert!(!body.contains(TOKEN), "{body}");
    // The feeds need no token.
    assert_eq!(api_get(&format!("{local}/healthz"), None).0, 200);

    // The CLI sends the configured token; without it, or with another, it says what is wrong (exit 3).
    let out = cli(&with_token, &["db", "stats", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_asked_daemon(&out, &local, "db stats with the token");
    let out = cli(&without_token, &["db", "stats"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("it needs a token"),
        "{}",
        text(&out.stderr)
    );
    let out = cli(&wrong_token, &["export"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("refused the token"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("not-the-daemons-token"),
        "{}",
        text(&out.stderr)
    );

    daemon.terminate();
    let (status, lines) = daemon.finish();
    assert!(status.success());
    let log: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(
        log.contains("bearer token required"),
        "the log says how the API is guarded"
    );
    assert!(!log.contains(TOKEN), "the token is never logged");

    // Beyond loopback without a token the API is off, and says so; the feeds are served.
    let (daemon, _) = start(&without_token);
    let (code, body, _) = api_get(&format!("{local}/api/status"), None);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("server.admin_token is not set"), "{body}");
    assert_eq!(api_get(&format!("{local}/healthz"), None).0, 200);
    let out = cli(&without_token, &["db", "stats"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("control API is off"),
        "{}",
        text(&out.stderr)
    );
    daemon.terminate();
    assert!(daemon.finish().0.success());
}

/// A configuration with `n` sources: its `sources` listing is far larger than a pipe's buffer.
fn many_sources(store: &Path, n: usize) -> String {
    let mut t = format!("[store]\npath = {:?}\n", store.display().to_string());
    for i in 0..n {
        t.push_str(&format!(
            "[[sources]]\nid = \"source-{i}\"\nname = \"一个相当长的来源名称 {i}\"\nkind = \"feed\"\nurl = \"http://feeds.example/{i}/rss.xml\"\n"
        ));
    }
    t
}

/// Runs `args`, reads one line of its standard output and closes the pipe, as `| head -1` does.
fn first_line_then_close(
    cfg: &PathBuf,
    args: &[&str],
) -> (String, std::process::ExitStatus, String) {
    let mut child = KillOnDrop(
        support::unionwire_command()
            .arg("--config")
            .arg(cfg)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    {
        let mut r = BufReader::new(child.0.stdout.take().unwrap());
        r.read_line(&mut first).unwrap();
    }
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < HANG, "{args:?} hung on a closed stdout");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut err).unwrap();
    (first, status, err)
}

#[test]
fn list_commands_exit_quietly_when_stdout_closes() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("many.toml");
    std::fs::write(&cfg, many_sources(&dir.path().join("store"), 3000)).unwrap();
    for args in [&["sources"][..], &["sources", "--json"][..], &["check"][..]] {
        let (first, status, err) = first_line_then_close(&cfg, args);
        assert!(!first.is_empty(), "{args:?}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn admin_token_errors_name_the_file_line_and_key_and_never_the_token() {
    let short = "[server]\nlisten = \"127.0.0.1:8080\"\nadmin_token = \"short-secret\"\n";
    let err = unionwire::config::Config::from_toml(short, "x.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("x.toml:3: "), "{err}");
    assert!(err.contains("server.admin_token"), "{err}");
    assert!(err.contains("at least 16"), "{err}");
    assert!(!err.contains("short-secret"), "{err}");
    let spaced = "[server]\nadmin_token = \"with a space in the middle\"\n";
    let err = unionwire::config::Config::from_toml(spaced, "x.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("x.toml:2: "), "{err}");
    assert!(!err.contains("with a space"), "{err}");

    let ok = "[server]\nadmin_token = \"0123456789abcdef\"\n";
    let cfg = unionwire::config::Config::from_toml(ok, "x.toml").unwrap();
    let shown = format!("{cfg:?}");
    assert!(!shown.contains("0123456789abcdef"), "Debug hides the token");

    // From the environment: the variable is named instead of a line.
    let dir = tempfile::tempdir().unwrap();
    let out = support::unionwire_command()
        .arg("--store")
        .arg(dir.path().join("s"))
        .arg("check")
        .env("UNIONWIRE_ADMIN_TOKEN", "tiny")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("UNIONWIRE_ADMIN_TOKEN: server.admin_token:"),
        "{err}"
    );
    assert!(!err.contains("tiny"), "{err}");
}

/// A child process killed when the test ends, passing or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `unionwire serve` holds the store too: the same commands ask it, and a crawl is refused with the reason.
#[test]
fn commands_ask_serve_too_and_it_does_not_crawl() {
    let site = site_in_background(3);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let cfg = dir.path().join("c.toml");
    let listen = format!("127.0.0.1:{}", free_port());
    std::fs::write(&cfg, config(&store, &listen, None, site)).unwrap();
    let out = cli(&cfg, &["crawl", "--once", "--all", "--no-progress"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let local = cli(&cfg, &["export"]).stdout;
    assert_eq!(text(&local).lines().count(), 3);

    let mut serve = KillOnDrop(
        support::unionwire_command()
            .arg("--config")
            .arg(&cfg)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://{listen}");
    // Before `serve` opens the store the export reads it directly; until it listens, the locked store has
    // nobody to ask (exit 3); then the export comes from it.
    let started = Instant::now();
    let out = loop {
        let out = cli(&cfg, &["export"]);
        if out.status.success() && text(&out.stderr).contains("note:") {
            break out;
        }
        assert!(
            out.status.success() || out.status.code() == Some(3),
            "{}",
            text(&out.stderr)
        );
        assert!(
            started.elapsed() < HANG,
            "serve never answered: {}",
            text(&out.stderr)
        );
        assert!(serve.0.try_wait().unwrap().is_none(), "serve exited");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_asked_daemon(&out, &base, "export beside serve");
    assert!(out.stdout == local, "the same export");
    let out = cli(&cfg, &["crawl", "--once", "--source", "a", "--no-progress"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("does not crawl"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &serve.0.id().to_string()])
        .status();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = serve.0.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < HANG, "serve did not stop");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}
