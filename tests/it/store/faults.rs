//! Faults of a PostgreSQL store, with the real binary: the database down at start (a clear error naming
//! the server without its password, exit 1, for `run`, `crawl --once` and `serve`); PostgreSQL restarted
//! in the middle of a crawl (the daemon's writer tries its batches again and its server reconnects; then
//! `db verify` is clean, every acknowledged article is there, none twice, and the counts are right); and a
//! server whose database is gone (it keeps serving its last good feeds, `/healthz` answers 503 saying the
//! store is unreachable, and healthy again once the database is back).
//!
//! The restarts use a throwaway cluster of their own (`initdb` into a temporary directory, on a free port,
//! as the `postgres` user through `runuser`), never the shared server `UNIONWIRE_TEST_PG` names; like the
//! other PostgreSQL tests they are skipped (and say why) when that variable is unset.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::postgres::server;
use super::serving::{get, ingest, start_serve, third_text, wait_until, write_config};
use super::story_text;
use crate::reliability::crash::{feed_sources, start_site, PER_FEED};
use crate::support::daemon::{durable_urls, start_daemon_of};
use crate::support::{clean_command, RefusedPort, HANG};

/// PostgreSQL 15's server programs (Debian's layout).
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL cluster of the test's own: stopped and removed when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    /// `initdb` and start a cluster on a free port, or `None` (after saying why) when this machine
    /// cannot (not root, no `postgres` user, no PostgreSQL 15).
    fn start(test: &str) -> Option<Cluster> {
        let usable = Path::new(PG_BIN).join("initdb").exists()
            && Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
            && Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !usable {
            assert!(
                std::env::var("UNIONWIRE_REQUIRE_PG").as_deref() != Ok("1"),
                "UNIONWIRE_REQUIRE_PG=1 but a throwaway cluster cannot be made here"
            );
            crate::support::skip(
                test,
                "a throwaway PostgreSQL cluster needs root, the postgres user and PostgreSQL 15 in \
                 /usr/lib/postgresql/15/bin",
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            l.local_addr().expect("addr").port()
        };
        run_ok(Command::new("chown").arg("postgres:").arg(dir.path()));
        let c = Cluster { dir, port };
        run_ok(c.as_postgres("initdb").args([
            "-D",
            &c.data(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ]));
        c.up();
        Some(c)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn as_postgres(&self, program: &str) -> Command {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"])
            .arg(Path::new(PG_BIN).join(program));
        cmd
    }

    /// Starts the server and waits until it accepts connections.
    fn up(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        run_ok(self.as_postgres("pg_ctl").args([
            "-D",
            &self.data(),
            "-o",
            &opts,
            "-l",
            &log,
            "-w",
            "-t",
            "60",
            "start",
        ]));
    }

    /// Stops the server (`fast`: sessions are ended, as in a restart).
    fn down(&self) {
        run_ok(self.as_postgres("pg_ctl").args([
            "-D",
            &self.data(),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "stop",
        ]));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().expect("run a PostgreSQL program");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_database_that_is_down_at_start_is_a_clear_error_and_exit_1_for_run_crawl_and_serve() {
    let refused = RefusedPort::new();
    let port = refused.addr.port();
    let url = format!("postgres://uw:Secret-Pw-77@127.0.0.1:{port}/news");
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[store]\nurl = \"{url}\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n\n\
             [[sources]]\nid = \"a\"\nname = \"甲\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/feed.xml\"\n"
        ),
    )
    .expect("write config");
    for args in [
        &["run"][..],
        &["crawl", "--once", "--all", "--no-progress"][..],
        &["serve"][..],
    ] {
        let out = clean_command(crate::support::bin())
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .expect("run unionwire");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(&format!("postgres://uw@127.0.0.1:{port}/news")),
            "{args:?} names the server: {err}"
        );
        assert!(err.contains("cannot open store"), "{args:?}: {err}");
        assert!(
            !err.contains("Secret-Pw-77"),
            "{args:?} shows the password: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Sources of the crash test's site used here (of its 50 feeds of `PER_FEED` items).
const FEEDS_USED: usize = 10;

/// The daemon's configuration: the crash test's site, `FEEDS_USED` feeds, the store at `url`.
fn crawl_config(dir: &Path, site: &str, url: &str) -> PathBuf {
    let mut cfg = format!(
        "[store]\nurl = \"{url}\"\n\n[server]\nlisten = \"127.0.0.1:0\"\nrefresh = \"200ms\"\n\n\
         [crawl]\nper_host_delay = \"0\"\nretries = 0\nobey_robots = false\nconcurrency = 8\n\
         source_concurrency = 4\nmax_articles_per_run = {PER_FEED}\n\n"
    );
    cfg.push_str(&feed_sources(site, FEEDS_USED));
    let path = dir.join("unionwire.toml");
    std::fs::write(&path, cfg).expect("write config");
    path
}

/// Runs the binary with `config` and `args`; returns (exit code, stdout, stderr).
fn cli(config: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = clean_command(crate::support::bin())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "unionwire=warn")
        .output()
        .expect("run unionwire");
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn postgres_restarted_mid_crawl_loses_nothing_acknowledged_and_stores_nothing_twice() {
    if server("store::faults").is_none() {
        return;
    }
    let Some(cluster) = Cluster::start("store::faults") else {
        return;
    };
    let total = FEEDS_USED * PER_FEED;
    let dir = tempfile::tempdir().expect("temp dir");
    let (site, _site_thread) = start_site();
    let config = crawl_config(dir.path(), &site, &cluster.url());
    let mut daemon = start_daemon_of(Path::new(crate::support::bin()), &config);
    let base = daemon.base_url(HANG);

    daemon.wait_acked(total / 5, HANG * 2);
    cluster.down();
    let acked_at_stop = daemon.acked_so_far();
    // The daemon's server sees the store gone.
    wait_until(
        &format!("{base}/healthz"),
        "unhealthy while the database is down",
        |a| a.status == 503,
    );
    std::thread::sleep(Duration::from_secs(2));
    cluster.up();
    // The same process goes on storing: its writer reconnected.
    daemon.wait_acked(acked_at_stop + 2 * PER_FEED, HANG * 2);
    wait_until(&format!("{base}/healthz"), "healthy again", |a| {
        a.status == 200
    });
    let started = Instant::now();
    while daemon.acked_so_far() < total && started.elapsed() < HANG {
        std::thread::sleep(Duration::from_millis(200));
    }
    daemon.terminate();
    let gave_up = daemon.ingest_failures_so_far();
    let (status, lines) = daemon.finish();
    assert!(status.success(), "the daemon exits 0 on SIGTERM");
    let retried = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "ingest failed for now; trying the batch again")
        .count();
    let acked = durable_urls(&lines);
    eprintln!(
        "restart mid-crawl: {acked_at_stop} acknowledged at the stop, {} in all; {retried} batch tries \
         repeated, {gave_up} batches given up",
        acked.len()
    );
    assert_eq!(gave_up, 0, "no batch was given up across the restart");

    // Whatever a source run lost to the outage (reads that failed) the next crawl fetches.
    let (code, _, err) = cli(&config, &["crawl", "--once", "--all", "--no-progress"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = cli(&config, &["db", "verify"]);
    assert_eq!(code, Some(0), "db verify: {out}{err}");
    let (code, out, err) = cli(&config, &["db", "stats", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let stats: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(stats["articles"].as_u64(), Some(total as u64), "{stats}");
    let (code, out, err) = cli(&config, &["export", "--format", "jsonl"]);
    assert_eq!(code, Some(0), "{err}");
    let urls: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["url"].as_str().expect("url").to_owned()
        })
        .collect();
    let unique: std::collections::HashSet<&String> = urls.iter().collect();
    assert_eq!(urls.len(), total, "every article, once");
    assert_eq!(unique.len(), total, "no article stored twice");
    let lost: Vec<&String> = acked.iter().filter(|u| !unique.contains(u)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

#[test]
fn a_server_whose_database_is_gone_serves_its_last_good_feeds_and_reports_unhealthy() {
    if server("store::faults").is_none() {
        return;
    }
    let Some(cluster) = Cluster::start("store::faults") else {
        return;
    };
    let url = cluster.url();
    ingest(&url, "1", "安康杯竞赛推进会召开", &story_text());
    let dir = tempfile::tempdir().expect("temp dir");
    let serve = start_serve(&write_config(dir.path(), "s", &url, "refresh = \"200ms\""));
    let feed = format!("{}/feeds/all.atom", serve.base);
    let health = format!("{}/healthz", serve.base);
    let good = get(&feed);
    assert_eq!(good.status, 200);
    assert!(good.body.contains("安康杯竞赛推进会召开"));
    assert_eq!(get(&health).status, 200);

    cluster.down();
    let sick = wait_until(&health, "unhealthy", |a| a.status == 503);
    assert!(
        sick.body.contains("the store is unreachable"),
        "{}",
        sick.body
    );
    assert!(
        sick.body.contains(&format!("127.0.0.1:{}", cluster.port)),
        "{}",
        sick.body
    );
    for _ in 0..3 {
        let last = get(&feed);
        assert_eq!(last.status, 200, "the last good feed: {}", last.body);
        assert_eq!(last.body, good.body);
        assert_eq!(last.etag, good.etag);
    }

    cluster.up();
    wait_until(&health, "healthy again", |a| a.status == 200);
    ingest(&url, "3", "劳模工匠进校园", &third_text());
    wait_until(&feed, "a new article after the restart", |a| {
        a.status == 200 && a.body.contains("劳模工匠进校园")
    });
    drop(serve);
}
