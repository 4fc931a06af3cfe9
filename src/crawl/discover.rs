//! Discovery: from a source's entry point to the article links (or feed entries) it currently lists.
//! Listing pages follow their pagination up to `pages`; Hanweb columns unwrap the embedded XML records and ask
//! `dataproxy.jsp` for further pages; the e-paper walks an issue's pages; feeds are read with feed-rs.

use jiff::civil::Date;
use jiff::Timestamp;
use regex::Regex;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};
use url::Url;

use crate::config::{SourceConfig, SourceKind};
use crate::extract::{self, feed::Entry, Link};
use crate::fetch::{FetchError, Request, Response};
use crate::store::{FetchState, PageRole};

use super::{Crawler, RunOptions, SourceSummary};

/// One thing to turn into an article.
#[derive(Debug, Clone)]
pub enum Discovered {
    /// An article page to fetch and extract.
    Link(Link),
    /// A feed entry that already carries the full text.
    FeedEntry(Box<Entry>),
}

impl Discovered {
    /// The article's URL.
    #[must_use]
    pub fn url(&self) -> &Url {
        match self {
            Self::Link(l) => &l.url,
            Self::FeedEntry(e) => &e.link,
        }
    }
}

/// What discovery found, and the validators of the index pages to save once their articles are stored.
#[derive(Debug, Default)]
pub struct Found {
    /// Articles to fetch, in listing order.
    pub items: Vec<Discovered>,
    /// The canonical URLs of `items` (after `pattern`), in the same order: each once, however many index
    /// pages stand for it.
    pub links: Vec<String>,
    /// Index pages fetched with a body: their validators, and where in `links` the links a 304 on them would
    /// skip begin.
    pub validators: Vec<IndexPage>,
}

/// An index page (listing page, feed, Hanweb column, e-paper issue) fetched with a body. A 304 on it next
/// time skips every link it stands for, so its validators may be saved only once each of them is stored.
///
/// A page stands for what it listed and for what discovery reached only through it (later listing pages,
/// Hanweb `dataproxy.jsp` pages, an e-paper issue's pages): the links `links[from..to]` of its [`Found`].
/// These are ranges of one list, so the source's links are held once, not once per page (copies per page
/// grew with pages × links, quadratically in the size of a run).
#[derive(Debug, Clone)]
pub struct IndexPage {
    /// Its URL.
    pub url: String,
    /// Its new fetch state (role [`PageRole::Index`]).
    pub state: FetchState,
    /// The links it stands for: [`Found::links`]`[from..to]` (after `pattern`).
    pub from: usize,
    /// See `from`.
    pub to: usize,
    /// The items it stands for while discovery runs: `items[start..end]` (before `pattern`).
    start: usize,
    end: Option<usize>,
}

impl IndexPage {
    /// An index page standing for `links[from..to]` of its source's [`Found`], as discovery leaves it.
    #[cfg(test)]
    pub(super) fn standing_for(url: &str, state: FetchState, from: usize, to: usize) -> Self {
        Self {
            url: url.to_owned(),
            state,
            from,
            to,
            start: 0,
            end: None,
        }
    }
}

impl Found {
    /// Closes every index page still open: from here on, new items are not reached through them.
    fn close_pages(&mut self) {
        let n = self.items.len();
        for p in &mut self.validators {
            p.end.get_or_insert(n);
        }
    }
}

/// The HTTP status an error carries, if any.
#[must_use]
pub(crate) fn error_status(e: &FetchError) -> Option<u16> {
    match e {
        FetchError::Status { status, .. } | FetchError::Blocked { status, .. } => Some(*status),
        _ => None,
    }
}

/// Runs the source's discovery step.
///
/// # Errors
/// The first index fetch's error when nothing at all could be discovered (the source failed).
pub(crate) async fn discover(
    c: &Crawler,
    src: &SourceConfig,
    opts: &RunOptions,
    token: &CancellationToken,
    sum: &mut SourceSummary,
) -> Result<Found, FetchError> {
    let pattern = src.pattern.as_deref().and_then(|p| Regex::new(p).ok());
    let mut found = Found::default();
    match src.kind {
        SourceKind::Listing => listing(c, src, token, sum, &mut found).await?,
        SourceKind::Hanweb => hanweb(c, src, token, sum, &mut found).await?,
        SourceKind::Epaper => epaper(c, src, opts, token, sum, &mut found).await?,
        SourceKind::Feed => feed(c, src, token, sum, &mut found).await?,
    }
    found.close_pages();
    let kept = |d: &Discovered| {
        pattern
            .as_ref()
            .is_none_or(|re| re.is_match(d.url().as_str()))
    };
    // kept_before[i]: how many of items[..i] are kept, so items[start..end] are links[from..to].
    let mut kept_before = Vec::with_capacity(found.items.len() + 1);
    kept_before.push(0usize);
    for d in &found.items {
        let last = kept_before.last().copied().unwrap_or(0);
        kept_before.push(last + usize::from(kept(d)));
    }
    let total = kept_before.last().copied().unwrap_or(0);
    for p in &mut found.validators {
        let end = p.end.unwrap_or(found.items.len());
        p.to = kept_before.get(end).copied().unwrap_or(total);
        p.from = kept_before.get(p.start).copied().unwrap_or(total).min(p.to);
    }
    found.items.retain(|d| kept(d));
    found.links = found
        .items
        .iter()
        .map(|d| crate::dedup::canonical_url(d.url()).to_string())
        .collect();
    Ok(found)
}

