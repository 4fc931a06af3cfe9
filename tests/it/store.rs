//! Integration tests: store — real sled stores in temporary directories, the built binary for the
//! cross-process lock and the `db`/`export` commands.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::SeedableRng;
use unionwire::model::{Article, Flag, Published, SourceId, StoryId};
use unionwire::store::{FetchState, SourceState, Store, StoreError, StoryFilter};

fn sid(s: &str) -> SourceId {
    SourceId::new(s).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn article(url: &str, title: &str, paras: &[&str]) -> Article {
    Article {
        url: url.into(),
        title: title.into(),
        paragraphs: paras.iter().map(|s| (*s).to_owned()).collect(),
        ..Article::default()
    }
}

fn story_text() -> Vec<&'static str> {
    vec![
        "9月24日，江苏省总工会在镇江举办全省工会“安康杯”竞赛推进会暨劳动保护监督检查员培训，提出重点抓好“四赛”。",
        "近年来，江苏省各级工会与应急管理、卫生健康部门密切配合，共同组织开展了全省“安康杯”竞赛活动，发挥了积极作用。",
        "无锡市总工会实施劳动保护“百千万”培训工程，每年组织安全讲坛进一百家企业，培训劳动保护干部不少于一千名。",
    ]
}

/// Runs the built binary against a store directory, hermetically (no user config, no env overrides).
fn unionwire(store: &Path, args: &[&str]) -> Output {
    let mut cmd = crate::support::unionwire_command();
    cmd.arg("--store").arg(store).args(args);
    cmd.output().expect("run the unionwire binary")
}

#[test]
fn reingesting_the_same_article_updates_it_and_keeps_first_seen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let src = sid("acftu");
    let a = article(
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html",
        "江苏工会深入推进安康杯竞赛",
        &story_text(),
    );
    let first = store
        .ingest_at(a.clone(), &src, 10, ts("2024-09-27T04:00:00Z"))
        .unwrap();
    assert!(first.new_article && first.new_story && first.changed);
    let g1 = store.generation();

    // The same article again, reached through another spelling of its URL: nothing changes.
    let mut again = a.clone();
    again.url = "https://www.acftu.people.com.cn/n1/2024/0927/c67502-40320000.html?utm_source=wx&from=timeline#p2".into();
    let second = store
        .ingest_at(again, &src, 10, ts("2024-09-28T04:00:00Z"))
        .unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.story, first.story);
    assert!(!second.new_article && !second.new_story && !second.changed);
    assert_eq!(store.generation(), g1);

    // An edited re-fetch updates the record, keeps first_seen, bumps the generation.
    let mut edited = a.clone();
    edited
        .paragraphs
        .push("会议要求，各级工会要把“安康杯”竞赛作为参与安全生产工作的重要载体。".into());
    let third = store
        .ingest_at(edited.clone(), &src, 10, ts("2024-09-29T04:00:00Z"))
        .unwrap();
    assert_eq!(third.id, first.id);
    assert!(third.changed && !third.new_article);
    assert!(store.generation() > g1);

    let stored = store.get(&first.id).unwrap().unwrap();
    assert_eq!(stored.first_seen, ts("2024-09-27T04:00:00Z"));
    assert_eq!(stored.last_seen, ts("2024-09-29T04:00:00Z"));
    assert_eq!(stored.article.paragraphs, edited.paragraphs);
    assert_eq!(
        stored.article.canonical_url,
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html"
    );
    let stats = store.stats().unwrap();
    assert_eq!((stats.articles, stats.stories), (1, 1));
    assert!(store
        .contains_url("http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html#x")
        .unwrap());
    assert!(store
        .by_url("https://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html")
        .unwrap()
        .is_some());
    assert!(!store
        .contains_url("http://acftu.people.com.cn/n1/2024/0927/c67502-1.html")
        .unwrap());
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn a_mirror_copy_joins_its_origin_and_never_replaces_clean_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let origin = article(
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html",
        "江苏工会深入推进安康杯竞赛",
        &story_text(),
    );
    let o = store.ingest(origin.clone(), &sid("acftu"), 10).unwrap();
    // The mirror (recognised path: same id) with damaged text.
    let mut mirror = origin.clone();
    mirror.url = "http://343507.example/n1/2024/0927/c67502-40320000.html".into();
    mirror.paragraphs[0] = mirror.paragraphs[0].replace("镇江", "\u{FFFD}\u{FFFD}");
    mirror.flag(Flag::PinyinMirror);
    mirror.flag(Flag::Degraded);
    let m = store.ingest(mirror, &sid("mirrors"), 0).unwrap();
    assert_eq!(m.id, o.id);
    assert!(!m.changed);
    let kept = store.get(&o.id).unwrap().unwrap();
    assert_eq!(kept.article.paragraphs, origin.paragraphs);
    assert_eq!(kept.source_id, sid("acftu"));
    // The mirror URL itself now finds the article too.
    assert!(store
        .contains_url("http://343507.example/n1/2024/0927/c67502-40320000.html")
        .unwrap());
}

