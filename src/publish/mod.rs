//! Publishing: which stories a feed holds and how they are written out. This module owns the feed
//! names the server exposes (`all`, `source/{id}`, `tag/{tag}` × `.rss`/`.atom`/`.json`), the
//! conversion of stored stories into [`FeedItem`]s (one item per story, a GUID that never changes,
//! full text as sanitised HTML with the other sites that carried the story listed at its end), and
//! the serializers for RSS 2.0 (`rss` crate), Atom 1.0 (`atom_syndication`), JSON Feed 1.1
//! (`serde_json`) and OPML 2.0 (`quick-xml`). No feed is ever built from a string template, and
//! every string is stripped of the characters XML 1.0 forbids before it is written.

use std::fmt;

use url::Url;

use crate::model::Published;

mod feed;
mod items;
mod opml;
mod render;

pub use feed::{build_feed, BuiltFeed, FeedRequest};
pub use items::{
    article_link, body_html, copies_in_order, health_summary, is_mirror, items_from_stories,
    load_items, load_page, source_name, source_state, summary_of, FeedPage, SUMMARY_CHARS,
};
pub use opml::render_opml;
pub use opml::{base_dir, feed_url, stylesheet_url, STYLESHEET_PATH};
pub use render::{render_atom, render_json, render_rss, MIRROR_MARK};

/// The longest `q` (in characters) a feed query accepts.
pub const MAX_QUERY_CHARS: usize = 200;

/// The channel-level facts of one feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedMeta {
    /// The feed's title.
    pub title: String,
    /// The feed's description (plain text).
    pub description: String,
    /// The human page the feed belongs to (`<link>`, `home_page_url`).
    pub home_url: Url,
    /// The feed's own URL (`atom:link rel="self"`, `feed_url`).
    pub self_url: Url,
    /// How long readers may cache the feed (`<ttl>`), in minutes.
    pub ttl_minutes: u32,
    /// When the feed's content last changed in the store (`lastBuildDate`, Atom `updated`); `None`
    /// for an empty feed.
    pub updated: Option<jiff::Timestamp>,
    /// When the document was built: an empty Atom feed's `updated`.
    pub built: jiff::Timestamp,
    /// The next (older) page, if there is one (Atom `rel="next"`, RFC 5005; JSON Feed `next_url`;
    /// an `atom:link rel="next"` in RSS).
    pub next_url: Option<Url>,
    /// The XSLT stylesheet a browser renders the RSS and Atom documents with (`<?xml-stylesheet?>`).
    pub stylesheet: Option<Url>,
}

/// Another copy of a story: where else it was carried.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OtherCopy {
    /// The configured name of the source that carried it.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// It is a spam or pinyin mirror (or its text was damaged): listed last, and marked.
    pub mirror: bool,
}

/// One item of a feed: one story, shown through its lead article.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedItem {
    /// A GUID that never changes for the story, e.g. `urn:unionwire:story:<hex>`.
    pub guid: String,
    /// The headline (plain text).
    pub title: String,
    /// Absolute URL of the lead article.
    pub link: String,
    /// The story, for links to its page.
    pub story: Option<crate::model::StoryId>,
    /// When the lead article was published, in its own offset.
    pub published: Option<Published>,
    /// When the story's content last changed (Atom `updated`, JSON Feed `date_modified`): its
    /// publication time while it never changed; `None` when unknown.
    pub updated: Option<jiff::Timestamp>,
    /// When the store last took in a copy of the story (the feed's `Last-Modified`).
    pub stored: Option<jiff::Timestamp>,
    /// Reporters and authors.
    pub authors: Vec<String>,
    /// 来源: the outlet the page credits.
    pub source: Option<String>,
    /// The configured name of the source the lead article came from.
    pub category: Option<String>,
    /// That source's own feed (RSS `<source url>`): its configured URL for a `feed` source, else its
    /// per-source feed here.
    pub source_feed: Option<String>,
    /// A plain-text summary.
    pub summary: String,
    /// The full text as sanitised HTML (paragraphs, images), links absolute.
    pub content_html: String,
    /// The other sites that carried the story: clean copies first, mirrors last.
    pub also_carried_by: Vec<OtherCopy>,
}

