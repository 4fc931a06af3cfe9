//! Reading PostgreSQL: articles by id and URL, stories, paged feed queries over the time indexes, fetch
//! state, source health, counters. Nothing here takes a lock.

use std::collections::{HashMap, VecDeque};

use deadpool_postgres::GenericClient;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::ingest::id_of;
use super::{cached, pg_err, PgStore, SCHEMA_VERSION};
use crate::dedup;
use crate::dedup::story::Member;
use crate::model::{
    ArticleId, FetchState, SourceId, SourceState, StoredArticle, StoryId, StoryView,
};
use crate::store::query::{Cursor, PageFill, StoryPage};
use crate::store::{matches_q, Stats, StoreError, StoryFilter};

/// Rows fetched per round trip of a paged scan.
const SCAN_STEP: i64 = 128;

/// The cursor before every row: later than any time, and an id longer than any 16-byte id.
fn start_of(before: Option<Cursor>) -> (i64, Vec<u8>) {
    match before {
        Some(c) => (c.time, c.id.to_vec()),
        None => (i64::MAX, vec![0xff; 17]),
    }
}

/// `value` as JSON text.
pub(super) fn to_json<T: Serialize>(what: &'static str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { what, source })
}

/// Decodes a JSON column; an undecodable value (damage) is logged with its key and reads as absent.
pub(super) fn decode_logged<T: DeserializeOwned>(key: &str, json: &str) -> Option<T> {
    match serde_json::from_str(json) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!(key, error = %e, "skipping damaged store record");
            None
        }
    }
}

/// An article record of row `id`.
pub(super) fn decode_article(id: &ArticleId, json: &str) -> Option<StoredArticle> {
    decode_logged(&format!("a/{}", hex::encode(id.0)), json)
}

/// The article with this id.
pub(super) async fn get(
    c: &impl GenericClient,
    id: &ArticleId,
) -> Result<Option<StoredArticle>, StoreError> {
    let row = cached::query_opt(
        c,
        "SELECT record::text FROM uw_articles WHERE id = $1",
        &[&&id.0[..]],
    )
    .await
    .map_err(pg_err("read article"))?;
    Ok(row.and_then(|r| decode_article(id, r.get(0))))
}

