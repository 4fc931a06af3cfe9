//! The fields around the body, each from scored or ordered candidates: the source, the publication date,
//! the authors (validated names, never the page's own site or outlet) and the editors.

use std::sync::LazyLock;

use url::Url;

use super::super::byline::{self, NotPersons};
use super::super::dom::{inline_text, Css, DocIndex};
use super::super::meta::{self, FoundDate};
use super::super::{date, FieldSelectors, Profile};
use super::title::page_title;
use super::{first_text_with, sel, Layout};
use crate::model::{Precision, Published};

/// `<script>` elements (looked up by tag; [`json_ld_scripts`] keeps the JSON-LD ones).
static SCRIPT: LazyLock<Css> = LazyLock::new(|| sel("script"));

/// The page's JSON-LD blocks, by tag lookup (a quoted attribute selector would match against every element).
fn json_ld_scripts<'a, 'd>(
    doc: &'d DocIndex<'a>,
) -> impl Iterator<Item = scraper::ElementRef<'a>> + 'd {
    doc.select(&SCRIPT).filter(|s| {
        s.value()
            .attr("type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
    })
}
static TIME_EL: LazyLock<Css> = LazyLock::new(|| sel("time[datetime]"));
/// Class tokens of elements marked as the publication date (microformats and common templates).
const DATE_MARKED_CLASSES: [&str; 8] = [
    "published",
    "entry-date",
    "post-date",
    "article-date",
    "date-published",
    "publish-date",
    "published-date",
    "pubdate",
];
/// Class tokens that only say "date": the article's date on many templates, but also on teaser lists.
const DATE_PLAIN_CLASSES: [&str; 6] = [
    "date",
    "datum",
    "article-meta",
    "entry-meta",
    "post-meta",
    "date-author",
];

/// Up to three elements marked as the publication date (microdata or RDFa `datePublished`/`dateCreated`/
/// `uploadDate` on any element but `<meta>`, a Blogger `abbr.published`, `.entry-date`, `.post-date`…), and up
/// to three whose class only says "date" (`span.date`, `.datum`, a class ending in `-date` or `_date`), in
/// page order, found in one pass over the elements.
fn date_elements<'a>(
    doc: &DocIndex<'a>,
) -> (Vec<scraper::ElementRef<'a>>, Vec<scraper::ElementRef<'a>>) {
    let (mut marked, mut plain) = (Vec::new(), Vec::new());
    for node in doc.doc().tree.nodes() {
        if marked.len() >= 3 && plain.len() >= 3 {
            break;
        }
        let Some(el) = scraper::ElementRef::wrap(node) else {
            continue;
        };
        let v = el.value();
        if v.name() == "meta" {
            continue;
        }
        // One pass over the attributes by name (`Element::attr` interns its argument on every call).
        let mut by_prop = false;
        let mut class_attr = "";
        for (name, value) in v.attrs() {
            match name {
                "itemprop" | "property" => {
                    by_prop |= value.split_whitespace().any(|p| {
                        let p = p.trim_start_matches("schema:");
                        p.eq_ignore_ascii_case("datePublished")
                            || p.eq_ignore_ascii_case("dateCreated")
                            || p.eq_ignore_ascii_case("uploadDate")
                    });
                }
                "class" => class_attr = value,
                _ => {}
            }
        }
        if !by_prop && class_attr.is_empty() {
            continue;
        }
        let by_class = |list: &[&str]| {
            class_attr
                .split_ascii_whitespace()
                .any(|c| list.iter().any(|l| c.eq_ignore_ascii_case(l)))
        };
        if by_prop || by_class(&DATE_MARKED_CLASSES) {
            if marked.len() < 3 {
                marked.push(el);
            }
        } else if (by_class(&DATE_PLAIN_CLASSES)
            || class_attr
                .split_ascii_whitespace()
                .any(|c| c.ends_with("-date") || c.ends_with("_date")))
            && plain.len() < 3
        {
            plain.push(el);
        }
    }
    (marked, plain)
}
/// Elements that hold a byline on many CMSs (`span#author_baidu` beside the font-size buttons).
static BYLINE_EL: LazyLock<Css> = LazyLock::new(|| {
    sel("#author_baidu, #author, .author, .byline, [itemprop=author], .article-author, .writer, .zuozhe, .art_author, [rel=author]")
});

/// `来源`: the profile's node, the header block, a dateline, meta tags, the closing lines, the `<title>`'s
/// middle part (with the profile's separator), the profile's default.
pub(super) fn source(
    doc: &DocIndex<'_>,
    profile: Option<&Profile>,
    layout: &Layout<'_>,
) -> Option<String> {
    let fields = profile.map(|p| &p.fields);
    let Layout {
        lines,
        after,
        header,
        ..
    } = layout;
    let header_text = header.join("\n");
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
    source
}

