//! Store benchmark (run with `cargo bench --bench store`): ingest throughput, near-duplicate lookup time
//! with 10k and 1M stored fingerprints (the banded index: lookup must not grow with the store), and bytes
//! on disk per article. Prints its figures; asserts nothing about speed.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unionwire::dedup::Fingerprint;
use unionwire::model::{Article, ArticleId, SourceId};
use unionwire::store::Store;

const PARAS: &[&str] = &[
    "9月24日，江苏省总工会在镇江举办全省工会安康杯竞赛推进会暨劳动保护监督检查员培训，提出重点抓好四赛。",
    "近年来，各级工会与应急管理、卫生健康部门密切配合，共同组织开展了年度安康杯竞赛活动，发挥了积极作用。",
    "市总工会实施劳动保护百千万培训工程，每年组织安全讲坛进一百家企业，培训劳动保护干部不少于一千名。",
    "今年以来，各级工会新建成户外劳动者服务站点300余个，配备饮水机、微波炉、冰箱、急救药箱等设施。",
    "职工书屋实行职工自主管理，每周开放6天，还定期邀请技术骨干开设夜校，讲解新工艺新技术，帮助农民工提升技能。",
    "工会法律援助中心受理后，立即指派律师介入，一方面收集工资表、考勤记录等证据，一方面约谈劳务公司。",
];

fn synthetic(i: usize, rng: &mut StdRng) -> Article {
    let mut paragraphs: Vec<String> = (0..5)
        .map(|_| PARAS[rng.random_range(0..PARAS.len())].to_owned())
        .collect();
    // A unique sentence per article, so articles are distinct stories.
    paragraphs.push(format!(
        "第{i}号通报：本次活动共有{}家企业、{}名职工参加，累计发放慰问金{}万元。",
        rng.random_range(10..9999),
        rng.random_range(100..99999),
        rng.random_range(1..999)
    ));
    Article {
        url: format!("http://bench.example/n1/2024/0927/c1-{i}.html"),
        title: format!("工会活动通报第{i}期"),
        paragraphs,
        ..Article::default()
    }
}

fn lookup_micros(store: &Store, rng: &mut StdRng, probes: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..probes {
        let fp = Fingerprint {
            simhash: rng.random(),
            anchors: Vec::new(),
        };
        std::hint::black_box(store.near_duplicate_story(&fp).expect("lookup"));
    }
    start.elapsed().as_secs_f64() * 1e6 / probes as f64
}

fn fill(store: &Store, from: usize, to: usize, rng: &mut StdRng) {
    let mut chunk = Vec::with_capacity(10_000);
    for i in from..to {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(i as u64).to_be_bytes());
        chunk.push((ArticleId(id), rng.random::<u64>()));
        if chunk.len() == 10_000 {
            store.bench_index_fingerprints(&chunk).expect("index");
            chunk.clear();
        }
    }
    store.bench_index_fingerprints(&chunk).expect("index");
}

fn main() {
    let mut rng = StdRng::seed_from_u64(1);
    let src = SourceId::new("bench").expect("valid id");

    // Ingest throughput and bytes per article.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let n = 3_000;
    let items: Vec<_> = (0..n)
        .map(|i| (synthetic(i, &mut rng), src.clone(), 1))
        .collect();
    let start = Instant::now();
    for batch in items.chunks(100) {
        store.ingest_batch(batch.to_vec()).expect("ingest");
    }
    let secs = start.elapsed().as_secs_f64();
    let stats = store.stats().expect("stats");
    println!(
        "ingest: {n} articles in {secs:.2} s = {:.0} articles/s (batches of 100, each flushed); {} stories",
        n as f64 / secs,
        stats.stories
    );
    println!(
        "size on disk: {} bytes = {:.0} bytes/article",
        stats.size_on_disk,
        stats.size_on_disk as f64 / n as f64
    );
    drop(store);

    // Lookup at 10k and 1M fingerprints.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    fill(&store, 0, 10_000, &mut rng);
    println!(
        "lookup with 10k fingerprints: {:.1} µs",
        lookup_micros(&store, &mut rng, 2_000)
    );
    let start = Instant::now();
    fill(&store, 10_000, 1_000_000, &mut rng);
    println!(
        "(indexed 990k more synthetic fingerprints in {:.1} s)",
        start.elapsed().as_secs_f64()
    );
    println!(
        "lookup with 1M fingerprints: {:.1} µs",
        lookup_micros(&store, &mut rng, 2_000)
    );
}