#[test]
fn stories_group_reposts_and_mirrors_and_keep_same_topic_stories_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let s2t =
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2t).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let docs = crate::dedup::corpus();
    let mut stories_of: BTreeMap<String, BTreeSet<StoryId>> = BTreeMap::new();
    let mut topic_of: BTreeMap<String, String> = BTreeMap::new();
    for (g, doc) in docs.iter().enumerate() {
        topic_of.insert(doc.id.clone(), doc.topic.clone());
        let mut original = Article {
            url: format!("http://acftu.people.com.cn/n1/2024/0927/c67502-4032{g:04}.html"),
            title: doc.title.clone(),
            paragraphs: doc.paragraphs.clone(),
            published: Published::beijing(2024, 9, 27, 8, 0, 0),
            ..Article::default()
        };
        unionwire::clean::clean_article(&mut original);
        let mut versions = vec![(original, sid("acftu"), 10)];
        for (v, mut a) in crate::dedup::variants(doc, &s2t, &mut rng)
            .into_iter()
            .enumerate()
        {
            // Every copy lives at its own URL on another site (the mirror path is not a known catalog).
            if !a.url.contains("mirror.example") {
                a.url = format!("http://site{v}.example/news/{g}.html");
            } else {
                a.url = format!("http://mirror{g}.example/n1/2024/0927/c459503-4032{g:04}.html");
            }
            a.published = Published::beijing(2024, 9, 27, 9 + i8::try_from(v).unwrap(), 0, 0);
            versions.push((a, sid("reposts"), 1));
        }
        let results = store.ingest_batch(versions).unwrap();
        assert!(results.iter().all(|r| r.new_article), "{}", doc.id);
        stories_of
            .entry(doc.id.clone())
            .or_default()
            .extend(results.iter().map(|r| r.story));
    }
    for (doc, stories) in &stories_of {
        assert_eq!(
            stories.len(),
            1,
            "{doc}: its 6 versions landed in {} stories",
            stories.len()
        );
    }
    let all: BTreeSet<StoryId> = stories_of.values().flatten().copied().collect();
    assert_eq!(
        all.len(),
        docs.len(),
        "different stories (same topic or not) were merged"
    );
    let stats = store.stats().unwrap();
    assert_eq!(stats.articles, docs.len() as u64 * 6);
    assert_eq!(stats.stories, docs.len() as u64);
    // The lead is the earliest published: the original from the priority source; the rest "also".
    let views = store.recent_stories(&StoryFilter::default(), 100).unwrap();
    assert_eq!(views.len(), docs.len());
    for v in &views {
        assert_eq!(v.lead.source_id, sid("acftu"));
        assert_eq!(v.also.len(), 5);
    }
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn lead_is_earliest_published_then_higher_priority_and_feeds_are_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let text = story_text();
    let mut low = article("http://a.example/1.html", "安康杯竞赛推进会召开", &text);
    low.published = Published::beijing(2024, 9, 27, 11, 1, 0);
    let mut high = article("http://b.example/1.html", "安康杯竞赛推进会召开", &text);
    high.published = Published::beijing(2024, 9, 27, 11, 1, 0);
    let r1 = store.ingest(low, &sid("low"), 1).unwrap();
    let r2 = store.ingest(high, &sid("high"), 5).unwrap();
    assert_eq!(r1.story, r2.story);
    assert!(r2.changed, "a new lead is a change");
    let view = store.story(&r1.story).unwrap().unwrap();
    assert_eq!(view.lead.source_id, sid("high"));
    assert_eq!(view.also.len(), 1);

    // An earlier copy from a low-priority source becomes the lead.
    let mut early = article("http://c.example/1.html", "安康杯竞赛推进会召开", &text);
    early.published = Published::beijing(2024, 9, 26, 8, 0, 0);
    store.ingest(early, &sid("low"), 1).unwrap();
    let view = store.story(&r1.story).unwrap().unwrap();
    assert_eq!(view.lead.article.url, "http://c.example/1.html");

    // Another story, published later, comes first; filters by source and keyword.
    let mut other = article(
        "http://d.example/2.html",
        "职工书屋建到工地上",
        &["晚上7点，位于成都天府新区的一处地铁施工项目部里，职工书屋的灯亮了起来，工人们拿起书本认真翻看。"],
    );
    other.published = Published::beijing(2024, 10, 1, 8, 0, 0);
    let r3 = store.ingest(other, &sid("shuwu"), 1).unwrap();
    let all = store.recent_stories(&StoryFilter::default(), 10).unwrap();
    assert_eq!(
        all.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![r3.story, r1.story]
    );
    let only_high = StoryFilter {
        sources: Some(vec![sid("high")]),
        q: None,
    };
    assert_eq!(store.recent_stories(&only_high, 10).unwrap().len(), 1);
    let by_q = StoryFilter {
        sources: None,
        q: Some("书屋".into()),
    };
    let hits = store.recent_stories(&by_q, 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, r3.story);
    assert_eq!(
        store
            .recent_stories(&StoryFilter::default(), 1)
            .unwrap()
            .len(),
        1
    );
    let low_articles = store.recent_articles(&sid("low"), None, 10).unwrap();
    assert_eq!(low_articles.len(), 2);
    assert_eq!(low_articles[0].article.url, "http://a.example/1.html");
    assert_eq!(
        store
            .recent_articles(&sid("low"), Some("不存在"), 10)
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn fetch_and_source_state_round_trip_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let st = FetchState {
            etag: Some("\"abc\"".into()),
            last_modified: Some("Fri, 27 Sep 2024 03:01:00 GMT".into()),
            last_status: Some(200),
            fetched_at: Some(ts("2024-09-27T03:01:00Z")),
            next_due: None,
        };
        store
            .set_fetch_state("https://www.example.com/feed.xml#x", &st)
            .unwrap();
        let health = SourceState {
            consecutive_failures: 2,
            runs: 7,
            healthy: false,
            last_error: Some("listing returned 503".into()),
            ..SourceState::default()
        };
        store.set_source_state(&sid("acftu"), &health).unwrap();
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let st = store
        .fetch_state("http://example.com/feed.xml")
        .unwrap()
        .unwrap();
    assert_eq!(st.etag.as_deref(), Some("\"abc\""));
    assert_eq!(st.last_status, Some(200));
    let h = store.source_state(&sid("acftu")).unwrap().unwrap();
    assert_eq!((h.consecutive_failures, h.runs, h.healthy), (2, 7, false));
    assert!(store.source_state(&sid("other")).unwrap().is_none());
}

