//! Stored stories → [`FeedItem`]s: one item per story, shown through its lead copy (the one rule,
//! [`copies_in_order`]: the earliest clean copy, never a mirror while a clean copy exists), with a
//! GUID derived from the [`crate::model::StoryId`] (never from a URL or a title, so edits do not make
//! duplicates), the full text rebuilt as HTML paragraphs and sanitised against the article's URL, and
//! the other sites that carried the story, mirrors last.

use std::collections::HashSet;

use super::{feed_url, is_web_url, one_line, story_guid, FeedItem, FeedScope, OtherCopy};
use crate::config::{Config, SourceKind};
use crate::model::{Article, Flag, SourceId};
use crate::store::query::Cursor;
use crate::store::{SourceState, Store, StoreError, StoredArticle, StoryFilter, StoryView};

/// The longest plain-text summary, in characters (an ellipsis is added when the text is cut).
pub const SUMMARY_CHARS: usize = 200;

/// The configured name of a source, or its id when it is no longer configured.
#[must_use]
pub fn source_name(cfg: &Config, id: &SourceId) -> String {
    cfg.source(id.as_str())
        .map_or_else(|| id.to_string(), |s| s.name.clone())
}

/// The link a reader follows: the canonical URL when it is a web URL, else the fetched one.
#[must_use]
pub fn article_link(a: &Article) -> String {
    if is_web_url(&a.canonical_url) {
        a.canonical_url.clone()
    } else {
        a.url.clone()
    }
}

/// The first [`SUMMARY_CHARS`] characters of the body as one line.
#[must_use]
pub fn summary_of(a: &Article) -> String {
    let text = one_line(&a.paragraphs.join(" "));
    let text = if text.is_empty() {
        one_line(a.subtitle.as_deref().unwrap_or_default())
    } else {
        text
    };
    if text.chars().count() <= SUMMARY_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(SUMMARY_CHARS).collect();
    cut.push('…');
    cut
}

/// The article body as HTML: kicker and subtitle, one `<p>` per paragraph, then the images (made
/// absolute against the article's URL; anything that is not then an http(s) URL is dropped).
/// Text is escaped; the result still goes through the sanitiser.
#[must_use]
pub fn body_html(a: &Article) -> String {
    let base = url::Url::parse(&article_link(a)).ok();
    let mut html = String::new();
    if let Some(k) = a
        .lead_title
        .as_deref()
        .map(one_line)
        .filter(|k| !k.is_empty())
    {
        html.push_str("<p><em>");
        html.push_str(&html_escape::encode_text(&k));
        html.push_str("</em></p>");
    }
    if let Some(s) = a
        .subtitle
        .as_deref()
        .map(one_line)
        .filter(|s| !s.is_empty())
    {
        html.push_str("<p><strong>");
        html.push_str(&html_escape::encode_text(&s));
        html.push_str("</strong></p>");
    }
    for p in &a.paragraphs {
        let p = one_line(p);
        if p.is_empty() {
            continue;
        }
        html.push_str("<p>");
        html.push_str(&html_escape::encode_text(&p));
        html.push_str("</p>");
    }
    let images = a.images.iter().filter_map(|src| {
        let abs = match &base {
            Some(b) => b.join(src.trim()).ok()?.to_string(),
            None => src.trim().to_owned(),
        };
        is_web_url(&abs).then_some(abs)
    });
    for src in images {
        html.push_str("<p><img src=\"");
        html.push_str(&html_escape::encode_double_quoted_attribute(&src));
        html.push_str("\" alt=\"\"></p>");
    }
    html
}

/// Sanitises republished HTML against the article's URL (relative links made absolute).
fn sanitize(html: &str, base: &str) -> String {
    let base = url::Url::parse(base)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| url::Url::parse("about:blank").expect("a fixed URL parses"));
    crate::clean::sanitize_html(html, &base)
}

/// Whether an article is a spam or pinyin mirror copy, or text damaged beyond repair: never a
/// story's lead while a clean copy exists, and listed last.
#[must_use]
pub fn is_mirror(a: &Article) -> bool {
    a.has_flag(Flag::PinyinMirror) || a.has_flag(Flag::SpamMirror) || a.has_flag(Flag::Degraded)
}

/// Every copy of a story in the order every page and feed shows them: the clean copies first, then
/// the mirrors, each group in the store's story order (earliest published, then higher source
/// priority). The first is the story's lead copy, the same in every feed and page.
#[must_use]
pub fn copies_in_order(view: &StoryView) -> Vec<&StoredArticle> {
    let mut all: Vec<&StoredArticle> = std::iter::once(&view.lead).chain(&view.also).collect();
    // A stable sort keeps the store's order inside each group.
    all.sort_by_key(|a| is_mirror(&a.article));
    all
}

/// Where the source's own feed is: its URL for a `feed` source, else its per-source feed under `base`.
fn source_feed(cfg: &Config, id: &SourceId, base: &url::Url) -> Option<String> {
    match cfg.source(id.as_str()) {
        Some(s) if s.kind == SourceKind::Feed => Some(s.url.to_string()),
        Some(_) => Some(feed_url(base, &FeedScope::Source(id.clone()), "rss").to_string()),
        None => None,
    }
}

