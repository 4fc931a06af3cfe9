//! Pages of stories on the sled engine: the `t` index (stories by lead time) for all stories and
//! searches, the `x` index (a source's articles by time) for a source's stories. Nothing here writes.

use super::codec::{decode_logged, id_from, key, story_key, time_bytes, StoryRecord};
use super::{sled_err, SledStore};
use crate::model::{SourceId, StoryId};
use crate::store::query::{Cursor, PageFill, StoryPage};
use crate::store::{StoreError, StoryFilter};

impl SledStore {
    /// Up to `limit` stories newest first (by the lead's published, else first seen) matching `filter`,
    /// strictly older than `before` when given. `next` is set when older matching stories exist.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn stories_page(
        &self,
        filter: &StoryFilter,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        let mut fill = PageFill::new(limit, filter.q.as_deref());
        if fill.is_closed() {
            return Ok(fill.finish());
        }
        let start = key(b't', &[]);
        let end = match before {
            Some(c) => key(b't', &[&time_bytes(c.time), &c.id]),
            None => key(b'u', &[]),
        };
        for item in self.tree().range(start..end).keys().rev() {
            let k = item.map_err(sled_err("scan stories"))?;
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
            if !PageFill::sources_pass(filter, rec.members.iter().map(|m| &m.source)) {
                continue;
            }
            let Some(view) = self.view(sid, &rec)? else {
                continue;
            };
            if !fill.offer_story(view, Cursor { time, id: sid.0 }) {
                break;
            }
        }
        Ok(fill.finish())
    }

    /// Up to `limit` stories `source` carried, newest first by that source's article (published,
    /// else first seen), each story once, optionally only those whose articles match `q`, strictly
    /// older than `before` when given. The cursors are of the source's articles.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn source_stories_page(
        &self,
        source: &SourceId,
        q: Option<&str>,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<StoryPage, StoreError> {
        let mut fill = PageFill::new(limit, q);
        if fill.is_closed() {
            return Ok(fill.finish());
        }
        let prefix = key(b'x', &[source.as_str().as_bytes(), &[0]]);
        let end = match before {
            Some(c) => key(b'x', &[&prefix[1..], &time_bytes(c.time), &c.id]),
            None => key(b'x', &[source.as_str().as_bytes(), &[1]]),
        };
        for item in self.tree().range(prefix.clone()..end).keys().rev() {
            let k = item.map_err(sled_err("scan source"))?;
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
            if !fill.wants_article(&a) {
                continue;
            }
            let Some(view) = self.story(&a.story)? else {
                continue;
            };
            if !fill.offer_source_story(view, Cursor { time, id: aid.0 }) {
                break;
            }
        }
        Ok(fill.finish())
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
    use super::super::codec::time_bytes;
    use super::*;

    #[test]
    fn times_round_trip_through_the_index_encoding() {
        for t in [i64::MIN, -1, 0, 1, 1_727_406_060, i64::MAX] {
            assert_eq!(time_from(&time_bytes(t)), Some(t));
        }
    }
}
