//! Checks made once a document has parsed: ranges, source ids, URL schemes, selectors, regexes, tags.
//! Every error names the file, line and key.

use std::collections::BTreeSet;
use std::time::Duration;

use super::locate::Seg;
use super::values::regex_error_words;
use super::{selector_error_words, Config, ConfigError, SourceKind};
use crate::model::SourceId;

impl Config {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let doc = &self.document;
        let top = |section: &'static str, key: &'static str, message: &str| {
            doc.invalid(
                format!("{section}.{key}"),
                &[Seg::Key(section), Seg::Key(key)],
                message.to_owned(),
            )
        };
        if self.crawl.concurrency == 0 {
            return Err(top("crawl", "concurrency", "must be at least 1"));
        }
        if self.crawl.source_concurrency == 0 {
            return Err(top("crawl", "source_concurrency", "must be at least 1"));
        }
        if !(0.0..=1.0).contains(&self.crawl.jitter) {
            return Err(top("crawl", "jitter", "must be between 0.0 and 1.0"));
        }
        if self.crawl.max_body_bytes < 1024 {
            return Err(top("crawl", "max_body_bytes", "must be at least 1024"));
        }
        if self.crawl.timeout.is_zero() {
            return Err(top("crawl", "timeout", "must be above zero"));
        }
        if self.crawl.read_timeout.is_zero() {
            return Err(top("crawl", "read_timeout", "must be above zero"));
        }
        if self.crawl.lease_ttl < Duration::from_secs(1) {
            return Err(top(
                "crawl",
                "lease_ttl",
                "must be at least 1s (the lease is renewed every third of it)",
            ));
        }
        if self.feeds.default_limit == 0 || self.feeds.default_limit > self.feeds.max_limit {
            return Err(top(
                "feeds",
                "default_limit",
                &format!(
                    "must be between 1 and feeds.max_limit ({})",
                    self.feeds.max_limit
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            let bad = |k: &'static str, message: String| {
                doc.invalid(
                    format!("sources[{i}] ({}).{k}", s.id),
                    &[Seg::Key("sources"), Seg::Index(i), Seg::Key(k)],
                    message,
                )
            };
            if !seen.insert(s.id.as_str()) {
                return Err(bad("id", "duplicate source id".into()));
            }
            if !matches!(s.url.scheme(), "http" | "https") {
                return Err(bad(
                    "url",
                    format!(
                        "the {} scheme is not supported; only http and https URLs can be crawled",
                        s.url.scheme()
                    ),
                ));
            }
            if s.every < Duration::from_secs(60) {
                return Err(bad("every", "must be at least 1m, to be polite".into()));
            }
            if s.pages == 0 {
                return Err(bad("pages", "must be at least 1".into()));
            }
            match (&s.kind, &s.links) {
                (SourceKind::Listing, None) => {
                    return Err(bad("links", "a listing source needs a CSS selector".into()));
                }
                (_, Some(sel)) => {
                    if let Err(e) = scraper::Selector::parse(sel) {
                        return Err(bad(
                            "links",
                            format!("invalid CSS selector {sel:?}: {}", selector_error_words(&e)),
                        ));
                    }
                }
                _ => {}
            }
            if let Some(p) = &s.pattern {
                if let Err(e) = regex::Regex::new(p) {
                    return Err(bad(
                        "pattern",
                        format!("invalid regex {p:?}: {}", regex_error_words(&e)),
                    ));
                }
            }
            for t in &s.tags {
                if SourceId::new(t.clone()).is_err() {
                    return Err(bad("tags", format!("tag {t:?} must be [a-z0-9-]+")));
                }
            }
        }
        Ok(())
    }
}
