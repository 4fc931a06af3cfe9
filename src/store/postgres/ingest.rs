//! Writing articles into PostgreSQL: one transaction per batch under the ingest advisory lock, writing for
//! each article its row, URL index entries, band and anchor rows, story row, counters and the fetch state
//! it came with; and the near-duplicate lookup through the indexed band and anchor tables. What to keep and where it
//! goes is decided by [`crate::dedup::story`].

use std::collections::{BTreeMap, BTreeSet};

use deadpool_postgres::{GenericClient, Object, Transaction};
use jiff::Timestamp;

use super::read::{decode_article, decode_logged, to_json};
use super::{announce, cached, pg_err, INGEST_LOCK};
use crate::dedup::story::{self, Member};
use crate::dedup::{self, Fingerprint};
use crate::model::{ArticleId, Ingested, StoredArticle, StoryId};
use crate::store::{Incoming, StoreError};

/// At most this many rows per band (as the sled engine's band lists: a band shared by thousands of pages
/// is boilerplate, not a story).
const MAX_BAND_POSTINGS: i64 = 1024;
/// At most this many rows per anchor (an anchor in more than `dedup::MAX_ANCHOR_STORIES` stories is a
/// stock phrase, whatever else carries it).
const MAX_ANCHOR_POSTINGS: i64 = 64;

/// A u64 as PostgreSQL's bigint, bit for bit.
pub(super) fn signed(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

/// The inverse of [`signed`].
pub(super) fn unsigned(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// A 16-byte id from a bytea column.
pub(super) fn id_of(bytes: &[u8]) -> Option<ArticleId> {
    Some(ArticleId(bytes.try_into().ok()?))
}

/// A story as stored: its members in lead order, and the lead's sort time.
struct StoryRow {
    members: Vec<Member>,
    time: i64,
}

/// Writes a batch of articles ([`crate::store::Store::write`]) in one transaction under the ingest lock;
/// committed on return. An article without URL ends the batch: the ones before it are committed, then
/// [`StoreError::NoUrl`] is returned. Any other failure rolls the whole batch back.
pub(super) async fn write_batch(
    c: &mut Object,
    items: Vec<Incoming>,
) -> Result<Vec<Ingested>, StoreError> {
    let tx = c.transaction().await.map_err(pg_err("write article"))?;
    // Writers in every process place articles one at a time: each story placement reads what earlier
    // writers committed (a statement takes a new snapshot, and this one waits for the lock).
    cached::execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&INGEST_LOCK])
        .await
        .map_err(pg_err("write article"))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match write_one(&tx, item).await {
            Ok(done) => out.push(done),
            Err(e @ StoreError::NoUrl { .. }) => {
                announce(&tx).await?;
                tx.commit().await.map_err(pg_err("commit"))?;
                return Err(e);
            }
            Err(e) => return Err(e),
        }
    }
    // Servers in other processes wake at the commit (see `super::listen`).
    announce(&tx).await?;
    tx.commit().await.map_err(pg_err("commit"))?;
    Ok(out)
}

