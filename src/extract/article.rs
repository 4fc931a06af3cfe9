//! Article extraction: a profile's selectors first, the generic extractor and header-block
//! heuristics for whatever the profile misses, then metadata, body cleanup and multi-page merging.

use std::collections::HashSet;
use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::ElementRef;
use url::Url;

use super::dom::{inline_text, resolve_http, text_lines, Css, DocIndex};
use super::meta::{self, FoundDate};
use super::{generic, ExtractError, Profile};
use crate::model::{Article, Flag, Published};

/// The result of extracting one page.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// The article as found on this page.
    pub article: Article,
    /// Further pages of the same article (`div.zdfy` links), in order, without this page.
    pub next_pages: Vec<Url>,
}

fn sel(s: &str) -> Css {
    Css::parse(s).expect("built-in selector is valid")
}

static H1: LazyLock<Css> = LazyLock::new(|| sel("h1"));
static HEAD_TITLE: LazyLock<Css> = LazyLock::new(|| sel("head title, title"));
static BODY: LazyLock<Css> = LazyLock::new(|| sel("body"));
static CANONICAL: LazyLock<Css> = LazyLock::new(|| sel("link[rel=canonical]"));
static IMG: LazyLock<Css> = LazyLock::new(|| sel("img"));
static ZDFY: LazyLock<Css> = LazyLock::new(|| sel("div.zdfy a"));
static BOILERPLATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:分享让更多人看到|【纠错】|【打印】|【关闭】|【返回顶部】|人\s*民\s*网\s*版\s*权\s*所\s*有.*|扫一扫.*|分享到[:：]?.*|责任编辑[:：]?\s*|推荐阅读|相关新闻|上一篇.*|下一篇.*|打印本页|关闭窗口|【字号.*|字号[:：].*|\?)$")
        .expect("static regex is valid")
});

fn same_site(a: &Url, b: &Url) -> bool {
    let strip = |h: &str| h.trim_start_matches("www.").to_ascii_lowercase();
    match (a.host_str(), b.host_str()) {
        (Some(x), Some(y)) => {
            let (x, y) = (strip(x), strip(y));
            x == y || x.ends_with(&format!(".{y}")) || y.ends_with(&format!(".{x}"))
        }
        _ => false,
    }
}

fn canonical_of(doc: &DocIndex<'_>, url: &Url) -> String {
    let candidates = doc
        .select(&CANONICAL)
        .filter_map(|l| l.value().attr("href"))
        .chain(doc.meta("og:url"));
    for href in candidates {
        if let Some(c) = resolve_http(url, href) {
            if same_site(&c, url) {
                return c.to_string();
            }
        }
    }
    url.to_string()
}

fn page_title(doc: &DocIndex<'_>) -> Option<String> {
    doc.select(&HEAD_TITLE)
        .map(|t| {
            let mut line = String::new();
            for piece in t.text() {
                super::dom::push_collapsed(&mut line, piece);
            }
            line.trim().to_string()
        })
        .find(|t| !t.is_empty())
}

/// The generic headline: the `<h1>` that best agrees with `<title>`, else `og:title`, else `<title>` split.
fn generic_title(doc: &DocIndex<'_>, exclude: &HashSet<NodeId>) -> Option<String> {
    let head = page_title(doc).unwrap_or_default();
    let h1s: Vec<String> = doc
        .select(&H1)
        .filter(|h| !exclude.contains(&h.id()))
        .map(inline_text)
        .filter(|t| t.chars().count() >= 2)
        .collect();
    if let Some(t) = h1s.iter().find(|t| head.contains(t.as_str())) {
        return Some(t.clone());
    }
    if let Some(t) = h1s.first() {
        return Some(t.clone());
    }
    if let Some(og) = doc.meta("og:title") {
        return Some(og.to_string());
    }
    let t = meta::title_from_head(&head);
    (!t.is_empty()).then_some(t)
}

/// Lines of a body container, with the profile's removed nodes left out.
fn container_lines(el: ElementRef<'_>, removed: &HashSet<NodeId>) -> Vec<String> {
    text_lines(*el, |n| removed.contains(&n.id()))
}

