//! The store conformance suite: every case runs against each engine ([`super::Backend`]) through the
//! [`unionwire::store::Store`] trait alone — ingest, idempotence and the version merge; story grouping,
//! lead order and mirror precedence; feed queries; health and fetch state; verify and what a flushed
//! write promises.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::SeedableRng;
use unionwire::model::{Article, Flag, Published, StoryId};
use unionwire::store::{FetchState, PageRole, SourceState, StoreError, StoryFilter};

use super::{article, sid, story_text, ts, validators, Backend};

pub fn reingesting_the_same_article_updates_it_and_keeps_first_seen(b: &Backend) {
    let (_place, store) = (b.fresh)();
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

pub fn a_mirror_copy_joins_its_origin_and_never_replaces_clean_text(b: &Backend) {
    let (_place, store) = (b.fresh)();
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

pub fn stories_group_reposts_and_mirrors_and_keep_same_topic_stories_apart(b: &Backend) {
    let (_place, store) = (b.fresh)();
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

pub fn lead_is_earliest_published_then_higher_priority_and_feeds_are_newest_first(b: &Backend) {
    let (_place, store) = (b.fresh)();
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

pub fn fetch_and_source_state_round_trip_and_survive_reopen(b: &Backend) {
    let (place, store) = (b.fresh)();
    {
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
    drop(store);
    let store = (b.reopen)(&place);
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

pub fn ingest_refuses_an_article_without_url(b: &Backend) {
    let (_place, store) = (b.fresh)();
    let err = store.ingest(Article::default(), &sid("a"), 0).unwrap_err();
    assert!(matches!(err, StoreError::NoUrl { .. }));
}

/// Stock phrases of union news recur in many different stories; once the store has seen them in several
/// stories they are no evidence that two short articles tell the same story.
pub fn stock_phrases_shared_by_many_stories_do_not_merge_different_stories(b: &Backend) {
    let (_place, store) = (b.fresh)();
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

pub fn an_article_pages_fetch_state_lands_in_the_articles_own_batch_under_the_asked_url(
    b: &Backend,
) {
    let (_place, store) = (b.fresh)();
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

pub fn verify_reports_fetch_states_that_claim_a_missing_article_and_repair_removes_only_those(
    b: &Backend,
) {
    let (_place, store) = (b.fresh)();
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

/// `changed_at` records when a fetch changed what an article shows, and only then: feeds use it as the
/// entry's `updated` instead of the crawl time.
pub fn changed_at_is_set_only_when_the_content_changes(b: &Backend) {
    let (_place, store) = (b.fresh)();
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

/// Five stories from two sources, a day apart: pages newest first that continue from their cursors, a
/// source filter, a search, a source's pages, its recent articles, and every article once.
pub fn feed_queries_page_newest_first_with_cursors_filters_and_search(b: &Backend) {
    let (_place, store) = (b.fresh)();
    let texts = [
        "省总工会召开劳模座谈会，邀请各行业劳动模范代表交流经验，畅谈新时代产业工人队伍建设改革。",
        "市总工会开展夏送清凉活动，深入建筑工地、环卫站点慰问一线户外劳动者，送去防暑降温物资。",
        "区总工会举办职工篮球赛，二十四支代表队参赛，比赛持续两周，丰富了职工的业余文化生活。",
        "县总工会为困难职工发放助学金，帮助职工子女顺利入学，共资助学生一百二十名，金额四十万元。",
        "镇工会联合会成立新就业形态劳动者服务站，为快递员外卖骑手提供休息饮水充电等便利服务。",
    ];
    let mut ids = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let source = if i % 2 == 0 { sid("even") } else { sid("odd") };
        let mut a = article(
            &format!("http://news{i}.example/{i}.html"),
            &format!("工会新闻第{i}条"),
            &[text],
        );
        a.published = Published::beijing(2024, 9, 20 + i8::try_from(i).unwrap(), 10, 0, 0);
        ids.push(store.ingest(a, &source, 0).unwrap());
    }
    store.flush().unwrap();
    let all = StoryFilter::default();
    let first = store.stories_page(&all, None, 2).unwrap();
    let titles = |p: &unionwire::store::StoryPage| -> Vec<String> {
        p.stories
            .iter()
            .map(|(v, _)| v.lead.article.title.clone())
            .collect()
    };
    assert_eq!(titles(&first), vec!["工会新闻第4条", "工会新闻第3条"]);
    let second = store.stories_page(&all, first.next.as_ref(), 2).unwrap();
    assert_eq!(titles(&second), vec!["工会新闻第2条", "工会新闻第1条"]);
    let third = store.stories_page(&all, second.next.as_ref(), 2).unwrap();
    assert_eq!(titles(&third), vec!["工会新闻第0条"]);
    assert!(third.next.is_none());
    assert_eq!(store.recent_stories(&all, 10).unwrap().len(), 5);

    let odd = StoryFilter {
        sources: Some(vec![sid("odd")]),
        q: None,
    };
    assert_eq!(
        titles(&store.stories_page(&odd, None, 10).unwrap()),
        vec!["工会新闻第3条", "工会新闻第1条"]
    );
    let search = StoryFilter {
        sources: None,
        q: Some("助学金".into()),
    };
    assert_eq!(
        titles(&store.stories_page(&search, None, 10).unwrap()),
        vec!["工会新闻第3条"]
    );

    let even = sid("even");
    let page = store.source_stories_page(&even, None, None, 2).unwrap();
    assert_eq!(titles(&page), vec!["工会新闻第4条", "工会新闻第2条"]);
    let rest = store
        .source_stories_page(&even, None, page.next.as_ref(), 2)
        .unwrap();
    assert_eq!(titles(&rest), vec!["工会新闻第0条"]);
    assert!(rest.next.is_none());
    let hit = store
        .source_stories_page(&even, Some("服务站"), None, 10)
        .unwrap();
    assert_eq!(titles(&hit), vec!["工会新闻第4条"]);

    let recent = store.recent_articles(&sid("odd"), None, 10).unwrap();
    let recent: Vec<&str> = recent.iter().map(|a| a.article.title.as_str()).collect();
    assert_eq!(recent, vec!["工会新闻第3条", "工会新闻第1条"]);
    assert_eq!(
        store
            .recent_articles(&sid("odd"), Some("篮球"), 10)
            .unwrap()
            .len(),
        0
    );
    let every: BTreeSet<_> = store.articles().map(|a| a.unwrap().id).collect();
    assert_eq!(every, ids.iter().map(|i| i.id).collect());
    let story = store.story(&ids[2].story).unwrap().expect("the story");
    assert_eq!(story.lead.id, ids[2].id);
    assert!(story.also.is_empty());
    assert!(store.story(&StoryId([7; 16])).unwrap().is_none());
}

/// The lookup a copy would make finds the story of its stored near-duplicate, and nothing for new text.
pub fn the_near_duplicate_lookup_finds_the_story_a_copy_would_join(b: &Backend) {
    let (_place, store) = (b.fresh)();
    let a = article(
        "http://acftu.example/1.html",
        "江苏工会深入推进安康杯竞赛",
        &story_text(),
    );
    let done = store.ingest(a.clone(), &sid("acftu"), 0).unwrap();
    let mut copy = a;
    copy.url = "http://other.example/repost.html".into();
    let fp = unionwire::dedup::fingerprint_article(&copy);
    assert_eq!(store.near_duplicate_story(&fp).unwrap(), Some(done.story));
    let other = article(
        "http://acftu.example/2.html",
        "职工书屋建到工地上",
        &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"],
    );
    let fp = unionwire::dedup::fingerprint_article(&other);
    assert_eq!(store.near_duplicate_story(&fp).unwrap(), None);
}

/// What `ingest_batch` returns is durable: the handle is dropped without another flush, the store is
/// opened again, and every acknowledged article, its story and the counters are there, and verify is clean.
pub fn what_a_flushed_batch_acknowledges_survives_reopening(b: &Backend) {
    let (place, store) = (b.fresh)();
    let batch: Vec<unionwire::store::Incoming> = (0..20)
        .map(|i| {
            let mut text: Vec<String> = story_text().iter().map(|s| (*s).to_owned()).collect();
            text[0] = format!("第{i}批：{}", text[0]);
            let paras: Vec<&str> = text.iter().map(String::as_str).collect();
            let a = article(
                &format!("http://s{i}.example/a.html"),
                "安康杯竞赛推进会",
                &paras,
            );
            (a, sid("s"), 0).into()
        })
        .collect();
    let done = store.ingest_batch(batch).unwrap();
    let stats = store.stats().unwrap();
    drop(store);
    let store = (b.reopen)(&place);
    for d in &done {
        let a = store.get(&d.id).unwrap().expect("an acknowledged article");
        assert_eq!(a.story, d.story);
        assert!(store.story(&d.story).unwrap().is_some());
    }
    let again = store.stats().unwrap();
    assert_eq!(
        (again.articles, again.stories),
        (stats.articles, stats.stories)
    );
    assert_eq!(again.articles, 20);
    assert!(store.verify().unwrap().is_ok());
    assert_eq!(store.generation().unwrap(), stats.generation);
}

/// A batch with an article without URL: the articles before it are written (and durable once flushed),
/// the ones after it are not, and the error names the article.
pub fn a_batch_stops_at_an_article_without_url_and_keeps_the_ones_before(b: &Backend) {
    let (place, store) = (b.fresh)();
    let before = article(
        "http://a.example/1.html",
        "安康杯竞赛推进会召开",
        &story_text(),
    );
    let nameless = Article {
        title: "没有网址的文章".into(),
        ..Article::default()
    };
    let after = article(
        "http://b.example/2.html",
        "职工书屋建到工地上",
        &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"],
    );
    let err = store
        .ingest_batch(vec![
            (before, sid("a"), 0).into(),
            (nameless, sid("a"), 0).into(),
            (after, sid("a"), 0).into(),
        ])
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NoUrl { title } if title == "没有网址的文章"),
        "{err:?}"
    );
    store.flush().unwrap();
    drop(store);
    let store = (b.reopen)(&place);
    assert!(store.contains_url("http://a.example/1.html").unwrap());
    assert!(!store.contains_url("http://b.example/2.html").unwrap());
    assert_eq!(store.stats().unwrap().articles, 1);
    assert!(store.verify().unwrap().is_ok());
}

/// Retention: a story none of whose copies is current since the cutoff goes with its articles, their
/// URLs, fetch states and near-duplicate entries; a story with one recent copy stays whole; counters and
/// verify stay right.
pub fn prune_removes_expired_stories_with_everything_they_hold_and_verify_stays_clean(b: &Backend) {
    let (_place, store) = (b.fresh)();
    let old_time = ts("2020-03-01T00:00:00Z");
    let new_time = ts("2024-09-27T00:00:00Z");
    let old = article(
        "http://a.example/old.html",
        "旧闻：职工书屋建到工地上",
        &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"],
    );
    let asked = "http://a.example/list-link-old.html";
    let incoming = unionwire::store::Incoming::new(old.clone(), sid("a"), 0)
        .with_fetch_state(asked.into(), validators(PageRole::Article))
        .at(old_time);
    let gone = store.ingest_batch(vec![incoming]).unwrap().remove(0);
    // A story first carried long ago and carried again now: kept whole.
    let kept_old = store
        .ingest_at(
            article(
                "http://b.example/1.html",
                "江苏工会深入推进安康杯竞赛",
                &story_text(),
            ),
            &sid("b"),
            0,
            old_time,
        )
        .unwrap();
    let kept_new = store
        .ingest_at(
            article(
                "http://c.example/2.html",
                "江苏工会深入推进安康杯竞赛",
                &story_text(),
            ),
            &sid("c"),
            0,
            new_time,
        )
        .unwrap();
    assert_eq!(kept_old.story, kept_new.story);
    store.flush().unwrap();
    let g = store.generation().unwrap();

    let report = store.prune(ts("2023-01-01T00:00:00Z")).unwrap();
    assert_eq!(
        (report.stories, report.articles, report.fetch_states),
        (1, 1, 1)
    );
    assert!(report.url_entries >= 2, "{report:?}");
    assert!(store.get(&gone.id).unwrap().is_none());
    assert!(store.story(&gone.story).unwrap().is_none());
    assert!(!store.contains_url("http://a.example/old.html").unwrap());
    assert!(!store.contains_url(asked).unwrap());
    assert!(store.fetch_state(asked).unwrap().is_none());
    let fp = unionwire::dedup::fingerprint_article(&old);
    assert_eq!(store.near_duplicate_story(&fp).unwrap(), None);
    let story = store
        .story(&kept_old.story)
        .unwrap()
        .expect("the kept story");
    assert_eq!(story.also.len(), 1);
    let stats = store.stats().unwrap();
    assert_eq!((stats.articles, stats.stories), (2, 1));
    assert!(store.generation().unwrap() > g);
    assert!(
        store.verify().unwrap().is_ok(),
        "{:?}",
        store.verify().unwrap()
    );
    // Nothing more is past the cutoff.
    let again = store.prune(ts("2023-01-01T00:00:00Z")).unwrap();
    assert_eq!(again.stories, 0);
}

/// `db copy`'s operations: a story imported from another store reads back as it was (records, lead order,
/// URL lookups, the near-duplicate index), counts move, a second import of it is refused as already there,
/// verify stays clean; fetch and source states list what was set, by URL identity key and id.
pub fn an_imported_story_reads_back_as_it_was_and_importing_it_again_changes_nothing(b: &Backend) {
    let (_from_place, from) = (b.fresh)();
    let (_to_place, to) = (b.fresh)();
    for (site, when, prio) in [
        ("a", "2025-07-01T08:00:00Z", 1),
        ("b", "2025-07-01T09:00:00Z", 5),
    ] {
        from.ingest_at(
            article(
                &format!("http://{site}.example/akb.html"),
                "安康杯竞赛推进会召开",
                &story_text(),
            ),
            &sid(site),
            prio,
            ts(when),
        )
        .unwrap();
    }
    from.set_fetch_state(
        "http://a.example/list.html?x=1#top",
        &validators(PageRole::NoArticle),
    )
    .unwrap();
    from.set_source_state(
        &sid("a"),
        &SourceState {
            runs: 3,
            ..SourceState::default()
        },
    )
    .unwrap();
    from.flush().unwrap();
    let lead = from.by_url("http://a.example/akb.html").unwrap().unwrap();
    let view = from.story(&lead.story).unwrap().unwrap();
    let members: Vec<_> = std::iter::once(view.lead.clone())
        .chain(view.also.clone())
        .map(|a| {
            let fp = from.fingerprint(&a.id).unwrap().expect("indexed");
            (a, fp)
        })
        .collect();
    assert_eq!(members.len(), 2);

    let g = to.generation().unwrap();
    assert!(to.import_story(&lead.story, members.clone()).unwrap());
    assert!(
        to.generation().unwrap() > g,
        "an import moves the generation"
    );
    assert_eq!(to.story(&lead.story).unwrap().unwrap(), view);
    assert_eq!(
        to.by_url("http://b.example/akb.html").unwrap().unwrap(),
        from.by_url("http://b.example/akb.html").unwrap().unwrap()
    );
    let probe = unionwire::dedup::fingerprint_article(&article(
        "http://c.example/x.html",
        "安康杯",
        &story_text(),
    ));
    assert_eq!(to.near_duplicate_story(&probe).unwrap(), Some(lead.story));
    let stats = to.stats().unwrap();
    assert_eq!((stats.articles, stats.stories), (2, 1));
    assert!(
        !to.import_story(&lead.story, members).unwrap(),
        "already there"
    );
    let stats = to.stats().unwrap();
    assert_eq!((stats.articles, stats.stories), (2, 1));
    assert!(to.verify().unwrap().is_ok(), "{:?}", to.verify().unwrap());

    let states = from.fetch_states().unwrap();
    assert_eq!(states.len(), 1);
    let (key, st) = &states[0];
    assert_eq!(st, &validators(PageRole::NoArticle));
    to.set_fetch_state(key, st).unwrap();
    assert_eq!(
        to.fetch_states().unwrap(),
        states,
        "the key is taken back as it is"
    );
    assert_eq!(
        to.fetch_state("http://a.example/list.html?x=1").unwrap(),
        Some(validators(PageRole::NoArticle))
    );
    assert_eq!(
        from.source_states().unwrap(),
        vec![(
            sid("a"),
            SourceState {
                runs: 3,
                ..SourceState::default()
            }
        )]
    );
}

/// One write holding an article, a copy of it on another site, an edited re-fetch of the article, an
/// unrelated article and an unchanged re-fetch of that one decides exactly as the same items written one
/// at a time: each later item sees what the earlier ones in its batch left.
pub fn one_batch_decides_as_the_same_items_written_one_at_a_time(b: &Backend) {
    let original = article(
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html",
        "江苏工会深入推进安康杯竞赛",
        &story_text(),
    );
    let mut copy = original.clone();
    copy.url = "http://site1.example/news/1.html".into();
    let mut edited = original.clone();
    edited
        .paragraphs
        .push("会议要求，各级工会要把“安康杯”竞赛作为参与安全生产工作的重要载体。".into());
    let other = article(
        "http://b.example/2.html",
        "职工书屋建到工地上",
        &["职工书屋的灯亮了起来，工人们拿起书本认真翻看，这是建筑工人下班后的充电站。"],
    );
    let items = || -> Vec<unionwire::store::Incoming> {
        let steps = [
            (original.clone(), "acftu", 10, "2024-09-27T04:00:00Z"),
            (copy.clone(), "reposts", 1, "2024-09-27T05:00:00Z"),
            (edited.clone(), "acftu", 10, "2024-09-27T06:00:00Z"),
            (other.clone(), "shuwu", 1, "2024-09-27T07:00:00Z"),
            (other.clone(), "shuwu", 1, "2024-09-27T08:00:00Z"),
        ];
        steps
            .into_iter()
            .map(|(a, s, p, at)| {
                let mut i: unionwire::store::Incoming = (a, sid(s), p).into();
                i.at = Some(ts(at));
                i
            })
            .collect()
    };
    let (_p1, batched) = (b.fresh)();
    let together = batched.ingest_batch(items()).unwrap();
    let (_p2, single) = (b.fresh)();
    let mut apart = Vec::new();
    for i in items() {
        apart.extend(single.ingest_batch(vec![i]).unwrap());
    }
    let flags = |r: &[unionwire::model::Ingested]| {
        r.iter()
            .map(|i| (i.id, i.story, i.new_article, i.new_story, i.changed))
            .collect::<Vec<_>>()
    };
    assert_eq!(flags(&together), flags(&apart));
    // The copy joined the original's story; the edit changed the article; the unchanged re-fetch did not.
    assert_eq!(together[1].story, together[0].story);
    assert!(together[2].changed && !together[2].new_article);
    assert!(!together[4].changed && !together[4].new_article);
    for i in &together {
        let (x, y) = (
            batched.get(&i.id).unwrap().unwrap(),
            single.get(&i.id).unwrap().unwrap(),
        );
        assert_eq!(x.story, y.story);
        assert_eq!(x.article, y.article);
        assert_eq!((x.first_seen, x.last_seen), (y.first_seen, y.last_seen));
        let (sx, sy) = (
            batched.story(&i.story).unwrap().unwrap(),
            single.story(&i.story).unwrap().unwrap(),
        );
        let ids = |v: &unionwire::model::StoryView| {
            std::iter::once(v.lead.id)
                .chain(v.also.iter().map(|m| m.id))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&sx), ids(&sy));
    }
    let (sx, sy) = (batched.stats().unwrap(), single.stats().unwrap());
    assert_eq!((sx.articles, sx.stories), (3, 2));
    assert_eq!((sy.articles, sy.stories), (3, 2));
    assert_eq!(
        batched
            .stories_page(&StoryFilter::default(), None, 10)
            .unwrap()
            .stories
            .len(),
        2
    );
    assert!(batched.verify().unwrap().is_ok());
    assert!(single.verify().unwrap().is_ok());
}

fn claim(
    store: &dyn unionwire::store::Store,
    owner: &str,
    candidates: &[unionwire::model::SourceId],
    limit: usize,
    only_due: bool,
    now: Timestamp,
) -> Vec<String> {
    store
        .claim_sources(&unionwire::store::ClaimRequest {
            owner,
            candidates,
            limit,
            only_due,
            now,
            ttl: std::time::Duration::from_secs(60),
        })
        .unwrap()
        .into_iter()
        .map(|c| c.source.as_str().to_owned())
        .collect()
}

pub fn source_leases_give_each_source_to_one_owner_until_released_or_expired(b: &Backend) {
    let (_place, store) = (b.fresh)();
    let now = ts("2025-06-02T08:00:00Z");
    let ids = [sid("a"), sid("b"), sid("c")];
    // A source whose state says it is due later is not claimed when only due ones are asked for.
    let later = SourceState {
        next_due: Some(ts("2025-06-02T09:00:00Z")),
        ..SourceState::default()
    };
    store.set_source_state(&ids[2], &later).unwrap();

    // In the candidates' order, up to the limit.
    assert_eq!(claim(&*store, "one", &ids, 1, true, now), ["a"]);
    // What one owner holds, nobody gets again (the same owner neither); the not-due one stays out.
    assert_eq!(claim(&*store, "two", &ids, 5, true, now), ["b"]);
    assert!(claim(&*store, "one", &ids, 5, true, now).is_empty());
    // Asked for regardless of due time (crawl now), the free one is given.
    assert_eq!(claim(&*store, "two", &ids, 5, false, now), ["c"]);
    let held: Vec<(String, String)> = store
        .leases()
        .unwrap()
        .into_iter()
        .map(|l| (l.source.as_str().to_owned(), l.owner))
        .collect();
    assert_eq!(
        held,
        [("a", "one"), ("b", "two"), ("c", "two")].map(|(s, o)| (s.to_owned(), o.to_owned()))
    );

    // Renewal works for the holder only; a release by someone else changes nothing.
    let soon = ts("2025-06-02T08:00:50Z");
    assert!(store
        .renew_lease(&ids[0], "one", soon, std::time::Duration::from_secs(60))
        .unwrap());
    assert!(!store
        .renew_lease(&ids[0], "two", soon, std::time::Duration::from_secs(60))
        .unwrap());
    store.release_lease(&ids[0], "two").unwrap();
    assert!(claim(&*store, "three", &ids[..1], 5, true, soon).is_empty());

    // Released: free again at once.
    store.release_lease(&ids[1], "two").unwrap();
    assert_eq!(claim(&*store, "three", &ids, 5, true, soon), ["b"]);

    // Expired: taken over, saying from whom; the old owner's renewal then fails.
    let after = ts("2025-06-02T08:01:55Z");
    let taken = store
        .claim_sources(&unionwire::store::ClaimRequest {
            owner: "four",
            candidates: &ids[..1],
            limit: 5,
            only_due: true,
            now: after,
            ttl: std::time::Duration::from_secs(60),
        })
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].taken_over.as_deref(), Some("one"));
    assert!(!store
        .renew_lease(&ids[0], "one", after, std::time::Duration::from_secs(60))
        .unwrap());
    // The expired owner's release does not free what the new owner holds.
    store.release_lease(&ids[0], "one").unwrap();
    assert!(claim(&*store, "five", &ids[..1], 5, true, after).is_empty());
}
