//! Article extraction: a profile's selectors first, the generic extractor and header-block
//! heuristics for whatever the profile misses, then metadata, body cleanup and multi-page merging.

use std::collections::HashSet;
use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::ElementRef;
use url::Url;

use super::byline::{self, NotPersons};
use super::date;
use super::dom::{inline_text, resolve_http, text_lines, Css, DocIndex};
use super::meta::{self, FoundDate};
use super::{generic, ExtractError, Profile};
use crate::model::{Article, Flag};

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
static H2: LazyLock<Css> = LazyLock::new(|| sel("h2"));
static JSON_LD: LazyLock<Css> = LazyLock::new(|| sel("script[type='application/ld+json']"));
static TIME_EL: LazyLock<Css> = LazyLock::new(|| sel("time[datetime]"));
/// Elements that hold a byline on many CMSs (`span#author_baidu` beside the font-size buttons).
static BYLINE_EL: LazyLock<Css> = LazyLock::new(|| {
    sel("#author_baidu, #author, .author, .byline, [itemprop=author], .article-author, .writer, .zuozhe, .art_author, [rel=author]")
});
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

/// The title as the page wrote it: text of `el` with whitespace collapsed, but an ideographic space
/// between words kept.
fn title_text(el: ElementRef<'_>) -> String {
    let mut raw = String::new();
    for t in el.text() {
        raw.push_str(t);
    }
    crate::clean::normalize_inline(&raw)
}

/// Whitespace-free form for comparing titles.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The chosen title, where it came from, and the other title texts the page offers.
struct PickedTitle {
    text: Option<String>,
    /// The profile had title selectors and none matched.
    fallback: bool,
    /// h1s, og:title and CMS meta titles (for the spam-prefix check).
    others: Vec<String>,
}

/// The headline. A profile's selectors first. Otherwise the title texts the page offers (`<h1>`, `og:title`,
/// CMS meta titles such as `ArticleTitle`, then `<h2>`) are compared with `<title>`: the one `<title>`
/// contains, with whatever site prefix or suffix `<title>` adds around it left out. With no agreement: the
/// first `<h1>`, else a meta title, else `<title>` cut at its site separator.
fn pick_title(
    doc: &DocIndex<'_>,
    profile: Option<&Profile>,
    exclude: &HashSet<NodeId>,
) -> PickedTitle {
    let head = page_title(doc).unwrap_or_default();
    let h1s: Vec<String> = doc
        .select(&H1)
        .filter(|h| !exclude.contains(&h.id()))
        .map(title_text)
        .filter(|t| t.chars().count() >= 2)
        .collect();
    let mut metas: Vec<String> = Vec::new();
    let profile_meta = profile
        .map(|p| p.fields.meta_title.clone())
        .unwrap_or_default();
    for key in profile_meta.iter().map(String::as_str).chain([
        "og:title",
        "twitter:title",
        "ArticleTitle",
        "title",
        "headline",
    ]) {
        if let Some(v) = doc.meta(key) {
            let v = crate::clean::normalize_inline(v);
            if v.chars().count() >= 2 && !metas.contains(&v) {
                metas.push(v);
            }
        }
    }
    let mut others: Vec<String> = h1s.clone();
    others.extend(metas.iter().cloned());

    if let Some(p) = profile {
        let from_profile = p
            .fields
            .title
            .iter()
            .find_map(|s| doc.select(s).map(title_text).find(|t| !t.is_empty()));
        let mut t = from_profile.or_else(|| {
            p.fields
                .meta_title
                .iter()
                .find_map(|m| doc.meta(m))
                .map(crate::clean::normalize_inline)
        });
        if let (Some(t), Some(sep)) = (t.as_mut(), p.title_separator.as_deref()) {
            // A title taken from <title> still carries the site suffix.
            if t.contains(sep) && head.trim() == t.trim() {
                *t = t.split(sep).next().unwrap_or(t).trim().to_string();
            }
        }
        if t.is_some() {
            return PickedTitle {
                text: t,
                fallback: false,
                others,
            };
        }
    }
    let fallback = profile.is_some_and(|p| !p.fields.title.is_empty());
    let head_sq = squash(&head);
    let h2s: Vec<String> = doc
        .select(&H2)
        .filter(|h| !exclude.contains(&h.id()))
        .take(6)
        .map(title_text)
        .filter(|t| t.chars().count() >= 4)
        .collect();
    // Candidates that <title> holds: the page's own headline, without the site's additions. The site's
    // name (a logo `<h1>` on many blogs) is held too, so the longest one that is not the site name wins.
    let site: Vec<String> = ["og:site_name", "application-name"]
        .iter()
        .filter_map(|k| doc.meta(k))
        .map(squash)
        .collect();
    // A candidate equal to the whole <title> (a meta title that copies it) only counts when nothing
    // shorter agrees.
    let mut agreed: Option<&String> = None;
    let mut whole: Option<&String> = None;
    for c in h1s.iter().chain(metas.iter()).chain(h2s.iter()) {
        let sq = squash(c);
        if sq.chars().count() < 2 || !head_sq.contains(&sq) || site.contains(&sq) {
            continue;
        }
        if sq == head_sq {
            whole = whole.or(Some(c));
        } else if agreed.is_none_or(|a| c.chars().count() > a.chars().count()) {
            agreed = Some(c);
        }
    }
    let agreed = agreed.or(whole).cloned();
    let text = agreed
        .or_else(|| {
            // A meta title that <title> starts with (site suffix) or ends with (site prefix).
            metas
                .iter()
                .find(|m| {
                    let m = squash(m);
                    m.chars().count() >= 4 && (head_sq.starts_with(&m) || head_sq.ends_with(&m))
                })
                .cloned()
        })
        .or_else(|| h1s.first().cloned())
        .or_else(|| metas.first().cloned())
        .or_else(|| {
            let t = meta::title_from_head(&head);
            (!t.is_empty()).then_some(t)
        });
    PickedTitle {
        text,
        fallback,
        others,
    }
}

