//! `db verify` on the sled engine: every value decodes, every index key is well formed and points at a
//! readable record, the counters match, and no fetch state's validators claim an article the store lacks;
//! and `db repair`'s removal of such fetch states.

use std::collections::HashMap;

use super::codec::*;
use super::{sled_err, SledStore};
use crate::model::{ArticleId, FetchState, PageRole, SourceState, StoredArticle, StoryId};
use crate::store::{Problem, StoreError, VerifyReport};

impl SledStore {
    /// What is wrong with the fetch-state record `k` = `v`, if anything: undecodable, or validators that
    /// claim an article the store lacks ([`FetchState::claims_article`]).
    pub(super) fn fetch_state_problem(
        &self,
        k: &[u8],
        v: &[u8],
    ) -> Result<Option<String>, StoreError> {
        let st = match decode::<FetchState>(v) {
            Ok(st) => st,
            Err(e) => return Ok(Some(e)),
        };
        if !st.claims_article() {
            return Ok(None);
        }
        let url = String::from_utf8_lossy(k.get(1..).unwrap_or_default());
        let stored = match self.url_id(&url)? {
            Some(id) => self.get(&id)?.is_some(),
            None => false,
        };
        if stored {
            return Ok(None);
        }
        Ok(Some(match st.role {
            PageRole::Unknown => "fetch state (from before page roles were recorded) has validators, but no \
                                  article is stored for its URL: if it is an article page, a 304 hides the article"
                .to_owned(),
            _ => "fetch state claims an article the store lacks: its validators would hide it behind a 304"
                .to_owned(),
        }))
    }

    /// Removes every fetch-state record [`Store::verify`] reports (undecodable, or validators claiming an
    /// article the store lacks), then flushes. The next crawl fetches those URLs unconditionally. Returns
    /// what was removed.
    ///
    /// # Errors
    /// When sled fails to read, write or flush.
    pub(crate) fn repair_fetch_states(&self) -> Result<Vec<Problem>, StoreError> {
        let mut removed = Vec::new();
        let mut batch = sled::Batch::default();
        for item in self.tree().scan_prefix([b'F']) {
            let (k, v) = item.map_err(sled_err("scan fetch state"))?;
            if let Some(what) = self.fetch_state_problem(&k, &v)? {
                removed.push(Problem {
                    key: printable_key(&k),
                    what,
                });
                batch.remove(k);
            }
        }
        self.tree()
            .apply_batch(batch)
            .map_err(sled_err("remove fetch state"))?;
        self.flush()?;
        Ok(removed)
    }

