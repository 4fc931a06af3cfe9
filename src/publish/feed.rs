//! One feed, built: the stories a scope and query select ([`super::load_page`]), the page's own and next
//! links, the feed's title, description and home page, its update time and `max-age`, rendered in its
//! format. The server adds only HTTP: the cache, the entity tag, conditional answers.

use std::time::Duration;

use jiff::Timestamp;
use url::Url;

use super::{load_page, FeedFormat, FeedMeta, FeedScope};
use crate::config::Config;
use crate::store::{Cursor, Store, StoreError};

/// `Cache-Control: max-age` when no source sets an interval.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 60);

/// What feed is asked for.
#[derive(Debug, Clone, Copy)]
pub struct FeedRequest<'a> {
    /// All stories, a source's, or a tag's.
    pub scope: &'a FeedScope,
    /// RSS, Atom or JSON Feed.
    pub format: FeedFormat,
    /// Keywords, if any.
    pub q: Option<&'a str>,
    /// Only stories older than this cursor (a later page).
    pub before: Option<&'a Cursor>,
    /// Items wanted.
    pub limit: usize,
    /// The server's public base URL.
    pub base: &'a Url,
}

/// A rendered feed.
#[derive(Debug, Clone)]
pub struct BuiltFeed {
    /// The document.
    pub body: String,
    /// The newest item's stored (else updated) time, if any item.
    pub updated: Option<Timestamp>,
    /// Seconds a reader may keep it: the shortest `every` of the sources it covers.
    pub max_age: u64,
}

/// Builds one feed.
///
/// # Errors
/// A [`StoreError`] when the store cannot be read.
pub fn build_feed(
    store: &dyn Store,
    cfg: &Config,
    req: &FeedRequest<'_>,
) -> Result<BuiltFeed, StoreError> {
    let base = req.base;
    let page = load_page(store, cfg, req.scope, req.q, req.before, req.limit, base)?;
    let items = page.items;
    let page_url = |before: Option<&Cursor>| {
        let mut u = super::feed_url(base, req.scope, req.format.extension());
        let mut pairs = Vec::new();
        if let Some(q) = req.q {
            pairs.push(("q", q.to_owned()));
        }
        if req.limit != cfg.feeds.default_limit {
            pairs.push(("limit", req.limit.to_string()));
        }
        if let Some(c) = before {
            pairs.push(("before", c.to_string()));
        }
        if !pairs.is_empty() {
            u.query_pairs_mut().extend_pairs(pairs);
        }
        u
    };
    let self_url = page_url(req.before);
    let next_url = page.next.as_ref().map(|c| page_url(Some(c)));
    let (title, description, home_url) = feed_title(cfg, req.scope, base);
    let updated = items.iter().filter_map(|i| i.stored.or(i.updated)).max();
    let age = max_age(cfg, req.scope);
    let meta = FeedMeta {
        title,
        description,
        home_url,
        self_url,
        ttl_minutes: u32::try_from(age / 60).unwrap_or(u32::MAX).max(1),
        updated,
        built: Timestamp::now(),
        next_url,
        stylesheet: super::stylesheet_url(base),
    };
    Ok(BuiltFeed {
        body: req.format.render(&meta, &items),
        updated,
        max_age: age,
    })
}

/// `Cache-Control: max-age` for a feed: the shortest `every` of the sources it covers.
fn max_age(cfg: &Config, scope: &FeedScope) -> u64 {
    cfg.sources
        .iter()
        .filter(|s| match scope {
            FeedScope::All => s.enabled,
            FeedScope::Source(id) => &s.id == id,
            FeedScope::Tag(t) => s.tags.iter().any(|x| x == t),
        })
        .map(|s| s.every)
        .min()
        .unwrap_or(DEFAULT_MAX_AGE)
        .as_secs()
        .max(60)
}

/// Title, description and home page of a feed (the home page of a source feed is the source's site).
fn feed_title(cfg: &Config, scope: &FeedScope, base: &Url) -> (String, String, Url) {
    match scope {
        FeedScope::All => (
            cfg.feeds.title.clone(),
            cfg.feeds.description.clone(),
            base.clone(),
        ),
        FeedScope::Source(id) => {
            let src = cfg.source(id.as_str());
            let name = src.map_or_else(|| id.to_string(), |s| s.name.clone());
            let home = src.map_or_else(|| base.clone(), |s| s.url.clone());
            (
                format!("{name} · {}", cfg.feeds.title),
                format!("{name}：{}", cfg.feeds.description),
                home,
            )
        }
        FeedScope::Tag(tag) => (
            format!("{} · {tag}", cfg.feeds.title),
            format!("{tag}：{}", cfg.feeds.description),
            base.clone(),
        ),
    }
}
