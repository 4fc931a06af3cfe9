//! `db copy` on the sled engine: a story written as another store keeps it (records as they are, indexed
//! under their fingerprints) in one atomic batch, and the fetch and source states read out whole.

use super::codec::*;
use super::ingest::{index_fingerprint, Pending};
use super::{sled_err, SledStore};
use crate::dedup::story::Member;
use crate::dedup::{self, Fingerprint};
use crate::model::{FetchState, SourceId, SourceState, StoredArticle, StoryId};
use crate::store::StoreError;

impl SledStore {
    /// [`crate::store::Store::import_story`]: one atomic batch, durable at the next flush.
    pub(crate) fn import_story(
        &self,
        id: &StoryId,
        members: Vec<(StoredArticle, Fingerprint)>,
    ) -> Result<bool, StoreError> {
        let _guard = self.ingest_lock();
        let tree = self.tree();
        if members.is_empty() || self.get_raw(&story_key(id))?.is_some() {
            return Ok(false);
        }
        let mut pending = Pending::new(tree);
        let mut story = StoryRecord {
            members: Vec::with_capacity(members.len()),
            time: 0,
        };
        let n = members.len() as u64;
        for (rec, fp) in members {
            if let Some(other) = self.get(&rec.id)? {
                return Err(StoreError::Backend {
                    op: "copy story",
                    source: format!(
                        "article {} is stored here already, in story {}",
                        hex::encode(rec.id.0),
                        hex::encode(other.story.0)
                    )
                    .into(),
                });
            }
            index_fingerprint(&mut pending, &rec.id, &fp, id)?;
            let id_key = dedup::url_key_str(&rec.article.canonical_url);
            let fetched_key = dedup::url_key_str(&rec.article.url);
            pending.insert(url_index_key(&id_key), rec.id.0.to_vec());
            if !fetched_key.is_empty() && fetched_key != id_key {
                pending.insert(url_index_key(&fetched_key), rec.id.0.to_vec());
            }
            pending.insert(
                source_time_key(&rec.source_id, rec.sort_time().as_second(), &rec.id),
                Vec::new(),
            );
            pending.insert(article_key(&rec.id), encode("article", &rec)?);
            story.members.push(Member::of(&rec));
        }
        story.order();
        pending.insert(story_time_key(story.time, id), Vec::new());
        pending.insert(story_key(id), encode("story", &story)?);
        for (k, add) in [(META_ARTICLES, n), (META_STORIES, 1), (META_GENERATION, 1)] {
            let v = pending.meta_u64(k)? + add;
            pending.insert(k.to_vec(), v.to_be_bytes().to_vec());
        }
        tree.apply_batch(pending.into_batch())
            .map_err(sled_err("copy story"))?;
        Ok(true)
    }

    /// Every fetch state by URL identity key (undecodable ones skipped and logged).
    pub(crate) fn fetch_states(&self) -> Result<Vec<(String, FetchState)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.tree().scan_prefix([b'F']) {
            let (k, v) = kv.map_err(sled_err("scan fetch states"))?;
            let Ok(url_key) = std::str::from_utf8(&k[1..]) else {
                continue;
            };
            if let Some(st) = decode_logged::<FetchState>(&k, &v) {
                out.push((url_key.to_owned(), st));
            }
        }
        Ok(out)
    }

    /// Every source state (undecodable ones skipped and logged).
    pub(crate) fn source_states(&self) -> Result<Vec<(SourceId, SourceState)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.tree().scan_prefix([b'S']) {
            let (k, v) = kv.map_err(sled_err("scan source states"))?;
            let id = std::str::from_utf8(&k[1..])
                .ok()
                .and_then(|s| SourceId::new(s).ok());
            if let (Some(id), Some(st)) = (id, decode_logged::<SourceState>(&k, &v)) {
                out.push((id, st));
            }
        }
        Ok(out)
    }
}
