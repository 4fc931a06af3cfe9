//! What the crawler records about URLs and sources: conditional-GET state and page roles, source health.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a URL with a [`FetchState`] is to the crawler, which decides what its validators stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PageRole {
    /// Written before roles were recorded (schema 2 without this field): it cannot say whether it is an
    /// index page or an article page. The crawler does not trust such an index page's validators.
    #[default]
    Unknown,
    /// An index page (listing page, feed, Hanweb column, e-paper issue): its validators stand for every link
    /// it yielded, and are saved only once each of those is stored (or settled, see [`PageRole::NoArticle`]).
    Index,
    /// An article page: validators are written only in the sled batch that stores its article
    /// (`store::Incoming::with_fetch_state`), or when the article is already stored.
    Article,
    /// A link that answered for good with no article (404, 410, or not HTML): it settles the link for the
    /// index page that listed it. Never carries validators.
    NoArticle,
}

/// Conditional-GET and schedule state of one URL.
///
/// The rule (DESIGN decision 9): validators are saved only for what is stored. An article page's state goes
/// into the same atomic batch as its article; an index page's only after every link it yielded is stored.
/// `Store::verify` reports a state whose validators claim an article the store lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FetchState {
    /// The last `ETag`.
    pub etag: Option<String>,
    /// The last `Last-Modified`.
    pub last_modified: Option<String>,
    /// The last HTTP status.
    pub last_status: Option<u16>,
    /// When it was last fetched.
    pub fetched_at: Option<Timestamp>,
    /// When it is due again.
    pub next_due: Option<Timestamp>,
    /// What the URL is (absent in records written before it existed: [`PageRole::Unknown`]).
    #[serde(default)]
    pub role: PageRole,
}

impl FetchState {
    /// Whether it carries a validator (`ETag` or `Last-Modified`) a conditional request would send.
    #[must_use]
    pub fn has_validators(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }

    /// Whether its validators claim a stored article: an article page's (or a state of unknown role) with
    /// validators. Such a state without its article would hide the article behind a 304.
    #[must_use]
    pub fn claims_article(&self) -> bool {
        self.has_validators() && matches!(self.role, PageRole::Article | PageRole::Unknown)
    }
}

/// How a source is doing, as `crate::crawl::health` decides from its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    /// Never run (or recorded before statuses existed).
    #[default]
    Unknown,
    /// The last run succeeded and found something recently.
    Healthy,
    /// It worked before, but the last run failed (fewer than `crawl.failing_after` in a row), or it has
    /// found nothing for `crawl.failing_after` runs.
    Degraded,
    /// It has never succeeded and the last run failed, or it failed `crawl.failing_after` runs in a row.
    Failing,
}

impl SourceStatus {
    /// `unknown`, `healthy`, `degraded` or `failing`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::Failing => "failing",
        }
    }
}

/// The last error of a source's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceError {
    /// `dns`, `connect`, `timeout`, `http 5xx`, `http 4xx`, `blocked`, `robots`, `parse`, `empty` or
    /// `other`.
    pub kind: String,
    /// What happened, in one line.
    pub message: String,
    /// The URL it happened at, if one.
    pub url: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// Health and schedule of one configured source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceState {
    /// How it is doing.
    #[serde(default)]
    pub status: SourceStatus,
    /// The last error, with its kind, URL and time (kept after a later success, for the record).
    #[serde(default)]
    pub error: Option<SourceError>,
    /// When a run last stored a new article.
    #[serde(default)]
    pub last_new_article: Option<Timestamp>,
    /// When it is due again.
    pub next_due: Option<Timestamp>,
    /// When it last ran.
    pub last_run: Option<Timestamp>,
    /// When it last succeeded.
    pub last_success: Option<Timestamp>,
    /// The last error, if the last run failed.
    pub last_error: Option<String>,
    /// Failed runs in a row.
    pub consecutive_failures: u32,
    /// Runs in a row that found nothing.
    pub consecutive_empty: u32,
    /// Runs in total.
    pub runs: u64,
    /// Articles stored in total.
    pub articles_total: u64,
    /// New articles in the last run.
    pub last_new: u32,
    /// Whether its status is `healthy` (kept beside `status` for readers of older records).
    pub healthy: bool,
}

impl SourceState {
    /// Its status; a record from before statuses existed is read from its `healthy` flag.
    #[must_use]
    pub fn status(&self) -> SourceStatus {
        match self.status {
            SourceStatus::Unknown if self.runs > 0 => {
                if self.healthy {
                    SourceStatus::Healthy
                } else if self.last_success.is_none() {
                    SourceStatus::Failing
                } else {
                    SourceStatus::Degraded
                }
            }
            s => s,
        }
    }
}
