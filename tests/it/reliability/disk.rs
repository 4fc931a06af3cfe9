//! T24: the store on a small tmpfs that fills up while the daemon ingests. Ingest fails with a clear error,
//! the feed keeps serving the last good state (its items compared with the feed served before the disk
//! filled, and with what the store holds once space returns), and after space returns a restart finds a
//! store that opens, verifies clean and whose counters agree with its records. Needs root to mount; where
//! mounting is refused the test records a counted skip (`SKIP t24…`, see `support::skip`) and returns, and
//! CI fails on that skip when it runs as root on a machine with a writable tmpfs.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::crash::{durable_urls, start_daemon, start_site, write_config};
use crate::support::{skip, HANG};

/// One item of a served feed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Item {
    guid: String,
    title: String,
    link: String,
    published: i64,
}

/// The items of an RSS document, in feed order.
fn items(rss: &str) -> Vec<Item> {
    let feed = feed_rs::parser::parse(rss.as_bytes()).expect("the served feed parses");
    feed.entries
        .into_iter()
        .map(|e| Item {
            guid: e.id,
            title: e.title.map(|t| t.content).unwrap_or_default(),
            link: e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
            published: e.published.map_or(0, |p| p.timestamp()),
        })
        .collect()
}

/// Unmounts on drop, so a failing assertion does not leave the mount behind.
struct Mount<'a>(&'a Path);

impl Drop for Mount<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

fn mount_tmpfs(dir: &Path, size: &str) -> Result<(), String> {
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .output()
        .map_err(|e| format!("running mount: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

fn get(url: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .get(url)
            .timeout(HANG)
            .send()
            .await
            .expect("feed request");
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    })
}

#[test]
fn t24_disk_full_fails_ingest_clearly_keeps_serving_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir_all(&mnt).unwrap();
    if let Err(why) = mount_tmpfs(&mnt, "6m") {
        skip(
            "t24_disk_full_fails_ingest_clearly_keeps_serving_and_recovers",
            &format!("cannot mount a tmpfs at {}: {why}", mnt.display()),
        );
        return;
    }
    let _mount = Mount(&mnt);
    let (site, _site_thread) = start_site();
    // The config lives outside the small filesystem; the store inside it.
    let config = write_config(&mnt, &site);
    let moved = dir.path().join("unionwire.toml");
    std::fs::copy(&config, &moved).unwrap();
    std::fs::remove_file(&config).unwrap();
    let config = moved;
    let db = mnt.join("db");

    let mut d = start_daemon(&config);
    let base = d.base_url(HANG);
    let feed_url = format!("{base}/feeds/all.rss");
    // Poll the feed while the daemon ingests, until it logs its first failed ingest: the last feed read
    // before that is the state the disk filled on.
    let started = Instant::now();
    let mut before: Vec<Item> = Vec::new();
    while d.ingest_failures_so_far() == 0 {
        assert!(
            started.elapsed() < HANG * 2,
            "the disk never filled: {:?} used/size, {} acknowledged",
            fs_used(&mnt),
            d.acked_so_far()
        );
        let (status, body) = get(&feed_url);
        if status == 200 && d.ingest_failures_so_far() == 0 {
            let now = items(&body);
            if !now.is_empty() {
                before = now;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // The disk is full; the daemon keeps running and serving.
    d.wait_for("a second failed ingest", HANG, |d| {
        d.ingest_failures_so_far() >= 2
    });
    let (status, body) = get(&feed_url);
    eprintln!(
        "T24 disk full after {:?} ({:?} used/size); feed answers {status} with {} items (had {})",
        started.elapsed(),
        fs_used(&mnt),
        body.matches("<item>").count(),
        before.len()
    );
    assert_eq!(
        status,
        200,
        "the feed keeps serving: {}",
        body.chars().take(500).collect::<String>()
    );
    assert!(
        !before.is_empty(),
        "the feed had items before the disk filled"
    );
    let after = items(&body);
    assert_eq!(
        after.len(),
        before.len(),
        "the feed serves as many items as before the disk filled"
    );
    // Every item served before is still served, unless a newer story that was stored before the disk
    // filled pushed it off the page (the feed is newest first).
    let oldest_after = after.iter().map(|i| i.published).min().unwrap_or(0);
    let after_set: HashSet<&Item> = after.iter().collect();
    for item in &before {
        assert!(
            after_set.contains(item) || item.published <= oldest_after,
            "{item:?} was served before the disk filled and is gone, though nothing newer replaced it"
        );
    }
    let kept = before.iter().filter(|i| after_set.contains(i)).count();
    eprintln!(
        "T24 {kept} of {} items served before the disk filled are still served",
        before.len()
    );

    d.terminate();
    let (status, lines) = d.finish();
    let failures: Vec<String> = lines
        .iter()
        .filter(|l| l["level"] == "WARN" || l["level"] == "ERROR")
        .map(|l| l["fields"].to_string())
        .filter(|f| f.contains("No space") || f.contains("space") || f.contains("ingest failed"))
        .collect();
    eprintln!(
        "T24 daemon exit {:?}; {} durable before; first failure: {}",
        status.code(),
        durable_urls(&lines).len(),
        failures.first().map_or("(none)", String::as_str)
    );
    assert!(!failures.is_empty(), "ingest failed with a logged error");
    assert!(
        failures
            .iter()
            .any(|f| f.contains("No space left on device")
                || f.contains("storage full")
                || f.contains("space")),
        "the error says the disk is full: {failures:?}"
    );

    // Space returns; a restart finds a consistent store.
    let ok = Command::new("mount")
        .args(["-o", "remount,size=256m"])
        .arg(&mnt)
        .status()
        .unwrap()
        .success();
    assert!(ok, "remount with more space");
    let store = unionwire::store::open(&db).expect("the store opens after the disk was full");
    let report = store.verify().expect("verify runs");
    assert!(report.is_ok(), "{:?}", report.problems);
    let records = store.articles().count() as u64;
    let stats = store.stats().unwrap();
    eprintln!(
        "T24 after space returned: {records} articles, counter {}",
        stats.articles
    );
    assert_eq!(stats.articles, records, "counters agree with records");
    // What was served while the disk was full is what the store holds: every item's article is there.
    let stored: HashSet<String> = store
        .articles()
        .map(|a| a.expect("article decodes").article.url)
        .collect();
    for item in &after {
        assert!(
            stored.contains(&item.link),
            "{item:?} was served while the disk was full but is not in the store"
        );
    }
    drop(store);
    let mut d = start_daemon(&config);
    let _ = d.base_url(HANG);
    d.wait_acked(1, HANG);
    d.terminate();
    let (status, lines) = d.finish();
    eprintln!(
        "T24 restart with space: exit {:?}, {} more articles durable",
        status.code(),
        durable_urls(&lines).len()
    );
    assert!(status.success());
    assert!(!durable_urls(&lines).is_empty(), "ingest works again");
}

/// (used, size) in bytes of the filesystem at `p`, from `df`.
fn fs_used(p: &Path) -> Option<(u64, u64)> {
    let out = Command::new("df")
        .args(["-B1", "--output=used,size"])
        .arg(p)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().nth(1)?;
    let mut it = line.split_whitespace().map(|v| v.parse::<u64>().ok());
    Some((it.next()??, it.next()??))
}
