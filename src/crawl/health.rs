//! Source health, in one place: what kind of failure a fetch error is, and how a run changes a source's
//! [`SourceState`] (status, last error, last success, last new article). The crawler calls
//! `record_run`; the `sources` command, the web pages and `/metrics` only read what it wrote.
//!
//! The rule: a source that has never succeeded is `failing` from its first failed run; one that has is
//! `degraded` when a run fails and `failing` after `crawl.failing_after` failed runs in a row; runs that
//! find nothing new for `crawl.failing_after` runs in a row make a working source `degraded`.

use jiff::Timestamp;

use crate::fetch::FetchError;
use crate::store::{SourceError, SourceState, SourceStatus};

/// What kind of failure an error is, as health, logs and `/metrics` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The host name did not resolve.
    Dns,
    /// The connection failed or broke.
    Connect,
    /// A timeout.
    Timeout,
    /// A 5xx answer (or 429).
    Http5xx,
    /// A 4xx answer.
    Http4xx,
    /// An anti-bot wall or a host on hold.
    Blocked,
    /// robots.txt disallows it.
    Robots,
    /// The page or feed could not be read (not HTML, not a feed, too large, undecodable).
    Parse,
    /// Nothing was found where articles were expected.
    Empty,
    /// Anything else (a refused address, a bad URL, the store).
    Other,
}

impl ErrorKind {
    /// `dns`, `connect`, `timeout`, `http 5xx`, `http 4xx`, `blocked`, `robots`, `parse`, `empty`, `other`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Http5xx => "http 5xx",
            Self::Http4xx => "http 4xx",
            Self::Blocked => "blocked",
            Self::Robots => "robots",
            Self::Parse => "parse",
            Self::Empty => "empty",
            Self::Other => "other",
        }
    }

    /// The kind of a fetch error. A robots.txt that could not be fetched because its host does not
    /// resolve is a DNS failure (the site did not block us), and likewise for connection failures and
    /// timeouts.
    #[must_use]
    pub fn of(e: &FetchError) -> Self {
        match e {
            FetchError::Dns { .. } => Self::Dns,
            FetchError::Connect { .. } | FetchError::Body { .. } => Self::Connect,
            FetchError::Timeout { .. } => Self::Timeout,
            FetchError::Status { status, .. } if *status == 429 || *status >= 500 => Self::Http5xx,
            FetchError::Status { .. } => Self::Http4xx,
            FetchError::Blocked { .. } | FetchError::HostOnHold { .. } => Self::Blocked,
            FetchError::RobotsDisallowed {
                unreachable: Some(cause),
                ..
            } => {
                if cause.starts_with("DNS") {
                    Self::Dns
                } else if cause.contains("timeout") {
                    Self::Timeout
                } else if cause.starts_with("connecting") {
                    Self::Connect
                } else {
                    Self::Robots
                }
            }
            FetchError::RobotsDisallowed { .. } => Self::Robots,
            FetchError::NotHtml { .. } | FetchError::TooLarge { .. } => Self::Parse,
            FetchError::InvalidUrl { .. }
            | FetchError::BadScheme { .. }
            | FetchError::PrivateAddress { .. }
            | FetchError::TooManyRedirects { .. } => Self::Other,
        }
    }
}

/// What one run of a source came to, for [`record_run`].
#[derive(Debug, Clone)]
pub(crate) struct RunReport {
    /// The run failed as a whole (its index could not be read).
    pub failed: bool,
    /// The error that failed it, or the first error of a run that succeeded with errors: its kind
    /// ([`ErrorKind::as_str`]), one line, and the URL.
    pub error: Option<(&'static str, String, Option<String>)>,
    /// Articles stored for the first time.
    pub new_articles: u64,
    /// Stored articles whose content changed.
    pub updated_articles: u64,
}

/// Folds one finished (not cancelled) run into `st`. `failing_after` is `crawl.failing_after`.
pub(crate) fn record_run(
    st: &mut SourceState,
    run: &RunReport,
    failing_after: u32,
    now: Timestamp,
) {
    st.runs += 1;
    st.last_run = Some(now);
    st.last_new = u32::try_from(run.new_articles).unwrap_or(u32::MAX);
    st.articles_total += run.new_articles;
    if run.new_articles > 0 {
        st.last_new_article = Some(now);
    }
    if let Some((kind, message, url)) = &run.error {
        st.error = Some(SourceError {
            kind: (*kind).to_owned(),
            message: message.clone(),
            url: url.clone(),
            at: now,
        });
        st.last_error = Some(message.clone());
    } else if !run.failed {
        st.last_error = None;
    }
    // Only a run that read its index can say it found nothing; a failed run says it failed.
    if !run.failed {
        let found_nothing = run.new_articles == 0 && run.updated_articles == 0;
        st.consecutive_empty = if found_nothing {
            st.consecutive_empty + 1
        } else {
            0
        };
    }
    let limit = failing_after.max(1);
    if run.failed {
        st.consecutive_failures += 1;
        st.status = if st.last_success.is_none() || st.consecutive_failures >= limit {
            SourceStatus::Failing
        } else {
            SourceStatus::Degraded
        };
    } else {
        st.consecutive_failures = 0;
        st.last_success = Some(now);
        st.status = if st.consecutive_empty >= limit {
            SourceStatus::Degraded
        } else {
            SourceStatus::Healthy
        };
    }
    st.healthy = st.status == SourceStatus::Healthy;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(failed: bool, new: u64) -> RunReport {
        RunReport {
            failed,
            error: failed.then(|| ("dns", "DNS lookup failed for a.example".into(), None)),
            new_articles: new,
            updated_articles: 0,
        }
    }

    #[test]
    fn a_source_that_never_worked_fails_at_once() {
        let mut st = SourceState::default();
        record_run(&mut st, &run(true, 0), 3, Timestamp::UNIX_EPOCH);
        assert_eq!(st.status, SourceStatus::Failing);
        assert!(!st.healthy);
        assert_eq!(st.error.as_ref().map(|e| e.kind.as_str()), Some("dns"));
    }

    #[test]
    fn a_working_source_degrades_then_fails_after_the_limit_and_recovers() {
        let mut st = SourceState::default();
        let t = Timestamp::UNIX_EPOCH;
        record_run(&mut st, &run(false, 4), 3, t);
        assert_eq!(st.status, SourceStatus::Healthy);
        record_run(&mut st, &run(true, 0), 3, t);
        assert_eq!(st.status, SourceStatus::Degraded);
        record_run(&mut st, &run(true, 0), 3, t);
        assert_eq!(st.status, SourceStatus::Degraded);
        record_run(&mut st, &run(true, 0), 3, t);
        assert_eq!(st.status, SourceStatus::Failing);
        record_run(&mut st, &run(false, 1), 3, t);
        assert_eq!(st.status, SourceStatus::Healthy);
        assert!(st.error.is_some(), "the last error stays on record");
        assert_eq!(st.last_error, None);
    }

    #[test]
    fn runs_that_find_nothing_degrade_a_working_source() {
        let mut st = SourceState::default();
        let t = Timestamp::UNIX_EPOCH;
        record_run(&mut st, &run(false, 2), 3, t);
        for _ in 0..2 {
            record_run(&mut st, &run(false, 0), 3, t);
        }
        assert_eq!(st.status, SourceStatus::Healthy);
        record_run(&mut st, &run(false, 0), 3, t);
        assert_eq!(st.status, SourceStatus::Degraded);
    }
}
