//! The cluster test (issue 17): real processes on one fresh PostgreSQL database — three
//! `unionwire run --role crawler` and two `unionwire run --role server` — against the fault server
//! ([`crate::support::faultd`]) on six hosts (127.0.0.2–7) of 100 article pages each, with repost pairs
//! (the same article on two hosts: one story, two articles) and mirrors (a people.com.cn article path on
//! two hosts: one article), per-host delay 200 ms, four listing sources per host so that several crawlers
//! work on one host at once.
//!
//! One crawler is SIGKILLed mid-crawl, once it has acknowledged a batch and holds a source lease. Then:
//! every article is stored once (590 = 600 pages − 10 mirror copies) and `verify` is clean; every article
//! the killed crawler acknowledged is stored; each source it held was taken over by another crawler after
//! its lease ran out (`lease_ttl` 3 s) and finished; the fault server's own log shows, per host, every
//! request starting after the one before it ended (one in flight across all crawlers) and at least the
//! delay between request starts; both servers answer the all-stories feed with the same bytes and ETag;
//! the crawler role serves no feeds and the server role does not crawl; and the stories equal those of a
//! single-process sled crawl (`crawl --once --all`) of the same site.
//!
//! Needs `UNIONWIRE_TEST_PG` (see [`crate::store::postgres::server`]); skipped with a message when unset,
//! a failure when `UNIONWIRE_REQUIRE_PG=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use unionwire::store::SharedStore;

use crate::support::daemon::{durable_urls, start_daemon_with, Daemon};
use crate::support::faultd::{Canned, Faultd};
use crate::support::HANG;

const HOSTS: usize = 6;
const PER_HOST: usize = 100;
const SECTIONS: usize = 4;
const DELAY: Duration = Duration::from_millis(200);
/// Repost pairs: articles `0..REPOSTS` of each odd host copy those of the host before it.
const REPOSTS: usize = 10;
/// Mirrors: articles `MIRRORS_FROM..` of hosts 4 and 5 are one people.com.cn article path each.
const MIRRORS_FROM: usize = 90;
/// Distinct articles the site holds.
const ARTICLES: usize = HOSTS * PER_HOST - (PER_HOST - MIRRORS_FROM);

fn article_path(h: usize, i: usize) -> String {
    if h >= 4 && i >= MIRRORS_FROM {
        format!("/n1/2024/0927/c67502-{}.html", 70_004_000 + i)
    } else {
        format!("/a/{h}/{i}.html")
    }
}

fn article_page(h: usize, i: usize) -> String {
    let (site, n) = if h >= 4 && i >= MIRRORS_FROM {
        (4, 4000 + i)
    } else if h % 2 == 1 && i < REPOSTS {
        (h - 1, (h - 1) * 1000 + i)
    } else {
        (h, h * 1000 + i)
    };
    crate::crawl::article_html(&format!("站点{site}"), n)
}

fn listing_page(h: usize, s: usize) -> String {
    let items: String = (0..PER_HOST)
        .filter(|i| i % SECTIONS == s)
        .map(|i| {
            format!(
                "<li><a href=\"{}\">新闻{h}-{i}</a></li>\n",
                article_path(h, i)
            )
        })
        .collect();
    format!("<html><head><meta charset=\"utf-8\"><title>列表</title></head><body><div class=\"ej_list_box\"><ul>{items}</ul></div></body></html>")
}

/// The six hosts, serving their listings and articles.
async fn start_site() -> Vec<Faultd> {
    let mut hosts = Vec::new();
    for h in 0..HOSTS {
        let ip = [127, 0, 0, u8::try_from(h + 2).expect("few hosts")];
        let f = Faultd::start_on(ip).await;
        let html = "text/html; charset=utf-8";
        for s in 0..SECTIONS {
            f.set(
                &format!("/list/{s}.html"),
                Canned::ok(html, listing_page(h, s)),
            );
        }
        for i in 0..PER_HOST {
            f.set(&article_path(h, i), Canned::ok(html, article_page(h, i)));
        }
        hosts.push(f);
    }
    hosts
}

/// The sources, host after host within each section, so that crawlers taking sources in order work on
/// the same hosts at once.
fn sources_toml(hosts: &[Faultd]) -> String {
    let mut out = String::new();
    for s in 0..SECTIONS {
        for (h, f) in hosts.iter().enumerate() {
            out.push_str(&format!(
                "[[sources]]\nid = \"h{h}-s{s}\"\nname = \"站点{h} 栏目{s}\"\nkind = \"listing\"\n\
                 url = \"{}\"\nlinks = \"div.ej_list_box li a\"\nevery = \"1h\"\npages = 1\n\n",
                f.url(&format!("/list/{s}.html"))
            ));
        }
    }
    out
}

