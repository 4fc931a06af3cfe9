//! The PostgreSQL engine: its conformance backend (one new database per store, dropped with its
//! [`Place`]) and what only it has — schema versions (a newer one refused, migration idempotent, an
//! unmigrated database refused by read-only opens), a server that is not there, passwords kept out of
//! messages, and writers in parallel placing copies of one story in one story.
//!
//! The server is the one `UNIONWIRE_TEST_PG` names (a libpq URL of a role that may create databases;
//! `.ci/run` starts one and sets it). Unset, every test here prints that it is skipped and why, unless
//! `UNIONWIRE_REQUIRE_PG=1` (CI), when that is a failure.

use std::sync::{Arc, Barrier};

use unionwire::model::Published;
use unionwire::store::postgres::PgStore;
use unionwire::store::{SharedStore, Store, StoreError};

use super::{article, sid, Backend, Place};

/// The server's URL, or `None` (after saying so) when the tests cannot reach one.
pub(crate) fn server(test: &str) -> Option<String> {
    match std::env::var("UNIONWIRE_TEST_PG") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("UNIONWIRE_REQUIRE_PG").as_deref() != Ok("1"),
                "UNIONWIRE_REQUIRE_PG=1 but UNIONWIRE_TEST_PG is not set"
            );
            crate::support::skip(
                test,
                "UNIONWIRE_TEST_PG is not set (a postgres:// URL of a role with CREATEDB; .ci/run starts \
                 PostgreSQL 15 and sets it)",
            );
            None
        }
    }
}

/// Runs SQL statements on the database at `url`.
fn admin(url: &str, sql: &str) {
    try_admin(url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// [`admin`], saying what failed instead of panicking.
fn try_admin(url: &str, sql: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect to the test server");
        let task = tokio::spawn(conn);
        let done = client
            .batch_execute(sql)
            .await
            .map_err(|e| format!("{e:?}"));
        drop(client);
        let _ = task.await;
        done
    })
}

