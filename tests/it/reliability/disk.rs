//! T24: the store on a small tmpfs that fills up while the daemon ingests. Ingest fails with a clear error,
//! the feed keeps serving the last good state, and after space returns a restart finds a store that opens,
//! verifies clean and whose counters agree with its records. Needs root to mount; where mounting is refused
//! the test prints why and returns.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use unionwire::store::Store;

use super::crash::{durable_urls, start_daemon, start_site, write_config};

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
            .timeout(Duration::from_secs(10))
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
        eprintln!(
            "T24 skipped: cannot mount a tmpfs at {}: {why}",
            mnt.display()
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

    let d = start_daemon(&config);
    let base = d.base_url();
    let feed_url = format!("{base}/feeds/all.rss");
    // Wait until the daemon has stored something and then hit the full disk.
    let started = Instant::now();
    let mut before_full = None;
    let mut items_before = 0;
    while started.elapsed() < Duration::from_secs(90) {
        let (status, body) = get(&feed_url);
        if status == 200 {
            let n = body.matches("<item>").count();
            if n > 0 {
                items_before = n;
                before_full.get_or_insert(body);
            }
        }
        let used = fs_used(&mnt);
        if used.is_some_and(|(used, size)| used * 100 >= size * 99) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Give the daemon time to hit the error and keep serving.
    std::thread::sleep(Duration::from_secs(2));
    let (status, body) = get(&feed_url);
    eprintln!(
        "T24 disk full after {:?} ({:?} used/size); feed answers {status} with {} items (had {items_before})",
        started.elapsed(),
        fs_used(&mnt),
        body.matches("<item>").count()
    );
    assert_eq!(
        status,
        200,
        "the feed keeps serving: {}",
        body.chars().take(500).collect::<String>()
    );
    assert!(
        body.matches("<item>").count() > 0,
        "the last good state is served"
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
    let store = Store::open(&db).expect("the store opens after the disk was full");
    let report = store.verify().expect("verify runs");
    assert!(report.is_ok(), "{:?}", report.problems);
    let records = store.articles().count() as u64;
    let stats = store.stats().unwrap();
    eprintln!(
        "T24 after space returned: {records} articles, counter {}",
        stats.articles
    );
    assert_eq!(stats.articles, records, "counters agree with records");
    drop(store);
    let d = start_daemon(&config);
    let _ = d.base_url();
    std::thread::sleep(Duration::from_secs(2));
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