/// The URL index keys a lookup tries: the mirror origin's, then the URL's own.
fn lookup_keys(url: &str) -> Vec<String> {
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

/// The article id stored for a URL (canonicalised; a recognised mirror URL finds its origin).
pub(super) async fn url_id(
    c: &impl GenericClient,
    url: &str,
) -> Result<Option<ArticleId>, StoreError> {
    for k in lookup_keys(url) {
        let row = cached::query_opt(c, "SELECT article FROM uw_urls WHERE url_key = $1", &[&k])
            .await
            .map_err(pg_err("read URL index"))?;
        if let Some(id) = row.and_then(|r| id_of(r.get(0))) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// A story with its members.
pub(super) async fn story(
    c: &impl GenericClient,
    id: StoryId,
) -> Result<Option<StoryView>, StoreError> {
    let row = cached::query_opt(
        c,
        "SELECT members::text FROM uw_stories WHERE id = $1",
        &[&&id.0[..]],
    )
    .await
    .map_err(pg_err("read story"))?;
    let Some(members) = row.and_then(|r| members_of(&id, r.get(0))) else {
        return Ok(None);
    };
    view(c, id, &members).await
}

fn members_of(id: &StoryId, json: &str) -> Option<Vec<Member>> {
    decode_logged(&format!("s/{}", hex::encode(id.0)), json)
}

/// The view of a story: its readable members in lead order; `None` when none is readable.
async fn view(
    c: &impl GenericClient,
    id: StoryId,
    members: &[Member],
) -> Result<Option<StoryView>, StoreError> {
    let ids: Vec<&[u8]> = members.iter().map(|m| &m.id.0[..]).collect();
    let mut by_id: HashMap<ArticleId, StoredArticle> = HashMap::new();
    for r in cached::query(
        c,
        "SELECT id, record::text FROM uw_articles WHERE id = ANY($1)",
        &[&ids],
    )
    .await
    .map_err(pg_err("read story"))?
    {
        if let Some(aid) = id_of(r.get(0)) {
            if let Some(a) = decode_article(&aid, r.get(1)) {
                by_id.insert(aid, a);
            }
        }
    }
    let mut list: Vec<StoredArticle> = members.iter().filter_map(|m| by_id.remove(&m.id)).collect();
    if list.is_empty() {
        return Ok(None);
    }
    let lead = list.remove(0);
    Ok(Some(StoryView {
        id,
        lead,
        also: list,
    }))
}

/// Up to `limit` stories newest first matching `filter`, strictly older than `before`.
pub(super) async fn stories_page(
    c: &impl GenericClient,
    filter: &StoryFilter,
    before: Option<Cursor>,
    limit: usize,
) -> Result<StoryPage, StoreError> {
    let mut fill = PageFill::new(limit, filter.q.as_deref());
    if fill.is_closed() {
        return Ok(fill.finish());
    }
    let (mut time, mut after) = start_of(before);
    loop {
        let rows = cached::query(
            c,
            "SELECT id, sort_time, members::text FROM uw_stories
                 WHERE (sort_time, id) < ($1, $2) ORDER BY sort_time DESC, id DESC LIMIT $3",
            &[&time, &after, &SCAN_STEP],
        )
        .await
        .map_err(pg_err("scan stories"))?;
        let done = rows.len() < usize::try_from(SCAN_STEP).unwrap_or(usize::MAX);
        for r in rows {
            let raw: Vec<u8> = r.get(0);
            time = r.get(1);
            after.clone_from(&raw);
            let Some(sid) = id_of(&raw).map(|a| StoryId(a.0)) else {
                continue;
            };
            let Some(members) = members_of(&sid, r.get(2)) else {
                continue;
            };
            if !PageFill::sources_pass(filter, members.iter().map(|m| &m.source)) {
                continue;
            }
            let Some(v) = view(c, sid, &members).await? else {
                continue;
            };
            if !fill.offer_story(v, Cursor { time, id: sid.0 }) {
                return Ok(fill.finish());
            }
        }
        if done {
            return Ok(fill.finish());
        }
    }
}

/// A source's articles newest first, strictly older than (`time`, `after`), one step.
async fn source_step(
    c: &impl GenericClient,
    source: &SourceId,
    time: i64,
    after: &[u8],
) -> Result<Vec<(i64, ArticleId, Option<StoredArticle>)>, StoreError> {
    let rows = cached::query(
        c,
        "SELECT id, sort_time, record::text FROM uw_articles
             WHERE source = $1 AND (sort_time, id) < ($2, $3)
             ORDER BY sort_time DESC, id DESC LIMIT $4",
        &[&source.as_str(), &time, &after, &SCAN_STEP],
    )
    .await
    .map_err(pg_err("scan source"))?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = id_of(r.get(0))?;
            Some((r.get(1), id, decode_article(&id, r.get(2))))
        })
        .collect())
}

/// Up to `limit` stories `source` carried, newest first by that source's article, each story once.
pub(super) async fn source_stories_page(
    c: &impl GenericClient,
    source: &SourceId,
    q: Option<&str>,
    before: Option<Cursor>,
    limit: usize,
) -> Result<StoryPage, StoreError> {
    let mut fill = PageFill::new(limit, q);
    if fill.is_closed() {
        return Ok(fill.finish());
    }
    let (mut time, mut after) = start_of(before);
    loop {
        let rows = source_step(c, source, time, &after).await?;
        let done = rows.len() < usize::try_from(SCAN_STEP).unwrap_or(usize::MAX);
        for (t, aid, a) in rows {
            (time, after) = (t, aid.0.to_vec());
            let Some(a) = a else { continue };
            if !fill.wants_article(&a) {
                continue;
            }
            let Some(v) = story(c, a.story).await? else {
                continue;
            };
            if !fill.offer_source_story(v, Cursor { time, id: aid.0 }) {
                return Ok(fill.finish());
            }
        }
        if done {
            return Ok(fill.finish());
        }
    }
}

/// A source's articles, newest first, optionally filtered by `q`.
pub(super) async fn recent_articles(
    c: &impl GenericClient,
    source: &SourceId,
    q: Option<&str>,
    limit: usize,
) -> Result<Vec<StoredArticle>, StoreError> {
    let mut out = Vec::new();
    let q = q.filter(|q| !q.is_empty());
    let (mut time, mut after) = start_of(None);
    while out.len() < limit {
        let rows = source_step(c, source, time, &after).await?;
        let done = rows.len() < usize::try_from(SCAN_STEP).unwrap_or(usize::MAX);
        for (t, aid, a) in rows {
            (time, after) = (t, aid.0.to_vec());
            if out.len() >= limit {
                break;
            }
            let Some(a) = a else { continue };
            if q.is_some_and(|q| !matches_q(&a.article, q)) {
                continue;
            }
            out.push(a);
        }
        if done {
            break;
        }
    }
    Ok(out)
}

/// Every readable article in id order, read a step at a time.
pub(super) struct Articles<'a> {
    store: &'a PgStore,
    after: Vec<u8>,
    buf: VecDeque<StoredArticle>,
    done: bool,
}

