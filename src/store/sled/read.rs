//! Reading the sled engine: articles by id and URL, stories, a source's articles, fetch state, source
//! health, the generation counter and counts.

use std::collections::BTreeSet;

use super::codec::*;
use super::SCHEMA_VERSION;
use super::{sled_err, SledStore};
use crate::dedup;
use crate::model::{
    ArticleId, FetchState, SourceId, SourceState, StoredArticle, StoryId, StoryView,
};
use crate::store::{matches_q, Stats, StoreError};

impl SledStore {
    /// The article with this id. A damaged record reads as absent (and is reported by [`Store::verify`]).
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn get(&self, id: &ArticleId) -> Result<Option<StoredArticle>, StoreError> {
        let k = article_key(id);
        Ok(self.get_raw(&k)?.and_then(|v| decode_logged(&k, &v)))
    }

    /// The article stored for a URL (canonicalised; a recognised mirror URL finds its origin).
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn by_url(&self, url: &str) -> Result<Option<StoredArticle>, StoreError> {
        match self.url_id(url)? {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    pub(super) fn url_id(&self, url: &str) -> Result<Option<ArticleId>, StoreError> {
        for k in lookup_keys(url) {
            if let Some(v) = self.get_raw(&url_index_key(&k))? {
                if let Some(id) = id_from(&v) {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }

    /// Whether an article is stored for this URL (canonicalised).
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn contains_url(&self, url: &str) -> Result<bool, StoreError> {
        Ok(self.url_id(url)?.is_some())
    }

    /// A story with its members; `None` when unknown (or its lead's record is damaged).
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn story(&self, id: &StoryId) -> Result<Option<StoryView>, StoreError> {
        let k = story_key(id);
        let Some(rec) = self
            .get_raw(&k)?
            .and_then(|v| decode_logged::<StoryRecord>(&k, &v))
        else {
            return Ok(None);
        };
        self.view(*id, &rec)
    }

    pub(super) fn view(
        &self,
        id: StoryId,
        rec: &StoryRecord,
    ) -> Result<Option<StoryView>, StoreError> {
        let mut members = Vec::with_capacity(rec.members.len());
        for m in &rec.members {
            if let Some(a) = self.get(&m.id)? {
                members.push(a);
            }
        }
        if members.is_empty() {
            return Ok(None);
        }
        let lead = members.remove(0);
        Ok(Some(StoryView {
            id,
            lead,
            also: members,
        }))
    }

    /// A source's articles, newest first (published, else first seen), optionally filtered by `q`.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn recent_articles(
        &self,
        source: &SourceId,
        q: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        let mut out = Vec::new();
        let prefix = key(b'x', &[source.as_str().as_bytes(), &[0]]);
        let mut seen = BTreeSet::new();
        for item in self.tree().scan_prefix(&prefix).keys().rev() {
            if out.len() >= limit {
                break;
            }
            let k = item.map_err(sled_err("scan source"))?;
            let Some(id) = k.get(prefix.len() + 8..).and_then(id_from) else {
                continue;
            };
            if !seen.insert(id) {
                continue;
            }
            let Some(a) = self.get(&id)? else { continue };
            if a.source_id != *source {
                continue;
            }
            if q.filter(|q| !q.is_empty())
                .is_some_and(|q| !matches_q(&a.article, q))
            {
                continue;
            }
            out.push(a);
        }
        Ok(out)
    }

    /// Every readable article, in id order (damaged records are skipped and logged).
    pub(crate) fn articles(&self) -> impl Iterator<Item = Result<StoredArticle, StoreError>> + '_ {
        self.tree()
            .scan_prefix([b'a'])
            .filter_map(|item| match item {
                Err(e) => Some(Err(sled_err("scan articles")(e))),
                Ok((k, v)) => decode_logged(&k, &v).map(Ok),
            })
    }

    /// The fetch state of a URL (canonicalised).
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn fetch_state(&self, url: &str) -> Result<Option<FetchState>, StoreError> {
        let k = fetch_state_key(url);
        Ok(self.get_raw(&k)?.and_then(|v| decode_logged(&k, &v)))
    }

    /// Records the fetch state of a URL (canonicalised) as given. Not flushed.
    ///
    /// This writes nothing else: the caller keeps the rule that validators exist only for what is stored
    /// (the crawler writes an article page's state through [`Incoming::with_fetch_state`] instead, and an
    /// index page's only once its links are stored). [`Store::verify`] reports a state that breaks it.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn set_fetch_state(&self, url: &str, st: &FetchState) -> Result<(), StoreError> {
        self.tree()
            .insert(fetch_state_key(url), encode("fetch state", st)?)
            .map(|_| ())
            .map_err(sled_err("write fetch state"))
    }

    /// The health record of a source.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn source_state(&self, id: &SourceId) -> Result<Option<SourceState>, StoreError> {
        let k = key(b'S', &[id.as_str().as_bytes()]);
        Ok(self.get_raw(&k)?.and_then(|v| decode_logged(&k, &v)))
    }

    /// Records the health of a source. Not flushed.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn set_source_state(
        &self,
        id: &SourceId,
        st: &SourceState,
    ) -> Result<(), StoreError> {
        let k = key(b'S', &[id.as_str().as_bytes()]);
        self.tree()
            .insert(k, encode("source state", st)?)
            .map(|_| ())
            .map_err(sled_err("write source state"))
    }

    /// A counter that changes whenever a story's content or membership changes (a feed cache key), read
    /// from the tree.
    pub(crate) fn generation(&self) -> Result<u64, StoreError> {
        self.meta_u64(META_GENERATION)
    }

    /// Articles, stories, size on disk.
    ///
    /// # Errors
    /// When sled fails.
    pub(crate) fn stats(&self) -> Result<Stats, StoreError> {
        Ok(Stats {
            articles: self.meta_u64(META_ARTICLES)?,
            stories: self.meta_u64(META_STORIES)?,
            size_on_disk: self
                .inner
                .db
                .size_on_disk()
                .map_err(sled_err("measure size"))?,
            schema_version: SCHEMA_VERSION,
            generation: self.generation()?,
        })
    }
}

/// The URL index keys a lookup tries: the mirror origin's, then the URL's own.
pub(super) fn lookup_keys(url: &str) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Ok(u) = url::Url::parse(url.trim()) {
        if let Some(origin) = dedup::mirror_origin(&u) {
            keys.push(dedup::url_key(&origin));
        }
        keys.push(dedup::url_key(&u));
    } else {
        keys.push(url.trim().to_owned());
    }
    keys
}
