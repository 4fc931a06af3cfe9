//! Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) → entries, via feed-rs. Bytes are decoded first by the
//! XML-declared encoding (GB2312/GBK labels decode as GB18030), because several parsers reject
//! legacy Chinese encodings; entries without a usable http(s) link are skipped. Entry times keep the offset
//! the feed wrote (feed-rs normalises them to UTC; the raw date values are read back for their offsets).

use std::sync::LazyLock;

use regex::bytes::Regex as BytesRegex;
use url::Url;

use super::dom::{resolve_http, text_lines};
use super::ExtractError;
use crate::model::{Article, Published};

/// Content shorter than this (characters of text) counts as a summary, not the full article.
pub(crate) const SUMMARY_MAX_CHARS: usize = 200;

/// One feed entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The entry's article link (absolute http(s)).
    pub link: Url,
    /// Title text.
    pub title: String,
    /// Publication (or update) time.
    pub published: Option<Published>,
    /// Author names.
    pub authors: Vec<String>,
    /// Summary/description (HTML or text).
    pub summary: Option<String>,
    /// Full content (HTML), when the feed carries it.
    pub content_html: Option<String>,
}

static XML_ENCODING: LazyLock<BytesRegex> = LazyLock::new(|| {
    BytesRegex::new(r#"(?i)^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']"#)
        .expect("static regex is valid")
});

/// Decodes feed bytes to UTF-8 text: BOM, then the XML declaration's label (gb2312/gbk → GB18030),
/// else UTF-8; rewrites the declaration to say UTF-8.
#[must_use]
pub fn decode_feed(bytes: &[u8]) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return declare_utf8(&text);
    }
    let head = &bytes[..bytes.len().min(512)];
    let label = XML_ENCODING
        .captures(head)
        .and_then(|c| c.get(1))
        .map(|m| m.as_bytes().to_vec());
    let enc = label
        .as_deref()
        .and_then(encoding_rs::Encoding::for_label)
        .map(|e| {
            if e == encoding_rs::GBK {
                encoding_rs::GB18030
            } else {
                e
            }
        })
        .unwrap_or(encoding_rs::UTF_8);
    let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        encoding_rs::UTF_8
    } else {
        enc
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    declare_utf8(&text)
}

fn declare_utf8(text: &str) -> String {
    static DECL: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r#"(?i)^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']"#)
            .expect("static regex is valid")
    });
    DECL.replace(text, "${1}\"utf-8\"").into_owned()
}

fn to_published(ts: i64, nanos: u32) -> Option<Published> {
    let instant = jiff::Timestamp::new(ts, i32::try_from(nanos).ok()?).ok()?;
    Some(Published {
        instant,
        offset: jiff::tz::Offset::UTC,
    })
}

/// The date values a feed's raw text holds (`pubDate`, `published`, `updated`, `dc:date`, JSON Feed
/// `date_published`), each read with the offset it was written in: feed-rs gives instants in UTC, and a
/// Chinese feed's `+0800` must survive into the article.
fn written_offsets(text: &str) -> Vec<(i64, jiff::tz::Offset)> {
    static RAW: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r#"(?i)<(?:pubDate|published|updated|dc:date|issued|modified|created)\b[^>]*>\s*(?:<!\[CDATA\[)?\s*(?P<x>[^<\]]{8,64}?)\s*(?:\]\]>)?\s*</|"date_(?:published|modified)"\s*:\s*"(?P<j>[^"]{8,64})""#)
            .expect("static regex is valid")
    });
    let mut out: Vec<(i64, jiff::tz::Offset)> = Vec::new();
    for c in RAW.captures_iter(text).take(10_000) {
        let Some(v) = c
            .name("x")
            .or_else(|| c.name("j"))
            .map(|m| m.as_str().trim())
        else {
            continue;
        };
        let parsed = jiff::fmt::rfc2822::parse(v)
            .ok()
            .map(|z| (z.timestamp().as_second(), z.offset()))
            .or_else(|| Published::parse_rfc3339(v).map(|p| (p.unix_seconds(), p.offset)));
        if let Some((secs, offset)) = parsed {
            if !out.iter().any(|(s, _)| *s == secs) {
                out.push((secs, offset));
            }
        }
    }
    out
}

