//! Listing pages → article links: CSS-selected anchors resolved to absolute http(s) URLs (with
//! RSSHub's leading-`..` fix), deduplicated, with the title and the date printed beside each link;
//! and the next listing page (`下一页`, people.cn `indexN.html`, TRS `createPageHTML`).

use std::collections::HashSet;
use std::sync::LazyLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::dom::{inline_text, resolve_http};
use super::meta;

/// One article link found on a listing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Absolute http(s) URL, without fragment.
    pub url: Url,
    /// The anchor's `title` attribute or text.
    pub title: Option<String>,
    /// The date printed next to the link (`<i class=gray> 2024-09-27 </i>`, `<span>2024-09-27</span>`).
    pub date: Option<jiff::civil::Date>,
}

static ANCHOR: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector is valid"));
static CREATE_PAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?(\d+)['"]?\s*,\s*['"]([^'"]*)['"]\s*,\s*['"]([^'"]*)['"]"#)
        .expect("static regex is valid")
});
static NEXT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:下一页|下页|后一页|下一頁|next|Next|›|>|»)\s*[>›»]*$")
        .expect("static regex is valid")
});

/// Strips RSSHub-style leading `..` segments from a root-relative-looking href (`../n1/…` → `/n1/…`).
fn fix_dotdot(href: &str) -> String {
    let mut h = href.trim();
    while let Some(rest) = h.strip_prefix("..") {
        h = rest;
        if !h.starts_with("/..") {
            break;
        }
        h = &h[1..];
    }
    h.to_string()
}

/// Text around a link that may hold its date: the nearest `li`/`tr`/`dd`/`p` ancestor, else the parent.
fn context_text(a: ElementRef<'_>) -> String {
    let mut cur: Option<NodeRef<'_, Node>> = a.parent();
    let mut steps = 0;
    while let Some(n) = cur {
        if let Some(el) = ElementRef::wrap(n) {
            if matches!(el.value().name(), "li" | "tr" | "dd" | "p" | "dt") {
                return inline_text(el);
            }
        }
        steps += 1;
        if steps > 3 {
            break;
        }
        cur = n.parent();
    }
    a.parent()
        .and_then(ElementRef::wrap)
        .map(inline_text)
        .unwrap_or_default()
}

fn link_of(a: ElementRef<'_>, base: &Url, pattern: Option<&Regex>) -> Option<Link> {
    let href = a.value().attr("href")?;
    let url = resolve_http(base, &fix_dotdot(href))?;
    if pattern.is_some_and(|p| !p.is_match(url.as_str())) {
        return None;
    }
    let title = a
        .value()
        .attr("title")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| Some(inline_text(a)).filter(|t| !t.is_empty()));
    let ctx = context_text(a);
    let date = meta::first_date(&ctx).map(|f| f.date);
    Some(Link { url, title, date })
}

pub(super) fn links_in(
    doc: &Html,
    base: &Url,
    selector: &Selector,
    pattern: Option<&Regex>,
) -> Vec<Link> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for el in doc.select(selector) {
        let anchors: Vec<ElementRef<'_>> = if el.value().name() == "a" {
            vec![el]
        } else {
            el.select(&ANCHOR).collect()
        };
        for a in anchors {
            if let Some(l) = link_of(a, base, pattern) {
                if seen.insert(l.url.clone()) {
                    out.push(l);
                }
            }
        }
    }
    out
}

/// Article links on a listing page: elements matching `selector` (anchors, or containers whose anchors
/// are taken), resolved against `base`, http(s) only, optionally filtered by `pattern` (over the
/// absolute URL), deduplicated in page order.
#[must_use]
pub fn listing_links(
    html: &str,
    base: &Url,
    selector: &Selector,
    pattern: Option<&Regex>,
) -> Vec<Link> {
    let doc = super::dom::parse_document(html);
    links_in(&doc, base, selector, pattern)
}

/// The next page of a listing: a `下一页` link (people.cn `index2.html`), or the page after the current
/// one in a TRS `createPageHTML(total, current, "index", "html")` call (`index_{current+1}.html`).
/// `None` on the last page.
#[must_use]
pub fn next_listing_page(html: &str, base: &Url) -> Option<Url> {
    next_in(&super::dom::parse_document(html), html, base)
}

/// A listing page's article links ([`listing_links`]) and its next page ([`next_listing_page`]) from one
/// parse of the page.
#[must_use]
pub fn listing_page(
    html: &str,
    base: &Url,
    selector: &Selector,
    pattern: Option<&Regex>,
) -> (Vec<Link>, Option<Url>) {
    let doc = super::dom::parse_document(html);
    (
        links_in(&doc, base, selector, pattern),
        next_in(&doc, html, base),
    )
}

/// [`next_listing_page`] of the parsed `doc` of `html`.
fn next_in(doc: &Html, html: &str, base: &Url) -> Option<Url> {
    let mut this = base.clone();
    this.set_fragment(None);
    for a in doc.select(&ANCHOR) {
        let text = inline_text(a);
        if NEXT_TEXT.is_match(text.trim()) {
            if let Some(u) = a
                .value()
                .attr("href")
                .and_then(|h| resolve_http(base, &fix_dotdot(h)))
            {
                if u != this {
                    return Some(u);
                }
            }
        }
    }
    let c = CREATE_PAGE.captures(html)?;
    let total: u32 = c.get(1)?.as_str().parse().ok()?;
    let current: u32 = c.get(2)?.as_str().parse().ok()?;
    let stem = c.get(3)?.as_str();
    let ext = c.get(4)?.as_str();
    let next = current.checked_add(1)?;
    if next >= total || stem.is_empty() || stem.contains('/') || ext.contains('/') {
        return None;
    }
    base.join(&format!("{stem}_{next}.{ext}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotdot_prefixes_are_stripped() {
        assert_eq!(
            fix_dotdot("../n1/2024/0927/c1-2.html"),
            "/n1/2024/0927/c1-2.html"
        );
        assert_eq!(fix_dotdot("../../n1/x.html"), "/n1/x.html");
        assert_eq!(fix_dotdot("/n1/x.html"), "/n1/x.html");
    }

    #[test]
    fn trs_pager_points_to_the_next_index() {
        let base = Url::parse("https://www.acftu.org/xwdt/ghyw/").unwrap();
        let html = r#"<script>createPageHTML(5,0,"index","html");</script>"#;
        assert_eq!(
            next_listing_page(html, &base).unwrap().as_str(),
            "https://www.acftu.org/xwdt/ghyw/index_1.html"
        );
        let last = r#"<script>createPageHTML(5,4,"index","html");</script>"#;
        assert!(next_listing_page(last, &base).is_none());
    }

    #[test]
    fn one_parse_gives_the_links_and_the_next_page_the_two_calls_give() {
        let base = Url::parse("http://acftu.people.com.cn/GB/67502/index.html").unwrap();
        let html = "<html><body><div class=list><ul>\
            <li><a href='/n1/2024/0927/c67502-1.html'>一</a> <i>2024-09-27</i></li>\
            <li><a href='../n1/2024/0926/c67502-2.html'>二</a></li></ul></div>\
            <div class=page><a href='index2.html'>下一页</a></div></body></html>";
        let sel = Selector::parse("div.list li a").unwrap();
        let (links, next) = listing_page(html, &base, &sel, None);
        assert_eq!(links, listing_links(html, &base, &sel, None));
        assert_eq!(links.len(), 2);
        assert_eq!(next, next_listing_page(html, &base));
        assert_eq!(
            next.unwrap().as_str(),
            "http://acftu.people.com.cn/GB/67502/index2.html"
        );
    }
}