impl<'a> Articles<'a> {
    pub(super) fn new(store: &'a PgStore) -> Self {
        Self {
            store,
            after: Vec::new(),
            buf: VecDeque::new(),
            done: false,
        }
    }
}

impl Iterator for Articles<'_> {
    type Item = Result<StoredArticle, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.buf.is_empty() && !self.done {
            let after = self.after.clone();
            let step = self.store.run("scan articles", move |c| async move {
                let rows = cached::query(
                    &c,
                    "SELECT id, record::text FROM uw_articles WHERE id > $1 ORDER BY id LIMIT $2",
                    &[&after, &SCAN_STEP],
                )
                .await
                .map_err(pg_err("scan articles"))?;
                Ok(rows
                    .iter()
                    .map(|r| {
                        let raw: Vec<u8> = r.get(0);
                        let a = id_of(&raw).and_then(|id| decode_article(&id, r.get(1)));
                        (raw, a)
                    })
                    .collect::<Vec<_>>())
            });
            let rows = match step {
                Ok(rows) => rows,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.done = rows.len() < usize::try_from(SCAN_STEP).unwrap_or(usize::MAX);
            for (raw, a) in rows {
                self.after = raw;
                self.buf.extend(a);
            }
        }
        self.buf.pop_front().map(Ok)
    }
}

/// The fetch state of a URL (canonicalised).
pub(super) async fn fetch_state(
    c: &impl GenericClient,
    url: &str,
) -> Result<Option<FetchState>, StoreError> {
    let k = dedup::url_key_str(url);
    let row = cached::query_opt(
        c,
        "SELECT state::text FROM uw_fetch_state WHERE url_key = $1",
        &[&k],
    )
    .await
    .map_err(pg_err("read fetch state"))?;
    Ok(row.and_then(|r| decode_logged(&format!("F/{k}"), r.get(0))))
}

/// Records the fetch state (as JSON) of a URL (canonicalised).
pub(super) async fn set_fetch_state(
    c: &impl GenericClient,
    url: &str,
    json: &str,
) -> Result<(), StoreError> {
    cached::execute(
        c,
        "INSERT INTO uw_fetch_state (url_key, state) VALUES ($1, $2::text::json)
         ON CONFLICT (url_key) DO UPDATE SET state = EXCLUDED.state",
        &[&dedup::url_key_str(url), &json],
    )
    .await
    .map_err(pg_err("write fetch state"))?;
    Ok(())
}

/// The health record of a source.
pub(super) async fn source_state(
    c: &impl GenericClient,
    id: &SourceId,
) -> Result<Option<SourceState>, StoreError> {
    let row = cached::query_opt(
        c,
        "SELECT state::text FROM uw_source_state WHERE source = $1",
        &[&id.as_str()],
    )
    .await
    .map_err(pg_err("read source state"))?;
    Ok(row.and_then(|r| decode_logged(&format!("S/{}", id.as_str()), r.get(0))))
}

/// Records the health (as JSON) of a source.
pub(super) async fn set_source_state(
    c: &impl GenericClient,
    id: &SourceId,
    json: &str,
) -> Result<(), StoreError> {
    cached::execute(
        c,
        "INSERT INTO uw_source_state (source, state) VALUES ($1, $2::text::json)
         ON CONFLICT (source) DO UPDATE SET state = EXCLUDED.state",
        &[&id.as_str(), &json],
    )
    .await
    .map_err(pg_err("write source state"))?;
    Ok(())
}

/// A counter of `uw_meta` (0 when absent).
pub(super) async fn meta(c: &impl GenericClient, name: &str) -> Result<u64, StoreError> {
    let row = cached::query_opt(c, "SELECT value FROM uw_meta WHERE name = $1", &[&name])
        .await
        .map_err(pg_err("read counter"))?;
    Ok(row
        .and_then(|r| u64::try_from(r.get::<_, i64>(0)).ok())
        .unwrap_or(0))
}

/// Articles, stories, the database's size, the schema version, the generation.
pub(super) async fn stats(c: &impl GenericClient) -> Result<Stats, StoreError> {
    let size: i64 = cached::query_one(c, "SELECT pg_database_size(current_database())", &[])
        .await
        .map_err(pg_err("measure size"))?
        .get(0);
    Ok(Stats {
        articles: meta(c, "articles").await?,
        stories: meta(c, "stories").await?,
        size_on_disk: u64::try_from(size).unwrap_or(0),
        schema_version: SCHEMA_VERSION,
        generation: meta(c, "generation").await?,
    })
}