fn images_in(doc: &DocIndex<'_>, roots: &[NodeId], selectors: &[Css], base: &Url) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |img: ElementRef<'_>| {
        let v = img.value();
        let src = v
            .attr("data-src")
            .or_else(|| v.attr("data-original"))
            .or_else(|| v.attr("src"));
        if let Some(u) = src.and_then(|s| resolve_http(base, s)) {
            let s = u.to_string();
            if !out.contains(&s) {
                out.push(s);
            }
        }
    };
    if !selectors.is_empty() {
        for s in selectors {
            for img in doc.select(s) {
                push(img);
            }
        }
    } else {
        for id in roots {
            if let Some(el) = doc.doc().tree.get(*id).and_then(ElementRef::wrap) {
                for img in el.select(&IMG) {
                    push(img);
                }
            }
        }
    }
    out
}

fn native_ids(doc: &DocIndex<'_>, url: &Url, profile: Option<&Profile>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(p) = profile else { return out };
    for rule in &p.native_ids {
        let from_meta = rule
            .meta
            .as_deref()
            .and_then(|m| doc.meta(m))
            .map(|v| {
                v.split([',', ' ', ';'])
                    .next()
                    .unwrap_or(v)
                    .trim()
                    .to_string()
            })
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()));
        let from_url = || {
            rule.url_regex
                .as_ref()
                .and_then(|r| r.captures(url.as_str()))
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string())
        };
        if let Some(v) = from_meta.or_else(from_url) {
            out.push((rule.name.clone(), v));
        }
    }
    out
}

/// Index of the first line that starts like `needle` (first 12 characters).
fn find_line(lines: &[String], needle: &str, from: usize) -> Option<usize> {
    let key: String = needle.chars().take(12).collect();
    if key.is_empty() {
        return None;
    }
    lines
        .iter()
        .skip(from)
        .position(|l| l.contains(&key) || key.contains(l.as_str()) && l.chars().count() >= 6)
        .map(|i| i + from)
}

fn best_date(candidates: &[Option<FoundDate>]) -> Option<Published> {
    // Prefer the first candidate with a time; else the first date at all.
    candidates
        .iter()
        .flatten()
        .find(|f| f.time.is_some())
        .or_else(|| candidates.iter().flatten().next())
        .and_then(FoundDate::to_published)
}

fn next_pages(doc: &DocIndex<'_>, url: &Url, profile: Option<&Profile>) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    let generic = std::slice::from_ref(&*ZDFY);
    let selectors = profile.map_or(generic, |p| {
        if p.fields.next_pages.is_empty() {
            generic
        } else {
            &p.fields.next_pages[..]
        }
    });
    let mut this = url.clone();
    this.set_fragment(None);
    for s in selectors {
        for a in doc.select(s) {
            if let Some(u) = a.value().attr("href").and_then(|h| resolve_http(url, h)) {
                if u != this && !out.contains(&u) {
                    out.push(u);
                }
            }
        }
    }
    out
}

/// The visible lines of the page's `<body>`.
fn body_lines(doc: &DocIndex<'_>) -> Vec<String> {
    doc.select(&BODY)
        .next()
        .map(|b| text_lines(*b, |_| false))
        .unwrap_or_default()
}

fn is_mirror_text(text: &str) -> bool {
    crate::clean::is_pinyin_mirror(text)
}