/// Writes one article inside the batch's transaction.
async fn write_one(tx: &Transaction<'_>, item: Incoming) -> Result<Ingested, StoreError> {
    let Incoming {
        mut article,
        source,
        priority,
        fingerprint: fp,
        fetched,
        at,
    } = item;
    if article.url.trim().is_empty() && article.canonical_url.trim().is_empty() {
        return Err(StoreError::NoUrl {
            title: article.title,
        });
    }
    let now = at.unwrap_or_else(Timestamp::now);
    let canonical = dedup::canonical_article_url(&article);
    let id_key = dedup::url_key_str(&canonical);
    let id = ArticleId::from_canonical_url(&id_key);
    let fetched_key = dedup::url_key_str(&article.url);
    article.canonical_url = canonical;

    let existing = load(tx, &id).await?;
    let new_article = existing.is_none();
    let mut new_story = false;
    let mut changed;
    let indexed: Fingerprint;
    let record = match existing {
        Some((old, old_fp)) => {
            let next = story::next_version(&old, article, &source, priority, now);
            changed = next.changed;
            let mut rec = next.record;
            let mut keep = old_fp.clone();
            if changed {
                let new_fp = if next.kept_old { old_fp.clone() } else { fp };
                if new_fp != old_fp {
                    unindex(tx, &id).await?;
                    index(tx, &id, &new_fp, &rec.story).await?;
                    rec.simhash = new_fp.simhash;
                    keep = new_fp;
                }
            }
            indexed = keep;
            rec
        }
        None => {
            changed = true;
            let story = match find_story(tx, &id, &fp).await? {
                Some(s) => s,
                None => {
                    new_story = true;
                    StoryId::from(id)
                }
            };
            index(tx, &id, &fp, &story).await?;
            let rec = StoredArticle {
                id,
                story,
                source_id: source.clone(),
                priority,
                first_seen: now,
                last_seen: now,
                changed_at: None,
                simhash: fp.simhash,
                article,
            };
            indexed = fp;
            rec
        }
    };

    // The story row.
    let story_id = record.story;
    let old_story = cached::query_opt(
        tx,
        "SELECT members::text, sort_time FROM uw_stories WHERE id = $1",
        &[&&story_id.0[..]],
    )
    .await
    .map_err(pg_err("read story"))?
    .and_then(|r| {
        let members: Vec<Member> = decode_logged(&story_key(&story_id), r.get(0))?;
        Some(StoryRow {
            members,
            time: r.get(1),
        })
    });
    if old_story.is_none() && !new_story {
        // The story row was lost (damage): this article re-founds it.
        new_story = true;
    }
    let had_story = old_story.is_some();
    let mut row = old_story.unwrap_or(StoryRow {
        members: Vec::new(),
        time: 0,
    });
    if story::place_member(&mut row.members, Member::of(&record)) {
        changed = true;
    }
    story::order_members(&mut row.members);
    row.time = row.members.first().map_or(0, |m| m.time);
    let members = to_json("story", &row.members)?;
    let json = to_json("article", &record)?;
    let anchors: Vec<i64> = indexed.anchors.iter().map(|a| signed(*a)).collect();
    let mut urls = vec![id_key.clone()];
    if !fetched_key.is_empty() && fetched_key != id_key {
        urls.push(fetched_key);
    }
    // The URL the crawler asked for finds the article too, and its validators land with the article.
    let mut asked_state: Option<(String, String)> = None;
    if let Some((asked, state)) = &fetched {
        let asked_key = dedup::url_key_str(asked);
        if !asked_key.is_empty() {
            if !urls.contains(&asked_key) {
                urls.push(asked_key.clone());
            }
            asked_state = Some((asked_key, to_json("fetch state", state)?));
        }
    }
    // The counters live in the database, so a reader in another process sees them move.
    let deltas: [i64; 3] = [
        i64::from(new_article),
        i64::from(!had_story),
        i64::from(changed),
    ];
    let sort_time = record.sort_time().as_second();
    let fp_simhash = signed(indexed.simhash);
    // Independent writes, sent together (the connection pipelines them; the server runs them in order).
    let story_write = async {
        cached::execute(
            tx,
            "INSERT INTO uw_stories (id, sort_time, members) VALUES ($1, $2, $3::text::json)
             ON CONFLICT (id) DO UPDATE SET sort_time = EXCLUDED.sort_time, members = EXCLUDED.members",
            &[&&story_id.0[..], &row.time, &members],
        )
        .await
        .map_err(pg_err("write story"))
    };
    let article_write = async {
        cached::execute(
            tx,
            "INSERT INTO uw_articles (id, story, source, sort_time, fp_simhash, fp_anchors, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7::text::json)
             ON CONFLICT (id) DO UPDATE SET story = EXCLUDED.story, source = EXCLUDED.source,
               sort_time = EXCLUDED.sort_time, fp_simhash = EXCLUDED.fp_simhash,
               fp_anchors = EXCLUDED.fp_anchors, record = EXCLUDED.record",
            &[
                &&id.0[..],
                &&story_id.0[..],
                &record.source_id.as_str(),
                &sort_time,
                &fp_simhash,
                &anchors,
                &json,
            ],
        )
        .await
        .map_err(pg_err("write article"))
    };
    let urls_write = async {
        cached::execute(
            tx,
            "INSERT INTO uw_urls (url_key, article) SELECT u, $2 FROM unnest($1::text[]) AS u
             ON CONFLICT (url_key) DO UPDATE SET article = EXCLUDED.article",
            &[&urls, &&id.0[..]],
        )
        .await
        .map_err(pg_err("write URL index"))
    };
    let state_write = async {
        match &asked_state {
            Some((k, st)) => cached::execute(
                tx,
                "INSERT INTO uw_fetch_state (url_key, state) VALUES ($1, $2::text::json)
                 ON CONFLICT (url_key) DO UPDATE SET state = EXCLUDED.state",
                &[k, st],
            )
            .await
            .map_err(pg_err("write fetch state")),
            None => Ok(0),
        }
    };
    let meta_write = async {
        cached::execute(
            tx,
            "UPDATE uw_meta SET value = value + CASE name WHEN 'articles' THEN $1::bigint
                 WHEN 'stories' THEN $2::bigint ELSE $3::bigint END
             WHERE name IN ('articles', 'stories', 'generation')",
            &[&deltas[0], &deltas[1], &deltas[2]],
        )
        .await
        .map_err(pg_err("write counters"))
    };
    futures::try_join!(
        story_write,
        article_write,
        urls_write,
        state_write,
        meta_write
    )?;
    Ok(Ingested {
        id,
        story: story_id,
        new_article,
        new_story,
        changed,
    })
}