#[test]
fn a_second_process_is_refused_with_exit_3_while_the_store_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
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
        let store = Store::open(dir.path()).unwrap();
        let mut a = article(
            "http://a.example/1.html?utm_medium=x",
            "安康杯竞赛推进会召开",
            &story_text(),
        );
        a.native_ids = vec![("contentid".into(), "40320000".into())];
        store
            .ingest_batch(vec![
                (a, sid("acftu"), 1),
                (
                    article("http://b.example/2.html", "职工书屋建到工地上", &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"]),
                    sid("shuwu"),
                    1,
                ),
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

/// Damages a closed store with sled directly: a truncated article record and a dangling URL index entry.
fn damage(path: &Path, victim: &[u8; 16]) {
    let db = sled::open(path).unwrap();
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
        let store = Store::open(dir.path()).unwrap();
        let r = store
            .ingest_batch(vec![
                (article("http://a.example/1.html", "安康杯竞赛推进会召开", &story_text()), sid("a"), 1),
                (
                    article("http://b.example/2.html", "职工书屋建到工地上", &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"]),
                    sid("b"),
                    1,
                ),
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

    let store = Store::open(dir.path()).unwrap();
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
    drop(Store::open(dir.path()).unwrap());
    {
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("unionwire/v1").unwrap();
        tree.insert(b"mschema", &99u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    match Store::open(dir.path()) {
        Err(e @ StoreError::NewerSchema { found: 99, .. }) => {
            assert!(e.to_string().contains("newer"), "{e}");
            assert_eq!(unionwire::store::exit_code_for(&e), Some(4));
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

#[test]
fn ingest_refuses_an_article_without_url() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let err = store.ingest(Article::default(), &sid("a"), 0).unwrap_err();
    assert!(matches!(err, StoreError::NoUrl { .. }));
}

/// Stock phrases of union news recur in many different stories; once the store has seen them in several
/// stories they are no evidence that two short articles tell the same story.
#[test]
fn stock_phrases_shared_by_many_stories_do_not_merge_different_stories() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s")).unwrap();
    let stock = "坚持以职工为中心的工作导向，切实维护广大职工的合法权益，不断增强职工群众的获得感幸福感安全感，推动新时代工会工作高质量发展。";
    let places = [
        "南京", "苏州", "无锡", "常州", "镇江", "扬州", "泰州", "南通",
    ];
    let topics = [
        "技能比武",
        "安康杯",
        "送清凉",
        "金秋助学",
        "职工书屋",
        "劳模工作室",
        "集体协商",
        "疗休养",
    ];
    // Background stories: each mostly its own text, with the stock clauses in it.
    for (i, (place, topic)) in places.iter().zip(topics).enumerate() {
        let own: Vec<String> = (0..10)
            .map(|k| format!("{place}市总工会第{}项{topic}举措落在{}个车间班组，第{k}批共有{}名一线职工参加。", i * 10 + k, 3 + k * i, 40 + k * 17 + i))
            .collect();
        let mut paras: Vec<&str> = own.iter().map(String::as_str).collect();
        paras.push(stock);
        let a = article(
            &format!("http://a.example/bg/{i}.html"),
            &format!("{place}{topic}工作推进会召开"),
            &paras,
        );
        let r = store.ingest(a, &sid("a"), 0).unwrap();
        assert!(
            r.new_story,
            "background story {i} merged with an earlier one"
        );
    }
    // Two short, different stories that are mostly stock phrases.
    let one = article(
        "http://b.example/1.html",
        "盐城市总工会慰问环卫工人",
        &[
            "盐城市总工会负责人冒雨走访城区环卫作业点并送去防暑药品。",
            stock,
        ],
    );
    let two = article(
        "http://c.example/2.html",
        "连云港港口工会举办吊车司机比武",
        &[
            "连云港港口集团工会组织三十二名吊车司机进行精准吊装比武。",
            stock,
        ],
    );
    let r1 = store.ingest(one, &sid("b"), 0).unwrap();
    let r2 = store.ingest(two, &sid("c"), 0).unwrap();
    assert!(
        r1.new_story && r2.new_story,
        "different stories merged through stock phrases"
    );
    assert_ne!(r1.story, r2.story);
}

/// Rewrites a closed store into the schema 1 layout by hand, with sled: each band list `B` + band
/// number + band (postings of SimHash + article id) becomes one key per posting, `b` + band number +
/// band + article id → SimHash; each anchor list `H` + anchor (postings of article id + story id) one
/// key per posting, `h` + anchor + article id → story id; the schema record says 1. The first
/// `b` and `h` keys get the empty values of the earliest schema 1 stores. Returns the number of
/// `b` and `h` keys written.
fn downgrade_to_schema_1(path: &Path) -> (usize, usize) {
    let db = sled::open(path).unwrap();
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
        let store = Store::open(dir.path()).unwrap();
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

    let store = Store::open(dir.path()).unwrap();
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
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("unionwire/v1").unwrap();
        assert_eq!(tree.scan_prefix(b"b").count(), 0);
        assert_eq!(tree.scan_prefix(b"h").count(), 0);
        assert_eq!(
            tree.get(b"mschema").unwrap().unwrap().as_ref(),
            &2u32.to_be_bytes()
        );
    }
    assert!(Store::open(dir.path()).unwrap().verify().unwrap().is_ok());
}