/// Extracts the article on one page. `profile` is the site profile to apply (`None`: the one chosen
/// from the page by URL or signature, else the generic extractor alone, recorded as profile `generic`).
/// Sets every [`Article`] field except `encoding`.
///
/// # Errors
/// [`ExtractError::NoContent`] when the page has neither a title nor any body text.
pub fn extract_article(
    html: &str,
    url: &Url,
    profile: Option<&Profile>,
) -> Result<Extracted, ExtractError> {
    let mut flags: Vec<Flag> = Vec::new();
    let first = super::dom::parse_document(html);
    let first_index = DocIndex::new(&first);
    let (profile, profile_match) = super::profile::resolve(profile, url, html, &first_index);
    let first_lines = body_lines(&first_index);
    let repaired = if is_mirror_text(&first_lines.join("\n")) {
        let repaired = crate::clean::repair_mirror(html);
        flags.push(Flag::PinyinMirror);
        if repaired.degraded {
            flags.push(Flag::Degraded);
        }
        Some(super::dom::parse_document(&repaired.text))
    } else {
        None
    };
    let mut art = match &repaired {
        Some(doc) => {
            let index = DocIndex::new(doc);
            let lines = body_lines(&index);
            extract_from_doc(&index, lines, url, profile, &mut flags)
        }
        None => extract_from_doc(&first_index, first_lines, url, profile, &mut flags),
    };
    art.article.profile_match = profile_match;
    for f in flags {
        art.article.flag(f);
    }
    crate::clean::clean_article(&mut art.article);
    if art.article.title.trim().is_empty() && art.article.paragraphs.is_empty() {
        return Err(ExtractError::NoContent {
            url: url.to_string(),
        });
    }
    if art.article.paragraphs.is_empty() {
        art.article.flag(Flag::EmptyBody);
    }
    Ok(art)
}

