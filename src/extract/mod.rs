//! DOM → [`Article`], and listings, feeds and e-paper indexes → links.
//!
//! [`extract_article`] runs in named steps: `parse_page` (parse, with the size and nesting guards of
//! [`crate::clean::nesting`] and script, style and noscript bodies first cut to one space by
//! `clean::rawtext`, and choose the profile), `repair_mirror_copy` (a pinyin-annotated mirror copy is
//! repaired by [`crate::clean::repair_mirror`] and parsed again), `extract_from_doc` (the fields from the DOM),
//! `clean_fields` ([`crate::clean::clean_article`]: t2s, spam blocks, whitespace) and `check_content`. Extract
//! calls clean; clean never imports extract.
//!
//! Site profiles (`config/sites/*.toml`, one per CMS family: people.com.cn templates, workercn and its
//! e-paper, Hanweb, TRS) name CSS selectors for each field with fallbacks; whatever a profile misses is
//! filled by the generic density extractor ([`generic`]) tuned for Chinese. Chinese metadata patterns
//! (dates at +08:00, 来源, 责编) live in [`meta`]; bylines are validated candidates ([`byline`], found in the
//! places pages put them, each checked by [`names`], which owns the name lists and splitting and imports
//! neither) and dates scored candidates with their precision ([`date`]). Plain-text copies of articles and
//! the sniffing of input kinds (HTML, text, refused binary formats) are in [`text`]. Multi-page articles are
//! returned with their further page URLs and joined by [`merge_pages`]. Listing pages give [`Link`]s
//! ([`listing_links`], [`next_listing_page`], both from one parse by [`listing_page`], [`hanweb`], [`epaper`]); feeds are parsed in [`feed`]. Nothing
//! here panics on any input: traversal is iterative and depth-guarded.

mod article;
pub mod byline;
pub mod date;
mod dom;
pub mod epaper;
pub mod feed;
pub mod generic;
pub mod hanweb;
mod listing;
pub mod meta;
pub mod names;
mod profile;
pub mod text;

pub use article::{extract_article, merge_pages, Extracted};
pub use dom::Css;
pub use listing::{listing_links, listing_page, next_listing_page, Link};
pub use profile::{FieldSelectors, NativeIdRule, Profile, Profiles};
pub use text::{extract_text, sniff, Kind};

/// What can go wrong while extracting.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A site profile file is malformed.
    #[error("site profile {file}: {reason}")]
    Profile {
        /// The profile file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The page has neither a title nor body text (an empty page, a script-only challenge page).
    #[error("page {url} has no title and no body text")]
    NoContent {
        /// The page.
        url: String,
    },
    /// The document nests elements deeper than the parsers are allowed to go (a parser-hurting page or feed).
    #[error("document {url} nests elements deeper than {limit}")]
    TooDeep {
        /// The document's URL.
        url: String,
        /// The nesting limit.
        limit: usize,
    },
    /// One element of a feed carries more attributes than any real feed does.
    #[error("feed {url} has an element with more than {limit} attributes")]
    TooManyAttributes {
        /// The feed's URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// A feed could not be parsed.
    #[error("parsing feed {url}")]
    Feed {
        /// The feed's URL.
        url: String,
        /// The parser's error.
        #[source]
        source: feed_rs::parser::ParseFeedError,
    },
}
