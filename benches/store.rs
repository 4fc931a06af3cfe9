//! Store benchmark (run with `cargo bench --bench store`; `cargo bench --bench store -- --fill N DIR` instead
//! fills a store with N synthetic articles, see [`fill_store`]): ingest throughput, near-duplicate lookup time
//! with 10k and 1M stored fingerprints and their ratio (the band lists: lookup must not grow with the
//! store), bytes on disk per article, and the process's peak RSS after each phase. Lookup time is
//! given as wall time and as the thread's CPU time (Linux schedstat), which other load on the machine
//! disturbs less. Prints its figures; asserts nothing about speed.
//!
//! Then sled against PostgreSQL (when `UNIONWIRE_TEST_PG` names a server where a database may be created):
//! ingest articles/s through the `Store` trait, and near-duplicate lookup time with 10k and 100k indexed
//! fingerprints, probed with the fingerprints of new articles (bands and anchors both looked up).

use std::time::Instant;

/// glibc's malloc spends up to 40 % of a fill's time consolidating and searching its free lists as sled
/// pages nodes in and out; mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unionwire::dedup::Fingerprint;
use unionwire::model::{Article, ArticleId, SourceId};
use unionwire::store::postgres::PgStore;
use unionwire::store::sled::SledStore;
use unionwire::store::Store;

/// Common characters of union news, to make distinct synthetic articles.
const CHARS: &str = "工会职工劳动安全生产企业组织活动开展服务建设发展推进工作全国省市县区部门单位农民工技能竞赛培训权益保障法律援助困难帮扶慰问资金岗位就业女职工书屋驿站户外新就业形态快递骑手司机平台协商合同工资待遇休息健康医疗保险教育学习创新技术人才工匠劳模精神宣传教育基层一线项目工地园区社区群众干部会议要求负责人表示介绍据了解今年以来目前已经累计超过达到万名余家次场个人元年月日时";

fn synthetic(i: usize, rng: &mut StdRng) -> Article {
    let pool: Vec<char> = CHARS.chars().collect();
    let mut para = |len: usize| -> String {
        let mut s = String::new();
        for k in 0..len {
            s.push(pool[rng.random_range(0..pool.len())]);
            if k % 17 == 16 {
                s.push('，');
            }
        }
        s.push('。');
        s
    };
    let paragraphs: Vec<String> = (0..6).map(|_| para(90)).collect();
    Article {
        url: format!("http://bench.example/n1/2024/0927/c1-{i}.html"),
        title: format!("工会活动通报第{i}期{}", para(12)),
        paragraphs,
        ..Article::default()
    }
}

/// This thread's CPU time in nanoseconds (Linux), if readable.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// The process's peak resident set size (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn rss_note() -> String {
    peak_rss_mb().map_or_else(String::new, |mb| format!("; peak RSS so far {mb:.0} MB"))
}

/// Mean wall and CPU microseconds per near-duplicate lookup of a random fingerprint.
fn lookup_micros(store: &dyn Store, rng: &mut StdRng, probes: usize) -> (f64, Option<f64>) {
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    for _ in 0..probes {
        let fp = Fingerprint {
            simhash: rng.random(),
            anchors: Vec::new(),
        };
        std::hint::black_box(store.near_duplicate_story(&fp).expect("lookup"));
    }
    let wall = start.elapsed().as_secs_f64() * 1e6 / probes as f64;
    let cpu = cpu0
        .zip(thread_cpu_ns())
        .map(|(a, b)| (b.saturating_sub(a)) as f64 / 1e3 / probes as f64);
    (wall, cpu)
}

fn fill(store: &SledStore, from: usize, to: usize, rng: &mut StdRng) {
    // Each call reads every band list once, so one large call is the fast way to fill.
    const CHUNK: usize = 1_000_000;
    let mut chunk = Vec::with_capacity(CHUNK);
    for i in from..to {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(i as u64).to_be_bytes());
        chunk.push((ArticleId(id), rng.random::<u64>()));
        if chunk.len() == CHUNK {
            store.bench_index_fingerprints(&chunk).expect("index");
            chunk.clear();
        }
    }
    store.bench_index_fingerprints(&chunk).expect("index");
}