/// Fetches an index page with conditional GET. `Ok(None)` = not modified (or cancelled).
async fn index_page(
    c: &Crawler,
    req: Request,
    token: &CancellationToken,
    sum: &mut SourceSummary,
    found: &mut Found,
) -> Result<Option<Response>, FetchError> {
    let key = req.url.to_string();
    let mut req = req;
    // Only validators saved as an index page's (after its links were stored) are trusted; a state from
    // before roles were recorded may have been saved ahead of its articles, so it costs one full fetch.
    let k = key.clone();
    if let Ok(Some(st)) = c.read_store(move |s| s.fetch_state(&k)).await {
        if st.role == PageRole::Index {
            req.etag = st.etag;
            req.last_modified = st.last_modified;
        }
    }
    let Some(r) = c.polite(&req, token).await else {
        return Ok(None);
    };
    let resp = r?;
    if resp.not_modified {
        sum.not_modified += 1;
        debug!(url = %key, "index page not modified");
        return Ok(None);
    }
    sum.pages_fetched += 1;
    found.validators.push(IndexPage {
        url: key,
        state: FetchState {
            etag: resp.etag.clone(),
            last_modified: resp.last_modified.clone(),
            last_status: Some(resp.status),
            fetched_at: Some(Timestamp::now()),
            next_due: None,
            role: PageRole::Index,
        },
        from: 0,
        to: 0,
        start: found.items.len(),
        end: None,
    });
    Ok(Some(resp))
}

async fn listing(
    c: &Crawler,
    src: &SourceConfig,
    token: &CancellationToken,
    sum: &mut SourceSummary,
    found: &mut Found,
) -> Result<(), FetchError> {
    let Some(sel) = src
        .links
        .as_deref()
        .and_then(|s| scraper::Selector::parse(s).ok())
    else {
        return Ok(());
    };
    let mut url = src.url.clone();
    let mut visited = std::collections::HashSet::new();
    // A 304 on any page of the chain stops the pagination there, so its validators stand for every page after
    // it: a chain cut short by an error keeps none of them.
    let chain = found.validators.len();
    for page in 0..src.pages {
        if !visited.insert(url.clone()) {
            break;
        }
        let resp = match index_page(c, Request::html(url.clone()), token, sum, found).await {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) if page == 0 => return Err(e),
            // A later page that no longer exists ends the pagination; it is not an error.
            Err(FetchError::Status {
                status: 404 | 410, ..
            }) => break,
            Err(e) => {
                sum.errors.push(e.to_string());
                found.validators.truncate(chain);
                break;
            }
        };
        let sel = sel.clone();
        let (links, next) = c
            .on_cpu(move || {
                let text = crate::fetch::charset::decode_bytes(
                    resp.body,
                    resp.content_type.as_deref(),
                    resp.url.host_str(),
                )
                .text;
                extract::listing_page(&text, &resp.url, &sel, None)
            })
            .await
            .unwrap_or_else(|e| {
                // Nothing was read from this page: no validator may stand for links never seen.
                found.validators.truncate(chain);
                sum.errors.push(format!("extracting the listing: {e}"));
                (Vec::new(), None)
            });
        found.items.extend(links.into_iter().map(Discovered::Link));
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    Ok(())
}

async fn hanweb(
    c: &Crawler,
    src: &SourceConfig,
    token: &CancellationToken,
    sum: &mut SourceSummary,
    found: &mut Found,
) -> Result<(), FetchError> {
    let column = found.validators.len();
    let Some(resp) = index_page(c, Request::html(src.url.clone()), token, sum, found).await? else {
        return Ok(());
    };
    let base = resp.url.clone();
    let (links, jpage) = c
        .on_cpu(move || {
            let text = resp.decode().text;
            (
                extract::hanweb::embedded_links(&text, &resp.url),
                extract::hanweb::jpage(&text, &resp.url),
            )
        })
        .await
        .unwrap_or_else(|e| {
            sum.errors.push(format!("reading the column: {e}"));
            (Vec::new(), None)
        });
    found.items.extend(links.into_iter().map(Discovered::Link));
    let Some(jpage) = jpage else {
        return Ok(());
    };
    for page in 2..=src.pages {
        let url = extract::hanweb::dataproxy_url(&jpage, page);
        let mut req = Request::html(url);
        req.accept = crate::fetch::Accept::Any;
        let Some(r) = c.polite(&req, token).await else {
            break;
        };
        match r {
            Ok(r) if !r.not_modified => {
                sum.pages_fetched += 1;
                let b = base.clone();
                let (links, total) = c
                    .on_cpu(move || extract::hanweb::parse_dataproxy(&r.decode().text, &b))
                    .await
                    .unwrap_or_else(|e| {
                        sum.errors.push(format!("reading a column page: {e}"));
                        (Vec::new(), None)
                    });
                found.items.extend(links.into_iter().map(Discovered::Link));
                if total.is_some_and(|t| page >= t) {
                    break;
                }
            }
            Ok(_) => break,
            Err(e) => {
                // The column's validators stand for its later pages too: not saved when one failed.
                found.validators.truncate(column);
                sum.errors.push(e.to_string());
                break;
            }
        }
    }
    Ok(())
}