fn story_key(id: &StoryId) -> String {
    format!("s/{}", hex::encode(id.0))
}

/// The stored article and the fingerprint it is indexed under.
async fn load(
    c: &impl GenericClient,
    id: &ArticleId,
) -> Result<Option<(StoredArticle, Fingerprint)>, StoreError> {
    let row = cached::query_opt(
        c,
        "SELECT record::text, fp_simhash, fp_anchors FROM uw_articles WHERE id = $1",
        &[&&id.0[..]],
    )
    .await
    .map_err(pg_err("read article"))?;
    Ok(row.and_then(|r| {
        let a = decode_article(id, r.get(0))?;
        let anchors: Vec<i64> = r.get(2);
        Some((
            a,
            Fingerprint {
                simhash: unsigned(r.get(1)),
                anchors: anchors.into_iter().map(unsigned).collect(),
            },
        ))
    }))
}

/// Records `fp` in the band and anchor tables for `id` (of `story`), within the per-key bounds.
pub(super) async fn index(
    c: &impl GenericClient,
    id: &ArticleId,
    fp: &Fingerprint,
    story: &StoryId,
) -> Result<(), StoreError> {
    let (nos, bands) = band_keys(fp.simhash);
    cached::execute(
        c,
        "INSERT INTO uw_bands (band_no, band, simhash, article)
         SELECT k.n, k.b, $3, $4 FROM unnest($1::smallint[], $2::integer[]) AS k(n, b)
         WHERE (SELECT count(*) FROM uw_bands x WHERE x.band_no = k.n AND x.band = k.b) < $5
         ON CONFLICT (band_no, band, article) DO UPDATE SET simhash = EXCLUDED.simhash",
        &[
            &nos,
            &bands,
            &signed(fp.simhash),
            &&id.0[..],
            &MAX_BAND_POSTINGS,
        ],
    )
    .await
    .map_err(pg_err("write band index"))?;
    let anchors: Vec<i64> = fp.anchors.iter().map(|a| signed(*a)).collect();
    cached::execute(
        c,
        "INSERT INTO uw_anchors (anchor, article, story)
         SELECT a, $2, $3 FROM (SELECT DISTINCT a FROM unnest($1::bigint[]) AS a) AS k
         WHERE (SELECT count(*) FROM uw_anchors x WHERE x.anchor = k.a) < $4
         ON CONFLICT (anchor, article) DO UPDATE SET story = EXCLUDED.story",
        &[&anchors, &&id.0[..], &&story.0[..], &MAX_ANCHOR_POSTINGS],
    )
    .await
    .map_err(pg_err("write anchor index"))?;
    Ok(())
}

/// Takes `id` out of the band and anchor tables.
async fn unindex(c: &impl GenericClient, id: &ArticleId) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM uw_bands WHERE article = $1",
        "DELETE FROM uw_anchors WHERE article = $1",
    ] {
        cached::execute(c, sql, &[&&id.0[..]])
            .await
            .map_err(pg_err("write index"))?;
    }
    Ok(())
}

/// The four (band number, band) keys of a SimHash, as SQL arrays.
fn band_keys(simhash: u64) -> (Vec<i16>, Vec<i32>) {
    (0i16..)
        .zip(dedup::bands(simhash))
        .map(|(n, b)| (n, i32::from(b)))
        .unzip()
}

