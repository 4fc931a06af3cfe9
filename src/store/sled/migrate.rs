//! Schema migrations of the sled engine, each step crash-safe (re-running it after an interruption
//! finishes the job).

use std::path::Path;

use super::codec::*;
use super::{sled_err, SCHEMA_VERSION};
use crate::model::{ArticleId, StoredArticle, StoryId};
use crate::store::StoreError;

/// The migration hook: brings a store at schema `from` up to [`SCHEMA_VERSION`], each step crash-safe
/// (re-running it after an interruption finishes the job), then records the new version.
pub(super) fn migrate(tree: &sled::Tree, from: u32, path: &Path) -> Result<(), StoreError> {
    if from != 1 {
        return Err(StoreError::Damaged {
            location: path.display().to_string(),
            detail: format!("unknown schema version {from}"),
        });
    }
    migrate_1_to_2(tree)?;
    tree.insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())
        .map_err(sled_err("write schema"))?;
    tree.flush().map_err(sled_err("flush"))?;
    Ok(())
}

/// Schema 1 → 2: the band index moves from one `b` key per band and article (key: `b`, band number,
/// band, article id; value: SimHash) to one `B` list per band, and the anchor index from one `h` key
/// per anchor and article (key: `h`, anchor, article id; value: story id) to one `H` list per anchor.
/// Old keys are read in key order, so each list's postings arrive together; every few thousand keys one
/// batch writes the lists (merged with what an interrupted run already wrote) and removes the keys they
/// came from.
pub(super) fn migrate_1_to_2(tree: &sled::Tree) -> Result<(), StoreError> {
    const STEP: usize = 4096;
    for (old, list) in [(b'b', List::Band), (b'h', List::Anchor)] {
        let mut postings = Postings::default();
        let mut batch = sled::Batch::default();
        let mut pending = 0usize;
        for item in tree.scan_prefix([old]) {
            let (k, v) = item.map_err(sled_err("scan schema 1 index"))?;
            batch.remove(k.clone());
            pending += 1;
            if let Some((new_key, id, posting)) = v1_posting(tree, list, &k, &v)? {
                postings.add(tree, new_key, list, &id, &posting)?;
            }
            if pending >= STEP {
                std::mem::take(&mut postings).write(&mut batch);
                tree.apply_batch(std::mem::take(&mut batch))
                    .map_err(sled_err("migrate index"))?;
                pending = 0;
            }
        }
        postings.write(&mut batch);
        tree.apply_batch(batch).map_err(sled_err("migrate index"))?;
    }
    Ok(())
}

/// A schema 1 index entry rewritten: (schema 2 list key, article, posting).
type V1Posting = (Vec<u8>, ArticleId, Vec<u8>);

/// A schema 1 band or anchor key as a [`V1Posting`]; `None` for a malformed key or a band key whose
/// SimHash cannot be recovered (such keys are dropped).
pub(super) fn v1_posting(
    tree: &sled::Tree,
    list: List,
    k: &[u8],
    v: &[u8],
) -> Result<Option<V1Posting>, StoreError> {
    let read = |k: Vec<u8>| tree.get(k).map_err(sled_err("read"));
    match list {
        List::Band => {
            let (Some(head), Some(id)) = (k.get(1..4), k.get(4..).and_then(id_from)) else {
                return Ok(None);
            };
            // The first schema 1 stores kept no SimHash in the posting: the fingerprint record has it.
            let simhash = match u64_value(v) {
                Some(h) => Some(h),
                None => read(fp_key(&id))?
                    .and_then(|f| decode_fp(&f))
                    .map(|f| f.simhash),
            };
            Ok(simhash.map(|h| (key(b'B', &[head]), id, band_posting(h, &id).to_vec())))
        }
        List::Anchor => {
            let (Some(head), Some(id)) = (k.get(1..9), k.get(9..).and_then(id_from)) else {
                return Ok(None);
            };
            // Likewise the story: from the article record, else the article founded its own.
            let story = match id_from(v) {
                Some(s) => StoryId(s.0),
                None => read(article_key(&id))?
                    .and_then(|a| decode::<StoredArticle>(&a).ok())
                    .map_or(StoryId::from(id), |a| a.story),
            };
            Ok(Some((
                key(b'H', &[head]),
                id,
                anchor_posting(&id, &story).to_vec(),
            )))
        }
    }
}