/// Today's date in Beijing.
#[must_use]
pub(crate) fn beijing_today() -> Date {
    crate::model::beijing().to_datetime(Timestamp::now()).date()
}

async fn epaper(
    c: &Crawler,
    src: &SourceConfig,
    opts: &RunOptions,
    token: &CancellationToken,
    sum: &mut SourceSummary,
    found: &mut Found,
) -> Result<(), FetchError> {
    let dates: Vec<Date> = match opts.epaper_range {
        Some((from, to)) => {
            let mut v = Vec::new();
            let mut d = from;
            while d <= to && v.len() < 400 {
                v.push(d);
                match d.tomorrow() {
                    Ok(n) => d = n,
                    Err(_) => break,
                }
            }
            v
        }
        None => {
            let today = beijing_today();
            let mut v = vec![today];
            if let Ok(y) = today.yesterday() {
                v.push(y);
            }
            v
        }
    };
    let mut first_error = None;
    let mut any_issue = false;
    for date in dates {
        if token.is_cancelled() {
            break;
        }
        let issue = extract::epaper::issue_url(&src.url, date);
        let issue_page = found.validators.len();
        let resp = match index_page(c, Request::html(issue.clone()), token, sum, found).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                any_issue = true;
                continue;
            }
            Err(FetchError::Status { status: 404, .. }) => {
                debug!(%date, "no e-paper issue that day");
                continue;
            }
            Err(e) => {
                warn!(%date, error = %e, "e-paper issue failed");
                sum.errors.push(e.to_string());
                first_error.get_or_insert(e);
                continue;
            }
        };
        any_issue = true;
        let base = resp.url.clone();
        let (pages, links) = c
            .on_cpu(move || {
                let text = resp.decode().text;
                (
                    extract::epaper::page_links(&text, &resp.url),
                    extract::epaper::article_links(&text, &resp.url),
                )
            })
            .await
            .unwrap_or_else(|e| {
                sum.errors.push(format!("reading the issue: {e}"));
                (Vec::new(), Vec::new())
            });
        found.items.extend(links.into_iter().map(Discovered::Link));
        for page in pages.into_iter().filter(|p| *p != base) {
            let Some(r) = c.polite(&Request::html(page.clone()), token).await else {
                break;
            };
            match r {
                Ok(r) if !r.not_modified => {
                    sum.pages_fetched += 1;
                    let links = c
                        .on_cpu(move || extract::epaper::article_links(&r.decode().text, &r.url))
                        .await
                        .unwrap_or_else(|e| {
                            sum.errors.push(format!("reading an issue page: {e}"));
                            Vec::new()
                        });
                    found.items.extend(links.into_iter().map(Discovered::Link));
                }
                Ok(_) => {}
                Err(e) => {
                    // The issue's validators stand for its pages too: not saved when one failed.
                    found.validators.truncate(issue_page);
                    sum.errors.push(e.to_string());
                }
            }
        }
        // The next issue's links are not reached through this one.
        found.close_pages();
    }
    match (any_issue, first_error) {
        (false, Some(e)) => Err(e),
        _ => Ok(()),
    }
}

async fn feed(
    c: &Crawler,
    src: &SourceConfig,
    token: &CancellationToken,
    sum: &mut SourceSummary,
    found: &mut Found,
) -> Result<(), FetchError> {
    let Some(resp) = index_page(c, Request::feed(src.url.clone()), token, sum, found).await? else {
        return Ok(());
    };
    let url = resp.url.clone();
    let parsed = c
        .on_cpu(move || extract::feed::parse_feed(&resp.body, &resp.url).map_err(|e| e.to_string()))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let entries = match parsed {
        Ok(e) => e,
        Err(e) => {
            // An unreadable feed keeps no validators: it is read again in full next time.
            found.validators.pop();
            sum.errors.push(format!("{url}: {e}"));
            sum.failed = true;
            return Ok(());
        }
    };
    for e in entries {
        if src.fulltext && extract::feed::is_summary_only(&e) {
            found.items.push(Discovered::Link(Link {
                url: e.link.clone(),
                title: Some(e.title.clone()),
                date: None,
            }));
        } else {
            found.items.push(Discovered::FeedEntry(Box::new(e)));
        }
    }
    Ok(())
}
