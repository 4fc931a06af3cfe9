//! T22 (kill -9 mid-write) and T23 (graceful shutdown, single writer): the real `unionwire` binary as a
//! child process over a local site of 50 feeds carrying 10,000 unique full-text items.
//!
//! T22 runs `CRASH_ROUNDS` rounds (1 by default; `scripts/crash_loop.sh` runs 10) of `CRASH_CYCLES` kill
//! cycles each (10 by default), every round on a fresh store and a fresh site. A cycle starts
//! `unionwire run`, waits until the daemon has logged a random number of articles as durable ("batch
//! durable", logged after the batch's flush), waits a random moment more, and SIGKILLs it; the kill points
//! are spread so that the round's kills walk the store from empty to about 90 % full, and every kill is
//! checked to have landed while the daemon was ingesting (the store is not yet complete). After each kill
//! the store must open, verify clean and hold every article acknowledged before it died. After the
//! round's kills, one clean `unionwire crawl --once --all` and the end state: exactly 10,000 articles, no
//! URL twice, every article acknowledged during the round present, `unionwire db verify` exit 0.
//! `CRASH_BIN` names the binary to run instead of the one Cargo built (the script runs a private copy so
//! a rebuild elsewhere in the shared target directory cannot swap it mid-run).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Path as UrlPath;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub use crate::support::daemon::{durable_urls, line_index, start_daemon_of, Daemon};
use crate::support::{clean_command, test_seed, HANG};

/// Feeds on the site.
pub const FEEDS: usize = 50;
/// Items per feed (the crawler's default `max_articles_per_run` is 200).
pub const PER_FEED: usize = 200;