/// Characters XML 1.0 forbids (C0 controls but tab, CR and LF; U+FFFE, U+FFFF): real feeds carry them
/// (Miniflux #492), strict parsers reject them, so they are dropped before parsing.
fn is_forbidden_in_xml(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

fn without_forbidden_chars(text: String) -> String {
    if text.chars().any(is_forbidden_in_xml) {
        text.chars().filter(|c| !is_forbidden_in_xml(*c)).collect()
    } else {
        text
    }
}

/// Deepest element nesting accepted in a feed (real feeds nest fewer than 20 deep).
pub(crate) const MAX_FEED_DEPTH: usize = 256;

/// Most attributes accepted on one feed element.
pub(crate) const MAX_FEED_ATTRIBUTES: usize = 256;

/// A streaming pre-pass (quick-xml, no tree) that refuses feeds built to hurt the parser: nesting deeper
/// than [`MAX_FEED_DEPTH`] or an element with more than [`MAX_FEED_ATTRIBUTES`] attributes (a million
/// attributes cost feed-rs ten times the document's size in memory). Malformed XML is left to feed-rs.
fn check_shape(text: &str, base: &Url) -> Result<(), ExtractError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    // A stray end tag must not switch the guard off: depth is counted, not matched.
    reader.config_mut().check_end_names = false;
    let too_many = |e: &quick_xml::events::BytesStart<'_>| {
        e.attributes()
            .with_checks(false)
            .take(MAX_FEED_ATTRIBUTES + 1)
            .count()
            > MAX_FEED_ATTRIBUTES
    };
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth > MAX_FEED_DEPTH {
                    return Err(ExtractError::TooDeep {
                        url: base.to_string(),
                        limit: MAX_FEED_DEPTH,
                    });
                }
                if too_many(&e) {
                    return Err(ExtractError::TooManyAttributes {
                        url: base.to_string(),
                        limit: MAX_FEED_ATTRIBUTES,
                    });
                }
            }
            Ok(Event::Empty(e)) => {
                if too_many(&e) {
                    return Err(ExtractError::TooManyAttributes {
                        url: base.to_string(),
                        limit: MAX_FEED_ATTRIBUTES,
                    });
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Parses a feed. Entries without an http(s) link (after resolving against `base`) are skipped.
///
/// # Errors
/// [`ExtractError::Feed`] when the bytes are not a feed feed-rs can read; [`ExtractError::TooDeep`] or
/// [`ExtractError::TooManyAttributes`] when its shape is built to hurt the parser.
pub fn parse_feed(bytes: &[u8], base: &Url) -> Result<Vec<Entry>, ExtractError> {
    let text = without_forbidden_chars(decode_feed(bytes));
    check_shape(&text, base)?;
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .sanitize_content(false)
        .build();
    let feed = parser
        .parse(text.as_bytes())
        .map_err(|source| ExtractError::Feed {
            url: base.to_string(),
            source,
        })?;
    let offsets = written_offsets(&text);
    let mut out = Vec::new();
    for e in feed.entries {
        let link = e
            .links
            .iter()
            .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .chain(e.links.iter())
            .find_map(|l| resolve_http(base, &l.href))
            .or_else(|| {
                (e.id.starts_with("http://") || e.id.starts_with("https://"))
                    .then(|| resolve_http(base, &e.id))
                    .flatten()
            });
        let Some(link) = link else { continue };
        let title = e
            .title
            .as_ref()
            .map(|t| html_text(&t.content).join(" "))
            .unwrap_or_default();
        let published = e
            .published
            .or(e.updated)
            .and_then(|d| to_published(d.timestamp(), d.timestamp_subsec_nanos()))
            .map(|mut p| {
                if let Some((_, offset)) = offsets.iter().find(|(s, _)| *s == p.unix_seconds()) {
                    p.offset = *offset;
                }
                p
            });
        let authors = e
            .authors
            .iter()
            .filter_map(|p| p.name.as_deref())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        let summary = e
            .summary
            .as_ref()
            .map(|s| s.content.clone())
            .filter(|s| !s.trim().is_empty());
        let content_html = e
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .filter(|s| !s.trim().is_empty());
        out.push(Entry {
            link,
            title,
            published,
            authors,
            summary,
            content_html,
        });
    }
    Ok(out)
}

/// Text lines of an HTML (or plain text) fragment.
fn html_text(html: &str) -> Vec<String> {
    let doc = super::dom::parse_fragment(html);
    text_lines(doc.tree.root(), |_| false)
}

/// Whether the entry carries only a summary (the article page must be fetched for the full text):
/// no content, and a description that is short or ends in an ellipsis.
#[must_use]
pub fn is_summary_only(e: &Entry) -> bool {
    let text = |h: &Option<String>| {
        h.as_deref()
            .map(|h| html_text(h).join("\n"))
            .unwrap_or_default()
    };
    let content = text(&e.content_html);
    if content.chars().count() >= SUMMARY_MAX_CHARS {
        return false;
    }
    let summary = text(&e.summary);
    let best = if summary.chars().count() > content.chars().count() {
        summary
    } else {
        content
    };
    let t = best.trim_end();
    best.chars().count() < SUMMARY_MAX_CHARS || t.ends_with('…') || t.ends_with("...")
}

/// The entry as an article (profile `feed`): paragraphs from the content, else the summary.
#[must_use]
pub fn entry_article(e: &Entry) -> Article {
    let html = e.content_html.as_ref().or(e.summary.as_ref());
    let paragraphs = html.map(|h| html_text(h)).unwrap_or_default();
    Article {
        url: e.link.to_string(),
        canonical_url: e.link.to_string(),
        title: e.title.clone(),
        // A feed's author field often names the outlet (`人民网`) or an e-mail: only persons are kept.
        authors: e
            .authors
            .iter()
            .flat_map(|a| super::names::split_names(a))
            .filter(|a| super::names::is_person_name(a, &super::names::NotPersons::default()))
            .collect(),
        published: e.published,
        published_precision: e.published.map(|_| crate::model::Precision::Second),
        paragraphs,
        profile: "feed".to_string(),
        ..Article::default()
    }
}
