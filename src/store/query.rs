//! Paged queries, engine-neutral parts: the [`Cursor`] a page continues from (what `before=` carries)
//! and a [`StoryPage`]. Pages of stories run newest first over the engine's time indexes, walking
//! backwards from the cursor, so a page costs what it returns plus the records a filter rejects.

use std::fmt;
use std::str::FromStr;

use std::collections::BTreeSet;

use crate::model::{SourceId, StoredArticle, StoryId, StoryView};

use super::{matches_q, StoryFilter};

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
    pub(crate) fn at_time(time: i64) -> Self {
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

/// The paging policy every engine applies while it walks its time index newest first: the source
/// filter, the search, each story once on a source's pages, the page size and where the next page
/// starts. The engine reads records; this decides what the page holds.
pub(crate) struct PageFill {
    page: StoryPage,
    limit: usize,
    q: Option<String>,
    seen: BTreeSet<StoryId>,
}

impl PageFill {
    /// A page of up to `limit` stories, searching for `q` (trimmed; empty means no search).
    pub(crate) fn new(limit: usize, q: Option<&str>) -> Self {
        Self {
            page: StoryPage {
                stories: Vec::new(),
                next: None,
            },
            limit,
            q: q.map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            seen: BTreeSet::new(),
        }
    }

    /// Whether nothing can be added (a page of size 0): the engine need not read at all.
    pub(crate) fn is_closed(&self) -> bool {
        self.limit == 0 || self.page.next.is_some()
    }

    /// Whether a story whose members come from `sources` passes the filter's source list.
    pub(crate) fn sources_pass<'a>(
        filter: &StoryFilter,
        mut sources: impl Iterator<Item = &'a SourceId>,
    ) -> bool {
        filter
            .sources
            .as_ref()
            .is_none_or(|wanted| sources.any(|s| wanted.contains(s)))
    }

    /// Offers a story of a story page at `cursor`; it is taken when the search (if any) matches its
    /// lead or a member. Returns `false` once the page is full (then `next` is set and the walk stops).
    pub(crate) fn offer_story(&mut self, view: StoryView, cursor: Cursor) -> bool {
        if let Some(q) = &self.q {
            let hit = std::iter::once(&view.lead)
                .chain(&view.also)
                .any(|a| matches_q(&a.article, q));
            if !hit {
                return true;
            }
        }
        self.take(view, cursor)
    }

    /// Whether a source's article should bring its story onto a source page: it matches the search
    /// (if any) and its story is not on the page yet.
    pub(crate) fn wants_article(&self, a: &StoredArticle) -> bool {
        !self.seen.contains(&a.story) && self.q.as_deref().is_none_or(|q| matches_q(&a.article, q))
    }

    /// Takes the story of a source's article at `cursor` (the article's). Returns `false` once the
    /// page is full.
    pub(crate) fn offer_source_story(&mut self, view: StoryView, cursor: Cursor) -> bool {
        let id = view.id;
        let open = self.take(view, cursor);
        if open {
            self.seen.insert(id);
        }
        open
    }

    fn take(&mut self, view: StoryView, cursor: Cursor) -> bool {
        if self.page.stories.len() >= self.limit {
            self.page.next = self.page.stories.last().map(|(_, c)| *c);
            return false;
        }
        self.page.stories.push((view, cursor));
        true
    }

    /// The page.
    pub(crate) fn finish(self) -> StoryPage {
        self.page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
