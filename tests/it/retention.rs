//! Integration tests: retention (issue 15 part 9). A store holding a crawled local site and stories that
//! are years old (written through the library with an old ingest time, like a store kept for years): the
//! real `unionwire run` with `store.retention` prunes the old stories at start, with their articles, URL
//! index entries and fetch states; the feeds no longer carry them; `db prune` beside the daemon asks it;
//! the counters are right and `db verify` is clean afterwards.

use std::path::Path;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use unionwire::model::{Article, FetchState, PageRole, SourceId};
use unionwire::store::Incoming;

use crate::control::{
    assert_asked_daemon, cli, config, free_port, site_in_background, start, text,
};
use crate::support::HANG;

const WORDS: [&str; 20] = [
    "往年", "档案", "旧闻", "回顾", "纪念", "表彰", "大会", "代表", "委员", "章程", "修订", "报告",
    "审议", "选举", "闭幕", "开幕", "致辞", "会议", "决议", "号召",
];

/// Five paragraphs no other story in the test shares.
fn paragraphs(seed: usize) -> Vec<String> {
    (0..5)
        .map(|p| {
            let words: String = (0..36)
                .map(|w| {
                    let mut x = ((seed * 7919 + p * 104_729 + w * 1_299_709) as u64)
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    x ^= x >> 31;
                    WORDS[(x % WORDS.len() as u64) as usize]
                })
                .collect();
            format!("第{seed}篇旧文第{p}段：{words}。")
        })
        .collect()
}

fn old_article(url: &str, title: &str, seed: usize) -> Article {
    Article {
        url: url.to_owned(),
        title: title.to_owned(),
        paragraphs: paragraphs(seed),
        ..Article::default()
    }
}

/// The validators a crawl stores with an article page.
fn article_page_state(at: Timestamp) -> FetchState {
    FetchState {
        etag: Some("\"old\"".to_owned()),
        last_status: Some(200),
        fetched_at: Some(at),
        role: PageRole::Article,
        ..FetchState::default()
    }
}

struct Old {
    url: &'static str,
    title: &'static str,
    seed: usize,
    source: &'static str,
    recent: bool,
}

/// Story A: one copy, 1,000 days old. Story B: two copies from two sources, both old. Story C: an old
/// copy and a copy stored now (a re-post): still current, so kept whole.
const OLD: [Old; 5] = [
    Old {
        url: "http://archive.test/a.html",
        title: "旧闻甲",
        seed: 1,
        source: "a",
        recent: false,
    },
    Old {
        url: "http://archive.test/b1.html",
        title: "旧闻乙",
        seed: 2,
        source: "a",
        recent: false,
    },
    Old {
        url: "http://mirror.test/b2.html",
        title: "旧闻乙（转载）",
        seed: 2,
        source: "b",
        recent: false,
    },
    Old {
        url: "http://archive.test/c1.html",
        title: "旧闻丙",
        seed: 3,
        source: "a",
        recent: false,
    },
    Old {
        url: "http://mirror.test/c2.html",
        title: "旧闻丙（新转）",
        seed: 3,
        source: "b",
        recent: true,
    },
];

fn write_old_stories(store: &Path) {
    let store = unionwire::store::open(store).unwrap();
    let long_ago = Timestamp::now() - SignedDuration::from_hours(24 * 1000);
    for o in &OLD {
        let at = if o.recent { Timestamp::now() } else { long_ago };
        let incoming = Incoming::new(
            old_article(o.url, o.title, o.seed),
            SourceId::new(o.source).unwrap(),
            0,
        )
        .with_fetch_state(o.url.to_owned(), article_page_state(at))
        .at(at);
        store.write(vec![incoming]).unwrap();
    }
    store.flush().unwrap();
    let s = store.stats().unwrap();
    assert_eq!(
        (s.articles, s.stories),
        (5, 3),
        "B's and C's copies each make one story"
    );
}

