//! `db copy` on the PostgreSQL engine: a story written as another store keeps it (records as they are,
//! indexed under their fingerprints) in one transaction under the ingest lock, and the fingerprints,
//! fetch states and source states read out.

use deadpool_postgres::{GenericClient, Object};

use super::ingest::{index, signed, unsigned};
use super::read::{decode_logged, to_json};
use super::{announce, cached, pg_err, INGEST_LOCK};
use crate::dedup::story::{self, Member};
use crate::dedup::{self, Fingerprint};
use crate::model::{ArticleId, FetchState, SourceId, SourceState, StoredArticle, StoryId};
use crate::store::StoreError;

/// [`crate::store::Store::import_story`]: committed on return.
pub(super) async fn import_story(
    mut c: Object,
    id: StoryId,
    members: Vec<(StoredArticle, Fingerprint)>,
) -> Result<bool, StoreError> {
    if members.is_empty() {
        return Ok(false);
    }
    let tx = c.transaction().await.map_err(pg_err("copy story"))?;
    cached::execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&INGEST_LOCK])
        .await
        .map_err(pg_err("copy story"))?;
    let there = cached::query_opt(&tx, "SELECT 1 FROM uw_stories WHERE id = $1", &[&&id.0[..]])
        .await
        .map_err(pg_err("read story"))?;
    if there.is_some() {
        tx.rollback().await.map_err(pg_err("copy story"))?;
        return Ok(false);
    }
    let n = i64::try_from(members.len()).unwrap_or(i64::MAX);
    let mut order: Vec<Member> = Vec::with_capacity(members.len());
    for (rec, fp) in members {
        let other = cached::query_opt(
            &tx,
            "SELECT story FROM uw_articles WHERE id = $1",
            &[&&rec.id.0[..]],
        )
        .await
        .map_err(pg_err("read article"))?;
        if let Some(row) = other {
            let story: Vec<u8> = row.get(0);
            return Err(StoreError::Backend {
                op: "copy story",
                source: format!(
                    "article {} is stored here already, in story {}",
                    hex::encode(rec.id.0),
                    hex::encode(story)
                )
                .into(),
            });
        }
        index(&tx, &rec.id, &fp, &id).await?;
        let anchors: Vec<i64> = fp.anchors.iter().map(|a| signed(*a)).collect();
        let json = to_json("article", &rec)?;
        cached::execute(
            &tx,
            "INSERT INTO uw_articles (id, story, source, sort_time, fp_simhash, fp_anchors, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7::text::json)",
            &[
                &&rec.id.0[..],
                &&id.0[..],
                &rec.source_id.as_str(),
                &rec.sort_time().as_second(),
                &signed(fp.simhash),
                &anchors,
                &json,
            ],
        )
        .await
        .map_err(pg_err("copy article"))?;
        let id_key = dedup::url_key_str(&rec.article.canonical_url);
        let fetched_key = dedup::url_key_str(&rec.article.url);
        let mut urls = vec![id_key.clone()];
        if !fetched_key.is_empty() && fetched_key != id_key {
            urls.push(fetched_key);
        }
        cached::execute(
            &tx,
            "INSERT INTO uw_urls (url_key, article) SELECT u, $2 FROM unnest($1::text[]) AS u
             ON CONFLICT (url_key) DO UPDATE SET article = EXCLUDED.article",
            &[&urls, &&rec.id.0[..]],
        )
        .await
        .map_err(pg_err("copy URL index"))?;
        order.push(Member::of(&rec));
    }
    story::order_members(&mut order);
    let time = order.first().map_or(0, |m| m.time);
    cached::execute(
        &tx,
        "INSERT INTO uw_stories (id, sort_time, members) VALUES ($1, $2, $3::text::json)",
        &[&&id.0[..], &time, &to_json("story", &order)?],
    )
    .await
    .map_err(pg_err("copy story"))?;
    cached::execute(
        &tx,
        "UPDATE uw_meta SET value = value + CASE name WHEN 'articles' THEN $1::bigint ELSE 1 END
         WHERE name IN ('articles', 'stories', 'generation')",
        &[&n],
    )
    .await
    .map_err(pg_err("copy counters"))?;
    announce(&tx).await?;
    tx.commit().await.map_err(pg_err("commit"))?;
    Ok(true)
}

/// The fingerprint article `id` is indexed under.
pub(super) async fn fingerprint(
    c: &impl GenericClient,
    id: &ArticleId,
) -> Result<Option<Fingerprint>, StoreError> {
    let row = cached::query_opt(
        c,
        "SELECT fp_simhash, fp_anchors FROM uw_articles WHERE id = $1",
        &[&&id.0[..]],
    )
    .await
    .map_err(pg_err("read fingerprint"))?;
    Ok(row.map(|r| Fingerprint {
        simhash: unsigned(r.get(0)),
        anchors: r.get::<_, Vec<i64>>(1).into_iter().map(unsigned).collect(),
    }))
}

/// Every fetch state by URL identity key (undecodable ones skipped and logged).
pub(super) async fn fetch_states(
    c: &impl GenericClient,
) -> Result<Vec<(String, FetchState)>, StoreError> {
    let rows = c
        .query(
            "SELECT url_key, state::text FROM uw_fetch_state ORDER BY url_key COLLATE \"C\"",
            &[],
        )
        .await
        .map_err(pg_err("scan fetch states"))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let k: String = r.get(0);
            let st = decode_logged::<FetchState>(&format!("F/{k}"), r.get(1))?;
            Some((k, st))
        })
        .collect())
}

/// Every source state (undecodable ones skipped and logged).
pub(super) async fn source_states(
    c: &impl GenericClient,
) -> Result<Vec<(SourceId, SourceState)>, StoreError> {
    let rows = c
        .query(
            "SELECT source, state::text FROM uw_source_state ORDER BY source COLLATE \"C\"",
            &[],
        )
        .await
        .map_err(pg_err("scan source states"))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let k: String = r.get(0);
            let id = SourceId::new(&k).ok()?;
            let st = decode_logged::<SourceState>(&format!("S/{k}"), r.get(1))?;
            Some((id, st))
        })
        .collect())
}
