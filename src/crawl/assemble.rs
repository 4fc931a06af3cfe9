//! Article assembly: the one path from fetched bytes to a finished article, used by the crawl and by
//! `unionwire fetch` alike. A page is sniffed (binary bodies are refused), decoded (declared, sniffed or
//! overruled charset: [`crate::fetch::charset`]), and extracted as HTML or as plain text
//! ([`extract_page`]); the article's later pages are read through a caller's page source, each extracted
//! the same way, and a later page that cannot be read is skipped and makes the article incomplete
//! ([`assemble`]); the pages are merged, the encoding recorded, the canonical URL set, and an article
//! without text is an error ([`finish`]).
//!
//! [`extract_page`] is CPU work and synchronous: async callers run it on worker threads, never on the
//! reactor (the crawl's CPU threads, or tokio's blocking pool).

use std::future::Future;

use bytes::Bytes;
use url::Url;

use super::CrawlError;
use crate::extract::{self, Extracted, Kind, Profile, Profiles};
use crate::fetch::charset;
use crate::model::Article;

/// Most pages one multi-page article may have.
pub const MAX_ARTICLE_PAGES: usize = 20;

/// A fetched (or read) page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where it came from (after redirects).
    pub url: Url,
    /// Its bytes.
    pub body: Bytes,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
}

impl From<crate::fetch::Response> for Page {
    fn from(r: crate::fetch::Response) -> Self {
        Self {
            url: r.url,
            body: r.body,
            content_type: r.content_type,
        }
    }
}

/// One page, extracted, with the name of the encoding it was decoded from.
#[derive(Debug)]
pub struct PageArticle {
    /// What the page holds.
    pub extracted: Extracted,
    /// The encoding (`UTF-8`, `GBK`, …).
    pub encoding: &'static str,
}

/// The profile named `name` (built in), or `None` to let extraction choose by URL or page signature.
#[must_use]
pub(crate) fn profile_named(name: Option<&str>) -> Option<&'static Profile> {
    name.and_then(|n| Profiles::builtin().by_name(n))
}

/// Sniffs, decodes and extracts one page: plain text when it is served or sniffed as text (and is not
/// markup), else HTML. The decoder's findings (`charset_mismatch`, `degraded`) become article flags.
///
/// # Errors
/// [`CrawlError::NotAPage`] for a binary body; [`CrawlError::Extract`] when extraction fails.
pub fn extract_page(page: Page, profile: Option<&Profile>) -> Result<PageArticle, CrawlError> {
    let sniffed = extract::sniff(&page.body);
    if let Kind::Binary(what) = sniffed {
        return Err(CrawlError::NotAPage {
            url: page.url.to_string(),
            what,
        });
    }
    let served_as_text = page.content_type.as_deref().is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("text/plain")
    });
    let decoded =
        charset::decode_bytes(page.body, page.content_type.as_deref(), page.url.host_str());
    let as_text = (served_as_text || (page.content_type.is_none() && sniffed == Kind::Text))
        && !extract::text::is_html_text(&decoded.text);
    let found = if as_text {
        extract::extract_text(&decoded.text, &page.url)
    } else {
        extract::extract_article(&decoded.text, &page.url, profile)
    };
    let mut extracted = found.map_err(|source| CrawlError::Extract {
        url: page.url.to_string(),
        source,
    })?;
    for f in decoded.flags() {
        extracted.article.flag(f);
    }
    Ok(PageArticle {
        extracted,
        encoding: decoded.encoding.name(),
    })
}

/// A later page as a page source gives it.
#[derive(Debug)]
pub enum LaterPage {
    /// Read and extracted.
    Read(Box<Extracted>),
    /// Not read: why (the article is then incomplete).
    Failed(String),
    /// The run was cancelled.
    Cancelled,
}

/// An article put together from its pages.
#[derive(Debug)]
pub struct Assembled {
    /// The finished article.
    pub article: Article,
    /// Pages read for it, the first included.
    pub pages: u64,
    /// Later pages that could not be read, with why; when any, what is stored is not the whole page set.
    pub skipped: Vec<(Url, String)>,
}

/// Reads the later pages of `first` (at most [`MAX_ARTICLE_PAGES`] in all, none when `follow` is off)
/// through `later`, and finishes the article. `None` when the run was cancelled.
///
/// # Errors
/// [`CrawlError::Empty`] when the merged article has no text.
pub async fn assemble<F, Fut>(
    first: PageArticle,
    follow: bool,
    mut later: F,
) -> Option<Result<Assembled, CrawlError>>
where
    F: FnMut(Url) -> Fut,
    Fut: Future<Output = LaterPage>,
{
    let PageArticle {
        extracted,
        encoding,
    } = first;
    let mut rest = Vec::new();
    let mut skipped = Vec::new();
    let mut pages = 1u64;
    if follow {
        for next in extracted.next_pages.iter().take(MAX_ARTICLE_PAGES - 1) {
            match later(next.clone()).await {
                LaterPage::Read(x) => {
                    pages += 1;
                    rest.push(x.article);
                }
                LaterPage::Failed(why) => {
                    tracing::warn!(url = %next, error = %why, "a later page of an article could not be read");
                    skipped.push((next.clone(), why));
                }
                LaterPage::Cancelled => return None,
            }
        }
    }
    Some(
        finish(extracted.article, rest, encoding).map(|article| Assembled {
            article,
            pages,
            skipped,
        }),
    )
}

/// Merges the pages, records the encoding, sets the canonical URL; an article without text is an error.
///
/// # Errors
/// [`CrawlError::Empty`].
pub fn finish(first: Article, rest: Vec<Article>, encoding: &str) -> Result<Article, CrawlError> {
    let mut a = if rest.is_empty() {
        first
    } else {
        extract::merge_pages(first, rest)
    };
    a.encoding = encoding.to_owned();
    a.canonical_url = crate::dedup::canonical_article_url(&a);
    if a.paragraphs.is_empty() {
        return Err(CrawlError::Empty { url: a.url.clone() });
    }
    Ok(a)
}
