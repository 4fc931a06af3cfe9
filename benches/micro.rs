//! Micro-benchmarks of the pieces without a bench of their own: charset detection and decoding
//! (`fetch::charset`), and the near-duplicate fingerprint (`dedup::fingerprint`, `dedup::simhash`).
//! `cargo bench --bench micro`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// About 40 KB of Chinese news markup without a charset declaration (detection has to guess).
fn page() -> String {
    let para = "<p style=\"text-indent: 2em;\">9月24日，江苏省总工会在镇江举办全省工会“安康杯”竞赛推进会暨劳动保护监督检查员培训，\
                提出重点抓好赛思想引领、赛建功立业、赛技能提升、赛维权服务“四赛”，推动安全生产进基层、进企业、进头脑。</p>\n";
    let mut s = String::from("<html><head><title>江苏工会重点抓好“四赛”</title></head><body>");
    while s.len() < 40_000 {
        s.push_str(para);
    }
    s.push_str("</body></html>");
    s
}

fn body_text() -> String {
    (0..30)
        .map(|i| format!("第{i}段：镇江市总工会紧紧围绕维护广大职工劳动安全健康权益，以抓创建融特色为基础，以稳组织强教育为途径，充分发挥职代会作用。"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A long article (about 5,000 characters) of distinct paragraphs: the union-news texts of
/// `tests/fixtures/dedup/corpus.txt`, in order, until the length is reached.
fn long_article() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dedup/corpus.txt"
    );
    let corpus = std::fs::read_to_string(path).expect("the dedup corpus fixture is readable");
    let mut out = String::new();
    for line in corpus.lines() {
        if line.starts_with('#') || line.starts_with("===") || line.trim().is_empty() {
            continue;
        }
        if out.chars().count() >= 5_000 {
            break;
        }
        out.push_str(line.trim());
        out.push('\n');
    }
    out
}

fn benches(c: &mut Criterion) {
    let utf8 = page();
    let gbk = encoding_rs::GBK.encode(&utf8).0.into_owned();
    let mut g = c.benchmark_group("charset");
    g.throughput(Throughput::Bytes(gbk.len() as u64));
    g.bench_function("detect+decode GBK 40KB, no declaration", |b| {
        b.iter(|| unionwire::fetch::charset::decode(black_box(&gbk), None, Some("example.cn")))
    });
    g.throughput(Throughput::Bytes(utf8.len() as u64));
    g.bench_function("detect+decode UTF-8 40KB, no declaration", |b| {
        b.iter(|| {
            unionwire::fetch::charset::decode(black_box(utf8.as_bytes()), None, Some("example.cn"))
        })
    });
    g.finish();

    let text = body_text();
    let mut g = c.benchmark_group("dedup");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("simhash 30 paragraphs", |b| {
        b.iter(|| unionwire::dedup::simhash(black_box("江苏工会重点抓好四赛"), black_box(&text)))
    });
    g.bench_function("fingerprint (simhash + anchors) 30 paragraphs", |b| {
        b.iter(|| {
            unionwire::dedup::fingerprint(black_box("江苏工会重点抓好四赛"), black_box(&text))
        })
    });
    let long = long_article();
    g.throughput(Throughput::Bytes(long.len() as u64));
    g.bench_function("fingerprint long article 5000 chars", |b| {
        b.iter(|| {
            unionwire::dedup::fingerprint(black_box("江苏工会重点抓好四赛"), black_box(&long))
        })
    });
    g.bench_function("comparison_text long article 5000 chars", |b| {
        b.iter(|| unionwire::clean::comparison_text(black_box(&long)))
    });
    g.finish();
}

criterion_group!(micro, benches);
criterion_main!(micro);
