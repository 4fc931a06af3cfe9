//! Domain types shared by every stage of the pipeline: what an article is, how it is identified,
//! when it was published, and what a fetch produced. No I/O lives here.

use std::fmt;
use std::str::FromStr;

use jiff::tz::Offset;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

mod state;
mod stored;

pub use state::{FetchState, PageRole, SourceError, SourceState, SourceStatus};
pub use stored::{Ingested, StoredArticle, StoryView};

/// An error and its causes on one line, joined with ": " (a cause whose text the line already holds is
/// left out: many errors repeat their source's words in their own).
#[must_use]
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// The offset every naive time on a Chinese news page is read in (Asia/Shanghai, no DST since 1991).
pub(crate) const BEIJING_OFFSET_HOURS: i8 = 8;

/// The Beijing offset as a `jiff` offset.
#[must_use]
pub fn beijing() -> Offset {
    Offset::constant(BEIJING_OFFSET_HOURS)
}

/// A configured source's id: `[a-z0-9-]+`, used in feed URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SourceId(String);

/// Why a string is not a valid [`SourceId`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("source id {0:?} must be 1-64 characters of a-z, 0-9 and '-'")]
pub struct BadSourceId(pub String);

impl SourceId {
    /// Validates and wraps a source id.
    ///
    /// # Errors
    /// [`BadSourceId`] when the id is empty, longer than 64 characters or has other characters than `[a-z0-9-]`.
    pub fn new(id: impl Into<String>) -> Result<Self, BadSourceId> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(id))
        } else {
            Err(BadSourceId(id))
        }
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SourceId {
    type Err = BadSourceId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl<'de> Deserialize<'de> for SourceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(s).map_err(serde::de::Error::custom)
    }
}

macro_rules! hex_id {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 16]);

        impl $name {
            /// The id as 32 lower-case hex digits.
            #[must_use]
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Parses 32 hex digits.
            #[must_use]
            pub fn from_hex(s: &str) -> Option<Self> {
                let bytes = hex::decode(s).ok()?;
                Some(Self(bytes.try_into().ok()?))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::from_hex(&s).ok_or_else(|| serde::de::Error::custom("expected 32 hex digits"))
            }
        }
    };
}

hex_id!(
    ArticleId,
    "An article's identity: the first 16 bytes of SHA-256 over its canonical URL."
);
hex_id!(
    StoryId,
    "A story's identity: the [`ArticleId`] of the first article that founded it; never changes."
);

impl ArticleId {
    /// The id of the article at `canonical_url` (already canonicalised by `dedup::canonical_url`).
    #[must_use]
    pub fn from_canonical_url(canonical_url: &str) -> Self {
        let digest = Sha256::digest(canonical_url.as_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Self(out)
    }
}

impl From<ArticleId> for StoryId {
    fn from(id: ArticleId) -> Self {
        Self(id.0)
    }
}

/// A publication time: the instant, plus the offset the page stated it in (kept for republishing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// The instant (UTC).
    pub instant: Timestamp,
    /// The offset the page gave, or +08:00 for a naive Chinese time.
    pub offset: Offset,
}

impl Published {
    /// A civil Beijing date-time (a naive time on a Chinese page). `None` for an impossible date or time.
    #[must_use]
    pub fn beijing(
        year: i16,
        month: i8,
        day: i8,
        hour: i8,
        minute: i8,
        second: i8,
    ) -> Option<Self> {
        let dt = jiff::civil::DateTime::new(year, month, day, hour, minute, second, 0).ok()?;
        let offset = beijing();
        let instant = offset.to_timestamp(dt).ok()?;
        Some(Self { instant, offset })
    }

    /// RFC 3339 in the page's own offset, e.g. `2024-09-27T11:01:00+08:00`.
    #[must_use]
    pub fn to_rfc3339(&self) -> String {
        let dt = self.offset.to_datetime(self.instant);
        let secs = self.offset.seconds();
        let sign = if secs < 0 { '-' } else { '+' };
        let abs = secs.unsigned_abs();
        format!(
            "{}{}{:02}:{:02}",
            dt.strftime("%Y-%m-%dT%H:%M:%S"),
            sign,
            abs / 3600,
            (abs % 3600) / 60
        )
    }

    /// RFC 2822 (for RSS `pubDate`) in the page's own offset, e.g. `Fri, 27 Sep 2024 11:01:00 +0800`.
    #[must_use]
    pub fn to_rfc2822(&self) -> String {
        let dt = self.offset.to_datetime(self.instant);
        let secs = self.offset.seconds();
        let sign = if secs < 0 { '-' } else { '+' };
        let abs = secs.unsigned_abs();
        format!(
            "{} {}{:02}{:02}",
            dt.strftime("%a, %d %b %Y %H:%M:%S"),
            sign,
            abs / 3600,
            (abs % 3600) / 60
        )
    }

    /// Parses RFC 3339 with any offset, keeping that offset.
    #[must_use]
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let pieces = jiff::fmt::temporal::Pieces::parse(s).ok()?;
        let dt = pieces
            .date()
            .to_datetime(pieces.time().unwrap_or(jiff::civil::Time::midnight()));
        let offset = match pieces.offset()? {
            jiff::fmt::temporal::PiecesOffset::Zulu => Offset::UTC,
            jiff::fmt::temporal::PiecesOffset::Numeric(n) => n.offset(),
            _ => return None,
        };
        let instant = offset.to_timestamp(dt).ok()?;
        Some(Self { instant, offset })
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub fn unix_seconds(&self) -> i64 {
        self.instant.as_second()
    }
}

