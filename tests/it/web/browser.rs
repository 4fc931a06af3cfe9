//! The pages in real headless Chromium, driven by chromedriver over plain WebDriver HTTP (reqwest):
//! `/`, a story page, a source page, a search results page, and the XSLT views of a feed and the OPML,
//! each at 400 and 1280 px. A page fails on horizontal overflow (`scrollWidth > clientWidth`), on a
//! console message of level SEVERE, or on a missing element; every page is saved as a screenshot under
//! `target/web-screenshots/` (the path is printed).
//!
//! Needs the Debian packages `chromium` and `chromium-driver`. Without them the test prints
//! `SKIP web::browser: <reason>` and passes, unless `UNIONWIRE_REQUIRE_BROWSER=1` (as in `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};

use super::{start, story_path, MIRROR_URL};

/// Hang guard for chromedriver to come up and for each WebDriver command.
const GUARD: Duration = Duration::from_secs(60);

/// The widths every page is checked at, and the window height.
const WIDTHS: [u32; 2] = [400, 1280];
const HEIGHT: u32 = 900;
/// Narrower viewports than this are emulated as a phone (a headless window is at least 500 px wide).
const DESKTOP_MIN: u32 = 800;

/// Where Debian's chromium keeps the real binary (`/usr/bin/chromium` is a wrapper script).
const CHROMIUM_CANDIDATES: [&str; 3] = [
    "/usr/lib/chromium/chromium",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
];

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Prints why the test is skipped, or fails when `UNIONWIRE_REQUIRE_BROWSER=1`.
fn skip(reason: &str) {
    if std::env::var("UNIONWIRE_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("web::browser: {reason} (UNIONWIRE_REQUIRE_BROWSER=1)");
    }
    crate::support::skip("web::browser", reason);
}

/// A chromedriver child process. Dropped (also when the test fails), it is asked to shut down
/// through its `/shutdown` endpoint, which quits the browsers it started (a killed chromedriver would
/// leave them running), and killed if it has not exited after a while.
struct Driver {
    child: std::process::Child,
    port: u16,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let wait = Duration::from_secs(10);
        if let Ok(mut conn) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = conn.set_read_timeout(Some(wait));
            let _ = conn.set_write_timeout(Some(wait));
            let _ = write!(
                conn,
                "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            let _ = conn.read_to_end(&mut Vec::new());
        }
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request with a JSON body (reqwest is built without its `json` feature).
fn with_json(req: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    req.header("content-type", "application/json")
        .body(serde_json::to_vec(body).expect("JSON encodes"))
}

async fn read_json(res: reqwest::Response) -> Result<Value, String> {
    let bytes = res.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

async fn start_driver(bin: &Path, log: &Path) -> Driver {
    let port = free_port();
    let child = std::process::Command::new(bin)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn chromedriver");
    let driver = Driver {
        child,
        port,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + GUARD;
    loop {
        if let Ok(res) = http.get(format!("{}/status", driver.base)).send().await {
            if let Ok(v) = read_json(res).await {
                if v["value"]["ready"] == true {
                    break;
                }
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "chromedriver did not become ready (log: {})",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

/// One WebDriver session.
struct Session {
    http: reqwest::Client,
    url: String,
}

impl Session {
    async fn new(driver: &Driver, chromium: &Path, profile: &Path, width: u32) -> Session {
        let http = reqwest::Client::builder()
            .timeout(GUARD)
            .build()
            .expect("client");
        let mut options = json!({
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},{HEIGHT}", width.max(DESKTOP_MIN)),
            ]
        });
        if width < DESKTOP_MIN {
            // Below the smallest window Chromium opens, the viewport is a phone's.
            options["mobileEmulation"] = json!({ "deviceMetrics": {
                "width": width, "height": HEIGHT, "pixelRatio": 1.0,
                "mobile": true, "touch": true
            } });
        }
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": options,
                    "goog:loggingPrefs": { "browser": "ALL" }
                }
            }
        });
        let res = read_json(
            with_json(http.post(format!("{}/session", driver.base)), &caps)
                .send()
                .await
                .expect("new session"),
        )
        .await
        .expect("session json");
        let id = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {res}"))
            .to_owned();
        Session {
            http,
            url: format!("{}/session/{id}", driver.base),
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = with_json(req, &b);
        }
        let res = req.send().await.expect("webdriver command");
        read_json(res).await.expect("webdriver json")
    }

    async fn go(&self, url: &str) {
        let v = self
            .cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
        assert!(v["value"].is_null(), "navigating to {url}: {v}");
    }

    async fn script(&self, js: &str) -> Value {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": js, "args": [] })),
            )
            .await;
        v["value"].clone()
    }