/// Deterministic, distinct text for item (`feed`, `item`).
fn body_text(feed: usize, item: usize) -> String {
    let seed = (feed as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (item as u64 + 7).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    crate::support::han_paragraphs(&format!("第{feed}号来源第{item}篇"), seed, 60)
}

/// The RSS document of feed `i` on a site whose base is `base`.
fn feed_xml(base: &str, i: usize) -> String {
    let mut items = String::new();
    for j in 0..PER_FEED {
        let day = 1 + (j % 28);
        let hour = j % 24;
        items.push_str(&format!(
            "<item><title>第{i}号来源新闻{j}：职工权益保障工作新进展</title>\
             <link>{base}/a/{i}/{j}.html</link><guid>{base}/a/{i}/{j}.html</guid>\
             <pubDate>Mon, {day:02} Jun 2025 {hour:02}:{min:02}:00 +0800</pubDate>\
             <description>摘要 {i}-{j}</description>\
             <content:encoded><![CDATA[{body}]]></content:encoded></item>",
            min = (i + j) % 60,
            body = body_text(i, j),
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>\
         <title>来源 {i}</title><link>{base}/</link><description>测试来源</description>{items}</channel></rss>"
    )
}

/// Serves the 50 feeds on 127.0.0.1 from a background thread's runtime; returns the base URL.
pub fn start_site() -> (String, std::thread::JoinHandle<()>) {
    let (base, _requests, handle) = start_site_counted();
    (base, handle)
}

/// Requests for each feed of a site started with [`start_site_counted`].
pub type FeedRequests = Arc<Mutex<Vec<usize>>>;

/// [`start_site`], also counting the requests for each feed.
pub fn start_site_counted() -> (String, FeedRequests, std::thread::JoinHandle<()>) {
    let requests: FeedRequests = Arc::new(Mutex::new(vec![0; FEEDS]));
    let counter = Arc::clone(&requests);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind site");
    listener.set_nonblocking(true).expect("nonblocking");
    let base = format!("http://{}", listener.local_addr().expect("site addr"));
    let feeds: Arc<Vec<String>> = Arc::new((0..FEEDS).map(|i| feed_xml(&base, i)).collect());
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("site runtime");
        rt.block_on(async move {
            let router = axum::Router::new().route(
                "/feed/{file}",
                get(move |UrlPath(file): UrlPath<String>| {
                    let feeds = Arc::clone(&feeds);
                    let counter = Arc::clone(&counter);
                    async move {
                        let i: usize = file.trim_end_matches(".xml").parse().unwrap_or(usize::MAX);
                        if let Some(n) = counter.lock().unwrap().get_mut(i) {
                            *n += 1;
                        }
                        match feeds.get(i) {
                            Some(x) => (
                                [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
                                x.clone(),
                            )
                                .into_response(),
                            None => axum::http::StatusCode::NOT_FOUND.into_response(),
                        }
                    }
                }),
            );
            let l = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            axum::serve(l, router).await.ok();
        });
    });
    (base, requests, handle)
}

/// Writes the daemon's configuration for `site` with the store in `dir`.
pub fn write_config(dir: &Path, site: &str) -> PathBuf {
    let mut cfg = format!(
        "[store]\npath = \"{}\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n\n\
         [crawl]\nper_host_delay = \"0\"\nretries = 0\nobey_robots = false\nconcurrency = 8\n\
         source_concurrency = 8\nmax_articles_per_run = {PER_FEED}\n\n",
        dir.join("db").display()
    );
    cfg.push_str(&feed_sources(site, FEEDS));
    let path = dir.join("unionwire.toml");
    std::fs::write(&path, cfg).expect("write config");
    path
}

/// The `[[sources]]` of the first `feeds` feeds of the crash test's site (`feed-00`…, hourly).
pub fn feed_sources(site: &str, feeds: usize) -> String {
    (0..feeds)
        .map(|i| {
            format!(
                "[[sources]]\nid = \"feed-{i:02}\"\nname = \"来源 {i}\"\nkind = \"feed\"\n\
                 url = \"{site}/feed/{i}.xml\"\nevery = \"1h\"\n\n"
            )
        })
        .collect()
}

/// The built binary.
pub fn bin() -> &'static str {
    crate::support::bin()
}

/// Starts `unionwire run` on `config` with a clean environment and JSON logs at debug level (the "batch
/// durable" lines are debug); see [`crate::support::daemon`].
pub fn start_daemon(config: &Path) -> Daemon {
    start_daemon_of(Path::new(bin()), config)
}

/// Opens the store, verifies it, and returns (stored article URLs, records verified).
fn inspect(db: &Path) -> (Vec<String>, u64) {
    let store = unionwire::store::open(db).expect("the store opens after a kill");
    let report = store.verify().expect("verify runs");
    assert!(
        report.is_ok(),
        "verify found problems: {:?}",
        report.problems
    );
    let urls: Vec<String> = store
        .articles()
        .map(|a| a.expect("article decodes").article.url)
        .collect();
    (urls, report.records)
}

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// The binary T22 runs: `CRASH_BIN` if set, else the one Cargo built.
fn crash_bin() -> PathBuf {
    std::env::var_os("CRASH_BIN").map_or_else(|| PathBuf::from(bin()), PathBuf::from)
}

/// Most the daemon may run on after reaching its kill point before the SIGKILL (a batch is 16 articles).
const KILL_JITTER_MS: u64 = 300;

/// What one T22 round saw.
struct Round {
    /// Acknowledgements logged before kills ("batch durable" URLs, re-ingests counted again).
    acked: usize,
    /// Distinct URLs among them.
    acked_distinct: usize,
    /// Articles in the store at the end.
    kept: usize,
    /// URLs stored more than once at the end.
    duplicates: usize,
    /// Records `verify` checked at the end.
    records: u64,
    /// Store size after each kill.
    after_kills: Vec<usize>,
    took: Duration,
}

/// One T22 round: `cycles` kills on a fresh store over a fresh site, then the end-state checks.
fn crash_round(round: usize, cycles: usize, exe: &Path, rng: &mut impl Rng) -> Round {
    let total = FEEDS * PER_FEED;
    let dir = tempfile::tempdir().unwrap();
    let (site, _site_thread) = start_site();
    let config = write_config(dir.path(), &site);
    let db = dir.path().join("db");
    let started = Instant::now();
    let mut acked_all: Vec<String> = Vec::new();
    let mut after_kills = Vec::with_capacity(cycles);
    let mut stored_now = 0usize;
    // The kills walk the store towards 90 % full, so the last one still lands mid-ingest.
    let goal = total * 9 / 10;
    let ceiling = total * 19 / 20;
    for cycle in 0..cycles {
        let left = cycles - cycle;
        let step = (goal.saturating_sub(stored_now) / left).max(1);
        // Never aim past `ceiling`: the jitter and the batches in flight stay far short of the rest.
        let room = ceiling.saturating_sub(stored_now).max(1);
        let kill_at = rng.random_range(1..=(2 * step).min(room));
        // Past the ceiling (an earlier kill's jitter let a cycle run long) the rest of the feed takes the
        // daemon less than the jitter to ingest: the kill follows the acknowledgement at once, or it
        // would not land mid-ingest.
        let jitter = if stored_now + kill_at < ceiling {
            Duration::from_millis(rng.random_range(0..=KILL_JITTER_MS))
        } else {
            Duration::ZERO
        };
        let t = Instant::now();
        let mut d = start_daemon_of(exe, &config);
        d.wait_acked(kill_at, HANG * 2);
        std::thread::sleep(jitter);
        d.child.kill().expect("SIGKILL");
        let alive = t.elapsed();
        let (status, lines) = d.finish();
        assert!(!status.success(), "killed, not exited");
        let acked = durable_urls(&lines);
        let (stored, records) = inspect(&db);
        let stored: std::collections::HashSet<String> = stored.into_iter().collect();
        let lost: Vec<&String> = acked.iter().filter(|u| !stored.contains(*u)).collect();
        eprintln!(
            "T22 round {round} cycle {cycle}: killed after {alive:?} ({kill_at} acknowledged + {jitter:?}); \
             {} acknowledged this cycle, {} stored, {records} records verified, {} lost",
            acked.len(),
            stored.len(),
            lost.len()
        );
        assert!(
            lost.is_empty(),
            "round {round} cycle {cycle}: acknowledged but lost: {lost:?}"
        );
        assert!(
            stored.len() < total,
            "round {round} cycle {cycle}: the store was complete, so the kill did not land mid-ingest"
        );
        stored_now = stored.len();
        after_kills.push(stored_now);
        acked_all.extend(acked);
    }
    let out = clean_command(exe)
        .arg("--config")
        .arg(&config)
        .args(["crawl", "--once", "--all", "--no-progress"])
        .env("RUST_LOG", "unionwire=warn")
        .output()
        .expect("final crawl");
    assert!(
        out.status.success(),
        "round {round}: final crawl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (urls, records) = inspect(&db);
    let unique: std::collections::HashSet<&String> = urls.iter().collect();
    let duplicates = urls.len() - unique.len();
    assert_eq!(duplicates, 0, "round {round}: no article stored twice");
    assert_eq!(urls.len(), total, "round {round}: exactly 10,000 articles");
    let acked_distinct: std::collections::HashSet<&String> = acked_all.iter().collect();
    let missing: Vec<&&String> = acked_distinct
        .iter()
        .filter(|u| !unique.contains(**u))
        .collect();
    assert!(
        missing.is_empty(),
        "round {round}: acknowledged before a kill but missing at the end: {missing:?}"
    );
    let store = unionwire::store::open(&db).unwrap();
    assert_eq!(
        store.stats().unwrap().articles,
        total as u64,
        "round {round}: the counter agrees"
    );
    drop(store);
    let verify = clean_command(exe)
        .arg("--config")
        .arg(&config)
        .args(["db", "verify"])
        .output()
        .expect("db verify");
    assert!(
        verify.status.success(),
        "round {round}: db verify: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    Round {
        acked: acked_all.len(),
        acked_distinct: acked_distinct.len(),
        kept: urls.len(),
        duplicates,
        records,
        after_kills,
        took: started.elapsed(),
    }
}

#[test]
fn t22_kill9_mid_write_loses_nothing_acknowledged_and_duplicates_nothing() {
    let rounds = env_count("CRASH_ROUNDS", 1);
    let cycles = env_count("CRASH_CYCLES", 10);
    let exe = crash_bin();
    let mut rng = StdRng::seed_from_u64(test_seed("T22 kill schedule"));
    let started = Instant::now();
    let (mut acked, mut acked_distinct, mut kept, mut duplicates) = (0, 0, 0, 0);
    for round in 0..rounds {
        let r = crash_round(round, cycles, &exe, &mut rng);
        eprintln!(
            "T22 round {round}: {cycles} kills, all mid-ingest (store after each: {:?}); {} acknowledged \
             before kills ({} distinct), {} articles kept, {} duplicates, db verify clean ({} records), {:?}",
            r.after_kills, r.acked, r.acked_distinct, r.kept, r.duplicates, r.records, r.took
        );
        acked += r.acked;
        acked_distinct += r.acked_distinct;
        kept += r.kept;
        duplicates += r.duplicates;
    }
    eprintln!(
        "T22 total: {rounds} rounds x {cycles} kills = {} kills, all mid-ingest; {acked} acknowledged before \
         kills ({acked_distinct} distinct), 0 lost; {kept} articles kept ({rounds} x 10,000), {duplicates} \
         duplicates, db verify clean every round; {:?}",
        rounds * cycles,
        started.elapsed()
    );
}

#[test]
fn t23_sigterm_mid_crawl_exits_cleanly_and_a_second_writer_is_refused() {
    let total = FEEDS * PER_FEED;
    let dir = tempfile::tempdir().unwrap();
    let (site, feed_requests, _site_thread) = start_site_counted();
    let config = write_config(dir.path(), &site);
    let db = dir.path().join("db");
    let mut d = start_daemon(&config);
    let _ = d.base_url(HANG);
    // Mid-crawl: the daemon has made its first batch durable and keeps going.
    d.wait_acked(1, HANG);

    // Single writer: a second process on the same store is refused, crawls nothing and writes nothing.
    let second = crate::support::unionwire_command()
        .arg("--config")
        .arg(&config)
        .args(["crawl", "--once", "--all", "--no-progress"])
        .output()
        .expect("second writer");
    let stderr = String::from_utf8_lossy(&second.stderr);
    eprintln!(
        "T23 second writer: exit {:?}: {}",
        second.status.code(),
        stderr.trim()
    );
    assert_eq!(second.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("locked by another process"), "{stderr}");
    assert!(
        second.stdout.is_empty(),
        "the refused writer reported a crawl: {}",
        String::from_utf8_lossy(&second.stdout)
    );

    let acked_at_term = d.acked_so_far();
    d.terminate();
    let (status, lines) = d.finish();
    let acked: std::collections::HashSet<String> = durable_urls(&lines).into_iter().collect();
    eprintln!(
        "T23 SIGTERM mid-crawl after {acked_at_term} acknowledgements: exit {:?}, {} articles acknowledged \
         in all",
        status.code(),
        acked.len()
    );
    assert!(status.success(), "exit status {status:?}");
    // The shutdown went in order: asked to stop, then the last durable batch, then the final flush.
    let stopping = line_index(
        &lines,
        "shutting down: no new work, cancelling fetches, flushing the store",
    )
    .expect("the shutdown was logged");
    let bye = line_index(&lines, "store flushed; bye").expect("the final flush was logged");
    let last_batch = lines
        .iter()
        .rposition(|l| l["fields"]["message"] == "batch durable")
        .expect("the crawl was under way");
    assert!(
        stopping < bye && last_batch < bye,
        "shutdown order: stop at line {stopping}, last batch at {last_batch}, flush at {bye}"
    );
    let (stored, _) = inspect(&db);
    let stored: std::collections::HashSet<String> = stored.into_iter().collect();
    // Mid-crawl really: the stop came before the crawl could finish.
    assert!(
        stored.len() < total,
        "the crawl had finished ({} articles) before SIGTERM: not a mid-crawl stop",
        stored.len()
    );
    // Nothing acknowledged is lost, and nothing is stored that the daemon did not acknowledge: the refused
    // writer added nothing.
    let lost: Vec<&String> = acked.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let foreign: Vec<&String> = stored.difference(&acked).collect();
    assert!(
        foreign.is_empty(),
        "stored without the daemon acknowledging it: {foreign:?}"
    );
    // The refused writer fetched nothing: the daemon asks each feed at most once an hour.
    let requests = feed_requests.lock().unwrap().clone();
    let twice: Vec<(usize, usize)> = requests
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(
        twice.is_empty(),
        "feeds fetched more than once (feed, requests): {twice:?}"
    );
    assert!(requests.contains(&1), "the daemon fetched feeds");
}