fn stats(cfg: &Path) -> serde_json::Value {
    let out = cli(cfg, &["db", "stats", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn feed_titles(base: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let res = client
            .get(format!("{base}/feeds/all.json?limit=100"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        res.text().await.unwrap()
    });
    let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn run_prunes_stories_past_the_retention_and_verify_stays_clean() {
    let site = site_in_background(6);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let listen = format!("127.0.0.1:{}", free_port());
    let keep_all = dir.path().join("keep-all.toml");
    std::fs::write(&keep_all, config(&store, &listen, None, site)).unwrap();
    let cfg = dir.path().join("retention.toml");
    std::fs::write(
        &cfg,
        config(&store, &listen, None, site).replacen(
            "[server]",
            "retention = \"730d\"\n[server]",
            1,
        ),
    )
    .unwrap();

    write_old_stories(&store);
    let out = cli(&cfg, &["crawl", "--once", "--all", "--no-progress"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let before = stats(&cfg);
    assert_eq!(
        (before["articles"].as_u64(), before["stories"].as_u64()),
        (Some(11), Some(9)),
        "{before}"
    );

    // Without a retention there is nothing to prune by, and `db prune` says how to set one.
    let out = cli(&keep_all, &["db", "prune"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("store.retention is not set"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(stats(&cfg), before, "nothing was removed");

    // The daemon applies the retention at start.
    let (daemon, base) = start(&cfg);
    let started = Instant::now();
    loop {
        let out = cli(&cfg, &["db", "stats", "--json"]);
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if s["stories"] == 7 {
            assert_eq!(s["articles"], 8, "{s}");
            break;
        }
        assert!(started.elapsed() < HANG, "the daemon never pruned: {s}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let titles = feed_titles(&base);
    assert_eq!(titles.len(), 7, "{titles:?}");
    for gone in ["旧闻甲", "旧闻乙"] {
        assert!(
            !titles.iter().any(|t| t.starts_with(gone)),
            "{gone} is past the retention but still in the feed: {titles:?}"
        );
    }
    assert!(
        titles.iter().any(|t| t.starts_with("旧闻丙")),
        "a story with a current copy is kept: {titles:?}"
    );
    assert_eq!(
        titles.iter().filter(|t| t.contains("工会举办第")).count(),
        6,
        "{titles:?}"
    );

    // `db prune` beside the daemon asks it; nothing is left to remove.
    let out = cli(&cfg, &["db", "prune", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_asked_daemon(&out, &base, "db prune");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["report"]["stories"], 0, "{report}");

    daemon.terminate();
    let (status, log) = daemon.finish();
    assert!(status.success(), "{status:?}");
    let applied: Vec<&serde_json::Value> = log
        .iter()
        .filter(|l| l["fields"]["message"] == "retention applied")
        .collect();
    assert_eq!(applied.len(), 1, "once at start");
    assert_eq!(applied[0]["fields"]["stories"], 2);
    assert_eq!(applied[0]["fields"]["articles"], 3);
    assert_eq!(applied[0]["fields"]["fetch_states"], 3);

    let out = cli(&cfg, &["db", "verify"]);
    assert!(
        out.status.success(),
        "verify after pruning: {}",
        text(&out.stdout)
    );
    let after = stats(&cfg);
    assert_eq!(
        (after["articles"].as_u64(), after["stories"].as_u64()),
        (Some(8), Some(7)),
        "{after}"
    );
    let out = cli(&cfg, &["export"]);
    let exported = text(&out.stdout);
    assert_eq!(exported.lines().count(), 8);
    for o in &OLD {
        assert_eq!(
            exported.contains(o.url),
            o.seed == 3,
            "{}: {exported}",
            o.url
        );
    }

    // The pruned articles' URLs and validators are gone with them: a later crawl fetches them in full.
    let store = unionwire::store::open_existing(&store).unwrap();
    for o in &OLD {
        let kept = o.seed == 3;
        assert_eq!(store.by_url(o.url).unwrap().is_some(), kept, "{}", o.url);
        assert_eq!(
            store.fetch_state(o.url).unwrap().is_some(),
            kept,
            "{}",
            o.url
        );
    }
    drop(store);

    // `db prune` on its own with a shorter retention: the crawled site is 0 days old and stays.
    let out = cli(&cfg, &["db", "prune", "--older-than", "1d"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("pruned 0 stories"),
        "{}",
        text(&out.stdout)
    );
    let out = cli(&cfg, &["db", "prune", "--older-than", "2h"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--older-than"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn db_prune_removes_old_stories_in_one_pass_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    write_old_stories(&store);
    let out = crate::support::unionwire_command()
        .arg("--store")
        .arg(&store)
        .args(["db", "prune", "--older-than", "730d", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["report"]["stories"], 2, "{v}");
    assert_eq!(v["report"]["articles"], 3, "{v}");
    assert_eq!(v["report"]["fetch_states"], 3, "{v}");
    assert!(v["report"]["url_entries"].as_u64().unwrap() >= 3, "{v}");
    let s = unionwire::store::open_existing(&store).unwrap();
    assert!(s.verify().unwrap().is_ok(), "{:?}", s.verify().unwrap());
    let st = s.stats().unwrap();
    assert_eq!((st.articles, st.stories), (2, 1));
    assert_eq!(s.articles().count(), 2);
}

#[test]
fn retention_errors_name_the_file_line_and_key() {
    let err = unionwire::config::Config::from_toml("[store]\nretention = \"12h\"\n", "x.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("x.toml:2: "), "{err}");
    assert!(err.contains("store.retention"), "{err}");
    assert!(err.contains("shorter than one day"), "{err}");
    let err =
        unionwire::config::Config::from_toml("[store]\nretention = \"two years\"\n", "x.toml")
            .unwrap_err()
            .to_string();
    assert!(err.starts_with("x.toml:2: "), "{err}");
    assert!(err.contains("store.retention"), "{err}");
    let cfg =
        unionwire::config::Config::from_toml("[store]\nretention = \"730d\"\n", "x.toml").unwrap();
    assert_eq!(
        cfg.store.retention,
        Some(Duration::from_secs(730 * 24 * 3600))
    );
    // The example documents both keys: uncommented, they parse.
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/example.toml"))
            .unwrap()
            .replace("# retention = ", "retention = ")
            .replace("# admin_token = ", "admin_token = ");
    let cfg = unionwire::config::Config::from_toml(&example, "config/example.toml").unwrap();
    assert!(cfg.store.retention.is_some());
    assert!(cfg.server.admin_token.is_some());
}
