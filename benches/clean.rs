//! Benchmarks of the clean stage on a ~40 KB pinyin-mirror page: raw-HTML repair, plain-text repair,
//! the post-extraction article pass, and the comparison text used for fingerprints.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use unionwire::clean::{clean_article, comparison_text, is_pinyin_mirror, repair_mirror};
use unionwire::model::Article;

fn seed() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/seeds/000_72cd3a6619c5879e.txt"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("seed {path}: {e}"))
}

/// A ~40 KB HTML page: the seed's paragraphs wrapped in markup, repeated.
fn page(seed: &str) -> String {
    let mut body = String::new();
    while body.len() < 40_000 {
        for line in seed.lines().filter(|l| !l.trim().is_empty()) {
            body.push_str("<p style=\"text-indent: 2em;\"><a href=\"/n1/2024/0927/c67502-40320000.html?x=1\">");
            body.push_str(line);
            body.push_str("</a></p>\n");
        }
    }
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>t</title><script>var a=1;</script></head><body>{body}</body></html>")
}

fn bench(c: &mut Criterion) {
    let seed = seed();
    let html = page(&seed);
    let text: String = seed.repeat(40_000 / seed.len() + 1);
    let article = Article {
        title: seed.lines().nth(2).unwrap_or_default().to_owned(),
        paragraphs: text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        ..Article::default()
    };
    c.bench_function("gate_40kb_text", |b| {
        b.iter(|| is_pinyin_mirror(black_box(&text)))
    });
    c.bench_function("repair_mirror_40kb_html", |b| {
        b.iter(|| repair_mirror(black_box(&html)))
    });
    c.bench_function("repair_mirror_40kb_text", |b| {
        b.iter(|| repair_mirror(black_box(&text)))
    });
    c.bench_function("clean_article_40kb", |b| {
        b.iter(|| {
            let mut a = article.clone();
            clean_article(black_box(&mut a));
            a
        })
    });
    c.bench_function("comparison_text_40kb", |b| {
        b.iter(|| comparison_text(black_box(&text)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
