//! Retention on the PostgreSQL engine ([`crate::store::Store::prune`]), with the sled engine's rule: a
//! story none of whose copies is current any more (a copy is current from the later of its publication,
//! else first-seen, time and its first-seen time) is removed with its articles, their URL index rows and
//! the fetch states of those URLs, their band and anchor rows, and the counters are fixed; one transaction
//! per story under the ingest lock, the story read again inside it.

use deadpool_postgres::{GenericClient, Object};
use jiff::Timestamp;

use super::read::decode_logged;
use super::{announce, cached, pg_err, INGEST_LOCK};
use crate::dedup::story::Member;
use crate::store::{PruneReport, StoreError};

/// The last time (unix seconds) any copy of the story was current.
fn last_current(members: &[Member]) -> Option<i64> {
    members.iter().map(|m| m.time.max(m.first_seen)).max()
}

/// The members of story `id` if it is past `cutoff` (a damaged record is verify's to report, not pruned).
async fn expired_members(
    c: &impl GenericClient,
    id: &[u8],
    cutoff: i64,
) -> Result<Option<Vec<Member>>, StoreError> {
    let row = cached::query_opt(
        c,
        "SELECT members::text FROM uw_stories WHERE id = $1",
        &[&id],
    )
    .await
    .map_err(pg_err("read story"))?;
    Ok(row
        .and_then(|r| decode_logged::<Vec<Member>>(&format!("s/{}", hex::encode(id)), r.get(0)))
        .filter(|m| last_current(m).is_some_and(|t| t < cutoff)))
}

/// Removes every story past `cutoff` (see the module documentation).
pub(super) async fn prune(mut c: Object, cutoff: Timestamp) -> Result<PruneReport, StoreError> {
    let cutoff = cutoff.as_second();
    let mut report = PruneReport::default();
    // Every story is checked by its members: a member's first-seen time may be later than the lead's time.
    let rows = c
        .query("SELECT id, members::text FROM uw_stories", &[])
        .await
        .map_err(pg_err("scan stories"))?;
    let mut old: Vec<Vec<u8>> = Vec::new();
    for r in rows {
        let id: Vec<u8> = r.get(0);
        let members = decode_logged::<Vec<Member>>(&format!("s/{}", hex::encode(&id)), r.get(1));
        if members.is_some_and(|m| last_current(&m).is_some_and(|t| t < cutoff)) {
            old.push(id);
        }
    }
    for id in old {
        let tx = c.transaction().await.map_err(pg_err("prune"))?;
        cached::execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&INGEST_LOCK])
            .await
            .map_err(pg_err("prune"))?;
        // Read again under the lock: a copy stored since the scan keeps the story.
        let Some(members) = expired_members(&tx, &id, cutoff).await? else {
            tx.rollback().await.map_err(pg_err("prune"))?;
            continue;
        };
        let ids: Vec<Vec<u8>> = members.iter().map(|m| m.id.0.to_vec()).collect();
        let states = tx
            .execute(
                "DELETE FROM uw_fetch_state WHERE url_key IN
                     (SELECT url_key FROM uw_urls WHERE article = ANY($1))",
                &[&ids],
            )
            .await
            .map_err(pg_err("prune fetch states"))?;
        let urls = tx
            .execute("DELETE FROM uw_urls WHERE article = ANY($1)", &[&ids])
            .await
            .map_err(pg_err("prune URL index"))?;
        tx.execute("DELETE FROM uw_bands WHERE article = ANY($1)", &[&ids])
            .await
            .map_err(pg_err("prune band index"))?;
        tx.execute("DELETE FROM uw_anchors WHERE article = ANY($1)", &[&ids])
            .await
            .map_err(pg_err("prune anchor index"))?;
        let articles = tx
            .execute("DELETE FROM uw_articles WHERE id = ANY($1)", &[&ids])
            .await
            .map_err(pg_err("prune articles"))?;
        tx.execute("DELETE FROM uw_stories WHERE id = $1", &[&id])
            .await
            .map_err(pg_err("prune story"))?;
        let (articles_i, stories_i) = (i64::try_from(articles).unwrap_or(i64::MAX), 1i64);
        tx.execute(
            "UPDATE uw_meta SET value = value + CASE name WHEN 'articles' THEN -$1::bigint
                 WHEN 'stories' THEN -$2::bigint ELSE 1 END
             WHERE name IN ('articles', 'stories', 'generation')",
            &[&articles_i, &stories_i],
        )
        .await
        .map_err(pg_err("prune counters"))?;
        announce(&tx).await?;
        tx.commit().await.map_err(pg_err("prune"))?;
        report.stories += 1;
        report.articles += articles;
        report.url_entries += urls;
        report.fetch_states += states;
    }
    Ok(report)
}