    async fn has(&self, css: &str) -> bool {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v["value"].as_array().is_some_and(|a| !a.is_empty())
    }

    /// Browser console entries since the last call.
    async fn console(&self) -> Vec<Value> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({ "type": "browser" })),
            )
            .await;
        v["value"]
            .as_array()
            .unwrap_or_else(|| panic!("browser log unavailable: {v}"))
            .clone()
    }

    async fn screenshot(&self, to: &Path) {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let b64 = v["value"].as_str().expect("screenshot data");
        std::fs::write(to, base64_decode(b64)).expect("write screenshot");
    }

    async fn close(self) {
        let _ = self.http.delete(&self.url).send().await;
    }
}

/// Standard base64 (RFC 4648 §4) without line breaks, as WebDriver sends screenshots.
fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).expect("a byte"));
        }
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    let dir = target.join("web-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_400_and_1280_px_without_console_errors_in_headless_chromium() {
    let Some(driver_bin) = find_in_path("chromedriver") else {
        skip("chromedriver not found (apt-get install chromium-driver)");
        return;
    };
    let Some(chromium) = CHROMIUM_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    else {
        skip("chromium not found (apt-get install chromium)");
        return;
    };
    let r = start().await;
    let tmp = tempfile::tempdir().expect("temp dir");
    let driver = start_driver(&driver_bin, &tmp.path().join("chromedriver.log")).await;
    let shots = screenshot_dir();
    println!("web::browser screenshots: {}", shots.display());

    let story = story_path(&r, MIRROR_URL);
    // (name, path, elements that must be there)
    let pages: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "index",
            "/".to_owned(),
            vec![
                "form.search input[name=q]",
                "ol.stories li a",
                "table.feeds input.copy",
                "table.health",
            ],
        ),
        (
            "story",
            story.clone(),
            vec![
                "article h1",
                "div.text p",
                "#copies",
                "table.copies tr.mirror",
            ],
        ),
        (
            "source",
            "/sources/mirror-src".to_owned(),
            vec!["h1", "table.fold", "ol.stories li"],
        ),
        (
            "search",
            "/search?q=%E5%B7%A5%E4%BC%9A".to_owned(), // 工会
            vec!["form.search input[name=q]", "ol.stories li"],
        ),
        (
            "feed-xslt",
            "/feeds/all.rss".to_owned(),
            vec!["#feed-title", "#items li a"],
        ),
        (
            "opml-xslt",
            "/opml".to_owned(),
            vec!["#feed-title", "#items li a"],
        ),
    ];
    let mut failures = Vec::new();
    for width in WIDTHS {
        let profile = tmp.path().join(format!("profile-{width}"));
        let s = Session::new(&driver, &chromium, &profile, width).await;
        for (name, path, needed) in &pages {
            let url = r.url(path);
            s.go(&url).await;
            let dims = s
                .script(
                    "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth];",
                )
                .await;
            let (scroll, client, inner) = (
                dims[0].as_u64().unwrap_or(0),
                dims[1].as_u64().unwrap_or(0),
                dims[2].as_u64().unwrap_or(0),
            );
            println!("{name} @ {width}px: scrollWidth {scroll}, clientWidth {client}, innerWidth {inner}");
            if inner.abs_diff(u64::from(width)) > 20 {
                failures.push(format!(
                    "{name}: the viewport is {inner} px, not about {width}"
                ));
            }
            if scroll > client {
                failures.push(format!(
                    "{name} @ {width}px overflows: scrollWidth {scroll} > clientWidth {client}"
                ));
            }
            for css in needed {
                if !s.has(css).await {
                    failures.push(format!("{name} @ {width}px: no element {css}"));
                }
            }
            for entry in s.console().await {
                if entry["level"] == "SEVERE" {
                    failures.push(format!(
                        "{name} @ {width}px console error: {}",
                        entry["message"]
                    ));
                }
            }
            let shot = shots.join(format!("{name}-{width}.png"));
            s.screenshot(&shot).await;
            let png = std::fs::read(&shot).unwrap_or_default();
            if !png.starts_with(b"\x89PNG") {
                failures.push(format!("{}: not a PNG", shot.display()));
            }
        }
        s.close().await;
    }
    drop(driver);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
