//! `[[sources]]`: what to crawl.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::values::{de_duration, default_true};
use crate::model::SourceId;

/// What kind of thing a source URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// HTML index pages whose links (chosen by `links`) are articles.
    Listing,
    /// An RSS, Atom or JSON feed read with feed-rs.
    Feed,
    /// A Hanweb JCMS column: items embedded as XML in the page, further pages from `dataproxy.jsp`.
    Hanweb,
    /// The 工人日报 e-paper: one issue a day, its pages and their articles.
    Epaper,
}

impl SourceKind {
    /// The kind's name as written in the config.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Feed => "feed",
            Self::Hanweb => "hanweb",
            Self::Epaper => "epaper",
        }
    }
}

/// One `[[sources]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// `[a-z0-9-]+`, used in feed URLs.
    pub id: SourceId,
    /// Human name.
    pub name: String,
    /// What the URL is.
    pub kind: SourceKind,
    /// The listing, feed, column or e-paper root URL.
    pub url: Url,
    /// Listing: CSS selector of article links.
    #[serde(default)]
    pub links: Option<String>,
    /// Regex that resolved article URLs must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// How often the source is due.
    #[serde(default = "default_every", deserialize_with = "de_duration")]
    pub every: Duration,
    /// Listing pages followed (1 = only the first).
    #[serde(default = "default_pages")]
    pub pages: u32,
    /// Feed: fetch and extract the article page when an entry carries only a summary.
    #[serde(default)]
    pub fulltext: bool,
    /// Site profile to use for its articles (default: chosen by URL).
    #[serde(default)]
    pub profile: Option<String>,
    /// Groups for `/feeds/tag/{tag}` (region, level…).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Higher wins when two sources publish a story at the same time.
    #[serde(default)]
    pub priority: i32,
    /// `false` keeps the source configured but never crawled.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_every() -> Duration {
    Duration::from_secs(30 * 60)
}
fn default_pages() -> u32 {
    1
}
