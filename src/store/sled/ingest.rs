//! Writing articles into the sled engine: one atomic batch per article (its record, URL index entries,
//! fingerprint, band and anchor postings, story record, source index and the fetch state it came with),
//! under a process-local lock. What to keep and where it goes is decided by [`crate::dedup::story`].

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::codec::*;
use super::{sled_err, SledStore};
use crate::dedup::story::{self, Member};
use crate::dedup::{self, Fingerprint};
use crate::model::{Article, ArticleId, FetchState, Ingested, SourceId, StoredArticle, StoryId};
use crate::store::{Incoming, StoreError};

impl SledStore {
    /// Writes each article in its own atomic batch ([`crate::store::Store::write`]); not flushed.
    pub(crate) fn write(&self, items: Vec<Incoming>) -> Result<Vec<Ingested>, StoreError> {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            let now = i.at.unwrap_or_else(Timestamp::now);
            out.push(self.write_one(
                i.article,
                i.fingerprint,
                &i.source,
                i.priority,
                now,
                i.fetched.as_ref(),
            )?);
        }
        Ok(out)
    }

    /// One article, its fingerprint, and the fetch state of the URL it was asked for, if any, in one batch.
    fn write_one(
        &self,
        mut article: Article,
        fp: Fingerprint,
        source: &SourceId,
        priority: i32,
        now: Timestamp,
        fetched: Option<&(String, FetchState)>,
    ) -> Result<Ingested, StoreError> {
        if article.url.trim().is_empty() && article.canonical_url.trim().is_empty() {
            return Err(StoreError::NoUrl {
                title: article.title,
            });
        }
        let canonical = dedup::canonical_article_url(&article);
        let id_key = dedup::url_key_str(&canonical);
        let id = ArticleId::from_canonical_url(&id_key);
        let fetched_key = dedup::url_key_str(&article.url);
        article.canonical_url = canonical;

        let _guard = self
            .inner
            .ingest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tree = self.tree();
        let existing = self.get(&id)?;
        let new_article = existing.is_none();
        let mut batch = sled::Batch::default();
        let mut postings = Postings::default();
        let mut new_story = false;
        let mut changed;
        let record = match existing {
            Some(old) => {
                let next = story::next_version(&old, article, source, priority, now);
                changed = next.changed;
                let mut rec = next.record;
                if changed {
                    let old_fp = self.fingerprint_of(&id)?.unwrap_or_default();
                    let new_fp = if next.kept_old { old_fp.clone() } else { fp };
                    if new_fp != old_fp {
                        unindex_fingerprint(tree, &mut postings, &id, &old_fp)?;
                        index_fingerprint(
                            tree,
                            &mut batch,
                            &mut postings,
                            &id,
                            &new_fp,
                            &rec.story,
                        )?;
                        rec.simhash = new_fp.simhash;
                    }
                    if old.sort_time() != rec.sort_time() {
                        batch.remove(source_time_key(
                            &old.source_id,
                            old.sort_time().as_second(),
                            &id,
                        ));
                    }
                }
                rec
            }
            None => {
                changed = true;
                let story = match self.find_story(&id, &fp, &mut postings)? {
                    Some(s) => s,
                    None => {
                        new_story = true;
                        StoryId::from(id)
                    }
                };
                index_fingerprint(tree, &mut batch, &mut postings, &id, &fp, &story)?;
                let n = self.meta_u64(META_ARTICLES)? + 1;
                batch.insert(META_ARTICLES, &n.to_be_bytes());
                StoredArticle {
                    id,
                    story,
                    source_id: source.clone(),
                    priority,
                    first_seen: now,
                    last_seen: now,
                    changed_at: None,
                    simhash: fp.simhash,
                    article,
                }
            }
        };

        // The story record.
        let story_id = record.story;
        let old_story: Option<StoryRecord> = tree
            .get(story_key(&story_id))
            .map_err(sled_err("read story"))?
            .and_then(|v| decode(&v).ok());
        let mut story = old_story.clone().unwrap_or(StoryRecord {
            members: Vec::new(),
            time: 0,
        });
        if old_story.is_none() && !new_story {
            // The story record was lost (damage): this article re-founds it.
            new_story = true;
        }
        if story::place_member(&mut story.members, Member::of(&record)) {
            changed = true;
        }
        story.order();
        if let Some(old) = &old_story {
            if old.time != story.time {
                batch.remove(story_time_key(old.time, &story_id));
            }
        } else {
            let n = self.meta_u64(META_STORIES)? + 1;
            batch.insert(META_STORIES, &n.to_be_bytes());
        }
        batch.insert(story_time_key(story.time, &story_id), &[][..]);
        batch.insert(story_key(&story_id), encode("story", &story)?);

        batch.insert(article_key(&id), encode("article", &record)?);
        batch.insert(url_index_key(&id_key), &id.0[..]);
        if !fetched_key.is_empty() && fetched_key != id_key {
            batch.insert(url_index_key(&fetched_key), &id.0[..]);
        }
        if let Some((asked, state)) = fetched {
            // The URL the crawler asked for (before redirects and rel=canonical) finds the article too, and its
            // validators land with the article: neither exists without the other.
            let asked_key = dedup::url_key_str(asked);
            if !asked_key.is_empty() {
                if asked_key != id_key && asked_key != fetched_key {
                    batch.insert(url_index_key(&asked_key), &id.0[..]);
                }
                batch.insert(fetch_state_key(asked), encode("fetch state", state)?);
            }
        }
        batch.insert(
            source_time_key(&record.source_id, record.sort_time().as_second(), &id),
            &[][..],
        );
        postings.write(&mut batch);
        if changed {
            // The counter lives in the tree, so a reader in another process sees it move.
            let g = self.meta_u64(META_GENERATION)? + 1;
            batch.insert(META_GENERATION, &g.to_be_bytes());
        }
        tree.apply_batch(batch).map_err(sled_err("write article"))?;
        Ok(Ingested {
            id,
            story: story_id,
            new_article,
            new_story,
            changed,
        })
    }

    /// Writes everything to disk (fsync).
    ///
    /// # Errors
    /// When sled cannot flush.
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        self.inner.db.flush().map(|_| ()).map_err(sled_err("flush"))
    }

    pub(super) fn get_raw(&self, k: &[u8]) -> Result<Option<sled::IVec>, StoreError> {
        self.tree().get(k).map_err(sled_err("read"))
    }

    pub(super) fn meta_u64(&self, k: &[u8]) -> Result<u64, StoreError> {
        Ok(self.get_raw(k)?.and_then(|v| u64_value(&v)).unwrap_or(0))
    }

    pub(super) fn fingerprint_of(&self, id: &ArticleId) -> Result<Option<Fingerprint>, StoreError> {
        Ok(self.get_raw(&fp_key(id))?.and_then(|v| decode_fp(&v)))
    }

    /// The story of the closest stored near-duplicate, found through the band and anchor lists (read
    /// through `postings`, so the ingest that follows writes them back without reading them again).
    pub(super) fn find_story(
        &self,
        id: &ArticleId,
        fp: &Fingerprint,
        postings: &mut Postings,
    ) -> Result<Option<StoryId>, StoreError> {
        let tree = self.tree();
        let mut candidates: BTreeSet<ArticleId> = BTreeSet::new();
        for (n, band) in (0u8..).zip(dedup::bands(fp.simhash)) {
            let list = postings.read(tree, band_key(n, band))?;
            candidates.extend(
                band_postings(list)
                    .filter(|(h, _)| story::band_candidate(*h, fp))
                    .map(|(_, c)| c),
            );
        }
        let mut stock: Vec<u64> = Vec::new();
        for a in &fp.anchors {
            let list = postings.read(tree, anchor_key(*a))?;
            let stories: BTreeSet<StoryId> = anchor_postings(list).map(|(_, s)| s).collect();
            if story::is_stock_anchor(stories.len()) {
                stock.push(*a);
            } else {
                candidates.extend(anchor_postings(list).map(|(c, _)| c));
            }
        }
        candidates.remove(id);
        let mut found = Vec::with_capacity(candidates.len());
        for c in candidates {
            if let Some(cfp) = self.fingerprint_of(&c)? {
                found.push((c, cfp));
            }
        }
        match story::closest(fp, &stock, found) {
            Some(c) => Ok(self.get(&c)?.map(|a| a.story)),
            None => Ok(None),
        }
    }

    /// The story a fingerprint would join (the closest stored near-duplicate's), through the band and
    /// anchor indexes; `None` when it would found a new story.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn near_duplicate_story(
        &self,
        fp: &Fingerprint,
    ) -> Result<Option<StoryId>, StoreError> {
        self.find_story(&ArticleId([0; 16]), fp, &mut Postings::default())
    }

    /// Benchmark support: posts bare SimHashes under `id`s in the band lists (no article or fingerprint
    /// record). Every band list is read in one sequential scan first (a bulk load touches most of
    /// them), and the changed lists are written in batches of a few thousand. Not for production data:
    /// `verify` reports such entries as dangling.
    ///
    /// # Errors
    /// When sled fails.
    #[doc(hidden)]
    pub fn bench_index_fingerprints(&self, items: &[(ArticleId, u64)]) -> Result<(), StoreError> {
        const WRITE_STEP: usize = 8192;
        let tree = self.tree();
        let mut postings = Postings::default();
        for item in tree.scan_prefix([b'B']) {
            let (k, v) = item.map_err(sled_err("scan band index"))?;
            postings.lists.insert(k.to_vec(), v.to_vec());
        }
        for (id, h) in items {
            for (n, b) in (0u8..).zip(dedup::bands(*h)) {
                postings.add(tree, band_key(n, b), List::Band, id, &band_posting(*h, id))?;
            }
        }
        let Postings { mut lists, dirty } = postings;
        let dirty: Vec<Vec<u8>> = dirty.into_iter().collect();
        for keys in dirty.chunks(WRITE_STEP) {
            let mut batch = sled::Batch::default();
            for k in keys {
                if let Some(v) = lists.remove(k) {
                    batch.insert(k.as_slice(), v);
                }
            }
            tree.apply_batch(batch)
                .map_err(sled_err("write fingerprints"))?;
        }
        Ok(())
    }
}

