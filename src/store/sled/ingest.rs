//! Writing articles into the sled engine: each `write` call is one atomic sled batch holding, for every
//! article, its record, URL index entries, fingerprint, band and anchor postings, story record, source
//! index and the fetch state it came with, built under a process-local lock. Each article is decided on
//! the store as the articles before it in the batch left it ([`Pending`] reads through the batch's own
//! writes), and each band or anchor list is read and written once per batch however many articles it
//! takes. What to keep and where it goes is decided by [`crate::dedup::story`].

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;

use super::codec::*;
use super::{sled_err, SledStore};
use crate::dedup::story::{self, Member};
use crate::dedup::{self, Fingerprint};
use crate::model::{Article, ArticleId, FetchState, Ingested, SourceId, StoredArticle, StoryId};
use crate::store::{Incoming, StoreError};

impl SledStore {
    /// Writes the articles ([`crate::store::Store::write`]) in one atomic sled batch, under the ingest lock;
    /// not flushed. Each article is decided on the store as the articles before it left it: reads go
    /// through the batch's pending writes, and each band and anchor list is read at most once and written
    /// once however many articles of the batch it takes. An article without URL stops the batch after the
    /// articles before it are written; an engine failure writes nothing of the batch.
    pub(crate) fn write(&self, items: Vec<Incoming>) -> Result<Vec<Ingested>, StoreError> {
        let _guard = self.ingest_lock();
        let tree = self.tree();
        let mut pending = Pending::new(tree);
        let mut out = Vec::with_capacity(items.len());
        let mut stopped = None;
        for i in items {
            let now = i.at.unwrap_or_else(Timestamp::now);
            match self.write_one(
                &mut pending,
                i.article,
                i.fingerprint,
                &i.source,
                i.priority,
                now,
                i.fetched.as_ref(),
            ) {
                Ok(done) => out.push(done),
                Err(e @ StoreError::NoUrl { .. }) => {
                    stopped = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if !pending.is_empty() {
            tree.apply_batch(pending.into_batch())
                .map_err(sled_err("write article"))?;
        }
        match stopped {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// One article, its fingerprint, and the fetch state of the URL it was asked for, if any, into
    /// `pending`. Nothing is put in `pending` when this fails with [`StoreError::NoUrl`].
    #[allow(clippy::too_many_arguments)]
    fn write_one(
        &self,
        pending: &mut Pending<'_>,
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

        let existing = pending.article(&id)?;
        let new_article = existing.is_none();
        let mut new_story = false;
        let mut changed;
        let record = match existing {
            Some(old) => {
                let next = story::next_version(&old, article, source, priority, now);
                changed = next.changed;
                let mut rec = next.record;
                if changed {
                    let old_fp = pending.fingerprint(&id)?.unwrap_or_default();
                    let new_fp = if next.kept_old { old_fp.clone() } else { fp };
                    if new_fp != old_fp {
                        unindex_fingerprint(pending.tree, &mut pending.postings, &id, &old_fp)?;
                        index_fingerprint(pending, &id, &new_fp, &rec.story)?;
                        rec.simhash = new_fp.simhash;
                    }
                    if old.sort_time() != rec.sort_time() {
                        pending.remove(source_time_key(
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
                let story = match find_story(pending, &id, &fp)? {
                    Some(s) => s,
                    None => {
                        new_story = true;
                        StoryId::from(id)
                    }
                };
                index_fingerprint(pending, &id, &fp, &story)?;
                let n = pending.meta_u64(META_ARTICLES)? + 1;
                pending.insert(META_ARTICLES.to_vec(), n.to_be_bytes().to_vec());
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
        let sk = story_key(&story_id);
        let old_story: Option<StoryRecord> = pending.get(&sk)?.and_then(|v| decode(&v).ok());
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
                pending.remove(story_time_key(old.time, &story_id));
            }
        } else {
            let n = pending.meta_u64(META_STORIES)? + 1;
            pending.insert(META_STORIES.to_vec(), n.to_be_bytes().to_vec());
        }
        pending.insert(story_time_key(story.time, &story_id), Vec::new());
        pending.insert(sk, encode("story", &story)?);

        pending.insert(article_key(&id), encode("article", &record)?);
        pending.insert(url_index_key(&id_key), id.0.to_vec());
        if !fetched_key.is_empty() && fetched_key != id_key {
            pending.insert(url_index_key(&fetched_key), id.0.to_vec());
        }
        if let Some((asked, state)) = fetched {
            // The URL the crawler asked for (before redirects and rel=canonical) finds the article too, and its
            // validators land with the article: neither exists without the other.
            let asked_key = dedup::url_key_str(asked);
            if !asked_key.is_empty() {
                if asked_key != id_key && asked_key != fetched_key {
                    pending.insert(url_index_key(&asked_key), id.0.to_vec());
                }
                pending.insert(fetch_state_key(asked), encode("fetch state", state)?);
            }
        }
        pending.insert(
            source_time_key(&record.source_id, record.sort_time().as_second(), &id),
            Vec::new(),
        );
        if changed {
            // The counter lives in the tree, so a reader in another process sees it move.
            let g = pending.meta_u64(META_GENERATION)? + 1;
            pending.insert(META_GENERATION.to_vec(), g.to_be_bytes().to_vec());
        }
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

    /// The story a fingerprint would join (the closest stored near-duplicate's), through the band and
    /// anchor indexes; `None` when it would found a new story.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn near_duplicate_story(
        &self,
        fp: &Fingerprint,
    ) -> Result<Option<StoryId>, StoreError> {
        find_story(&mut Pending::new(self.tree()), &ArticleId([0; 16]), fp)
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

/// The writes of one [`SledStore::write`] not yet applied, read through by the articles that follow: keys
/// set or removed (the last change of a key wins, as in a sled batch), and the band and anchor lists as
/// edited so far ([`Postings`]: each read from the tree at most once).
pub(super) struct Pending<'t> {
    tree: &'t sled::Tree,
    writes: HashMap<Vec<u8>, Option<Vec<u8>>>,
    pub(super) postings: Postings,
}

impl<'t> Pending<'t> {
    pub(super) fn new(tree: &'t sled::Tree) -> Pending<'t> {
        Pending {
            tree,
            writes: HashMap::new(),
            postings: Postings::default(),
        }
    }

    /// The value under `k` as this batch leaves it.
    pub(super) fn get(&self, k: &[u8]) -> Result<Option<Cow<'_, [u8]>>, StoreError> {
        match self.writes.get(k) {
            Some(v) => Ok(v.as_deref().map(Cow::Borrowed)),
            None => Ok(self
                .tree
                .get(k)
                .map_err(sled_err("read"))?
                .map(|v| Cow::Owned(v.to_vec()))),
        }
    }

    pub(super) fn insert(&mut self, k: Vec<u8>, v: Vec<u8>) {
        self.writes.insert(k, Some(v));
    }

    pub(super) fn remove(&mut self, k: Vec<u8>) {
        self.writes.insert(k, None);
    }

    pub(super) fn meta_u64(&self, k: &[u8]) -> Result<u64, StoreError> {
        Ok(self.get(k)?.and_then(|v| u64_value(&v)).unwrap_or(0))
    }

    /// The stored article `id` (a damaged record reads as absent).
    pub(super) fn article(&self, id: &ArticleId) -> Result<Option<StoredArticle>, StoreError> {
        let k = article_key(id);
        Ok(self.get(&k)?.and_then(|v| decode_logged(&k, &v)))
    }

    pub(super) fn fingerprint(&self, id: &ArticleId) -> Result<Option<Fingerprint>, StoreError> {
        Ok(self.get(&fp_key(id))?.and_then(|v| decode_fp(&v)))
    }

    /// Whether nothing is to be written.
    pub(super) fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.postings.dirty.is_empty()
    }

    /// One sled batch of every change.
    pub(super) fn into_batch(self) -> sled::Batch {
        let mut batch = sled::Batch::default();
        for (k, v) in self.writes {
            match v {
                Some(v) => batch.insert(k, v),
                None => batch.remove(k),
            }
        }
        self.postings.write(&mut batch);
        batch
    }
}

/// The story of the closest stored near-duplicate of `fp` (other than `id`), found through the band and
/// anchor lists as `pending` leaves them.
pub(super) fn find_story(
    pending: &mut Pending<'_>,
    id: &ArticleId,
    fp: &Fingerprint,
) -> Result<Option<StoryId>, StoreError> {
    let tree = pending.tree;
    let postings = &mut pending.postings;
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
        if let Some(cfp) = pending.fingerprint(&c)? {
            found.push((c, cfp));
        }
    }
    match story::closest(fp, &stock, found) {
        Some(c) => Ok(pending.article(&c)?.map(|a| a.story)),
        None => Ok(None),
    }
}

/// Records `fp` as `id`'s fingerprint and posts it in its band and anchor lists.
pub(super) fn index_fingerprint(
    pending: &mut Pending<'_>,
    id: &ArticleId,
    fp: &Fingerprint,
    story: &StoryId,
) -> Result<(), StoreError> {
    pending.insert(fp_key(id), encode_fp(fp));
    let tree = pending.tree;
    let postings = &mut pending.postings;
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