/// Words a legitimate bracketed title tag uses (`【独家】`, `[视频]`).
const TITLE_TAGS: [&str; 24] = [
    "独家",
    "专题",
    "视频",
    "图解",
    "快讯",
    "评论",
    "原创",
    "聚焦",
    "关注",
    "组图",
    "图文",
    "直播",
    "专访",
    "深度",
    "时评",
    "社论",
    "转载",
    "热点",
    "特稿",
    "头条",
    "要闻",
    "权威发布",
    "工会",
    "新闻",
];
/// Words of a commercial spam prefix.
static SPAM_PREFIX_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)化妆品|官网|官方网站|公司|商城|代理|加盟|品牌|招商|厂家|批发|彩票|娱乐|棋牌|博彩|平台|网站|医院|整形|减肥|美容|珠宝|游戏|贷款|装修|培训|app|\.com|\.cn|www")
        .expect("static regex is valid")
});

/// A bracketed spam prefix on a title (`[某某化妆品]江苏工会…`): the title without it, when the bracket is
/// not a newsroom tag and either reads as an advertisement or is missing from the page's other titles.
fn spam_title_prefix(title: &str, others: &[String]) -> Option<String> {
    let t = title.trim();
    let (open, close) = match t.chars().next()? {
        '[' => ('[', ']'),
        '【' => ('【', '】'),
        '［' => ('［', '］'),
        _ => return None,
    };
    let end = t.find(close)?;
    let inner = t[open.len_utf8()..end].trim();
    let rest = t[end + close.len_utf8()..].trim();
    let n = inner.chars().count();
    if !(2..=20).contains(&n)
        || rest.chars().count() < 4
        || TITLE_TAGS.iter().any(|w| inner.contains(w))
    {
        return None;
    }
    let rest_sq = squash(rest);
    let others_lack_it = others
        .iter()
        .any(|o| squash(o) == rest_sq || (squash(o).contains(&rest_sq) && !o.contains(inner)));
    (SPAM_PREFIX_WORD.is_match(inner) || others_lack_it).then(|| rest.to_string())
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
    let first_body_pos = lines
        .iter()
        .position(|l| l.chars().count() >= 20 && *l != title && !is_meta_line(l));
    let body_idx = first_body_pos
        .and_then(|i| find_line(&page_lines, &lines[i], title_idx.map_or(0, |i| i + 1)));
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
    // Short real opening paragraphs (a quote, a bold sentence) sit between the header and the first long
    // line: they belong to the body, not the header.
    let opening: HashSet<&str> = match first_body_pos {
        Some(i) => lines[..i]
            .iter()
            .rev()
            .take_while(|l| is_opening_sentence(l))
            .map(String::as_str)
            .collect(),
        None => HashSet::new(),
    };
    let header_text = header.join("\n");
    // Lines after the body on the page (where 发布日期, 作者 and 来源 lines also sit).
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

    // Source.
    let mut source = fields.and_then(|f| first_text_with(doc, &f.source, meta::parse_source));
    if source.is_none() {
        source = meta::parse_source(&header_text);
    }
    if source.is_none() {
        source = lines
            .iter()
            .take(2)
            .filter(|l| date::is_dateline(l))
            .find_map(|l| meta::parse_source(l));
    }
    if source.is_none() {
        let keys = fields.map(|f| f.meta_source.clone()).unwrap_or_default();
        source = keys
            .iter()
            .chain(["source", "ContentSource"].map(String::from).iter())
            .find_map(|k| doc.meta(k).and_then(meta::clean_source));
    }
    if source.is_none() {
        source = lines
            .iter()
            .rev()
            .take(3)
            .map(String::as_str)
            .chain(after.iter().copied())
            .filter(|l| l.chars().count() <= 40)
            .find_map(meta::parse_source);
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

    // Date: scored candidates.
    let mut dates = date::Candidates::default();
    if let Some(f) = fields {
        if let Some(text) =
            first_text_with(doc, &f.date, |t| meta::first_date(t).map(|_| t.to_string()))
        {
            dates.push_line(&text, date::place::PROFILE);
        }
    }
    for (i, line) in header.iter().enumerate() {
        let penalty = i32::try_from(i).unwrap_or(12);
        dates.push_line(line, date::place::HEADER - penalty);
    }
    for line in lines.iter().take(2) {
        if date::is_dateline(line) {
            dates.push_line(line, date::place::DATELINE);
        }
    }
    for script in doc.select(&JSON_LD) {
        let text: String = script.text().collect();
        if let Some(f) = date::json_ld_published(&text) {
            dates.push(f, date::place::JSON_LD);
            break;
        }
    }
    let meta_dates: Vec<String> = fields
        .map(|f| f.meta_date.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(STRONG_META_DATES.iter().map(|s| (*s).to_string()))
        .collect();
    for key in &meta_dates {
        if let Some(f) = doc.meta(key).and_then(meta::parse_meta_datetime) {
            dates.push(f, date::place::META);
        }
    }
    for key in WEAK_META_DATES {
        if let Some(f) = doc.meta(key).and_then(meta::parse_meta_datetime) {
            dates.push(f, date::place::META_WEAK);
        }
    }
    for t in doc.select(&TIME_EL).take(3) {
        let v = t.value();
        let Some(f) = v.attr("datetime").and_then(meta::parse_meta_datetime) else {
            continue;
        };
        let marked = v.attr("pubdate").is_some()
            || v.attr("itemprop")
                .is_some_and(|p| p.eq_ignore_ascii_case("datePublished"));
        dates.push(
            f,
            if marked {
                date::place::TIME_PUB
            } else {
                date::place::TIME
            },
        );
    }
    for line in lines
        .iter()
        .rev()
        .take(3)
        .map(String::as_str)
        .chain(after.iter().copied())
    {
        if date::is_labelled_after_line(line) {
            dates.push_line(line, date::place::AFTER_LABELLED);
        } else if line.chars().count() <= 40 && date::is_dateline(line) {
            dates.push_line(line, date::place::AFTER_BARE);
        }
    }
    if let Some((d, _)) = lines
        .iter()
        .chain(page_lines.iter())
        .find_map(|l| meta::epaper_line(l))
    {
        dates.push(FoundDate::day(d, 0), date::place::EPAPER);
    }
    let url_date = meta::date_from_url(url);
    if let Some(d) = url_date {
        dates.push(FoundDate::day(d, 0), date::place::URL);
    }
    let (published, published_precision) = match dates.pick(url_date) {
        Some((p, pr)) => (Some(p), Some(pr)),
        None => (None, None),
    };

    // Who is never an author on this page: the site, the outlet, the columns.
    let mut not = NotPersons::default();
    for key in [
        "og:site_name",
        "application-name",
        "SiteName",
        "sitename",
        "ColumnName",
        "publisher",
    ] {
        if let Some(v) = doc.meta(key) {
            not.add(v);
        }
    }
    if let Some(s) = &source {
        not.add(s);
    }
    if let Some(s) = profile.and_then(|p| p.default_source.as_deref()) {
        not.add(s);
    }
    if let Some(host) = url.host_str() {
        not.add(host);
    }
    if let Some(head) = page_title(doc) {
        let parts: Vec<&str> = head
            .split(['_', '|', '｜', '—', '–', '»', '›', '·'])
            .flat_map(|p| p.split(" - "))
            .flat_map(|p| p.split("--"))
            .chain(head.split('-'))
            .collect();
        for part in parts {
            let part = part.trim();
            if part != title
                && !part.is_empty()
                && !super::names::is_person_name(part, &NotPersons::default())
            {
                not.add(part);
            }
        }
    }

    // Authors: the first place that gives validated names.
    let mut authors = fields
        .and_then(|f| {
            first_text_with(doc, &f.authors, |t| {
                Some(byline::parse_authors_not(t, &not)).filter(|a| !a.is_empty())
            })
        })
        .unwrap_or_default();
    if authors.is_empty() {
        for line in &header {
            authors = byline::from_line(line, &not);
            if authors.is_empty() {
                authors = byline::from_labelled(line, &not);
            }
            if authors.is_empty() {
                authors = byline::bare_names(line, &not);
            }
            if !authors.is_empty() {
                break;
            }
        }
    }
    if authors.is_empty() {
        authors = doc
            .select(&BYLINE_EL)
            .take(4)
            .map(|e| byline::parse_authors_not(&inline_text(e), &not))
            .find(|a| !a.is_empty())
            .unwrap_or_default();
    }
    if authors.is_empty() {
        authors = lines
            .iter()
            .take(3)
            .map(|l| {
                let lead = byline::from_lead(l, &not);
                if lead.is_empty() {
                    byline::from_line(l, &not)
                } else {
                    lead
                }
            })
            .find(|a| !a.is_empty())
            .unwrap_or_default();
    }
    if authors.is_empty() {
        authors = lines
            .iter()
            .rev()
            .take(3)
            .map(String::as_str)
            .chain(after.iter().take(4).copied())
            .map(|l| byline::from_line(l, &not))
            .find(|a| !a.is_empty())
            .unwrap_or_default();
    }
    if authors.is_empty() {
        if let Some(last) = lines.iter().rev().find(|l| l.chars().count() > 40) {
            authors = byline::from_paragraph_end(last, &not);
        }
    }
    if authors.is_empty() {
        let keys = fields.map(|f| f.meta_author.clone()).unwrap_or_default();
        let found = keys
            .iter()
            .map(String::as_str)
            .chain(["author", "article:author", "byl", "dc.creator"])
            .find_map(|k| doc.meta(k))
            .filter(|a| !byline::is_bogus_author(a));
        if let Some(a) = found {
            authors =
                super::names::split_names(a.trim_start_matches("By ").trim_start_matches("by "))
                    .into_iter()
                    .filter(|n| super::names::is_person_name(n, &not))
                    .collect();
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
        if let Some(e) = page_lines
            .iter()
            .rev()
            .filter(|l| meta::is_editor_line(l))
            .map(|l| meta::parse_editors(l))
            .find(|e| !e.is_empty())
        {
            editors = e;
        }
    }
    if editors.is_empty() {
        if let Some(e) = lines
            .iter()
            .rev()
            .take(3)
            .find_map(|l| meta::strip_trailing_editor(l).map(|_| meta::parse_editors(l)))
            .filter(|e| !e.is_empty())
        {
            editors = e;
        }
    }

    // An editor is never an author (`meta author` often names the 责任编辑).
    authors.retain(|a| !editors.contains(a));

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
            if l == title
                || (header_set.contains(l) && l.chars().count() < 80 && !opening.contains(l))
            {
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
        if byline::is_byline(l) {
            continue;
        }
        if crate::clean::is_spam_block(l) {
            spam_removed = true;
            continue;
        }
        let l = meta::strip_trailing_editor(l).unwrap_or_else(|| l.to_string());
        paragraphs.push(l);
    }
    trim_ends(&mut paragraphs, &title);
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

/// `<meta>` names that hold the publication time.
const STRONG_META_DATES: [&str; 16] = [
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datePublished",
    "PubDate",
    "publishdate",
    "pubdate",
    "publish_date",
    "publication_date",
    "firstpublishedtime",
    "og:release_date",
    "dc.date.issued",
    "DC.date.issued",
    "parsely-pub-date",
    "sailthru.date",
    "weibo:article:create_at",
];
/// `<meta>` names that usually, but not always, hold it.
const WEAK_META_DATES: [&str; 5] = ["date", "dc.date", "DC.date", "Date", "dcterms.created"];

/// A line of metadata rather than prose: a dateline, or labels such as 来源, 作者, 发布时间, 编辑, 浏览 with no
/// sentence in it.
fn is_meta_line(line: &str) -> bool {
    static LABELS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"来\s*源|稿源|作\s*者|发布时间|发布日期|发表时间|时间[:：]|日期[:：]|编辑[:：]|浏览|点击|阅读[:：数量]|字号")
            .expect("static regex is valid")
    });
    let l = line.trim();
    let n = l.chars().count();
    n < 120
        && !l.contains('。')
        && (date::is_dateline(l)
            || LABELS.find_iter(l).count() >= 2
            || (LABELS.is_match(l) && meta::first_date(l).is_some()))
}

/// A short line that opens an article as a sentence (a quote, a bold lead-in), not as page furniture.
fn is_opening_sentence(line: &str) -> bool {
    let l = line.trim();
    let n = l.chars().count();
    (4..20).contains(&n)
        && l.chars().any(generic::is_han)
        && !date::is_dateline(l)
        && meta::parse_source(l).is_none()
        && !byline::is_byline(l)
        && !meta::is_editor_line(l)
        && !is_end_noise(l)
        && (l.ends_with(['。', '！', '？', '”', '」', '…', '!', '?'])
            || l.starts_with(['“', '「', '"'])
            || (l.contains('，') && n >= 8))
}

/// Page furniture that leaks into the first or last lines of a body: editor credits, QR and 公众号
/// prompts, pagers, share/like/gallery widgets, 原标题/出品/策划 credit blocks, 【纠错】-style links,
/// view counters, "related" headings, datelines.
fn is_end_noise(line: &str) -> bool {
    let l = line.trim();
    if l.is_empty() || meta::is_editor_line(l) || END_NOISE.is_match(l) {
        return true;
    }
    let n = l.chars().count();
    if n <= 40 && (l.contains("下一页") || l.contains("上一页") || l.contains("尾页")) {
        let mut stripped = l.to_string();
        for w in ["下一页", "上一页", "首页", "尾页", "末页", "共", "页", "第"] {
            stripped = stripped.replace(w, "");
        }
        let rest: String = stripped
            .chars()
            .filter(|c| {
                !c.is_ascii_digit() && !c.is_whitespace() && !"[]【】<>«»‹›:：|".contains(*c)
            })
            .collect();
        return rest.is_empty();
    }
    false
}

static END_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?x)^(?:
        [+＋]\s*1
      | (?:图集|组图|点赞|赞|收藏|分享|打印|关闭|返回|返回顶部|顶部|举报|纠错|评论|复制链接|\s|\||｜)+
      | (?:【[^】]{1,8}】\s*)+
      | (?:\[[^\]]{1,8}\]\s*)+
      | .{0,20}(?:扫码|扫一扫|长按|识别二维码|扫描二维码|微信扫描).{0,40}
      | .{0,20}关注.{0,12}(?:公众号|微信号|客户端|视频号|抖音号).{0,40}
      | (?:原标题|出品|策划|监制|统筹|制作|设计|校对|审核|终审|编审|视频|海报|图片来源|题图|封面图)\s*[:：].{0,80}
      | .{0,8}(?:阅读|浏览|点击)(?:量|数|次数)?\s*[:：]?\s*\d+.{0,10}
      | (?:相关(?:新闻|阅读|链接|文章|报道)|推荐阅读|延伸阅读|热点推荐|猜你喜欢|往期回顾)\s*[:：]?
      | (?:本文|文章|稿件|信息)?来源\s*[:：].{0,30}
      | (?:本文)?转(?:载)?自.{0,30}
      | (?:声明|免责声明|版权声明)\s*[:：].{0,200}
      | 点击(?:进入|查看|阅读).{0,40}
      | (?:\s*[【\[（(]?\s*(?:编辑|责编|责任编辑|审核|校对|终审|编审|初审|复审|统筹|策划|监制|制作|设计|出品|作者|记者|摄影|视频|文字|图片|海报|来源|翻译|排版)\s*[:：丨︱|｜/]\s*[^:：。]{1,24}?\s*[】\]）)]?\s*[|｜丨;；,，]?\s*){1,6}
    )$")
    .expect("static regex is valid")
});

/// Drops page furniture from both ends of a body (see [`is_end_noise`]), and a dateline that opens it.
fn trim_ends(paragraphs: &mut Vec<String>, title: &str) {
    while paragraphs
        .first()
        .is_some_and(|p| is_end_noise(p) || is_meta_line(p) || p == title)
    {
        paragraphs.remove(0);
    }
    while paragraphs.last().is_some_and(|p| {
        is_end_noise(p)
            || (p.chars().count() <= 40 && date::is_dateline(p))
            || (p.chars().count() <= 60
                && !p.contains('。')
                && date::is_labelled_after_line(p)
                && meta::first_date(p).is_some())
    }) {
        paragraphs.pop();
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