impl Serialize for Published {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Published {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date-time"))
    }
}

/// Something notable about how an article was obtained or repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The page was a pinyin-annotated Traditional spam mirror; its text was repaired.
    PinyinMirror,
    /// The page carried spam-site markers (stuffed title, junk tags, SEO tail) besides the article.
    SpamMirror,
    /// Keyword-stuffed blocks (county lists, gambling words, pipe-separated link lists) were removed.
    SpamRemoved,
    /// Characters were lost beyond repair (marked with U+FFFD).
    Degraded,
    /// The article was merged from several pages.
    MultiPage,
    /// Some field came from the generic extractor because the profile missed it.
    GenericFallback,
    /// The body was empty or nearly so.
    EmptyBody,
    /// The page declared a charset its bytes contradict; it was decoded as the bytes support.
    CharsetMismatch,
    /// The title carried a bracketed spam prefix (`[某某化妆品]…`), which was removed.
    SpamTitlePrefix,
}

/// Why an article's site profile was used (`fetch --json` field `profile_match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileMatch {
    /// The profile's host/URL patterns matched the page URL.
    Url,
    /// The page carried the profile's signature (meta tags, containers, URL shape).
    Signature,
    /// The caller named the profile (`fetch --profile`, a source's `profile`).
    Named,
    /// No profile applied: the generic extractor (or a feed entry).
    #[default]
    None,
}

/// How much of a publication time the page actually gave: a page that shows only a day is not
/// published at midnight, and consumers must not read the midnight as a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Only the month (`2003年5月`); the day shown is the 1st.
    Month,
    /// The day, no time of day (midnight shown).
    Day,
    /// Hours and minutes.
    Minute,
    /// Hours, minutes and seconds.
    Second,
}

impl Precision {
    /// The name used in JSON (`month`, `day`, `minute`, `second`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Day => "day",
            Self::Minute => "minute",
            Self::Second => "second",
        }
    }
}

/// A clean article: what `fetch --json` prints and what the store keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Article {
    /// The URL the page was finally fetched from (after redirects), or the file path given.
    pub url: String,
    /// The canonical URL (from `dedup::canonical_url`, or a mirror's origin).
    pub canonical_url: String,
    /// The headline.
    pub title: String,
    /// 副题: the subtitle, if any.
    pub subtitle: Option<String>,
    /// 引题: the kicker line above the title, if any.
    #[serde(default)]
    pub lead_title: Option<String>,
    /// Reporters and authors, in page order, spaces inside names removed.
    #[serde(default)]
    pub authors: Vec<String>,
    /// 责编 / 责任编辑.
    #[serde(default)]
    pub editors: Vec<String>,
    /// 来源: the outlet the page credits, if any.
    pub source: Option<String>,
    /// When the article was published, if known.
    pub published: Option<Published>,
    /// How precise `published` is (`second`, `minute`, `day`, `month`); null when there is no date.
    /// Records stored before the field existed decode with null.
    #[serde(default)]
    pub published_precision: Option<Precision>,
    /// Body text, one string per paragraph.
    #[serde(default)]
    pub paragraphs: Vec<String>,
    /// Image URLs in the body, absolute.
    #[serde(default)]
    pub images: Vec<String>,
    /// The character encoding the page was decoded with (WHATWG name).
    #[serde(default)]
    pub encoding: String,
    /// The site profile that extracted it (`generic` for the fallback).
    #[serde(default)]
    pub profile: String,
    /// Why that profile was used.
    #[serde(default)]
    pub profile_match: ProfileMatch,
    /// Site-native ids (e.g. `contentid` on people.com.cn), as (name, value).
    #[serde(default)]
    pub native_ids: Vec<(String, String)>,
    /// Notes on how it was obtained or repaired.
    #[serde(default)]
    pub flags: Vec<Flag>,
}

impl Article {
    /// Adds a flag once.
    pub fn flag(&mut self, flag: Flag) {
        if !self.flags.contains(&flag) {
            self.flags.push(flag);
            self.flags.sort();
        }
    }

    /// Whether the flag is set.
    #[must_use]
    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }

    /// The body as one string, paragraphs separated by newlines.
    #[must_use]
    pub fn body_text(&self) -> String {
        self.paragraphs.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_time_renders_with_its_offset() {
        let p = Published::beijing(2024, 9, 27, 11, 1, 0).unwrap();
        assert_eq!(p.to_rfc3339(), "2024-09-27T11:01:00+08:00");
        assert_eq!(p.to_rfc2822(), "Fri, 27 Sep 2024 11:01:00 +0800");
        assert_eq!(p.instant.to_string(), "2024-09-27T03:01:00Z");
        let back = Published::parse_rfc3339(&p.to_rfc3339()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn impossible_dates_are_none() {
        assert!(Published::beijing(2024, 2, 30, 0, 0, 0).is_none());
        assert!(Published::beijing(2024, 13, 1, 0, 0, 0).is_none());
    }

    #[test]
    fn source_ids_are_validated() {
        assert!(SourceId::new("acftu-people").is_ok());
        assert!(SourceId::new("Bad Id").is_err());
        assert!(SourceId::new("").is_err());
    }

    #[test]
    fn article_ids_are_stable_hex() {
        let a = ArticleId::from_canonical_url(
            "http://acftu.people.com.cn/n1/2024/0927/c67502-40328717.html",
        );
        assert_eq!(a.to_hex().len(), 32);
        assert_eq!(ArticleId::from_hex(&a.to_hex()), Some(a));
    }
}
