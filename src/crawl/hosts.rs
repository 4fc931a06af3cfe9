//! The fetcher's shared per-host politeness ([`crate::fetch::SharedHosts`]) kept in the store, for
//! crawlers that share a store ([`crate::store::Store::shares_host_turns`]): each call runs on the
//! blocking pool (the store's calling convention) under this process's name.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::fetch::{SharedHosts, SharedHostsError, SharedTurn};
use crate::store::SharedStore;

/// Host turns in the store, taken and given back as `holder`.
pub struct StoreHosts {
    store: SharedStore,
    holder: Arc<str>,
}

impl StoreHosts {
    /// The store's host turns, if the store shares them (else the fetcher's own gate is the whole of it).
    #[must_use]
    pub fn for_store(store: &SharedStore, holder: Arc<str>) -> Option<Self> {
        store.shares_host_turns().then(|| Self {
            store: Arc::clone(store),
            holder,
        })
    }
}

fn boxed(e: crate::store::StoreError) -> SharedHostsError {
    Box::new(e)
}

impl SharedHosts for StoreHosts {
    fn take_turn(
        &self,
        host: &str,
        gap: Duration,
        in_flight_ttl: Duration,
    ) -> BoxFuture<'static, Result<SharedTurn, SharedHostsError>> {
        let (store, holder, host) = (self.store.clone(), self.holder.clone(), host.to_owned());
        Box::pin(async move {
            let t = crate::store::blocking(&store, move |s| {
                s.take_host_turn(&host, &holder, gap, in_flight_ttl)
            })
            .await
            .map_err(boxed)?;
            Ok(SharedTurn {
                granted: t.granted,
                wait: t.wait,
                hold_left: t.hold_left,
            })
        })
    }

    fn end_turn(
        &self,
        host: &str,
        gap: Duration,
    ) -> BoxFuture<'static, Result<(), SharedHostsError>> {
        let (store, holder, host) = (self.store.clone(), self.holder.clone(), host.to_owned());
        Box::pin(async move {
            crate::store::blocking(&store, move |s| s.end_host_turn(&host, &holder, gap))
                .await
                .map_err(boxed)
        })
    }

    fn hold(&self, host: &str, wait: Duration) -> BoxFuture<'static, Result<(), SharedHostsError>> {
        let (store, host) = (self.store.clone(), host.to_owned());
        Box::pin(async move {
            crate::store::blocking(&store, move |s| s.hold_host(&host, wait))
                .await
                .map_err(boxed)
        })
    }
}
