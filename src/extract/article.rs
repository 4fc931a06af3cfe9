//! Article extraction: a profile's selectors first, the generic extractor and header-block
//! heuristics for whatever the profile misses, then metadata, body cleanup and multi-page merging.

use std::collections::HashSet;
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::ElementRef;
use url::Url;

use super::dom::{inline_text, resolve_http, text_lines, Css, DocIndex};
use super::{generic, meta, ExtractError, Profile};
use crate::model::{Article, Flag};

mod ends;
mod fields;
mod title;

use ends::{is_meta_line, is_opening_sentence};
use title::{pick_title, spam_title_prefix};

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

static BODY: LazyLock<Css> = LazyLock::new(|| sel("body"));
static CANONICAL: LazyLock<Css> = LazyLock::new(|| sel("link[rel=canonical]"));
static IMG: LazyLock<Css> = LazyLock::new(|| sel("img"));
static ZDFY: LazyLock<Css> = LazyLock::new(|| sel("div.zdfy a"));

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

/// The body's lines, the nodes they came from, and whether the generic extractor found them: the
/// profile's container, else the generic extractor (which sets `fallback` when the profile had one).
fn body(
    doc: &DocIndex<'_>,
    profile: Option<&Profile>,
    removed: &HashSet<NodeId>,
    fallback: &mut bool,
) -> (Vec<String>, Vec<NodeId>, bool) {
    let mut body_roots: Vec<NodeId> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    if let Some(p) = profile {
        for s in &p.fields.body {
            if let Some((el, found)) = doc.select(s).find_map(|e| {
                let l = container_lines(e, removed);
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
            *fallback = true;
        }
        let body = generic::extract_body(doc.doc(), removed);
        lines = body.paragraphs;
        body_roots = body.parts;
    }
    (lines, body_roots, generic_body)
}

/// Where the body sits among the page's visible lines: the header block between the title and the body
/// (where the meta line is), the lines after the body (where 发布日期, 作者 and 来源 lines also sit), and the
/// short real opening paragraphs that belong to the body, not the header.
struct Layout<'p> {
    /// The visible lines of the whole page.
    page_lines: &'p [String],
    /// The body's lines (before cleanup).
    lines: &'p [String],
    /// Where the title is among `page_lines`.
    title_idx: Option<usize>,
    /// Up to 12 lines between the title and the body.
    header: Vec<String>,
    /// Up to 8 lines after the body.
    after: Vec<&'p str>,
    /// Short opening sentences (a quote, a bold lead-in) between the header and the first long line.
    opening: HashSet<&'p str>,
}

impl<'p> Layout<'p> {
    fn new(page_lines: &'p [String], lines: &'p [String], title: &str) -> Self {
        let title_idx = if title.is_empty() {
            None
        } else {
            find_line(page_lines, title, 0)
        };
        let first_body_pos = lines
            .iter()
            .position(|l| l.chars().count() >= 20 && *l != title && !is_meta_line(l));
        let body_idx = first_body_pos
            .and_then(|i| find_line(page_lines, &lines[i], title_idx.map_or(0, |i| i + 1)));
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
        let opening: HashSet<&str> = match first_body_pos {
            Some(i) => lines[..i]
                .iter()
                .rev()
                .take_while(|l| is_opening_sentence(l))
                .map(String::as_str)
                .collect(),
            None => HashSet::new(),
        };
        let last_body_idx = lines
            .iter()
            .rev()
            .find(|l| l.chars().count() >= 12)
            .and_then(|l| {
                let key: String = l.chars().take(12).collect();
                page_lines.iter().rposition(|p| p.contains(&key))
            });
        let after: Vec<&str> = last_body_idx
            .map(|i| {
                page_lines
                    .iter()
                    .skip(i + 1)
                    .take(8)
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default();
        Layout {
            page_lines,
            lines,
            title_idx,
            header,
            after,
            opening,
        }
    }
}

/// The visible lines of the page's `<body>`.
fn body_lines(doc: &DocIndex<'_>) -> Vec<String> {
    doc.select(&BODY)
        .next()
        .map(|b| text_lines(*b, |_| false))
        .unwrap_or_default()
}

/// Extracts the article on one page. `profile` is the site profile to apply (`None`: the one chosen
/// from the page by URL or signature, else the generic extractor alone, recorded as profile `generic`).
/// Sets every [`Article`] field except `encoding`.
///
/// The steps, in order: [`parse_page`] (parse, choose the profile), [`repair_mirror_copy`] (a pinyin-annotated
/// mirror copy is repaired by [`crate::clean::repair_mirror`] and parsed again; skipped, without looking at the
/// parsed text, when [`crate::clean::may_be_pinyin_mirror`] rules a mirror out from the raw text), [`extract_from_doc`] (the
/// fields from the DOM), [`clean_fields`] (the text clean-up of [`crate::clean::clean_article`]) and
/// [`check_content`] (a page with neither title nor body is an error).
///
/// # Errors
/// [`ExtractError::NoContent`] when the page has neither a title nor any body text.
pub fn extract_article(
    html: &str,
    url: &Url,
    profile: Option<&Profile>,
) -> Result<Extracted, ExtractError> {
    let mut flags: Vec<Flag> = Vec::new();
    // Decided from the text about to be parsed (script, style and noscript bodies already cut: their text
    // never reaches the page's lines): a page without any tone-marked vowel (as a character or a reference)
    // is no mirror copy, so it is parsed once and its body text is not searched for annotations.
    let text = super::dom::article_text(html);
    let may_be_mirror = crate::clean::may_be_pinyin_mirror(&text);
    let first = scraper::Html::parse_document(&text);
    drop(text);
    let first_index = DocIndex::new(&first);
    let (profile, profile_match) = parse_page(profile, url, html, &first_index);
    let first_lines = body_lines(&first_index);
    let repaired = if may_be_mirror {
        repair_mirror_copy(html, &first_lines, &mut flags)
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
    clean_fields(&mut art.article);
    check_content(&mut art.article, url)?;
    Ok(art)
}

/// Step 1: the profile for a parsed page (the one given, else chosen by URL or page signature) and why.
fn parse_page<'p>(
    given: Option<&'p Profile>,
    url: &Url,
    html: &str,
    doc: &DocIndex<'_>,
) -> (Option<&'p Profile>, crate::model::ProfileMatch) {
    super::profile::resolve(given, url, html, doc)
}

/// Step 2: when the page's text is a pinyin-annotated Traditional mirror copy, the page repaired by the
/// cleaner and parsed again (flagged [`Flag::PinyinMirror`], and [`Flag::Degraded`] when characters were
/// lost); `None` for an ordinary page.
fn repair_mirror_copy(
    html: &str,
    lines: &[String],
    flags: &mut Vec<Flag>,
) -> Option<scraper::Html> {
    if !crate::clean::is_pinyin_mirror(&lines.join("\n")) {
        return None;
    }
    let repaired = crate::clean::repair_mirror(html);
    flags.push(Flag::PinyinMirror);
    if repaired.degraded {
        flags.push(Flag::Degraded);
    }
    Some(super::dom::parse_article_document(&repaired.text))
}

/// Step 4: the text clean-up of the extracted fields (Traditional→Simplified, spam blocks, stuffed title
/// segments, whitespace), done by [`crate::clean::clean_article`].
fn clean_fields(article: &mut Article) {
    crate::clean::clean_article(article);
}

/// Step 5: a page with neither title nor body text is an error; one with no body is flagged
/// [`Flag::EmptyBody`].
fn check_content(article: &mut Article, url: &Url) -> Result<(), ExtractError> {
    if article.title.trim().is_empty() && article.paragraphs.is_empty() {
        return Err(ExtractError::NoContent {
            url: url.to_string(),
        });
    }
    if article.paragraphs.is_empty() {
        article.flag(Flag::EmptyBody);
    }
    Ok(())
}

/// Step 3: every field from one parsed page.
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
    let picked = pick_title(doc, profile, &removed);
    if picked.fallback {
        fallback = true;
    }
    let mut title = picked
        .text
        .map(|t| crate::clean::clean_title(&t))
        .unwrap_or_default();
    if let Some(rest) = spam_title_prefix(&title, &picked.others) {
        title = rest;
        flags.push(Flag::SpamTitlePrefix);
    }

    let lead_title = fields.and_then(|f| doc.first_text(&f.lead_title));
    let subtitle = fields.and_then(|f| doc.first_text(&f.subtitle));
    let (lines, body_roots, generic_body) = body(doc, profile, &removed, &mut fallback);
    let layout = Layout::new(&page_lines, &lines, &title);
    let source = fields::source(doc, profile, &layout);
    let (published, published_precision) = fields::published(doc, fields, &layout, url);
    let not = fields::not_persons(doc, profile, source.as_ref(), url, &title);
    let mut authors = fields::authors(doc, fields, &layout, &not);
    let editors = fields::editors(doc, fields, &layout);
    // An editor is never an author (`meta author` often names the 责任编辑).
    authors.retain(|a| !editors.contains(a));
    let (paragraphs, spam_removed) = ends::body_paragraphs(&layout, &title, generic_body);
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
        published_precision,
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
