//! Extraction throughput: pages/s and MB/s over the Chinese fixtures and a typical ~40 KB article page.
//! `cargo bench --bench extract`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use unionwire::extract::{extract_article, Profiles};

fn fixture(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// A ~40 KB people.cn-style page: navigation, a 20-paragraph article, related lists and a footer.
fn typical_page() -> String {
    let nav: String = (0..60)
        .map(|i| format!("<a href=\"/GB/{i}/index.html\">频道{i}</a> "))
        .collect();
    let paras: String = (0..20)
        .map(|i| format!("<p style=\"text-indent: 2em;\">第{i}段：各级工会组织深入开展“安康杯”竞赛活动，推动安全生产进基层、进企业、进头脑，切实维护职工安全健康权益，广大职工的获得感、幸福感、安全感不断增强，企业安全发展水平持续提升。</p>\n"))
        .collect();
    let related: String = (0..80)
        .map(|i| format!("<li><a href=\"/n1/2024/0901/c67502-4030{i:04}.html\">相关新闻标题第{i}条</a> 2024年09月01日08:30</li>\n"))
        .collect();
    let mut page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>工会开展职工技能比赛--中国工会新闻--人民网</title>\
         <meta name=\"publishdate\" content=\"2024-09-27\"><meta name=\"contentid\" content=\"40320010\"></head><body>\
         <div class=\"rm_nav\">{nav}</div><div class=\"layout rm_txt cf\"><div class=\"col col-1 fl\"><h1>工会开展职工技能比赛</h1>\
         <div class=\"author cf\">本报记者  王  磊</div><div class=\"channel cf\"><div class=\"col-1-1 fl\">2024年09月27日11:01 | 来源：<a href=\"#\">工人日报客户端</a></div></div>\
         <div class=\"rm_txt_con cf\"><div id=\"rm_txt_zw\">{paras}</div><div class=\"edit cf\">(责编：闫涵、张鑫)</div></div></div></div>\
         <div class=\"rm_relevant\"><ul>{related}</ul></div>"
    );
    while page.len() < 40_000 {
        page.push_str("<div class=\"footer\"><p>人 民 网 版 权 所 有 ，未 经 书 面 授 权 禁 止 使 用</p><p>Copyright © 1997-2024 by www.people.com.cn. all rights reserved</p></div>");
    }
    page.push_str("</body></html>");
    page
}

fn bench(c: &mut Criterion) {
    let profiles = Profiles::builtin();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "people_rm_txt",
            fixture("people/rm_txt.html"),
            "http://acftu.people.com.cn/n1/2024/0927/c67502-40320010.html",
        ),
        (
            "people_text_c",
            fixture("people/text_c.html"),
            "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html",
        ),
        (
            "workercn",
            fixture("workercn/article.html"),
            "https://www.workercn.cn/c/2024-09-27/8300000.shtml",
        ),
        (
            "hanweb",
            fixture("hanweb/article.html"),
            "https://www.jsgh.org/art/2024/9/27/art_3577_123456.html",
        ),
        (
            "mirror",
            fixture("mirror/mirror.html"),
            "http://mirror.example/n1/2024/0927/c67502-40320000.html",
        ),
        (
            "typical_40k_profile",
            typical_page(),
            "http://acftu.people.com.cn/n1/2024/0927/c67502-40320010.html",
        ),
        (
            "typical_40k_generic",
            typical_page(),
            "https://example.org/news/1.html",
        ),
    ];
    let mut g = c.benchmark_group("extract_article");
    for (name, html, u) in &cases {
        let url = url::Url::parse(u).expect("bench URL is valid");
        let profile = if name.ends_with("generic") {
            None
        } else {
            profiles.for_url(&url)
        };
        g.throughput(Throughput::Bytes(html.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| extract_article(black_box(html), &url, profile))
        });
    }
    g.finish();
    let all: Vec<_> = cases
        .iter()
        .map(|(_, h, u)| (h.clone(), url::Url::parse(u).expect("bench URL is valid")))
        .collect();
    let mut g = c.benchmark_group("extract_fixtures");
    g.throughput(Throughput::Elements(all.len() as u64));
    g.bench_function("all_pages", |b| {
        b.iter(|| {
            for (h, u) in &all {
                let _ = black_box(extract_article(h, u, profiles.for_url(u)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
