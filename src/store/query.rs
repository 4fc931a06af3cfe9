//! Read-only queries for the web pages and paged feeds: pages of stories newest first (all of them, a
//! source's, or those matching a search) that continue from a [`Cursor`], and a story's copies. Nothing
//! here writes; every query reads the same time indexes the feeds use (`t` for stories, `x` for a
//! source's articles), walking them backwards from the cursor, so a page costs what it returns plus the
//! records a filter rejects.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::{
    decode_logged, id_from, key, matches_q, story_key, time_bytes, Store, StoreError, StoryFilter,
    StoryRecord, StoryView,
};
use crate::model::{SourceId, StoryId};

/// Where a page of stories continues: everything strictly older than (time, id) in the index it came
/// from. Written as `{unix seconds}.{32 hex digits}` in `before=` query parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor {
    /// Sort time, unix seconds (published, else first seen).
    pub time: i64,
    /// The id that breaks ties at that second (a story id for story pages, an article id for a
    /// source's pages).
    pub id: [u8; 16],
}

impl Cursor {
    /// The cursor of a bare time: a page from it holds everything sorted strictly before second `time`
    /// (`before=2024-09-27T00:00:00+08:00`).
    #[must_use]
    pub fn at_time(time: i64) -> Self {
        Self { time, id: [0; 16] }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.time, hex::encode(self.id))
    }
}

/// Why a `before=` value is not a cursor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("before must be a cursor from a next link (SECONDS.HEX) or an RFC 3339 time")]
pub struct BadCursor;

impl FromStr for Cursor {
    type Err = BadCursor;

    /// `{seconds}.{32 hex}` (what next links carry), or an RFC 3339 instant (everything before it).
    fn from_str(s: &str) -> Result<Self, BadCursor> {
        let s = s.trim();
        if let Some((secs, hex_id)) = s.split_once('.') {
            if let (Ok(time), Ok(bytes)) = (secs.parse::<i64>(), hex::decode(hex_id)) {
                if let Ok(id) = <[u8; 16]>::try_from(bytes) {
                    return Ok(Self { time, id });
                }
            }
        }
        let ts: jiff::Timestamp = s.parse().map_err(|_| BadCursor)?;
        // Strictly before the instant: a whole second earlier unless it falls exactly on a second.
        let secs = ts.as_second();
        let time = if ts.subsec_nanosecond() > 0 {
            secs + 1
        } else {
            secs
        };
        Ok(Self::at_time(time))
    }
}

/// One page of stories, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryPage {
    /// The stories, each with the cursor of its place in the index.
    pub stories: Vec<(StoryView, Cursor)>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl Store {
    /// Up to `limit` stories newest first (by the lead's published, else first seen) matching `filter`,
    /// strictly older than `before` when given. `next` is set when older matching stories exist.
    ///
    /// # Errors
    /// When sled fails.
    pub fn stories_page(
        &self,
        filter: &StoryFilter,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        let mut page = StoryPage {
            stories: Vec::new(),
            next: None,
        };
        if limit == 0 {
            return Ok(page);
        }
        let start = key(b't', &[]);
        let end = match before {
            Some(c) => key(b't', &[&time_bytes(c.time), &c.id]),
            None => key(b'u', &[]),
        };
        let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        for item in self.tree().range(start..end).keys().rev() {
            let k = item.map_err(StoreError::sled("scan stories"))?;
            let (Some(time), Some(sid)) = (
                k.get(1..9).and_then(time_from),
                k.get(9..).and_then(id_from).map(|a| StoryId(a.0)),
            ) else {
                continue;
            };
            let sk = story_key(&sid);
            let Some(rec) = self
                .get_raw(&sk)?
                .and_then(|v| decode_logged::<StoryRecord>(&sk, &v))
            else {
                continue;
            };
            if let Some(sources) = &filter.sources {
                if !rec.members.iter().any(|m| sources.contains(&m.source)) {
                    continue;
                }
            }
            let Some(view) = self.view(sid, &rec)? else {
                continue;
            };
            if let Some(q) = q {
                let hit = std::iter::once(&view.lead)
                    .chain(&view.also)
                    .any(|a| matches_q(&a.article, q));
                if !hit {
                    continue;
                }
            }
            if page.stories.len() == limit {
                page.next = page.stories.last().map(|(_, c)| *c);
                break;
            }
            page.stories.push((view, Cursor { time, id: sid.0 }));
        }
        Ok(page)
    }

    /// Up to `limit` stories `source` carried, newest first by that source's article (published,
    /// else first seen), each story once, optionally only those whose articles match `q`, strictly
    /// older than `before` when given. The cursors are of the source's articles.
    ///
    /// # Errors
    /// When sled fails.
    pub fn source_stories_page(
        &self,
        source: &SourceId,
        q: Option<&str>,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        let mut page = StoryPage {
            stories: Vec::new(),
            next: None,
        };
        if limit == 0 {
            return Ok(page);
        }
        let prefix = key(b'x', &[source.as_str().as_bytes(), &[0]]);
        let end = match before {
            Some(c) => key(b'x', &[&prefix[1..], &time_bytes(c.time), &c.id]),
            None => key(b'x', &[source.as_str().as_bytes(), &[1]]),
        };
        let q = q.map(str::trim).filter(|q| !q.is_empty());
        let mut seen: BTreeSet<StoryId> = BTreeSet::new();
        for item in self.tree().range(prefix.clone()..end).keys().rev() {
            let k = item.map_err(StoreError::sled("scan source"))?;
            let Some(rest) = k.get(prefix.len()..) else {
                continue;
            };
            let (Some(time), Some(aid)) = (
                rest.get(..8).and_then(time_from),
                rest.get(8..).and_then(id_from),
            ) else {
                continue;
            };
            let Some(a) = self.get(&aid)? else { continue };
            // A stale index entry (the article moved to another source or another time) is skipped.
            if a.source_id != *source || a.sort_time().as_second() != time {
                continue;
            }
            if q.is_some_and(|q| !matches_q(&a.article, q)) {
                continue;
            }
            if seen.contains(&a.story) {
                continue;
            }
            let Some(view) = self.story(&a.story)? else {
                continue;
            };
            if page.stories.len() == limit {
                page.next = page.stories.last().map(|(_, c)| *c);
                break;
            }
            seen.insert(a.story);
            page.stories.push((view, Cursor { time, id: aid.0 }));
        }
        Ok(page)
    }
}

/// The inverse of `time_bytes`.
fn time_from(bytes: &[u8]) -> Option<i64> {
    let b: [u8; 8] = bytes.try_into().ok()?;
    Some(i64::from_ne_bytes(
        (u64::from_be_bytes(b) ^ (1 << 63)).to_ne_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_the_index_encoding() {
        for t in [i64::MIN, -1, 0, 1, 1_727_406_060, i64::MAX] {
            assert_eq!(time_from(&time_bytes(t)), Some(t));
        }
    }

    #[test]
    fn cursors_print_and_parse() {
        let c = Cursor {
            time: 1_727_406_060,
            id: [0xab; 16],
        };
        assert_eq!(c.to_string().parse::<Cursor>(), Ok(c));
        assert_eq!(
            "2024-09-27T11:01:00+08:00".parse::<Cursor>(),
            Ok(Cursor::at_time(1_727_406_060))
        );
        assert!("yesterday".parse::<Cursor>().is_err());
        assert!("12.zz".parse::<Cursor>().is_err());
        assert!("12.abcd".parse::<Cursor>().is_err());
    }
}