/// The publication date and its precision: the best-scored candidate (see [`date::Candidates`]).
pub(super) fn published(
    doc: &DocIndex<'_>,
    fields: Option<&FieldSelectors>,
    layout: &Layout<'_>,
    url: &Url,
) -> (Option<Published>, Option<Precision>) {
    let Layout {
        lines,
        after,
        header,
        page_lines,
        ..
    } = layout;
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
    for script in json_ld_scripts(doc) {
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
                .is_some_and(|p| p.eq_ignore_ascii_case("datePublished"))
            || v.has_class("published", scraper::CaseSensitivity::AsciiCaseInsensitive);
        dates.push(
            f,
            if marked {
                date::place::TIME_PUB
            } else {
                date::place::TIME
            },
        );
    }
    let (marked, plain) = date_elements(doc);
    for (els, base) in [
        (marked, date::place::TIME_PUB),
        (plain, date::place::DATE_CLASS),
    ] {
        for el in els {
            let v = el.value();
            let from_attr = ["content", "datetime", "title"]
                .iter()
                .filter_map(|a| v.attr(a))
                .find_map(meta::parse_meta_datetime);
            if let Some(f) = from_attr {
                dates.push(f, base);
            } else {
                let text = inline_text(el);
                if text.chars().count() <= 80 {
                    dates.push_line(&text, base);
                }
            }
        }
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
    // A short labelled date line anywhere on the page (`Datum: 03.11.2021`, `Veröffentlicht am …`,
    // `发布时间：…`): weaker than every marked place, stronger than the URL.
    if let Some(line) = page_lines.iter().find(|l| date::is_labelled_date_line(l)) {
        dates.push_line(line, date::place::PAGE_LABELLED);
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
    match dates.pick(url_date) {
        Some((p, pr)) => (Some(p), Some(pr)),
        None => (None, None),
    }
}

/// Who is never an author on this page: the site, the outlet, the columns, the host, the `<title>`'s parts.
pub(super) fn not_persons(
    doc: &DocIndex<'_>,
    profile: Option<&Profile>,
    source: Option<&String>,
    url: &Url,
    title: &str,
) -> NotPersons {
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
    if let Some(s) = source {
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
                && !super::super::names::is_person_name(part, &NotPersons::default())
            {
                not.add(part);
            }
        }
    }
    not
}

/// Authors: the first place that gives validated names (the profile's node, JSON-LD, the header block, byline
/// elements, the lead, the closing lines, the last paragraph's end, meta tags).
pub(super) fn authors(
    doc: &DocIndex<'_>,
    fields: Option<&FieldSelectors>,
    layout: &Layout<'_>,
    not: &NotPersons,
) -> Vec<String> {
    let Layout {
        lines,
        after,
        header,
        ..
    } = layout;
    let mut authors = fields
        .and_then(|f| {
            first_text_with(doc, &f.authors, |t| {
                Some(byline::parse_authors_not(t, not)).filter(|a| !a.is_empty())
            })
        })
        .unwrap_or_default();
    if authors.is_empty() {
        authors = json_ld_scripts(doc)
            .map(|s| byline::from_json_ld(&s.text().collect::<String>(), not))
            .find(|a| !a.is_empty())
            .unwrap_or_default();
    }
    if authors.is_empty() {
        for line in header {
            authors = byline::from_line(line, not);
            if authors.is_empty() {
                authors = byline::from_labelled(line, not);
            }
            if authors.is_empty() {
                authors = byline::bare_names(line, not);
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
            .map(|e| byline::parse_authors_not(&inline_text(e), not))
            .find(|a| !a.is_empty())
            .unwrap_or_default();
    }
    if authors.is_empty() {
        authors = lines
            .iter()
            .take(3)
            .map(|l| {
                let lead = byline::from_lead(l, not);
                if lead.is_empty() {
                    byline::from_line(l, not)
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
            .map(|l| byline::from_line(l, not))
            .find(|a| !a.is_empty())
            .unwrap_or_default();
    }
    if authors.is_empty() {
        if let Some(last) = lines.iter().rev().find(|l| l.chars().count() > 40) {
            authors = byline::from_paragraph_end(last, not);
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
            authors = super::super::names::split_names(
                a.trim_start_matches("By ").trim_start_matches("by "),
            )
            .into_iter()
            .filter(|n| super::super::names::is_person_name(n, not))
            .collect();
        }
    }
    authors
}

/// Editors: the profile's node, else any editor line on the page (the last one wins), else an editor
/// credit at the end of one of the last paragraphs.
pub(super) fn editors(
    doc: &DocIndex<'_>,
    fields: Option<&FieldSelectors>,
    layout: &Layout<'_>,
) -> Vec<String> {
    let Layout {
        lines, page_lines, ..
    } = layout;
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
    editors
}

/// `<meta>` names that hold the publication time.
const STRONG_META_DATES: &[&str] = &[
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
    "cXenseParse:recs:publishtime",
    "citation_publication_date",
    "published_time",
    "article:published",
    "dcterms.issued",
    "DC.date.created",
];
/// `<meta>` names that usually, but not always, hold it.
const WEAK_META_DATES: [&str; 7] = [
    "date",
    "dc.date",
    "DC.date",
    "Date",
    "dcterms.created",
    "dcterms.date",
    "DCTERMS.date",
];