/// `--fill N DIR`: writes N synthetic articles into the sled store at DIR (created if missing) through the
/// store's own write path (records, URL index, fingerprints and postings, stories), for the growth
/// measurement of `bench/growth/crawl.sh bigstore`, printing the rate as it goes. A bulk load: the articles
/// are made and fingerprinted on a second thread while the first writes; each `write` takes
/// [`FILL_BATCH`] articles and is not flushed (sled's own background flush runs), with one fsync every
/// [`FILL_FLUSH`] articles and at the end; the page cache is [`FILL_CACHE`] (the fill's memory is not the
/// crawl's). Article URLs are numbered from the count already stored, so a second fill adds to the first.
fn fill_store(n: usize, dir: &std::path::Path) {
    const FILL_BATCH: usize = 1_000;
    const FILL_FLUSH: usize = 100_000;
    const FILL_CACHE: u64 = 512 * 1024 * 1024;
    let store = SledStore::open_with_cache(dir, FILL_CACHE).expect("open the store to fill");
    let from = usize::try_from(store.stats().expect("stats").articles).expect("count fits");
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<unionwire::store::Incoming>>(4);
    let maker = std::thread::spawn(move || {
        let src = SourceId::new("fill").expect("valid id");
        let mut rng = StdRng::seed_from_u64(from as u64 + 17);
        let mut made = 0;
        while made < n {
            let k = FILL_BATCH.min(n - made);
            let items: Vec<_> = (from + made..from + made + k)
                .map(|i| {
                    let mut a = small_article(i, &mut rng);
                    a.url = format!("http://fill.example/n1/2024/0927/c2-{i}.html");
                    unionwire::store::Incoming::new(a, src.clone(), 1)
                })
                .collect();
            made += k;
            if tx.send(items).is_err() {
                return;
            }
        }
    });
    let start = Instant::now();
    let mut done = 0;
    let mut flushed = 0;
    for items in rx {
        let k = items.len();
        Store::write(&store, items).expect("fill");
        done += k;
        if done - flushed >= FILL_FLUSH || done == n {
            Store::flush(&store).expect("flush the fill");
            flushed = done;
        }
        if done % 50_000 < k || done == n {
            let secs = start.elapsed().as_secs_f64();
            println!(
                "filled {done} of {n} in {secs:.0} s ({:.0} articles/s{})",
                done as f64 / secs,
                rss_note()
            );
        }
    }
    maker.join().expect("the article maker");
    let stats = store.stats().expect("stats");
    println!(
        "store at {}: {} articles, {} stories, {:.1} GB on disk",
        dir.display(),
        stats.articles,
        stats.stories,
        stats.size_on_disk as f64 / 1e9
    );
}

/// A small but realistic stored article for the fill: a title and four paragraphs of 60–120 characters (a
/// short news item of about 360 characters: some 24 clause anchors, where a long one keeps 32), one
/// paragraph in four ending in a stock phrase of union news that many articles share.
fn small_article(i: usize, rng: &mut StdRng) -> Article {
    const STOCK: [&str; 6] = [
        "切实维护职工合法权益",
        "推动工会工作高质量发展",
        "不断增强职工群众的获得感幸福感安全感",
        "充分发挥工人阶级主力军作用",
        "加强基层工会组织建设",
        "营造尊重劳动尊重创造的良好氛围",
    ];
    let pool: Vec<char> = CHARS.chars().collect();
    let para = |len: usize, rng: &mut StdRng| -> String {
        let mut s = String::new();
        for k in 0..len {
            s.push(pool[rng.random_range(0..pool.len())]);
            if k % 15 == 14 {
                s.push('，');
            }
        }
        if rng.random_range(0..4) == 0 {
            s.push('，');
            s.push_str(STOCK[rng.random_range(0..STOCK.len())]);
        }
        s.push('。');
        s
    };
    let paragraphs: Vec<String> = (0..4)
        .map(|_| {
            let len = rng.random_range(60..120);
            para(len, rng)
        })
        .collect();
    let title = para(12, rng);
    Article {
        url: format!("http://bench.example/n1/2024/0927/c1-{i}.html"),
        title: format!("工会活动通报第{i}期{title}"),
        paragraphs,
        ..Article::default()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--fill") {
        let n: usize = args
            .get(i + 1)
            .and_then(|a| a.parse().ok())
            .expect("usage: --fill N DIR");
        let dir = args.get(i + 2).expect("usage: --fill N DIR");
        fill_store(n, std::path::Path::new(dir));
        return;
    }
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a smoke test, so keep it small there.
    let full = args.iter().any(|a| a == "--bench");
    let (n, small, large) = if full {
        (3_000, 10_000, 1_000_000)
    } else {
        (100, 1_000, 5_000)
    };
    let mut rng = StdRng::seed_from_u64(1);
    let src = SourceId::new("bench").expect("valid id");

    compare(full);

    // Ingest throughput and bytes per article.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = unionwire::store::open(dir.path()).expect("open");
    let items: Vec<_> = (0..n)
        .map(|i| unionwire::store::Incoming::new(synthetic(i, &mut rng), src.clone(), 1))
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
        "size on disk: {} bytes = {:.0} bytes/article{}",
        stats.size_on_disk,
        stats.size_on_disk as f64 / n as f64,
        rss_note()
    );
    drop(store);

    // Lookup at 10k and 1M fingerprints.
    let dir = tempfile::tempdir().expect("tempdir");
    // The lookup phases fill the band index directly, which only the sled engine offers.
    let store = SledStore::open(dir.path()).expect("open");
    fill(&store, 0, small, &mut rng);
    let (wall_small, cpu_small) = lookup_micros(&store, &mut rng, 2_000);
    println!(
        "lookup with {small} fingerprints: {wall_small:.1} µs{}",
        cpu_small.map_or_else(String::new, |c| format!(" ({c:.1} µs CPU)"))
    );
    let start = Instant::now();
    fill(&store, small, large, &mut rng);
    store.flush().expect("flush");
    println!(
        "(indexed {} more synthetic fingerprints in {:.1} s{})",
        large - small,
        start.elapsed().as_secs_f64(),
        rss_note()
    );
    let (wall_large, cpu_large) = lookup_micros(&store, &mut rng, 2_000);
    println!(
        "lookup with {large} fingerprints: {wall_large:.1} µs{}",
        cpu_large.map_or_else(String::new, |c| format!(" ({c:.1} µs CPU)"))
    );
    let cpu_ratio = cpu_small
        .zip(cpu_large)
        .map_or_else(String::new, |(s, l)| format!(", CPU {:.2}×", l / s));
    println!(
        "lookup ratio {large} / {small}: wall {:.2}×{cpu_ratio}; size on disk {} bytes{}",
        wall_large / wall_small,
        store.stats().expect("stats").size_on_disk,
        rss_note()
    );
}