#[allow(clippy::too_many_lines)]
fn extract_from_doc(
    doc: &DocIndex<'_>,
    page_lines: Vec<String>,
    url: &Url,
    profile: Option<&Profile>,
    flags: &mut Vec<Flag>,
) -> Extracted {
    let mut fallback = false;
    let removed = profile
        .map(|p| doc.matched_ids(&p.remove))
        .unwrap_or_default();
    let fields = profile.map(|p| &p.fields);

    // Title.
    let mut title = fields.and_then(|f| doc.first_text(&f.title));
    if title.is_none() {
        if let Some(p) = profile {
            title = p
                .fields
                .meta_title
                .iter()
                .find_map(|m| doc.meta(m))
                .map(str::to_string);
        }
    }
    if title.is_none() {
        if profile.is_some_and(|p| !p.fields.title.is_empty()) {
            fallback = true;
        }
        title = generic_title(doc, &removed);
    }
    if let (Some(t), Some(sep)) = (
        title.as_mut(),
        profile.and_then(|p| p.title_separator.as_deref()),
    ) {
        // A title taken from <title> still carries the site suffix.
        if t.contains(sep) && page_title(doc).is_some_and(|h| h.trim() == t.trim()) {
            *t = t.split(sep).next().unwrap_or(t).trim().to_string();
        }
    }
    let title = title
        .map(|t| crate::clean::clean_title(&t))
        .unwrap_or_default();

    let lead_title = fields.and_then(|f| doc.first_text(&f.lead_title));
    let subtitle = fields.and_then(|f| doc.first_text(&f.subtitle));

    // Body: the profile's container, else the generic extractor.
    let mut body_roots: Vec<NodeId> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    if let Some(f) = fields {
        for s in &f.body {
            if let Some((el, found)) = doc.select(s).find_map(|e| {
                let l = container_lines(e, &removed);
                (!l.is_empty()).then_some((e, l))
            }) {
                body_roots.push(el.id());
                lines = found;
                break;
            }
        }
    }
    let generic_body = lines.is_empty();
    if generic_body {
        if profile.is_some_and(|p| !p.fields.body.is_empty()) {
            fallback = true;
        }
        let body = generic::extract_body(doc.doc(), &removed);
        lines = body.paragraphs;
        body_roots = body.parts;
    }

    // The page's visible lines (`page_lines`), for header-block metadata.
    let title_idx = if title.is_empty() {
        None
    } else {
        find_line(&page_lines, &title, 0)
    };
    let first_body = lines
        .iter()
        .find(|l| l.chars().count() >= 20 && *l != &title);
    let body_idx =
        first_body.and_then(|b| find_line(&page_lines, b, title_idx.map_or(0, |i| i + 1)));
    let header: Vec<String> = match (title_idx, body_idx) {
        (Some(t), Some(b)) if b > t => page_lines[t + 1..b].to_vec(),
        (Some(t), None) => page_lines.iter().skip(t + 1).take(6).cloned().collect(),
        (None, Some(b)) => page_lines[b.saturating_sub(4)..b].to_vec(),
        _ => Vec::new(),
    };
    let header = if header.len() > 12 {
        header[header.len() - 12..].to_vec()
    } else {
        header
    };
    let header_text = header.join("\n");

    // Date.
    let mut date_candidates: Vec<Option<FoundDate>> = Vec::new();
    for key in [
        "article:published_time",
        "og:published_time",
        "datePublished",
    ] {
        if let Some(f) = doc.meta(key).and_then(meta::parse_meta_datetime) {
            if f.offset_seconds.is_some() && f.time.is_some() {
                date_candidates.push(Some(f));
            }
        }
    }
    if let Some(f) = fields {
        date_candidates.push(first_text_with(doc, &f.date, meta::first_date));
    }
    date_candidates.push(meta::first_date(&header_text));
    let meta_dates: Vec<String> = fields
        .map(|f| f.meta_date.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(
            [
                "PubDate",
                "publishdate",
                "pubdate",
                "article:published_time",
                "og:release_date",
                "datePublished",
            ]
            .map(String::from),
        )
        .collect();
    for key in &meta_dates {
        date_candidates.push(doc.meta(key).and_then(meta::parse_meta_datetime));
    }
    let epaper = lines
        .iter()
        .chain(page_lines.iter())
        .find_map(|l| meta::epaper_line(l));
    date_candidates.push(epaper.map(|(date, _)| FoundDate {
        date,
        time: None,
        offset_seconds: None,
        at: 0,
    }));
    date_candidates.push(meta::date_from_url(url).map(|date| FoundDate {
        date,
        time: None,
        offset_seconds: None,
        at: 0,
    }));
    let published = best_date(&date_candidates);

    // Source.
    let mut source = fields.and_then(|f| first_text_with(doc, &f.source, meta::parse_source));
    if source.is_none() {
        source = meta::parse_source(&header_text);
    }
    if source.is_none() {
        let keys = fields.map(|f| f.meta_source.clone()).unwrap_or_default();
        source = keys
            .iter()
            .chain(["source", "ContentSource"].map(String::from).iter())
            .find_map(|k| doc.meta(k).and_then(meta::clean_source));
    }
    if source.is_none() {
        if let (Some(sep), Some(head)) = (
            profile.and_then(|p| p.title_separator.as_deref()),
            page_title(doc),
        ) {
            let parts: Vec<&str> = head.split(sep).map(str::trim).collect();
            if parts.len() >= 3 {
                source = meta::clean_source(parts[1]);
            }
        }
    }
    if source.is_none() {
        source = profile.and_then(|p| p.default_source.clone());
    }

    // Authors.
    let mut authors = fields
        .and_then(|f| {
            first_text_with(doc, &f.authors, |t| {
                Some(meta::parse_authors(t)).filter(|a| !a.is_empty())
            })
        })
        .unwrap_or_default();
    if authors.is_empty() {
        for line in &header {
            if line.contains("作者") || line.contains("记者") || line.contains("通讯员") {
                authors = meta::parse_authors(line);
            } else if looks_like_byline(line) {
                authors = meta::split_names(line);
            }
            if !authors.is_empty() {
                break;
            }
        }
    }
    if authors.is_empty() {
        let keys = fields.map(|f| f.meta_author.clone()).unwrap_or_default();
        if let Some(a) = keys
            .iter()
            .chain(std::iter::once(&"author".to_string()))
            .find_map(|k| doc.meta(k))
            .filter(|a| !meta::is_bogus_author(a))
        {
            authors = meta::split_names(a);
        }
    }

    // Editors: the profile's node, else any editor line on the page (the last one wins).
    let mut editors = fields
        .and_then(|f| {
            first_text_with(doc, &f.editors, |t| {
                Some(meta::parse_editors(t)).filter(|e| !e.is_empty())
            })
        })
        .unwrap_or_default();
    if editors.is_empty() {
        if let Some(l) = page_lines.iter().rev().find(|l| meta::is_editor_line(l)) {
            editors = meta::parse_editors(l);
        }
    }

    // Body cleanup.
    let header_set: HashSet<&str> = header.iter().map(String::as_str).collect();
    let mut spam_removed = false;
    let mut paragraphs = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim();
        if l.is_empty()
            || BOILERPLATE_LINE.is_match(l)
            || meta::is_editor_line(l)
            || meta::epaper_line(l).is_some_and(|_| l.chars().count() < 40)
        {
            continue;
        }
        if generic_body {
            if l == title || (header_set.contains(l) && l.chars().count() < 80) {
                continue;
            }
            if title_idx.is_some()
                && i < 6
                && page_lines
                    .iter()
                    .take(title_idx.unwrap_or(0))
                    .any(|p| p == l)
                && l.chars().count() < 60
            {
                continue; // breadcrumb or kicker above the title
            }
        }
        if meta::is_byline(l) {
            continue;
        }
        if crate::clean::is_spam_block(l) {
            spam_removed = true;
            continue;
        }
        paragraphs.push(l.to_string());
    }
    if spam_removed {
        flags.push(Flag::SpamRemoved);
    }
    if fallback {
        flags.push(Flag::GenericFallback);
    }

    let image_sel = fields.map(|f| f.images.clone()).unwrap_or_default();
    let images = images_in(
        doc,
        &body_roots,
        if generic_body { &[] } else { &image_sel },
        url,
    );

    let article = Article {
        url: url.to_string(),
        canonical_url: canonical_of(doc, url),
        title,
        subtitle,
        lead_title,
        authors,
        editors,
        source,
        published,
        paragraphs,
        images,
        encoding: String::new(),
        profile: profile.map_or_else(|| "generic".to_string(), |p| p.name.clone()),
        native_ids: native_ids(doc, url, profile),
        flags: Vec::new(),
        ..Article::default()
    };
    Extracted {
        article,
        next_pages: next_pages(doc, url, profile),
    }
}

