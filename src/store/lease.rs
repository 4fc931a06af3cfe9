//! Leases: which crawler process crawls a source now ([`crate::store::Store::claim_sources`] and its
//! renewal and release), and — on an engine many processes share — whose turn it is at a host
//! ([`crate::store::Store::take_host_turn`]). The types here are what the engines take and return;
//! [`MemoryLeases`] is the source-lease table of an engine only one process opens (sled), with the same
//! rules as the shared one, so the scheduler has one code path.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;

use crate::model::{SourceId, SourceState};
use crate::store::StoreError;

/// What [`crate::store::Store::claim_sources`] is asked for.
#[derive(Debug, Clone)]
pub struct ClaimRequest<'a> {
    /// Who claims: a crawler process's id ([`crate::store::Store::claim_sources`] never gives one owner
    /// a source it holds already).
    pub owner: &'a str,
    /// The sources that may be claimed, in order of preference.
    pub candidates: &'a [SourceId],
    /// Most sources claimed.
    pub limit: usize,
    /// Only sources due at `now` by their stored state (`next_due` unset or not after `now`); `false`
    /// claims any free candidate (a `crawl now` request).
    pub only_due: bool,
    /// "Now" on the claimer's clock.
    pub now: Timestamp,
    /// How long the leases last unless renewed.
    pub ttl: Duration,
}

/// A source claimed by [`crate::store::Store::claim_sources`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The source.
    pub source: SourceId,
    /// The owner of an expired lease this claim took over (a crawler that died or stalled), if any.
    pub taken_over: Option<String>,
}

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The source.
    pub source: SourceId,
    /// Who holds it.
    pub owner: String,
    /// When it runs out unless renewed.
    pub expires: Timestamp,
}

/// What [`crate::store::Store::take_host_turn`] answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostTurnAnswer {
    /// The turn is the caller's: it may start one request now.
    pub granted: bool,
    /// Not granted: how long to wait before asking again.
    pub wait: Duration,
    /// How long the host is still on hold (`Retry-After`), zero when it is not.
    pub hold_left: Duration,
}

/// `t + d`, saturating.
pub(crate) fn later(t: Timestamp, d: Duration) -> Timestamp {
    let span = jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
    t.checked_add(span).unwrap_or(Timestamp::MAX)
}

/// Whether a source with this stored state is due at `now`.
#[must_use]
pub(crate) fn is_due(state: Option<&SourceState>, now: Timestamp) -> bool {
    state.and_then(|s| s.next_due).is_none_or(|t| t <= now)
}

/// The source leases of a store that one process opens: in memory, with the rules of the shared table.
#[derive(Debug, Default)]
pub(crate) struct MemoryLeases {
    held: Mutex<HashMap<SourceId, (String, Timestamp)>>,
}

impl MemoryLeases {
    /// [`crate::store::Store::claim_sources`], reading each candidate's state with `state`.
    pub(crate) fn claim(
        &self,
        req: &ClaimRequest<'_>,
        state: impl Fn(&SourceId) -> Result<Option<SourceState>, StoreError>,
    ) -> Result<Vec<Claimed>, StoreError> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = Vec::new();
        for id in req.candidates {
            if out.len() >= req.limit {
                break;
            }
            let previous = match held.get(id) {
                Some((_, expires)) if *expires > req.now => continue,
                Some((owner, _)) => Some(owner.clone()),
                None => None,
            };
            if req.only_due && !is_due(state(id)?.as_ref(), req.now) {
                continue;
            }
            held.insert(id.clone(), (req.owner.to_owned(), later(req.now, req.ttl)));
            out.push(Claimed {
                source: id.clone(),
                taken_over: previous,
            });
        }
        Ok(out)
    }

    /// [`crate::store::Store::renew_lease`].
    pub(crate) fn renew(
        &self,
        source: &SourceId,
        owner: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> bool {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        match held.get_mut(source) {
            Some((o, expires)) if o == owner => {
                *expires = later(now, ttl);
                true
            }
            _ => false,
        }
    }

    /// [`crate::store::Store::release_lease`].
    pub(crate) fn release(&self, source: &SourceId, owner: &str) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.get(source).is_some_and(|(o, _)| o == owner) {
            held.remove(source);
        }
    }

    /// [`crate::store::Store::leases`].
    pub(crate) fn list(&self) -> Vec<Lease> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<Lease> = held
            .iter()
            .map(|(source, (owner, expires))| Lease {
                source: source.clone(),
                owner: owner.clone(),
                expires: *expires,
            })
            .collect();
        out.sort_by(|a, b| a.source.as_str().cmp(b.source.as_str()));
        out
    }
}