/// The URL of database `name` on the server at `server`.
fn with_db(server: &str, name: &str) -> String {
    let mut u = url::Url::parse(server).expect("UNIONWIRE_TEST_PG is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// A new, empty database on the server, dropped when the place is dropped.
pub(crate) fn new_database(server: &str) -> Place {
    let name = format!("uw_test_{:016x}", rand::random::<u64>());
    // CREATE DATABASE copies template1 and fails with "object in use" (55006) while another CREATE
    // DATABASE from it is running; tests make databases in parallel, so that is retried.
    let create = format!("CREATE DATABASE {name}");
    let mut tries = 0;
    while let Err(e) = try_admin(server, &create) {
        tries += 1;
        assert!(tries < 100 && e.contains("E55006"), "{create}: {e}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let server = server.to_owned();
    let url = with_db(&server, &name);
    Place {
        dir: tempfile::tempdir().expect("temp dir"),
        url: Some(url),
        cleanup: Some(Box::new(move || {
            // An autovacuum worker in the database makes `WITH (FORCE)` fail for a role that is not a
            // superuser ("must be a member of the role whose process is being terminated"); it is gone
            // a moment later.
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let mut tries = 0;
            while let Err(e) = try_admin(&server, &sql) {
                tries += 1;
                assert!(tries < 50, "{sql}: {e}");
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        })),
    }
}

fn open(place: &Place) -> SharedStore {
    unionwire::store::open_url(place.url.as_deref().expect("a database place"))
        .expect("open the PostgreSQL store")
}

/// The conformance suite's PostgreSQL engine, when a server is configured.
pub fn pg_backend() -> Option<Backend> {
    server("store::postgres_engine")?;
    Some(Backend {
        fresh: || {
            let server = std::env::var("UNIONWIRE_TEST_PG").expect("checked");
            let place = new_database(&server);
            let store = open(&place);
            (place, store)
        },
        reopen: open,
    })
}

#[test]
fn a_newer_schema_is_refused_and_an_unmigrated_database_only_by_read_only_opens() {
    let Some(server) = server("store::postgres::newer_schema") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");
    // Read-only opens refuse an unmigrated database and create nothing in it.
    let err = PgStore::open_existing(&url).unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
    let err = PgStore::open_existing(&url).unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
    // A read-write open migrates it; then the read-only one opens.
    drop(PgStore::open(&url).expect("open migrates"));
    drop(PgStore::open_existing(&url).expect("migrated"));
    admin(&url, "UPDATE uw_schema SET version = 99");
    for result in [PgStore::open(&url), PgStore::open_existing(&url)] {
        match result.unwrap_err() {
            StoreError::NewerSchema {
                found, supported, ..
            } => assert_eq!((found, supported), (99, 2)),
            other => panic!("expected NewerSchema, got {other:?}"),
        }
    }
}

/// A new database holding one stored article: its place (dropped with it), URL, open store and the
/// article's ingest result.
fn database_with_one_story(server: &str) -> (Place, String, PgStore, unionwire::model::Ingested) {
    let place = new_database(server);
    let url = place.url.clone().expect("url");
    let store = PgStore::open(&url).expect("open");
    let done = store
        .ingest(
            article(
                "http://a.example/1.html",
                "安康杯竞赛推进会召开",
                &super::story_text(),
            ),
            &sid("a"),
            0,
        )
        .expect("ingest");
    (place, url, store, done)
}

#[test]
fn migrate_is_idempotent_and_keeps_the_data() {
    let Some(server) = server("store::postgres::migrate_idempotent") else {
        return;
    };
    let (_place, url, store, done) = database_with_one_story(&server);
    assert_eq!(store.migrate().expect("migrate again"), (2, 2));
    assert_eq!(store.migrate().expect("and again"), (2, 2));
    drop(store);
    let store = PgStore::open(&url).expect("reopen");
    assert!(store.get(&done.id).expect("read").is_some());
    assert_eq!(store.stats().expect("stats").articles, 1);
    assert!(store.verify().expect("verify").is_ok());
}

#[test]
fn a_server_that_is_down_is_a_clear_error_naming_the_host_without_the_password() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("postgres://uw:hunter2-secret@127.0.0.1:{port}/news");
    let err = unionwire::store::open_url(&url).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{text}");
    assert!(
        text.contains(&format!("postgres://uw@127.0.0.1:{port}/news")),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "the password leaked: {text}");
    eprintln!("server down: {err}");

    // A real server with a wrong password: refused, and the password is not in the message either.
    let Some(server) = server("store::postgres::server_down") else {
        return;
    };
    let mut u = url::Url::parse(&server).expect("a URL");
    u.set_password(Some("wrong-pw-31337")).expect("a password");
    let err = unionwire::store::open_url(u.as_str()).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{text}");
    assert!(
        !text.contains("wrong-pw-31337"),
        "the password leaked: {text}"
    );
    assert!(text.contains("password authentication failed"), "{text}");

    // An open store names itself without the password.
    let place = new_database(&server);
    let store = open(&place);
    let given = url::Url::parse(place.url.as_deref().expect("url")).expect("url");
    let expected = format!(
        "postgres://{}@{}:{}{}",
        given.username(),
        given.host_str().expect("a host"),
        given.port().unwrap_or(5432),
        given.path()
    );
    assert_eq!(store.location(), expected);
}

/// Two handles (as two crawler processes would have) ingest copies of one story at the same moment, many
/// times over: every time, both copies land in one story.
#[test]
fn writers_in_parallel_put_copies_of_one_story_in_one_story() {
    let Some(server) = server("store::postgres::parallel_writers") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");
    let stores: Vec<SharedStore> = (0..2)
        .map(|_| unionwire::store::open_url(&url).expect("open"))
        .collect();
    let docs = crate::dedup::corpus();
    let rounds = docs.len().min(40);
    for (i, doc) in docs.iter().take(rounds).enumerate() {
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(w, store)| {
                let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
                let mut a = unionwire::model::Article {
                    url: format!("http://site{w}.example/news/{i}.html"),
                    title: doc.title.clone(),
                    paragraphs: doc.paragraphs.clone(),
                    published: Published::beijing(2024, 9, 27, 8, 0, 0),
                    ..unionwire::model::Article::default()
                };
                unionwire::clean::clean_article(&mut a);
                std::thread::spawn(move || {
                    barrier.wait();
                    store
                        .ingest_batch(vec![(a, sid(&format!("w{w}")), 0).into()])
                        .expect("ingest")
                        .remove(0)
                })
            })
            .collect();
        let done: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("a writer"))
            .collect();
        assert_eq!(
            done[0].story, done[1].story,
            "round {i} ({}): two copies, two stories",
            doc.id
        );
        assert_eq!(
            done.iter().filter(|d| d.new_story).count(),
            1,
            "round {i}: exactly one copy founds the story"
        );
    }
    let stats = stores[0].stats().expect("stats");
    assert_eq!(stats.articles, 2 * rounds as u64);
    assert_eq!(stats.stories, rounds as u64);
    assert!(stores[1].verify().expect("verify").is_ok());
}

/// The password may come from `PGPASSWORD` or a password file (0600) instead of the URL; without either,
/// or from a file others may read, the server refuses. Each case runs this test again as a child process
/// with its own environment (the environment is process-wide).
#[test]
fn the_password_comes_from_pgpassword_or_the_password_file() {
    const CHILD: &str = "UNIONWIRE_PG_PASSWORD_CHILD_URL";
    if let Ok(url) = std::env::var(CHILD) {
        let store =
            unionwire::store::open_url(&url).expect("open with the password from the environment");
        store.stats().expect("read");
        return;
    }
    let Some(server) = server("store::postgres::password_from_environment") else {
        return;
    };
    let given = url::Url::parse(&server).expect("a URL");
    let Some(password) = given.password().map(str::to_owned) else {
        crate::support::skip(
            "store::postgres::password_from_environment",
            "UNIONWIRE_TEST_PG has no password, so the server does not ask for one",
        );
        return;
    };
    let place = new_database(&server);
    let mut bare = url::Url::parse(place.url.as_deref().expect("url")).expect("a URL");
    bare.set_password(None).expect("no password");
    let home = tempfile::tempdir().expect("temp dir");
    let passfile = home.path().join("pgpass");
    let line = format!(
        "{}:{}:*:{}:{}\n",
        given.host_str().expect("a host"),
        given.port().unwrap_or(5432),
        given.username(),
        password.replace('\\', "\\\\").replace(':', "\\:")
    );
    std::fs::write(&passfile, line).expect("write the password file");
    let run = |pgpassword: Option<&str>, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let mut cmd = std::process::Command::new(std::env::current_exe().expect("the test binary"));
        cmd.args([
            "--exact",
            "store::postgres::the_password_comes_from_pgpassword_or_the_password_file",
            "--test-threads=1",
        ])
        .env(CHILD, bare.as_str())
        .env("HOME", home.path())
        .env("PGPASSFILE", &passfile)
        .env_remove("PGPASSWORD");
        if let Some(pw) = pgpassword {
            cmd.env("PGPASSWORD", pw);
        }
        let out = cmd.output().expect("run the child");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = run(Some(&password), 0o644);
    assert!(ok, "PGPASSWORD: {out}");
    let (ok, out) = run(None, 0o600);
    assert!(ok, "the password file: {out}");
    let (ok, out) = run(None, 0o644);
    assert!(!ok, "a password file others may read is ignored: {out}");
    assert!(
        !out.contains(&password) || password == given.username(),
        "{out}"
    );
    let (ok, out) = run(Some("wrong-pw-31337"), 0o600);
    assert!(
        !ok,
        "PGPASSWORD wins over the file, and a wrong one is refused: {out}"
    );
}

/// A row deleted behind the engine's back: verify names every index row and story that points at it,
/// with keys spelled as on sled, and changes nothing.
#[test]
fn verify_reports_index_rows_and_stories_left_pointing_at_a_deleted_article() {
    let Some(server) = server("store::postgres::verify_dangling") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");
    let store = open(&place);
    let a = article(
        "http://a.example/1.html",
        "安康杯竞赛推进会召开",
        &super::story_text(),
    );
    let done = store.ingest(a, &sid("a"), 0).expect("ingest");
    assert!(store.verify().expect("verify").is_ok());
    let hex_id = hex::encode(done.id.0);
    admin(
        &url,
        &format!("DELETE FROM uw_articles WHERE id = '\\x{hex_id}'::bytea"),
    );
    let report = store.verify().expect("verify");
    let prefixes: std::collections::BTreeSet<&str> =
        report.problems.iter().map(|p| &p.key[..2]).collect();
    assert_eq!(
        prefixes,
        ["B/", "H/", "s/", "u/"].into_iter().collect(),
        "{:?}",
        report.problems
    );
    let url_key = format!(
        "u/{}",
        unionwire::dedup::url_key_str("http://a.example/1.html")
    );
    assert!(
        report.problems.iter().any(|p| p.key == url_key),
        "{url_key}: {:?}",
        report.problems
    );
    assert!(report
        .problems
        .iter()
        .any(|p| p.key == format!("s/{}", hex::encode(done.story.0))
            && p.what.contains("story member")));
    // verify changed nothing.
    assert_eq!(store.verify().expect("verify"), report);
}

#[test]
fn a_version_1_database_is_migrated_to_the_lease_tables_keeping_its_data() {
    let Some(server) = server("store::postgres::migrate_v1_to_v2") else {
        return;
    };
    let (_place, url, store, done) = database_with_one_story(&server);
    drop(store);
    // Back to what migration 0001 alone leaves.
    admin(
        &url,
        "DROP TABLE uw_source_leases; DROP TABLE uw_host_turns; UPDATE uw_schema SET version = 1",
    );
    let store = PgStore::open_for_migration(&url).expect("open for migration");
    assert_eq!(store.migrate().expect("migrate"), (1, 2));
    assert!(store.get(&done.id).expect("read").is_some());
    let ids = [sid("a")];
    let got = store
        .claim_sources(&unionwire::store::ClaimRequest {
            owner: "one",
            candidates: &ids,
            limit: 1,
            only_due: true,
            now: jiff::Timestamp::now(),
            ttl: std::time::Duration::from_secs(60),
        })
        .expect("the lease table exists");
    assert_eq!(got.len(), 1);
}

#[test]
fn crawlers_claiming_at_once_get_disjoint_sources_and_all_of_them() {
    let Some(server) = server("store::postgres::parallel_claims") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");
    drop(PgStore::open(&url).expect("migrate"));
    let ids: Arc<Vec<unionwire::model::SourceId>> =
        Arc::new((0..60).map(|i| sid(&format!("s{i:02}"))).collect());
    let barrier = Arc::new(Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let (url, ids, barrier) = (url.clone(), Arc::clone(&ids), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let store = PgStore::open(&url).expect("open");
                let owner = format!("crawler-{t}");
                barrier.wait();
                let mut mine = Vec::new();
                // Claim until every source is held by someone (a claim may come back short while
                // another claimer holds the rows it wanted); the deadline only guards against a hang.
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while store.leases().expect("leases").len() < ids.len()
                    && std::time::Instant::now() < deadline
                {
                    let got = store
                        .claim_sources(&unionwire::store::ClaimRequest {
                            owner: &owner,
                            candidates: &ids,
                            limit: 4,
                            only_due: true,
                            now: jiff::Timestamp::now(),
                            ttl: std::time::Duration::from_secs(60),
                        })
                        .expect("claim");
                    mine.extend(
                        got.into_iter()
                            .map(|c| (c.source.as_str().to_owned(), owner.clone())),
                    );
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<(String, String)> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("claimer"))
        .collect();
    all.sort();
    let sources: Vec<&str> = all.iter().map(|(s, _)| s.as_str()).collect();
    let mut distinct = sources.clone();
    distinct.dedup();
    assert_eq!(
        sources, distinct,
        "a source was given to two claimers: {all:?}"
    );
    assert_eq!(sources.len(), 60, "every source is claimed once: {all:?}");
    // The store agrees on who holds what.
    let store = PgStore::open(&url).expect("open");
    let held: Vec<(String, String)> = store
        .leases()
        .expect("leases")
        .into_iter()
        .map(|l| (l.source.as_str().to_owned(), l.owner))
        .collect();
    assert_eq!(held, all);
}

#[test]
fn a_host_turn_is_one_holders_at_a_time_with_the_gap_after_it_and_holds_are_shared() {
    let Some(server) = server("store::postgres::host_turns") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");
    let a = PgStore::open(&url).expect("open a");
    let b = PgStore::open(&url).expect("open b");
    let gap = std::time::Duration::from_millis(300);
    let ttl = std::time::Duration::from_secs(30);
    assert!(a.shares_host_turns());
    let first = a
        .take_host_turn("news.example", "a", gap, ttl)
        .expect("take");
    assert!(first.granted);
    // B, another process: not while A's request is in flight.
    let busy = b
        .take_host_turn("NEWS.example", "b", gap, ttl)
        .expect("take");
    assert!(
        !busy.granted && busy.wait > std::time::Duration::ZERO,
        "{busy:?}"
    );
    // A other host is free.
    assert!(
        b.take_host_turn("other.example", "b", gap, ttl)
            .expect("take")
            .granted
    );
    let ended = std::time::Instant::now();
    a.end_host_turn("news.example", "a", gap).expect("end");
    // Ended: still not before the gap has passed since the end.
    let early = b
        .take_host_turn("news.example", "b", gap, ttl)
        .expect("take");
    if ended.elapsed() < gap {
        assert!(
            !early.granted,
            "granted {:?} after the end",
            ended.elapsed()
        );
    }
    let mut granted_after = None;
    for _ in 0..100 {
        let t = b
            .take_host_turn("news.example", "b", gap, ttl)
            .expect("take");
        if t.granted {
            granted_after = Some(ended.elapsed());
            break;
        }
        std::thread::sleep(t.wait);
    }
    let after = granted_after.expect("the turn came");
    assert!(after >= gap, "granted {after:?} after the end, gap {gap:?}");
    // A turn whose holder vanished runs out after its in-flight limit.
    let short = std::time::Duration::from_millis(200);
    assert!(
        b.take_host_turn("gone.example", "dead", std::time::Duration::ZERO, short)
            .expect("take")
            .granted
    );
    assert!(
        !a.take_host_turn("gone.example", "a", std::time::Duration::ZERO, short)
            .expect("take")
            .granted
    );
    std::thread::sleep(short * 2);
    assert!(
        a.take_host_turn("gone.example", "a", std::time::Duration::ZERO, short)
            .expect("take")
            .granted
    );
    // Retry-After from one crawler holds the host for the other.
    a.hold_host("held.example", std::time::Duration::from_secs(120))
        .expect("hold");
    let held = b
        .take_host_turn("held.example", "b", gap, ttl)
        .expect("take");
    assert!(!held.granted);
    assert!(
        held.hold_left > std::time::Duration::from_secs(100),
        "{held:?}"
    );
}
