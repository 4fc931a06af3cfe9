//! Stored stories → [`FeedItem`]s: one item per story, shown through its lead article, with a
//! GUID derived from the [`StoryId`] (never from a URL or a title, so edits do not make duplicates),
//! the full text rebuilt as HTML paragraphs and sanitised against the article's URL, and the other
//! sites that carried the story.

use std::collections::HashSet;

use super::{is_web_url, one_line, story_guid, FeedItem};
use crate::config::Config;
use crate::model::{Article, SourceId, StoryId};
use crate::store::{SourceState, Store, StoreError, StoredArticle, StoryFilter, StoryView};

/// The longest plain-text summary, in characters (an ellipsis is added when the text is cut).
pub const SUMMARY_CHARS: usize = 200;

/// One article of a story, as the item builder needs it.
pub(crate) struct Carrier<'a> {
    pub source_id: &'a SourceId,
    pub article: &'a Article,
}

/// The configured name of a source, or its id when it is no longer configured.
fn source_name(cfg: &Config, id: &SourceId) -> String {
    cfg.source(id.as_str())
        .map_or_else(|| id.to_string(), |s| s.name.clone())
}

/// The link a reader follows: the canonical URL when it is a web URL, else the fetched one.
fn article_link(a: &Article) -> String {
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

/// Builds one item from a story's lead article and the other articles that carried it.
pub(crate) fn build_item(
    story: &StoryId,
    lead: &Carrier<'_>,
    also: &[Carrier<'_>],
    updated: Option<jiff::Timestamp>,
    cfg: &Config,
) -> FeedItem {
    let a = lead.article;
    let link = article_link(a);
    let mut seen: HashSet<String> = HashSet::from([link.clone()]);
    let mut also_carried_by = Vec::new();
    for c in also {
        let url = article_link(c.article);
        if !is_web_url(&url) || !seen.insert(url.clone()) {
            continue;
        }
        also_carried_by.push((source_name(cfg, c.source_id), url));
    }
    FeedItem {
        guid: story_guid(story),
        title: one_line(&a.title),
        content_html: sanitize(&body_html(a), &link),
        link,
        published: a.published,
        updated,
        authors: a.authors.clone(),
        source: a.source.clone(),
        category: Some(source_name(cfg, lead.source_id)),
        summary: summary_of(a),
        also_carried_by,
    }
}

/// Feed items from stories (newest first as given): one per story, through its lead article, with
/// the other members as "also carried by". `updated` is when the newest member joined the story.
#[must_use]
pub fn items_from_stories(stories: &[StoryView], cfg: &Config) -> Vec<FeedItem> {
    stories
        .iter()
        .map(|s| {
            let lead = Carrier {
                source_id: &s.lead.source_id,
                article: &s.lead.article,
            };
            let also: Vec<Carrier<'_>> = s
                .also
                .iter()
                .map(|a| Carrier {
                    source_id: &a.source_id,
                    article: &a.article,
                })
                .collect();
            let updated = std::iter::once(&s.lead)
                .chain(&s.also)
                .map(|a| a.first_seen)
                .max();
            build_item(&s.id, &lead, &also, updated, cfg)
        })
        .collect()
}

/// Feed items from one source's articles: one per story (the first article of each story wins),
/// keeping the story's GUID so a reader subscribed to several feeds sees one story once.
#[must_use]
pub fn items_from_articles(articles: &[StoredArticle], cfg: &Config) -> Vec<FeedItem> {
    let mut seen = HashSet::new();
    articles
        .iter()
        .filter(|a| seen.insert(a.story))
        .map(|a| {
            let lead = Carrier {
                source_id: &a.source_id,
                article: &a.article,
            };
            build_item(&a.story, &lead, &[], Some(a.first_seen), cfg)
        })
        .collect()
}

/// Reads the newest `limit` items of a feed from the store, keyword-filtered by `q` (title and
/// text, substring match, so Chinese needs no word splitting).
///
/// # Errors
/// A [`StoreError`] when the store cannot be read.
pub fn load_items(
    store: &Store,
    cfg: &Config,
    scope: &super::FeedScope,
    q: Option<&str>,
    limit: usize,
) -> Result<Vec<FeedItem>, StoreError> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    match scope {
        super::FeedScope::All => {
            let filter = StoryFilter {
                sources: None,
                q: q.map(str::to_owned),
            };
            Ok(items_from_stories(
                &store.recent_stories(&filter, limit)?,
                cfg,
            ))
        }
        super::FeedScope::Tag(tag) => {
            let sources: Vec<SourceId> = cfg
                .sources
                .iter()
                .filter(|s| s.tags.iter().any(|t| t == tag))
                .map(|s| s.id.clone())
                .collect();
            if sources.is_empty() {
                return Ok(Vec::new());
            }
            let filter = StoryFilter {
                sources: Some(sources),
                q: q.map(str::to_owned),
            };
            Ok(items_from_stories(
                &store.recent_stories(&filter, limit)?,
                cfg,
            ))
        }
        super::FeedScope::Source(id) => Ok(items_from_articles(
            &store.recent_articles(id, q, limit)?,
            cfg,
        )),
    }
}

/// A source's health record; a read error is logged and read as "no record".
#[must_use]
pub fn source_state(store: &Store, id: &SourceId) -> Option<SourceState> {
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
    let mut line = format!(
        "{} · last success {last_ok} · {} runs · {} articles",
        if st.healthy { "healthy" } else { "unhealthy" },
        st.runs,
        st.articles_total
    );
    if st.consecutive_failures > 0 {
        line.push_str(&format!(" · {} failures in a row", st.consecutive_failures));
    }
    if let Some(e) = st.last_error.as_deref().filter(|_| !st.healthy) {
        line.push_str(" · ");
        line.push_str(&one_line(e).chars().take(200).collect::<String>());
    }
    (st.healthy, line)
}
