//! The 工人日报 e-paper (`workercn.cn/papers/grrb/YYYY/MM/DD/{page}/page.html`): the daily issue URL,
//! the issue's page (版面) list, and a page's article list.

use std::sync::LazyLock;

use scraper::Selector;
use url::Url;

use super::dom::{inline_text, resolve_http};
use super::{meta, Link};

static PAGE_ITEMS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("ul#pageUrl li").expect("static selector is valid"));
static ARTICLE_ITEMS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("ul#pageTitle li a[href]").expect("static selector is valid"));
static A: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector is valid"));

/// The first page of the issue of `date`: `{root}YYYY/MM/DD/1/page.html` (`root` is the paper's root,
/// e.g. `https://www.workercn.cn/papers/grrb/`; a missing trailing slash is added).
#[must_use]
pub fn issue_url(root: &Url, date: jiff::civil::Date) -> Url {
    let mut root = root.clone();
    if !root.path().ends_with('/') {
        let p = format!("{}/", root.path());
        root.set_path(&p);
    }
    let rel = format!(
        "{:04}/{:02}/{:02}/1/page.html",
        date.year(),
        date.month(),
        date.day()
    );
    root.join(&rel).unwrap_or(root)
}

/// The issue's pages, in order: for each `ul#pageUrl li`, its second link (the first when it has one).
#[must_use]
pub fn page_links(html: &str, base: &Url) -> Vec<Url> {
    let doc = super::dom::parse_document(html);
    let mut out: Vec<Url> = Vec::new();
    for li in doc.select(&PAGE_ITEMS) {
        let anchors: Vec<_> = li.select(&A).collect();
        let a = anchors.get(1).or_else(|| anchors.first());
        if let Some(u) = a
            .and_then(|a| a.value().attr("href"))
            .and_then(|h| resolve_http(base, h))
        {
            if !out.contains(&u) {
                out.push(u);
            }
        }
    }
    out
}

/// The articles on one e-paper page (`ul#pageTitle li a`), dated from the page URL.
#[must_use]
pub fn article_links(html: &str, base: &Url) -> Vec<Link> {
    let doc = super::dom::parse_document(html);
    let date = meta::date_from_url(base);
    let mut out: Vec<Link> = Vec::new();
    for a in doc.select(&ARTICLE_ITEMS) {
        let Some(url) = a.value().attr("href").and_then(|h| resolve_http(base, h)) else {
            continue;
        };
        if out.iter().any(|l| l.url == url) {
            continue;
        }
        let title = Some(inline_text(a)).filter(|t| !t.is_empty());
        let date = meta::date_from_url(&url).or(date);
        out.push(Link { url, title, date });
    }
    out
}
