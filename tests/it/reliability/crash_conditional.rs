//! Issue 13: a crash must never lose articles for good. T22 against a server that, like nginx, sends `ETag`
//! and `Last-Modified` and answers conditional requests with 304.
//!
//! The site (axum on 127.0.0.1): [`LISTINGS`] listing sources of [`PAGES`] pages × [`PER_PAGE`] article links,
//! a listing of [`MULTI`] multi-page articles ([`MULTI_PAGES`] pages each), and an RSS feed of [`FEED_ITEMS`]
//! summary-only entries whose pages are fetched (`fulltext = true`). The real `unionwire run`, with
//! `per_host_delay = "0s"`, is SIGKILLed [`KILLS`] times per round (`CRASH_CYCLES`; rounds: `CRASH_ROUNDS`,
//! 1 by default; `scripts/crash_loop.sh --conditional` runs 10 × 10) at random moments: after a random number of
//! "batch durable" acknowledgements plus up to 300 ms, spread so the kills walk the store towards 70 % full.
//! The schedule's seed is printed; `UNIONWIRE_TEST_SEED` replays one. After the kills, one clean
//! `unionwire crawl --once --all`: the store must hold exactly the site's articles (every URL, none twice),
//! the crawl must meet no conditional miss (no fetch state outlived its article), and `db verify` must be clean.
//!
//! Before the fix the fetch state of an article page was written when the page was fetched and the article
//! only later, in a flushed batch: a kill between the two left validators without their article, the final
//! crawl got 304 for it, and the article was lost for good (`CRASH_BIN` runs another binary, e.g. one built
//! from before the fix, to see that).
//!
//! Also here: a store made inconsistent "the old way" (a fetch state without its article, written through the
//! public store API) is reported by `db verify`, fixed by `db verify --repair`, and the article is fetched by
//! the next crawl; and without the repair the next crawl self-heals, counting the 304 as a conditional miss in
//! its summary and in `unionwire_conditional_misses_total`.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio_util::sync::CancellationToken;
use unionwire::config::Config;
use unionwire::crawl::{Crawler, RunOptions};
use unionwire::fetch::{FetchConfig, Fetcher};
use unionwire::metrics::Metrics;
use unionwire::store::{FetchState, PageRole};

/// Listing sources.
pub const LISTINGS: usize = 10;
/// Pages per listing source.
pub const PAGES: usize = 10;
/// Article links per listing page.
pub const PER_PAGE: usize = 20;
/// Multi-page articles (behind a listing of two pages).
pub const MULTI: usize = 40;
/// Pages of each multi-page article.
pub const MULTI_PAGES: usize = 3;
/// Entries of the feed (summary only; their pages are fetched).
pub const FEED_ITEMS: usize = 100;
/// Kills per round by default.
pub const KILLS: usize = 8;

/// How long a daemon may store nothing before it counts as idle (it has nothing left it will fetch).
const IDLE: Duration = Duration::from_secs(15);

/// Every article the site has.
pub const TOTAL: usize = LISTINGS * PAGES * PER_PAGE + MULTI + FEED_ITEMS;

/// The `Last-Modified` of every page (nginx sends the file's mtime).
const LAST_MODIFIED: &str = "Mon, 02 Jun 2025 08:00:00 GMT";

/// Deterministic, distinct paragraphs for (`kind`, `a`, `b`).
fn paragraphs(kind: &str, a: usize, b: usize) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (kind, a, b).hash(&mut h);
    crate::support::han_paragraphs(&format!("{kind}第{a}号第{b}篇"), h.finish(), 70)
}

fn article_page(title: &str, paras: &str, pager: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/l/0/index.html\">要闻</a></div>\
         <div class=\"article\"><h1>{title}</h1><div class=\"info\">2025年06月02日 16:00 来源：本网</div>\
         <div class=\"content\">{paras}</div>{pager}</div>\
         <div class=\"footer\">版权所有 测试工会网</div></body></html>"
    )
}