/// Runs SQL on the server at `url` (creating and dropping the bench database).
fn admin(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect to UNIONWIRE_TEST_PG");
        let task = tokio::spawn(conn);
        client.batch_execute(sql).await.expect(sql);
        drop(client);
        let _ = task.await;
    });
}

/// Ingest articles/s of `n` synthetic articles in batches of 100.
fn ingest_rate(store: &dyn Store, n: usize, seed: u64) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let src = SourceId::new("bench").expect("valid id");
    let items: Vec<_> = (0..n)
        .map(|i| unionwire::store::Incoming::new(synthetic(i, &mut rng), src.clone(), 1))
        .collect();
    let start = Instant::now();
    for batch in items.chunks(100) {
        store.ingest_batch(batch.to_vec()).expect("ingest");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Mean wall microseconds per lookup of each probe.
fn probe_micros(store: &dyn Store, probes: &[Fingerprint]) -> f64 {
    let start = Instant::now();
    for fp in probes {
        std::hint::black_box(store.near_duplicate_story(fp).expect("lookup"));
    }
    start.elapsed().as_secs_f64() * 1e6 / probes.len() as f64
}

/// Fills `index` with bare fingerprints `from..to` (ids distinct from ingested articles).
/// Posts bare fingerprints in an engine's band index.
type Indexer<'a> = &'a dyn Fn(&[(ArticleId, u64)]);

fn fill_with(index: Indexer<'_>, from: usize, to: usize, rng: &mut StdRng) {
    let items: Vec<(ArticleId, u64)> = (from..to)
        .map(|i| {
            let mut id = [0xb0u8; 16];
            id[..8].copy_from_slice(&(i as u64).to_be_bytes());
            (ArticleId(id), rng.random::<u64>())
        })
        .collect();
    index(&items);
}

/// sled against PostgreSQL: ingest rate, lookup at `sizes`.
fn compare(full: bool) {
    let Ok(server) = std::env::var("UNIONWIRE_TEST_PG") else {
        println!("sled vs PostgreSQL: skipped (UNIONWIRE_TEST_PG is not set)");
        return;
    };
    let (n, sizes) = if full {
        (2_000, [10_000, 100_000])
    } else {
        (50, [500, 1_000])
    };
    let mut rng = StdRng::seed_from_u64(9);
    let probes: Vec<Fingerprint> = (0..if full { 500 } else { 20 })
        .map(|i| unionwire::dedup::fingerprint_article(&synthetic(1_000_000 + i, &mut rng)))
        .collect();
    let name = format!("uw_bench_{:016x}", rand::random::<u64>());
    admin(&server, &format!("CREATE DATABASE {name}"));
    /// Drops the bench database however the comparison ends (after the store's connections close).
    struct Dropper(String, String);
    impl Drop for Dropper {
        fn drop(&mut self) {
            admin(
                &self.0,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.1),
            );
        }
    }
    let _dropper = Dropper(server.clone(), name.clone());
    let mut url = url::Url::parse(&server).expect("UNIONWIRE_TEST_PG is a URL");
    url.set_path(&format!("/{name}"));

    let dir = tempfile::tempdir().expect("tempdir");
    let sled = SledStore::open(dir.path()).expect("open sled");
    let pg = PgStore::open(url.as_str()).expect("open PostgreSQL");
    println!("sled vs PostgreSQL ({}):", pg.location());
    let engines: [(&str, &dyn Store, Indexer<'_>); 2] = [
        ("sled", &sled, &|items| {
            sled.bench_index_fingerprints(items).expect("index")
        }),
        ("postgres", &pg, &|items| {
            pg.bench_index_fingerprints(items).expect("index");
            // As autovacuum would after a bulk load: the planner then uses the indexes.
            admin(url.as_str(), "ANALYZE");
        }),
    ];
    for (label, store, index) in engines {
        let rate = ingest_rate(store, n, 3);
        let mut rng = StdRng::seed_from_u64(5);
        let mut line =
            format!("  {label:<8} ingest {rate:>7.0} articles/s ({n} articles, batches of 100)");
        let mut have = n;
        for size in sizes {
            fill_with(index, have, size, &mut rng);
            have = size;
            line += &format!("; lookup at {size}: {:.0} µs", probe_micros(store, &probes));
        }
        println!("{line}");
    }
    drop(pg);
}