    /// Checks every record: values decode, index keys are well formed and point at stored records,
    /// counters match, and no fetch state's validators claim an article the store lacks (such a state would
    /// turn every later fetch of the article into a 304; [`Store::repair_fetch_states`] removes it). Reports
    /// each bad key; changes nothing.
    ///
    /// # Errors
    /// When sled fails to read.
    pub(crate) fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        let tree = self.tree();
        let mut problem = |k: &[u8], what: String| {
            report.problems.push(Problem {
                key: printable_key(k),
                what,
            });
        };
        let mut good_articles: HashMap<ArticleId, StoryId> = HashMap::new();
        let mut stories = 0u64;
        let mut checked = 0u64;
        // Pass 1: primary records.
        for item in tree.iter() {
            let (k, v) = item.map_err(sled_err("scan"))?;
            checked += 1;
            match k.first() {
                Some(b'a') => match decode::<StoredArticle>(&v) {
                    Err(e) => problem(&k, e),
                    Ok(a) if k.get(1..) != Some(&a.id.0[..]) => {
                        problem(&k, format!("record holds article {}", a.id));
                    }
                    Ok(a) => {
                        good_articles.insert(a.id, a.story);
                    }
                },
                Some(b's') => match decode::<StoryRecord>(&v) {
                    Err(e) => problem(&k, e),
                    Ok(_) => stories += 1,
                },
                Some(b'F') => {
                    if let Some(what) = self.fetch_state_problem(&k, &v)? {
                        problem(&k, what);
                    }
                }
                Some(b'S') => {
                    if let Err(e) = decode::<SourceState>(&v) {
                        problem(&k, e);
                    }
                }
                Some(b'm') => {
                    let ok = match k.as_ref() {
                        META_SCHEMA => v.len() == 4,
                        META_GENERATION | META_ARTICLES | META_STORIES => v.len() == 8,
                        _ => false,
                    };
                    if !ok {
                        problem(&k, "unknown or malformed meta record".into());
                    }
                }
                Some(b'f' | b'u' | b't' | b'B' | b'H' | b'x') => {}
                _ => problem(&k, "unknown key prefix".into()),
            }
        }
        let article_ok =
            |id: Option<ArticleId>| id.is_some_and(|id| good_articles.contains_key(&id));
        // Pass 2: indexes point at readable records.
        for item in tree.iter() {
            let (k, v) = item.map_err(sled_err("scan"))?;
            let what = match k.first() {
                Some(b'f') => {
                    if decode_fp(&v).is_none() {
                        Some("malformed fingerprint".to_owned())
                    } else if !article_ok(k.get(1..).and_then(id_from)) {
                        Some("fingerprint of a missing or damaged article".to_owned())
                    } else {
                        None
                    }
                }
                Some(b'u') => (!article_ok(id_from(&v)))
                    .then(|| "URL index points at a missing or damaged article".to_owned()),
                Some(b'B') => check_list(&k, &v, List::Band, &article_ok),
                Some(b'H') => check_list(&k, &v, List::Anchor, &article_ok),
                Some(b'x') => {
                    let id = k
                        .len()
                        .checked_sub(16)
                        .and_then(|s| k.get(s..))
                        .and_then(id_from);
                    (!article_ok(id))
                        .then(|| "source index points at a missing or damaged article".to_owned())
                }
                Some(b't') => {
                    let sid = k.get(9..).and_then(id_from).map(|a| StoryId(a.0));
                    let ok = k.len() == 25
                        && sid.is_some_and(|s| {
                            tree.get(story_key(&s))
                                .ok()
                                .flatten()
                                .is_some_and(|v| decode::<StoryRecord>(&v).is_ok())
                        });
                    (!ok)
                        .then(|| "story time index points at a missing or damaged story".to_owned())
                }
                Some(b's') => match decode::<StoryRecord>(&v) {
                    Ok(rec) => rec
                        .members
                        .iter()
                        .find(|m| !good_articles.contains_key(&m.id))
                        .map(|m| format!("story member {} is missing or damaged", m.id)),
                    Err(_) => None,
                },
                Some(b'a') => match decode::<StoredArticle>(&v) {
                    Ok(a) => {
                        let story_ok = tree
                            .get(story_key(&a.story))
                            .map_err(sled_err("read story"))?
                            .is_some_and(|v| decode::<StoryRecord>(&v).is_ok());
                        (!story_ok).then(|| format!("its story {} is missing or damaged", a.story))
                    }
                    Err(_) => None,
                },
                _ => None,
            };
            if let Some(what) = what {
                problem(&k, what);
            }
        }
        report.records = checked;
        let counted = self.meta_u64(META_ARTICLES)?;
        if counted != good_articles.len() as u64 && report.problems.is_empty() {
            report.problems.push(Problem {
                key: printable_key(META_ARTICLES),
                what: format!(
                    "counts {counted} articles, {} are stored",
                    good_articles.len()
                ),
            });
        }
        let counted = self.meta_u64(META_STORIES)?;
        if counted != stories && report.problems.is_empty() {
            report.problems.push(Problem {
                key: printable_key(META_STORIES),
                what: format!("counts {counted} stories, {stories} are stored"),
            });
        }
        Ok(report)
    }
}

/// What is wrong with a band or anchor list, if anything: a malformed key or value, or a posting of
/// an article that is missing or damaged.
pub(super) fn check_list(
    k: &[u8],
    v: &[u8],
    list: List,
    article_ok: &dyn Fn(Option<ArticleId>) -> bool,
) -> Option<String> {
    let name = match list {
        List::Band => "band",
        List::Anchor => "anchor",
    };
    if k.len() != list.key_len() {
        return Some(format!("malformed {name} index key"));
    }
    if v.is_empty() || v.len() % list.width() != 0 {
        return Some(format!("malformed {name} index list ({} bytes)", v.len()));
    }
    v.chunks_exact(list.width())
        .map(|p| list.id_of(p))
        .find(|id| !article_ok(*id))
        .map(|id| {
            let id = id.map_or_else(|| "?".to_owned(), |id| id.to_string());
            format!("{name} index points at missing or damaged article {id}")
        })
}