fn listing_page(items: &[(String, String)], next: Option<String>) -> String {
    let mut lis = String::new();
    for (href, title) in items {
        lis.push_str(&format!(
            "<li><a href=\"{href}\">{title}</a> <span>2025-06-02</span></li>\n"
        ));
    }
    let next = next
        .map(|n| format!("<div class=\"page_n\"><a href=\"{n}\">下一页</a></div>"))
        .unwrap_or_default();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>列表</title></head><body>\
         <div class=\"list\"><ul>{lis}</ul></div>{next}</body></html>"
    )
}

/// The body and content type of `path` on the site whose base URL is `base`, if it exists.
fn page(base: &str, path: &str) -> Option<(String, &'static str)> {
    const HTML: &str = "text/html; charset=utf-8";
    let num = |s: &str| s.parse::<usize>().ok();
    if path == "/feed.xml" {
        let mut items = String::new();
        for n in 0..FEED_ITEMS {
            items.push_str(&format!(
                "<item><title>订阅新闻{n}：职工服务新举措</title><link>{base}/f/{n}.html</link>\
                 <guid>{base}/f/{n}.html</guid><pubDate>Mon, 02 Jun 2025 08:{:02}:00 +0800</pubDate>\
                 <description>摘要{n}</description></item>",
                n % 60
            ));
        }
        return Some((
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>订阅</title>\
                 <link>{base}/</link><description>测试</description>{items}</channel></rss>"
            ),
            "application/rss+xml; charset=utf-8",
        ));
    }
    if let Some(rest) = path.strip_prefix("/l/m/index") {
        let p = if rest == ".html" {
            1
        } else {
            num(rest.strip_suffix(".html")?)?
        };
        let per = MULTI.div_ceil(2);
        if !(1..=2).contains(&p) {
            return None;
        }
        let items: Vec<(String, String)> = ((p - 1) * per..(p * per).min(MULTI))
            .map(|n| (format!("/m/{n}.html"), format!("分页新闻{n}")))
            .collect();
        let next = (p < 2).then(|| "index2.html".to_owned());
        return Some((listing_page(&items, next), HTML));
    }
    if let Some(rest) = path.strip_prefix("/l/") {
        let (s, file) = rest.split_once('/')?;
        let s = num(s).filter(|&s| s < LISTINGS)?;
        let p = match file.strip_prefix("index")?.strip_suffix(".html")? {
            "" => 1,
            x => num(x)?,
        };
        if !(1..=PAGES).contains(&p) {
            return None;
        }
        let items: Vec<(String, String)> = ((p - 1) * PER_PAGE..p * PER_PAGE)
            .map(|n| (format!("/a/{s}/{n}.html"), format!("来源{s}新闻{n}")))
            .collect();
        let next = (p < PAGES).then(|| format!("index{}.html", p + 1));
        return Some((listing_page(&items, next), HTML));
    }
    if let Some(rest) = path.strip_prefix("/a/") {
        let (s, file) = rest.split_once('/')?;
        let s = num(s).filter(|&s| s < LISTINGS)?;
        let n = num(file.strip_suffix(".html")?).filter(|&n| n < PAGES * PER_PAGE)?;
        let title = format!("来源{s}新闻{n}：职工权益保障工作新进展");
        return Some((article_page(&title, &paragraphs("列表", s, n), ""), HTML));
    }
    if let Some(rest) = path.strip_prefix("/f/") {
        let n = num(rest.strip_suffix(".html")?).filter(|&n| n < FEED_ITEMS)?;
        let title = format!("订阅新闻{n}：职工服务新举措");
        return Some((article_page(&title, &paragraphs("订阅", 0, n), ""), HTML));
    }
    if let Some(rest) = path.strip_prefix("/m/") {
        let stem = rest.strip_suffix(".html")?;
        let (n, k) = match stem.split_once('_') {
            Some((n, k)) => (num(n)?, num(k).filter(|k| (2..=MULTI_PAGES).contains(k))?),
            None => (num(stem)?, 1),
        };
        if n >= MULTI {
            return None;
        }
        let mut pager = String::from("<div class=\"zdfy\">");
        for i in 1..=MULTI_PAGES {
            let href = if i == 1 {
                format!("/m/{n}.html")
            } else {
                format!("/m/{n}_{i}.html")
            };
            pager.push_str(&format!("<a href=\"{href}\">{i}</a>"));
        }
        pager.push_str("</div>");
        let title = format!("分页新闻{n}：劳模工匠创新工作室建设");
        return Some((
            article_page(&title, &paragraphs("分页", n, k), &pager),
            HTML,
        ));
    }
    None
}

