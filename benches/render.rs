//! Feed rendering benchmarks: 50 stories as RSS 2.0, Atom and JSON Feed (what a cache miss costs).
//! `cargo bench --bench render`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use unionwire::model::{Article, Published, StoryId};
use unionwire::publish::{render_atom, render_json, render_rss, story_guid, FeedItem, FeedMeta};

/// Deterministic pseudo-random Chinese text: unrelated for different `(seed, paragraph)`, so the 50
/// articles stay 50 stories under the near-duplicate check.
fn text_for(seed: usize, paragraph: usize) -> String {
    let mut x = (seed as u64 + 1)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add((paragraph as u64).wrapping_mul(1_442_695_040_888_963_407));
    (0..120)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let offset = u32::try_from((x >> 33) % 0x51A5).unwrap_or(0);
            char::from_u32(0x4E00 + offset).unwrap_or('字')
        })
        .collect()
}

/// A distinct article: its own words so that stories do not merge.
fn article(i: usize) -> Article {
    let day = i8::try_from(1 + i % 28).unwrap_or(1);
    let minute = i8::try_from(i % 60).unwrap_or(0);
    Article {
        url: format!("http://bench.example/n/{i}.html"),
        canonical_url: format!("http://bench.example/n/{i}.html"),
        title: format!("第{i}号报道：职工技能大赛与工会服务 {i}"),
        authors: vec!["张三".into()],
        source: Some("工人日报".into()),
        published: Published::beijing(2024, 9, day, 10, minute, 0),
        paragraphs: (0..8).map(|p| format!("{}。", text_for(i, p))).collect(),
        ..Article::default()
    }
}

fn items(n: usize) -> Vec<FeedItem> {
    (0..n)
        .map(|i| {
            let a = article(i);
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&(i as u64).to_be_bytes());
            FeedItem {
                guid: story_guid(&StoryId(id)),
                title: a.title.clone(),
                link: a.url.clone(),
                published: a.published,
                updated: None,
                authors: a.authors.clone(),
                source: a.source.clone(),
                category: Some("中国工会新闻".into()),
                summary: unionwire::publish::summary_of(&a),
                content_html: unionwire::publish::body_html(&a),
                also_carried_by: vec![unionwire::publish::OtherCopy {
                    name: "中工网".into(),
                    url: format!("https://www.workercn.cn/c/{i}.shtml"),
                    mirror: false,
                }],
                ..FeedItem::default()
            }
        })
        .collect()
}

fn meta() -> FeedMeta {
    FeedMeta {
        title: "unionwire · 工会新闻".into(),
        description: "bench".into(),
        home_url: url::Url::parse("http://127.0.0.1:8080/").expect("fixed URL"),
        self_url: url::Url::parse("http://127.0.0.1:8080/feeds/all.rss").expect("fixed URL"),
        ttl_minutes: 30,
        updated: None,
        built: jiff::Timestamp::UNIX_EPOCH,
        next_url: None,
        stylesheet: None,
    }
}

fn bench_render(c: &mut Criterion) {
    let items = items(50);
    let meta = meta();
    c.bench_function("render_rss_50", |b| {
        b.iter(|| render_rss(black_box(&meta), black_box(&items)))
    });
    c.bench_function("render_atom_50", |b| {
        b.iter(|| render_atom(black_box(&meta), black_box(&items)))
    });
    c.bench_function("render_json_50", |b| {
        b.iter(|| render_json(black_box(&meta), black_box(&items)))
    });
}

criterion_group!(benches, bench_render);

criterion_main!(benches);