/// The story of the closest stored near-duplicate of `fp` (other than `id`), found through the band and
/// anchor tables; `None` when it would found a new story.
pub(super) async fn find_story(
    c: &impl GenericClient,
    id: &ArticleId,
    fp: &Fingerprint,
) -> Result<Option<StoryId>, StoreError> {
    let (nos, bands) = band_keys(fp.simhash);
    let keys: Vec<i64> = fp.anchors.iter().map(|a| signed(*a)).collect();
    // Both indexes are asked at once (pipelined on the connection).
    let band_rows = async {
        cached::query(
            c,
            "SELECT b.simhash, b.article FROM uw_bands b
             JOIN unnest($1::smallint[], $2::integer[]) AS k(n, v) ON b.band_no = k.n AND b.band = k.v",
            &[&nos, &bands],
        )
        .await
        .map_err(pg_err("read band index"))
    };
    let anchor_rows = async {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        cached::query(
            c,
            "SELECT anchor, article, story FROM uw_anchors WHERE anchor = ANY($1)",
            &[&keys],
        )
        .await
        .map_err(pg_err("read anchor index"))
    };
    let (band_rows, anchor_rows) = futures::try_join!(band_rows, anchor_rows)?;
    let mut candidates: BTreeSet<ArticleId> = BTreeSet::new();
    for r in band_rows {
        let h = unsigned(r.get(0));
        if let Some(a) = id_of(r.get(1)) {
            if story::band_candidate(h, fp) {
                candidates.insert(a);
            }
        }
    }
    let mut by_anchor: BTreeMap<u64, Vec<(ArticleId, StoryId)>> = BTreeMap::new();
    for r in anchor_rows {
        if let (Some(a), Some(s)) = (id_of(r.get(1)), id_of(r.get(2))) {
            by_anchor
                .entry(unsigned(r.get(0)))
                .or_default()
                .push((a, StoryId(s.0)));
        }
    }
    let mut stock: Vec<u64> = Vec::new();
    for a in &fp.anchors {
        let postings = by_anchor.get(a).map_or(&[][..], Vec::as_slice);
        let stories: BTreeSet<StoryId> = postings.iter().map(|(_, s)| *s).collect();
        if story::is_stock_anchor(stories.len()) {
            stock.push(*a);
        } else {
            candidates.extend(postings.iter().map(|(c, _)| *c));
        }
    }
    candidates.remove(id);
    if candidates.is_empty() {
        return Ok(None);
    }
    let ids: Vec<&[u8]> = candidates.iter().map(|c| &c.0[..]).collect();
    let mut found = Vec::with_capacity(ids.len());
    let mut story_of: BTreeMap<ArticleId, StoryId> = BTreeMap::new();
    for r in cached::query(
        c,
        "SELECT id, story, fp_simhash, fp_anchors FROM uw_articles WHERE id = ANY($1)",
        &[&ids],
    )
    .await
    .map_err(pg_err("read fingerprints"))?
    {
        let (Some(a), Some(s)) = (id_of(r.get(0)), id_of(r.get(1))) else {
            continue;
        };
        let anchors: Vec<i64> = r.get(3);
        found.push((
            a,
            Fingerprint {
                simhash: unsigned(r.get(2)),
                anchors: anchors.into_iter().map(unsigned).collect(),
            },
        ));
        story_of.insert(a, StoryId(s.0));
    }
    Ok(story::closest(fp, &stock, found).and_then(|c| story_of.get(&c).copied()))
}

/// Benchmark support: bare band rows (see [`super::PgStore::bench_index_fingerprints`]).
pub(super) async fn bench_bands(c: &Object, items: &[(ArticleId, u64)]) -> Result<(), StoreError> {
    let mut nos = Vec::with_capacity(items.len() * 4);
    let mut bands = Vec::with_capacity(items.len() * 4);
    let mut hashes = Vec::with_capacity(items.len() * 4);
    let mut ids: Vec<&[u8]> = Vec::with_capacity(items.len() * 4);
    for (id, h) in items {
        let (n, b) = band_keys(*h);
        nos.extend(n);
        bands.extend(b);
        hashes.extend([signed(*h); 4]);
        ids.extend([&id.0[..]; 4]);
    }
    cached::execute(
        c,
        "INSERT INTO uw_bands (band_no, band, simhash, article)
         SELECT * FROM unnest($1::smallint[], $2::integer[], $3::bigint[], $4::bytea[])
         ON CONFLICT DO NOTHING",
        &[&nos, &bands, &hashes, &ids],
    )
    .await
    .map_err(pg_err("write fingerprints"))?;
    Ok(())
}