/// One request the site saw.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The path.
    pub path: String,
    /// It carried `If-None-Match` or `If-Modified-Since`.
    pub conditional: bool,
    /// The status answered.
    pub status: u16,
}

#[derive(Clone)]
struct SiteState {
    base: Arc<Mutex<String>>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

async fn handle(State(st): State<SiteState>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_owned();
    let base = st.base.lock().unwrap().clone();
    let inm = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let ims = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok());
    let conditional = inm.is_some() || ims.is_some();
    let resp = match page(&base, &path) {
        None => StatusCode::NOT_FOUND.into_response(),
        Some((body, ctype)) => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            body.hash(&mut h);
            let etag = format!("\"{:016x}\"", h.finish());
            // As nginx: If-None-Match decides when present, else an exact If-Modified-Since.
            let fresh = match inm {
                Some(v) => v.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
                None => ims == Some(LAST_MODIFIED),
            };
            let validators = [
                (header::ETAG, etag),
                (header::LAST_MODIFIED, LAST_MODIFIED.to_owned()),
            ];
            if fresh {
                (StatusCode::NOT_MODIFIED, validators).into_response()
            } else {
                let mut r = (StatusCode::OK, validators, body).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static(ctype),
                );
                r
            }
        }
    };
    st.hits.lock().unwrap().push(Hit {
        path,
        conditional,
        status: resp.status().as_u16(),
    });
    resp
}

/// The site, served from a background thread's runtime on 127.0.0.1.
pub struct Site {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Site {
    /// Starts it.
    pub fn start() -> Site {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind site");
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("site addr"));
        let state = SiteState {
            base: Arc::new(Mutex::new(base.clone())),
            hits: Arc::default(),
        };
        let hits = Arc::clone(&state.hits);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("site runtime");
            rt.block_on(async move {
                let router = axum::Router::new().fallback(handle).with_state(state);
                let l = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                axum::serve(l, router).await.ok();
            });
        });
        Site { base, hits }
    }

    /// Every request so far to `path`.
    pub fn hits_of(&self, path: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }

    /// The URL of every article on the site.
    pub fn article_urls(&self) -> HashSet<String> {
        let b = &self.base;
        let mut out = HashSet::new();
        for s in 0..LISTINGS {
            for n in 0..PAGES * PER_PAGE {
                out.insert(format!("{b}/a/{s}/{n}.html"));
            }
        }
        for n in 0..MULTI {
            out.insert(format!("{b}/m/{n}.html"));
        }
        for n in 0..FEED_ITEMS {
            out.insert(format!("{b}/f/{n}.html"));
        }
        out
    }

    /// The ETag the site sends for `path`.
    pub fn etag_of(&self, path: &str) -> String {
        let (body, _) = page(&self.base, path).expect("a page of the site");
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        format!("\"{:016x}\"", h.finish())
    }
}

