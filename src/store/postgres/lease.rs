//! Leases on PostgreSQL: source leases (`uw_source_leases`, claimed with `FOR UPDATE SKIP LOCKED` in one
//! transaction, times on the claimer's clock in milliseconds) and host turns (`uw_host_turns`, each
//! taken or given back by one atomic `UPDATE … RETURNING` on the database's clock in microseconds, so
//! crawlers on machines whose clocks differ still agree on the gaps between requests).

use std::time::Duration;

use deadpool_postgres::{GenericClient, Object};
use jiff::Timestamp;

use super::{cached, pg_err, read};
use crate::model::{SourceId, SourceState};
use crate::store::lease::{is_due, later};
use crate::store::{ClaimRequest, Claimed, HostTurnAnswer, Lease, StoreError};

/// A [`ClaimRequest`] that can move to the engine's runtime.
pub(super) struct OwnedClaim {
    owner: String,
    candidates: Vec<SourceId>,
    limit: usize,
    only_due: bool,
    now: Timestamp,
    ttl: Duration,
}

impl From<&ClaimRequest<'_>> for OwnedClaim {
    fn from(r: &ClaimRequest<'_>) -> Self {
        Self {
            owner: r.owner.to_owned(),
            candidates: r.candidates.to_vec(),
            limit: r.limit,
            only_due: r.only_due,
            now: r.now,
            ttl: r.ttl,
        }
    }
}

fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn duration_of_micros(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// Claims the free (and, if asked, due) candidates, in the candidates' order, up to the limit.
pub(super) async fn claim(mut c: Object, req: OwnedClaim) -> Result<Vec<Claimed>, StoreError> {
    if req.candidates.is_empty() || req.limit == 0 {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = req.candidates.iter().map(SourceId::as_str).collect();
    // Rows for sources no crawler has seen yet, committed on their own so that claimers never wait on
    // each other's inserts inside the claim.
    cached::execute(
        &c,
        "INSERT INTO uw_source_leases (source) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
        &[&ids],
    )
    .await
    .map_err(pg_err("claim sources"))?;
    let now = millis(req.now);
    let tx = c.transaction().await.map_err(pg_err("claim sources"))?;
    // The free, due candidates in the caller's order, read without locks; then only the first few of them
    // are locked (rows another claimer has locked right now are skipped, not waited for), so claimers
    // running at once split the sources instead of one locking them all. The lock re-reads each row, so
    // one taken meanwhile is no longer free.
    let rows = cached::query(
        &tx,
        "SELECT l.source, s.state::text FROM uw_source_leases l
         LEFT JOIN uw_source_state s ON s.source = l.source
         WHERE l.source = ANY($1) AND (l.owner IS NULL OR l.expires IS NULL OR l.expires <= $2)",
        &[&ids, &now],
    )
    .await
    .map_err(pg_err("claim sources"))?;
    let mut due: Vec<(usize, String)> = Vec::new();
    for row in rows {
        let source: String = row.get(0);
        let Some(pos) = req.candidates.iter().position(|c| c.as_str() == source) else {
            continue;
        };
        if req.only_due {
            let state: Option<String> = row.get(1);
            let state: Option<SourceState> = state
                .as_deref()
                .and_then(|j| read::decode_logged(&format!("S/{source}"), j));
            if !is_due(state.as_ref(), req.now) {
                continue;
            }
        }
        due.push((pos, source));
    }
    due.sort_by_key(|(pos, _)| *pos);
    due.truncate(req.limit.saturating_mul(3));
    let wanted: Vec<&str> = due.iter().map(|(_, s)| s.as_str()).collect();
    let locked = cached::query(
        &tx,
        "SELECT l.source, l.owner FROM uw_source_leases l
         WHERE l.source = ANY($1) AND (l.owner IS NULL OR l.expires IS NULL OR l.expires <= $2)
         FOR UPDATE OF l SKIP LOCKED",
        &[&wanted, &now],
    )
    .await
    .map_err(pg_err("claim sources"))?;
    let mut free: Vec<(usize, SourceId, Option<String>)> = Vec::new();
    for row in locked {
        let source: String = row.get(0);
        if let Some(pos) = req.candidates.iter().position(|c| c.as_str() == source) {
            free.push((pos, req.candidates[pos].clone(), row.get(1)));
        }
    }
    free.sort_by_key(|(pos, _, _)| *pos);
    free.truncate(req.limit);
    let taken: Vec<&str> = free.iter().map(|(_, id, _)| id.as_str()).collect();
    let expires = millis(later(req.now, req.ttl));
    cached::execute(
        &tx,
        "UPDATE uw_source_leases SET owner = $2, expires = $3 WHERE source = ANY($1)",
        &[&taken, &req.owner, &expires],
    )
    .await
    .map_err(pg_err("claim sources"))?;
    tx.commit().await.map_err(pg_err("claim sources"))?;
    Ok(free
        .into_iter()
        .map(|(_, source, previous)| Claimed {
            source,
            taken_over: previous,
        })
        .collect())
}

/// Extends the lease if `owner` still holds it.
pub(super) async fn renew(
    c: &impl GenericClient,
    source: &SourceId,
    owner: &str,
    now: Timestamp,
    ttl: Duration,
) -> Result<bool, StoreError> {
    let expires = millis(later(now, ttl));
    let n = cached::execute(
        c,
        "UPDATE uw_source_leases SET expires = $3 WHERE source = $1 AND owner = $2",
        &[&source.as_str(), &owner, &expires],
    )
    .await
    .map_err(pg_err("renew lease"))?;
    Ok(n == 1)
}

/// Clears the lease if `owner` holds it.
pub(super) async fn release(
    c: &impl GenericClient,
    source: &SourceId,
    owner: &str,
) -> Result<(), StoreError> {
    cached::execute(
        c,
        "UPDATE uw_source_leases SET owner = NULL, expires = NULL WHERE source = $1 AND owner = $2",
        &[&source.as_str(), &owner],
    )
    .await
    .map_err(pg_err("release lease"))?;
    Ok(())
}

/// Every held lease, by source.
pub(super) async fn list(c: &impl GenericClient) -> Result<Vec<Lease>, StoreError> {
    let rows = cached::query(
        c,
        "SELECT source, owner, expires FROM uw_source_leases
         WHERE owner IS NOT NULL ORDER BY source",
        &[],
    )
    .await
    .map_err(pg_err("read leases"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let source: String = row.get(0);
        let Ok(source) = SourceId::new(source.clone()) else {
            tracing::warn!(source, "skipping a lease of an invalid source id");
            continue;
        };
        let expires: Option<i64> = row.get(2);
        out.push(Lease {
            source,
            owner: row.get(1),
            expires: expires
                .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                .unwrap_or(Timestamp::UNIX_EPOCH),
        });
    }
    Ok(out)
}

/// "Now" on the database's clock, in microseconds since the Unix epoch (SQL).
const DB_NOW: &str = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint";

/// Takes the host's turn if it is free; else says how long to wait.
pub(super) async fn take_host_turn(
    c: &impl GenericClient,
    host: &str,
    holder: &str,
    gap: Duration,
    in_flight_ttl: Duration,
) -> Result<HostTurnAnswer, StoreError> {
    let err = pg_err("take host turn");
    cached::execute(
        c,
        "INSERT INTO uw_host_turns (host) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&host],
    )
    .await
    .map_err(err)?;
    let (gap_us, ttl_us) = (micros(gap), micros(in_flight_ttl));
    // One statement: PostgreSQL re-checks the condition on the newest row version after waiting for a
    // concurrent update of the row, so two crawlers can never both be granted the same turn.
    let granted = cached::query_opt(
        c,
        &format!(
            "WITH c AS (SELECT {DB_NOW} AS now)
             UPDATE uw_host_turns h
             SET holder = $2, holder_expires = c.now + $3, next_start = c.now + $4
             FROM c
             WHERE h.host = $1
               AND (h.holder IS NULL OR h.holder = $2 OR h.holder_expires <= c.now)
               AND h.next_start <= c.now AND h.hold_until <= c.now
             RETURNING c.now"
        ),
        &[&host, &holder, &ttl_us, &gap_us],
    )
    .await
    .map_err(pg_err("take host turn"))?;
    if granted.is_some() {
        return Ok(HostTurnAnswer {
            granted: true,
            wait: Duration::ZERO,
            hold_left: Duration::ZERO,
        });
    }
    let row = cached::query_one(
        c,
        &format!(
            "WITH c AS (SELECT {DB_NOW} AS now)
             SELECT h.holder IS NOT NULL AND h.holder <> $2 AND h.holder_expires > c.now,
                    h.holder_expires - c.now, h.next_start - c.now, h.hold_until - c.now
             FROM uw_host_turns h, c WHERE h.host = $1"
        ),
        &[&host, &holder],
    )
    .await
    .map_err(pg_err("take host turn"))?;
    let busy: bool = row.get(0);
    let (holder_left, start_left, hold_left) = (
        duration_of_micros(row.get(1)),
        duration_of_micros(row.get(2)),
        duration_of_micros(row.get(3)),
    );
    // A request in flight elsewhere: the next start is at least `gap` after it ends, so nothing is
    // missed by waiting that long (bounded by when its claim runs out).
    let busy_wait = if busy {
        gap.min(holder_left).max(MIN_POLL)
    } else {
        Duration::ZERO
    };
    Ok(HostTurnAnswer {
        granted: false,
        wait: busy_wait.max(start_left).max(hold_left).max(MIN_POLL),
        hold_left,
    })
}

/// The shortest wait before asking for a busy host's turn again.
const MIN_POLL: Duration = Duration::from_millis(10);

/// Ends the holder's turn; the next request may start `gap` after now.
pub(super) async fn end_host_turn(
    c: &impl GenericClient,
    host: &str,
    holder: &str,
    gap: Duration,
) -> Result<(), StoreError> {
    cached::execute(
        c,
        &format!(
            "WITH c AS (SELECT {DB_NOW} AS now)
             UPDATE uw_host_turns h
             SET holder = NULL, holder_expires = 0, next_start = GREATEST(h.next_start, c.now + $3)
             FROM c WHERE h.host = $1 AND h.holder = $2"
        ),
        &[&host, &holder, &micros(gap)],
    )
    .await
    .map_err(pg_err("end host turn"))?;
    Ok(())
}

/// Holds the host for `wait` from now, unless it is held longer already.
pub(super) async fn hold_host(
    c: &impl GenericClient,
    host: &str,
    wait: Duration,
) -> Result<(), StoreError> {
    cached::execute(
        c,
        &format!(
            "INSERT INTO uw_host_turns (host, hold_until) VALUES ($1, {DB_NOW} + $2)
             ON CONFLICT (host) DO UPDATE
             SET hold_until = GREATEST(uw_host_turns.hold_until, EXCLUDED.hold_until)"
        ),
        &[&host, &micros(wait)],
    )
    .await
    .map_err(pg_err("hold host"))?;
    Ok(())
}