fn crawl_toml(delay: &str) -> String {
    format!(
        "[crawl]\nper_host_delay = \"{delay}\"\nlease_ttl = \"3s\"\ntimeout = \"5s\"\nretries = 0\n\
         obey_robots = false\njitter = 0.0\nconcurrency = 8\nsource_concurrency = 4\n\
         allow_private_addresses = true\nmax_articles_per_run = 200\n\n"
    )
}

/// Stories as sets of canonical URLs, and every stored canonical URL (repeated if stored twice).
fn stories_of(store: &SharedStore) -> (BTreeSet<BTreeSet<String>>, Vec<String>) {
    let mut by_story: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut urls = Vec::new();
    for a in store.articles() {
        let a = a.expect("article decodes");
        urls.push(a.article.canonical_url.clone());
        by_story
            .entry(format!("{:?}", a.story))
            .or_default()
            .insert(a.article.canonical_url.clone());
    }
    (by_story.into_values().collect(), urls)
}

/// The owner id of the crawler whose process id is `pid` among the leases held now, with its sources.
fn leases_of(store: &SharedStore, pid: u32) -> Vec<(String, String)> {
    store
        .leases()
        .expect("read leases")
        .into_iter()
        .filter(|l| l.owner.split('/').nth(1) == Some(pid.to_string().as_str()))
        .map(|l| (l.source.as_str().to_owned(), l.owner))
        .collect()
}

/// Runs one request's future on a runtime of its own (the test's body is synchronous).
fn block_on<F: std::future::Future>(request: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(request)
}

fn get(url: &str) -> (u16, Option<String>, Vec<u8>) {
    block_on(async {
        let r = reqwest::Client::new()
            .get(url)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let etag = r
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, etag, r.bytes().await.expect("body").to_vec())
    })
}

fn post(url: &str) -> (u16, String) {
    block_on(async {
        let r = reqwest::Client::new()
            .post(url)
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    })
}

/// Checks one host's requests, as its server saw them: each starts after the one before it ended, and
/// at least the delay after the one before it started.
fn check_politeness(h: usize, f: &Faultd) -> usize {
    let mut spans = f.spans();
    spans.sort_by_key(|(hit, _)| hit.at);
    for pair in spans.windows(2) {
        let (prev, prev_end) = &pair[0];
        let (next, _) = &pair[1];
        let prev_end = prev_end.unwrap_or_else(|| panic!("host {h}: {} never ended", prev.path));
        assert!(
            next.at >= prev_end,
            "host {h}: {} started while {} was in flight",
            next.path,
            prev.path
        );
        let gap = next.at.duration_since(prev.at);
        assert!(
            gap >= DELAY,
            "host {h}: {} started {gap:?} after {} (delay {DELAY:?})",
            next.path,
            prev.path
        );
    }
    spans.len()
}

/// The hosts whose sources a crawler's log shows it crawling.
fn hosts_crawled(log: &[serde_json::Value]) -> BTreeSet<usize> {
    log.iter()
        .filter(|l| l["fields"]["message"] == "crawling source")
        .filter_map(|l| l["fields"]["source"].as_str())
        .filter_map(|s| s.strip_prefix('h')?.split('-').next()?.parse().ok())
        .collect()
}

