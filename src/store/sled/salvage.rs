//! `db salvage`: copies every record of a damaged store that still decodes into a new store, and says
//! what it could not read. Articles are ingested again in the order they were first stored, so the new
//! store's indexes, stories and counters are rebuilt rather than copied; fetch states and source health
//! that decode are copied as they are, then any fetch state claiming an article that did not survive is
//! dropped (the next crawl fetches that page in full).

use std::path::Path;

use super::codec::{decode, printable_key, META_SCHEMA, TREE};
use super::{check_store_dir, open_db, sled_err, SledStore, SCHEMA_VERSION};
use crate::model::{FetchState, SourceState, StoredArticle};
use crate::store::{Store, StoreError};

/// What a salvage copied and what it could not read.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct SalvageReport {
    /// Articles copied into the new store.
    pub articles: u64,
    /// Fetch states copied.
    pub fetch_states: u64,
    /// Source health records copied.
    pub source_states: u64,
    /// Fetch states dropped because their article did not survive.
    pub fetch_states_dropped: u64,
    /// Records rebuilt from the articles instead of copied (indexes, stories, counters).
    pub rebuilt_records: u64,
    /// Records that could not be read: (key, why).
    pub unreadable: Vec<(String, String)>,
}

impl SledStore {
    /// Copies every readable record of the store at `from` into a new store at `to` (a new or empty
    /// directory). The store at `from` is only read.
    ///
    /// # Errors
    /// [`StoreError::NotEmpty`] when `to` already holds something; [`StoreError::NewerSchema`] for a
    /// store from a newer build; [`StoreError::Locked`] when a process holds either; sled failures
    /// that leave nothing to read.
    pub fn salvage(from: &Path, to: &Path) -> Result<SalvageReport, StoreError> {
        check_store_dir(from, false)?;
        if std::fs::read_dir(to).is_ok_and(|mut d| d.next().is_some()) {
            return Err(StoreError::NotEmpty {
                location: to.display().to_string(),
            });
        }
        let db = open_db(from, super::CACHE_BYTES)?;
        let tree = db.open_tree(TREE).map_err(sled_err("open tree"))?;
        if let Ok(Some(v)) = tree.get(META_SCHEMA) {
            if let Ok(b) = <[u8; 4]>::try_from(v.as_ref()) {
                let found = u32::from_be_bytes(b);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        location: from.display().to_string(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
            }
        }
        let target = SledStore::open(to)?;
        let mut report = SalvageReport::default();
        let mut articles: Vec<StoredArticle> = Vec::new();
        for item in tree.iter() {
            let (k, v) = match item {
                Ok(kv) => kv,
                Err(e) => {
                    report
                        .unreadable
                        .push(("(unreadable page)".into(), e.to_string()));
                    continue;
                }
            };
            let bad = |why: String| (printable_key(&k), why);
            match k.first() {
                Some(b'a') => match decode::<StoredArticle>(&v) {
                    Ok(a) => articles.push(a),
                    Err(why) => report.unreadable.push(bad(why)),
                },
                Some(b'F') => match decode::<FetchState>(&v) {
                    Ok(_) => {
                        target
                            .tree()
                            .insert(&k, &v)
                            .map_err(sled_err("write fetch state"))?;
                        report.fetch_states += 1;
                    }
                    Err(why) => report.unreadable.push(bad(why)),
                },
                Some(b'S') => match decode::<SourceState>(&v) {
                    Ok(_) => {
                        target
                            .tree()
                            .insert(&k, &v)
                            .map_err(sled_err("write source state"))?;
                        report.source_states += 1;
                    }
                    Err(why) => report.unreadable.push(bad(why)),
                },
                _ => report.rebuilt_records += 1,
            }
        }
        articles.sort_by_key(|a| (a.first_seen, a.id.0));
        for a in articles {
            target.ingest_at(a.article, &a.source_id, a.priority, a.first_seen)?;
            report.articles += 1;
        }
        report.fetch_states_dropped = target.repair_fetch_states()?.len() as u64;
        report.fetch_states -= report.fetch_states_dropped;
        target.flush()?;
        Ok(report)
    }
}
