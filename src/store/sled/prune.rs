//! Retention on the sled engine ([`crate::store::Store::prune`]): a story none of whose copies is current
//! any more is removed with everything that refers to its articles, one atomic batch per story.
//!
//! A copy is current from its publication time (else its first-seen time) and from its first-seen time,
//! whichever is later: an old article a listing still links is stored again when it is crawled, and kept
//! for the whole retention from then on, instead of being fetched and dropped on every run.
//!
//! Per story, under the ingest lock (so no write interleaves): the story record and its time-index key,
//! and for each member its article record, fingerprint, band and anchor postings, source-index key, the
//! URL index entries that point at it and the fetch states of those URLs; the article and story counters
//! go down and the generation moves. The URL entries are found by one scan before the batches; a sweep
//! after them removes any that a concurrent write added for an article that is now gone.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use super::codec::*;
use super::ingest::unindex_fingerprint;
use super::{sled_err, SledStore};
use crate::dedup;
use crate::model::{ArticleId, StoryId};
use crate::store::{PruneReport, StoreError};

/// The last time (unix seconds) any copy of the story was current (see the module documentation).
fn last_current(rec: &StoryRecord) -> Option<i64> {
    rec.members.iter().map(|m| m.time.max(m.first_seen)).max()
}

/// Whether the story is past the cutoff.
fn expired(rec: &StoryRecord, cutoff: i64) -> bool {
    last_current(rec).is_some_and(|t| t < cutoff)
}

/// The fetch-state key of the URL whose index key is `u_key` (`u` + URL key → `F` + URL key).
fn fetch_state_of(u_key: &[u8]) -> Vec<u8> {
    let mut k = u_key.to_vec();
    if let Some(p) = k.first_mut() {
        *p = b'F';
    }
    k
}

impl SledStore {
    /// Removes every story whose copies all stopped being current before `cutoff`, with its articles and
    /// their index entries and fetch states; then flushes.
    ///
    /// # Errors
    /// When sled fails to read, write or flush (the stories removed before the failure stay removed, each
    /// whole).
    pub(crate) fn prune(&self, cutoff: Timestamp) -> Result<PruneReport, StoreError> {
        let cutoff = cutoff.as_second();
        let tree = self.tree();
        let mut report = PruneReport::default();
        let mut old: Vec<StoryId> = Vec::new();
        let mut doomed: HashSet<ArticleId> = HashSet::new();
        for item in tree.scan_prefix([b's']) {
            let (k, v) = item.map_err(sled_err("scan stories"))?;
            // A damaged story record is `db verify`'s to report, not this pass's to guess about.
            let Ok(rec) = decode::<StoryRecord>(&v) else {
                continue;
            };
            let Some(id) = k.get(1..).and_then(id_from) else {
                continue;
            };
            if expired(&rec, cutoff) {
                old.push(StoryId(id.0));
                doomed.extend(rec.members.iter().map(|m| m.id));
            }
        }
        if old.is_empty() {
            return Ok(report);
        }
        let mut urls: HashMap<ArticleId, Vec<Vec<u8>>> = HashMap::new();
        for item in tree.scan_prefix([b'u']) {
            let (k, v) = item.map_err(sled_err("scan URL index"))?;
            if let Some(id) = id_from(&v).filter(|id| doomed.contains(id)) {
                urls.entry(id).or_default().push(k.to_vec());
            }
        }
        for story in &old {
            self.prune_story(story, cutoff, &urls, &mut report)?;
        }
        self.sweep_url_entries(&doomed, &mut report)?;
        self.flush()?;
        Ok(report)
    }

    /// Removes one story and everything of its members in one batch, if it is still expired.
    fn prune_story(
        &self,
        story: &StoryId,
        cutoff: i64,
        urls: &HashMap<ArticleId, Vec<Vec<u8>>>,
        report: &mut PruneReport,
    ) -> Result<(), StoreError> {
        let _guard = self.ingest_lock();
        let tree = self.tree();
        let rec = match self.get_raw(&story_key(story))? {
            Some(v) => match decode::<StoryRecord>(&v) {
                Ok(rec) => rec,
                Err(_) => return Ok(()),
            },
            None => return Ok(()),
        };
        // A new copy may have joined the story since the scan.
        if !expired(&rec, cutoff) {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        let mut postings = Postings::default();
        let (mut articles, mut url_entries, mut fetch_states) = (0u64, 0u64, 0u64);
        for m in &rec.members {
            // A member that another story holds (damage) is that story's to keep or remove.
            let Some(a) = self.get(&m.id)?.filter(|a| a.story == *story) else {
                continue;
            };
            if let Some(fp) = self.fingerprint_of(&m.id)? {
                unindex_fingerprint(tree, &mut postings, &m.id, &fp)?;
            }
            batch.remove(fp_key(&m.id));
            batch.remove(article_key(&m.id));
            batch.remove(source_time_key(
                &a.source_id,
                a.sort_time().as_second(),
                &m.id,
            ));
            let mut keys: HashSet<Vec<u8>> = urls
                .get(&m.id)
                .map(|ks| ks.iter().cloned().collect())
                .unwrap_or_default();
            for u in [&a.article.canonical_url, &a.article.url] {
                let k = dedup::url_key_str(u);
                if !k.is_empty() {
                    keys.insert(url_index_key(&k));
                }
            }
            for k in keys {
                let points_here = self.get_raw(&k)?.and_then(|v| id_from(&v)) == Some(m.id);
                if !points_here {
                    continue;
                }
                let f = fetch_state_of(&k);
                if self.get_raw(&f)?.is_some() {
                    batch.remove(f);
                    fetch_states += 1;
                }
                batch.remove(k);
                url_entries += 1;
            }
            articles += 1;
        }
        postings.write(&mut batch);
        batch.remove(story_time_key(rec.time, story));
        batch.remove(story_key(story));
        let left = self.meta_u64(META_ARTICLES)?.saturating_sub(articles);
        batch.insert(META_ARTICLES, &left.to_be_bytes());
        let left = self.meta_u64(META_STORIES)?.saturating_sub(1);
        batch.insert(META_STORIES, &left.to_be_bytes());
        let g = self.meta_u64(META_GENERATION)? + 1;
        batch.insert(META_GENERATION, &g.to_be_bytes());
        tree.apply_batch(batch).map_err(sled_err("prune story"))?;
        report.stories += 1;
        report.articles += articles;
        report.url_entries += url_entries;
        report.fetch_states += fetch_states;
        Ok(())
    }

    /// Removes URL index entries (and their fetch states) that point at a removed article: ones a write
    /// added between the scan and the story's batch. Normally there are none.
    fn sweep_url_entries(
        &self,
        doomed: &HashSet<ArticleId>,
        report: &mut PruneReport,
    ) -> Result<(), StoreError> {
        let _guard = self.ingest_lock();
        let tree = self.tree();
        let mut batch = sled::Batch::default();
        let mut found = false;
        for item in tree.scan_prefix([b'u']) {
            let (k, v) = item.map_err(sled_err("scan URL index"))?;
            let Some(id) = id_from(&v).filter(|id| doomed.contains(id)) else {
                continue;
            };
            if self.get_raw(&article_key(&id))?.is_some() {
                continue;
            }
            let f = fetch_state_of(&k);
            if self.get_raw(&f)?.is_some() {
                batch.remove(f);
                report.fetch_states += 1;
            }
            batch.remove(k);
            report.url_entries += 1;
            found = true;
        }
        if found {
            tree.apply_batch(batch)
                .map_err(sled_err("prune URL index"))?;
        }
        Ok(())
    }
}
