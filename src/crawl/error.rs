//! [`CrawlError`]: why fetching a source's index or one of its articles came to nothing, typed, with the
//! kind that source health, logs and `/metrics` name ([`CrawlError::kind`]).

use crate::crawl::health::ErrorKind;
use crate::extract::ExtractError;
use crate::fetch::FetchError;
use crate::store::StoreError;

/// What went wrong in the crawl of one page.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// The fetch failed (DNS, connection, status, robots.txt, anti-bot wall, size…).
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The page could not be read as an article.
    #[error("{url}: {source}")]
    Extract {
        /// The page.
        url: String,
        /// Why.
        #[source]
        source: ExtractError,
    },
    /// The page was read, but no article text was found on it.
    #[error("{url}: no article text found")]
    Empty {
        /// The page.
        url: String,
    },
    /// The body is not a page at all (an executable, an image, an archive).
    #[error("{url}: the response looks like {what}, not an HTML page or text; refused")]
    NotAPage {
        /// The page.
        url: String,
        /// What it looks like.
        what: &'static str,
    },
    /// A 304 answered a request that carried no validators.
    #[error("{url}: answered 304 Not Modified to a request without validators")]
    UnaskedNotModified {
        /// The page.
        url: String,
    },
    /// A worker thread (CPU work or the store writer) could not run the job.
    #[error("{what}: {message}")]
    Worker {
        /// Which work.
        what: &'static str,
        /// What happened.
        message: String,
    },
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl CrawlError {
    /// The kind source health records for it.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Fetch(e) => ErrorKind::of(e),
            Self::Extract { .. } | Self::NotAPage { .. } => ErrorKind::Parse,
            Self::Empty { .. } => ErrorKind::Empty,
            Self::UnaskedNotModified { .. } | Self::Worker { .. } | Self::Store(_) => {
                ErrorKind::Other
            }
        }
    }

    /// The URL it happened at, if it names one.
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Fetch(e) => Some(e.url()),
            Self::Extract { url, .. }
            | Self::Empty { url }
            | Self::NotAPage { url, .. }
            | Self::UnaskedNotModified { url } => Some(url),
            Self::Worker { .. } | Self::Store(_) => None,
        }
    }

    /// Whether it is robots.txt saying no to the page itself: the link is skipped, which is not the site
    /// failing.
    #[must_use]
    pub(crate) fn is_robots_skip(&self) -> bool {
        matches!(
            self,
            Self::Fetch(FetchError::RobotsDisallowed {
                unreachable: None,
                ..
            })
        )
    }
}