/// The configuration of every source of `site`, with the store at `db`.
pub fn config_text(db: &Path, site: &str) -> String {
    let mut cfg = format!(
        "[store]\npath = {:?}\n\n[server]\nlisten = \"127.0.0.1:0\"\n\n\
         [crawl]\nper_host_delay = \"0s\"\nretries = 0\nobey_robots = false\nconcurrency = 8\n\
         source_concurrency = 8\nmax_articles_per_run = 1000\n\n",
        db.display().to_string()
    );
    // The feed and the multi-page listing first: every run starts them at once, so kills land during them.
    cfg.push_str(&format!(
        "[[sources]]\nid = \"feed\"\nname = \"订阅\"\nkind = \"feed\"\nurl = \"{site}/feed.xml\"\n\
         fulltext = true\nevery = \"1h\"\n\n\
         [[sources]]\nid = \"multi\"\nname = \"分页\"\nkind = \"listing\"\nurl = \"{site}/l/m/index.html\"\n\
         links = \"div.list li a\"\npages = 2\nevery = \"1h\"\n\n"
    ));
    for s in 0..LISTINGS {
        cfg.push_str(&format!(
            "[[sources]]\nid = \"list-{s}\"\nname = \"列表 {s}\"\nkind = \"listing\"\n\
             url = \"{site}/l/{s}/index.html\"\nlinks = \"div.list li a\"\npages = {PAGES}\nevery = \"1h\"\n\n"
        ));
    }
    cfg
}

fn write_config(dir: &Path, site: &str) -> PathBuf {
    let path = dir.join("unionwire.toml");
    std::fs::write(&path, config_text(&dir.join("db"), site)).expect("write config");
    path
}

/// The binary: `CRASH_BIN` if set, else the one Cargo built.
fn exe() -> PathBuf {
    std::env::var_os("CRASH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_unionwire")),
        PathBuf::from,
    )
}