/// Builds the item of one story: shown through its lead copy ([`copies_in_order`]), with the others
/// listed as "also carried by" (clean copies first, mirrors last and marked).
fn build_item(view: &StoryView, cfg: &Config, base: &url::Url) -> FeedItem {
    let copies = copies_in_order(view);
    let lead = copies[0];
    let a = &lead.article;
    let link = article_link(a);
    let mut seen: HashSet<String> = HashSet::from([link.clone()]);
    let mut also_carried_by = Vec::new();
    for c in &copies[1..] {
        let url = article_link(&c.article);
        if !is_web_url(&url) || !seen.insert(url.clone()) {
            continue;
        }
        also_carried_by.push(OtherCopy {
            name: source_name(cfg, &c.source_id),
            url,
            mirror: is_mirror(&c.article),
        });
    }
    FeedItem {
        guid: story_guid(&view.id),
        story: Some(view.id),
        title: one_line(&a.title),
        content_html: sanitize(&body_html(a), &link),
        link,
        published: a.published,
        // When the lead copy's content last changed, else its publication time (else when it was first
        // seen): never the crawl time, so a reader sorting by `updated` sees when stories were published
        // or really edited.
        updated: Some(
            lead.changed_at
                .map_or(lead.sort_time(), |c| c.max(lead.sort_time())),
        ),
        stored: copies.iter().map(|c| c.first_seen).max(),
        authors: a.authors.clone(),
        source: a.source.clone(),
        category: Some(source_name(cfg, &lead.source_id)),
        source_feed: source_feed(cfg, &lead.source_id, base),
        summary: summary_of(a),
        also_carried_by,
    }
}

/// Feed items from stories (newest first as given): one per story, through its lead copy.
#[must_use]
pub fn items_from_stories(stories: &[StoryView], cfg: &Config, base: &url::Url) -> Vec<FeedItem> {
    stories.iter().map(|s| build_item(s, cfg, base)).collect()
}

/// One page of a feed: its items and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// The items, newest first.
    pub items: Vec<FeedItem>,
    /// The `before=` cursor of the next (older) page; `None` on the last page.
    pub next: Option<Cursor>,
}

/// Reads one page of a feed from the store: up to `limit` stories newest first, strictly older than
/// `before`, keyword-filtered by `q` (title and text, substring match, so Chinese needs no word
/// splitting). A per-source feed holds the stories the source carried, ordered by its own articles,
/// but every item is shown through the story's lead copy, as in every other feed. `base` is the
/// server's public base URL.
///
/// # Errors
/// A [`StoreError`] when the store cannot be read.
pub fn load_page(
    store: &dyn Store,
    cfg: &Config,
    scope: &FeedScope,
    q: Option<&str>,
    before: Option<&Cursor>,
    limit: usize,
    base: &url::Url,
) -> Result<FeedPage, StoreError> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let page = match scope {
        FeedScope::All => {
            let filter = StoryFilter {
                sources: None,
                q: q.map(str::to_owned),
            };
            store.stories_page(&filter, before, limit)?
        }
        FeedScope::Tag(tag) => {
            let sources: Vec<SourceId> = cfg
                .sources
                .iter()
                .filter(|s| s.tags.iter().any(|t| t == tag))
                .map(|s| s.id.clone())
                .collect();
            if sources.is_empty() {
                return Ok(FeedPage {
                    items: Vec::new(),
                    next: None,
                });
            }
            let filter = StoryFilter {
                sources: Some(sources),
                q: q.map(str::to_owned),
            };
            store.stories_page(&filter, before, limit)?
        }
        FeedScope::Source(id) => store.source_stories_page(id, q, before, limit)?,
    };
    Ok(FeedPage {
        items: page
            .stories
            .iter()
            .map(|(view, _)| build_item(view, cfg, base))
            .collect(),
        next: page.next,
    })
}

/// The newest `limit` items of a feed (its first page; see [`load_page`]).
///
/// # Errors
/// A [`StoreError`] when the store cannot be read.
pub fn load_items(
    store: &dyn Store,
    cfg: &Config,
    scope: &FeedScope,
    q: Option<&str>,
    limit: usize,
    base: &url::Url,
) -> Result<Vec<FeedItem>, StoreError> {
    Ok(load_page(store, cfg, scope, q, None, limit, base)?.items)
}

/// A source's health record; a read error is logged and read as "no record".
#[must_use]
pub fn source_state(store: &dyn Store, id: &SourceId) -> Option<SourceState> {
    match store.source_state(id) {
        Ok(st) => st,
        Err(e) => {
            tracing::warn!(source = %id, error = %e, "reading source health");
            None
        }
    }
}

/// Whether a source is healthy, and one line saying how it is doing.
#[must_use]
pub fn health_summary(st: &SourceState) -> (bool, String) {
    let last_ok = st
        .last_success
        .map_or_else(|| "never".to_owned(), super::render::beijing_minute);
    let status = st.status();
    let healthy = status == crate::store::SourceStatus::Healthy;
    let mut line = format!(
        "{} · last success {last_ok} · {} runs · {} articles",
        status.as_str(),
        st.runs,
        st.articles_total
    );
    if st.consecutive_failures > 0 {
        line.push_str(&format!(" · {} failures in a row", st.consecutive_failures));
    }
    if !healthy {
        let error = match (&st.error, &st.last_error) {
            (Some(e), _) => Some(format!("{}: {}", e.kind, e.message)),
            (None, Some(e)) => Some(e.clone()),
            (None, None) => None,
        };
        if let Some(e) = error {
            line.push_str(" · ");
            line.push_str(&one_line(&e).chars().take(200).collect::<String>());
        }
    }
    (healthy, line)
}