/// The first matched node text (selector order) for which `f` yields something.
fn first_text_with<T>(
    doc: &DocIndex<'_>,
    selectors: &[Css],
    f: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    selectors
        .iter()
        .find_map(|s| doc.select(s).find_map(|e| f(&inline_text(e))))
}

/// A header line that is only a short list of names (`黄洪涛`, `王磊 李卓尔`).
fn looks_like_byline(line: &str) -> bool {
    let n = line.chars().count();
    (2..=24).contains(&n)
        && line
            .chars()
            .all(|c| generic::is_han(c) || c == ' ' || c == '、' || c == '·')
        && line
            .split([' ', '、'])
            .filter(|t| !t.is_empty())
            .all(|t| (1..=4).contains(&t.chars().count()))
}

/// Joins an article's further pages onto its first: paragraphs are appended in order, lines that
/// repeat the header (title, byline, date line) or the editor credit are dropped, and missing
/// images and editors are added. Flags the result [`Flag::MultiPage`] when anything was merged.
#[must_use]
pub fn merge_pages(first: Article, rest: Vec<Article>) -> Article {
    let mut out = first;
    if rest.is_empty() {
        return out;
    }
    let mut seen: HashSet<String> = out.paragraphs.iter().cloned().collect();
    seen.insert(out.title.clone());
    for page in rest {
        for p in page.paragraphs {
            let repeated_header = p == page.title
                || meta::is_editor_line(&p)
                || (p.chars().count() < 60
                    && (meta::parse_source(&p).is_some()
                        || meta::first_date(&p).is_some_and(|_| p.chars().count() < 40)));
            if repeated_header || seen.contains(&p) {
                continue;
            }
            seen.insert(p.clone());
            out.paragraphs.push(p);
        }
        for i in page.images {
            if !out.images.contains(&i) {
                out.images.push(i);
            }
        }
        for e in page.editors {
            if !out.editors.contains(&e) {
                out.editors.push(e);
            }
        }
        for f in page.flags {
            out.flag(f);
        }
    }
    out.flag(Flag::MultiPage);
    out
}