#[test]
fn three_crawlers_and_two_servers_share_one_database_politely_and_survive_a_killed_crawler() {
    let Some(server) = crate::store::postgres::server("cluster") else {
        return;
    };
    let place = crate::store::postgres::new_database(&server);
    let db_url = place.url.clone().expect("database url");
    let site_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("site runtime");
    let hosts = site_rt.block_on(start_site());
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("cluster.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"{db_url}\"\n\n[server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"http://news.example/\"\n\n{}{}",
            crawl_toml("200ms"),
            sources_toml(&hosts)
        ),
    )
    .expect("write config");
    // The schema first, so that the processes start on a migrated database.
    let store = unionwire::store::open_url(&db_url).expect("open the database");

    let t0 = Instant::now();
    let exe = Path::new(crate::support::bin());
    let servers: Vec<Daemon> = (0..2)
        .map(|_| start_daemon_with(exe, &config, &["--role", "server"]))
        .collect();
    let mut crawlers: Vec<Daemon> = (0..3)
        .map(|_| start_daemon_with(exe, &config, &["--role", "crawler"]))
        .collect();
    let server_urls: Vec<String> = servers.iter().map(|s| s.base_url(HANG)).collect();
    let crawler_urls: Vec<String> = crawlers.iter().map(|c| c.base_url(HANG)).collect();
    let crawler_url = crawler_urls[0].clone();

    // The roles: a crawler serves no feeds, a server does not crawl.
    let (status, _, body) = get(&format!("{crawler_url}/feeds/all.atom"));
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("--role crawler"));
    assert_eq!(get(&format!("{crawler_url}/healthz")).0, 200);
    let (status, text) = post(&format!("{}/api/sources/h0-s0/crawl", server_urls[0]));
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("does not crawl"), "{text}");

    // Kill the first crawler once it has acknowledged a batch and holds a source lease.
    let victim_pid = crawlers[0].child.id();
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < HANG * 2,
            "crawler 0 never held a lease after acknowledging a batch"
        );
        if crawlers[0].acked_so_far() >= 16 && !leases_of(&store, victim_pid).is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let victim = crawlers.remove(0);
    let mut child = victim;
    child.child.kill().expect("SIGKILL crawler 0");
    let held_at_kill = leases_of(&store, victim_pid);
    let (_, victim_log) = child.finish();
    let victim_acked = durable_urls(&victim_log);
    assert!(!victim_acked.is_empty(), "crawler 0 acknowledged nothing");
    assert!(
        !held_at_kill.is_empty(),
        "crawler 0 held no lease when it was killed"
    );
    let victim_owner = held_at_kill[0].1.clone();
    eprintln!(
        "[{:?}] crawler 0 killed holding {held_at_kill:?}",
        t0.elapsed()
    );

    // Wait until every source has completed a run and no lease is held.
    let ids: Vec<unionwire::model::SourceId> = (0..HOSTS)
        .flat_map(|h| (0..SECTIONS).map(move |s| format!("h{h}-s{s}")))
        .map(|s| unionwire::model::SourceId::new(s).expect("id"))
        .collect();
    let started = Instant::now();
    loop {
        for c in &mut crawlers {
            if let Ok(Some(status)) = c.child.try_wait() {
                panic!("a crawler exited early: {status}");
            }
        }
        let done = ids.iter().all(|id| {
            store
                .source_state(id)
                .expect("source state")
                .is_some_and(|st| st.last_success.is_some())
        }) && store.leases().expect("leases").is_empty();
        if done {
            break;
        }
        assert!(
            started.elapsed() < HANG * 3,
            "the crawl did not finish: {} articles, leases {:?}",
            store.stats().map(|s| s.articles).unwrap_or(0),
            store.leases()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    eprintln!("[{:?}] every source crawled", t0.elapsed());
    // Politeness across the three crawlers, as each host saw it.
    let requests: usize = hosts
        .iter()
        .enumerate()
        .map(|(h, f)| check_politeness(h, f))
        .sum();
    assert!(
        requests >= HOSTS * (PER_HOST + SECTIONS),
        "only {requests} requests"
    );

    // Every article once, everything the killed crawler acknowledged among them, verify clean.
    let (stories, urls) = stories_of(&store);
    let distinct: BTreeSet<&String> = urls.iter().collect();
    assert_eq!(distinct.len(), urls.len(), "an article was stored twice");
    assert_eq!(urls.len(), ARTICLES);
    for url in &victim_acked {
        assert!(
            store.contains_url(url).expect("read"),
            "acknowledged by the killed crawler but not stored: {url}"
        );
    }
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.problems);
    for h in [1, 3] {
        let pair: BTreeSet<String> = [0, 1]
            .iter()
            .map(|d| {
                store
                    .by_url(&hosts[h - d].url(&article_path(h - d, 0)))
                    .expect("read")
                    .expect("stored")
                    .article
                    .canonical_url
            })
            .collect();
        assert!(
            stories.contains(&pair),
            "repost pair of host {h} is not one story of two"
        );
    }

    // Both servers: the same feed, byte for byte, with the same ETag (once both see the last change).
    let started = Instant::now();
    let feeds = loop {
        let a = get(&format!("{}/feeds/all.atom", server_urls[0]));
        let b = get(&format!("{}/feeds/all.atom", server_urls[1]));
        if a.0 == 200 && a == b {
            break a;
        }
        assert!(
            started.elapsed() < HANG,
            "the servers disagree: {:?} vs {:?}",
            (a.0, &a.1),
            (b.0, &b.1)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(feeds.1.is_some(), "no ETag");
    assert!(String::from_utf8_lossy(&feeds.2).contains("http://news.example/"));

    eprintln!("[{:?}] the servers agree", t0.elapsed());

    // The survivors' lease gauges: none held now, claims made, and the takeovers counted.
    let mut takeovers = 0;
    for url in &crawler_urls[1..] {
        let (status, _, body) = get(&format!("{url}/metrics"));
        assert_eq!(status, 200);
        let text = String::from_utf8_lossy(&body).into_owned();
        let value = |name: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
        };
        assert_eq!(value("unionwire_leases_held"), 0);
        assert!(value("unionwire_lease_claims_total") > 0);
        takeovers += value("unionwire_lease_takeovers_total");
    }
    assert!(
        takeovers >= held_at_kill.len() as u64,
        "{takeovers} takeovers counted for {} leases of the killed crawler",
        held_at_kill.len()
    );
    // Stop the rest; each exits cleanly.
    let mut logs = Vec::new();
    let mut hosts_by_crawler = vec![hosts_crawled(&victim_log)];
    for (i, d) in crawlers.into_iter().chain(servers).enumerate() {
        d.terminate();
        let (status, lines) = d.finish();
        assert!(status.success(), "a process exited with {status}");
        if i < 2 {
            hosts_by_crawler.push(hosts_crawled(&lines));
        }
        logs.extend(lines);
    }
    // The politeness above was shared, not a matter of each host having one crawler.
    let shared_hosts = (0..HOSTS)
        .filter(|h| hosts_by_crawler.iter().filter(|c| c.contains(h)).count() >= 2)
        .count();
    assert!(
        shared_hosts > 0,
        "no host was crawled by two crawlers: {hosts_by_crawler:?}"
    );
    // The killed crawler's sources were taken over from it after its leases ran out.
    for (source, _) in &held_at_kill {
        assert!(
            logs.iter().any(|l| {
                l["fields"]["message"] == "took over an expired source lease"
                    && l["fields"]["source"] == source.as_str()
                    && l["fields"]["previous"] == victim_owner.as_str()
            }),
            "nobody took {source} over from the killed crawler"
        );
    }

    // The same site crawled by one process on sled gives the same stories.
    let ref_config = dir.path().join("single.toml");
    std::fs::write(
        &ref_config,
        format!(
            "[store]\npath = {:?}\n\n{}{}",
            dir.path().join("sled").display().to_string(),
            crawl_toml("0"),
            sources_toml(&hosts)
        ),
    )
    .expect("write config");
    let out = crate::support::unionwire_command()
        .arg("--config")
        .arg(&ref_config)
        .args(["crawl", "--once", "--all", "--no-progress"])
        .output()
        .expect("run crawl --once");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("[{:?}] single-process crawl done", t0.elapsed());
    let single =
        unionwire::store::open(&dir.path().join("sled")).expect("open the single-process store");
    let (single_stories, single_urls) = stories_of(&single);
    assert_eq!(single_urls.len(), ARTICLES);
    assert_eq!(stories, single_stories);
    drop(site_rt);
}

/// A request cancelled while it waits for its answer (a crawl stopped, a source timed out) gives its
/// shared host turn back at once: another crawler gets the host without waiting for the in-flight
/// turn to run out (the request timeout, 60 s here, plus a margin).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_cancelled_mid_flight_gives_its_shared_host_turn_back() {
    let Some(server) = crate::store::postgres::server("cluster::cancelled_request_turn") else {
        return;
    };
    // The database helpers and the engine block: they run off the test's runtime.
    let (place, store) = tokio::task::spawn_blocking(move || {
        let place = crate::store::postgres::new_database(&server);
        let url = place.url.clone().expect("url");
        let store = unionwire::store::postgres::PgStore::open(&url).expect("open");
        (place, std::sync::Arc::new(store) as SharedStore)
    })
    .await
    .expect("join");
    let site = Faultd::start().await;
    let mut cfg = crate::fetch::test_config();
    cfg.timeout = Duration::from_secs(60);
    cfg.read_timeout = Duration::from_secs(60);
    let fetcher = unionwire::fetch::Fetcher::new(cfg)
        .expect("fetcher")
        .with_host_override("a.test", site.addr);
    fetcher.trust_host("a.test");
    // The crawler's own host turns in the store, as `unionwire run --role crawler` shares them.
    let turns = unionwire::crawl::StoreHosts::for_store(&store, "crawler-a".into())
        .expect("PostgreSQL shares host turns");
    fetcher.share_hosts(std::sync::Arc::new(turns));
    let req = unionwire::fetch::Request::html(
        url::Url::parse(&site.url_as("a.test", "/wait")).expect("url"),
    );
    // The server never answers /wait: the request is cut while in flight, holding the turn.
    let cut = tokio::time::timeout(Duration::from_millis(1500), fetcher.get_polite(&req)).await;
    assert!(cut.is_err(), "the request ended by itself: {cut:?}");
    assert_eq!(site.count("/wait"), 1, "the request was sent");
    let started = Instant::now();
    loop {
        let s = store.clone();
        let turn = tokio::task::spawn_blocking(move || {
            s.take_host_turn(
                "a.test",
                "crawler-b",
                Duration::ZERO,
                Duration::from_secs(65),
            )
        })
        .await
        .expect("join")
        .expect("take turn");
        if turn.granted {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "crawler-b still waits for the cancelled request's turn after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("the turn was free {:?} after the cut", started.elapsed());
    drop(fetcher);
    tokio::task::spawn_blocking(move || drop((store, place)))
        .await
        .expect("join");
}
