//! Integration tests: the one article-assembly path (`crawl::assemble`) as `unionwire fetch` and the crawl
//! both use it, against pages served on 127.0.0.1 — a later page that cannot be read is skipped (the
//! article keeps the pages that could be read, and stderr names the one that could not), a page without
//! article text is an error, and a crawled article with a skipped page keeps no validators.

use std::time::Duration;

use crate::support::faultd::{Canned, Faultd};

const BIN: &str = env!("CARGO_BIN_EXE_unionwire");
const GUARD: Duration = Duration::from_secs(60);

fn page(title: &str, paras: &[&str], pager: &[&str]) -> String {
    let paras: String = paras.iter().map(|p| format!("<p>{p}</p>")).collect();
    let links: String = pager
        .iter()
        .map(|h| format!("<a href=\"{h}\">下一页</a>"))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a></div><h1>{title}</h1>\
         <div class=\"content\">{paras}</div><div class=\"zdfy\">{links}</div></body></html>"
    )
}

const P1: &str =
    "全省各级工会组织广泛开展安康杯竞赛活动，推动企业落实安全生产主体责任，职工安全意识明显增强。";
const P2: &str =
    "竞赛期间，各地工会组织劳动保护监督检查员深入一线，排查事故隐患一千二百余处，督促整改到位。";
const P3: &str =
    "下一步，省总工会将把竞赛与职工技能提升结合起来，推动形成人人讲安全、个个会应急的良好氛围。";

async fn fetch(args: &[&str]) -> std::process::Output {
    let child = tokio::process::Command::new(BIN)
        .args(args)
        .env_remove("UNIONWIRE_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run unionwire");
    tokio::time::timeout(GUARD, child.wait_with_output())
        .await
        .expect("fetch finished")
        .expect("fetch output")
}

#[tokio::test]
async fn fetch_skips_a_later_page_that_cannot_be_read_and_says_which() {
    let site = Faultd::start().await;
    site.set(
        "/a.html",
        Canned::ok(
            "text/html; charset=utf-8",
            page("安康杯竞赛推进会召开", &[P1], &["/a_2.html", "/a_3.html"]),
        ),
    );
    site.set(
        "/a_2.html",
        Canned::ok(
            "text/html; charset=utf-8",
            page("安康杯竞赛推进会召开", &[P2], &[]),
        ),
    );
    site.set("/a_3.html", Canned::status(404, "gone"));
    let out = fetch(&["fetch", "--json", &site.url("/a.html")]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let paras: Vec<&str> = v["paragraphs"]
        .as_array()
        .expect("paragraphs")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert_eq!(paras, vec![P1, P2], "{v}");
    let skipped = site.url("/a_3.html");
    assert!(
        stderr.contains(&format!("page {skipped} of the article was skipped")),
        "{stderr}"
    );
    assert!(!stderr.contains("a_2.html"), "{stderr}");

    // Without --no-pages nothing else is asked for; with it, only the first page is.
    let before = site.count("/a_");
    let out = fetch(&["fetch", "--json", "--no-pages", &site.url("/a.html")]).await;
    assert!(out.status.success());
    assert_eq!(site.count("/a_"), before, "--no-pages fetched a later page");
}

#[tokio::test]
async fn a_page_without_article_text_is_an_error_for_fetch() {
    let site = Faultd::start().await;
    site.set(
        "/empty.html",
        Canned::ok(
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>工会要闻</title></head><body>\
             <div class=\"nav\"><a href=\"/\">首页</a></div><h1>工会要闻</h1></body></html>",
        ),
    );
    site.set(
        "/good.html",
        Canned::ok(
            "text/html; charset=utf-8",
            page("安康杯竞赛推进会召开", &[P1, P3], &[]),
        ),
    );
    let empty = site.url("/empty.html");
    let out = fetch(&["fetch", "--json", &empty, &site.url("/good.html")]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{empty}: no article text found")),
        "{stderr}"
    );
    // The other input still printed its article.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the good article");
    assert_eq!(v["paragraphs"].as_array().map(Vec::len), Some(2));
}
