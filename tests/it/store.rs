//! Integration tests: store — real sled stores in temporary directories, the built binary for the
//! cross-process lock and the `db`/`export` commands.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::SeedableRng;
use unionwire::model::{Article, Flag, Published, SourceId, StoryId};
use unionwire::store::{FetchState, PageRole, SourceState, StoreError, StoryFilter};

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
    let store = unionwire::store::open(dir.path()).unwrap();
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
    let g1 = store.generation().unwrap();

    // The same article again, reached through another spelling of its URL: nothing changes.
    let mut again = a.clone();
    again.url = "https://www.acftu.people.com.cn/n1/2024/0927/c67502-40320000.html?utm_source=wx&from=timeline#p2".into();
    let second = store
        .ingest_at(again, &src, 10, ts("2024-09-28T04:00:00Z"))
        .unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.story, first.story);
    assert!(!second.new_article && !second.new_story && !second.changed);
    assert_eq!(store.generation().unwrap(), g1);

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
    assert!(store.generation().unwrap() > g1);

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
    let store = unionwire::store::open(dir.path()).unwrap();
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
    let store = unionwire::store::open(dir.path()).unwrap();
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
        let mut versions: Vec<unionwire::store::Incoming> =
            vec![(original, sid("acftu"), 10).into()];
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
            versions.push((a, sid("reposts"), 1).into());
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
    let store = unionwire::store::open(dir.path()).unwrap();
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
        let store = unionwire::store::open(dir.path()).unwrap();
        let st = FetchState {
            etag: Some("\"abc\"".into()),
            last_modified: Some("Fri, 27 Sep 2024 03:01:00 GMT".into()),
            last_status: Some(200),
            fetched_at: Some(ts("2024-09-27T03:01:00Z")),
            next_due: None,
            role: PageRole::Index,
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
    let store = unionwire::store::open(dir.path()).unwrap();
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
        let db = sled::open(dir.path()).unwrap();
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

#[test]
fn ingest_refuses_an_article_without_url() {
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(dir.path()).unwrap();
    let err = store.ingest(Article::default(), &sid("a"), 0).unwrap_err();
    assert!(matches!(err, StoreError::NoUrl { .. }));
}

/// Stock phrases of union news recur in many different stories; once the store has seen them in several
/// stories they are no evidence that two short articles tell the same story.
#[test]
fn stock_phrases_shared_by_many_stories_do_not_merge_different_stories() {
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(&dir.path().join("s")).unwrap();
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
        let db = sled::open(dir.path()).unwrap();
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

fn validators(role: PageRole) -> FetchState {
    FetchState {
        etag: Some("\"v1\"".into()),
        last_modified: Some("Mon, 02 Jun 2025 08:00:00 GMT".into()),
        last_status: Some(200),
        fetched_at: Some(ts("2025-06-02T08:00:00Z")),
        next_due: None,
        role,
    }
}

#[test]
fn an_article_pages_fetch_state_lands_in_the_articles_own_batch_under_the_asked_url() {
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(dir.path()).unwrap();
    // Asked for /a (a listing's link), redirected to /b: both find the article, and /a's validators exist.
    let asked = "http://example.com/a.html";
    let a = article(
        "http://example.com/b.html",
        "江苏工会深入推进安康杯竞赛",
        &story_text(),
    );
    let incoming = unionwire::store::Incoming::new(a, sid("acftu"), 0)
        .with_fetch_state(asked.into(), validators(PageRole::Unknown));
    let done = store.ingest_batch(vec![incoming]).unwrap();
    assert!(done[0].new_article);
    assert!(store.contains_url(asked).unwrap());
    assert!(store.contains_url("http://example.com/b.html").unwrap());
    let st = store.fetch_state(asked).unwrap().expect("its fetch state");
    assert_eq!(st.role, PageRole::Article, "the role is the article page's");
    assert_eq!(st.etag.as_deref(), Some("\"v1\""));
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn verify_reports_fetch_states_that_claim_a_missing_article_and_repair_removes_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(dir.path()).unwrap();
    let stored = "http://example.com/stored.html";
    store
        .ingest(
            article(stored, "江苏工会深入推进安康杯竞赛", &story_text()),
            &sid("s"),
            0,
        )
        .unwrap();
    let no_validators = FetchState {
        etag: None,
        last_modified: None,
        ..validators(PageRole::Article)
    };
    let states = [
        // Claims an article the store lacks: reported.
        (
            "http://example.com/lost.html",
            validators(PageRole::Article),
        ),
        (
            "http://example.com/legacy.html",
            validators(PageRole::Unknown),
        ),
        // Claim nothing missing: an index page, a stored article, a failure, a link gone for good.
        ("http://example.com/list.html", validators(PageRole::Index)),
        (stored, validators(PageRole::Article)),
        ("http://example.com/failed.html", no_validators),
        (
            "http://example.com/gone.html",
            FetchState {
                etag: None,
                last_modified: None,
                last_status: Some(404),
                ..validators(PageRole::NoArticle)
            },
        ),
    ];
    for (u, st) in &states {
        store.set_fetch_state(u, st).unwrap();
    }
    let report = store.verify().unwrap();
    let mut keys: Vec<&str> = report.problems.iter().map(|p| p.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "F/http://example.com/legacy.html",
            "F/http://example.com/lost.html"
        ],
        "{:?}",
        report.problems
    );

    let removed = store.repair_fetch_states().unwrap();
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert!(store.verify().unwrap().is_ok());
    assert!(store
        .fetch_state("http://example.com/lost.html")
        .unwrap()
        .is_none());
    assert!(store
        .fetch_state("http://example.com/legacy.html")
        .unwrap()
        .is_none());
    for (u, st) in &states[2..] {
        assert_eq!(store.fetch_state(u).unwrap().as_ref(), Some(st), "{u} kept");
    }
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

/// `changed_at` records when a fetch changed what an article shows, and only then: feeds use it as the
/// entry's `updated` instead of the crawl time.
#[test]
fn changed_at_is_set_only_when_the_content_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = unionwire::store::open(dir.path()).unwrap();
    let url = "http://a.example/n/1.html";
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    let first = store
        .ingest_at(
            article(url, "安康杯竞赛推进会召开", &story_text()),
            &sid("a"),
            1,
            t("2024-09-27T03:00:00Z"),
        )
        .unwrap();
    assert_eq!(store.get(&first.id).unwrap().unwrap().changed_at, None);
    store
        .ingest_at(
            article(url, "安康杯竞赛推进会召开", &story_text()),
            &sid("a"),
            1,
            t("2024-09-28T03:00:00Z"),
        )
        .unwrap();
    assert_eq!(
        store.get(&first.id).unwrap().unwrap().changed_at,
        None,
        "a re-fetch that changes nothing"
    );
    let mut edited = story_text();
    edited.push("本报记者补充报道：活动共有一千二百名职工参加。");
    store
        .ingest_at(
            article(url, "安康杯竞赛推进会召开", &edited),
            &sid("a"),
            1,
            t("2024-09-29T03:00:00Z"),
        )
        .unwrap();
    let rec = store.get(&first.id).unwrap().unwrap();
    assert_eq!(rec.changed_at, Some(t("2024-09-29T03:00:00Z")));
    assert_eq!(rec.first_seen, t("2024-09-27T03:00:00Z"));
}
