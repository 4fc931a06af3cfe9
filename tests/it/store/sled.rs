//! The sled engine's own tests: the cross-process lock, damaged records, schema migration and refusal,
//! paths that are not stores, `db salvage`, and the `db`/`export` commands on a sled store (the built
//! binary as a child process).

use std::path::Path;

use rand::rngs::StdRng;
use rand::SeedableRng;
use unionwire::store::{FetchState, StoreError, StoryFilter};

use super::{article, sid, story_text, unionwire};

#[test]
fn a_second_process_is_refused_with_exit_3_while_the_store_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(dir.path()).unwrap();
    let out = unionwire(dir.path(), &["db", "stats"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    assert!(
        stderr.contains(&dir.path().display().to_string()),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("daemon"), "stderr: {stderr}");
    drop(store);
    // Released: the same command now works.
    let out = unionwire(dir.path(), &["db", "stats", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["articles"], 0);
    assert!(v["size_on_disk"].as_u64().is_some());
}

#[test]
fn export_writes_one_json_object_per_article() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = unionwire::store::open(dir.path()).unwrap();
        let mut a = article(
            "http://a.example/1.html?utm_medium=x",
            "安康杯竞赛推进会召开",
            &story_text(),
        );
        a.native_ids = vec![("contentid".into(), "40320000".into())];
        store
            .ingest_batch(vec![
                (a, sid("acftu"), 1).into(),
                (
                    article("http://b.example/2.html", "职工书屋建到工地上", &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"]),
                    sid("shuwu"),
                    1,
                ).into(),
            ])
            .unwrap();
    }
    let out = unionwire(dir.path(), &["export", "--format", "jsonl"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        for k in [
            "id",
            "story",
            "source_id",
            "first_seen",
            "url",
            "canonical_url",
            "title",
            "paragraphs",
        ] {
            assert!(l.get(k).is_some(), "missing {k} in {l}");
        }
        assert_eq!(l["id"].as_str().unwrap().len(), 32);
    }
    let a = lines.iter().find(|l| l["source_id"] == "acftu").unwrap();
    assert_eq!(a["canonical_url"], "http://a.example/1.html");
    assert_eq!(a["native_ids"][0][1], "40320000");
}

/// Opens a closed store with sled itself. sled releases its file lock from a background thread
/// after the last handle is dropped, so the open is retried for a few seconds while the lock is
/// still held (as the engine's own open does).
fn raw_sled(path: &Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match sled::open(path) {
            Ok(db) => return db,
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("sled::open {}: {e}", path.display()),
        }
    }
}

/// Damages a closed store with sled directly: a truncated article record and a dangling URL index entry.
fn damage(path: &Path, victim: &[u8; 16]) {
    let db = raw_sled(path);
    let tree = db.open_tree("unionwire/v1").unwrap();
    let mut k = vec![b'a'];
    k.extend_from_slice(victim);
    let v = tree.get(&k).unwrap().unwrap();
    tree.insert(&k, &v[..v.len() / 2]).unwrap();
    tree.insert(b"uhttp://gone.example/x", &[7u8; 16][..])
        .unwrap();
    db.flush().unwrap();
}

#[test]
fn db_verify_reports_damaged_keys_readers_skip_them_and_exit_is_4() {
    let dir = tempfile::tempdir().unwrap();
    let victim;
    {
        let store = unionwire::store::open(dir.path()).unwrap();
        let r = store
            .ingest_batch(vec![
                (article("http://a.example/1.html", "安康杯竞赛推进会召开", &story_text()), sid("a"), 1).into(),
                (
                    article("http://b.example/2.html", "职工书屋建到工地上", &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"]),
                    sid("b"),
                    1,
                ).into(),
            ])
            .unwrap();
        victim = r[0].id;
    }
    let out = unionwire(dir.path(), &["db", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    damage(dir.path(), &victim.0);

    let out = unionwire(dir.path(), &["db", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "stdout: {stdout}");
    assert!(
        stdout.contains(&format!("a/{}", victim.to_hex())),
        "stdout: {stdout}"
    );
    assert!(
        stdout.contains("u/http://gone.example/x"),
        "stdout: {stdout}"
    );

    let store = unionwire::store::open(dir.path()).unwrap();
    assert!(
        store.get(&victim).unwrap().is_none(),
        "a damaged record reads as absent"
    );
    let readable: Vec<_> = store.articles().collect::<Result<_, _>>().unwrap();
    assert_eq!(readable.len(), 1);
    assert_eq!(
        store
            .recent_stories(&StoryFilter::default(), 10)
            .unwrap()
            .len(),
        1
    );
    let report = store.verify().unwrap();
    assert!(report
        .problems
        .iter()
        .any(|p| p.key == format!("a/{}", victim.to_hex())));
}

#[test]
fn a_store_from_a_newer_schema_is_refused_with_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    drop(unionwire::store::open(dir.path()).unwrap());
    {
        let db = raw_sled(dir.path());
        let tree = db.open_tree("unionwire/v1").unwrap();
        tree.insert(b"mschema", &99u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    match unionwire::store::open(dir.path()) {
        Err(e @ StoreError::NewerSchema { found: 99, .. }) => {
            assert!(e.to_string().contains("newer"), "{e}");
            assert_eq!(unionwire::commands::exit_code_for(&e), Some(4));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let out = unionwire(dir.path(), &["db", "stats"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("schema version 99"));
}

/// Rewrites a closed store into the schema 1 layout by hand, with sled: each band list `B` + band
/// number + band (postings of SimHash + article id) becomes one key per posting, `b` + band number +
/// band + article id → SimHash; each anchor list `H` + anchor (postings of article id + story id) one
/// key per posting, `h` + anchor + article id → story id; the schema record says 1. The first
/// `b` and `h` keys get the empty values of the earliest schema 1 stores. Returns the number of
/// `b` and `h` keys written.
fn downgrade_to_schema_1(path: &Path) -> (usize, usize) {
    let db = raw_sled(path);
    let tree = db.open_tree("unionwire/v1").unwrap();
    let (mut bands, mut anchors) = (0, 0);
    for item in tree.scan_prefix(b"B") {
        let (k, v) = item.unwrap();
        assert_eq!(k.len(), 4);
        for p in v.chunks_exact(24) {
            let mut old = vec![b'b'];
            old.extend_from_slice(&k[1..4]);
            old.extend_from_slice(&p[8..24]);
            let value: &[u8] = if bands == 0 { &[] } else { &p[..8] };
            tree.insert(old, value).unwrap();
            bands += 1;
        }
        tree.remove(&k).unwrap();
    }
    for item in tree.scan_prefix(b"H") {
        let (k, v) = item.unwrap();
        assert_eq!(k.len(), 9);
        for p in v.chunks_exact(32) {
            let mut old = vec![b'h'];
            old.extend_from_slice(&k[1..9]);
            old.extend_from_slice(&p[..16]);
            let value: &[u8] = if anchors == 0 { &[] } else { &p[16..32] };
            tree.insert(old, value).unwrap();
            anchors += 1;
        }
        tree.remove(&k).unwrap();
    }
    tree.insert(b"mschema", &1u32.to_be_bytes()).unwrap();
    db.flush().unwrap();
    (bands, anchors)
}

#[test]
fn a_schema_1_store_is_migrated_and_its_stories_still_gather_their_copies() {
    let dir = tempfile::tempdir().unwrap();
    let s2t =
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2t).unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    let docs: Vec<_> = crate::dedup::corpus().into_iter().take(6).collect();
    let mut later = Vec::new();
    let mut story_of = Vec::new();
    {
        let store = unionwire::store::open(dir.path()).unwrap();
        for (g, doc) in docs.iter().enumerate() {
            let mut original = article(
                &format!("http://acftu.people.com.cn/n1/2024/0927/c67502-4033{g:04}.html"),
                &doc.title,
                &[],
            );
            original.paragraphs = doc.paragraphs.clone();
            unionwire::clean::clean_article(&mut original);
            let first = store.ingest(original, &sid("acftu"), 10).unwrap();
            story_of.push(first.story);
            for (v, mut a) in crate::dedup::variants(doc, &s2t, &mut rng)
                .into_iter()
                .enumerate()
            {
                a.url = format!("http://site{v}.example/news/{g}.html");
                if v < 2 {
                    let r = store.ingest(a, &sid("reposts"), 1).unwrap();
                    assert_eq!(r.story, first.story, "{} version {v}", doc.id);
                } else {
                    later.push((g, v, a));
                }
            }
        }
        store.flush().unwrap();
    }
    let (bands, anchors) = downgrade_to_schema_1(dir.path());
    assert_eq!(bands, docs.len() * 3 * 4, "4 band keys per stored article");
    assert!(anchors > 0);

    let store = unionwire::store::open(dir.path()).unwrap();
    assert_eq!(store.stats().unwrap().schema_version, 2);
    let report = store.verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    for (g, v, a) in later {
        let r = store.ingest(a, &sid("reposts"), 1).unwrap();
        assert!(r.new_article);
        assert_eq!(
            r.story, story_of[g],
            "{} version {v} after the migration",
            docs[g].id
        );
    }
    assert_eq!(store.stats().unwrap().stories, docs.len() as u64);
    assert!(store.verify().unwrap().is_ok());
    drop(store);

    // No schema 1 key is left, and the store reopens as schema 2 without migrating again.
    {
        let db = raw_sled(dir.path());
        let tree = db.open_tree("unionwire/v1").unwrap();
        assert_eq!(tree.scan_prefix(b"b").count(), 0);
        assert_eq!(tree.scan_prefix(b"h").count(), 0);
        assert_eq!(
            tree.get(b"mschema").unwrap().unwrap().as_ref(),
            &2u32.to_be_bytes()
        );
    }
    assert!(unionwire::store::open(dir.path())
        .unwrap()
        .verify()
        .unwrap()
        .is_ok());
}

/// Commands that only read (`db stats`, `db verify`, `export`, `serve`, `sources`) never create a store:
/// pointed at a missing directory they fail with a clear error and exit 1 (`sources` lists the sources
/// without health), and the directory still does not exist afterwards.
#[test]
fn read_only_commands_on_a_missing_store_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nonexistent/deep/dir");
    for args in [
        &["db", "stats"][..],
        &["db", "verify"],
        &["export", "--format", "jsonl"],
        &["serve", "--listen", "127.0.0.1:0"],
    ] {
        let out = unionwire(&missing, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("no store at"), "{args:?}: {err}");
        assert!(
            !dir.path().join("nonexistent").exists(),
            "{args:?} created {}",
            missing.display()
        );
    }
    let out = unionwire(&missing, &["sources"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store at"));
    assert!(!String::from_utf8_lossy(&out.stdout).is_empty());
    assert!(!dir.path().join("nonexistent").exists());
}

/// A non-empty directory that is not a store (here one with a file named `conf`, as sled's own) is refused
/// by every command, writing commands included, and nothing in it changes.
#[test]
fn a_directory_that_is_not_a_store_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("conf"), "my own settings\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me\n").unwrap();
    for args in [
        &["db", "stats"][..],
        &["crawl", "--once", "--all", "--no-progress"],
    ] {
        let out = unionwire(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("refusing") && err.contains("not a unionwire store"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("conf")).unwrap(),
        "my own settings\n"
    );
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["conf", "notes.txt"]);
    // A file is refused too, and an empty directory is a fine place for a new store.
    let file = dir.path().join("notes.txt");
    let out = unionwire(&file, &["db", "stats"]);
    assert_eq!(out.status.code(), Some(1));
    let empty = tempfile::tempdir().unwrap();
    assert!(unionwire::store::open(empty.path()).is_ok());
}

/// `db salvage --to DIR` copies every readable record of a store with damaged records into a new store
/// that verifies clean, names what it could not read, and leaves the damaged store as it was.
#[test]
fn db_salvage_recovers_the_readable_records_of_a_damaged_store() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        "职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站，也是他们交流技能的好地方。",
        "市总工会开展夏送清凉活动，为高温下坚守岗位的一线职工送去防暑降温用品，并检查企业高温作业防护措施。",
        "全省职工职业技能大赛决赛落幕，二百余名选手同台竞技，比赛设置焊工、电工、数控车工等十个工种的项目。",
        "工会法律援助中心为农民工追回欠薪一百二十万元，并在工地设立维权服务站，方便职工就近咨询劳动法律问题。",
    ];
    let (victim, kept) = {
        let store = unionwire::store::open(dir.path()).unwrap();
        let mut ids = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let r = store
                .ingest(
                    article(
                        &format!("http://u{i}.example/n/{i}.html"),
                        &format!("工会新闻{i}"),
                        &[t],
                    ),
                    &sid("a"),
                    1,
                )
                .unwrap();
            ids.push(r.id);
        }
        store
            .set_fetch_state(
                "http://u1.example/n/1.html",
                &FetchState {
                    etag: Some("\"v1\"".into()),
                    ..FetchState::default()
                },
            )
            .unwrap();
        store.flush().unwrap();
        (ids[0], ids[1..].to_vec())
    };
    damage(dir.path(), &victim.0);
    let before = std::fs::read(dir.path().join("db")).unwrap();
    let to = tempfile::tempdir().unwrap();
    let target = to.path().join("salvaged");
    let out = unionwire(
        dir.path(),
        &["db", "salvage", "--to", target.to_str().unwrap(), "--json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["articles"], 3, "{report}");
    assert_eq!(report["fetch_states"], 1, "{report}");
    let unreadable = report["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{report}");
    assert!(
        unreadable[0][0]
            .as_str()
            .unwrap()
            .contains(&victim.to_hex()),
        "{report}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("db")).unwrap(),
        before,
        "the damaged store changed"
    );

    let out = unionwire(&target, &["db", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let salvaged = unionwire::store::open(&target).unwrap();
    assert_eq!(salvaged.stats().unwrap().articles, 3);
    for id in &kept {
        assert!(salvaged.get(id).unwrap().is_some());
    }
    assert!(salvaged.get(&victim).unwrap().is_none());
    assert!(salvaged
        .fetch_state("http://u1.example/n/1.html")
        .unwrap()
        .is_some());
    // A salvage never writes into a directory that holds something.
    let out = unionwire(
        dir.path(),
        &["db", "salvage", "--to", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
}
