//! When each source is due: `every` plus random jitter, exponential back-off after failures, a long hold for a
//! host that answers with an anti-bot challenge. The due time is in the store (the source's state), so every
//! crawler sharing the store sees it. The loop leases due sources through the store ([`Crawler::claim_due`]:
//! never the same source twice at once, in this process or any other) and runs each as a tracked task
//! ([`Crawler::crawl_claimed`], which renews and then releases the lease), at most
//! `crawl.source_concurrency` together, and stops taking work on cancellation.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use rand::Rng;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use super::{Crawler, RunOptions};

/// The longest a failing source is backed off.
pub(crate) const MAX_SOURCE_BACKOFF: Duration = Duration::from_secs(24 * 3600);
/// How long a source whose host answered with an anti-bot challenge (HTTP 412/521) is put on hold, at least.
pub(crate) const BLOCKED_HOLD: Duration = Duration::from_secs(6 * 3600);
/// The scheduler looks at the clock at least this often.
pub(crate) const MAX_TICK: Duration = Duration::from_secs(30);
/// How soon the scheduler looks again when due sources were left unclaimed (no free slot here, or leased
/// by another crawler).
const UNCLAIMED_RECHECK: Duration = Duration::from_secs(1);

/// The wait before a source is due again.
#[must_use]
pub(crate) fn next_interval(
    every: Duration,
    jitter: f64,
    failures: u32,
    blocked: bool,
) -> Duration {
    let mut base = every;
    if failures > 0 {
        let factor = 1u32 << failures.min(6);
        base = every
            .saturating_mul(factor)
            .min(MAX_SOURCE_BACKOFF.max(every));
    }
    if blocked {
        base = base.max(BLOCKED_HOLD);
    }
    let extra = if jitter > 0.0 {
        base.mul_f64(rand::rng().random_range(0.0..=jitter))
    } else {
        Duration::ZERO
    };
    base + extra
}

/// Whether a source is due at `now` by its stored state.
fn is_due(next_due: Option<Timestamp>, now: Timestamp) -> bool {
    next_due.is_none_or(|t| t <= now)
}

/// Runs the schedule until `token` is cancelled; in-flight source crawls finish or cancel with it.
pub async fn run(crawler: Crawler, token: CancellationToken) {
    let tracker = TaskTracker::new();
    let slots = Arc::new(Semaphore::new(crawler.config().crawl.source_concurrency));
    // Woken by each finished crawl, so a freed slot takes the next due source at once.
    let finished = Arc::new(tokio::sync::Notify::new());
    info!(
        sources = crawler.config().sources.len(),
        owner = crawler.owner(),
        "scheduler started"
    );
    loop {
        let now = Timestamp::now();
        let mut soonest = MAX_TICK;
        // Every source's due time, read on the blocking pool (the store's calling convention).
        let ids: Vec<_> = crawler
            .config()
            .sources
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.id.clone())
            .collect();
        let due = crawler
            .read_store(move |store| {
                Ok(ids
                    .iter()
                    .map(|id| store.source_state(id))
                    .collect::<Vec<_>>())
            })
            .await
            .unwrap_or_default();
        let mut due = due.into_iter();
        let mut candidates = Vec::new();
        for src in crawler.config().sources.iter().filter(|s| s.enabled) {
            let state = due.next();
            let next_due = match state {
                Some(Ok(st)) => st.and_then(|s| s.next_due),
                Some(Err(e)) => {
                    warn!(source = %src.id, error = %e, "reading source state failed");
                    None
                }
                None => None,
            };
            if !is_due(next_due, now) {
                if let Some(t) = next_due {
                    let wait = Duration::try_from(t.duration_since(now)).unwrap_or(Duration::ZERO);
                    soonest = soonest.min(wait);
                }
                continue;
            }
            candidates.push(src.id.clone());
        }
        // Due sources are leased (checked due again in the store's transaction); those another crawl holds
        // are skipped. One free slot, one lease: a leased source is crawled at once.
        let free = slots.available_permits();
        let wanted = candidates.len();
        let claims = crawler.claim_due(candidates, free).await;
        if claims.len() < wanted {
            // Due sources left: for a slot here (a finished crawl wakes the loop) or held by another
            // crawler (whose lease may end or run out), so look again soon.
            soonest = soonest.min(UNCLAIMED_RECHECK);
        }
        for claim in claims {
            let Some(src) = crawler.config().source(claim.source().as_str()).cloned() else {
                continue;
            };
            let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                // Only this loop takes slots, so this does not happen; the lease runs out if it does.
                warn!(source = %src.id, "no free slot for a leased source");
                continue;
            };
            let (c, token, finished) = (crawler.clone(), token.clone(), finished.clone());
            tracker.spawn(async move {
                c.crawl_claimed(claim, &src, &RunOptions::default(), &token)
                    .await;
                drop(permit);
                finished.notify_one();
            });
        }
        let tick = soonest.clamp(Duration::from_millis(200), MAX_TICK);
        tokio::select! {
            () = token.cancelled() => break,
            () = tokio::time::sleep(tick) => {}
            () = finished.notified() => {}
        }
    }
    tracker.close();
    tracker.wait().await;
    info!("scheduler stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_exponentially_and_cap() {
        let every = Duration::from_secs(60);
        assert_eq!(next_interval(every, 0.0, 0, false), every);
        assert_eq!(next_interval(every, 0.0, 1, false), every * 2);
        assert_eq!(next_interval(every, 0.0, 3, false), every * 8);
        assert_eq!(next_interval(every, 0.0, 30, false), every * 64);
        assert!(next_interval(Duration::from_secs(3600), 0.0, 30, false) <= MAX_SOURCE_BACKOFF);
    }

    #[test]
    fn blocked_sources_are_held() {
        assert!(next_interval(Duration::from_secs(60), 0.0, 0, true) >= BLOCKED_HOLD);
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let every = Duration::from_secs(100);
        for _ in 0..100 {
            let d = next_interval(every, 0.2, 0, false);
            assert!(d >= every && d <= Duration::from_secs(120), "{d:?}");
        }
    }
}