/// The GUID of a story: `urn:unionwire:story:<32 hex digits>`.
#[must_use]
pub fn story_guid(id: &crate::model::StoryId) -> String {
    format!("urn:unionwire:story:{}", id.to_hex())
}

/// A feed's serialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl FeedFormat {
    /// Every format, in the order they are listed.
    pub const ALL: [Self; 3] = [Self::Rss, Self::Atom, Self::Json];

    /// The file extension, without the dot.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Rss => "rss",
            Self::Atom => "atom",
            Self::Json => "json",
        }
    }

    /// The media type the feed is served as.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// The format named by an extension.
    #[must_use]
    pub(crate) fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "rss" => Some(Self::Rss),
            "atom" => Some(Self::Atom),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// Renders `items` in this format.
    #[must_use]
    pub fn render(self, meta: &FeedMeta, items: &[FeedItem]) -> String {
        match self {
            Self::Rss => render_rss(meta, items),
            Self::Atom => render_atom(meta, items),
            Self::Json => render_json(meta, items),
        }
    }
}

/// Which stories a feed holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeedScope {
    /// Every story.
    All,
    /// One source's articles.
    Source(crate::model::SourceId),
    /// The stories of every source carrying this tag.
    Tag(String),
}

impl FeedScope {
    /// The feed's path under the server root, without the extension (`feeds/all`, `feeds/source/x`).
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Self::All => "feeds/all".to_owned(),
            Self::Source(id) => format!("feeds/source/{id}"),
            Self::Tag(tag) => format!("feeds/tag/{tag}"),
        }
    }
}

impl fmt::Display for FeedScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Splits a feed file name such as `all.rss` or `acftu-people.atom` into its stem and format.
/// `None` when the extension is not a feed format or the stem is not `[a-z0-9-]{1,64}`.
#[must_use]
pub fn split_feed_file(name: &str) -> Option<(crate::model::SourceId, FeedFormat)> {
    let (stem, ext) = name.rsplit_once('.')?;
    let format = FeedFormat::from_extension(ext)?;
    let stem = crate::model::SourceId::new(stem).ok()?;
    Some((stem, format))
}

/// Whether a character may appear in an XML 1.0 document (the `Char` production).
#[must_use]
pub fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// `s` without the characters XML 1.0 forbids (C0 controls but tab/newline/return, U+FFFE, U+FFFF).
#[must_use]
pub(crate) fn xml_text(s: &str) -> String {
    if s.chars().all(is_xml_char) {
        s.to_owned()
    } else {
        s.chars().filter(|&c| is_xml_char(c)).collect()
    }
}

/// `s` as one line of plain text: XML-safe, whitespace runs (newlines included) folded to one space, trimmed.
#[must_use]
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().filter(|&c| is_xml_char(c)) {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Whether `s` is an absolute http(s) URL, the only kind of link a feed carries.
#[must_use]
pub fn is_web_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illegal_xml_characters_are_removed() {
        assert_eq!(xml_text("a\u{0}b\u{b}c\u{1f}d\u{fffe}e\u{ffff}f"), "abcdef");
        assert_eq!(xml_text("tab\tnl\ncr\r😀"), "tab\tnl\ncr\r😀");
    }

    #[test]
    fn one_line_folds_whitespace() {
        assert_eq!(one_line("  a\n\n b\u{3}\tc "), "a b c");
        assert_eq!(one_line("]]>\t\u{0}"), "]]>");
        assert_eq!(one_line("a\u{0} b"), "a b");
    }

    #[test]
    fn feed_files_are_split() {
        let (stem, f) = split_feed_file("acftu-people.atom").unwrap();
        assert_eq!(stem.as_str(), "acftu-people");
        assert_eq!(f, FeedFormat::Atom);
        assert!(split_feed_file("all.xml").is_none());
        assert!(split_feed_file("../etc.rss").is_none());
        assert!(split_feed_file(".rss").is_none());
        assert!(split_feed_file("A.rss").is_none());
    }

    #[test]
    fn only_web_urls_are_links() {
        assert!(is_web_url("https://a.example/x"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("/relative"));
        assert!(!is_web_url("data:text/html,x"));
    }
}
