//! Articles and stories as the store keeps and returns them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Article, ArticleId, SourceId, StoryId};

/// What `Store::ingest` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The article's id.
    pub id: ArticleId,
    /// The story it belongs to.
    pub story: StoryId,
    /// It was not stored before.
    pub new_article: bool,
    /// It founded a new story.
    pub new_story: bool,
    /// Something a feed shows changed (new article, new content, new lead).
    pub changed: bool,
}

/// An article as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredArticle {
    /// Its id (hash of its canonical URL's identity key).
    pub id: ArticleId,
    /// Its story.
    pub story: StoryId,
    /// The configured source it came from.
    pub source_id: SourceId,
    /// That source's priority (higher wins a tie for story lead).
    pub priority: i32,
    /// When it was first stored.
    pub first_seen: Timestamp,
    /// When it was last fetched.
    pub last_seen: Timestamp,
    /// When a fetch last changed what it shows (title, text, byline…), if one ever did after the first.
    #[serde(default)]
    pub changed_at: Option<Timestamp>,
    /// Its SimHash.
    pub simhash: u64,
    /// The article (its `canonical_url` set by `dedup::canonical_article_url`).
    pub article: Article,
}

impl StoredArticle {
    /// The time feeds sort it by: published, else first seen.
    #[must_use]
    pub fn sort_time(&self) -> Timestamp {
        self.article
            .published
            .map_or(self.first_seen, |p| p.instant)
    }
}

/// A story: its lead article and the others that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryView {
    /// The story's id.
    pub id: StoryId,
    /// Earliest published (ties: higher source priority).
    pub lead: StoredArticle,
    /// Every other member ("also carried by"), in lead order.
    pub also: Vec<StoredArticle>,
}