/// Records `fp` as `id`'s fingerprint and posts it in its band and anchor lists.
pub(super) fn index_fingerprint(
    tree: &sled::Tree,
    batch: &mut sled::Batch,
    postings: &mut Postings,
    id: &ArticleId,
    fp: &Fingerprint,
    story: &StoryId,
) -> Result<(), StoreError> {
    batch.insert(fp_key(id), encode_fp(fp));
    for (n, b) in (0u8..).zip(dedup::bands(fp.simhash)) {
        // The full SimHash rides along, so a lookup filters candidates without reading them.
        postings.add(
            tree,
            band_key(n, b),
            List::Band,
            id,
            &band_posting(fp.simhash, id),
        )?;
    }
    for a in &fp.anchors {
        // The story rides along, so a lookup can tell a stock phrase (in many stories) from a shared one.
        postings.add(
            tree,
            anchor_key(*a),
            List::Anchor,
            id,
            &anchor_posting(id, story),
        )?;
    }
    Ok(())
}

/// Takes `id`'s postings of `fp` out of the band and anchor lists.
pub(super) fn unindex_fingerprint(
    tree: &sled::Tree,
    postings: &mut Postings,
    id: &ArticleId,
    fp: &Fingerprint,
) -> Result<(), StoreError> {
    for (n, b) in (0u8..).zip(dedup::bands(fp.simhash)) {
        postings.remove(tree, band_key(n, b), List::Band, id)?;
    }
    for a in &fp.anchors {
        postings.remove(tree, anchor_key(*a), List::Anchor, id)?;
    }
    Ok(())
}