/// `unionwire` with a clean environment (no `UNIONWIRE_*` from the caller) and `args`.
fn command(config: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(exe());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("UNIONWIRE_") {
            c.env_remove(k);
        }
    }
    c.arg("--config").arg(config).args(args);
    c
}

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// The schedule's seed: `UNIONWIRE_TEST_SEED` if set, else a fresh one. Printed either way.
fn seed() -> u64 {
    let s = std::env::var("UNIONWIRE_TEST_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("crash_conditional: seed {s} (UNIONWIRE_TEST_SEED={s} replays this schedule)");
    s
}

/// `unionwire run` with JSON logs at debug level, counting "batch durable" acknowledgements live.
struct Daemon {
    child: Child,
    log: std::thread::JoinHandle<RunLog>,
    acked: Arc<AtomicUsize>,
    /// Sources the log has started (`true` while being crawled, `false` once finished).
    active: Arc<Mutex<std::collections::HashMap<String, bool>>>,
}

/// What a killed daemon's log says.
#[derive(Default)]
struct RunLog {
    /// URLs of every "batch durable" line.
    acked: Vec<String>,
    /// Sources it started ("crawling source").
    started: HashSet<String>,
    /// Sources it finished ("crawled source").
    finished: HashSet<String>,
}

impl RunLog {
    /// Whether the kill landed while `source` was being crawled.
    fn during(&self, source: &str) -> bool {
        self.started.contains(source) && !self.finished.contains(source)
    }
}

impl Daemon {
    fn start(config: &Path) -> Daemon {
        let mut child = command(config, &["--log-format", "json", "run"])
            .env("RUST_LOG", "unionwire=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start unionwire run");
        let stderr = child.stderr.take().expect("piped stderr");
        let acked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&acked);
        let active: Arc<Mutex<std::collections::HashMap<String, bool>>> = Arc::default();
        let now_active = Arc::clone(&active);
        let log = std::thread::spawn(move || {
            let mut run = RunLog::default();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                let source = v["fields"]["source"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                match v["fields"]["message"].as_str() {
                    Some("crawling source") => {
                        now_active.lock().unwrap().insert(source.clone(), true);
                        run.started.insert(source);
                        continue;
                    }
                    Some("crawled source") => {
                        now_active.lock().unwrap().insert(source.clone(), false);
                        run.finished.insert(source);
                        continue;
                    }
                    Some("batch durable") => {}
                    _ => continue,
                }
                let batch: Vec<String> = v["fields"]["urls"]
                    .as_str()
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                counter.fetch_add(batch.len(), Ordering::SeqCst);
                run.acked.extend(batch);
            }
            run
        });
        Daemon {
            child,
            log,
            acked,
            active,
        }
    }

    /// Waits until the log says `source` is being crawled; `false` once it has finished, or if it never
    /// starts within [`IDLE`].
    fn wait_during(&mut self, source: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < IDLE {
            match self.active.lock().unwrap().get(source) {
                Some(true) => return true,
                Some(false) => return false,
                None => {}
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the daemon exited ({status}) before crawling {source}");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        false
    }

    /// Waits for `n` acknowledgements; panics if the daemon exits first or after the hang guard. Returns
    /// `false` when the daemon stopped storing anything (no acknowledgement for [`IDLE`]) before `n`: then
    /// nothing is left that it will fetch (a crawler that believes 304s for articles it lacks gets there).
    fn wait_acked(&mut self, n: usize) -> bool {
        let start = Instant::now();
        let (mut last, mut last_at) = (0, Instant::now());
        loop {
            let now = self.acked.load(Ordering::SeqCst);
            if now >= n {
                return true;
            }
            if now != last {
                (last, last_at) = (now, Instant::now());
            } else if last_at.elapsed() >= IDLE {
                return false;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the daemon exited ({status}) after {now} of {n} acknowledgements");
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "hang guard: {now} of {n} acknowledgements after 120 s"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// SIGKILLs it; returns what its log said.
    fn kill(mut self) -> RunLog {
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("wait for the daemon");
        assert!(!status.success(), "killed, not exited");
        self.log.join().expect("log reader")
    }
}

/// (stored article URLs, `verify` problems) of the store at `db`.
fn inspect(db: &Path) -> (Vec<String>, Vec<String>) {
    let store = unionwire::store::open(db).expect("the store opens after a kill");
    let report = store.verify().expect("verify runs");
    let urls = store
        .articles()
        .map(|a| a.expect("article decodes").article.url)
        .collect();
    let problems = report
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.key, p.what))
        .collect();
    (urls, problems)
}

/// What one round saw.
struct Round {
    after_kills: Vec<usize>,
    acked: usize,
    kept: usize,
    duplicates: usize,
    took: Duration,
}

/// One round: `kills` SIGKILLs of `unionwire run` on a fresh store and site, one clean crawl, the end checks.
fn round(r: usize, kills: usize, rng: &mut StdRng) -> Round {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let site = Site::start();
    let config = write_config(dir.path(), &site.base);
    let db = dir.path().join("db");
    let expected = site.article_urls();
    assert_eq!(expected.len(), TOTAL);
    // The kill point is in acknowledgements; batches in flight and the jitter add up to about 200 articles more.
    let goal = TOTAL * 7 / 10;
    let ceiling = TOTAL * 8 / 10;
    let mut stored_now = 0usize;
    let mut after_kills = Vec::new();
    let mut acked_all = 0usize;
    let mut lost_acked: Vec<String> = Vec::new();
    let mut kill_problems: Vec<String> = Vec::new();
    // Kills that landed while the feed source, and the multi-page articles' source, were being crawled.
    let (mut mid_feed, mut mid_multi) = (0usize, 0usize);
    for k in 0..kills {
        let step = (goal.saturating_sub(stored_now) / (kills - k)).max(1);
        let room = ceiling.saturating_sub(stored_now).max(1);
        let kill_at = rng.random_range(1..=(2 * step).min(room));
        let mut jitter = Duration::from_millis(rng.random_range(0..=300));
        let t = Instant::now();
        let mut d = Daemon::start(&config);
        // The first kills are aimed: one while the feed source is being crawled, one during the multi-page
        // articles (when those are not done yet); the rest land after a random number of acknowledgements.
        let aimed = match k {
            0 if mid_feed == 0 => Some("feed"),
            1 if mid_multi == 0 => Some("multi"),
            _ => None,
        };
        let reached = match aimed {
            Some(source) if d.wait_during(source) => {
                // A random moment into that source's crawl.
                d.wait_acked(d.acked.load(Ordering::SeqCst) + rng.random_range(1..=step.min(40)))
            }
            _ => d.wait_acked(kill_at),
        };
        if reached {
            std::thread::sleep(jitter);
        } else {
            jitter = Duration::ZERO;
            eprintln!(
                "crash_conditional round {r} kill {k}: the daemon stored nothing for {IDLE:?} before its kill \
                 point ({kill_at}); killing it now"
            );
        }
        let run = d.kill();
        mid_feed += usize::from(run.during("feed"));
        mid_multi += usize::from(run.during("multi"));
        let acked = run.acked;
        let (stored, problems) = inspect(&db);
        let stored: HashSet<String> = stored.into_iter().collect();
        let lost: Vec<String> = acked
            .iter()
            .filter(|u| !stored.contains(*u))
            .cloned()
            .collect();
        eprintln!(
            "crash_conditional round {r} kill {k}: after {:?} ({}; {} acknowledged); {} stored, {} verify \
             problems, {} acknowledged and lost",
            t.elapsed(),
            match aimed {
                Some(source) => format!("aimed at the {source} source's crawl, + {jitter:?}"),
                None => format!("kill point {kill_at} acknowledged + {jitter:?}"),
            },
            acked.len(),
            stored.len(),
            problems.len(),
            lost.len()
        );
        assert!(
            stored.len() < TOTAL,
            "round {r} kill {k}: the store was complete, so the kill did not land mid-crawl"
        );
        stored_now = stored.len();
        after_kills.push(stored_now);
        acked_all += acked.len();
        lost_acked.extend(lost);
        kill_problems.extend(problems.into_iter().map(|p| format!("after kill {k}: {p}")));
    }

    let out = command(&config, &["crawl", "--once", "--all", "--no-progress"])
        .env("RUST_LOG", "unionwire=warn")
        .output()
        .expect("final crawl");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let total_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("total:"))
        .unwrap_or_default()
        .trim()
        .to_owned();
    eprintln!(
        "crash_conditional round {r}: final crawl: {total_line}; {mid_feed} kills landed during the feed source, \
         {mid_multi} during the multi-page articles"
    );
    assert!(
        out.status.success(),
        "round {r}: final crawl failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (urls, problems) = inspect(&db);
    let unique: HashSet<String> = urls.iter().cloned().collect();
    let duplicates = urls.len() - unique.len();
    let mut missing: Vec<&String> = expected.difference(&unique).collect();
    missing.sort();
    let mut extra: Vec<&String> = unique.difference(&expected).collect();
    extra.sort();
    assert!(
        missing.is_empty(),
        "round {r}: {} of the site's {TOTAL} articles are missing after the clean crawl ({} stored; store \
         after each kill {after_kills:?}), e.g. {:?}",
        missing.len(),
        unique.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(
        extra.is_empty(),
        "round {r}: articles the site lacks: {extra:?}"
    );
    assert_eq!(duplicates, 0, "round {r}: an article stored twice");
    assert_eq!(urls.len(), TOTAL, "round {r}: exactly the site's count");
    assert!(
        lost_acked.is_empty(),
        "round {r}: acknowledged as durable but lost by a kill: {lost_acked:?}"
    );
    assert!(
        kill_problems.is_empty(),
        "round {r}: verify after the kills: {kill_problems:?}"
    );
    assert!(
        problems.is_empty(),
        "round {r}: verify at the end: {problems:?}"
    );
    assert!(
        mid_feed > 0 && mid_multi > 0,
        "round {r}: no kill landed during the feed ({mid_feed}) or the multi-page articles ({mid_multi})"
    );
    assert!(
        total_line.contains(" 0 conditional misses"),
        "round {r}: the clean crawl met a fetch state that outlived its article: {total_line}"
    );
    let store = unionwire::store::open(&db).unwrap();
    assert_eq!(
        store.stats().unwrap().articles,
        TOTAL as u64,
        "round {r}: the counter agrees"
    );
    drop(store);
    let verify = command(&config, &["db", "verify"])
        .output()
        .expect("db verify");
    assert!(
        verify.status.success(),
        "round {r}: db verify: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    Round {
        after_kills,
        acked: acked_all,
        kept: urls.len(),
        duplicates,
        took: started.elapsed(),
    }
}

#[test]
fn kill9_against_a_304_server_then_one_clean_crawl_stores_every_article_once() {
    let rounds = env_count("CRASH_ROUNDS", 1);
    let kills = env_count("CRASH_CYCLES", KILLS);
    let mut rng = StdRng::seed_from_u64(seed());
    let started = Instant::now();
    let (mut acked, mut kept, mut duplicates) = (0, 0, 0);
    for r in 0..rounds {
        let x = round(r, kills, &mut rng);
        eprintln!(
            "crash_conditional round {r}: {kills} kills, all mid-crawl (store after each: {:?}); {} acknowledged \
             before kills, 0 lost; {} of {TOTAL} articles kept, {} duplicates, 0 conditional misses, db verify \
             clean; {:?}",
            x.after_kills, x.acked, x.kept, x.duplicates, x.took
        );
        acked += x.acked;
        kept += x.kept;
        duplicates += x.duplicates;
    }
    eprintln!(
        "crash_conditional total: {rounds} rounds x {kills} kills = {} kills; {acked} acknowledged before kills, \
         0 lost; {kept} articles kept ({rounds} x {TOTAL}), 0 missing, {duplicates} duplicated, db verify clean \
         every round; {:?}",
        rounds * kills,
        started.elapsed()
    );
}

/// A fetch state for `url` as the crawler before issue 13 wrote it when the page was fetched (no role),
/// or as an article page's (`role`), with the site's real validators.
fn stale_state(site: &Site, path: &str, role: PageRole) -> FetchState {
    FetchState {
        etag: Some(site.etag_of(path)),
        last_modified: Some(LAST_MODIFIED.to_owned()),
        last_status: Some(200),
        fetched_at: Some(jiff::Timestamp::now()),
        next_due: None,
        role,
    }
}

#[test]
fn db_verify_reports_a_fetch_state_without_its_article_repair_clears_it_and_the_next_crawl_fetches_it(
) {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::start();
    let config = write_config(dir.path(), &site.base);
    let db = dir.path().join("db");
    let (old_way, article_role) = ("/a/0/3.html", "/a/1/4.html");
    {
        let store = unionwire::store::open(&db).unwrap();
        let u = |p: &str| format!("{}{p}", site.base);
        store
            .set_fetch_state(&u(old_way), &stale_state(&site, old_way, PageRole::Unknown))
            .unwrap();
        store
            .set_fetch_state(
                &u(article_role),
                &stale_state(&site, article_role, PageRole::Article),
            )
            .unwrap();
        // An index page's validators claim no article: not a problem.
        store
            .set_fetch_state(
                &u("/l/2/index.html"),
                &stale_state(&site, "/l/2/index.html", PageRole::Index),
            )
            .unwrap();
        store.flush().unwrap();
    }

    let verify = command(&config, &["db", "verify"]).output().unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    eprintln!("db verify: {out}");
    assert_eq!(verify.status.code(), Some(4), "{out}");
    for p in [old_way, article_role] {
        let line = out
            .lines()
            .find(|l| l.starts_with("damaged: F/") && l.contains(p))
            .unwrap_or_else(|| panic!("{p} reported: {out}"));
        assert!(line.contains("article"), "{line}");
    }
    assert!(!out.contains("/l/2/index.html"), "{out}");

    let repair = command(&config, &["db", "verify", "--repair"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&repair.stdout);
    eprintln!("db verify --repair: {out}");
    assert_eq!(repair.status.code(), Some(0), "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("repaired: F/"))
            .count(),
        2,
        "{out}"
    );
    assert!(out.contains("ok: "), "{out}");
    let again = command(&config, &["db", "verify"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    {
        let store = unionwire::store::open(&db).unwrap();
        assert!(store
            .fetch_state(&format!("{}/l/2/index.html", site.base))
            .unwrap()
            .is_some_and(|s| s.has_validators()));
    }

    let crawl = command(
        &config,
        &[
            "crawl",
            "--once",
            "--source",
            "list-0",
            "--source",
            "list-1",
            "--no-progress",
        ],
    )
    .env("RUST_LOG", "unionwire=warn")
    .output()
    .unwrap();
    assert!(
        crawl.status.success(),
        "{}",
        String::from_utf8_lossy(&crawl.stderr)
    );
    for p in [old_way, article_role] {
        let hits = site.hits_of(p);
        assert_eq!(hits.len(), 1, "{p}: {hits:?}");
        assert!(
            !hits[0].conditional && hits[0].status == 200,
            "{p} is fetched in full after the repair: {hits:?}"
        );
    }
    let store = unionwire::store::open(&db).unwrap();
    for p in [old_way, article_role] {
        let url = format!("{}{p}", site.base);
        assert!(store.contains_url(&url).unwrap(), "{url} stored");
        let st = store.fetch_state(&url).unwrap().expect("its state");
        assert_eq!(st.role, PageRole::Article);
        assert!(st.has_validators(), "{st:?}");
    }
    assert_eq!(
        store.stats().unwrap().articles,
        (2 * PAGES * PER_PAGE) as u64
    );
    assert!(store.verify().unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_304_for_an_article_the_store_lacks_is_a_counted_miss_and_is_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let site = tokio::task::spawn_blocking(Site::start).await.unwrap();
    let db = dir.path().join("db");
    let cfg = Config::from_toml(&config_text(&db, &site.base), "test.toml").unwrap();
    let store = unionwire::store::open(&db).unwrap();
    let lost = "/f/7.html";
    let url = format!("{}{lost}", site.base);
    // What the crawler before issue 13 could leave after a kill: the validators, not the article.
    store
        .set_fetch_state(&url, &stale_state(&site, lost, PageRole::Unknown))
        .unwrap();
    let cfg = Arc::new(cfg);
    let metrics = Arc::new(Metrics::default());
    let fetcher = Fetcher::new(FetchConfig::from(&cfg.crawl)).unwrap();
    let c = Crawler::new(cfg.clone(), fetcher, store.clone(), metrics.clone());
    let feed: Vec<_> = cfg
        .sources
        .iter()
        .filter(|s| s.id.as_str() == "feed")
        .cloned()
        .collect();
    let token = CancellationToken::new();

    let sum = c.run_once(&feed, &RunOptions::default(), &token).await;
    assert_eq!(sum[0].conditional_misses, 1, "{:?}", sum[0]);
    assert_eq!(sum[0].new_articles, FEED_ITEMS as u64, "{:?}", sum[0]);
    let hits = site.hits_of(lost);
    assert_eq!(
        hits.iter()
            .map(|h| (h.conditional, h.status))
            .collect::<Vec<_>>(),
        vec![(true, 304), (false, 200)],
        "a conditional request answered 304, then one without validators"
    );
    assert!(store.contains_url(&url).unwrap(), "the article is stored");
    let prom = metrics.render_prometheus(&[]);
    assert!(
        prom.lines()
            .any(|l| l == "unionwire_conditional_misses_total 1"),
        "{prom}"
    );
    assert!(store.verify().unwrap().is_ok());

    // Healed and consistent: the next run's feed answers 304 (its validators were saved once every entry was
    // stored), and nothing is a miss.
    let again = c.run_once(&feed, &RunOptions::default(), &token).await;
    assert_eq!(again[0].not_modified, 1, "{:?}", again[0]);
    assert_eq!(again[0].conditional_misses, 0, "{:?}", again[0]);
    assert_eq!(metrics.conditional_misses.load(Ordering::SeqCst), 1);
    assert_eq!(site.hits_of(lost).len(), 2);
}
