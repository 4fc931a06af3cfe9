//! Per-host politeness for the crawler's fetch ([`Fetcher::get_polite`]): one request in flight per host,
//! a minimum gap between request starts to a host (robots.txt fetches included, raised by `Crawl-delay`),
//! `Retry-After` applied to the whole host, robots.txt cached per origin, and bounded retries with
//! exponential backoff and jitter. Also the per-host counters that tests and metrics read.
//!
//! Across processes ([`SharedHosts`], installed with [`Fetcher::share_hosts`]): after this process's own
//! gate, each turn is also taken from the shared state — nobody else's request in flight at the host, the
//! shared next start passed, no shared hold — and given back when the request ends, when the next start
//! anywhere is set to `gap` after that end (the end is the one moment every process can place after the
//! start, whatever their clocks). `Retry-After` holds go to the shared state too.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;
use url::Url;

use super::robots::Robots;
use super::{
    Failure, FetchError, Fetcher, Hop, HopOptions, Overflow, Request, Response, MAX_RETRY_BACKOFF,
    ROBOTS_ERROR_TTL, ROBOTS_MAX_REDIRECTS, ROBOTS_TOKEN,
};

/// What [`SharedHosts::take_turn`] answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedTurn {
    /// The turn is this process's: one request may start now.
    pub granted: bool,
    /// Not granted: ask again after this long.
    pub wait: Duration,
    /// How long the host is still on hold (`Retry-After` from any process), zero when not.
    pub hold_left: Duration,
}

/// The error of a [`SharedHosts`] operation (the fetch logs it and asks again later).
pub type SharedHostsError = Box<dyn std::error::Error + Send + Sync>;

/// Per-host politeness shared by every process that crawls together (the crawl implements it with the
/// store). Each call is atomic where the state is kept.
pub trait SharedHosts: Send + Sync {
    /// Takes the turn at `host` if nobody's request is in flight there (a turn older than
    /// `in_flight_ttl` is over), the next start has come and no hold is on; the next start is then `gap`
    /// from now at the earliest.
    fn take_turn(
        &self,
        host: &str,
        gap: Duration,
        in_flight_ttl: Duration,
    ) -> futures::future::BoxFuture<'static, Result<SharedTurn, SharedHostsError>>;

    /// Gives the turn back: the next request to `host` starts `gap` after now at the earliest.
    fn end_turn(
        &self,
        host: &str,
        gap: Duration,
    ) -> futures::future::BoxFuture<'static, Result<(), SharedHostsError>>;

    /// Puts `host` on hold for `wait` (unless held longer already).
    fn hold(
        &self,
        host: &str,
        wait: Duration,
    ) -> futures::future::BoxFuture<'static, Result<(), SharedHostsError>>;
}

/// How long a shared turn is asked for again after the shared state could not be reached.
const SHARED_RETRY: Duration = Duration::from_secs(1);
/// How long past the request timeout a shared turn stands before others may take it (a crawler that
/// died mid-request).
const SHARED_TURN_MARGIN: Duration = Duration::from_secs(5);

/// This process's turn at a host: its own gate, and the shared turn when hosts are shared. End it with
/// [`Turn::end`] when the request is over.
pub(crate) struct Turn {
    _gate: OwnedMutexGuard<()>,
    shared: Option<(Arc<dyn SharedHosts>, String, Duration)>,
}

impl Turn {
    /// Gives the shared turn back (a failure is logged: the turn then runs out by itself).
    async fn end(mut self) {
        if let Some((shared, host, gap)) = self.shared.take() {
            give_back(shared.as_ref(), &host, gap).await;
        }
    }
}

impl Drop for Turn {
    /// A turn dropped without [`Turn::end`] belongs to a request that was cancelled mid-flight (a crawl
    /// stopped or timed out): its shared turn is given back by a task, so that other crawlers do not wait
    /// for it to run out (the request timeout and a margin).
    fn drop(&mut self) {
        let Some((shared, host, gap)) = self.shared.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { give_back(shared.as_ref(), &host, gap).await });
        }
    }
}

async fn give_back(shared: &dyn SharedHosts, host: &str, gap: Duration) {
    if let Err(e) = shared.end_turn(host, gap).await {
        tracing::warn!(host, error = %e, "giving back the shared host turn failed");
    }
}

/// Counters for one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Requests started to the host (every redirect hop, retry and robots.txt fetch counts).
    pub requests: u64,
    /// robots.txt fetches started to the host.
    pub robots_fetches: u64,
    /// Retries made by polite fetches for URLs on the host.
    pub retries: u64,
    /// The most requests that were ever in flight to the host at once.
    pub max_in_flight: u32,
}

/// Politeness state of one host.
#[derive(Default)]
struct Host {
    /// Held for the whole of each polite request: one in flight per host.
    gate: Arc<tokio::sync::Mutex<()>>,
    timing: Mutex<Timing>,
    requests: AtomicU64,
    robots_fetches: AtomicU64,
    retries: AtomicU64,
    in_flight: AtomicU32,
    max_in_flight: AtomicU32,
}

#[derive(Default)]
struct Timing {
    /// The earliest start of the next request.
    next_start: Option<Instant>,
    /// Retry-After: no request before this.
    hold_until: Option<Instant>,
    /// The same as Unix seconds, for error messages.
    hold_until_unix: u64,
    /// The robots.txt `Crawl-delay` (already capped).
    crawl_delay: Duration,
}

/// What robots.txt said for an origin: its rules, or why it could not be fetched (then the rules are
/// "disallow all", RFC 9309 §2.3.1.4).
pub(crate) struct RobotsAnswer {
    robots: Robots,
    /// Why robots.txt could not be fetched (DNS failure, refused connection, timeout, 5xx, 429).
    unreachable: Option<String>,
    /// The resolver's message when the host name does not resolve: then every page of the host fails
    /// as the DNS failure it is, not as a robots.txt refusal.
    dns_failure: Option<String>,
}

/// A cached robots.txt answer.
struct CachedRobots {
    answer: Arc<RobotsAnswer>,
    expires: Instant,
}

/// All hosts seen, and the robots.txt cache per origin.
#[derive(Default)]
pub(crate) struct Hosts {
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    robots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<CachedRobots>>>>>,
}

/// Decrements the in-flight count of a host when the request ends.
pub(crate) struct InFlight(Arc<Host>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hosts {
    fn host(&self, name: &str) -> Arc<Host> {
        let mut map = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(name.to_ascii_lowercase()).or_default())
    }

    /// Records that a request to `name` starts; the guard records its end.
    pub(crate) fn started(&self, name: &str) -> InFlight {
        let host = self.host(name);
        host.requests.fetch_add(1, Ordering::SeqCst);
        let now = host.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        host.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(host)
    }

    pub(crate) fn stats(&self, name: &str) -> HostStats {
        let map = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&name.to_ascii_lowercase())
            .map(|h| HostStats {
                requests: h.requests.load(Ordering::SeqCst),
                robots_fetches: h.robots_fetches.load(Ordering::SeqCst),
                retries: h.retries.load(Ordering::SeqCst),
                max_in_flight: h.max_in_flight.load(Ordering::SeqCst),
            })
            .unwrap_or_default()
    }

    fn robots_slot(&self, origin: &str) -> Arc<tokio::sync::Mutex<Option<CachedRobots>>> {
        let mut map = self.robots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(origin.to_owned()).or_default())
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn on_hold(url: &Url, until_unix: u64) -> FetchError {
    FetchError::HostOnHold {
        url: url.to_string(),
        until_secs: until_unix,
    }
}

impl Fetcher {
    /// The crawler's fetch: robots.txt (RFC 9309, cached up to `robots_ttl`; 4xx = allow all, 5xx or
    /// unreachable = disallow all), one request in flight per host, `per_host_delay` between request starts
    /// to a host (robots.txt included, raised by `Crawl-delay` up to `max_crawl_delay`), `Retry-After` on
    /// 429/503 applied to the whole host (capped at `max_retry_after`), and at most `retries` retries with
    /// exponential backoff and jitter after timeouts, 408, 429 and 5xx. Every redirect hop goes through
    /// the robots.txt check and the politeness of its own host.
    ///
    /// # Errors
    /// Any [`FetchError`]; `RobotsDisallowed` when robots.txt forbids the URL, `HostOnHold` when the host
    /// asked us to stay away for longer than `max_crawl_delay`.
    pub async fn get_polite(&self, req: &Request) -> Result<Response, FetchError> {
        let mut attempt: u32 = 0;
        loop {
            let error = match self.polite_chain(req).await {
                Ok(resp) => return Ok(resp),
                Err(e) => e,
            };
            if !error.is_retryable() || attempt >= self.inner.cfg.retries {
                return Err(error);
            }
            attempt += 1;
            if let Some(host) = req.url.host_str() {
                self.inner
                    .hosts
                    .host(host)
                    .retries
                    .fetch_add(1, Ordering::SeqCst);
            }
            tracing::debug!(url = %req.url, attempt, error = %error, "retrying fetch");
            tokio::time::sleep(self.backoff(attempt)).await;
        }
    }

    /// The pause before retry number `attempt` (1-based): base × 2^(attempt−1), plus up to half of that at
    /// random, at most [`MAX_RETRY_BACKOFF`]. Retry-After and the per-host delay are applied separately.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.inner.cfg.backoff_base;
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        let exp = base.saturating_mul(factor).min(MAX_RETRY_BACKOFF);
        let jitter_ms = u64::try_from(exp.as_millis() / 2).unwrap_or(u64::MAX);
        let jitter = if jitter_ms == 0 {
            0
        } else {
            rand::rng().random_range(0..=jitter_ms)
        };
        (exp + Duration::from_millis(jitter)).min(MAX_RETRY_BACKOFF)
    }

    /// One attempt: the redirect chain, every hop polite.
    async fn polite_chain(&self, req: &Request) -> Result<Response, FetchError> {
        let mut url = req.url.clone();
        let max = self.inner.cfg.max_redirects;
        for hop in 0..=max {
            self.check_url(&url)?;
            if self.inner.cfg.obey_robots {
                let answer = self.robots_for(&url).await?;
                if let Some(message) = &answer.dns_failure {
                    return Err(FetchError::Dns {
                        url: url.to_string(),
                        message: message.clone(),
                    });
                }
                if !answer.robots.is_allowed_url(ROBOTS_TOKEN, &url) {
                    return Err(FetchError::RobotsDisallowed {
                        url: url.to_string(),
                        unreachable: answer.unreachable.clone(),
                    });
                }
            }
            let host_name = url.host_str().unwrap_or_default().to_owned();
            let host = self.inner.hosts.host(&host_name);
            let turn = self.take_turn(&host, &url).await?;
            let opts = HopOptions {
                conditional: hop == 0,
                cap: self.inner.cfg.max_body_bytes,
                overflow: Overflow::Fail,
                deadline: Instant::now() + self.inner.cfg.timeout,
            };
            let answer = self.hop(&url, req, opts).await;
            turn.end().await;
            match answer {
                Ok(Hop::Done(resp)) => return Ok(resp),
                Ok(Hop::Redirect(next)) => url = next,
                Err(Failure { error, retry_after }) => {
                    return Err(self.after_failure(&host, &url, error, retry_after).await);
                }
            }
        }
        Err(FetchError::TooManyRedirects {
            url: req.url.to_string(),
            max,
        })
    }

    /// Applies `Retry-After` from a 429/503 to the host (and to the shared state, when hosts are shared). A
    /// wait the fetch is willing to sleep through keeps the status error (so it is retried); a longer one
    /// becomes `HostOnHold`.
    async fn after_failure(
        &self,
        host: &Host,
        url: &Url,
        error: FetchError,
        retry_after: Option<Duration>,
    ) -> FetchError {
        let status = error.status();
        let Some(wait) = retry_after.filter(|_| matches!(status, Some(429 | 503))) else {
            return error;
        };
        let cfg = &self.inner.cfg;
        let wait = wait.min(cfg.max_retry_after);
        let until_unix = {
            let mut timing = host.timing.lock().unwrap_or_else(PoisonError::into_inner);
            let until = Instant::now() + wait;
            if timing.hold_until.is_none_or(|h| h < until) {
                timing.hold_until = Some(until);
                timing.hold_until_unix =
                    unix_now().saturating_add(wait.as_secs_f64().ceil() as u64);
            }
            timing.hold_until_unix
        };
        tracing::info!(url = %url, wait_ms = wait.as_millis() as u64, "host asked us to wait (Retry-After)");
        if let (Some(shared), Some(name)) = (self.inner.shared.get(), url.host_str()) {
            if let Err(e) = shared.hold(&name.to_ascii_lowercase(), wait).await {
                tracing::warn!(host = name, error = %e, "sharing the Retry-After hold failed");
            }
        }
        if wait > self.hold_wait_limit() {
            on_hold(url, until_unix)
        } else {
            error
        }
    }

    /// Shares this fetcher's per-host politeness with other processes through `shared` (set once; later
    /// calls change nothing): every turn at a host is also taken there, every `Retry-After` hold is also
    /// put there.
    pub fn share_hosts(&self, shared: Arc<dyn SharedHosts>) {
        let _ = self.inner.shared.set(shared);
    }

    /// The longest a fetch sleeps for a host that is on hold before giving up with `HostOnHold`.
    fn hold_wait_limit(&self) -> Duration {
        self.inner
            .cfg
            .max_crawl_delay
            .max(self.inner.cfg.per_host_delay)
    }

    /// Waits for this host's turn: no other request in flight, the gap since the last start respected, any
    /// hold over — in this process, then in the shared state when hosts are shared. Records this start.
    /// The turn lasts until [`Turn::end`] (or, for this process's gate, until it is dropped).
    async fn take_turn(&self, host: &Arc<Host>, url: &Url) -> Result<Turn, FetchError> {
        self.check_hold(host, url)?;
        let guard = Arc::clone(&host.gate).lock_owned().await;
        loop {
            self.check_hold(host, url)?;
            let wake = {
                let timing = host.timing.lock().unwrap_or_else(PoisonError::into_inner);
                timing.next_start.max(timing.hold_until)
            };
            match wake {
                Some(at) if at > Instant::now() => tokio::time::sleep_until(at).await,
                _ => break,
            }
        }
        let gap = {
            let timing = host.timing.lock().unwrap_or_else(PoisonError::into_inner);
            self.inner.cfg.per_host_delay.max(timing.crawl_delay)
        };
        let shared = match self.inner.shared.get() {
            Some(shared) => {
                let name = url.host_str().unwrap_or_default().to_ascii_lowercase();
                self.take_shared_turn(shared.as_ref(), &name, gap, url)
                    .await?;
                Some((Arc::clone(shared), name, gap))
            }
            None => None,
        };
        let mut timing = host.timing.lock().unwrap_or_else(PoisonError::into_inner);
        timing.next_start = Some(Instant::now() + gap);
        Ok(Turn {
            _gate: guard,
            shared,
        })
    }

    /// Waits until the shared state gives this process the turn at `host`.
    async fn take_shared_turn(
        &self,
        shared: &dyn SharedHosts,
        host: &str,
        gap: Duration,
        url: &Url,
    ) -> Result<(), FetchError> {
        let in_flight_ttl = self.inner.cfg.timeout + SHARED_TURN_MARGIN;
        loop {
            let wait = match shared.take_turn(host, gap, in_flight_ttl).await {
                Ok(t) if t.granted => return Ok(()),
                Ok(t) => {
                    if t.hold_left > self.hold_wait_limit() {
                        let until =
                            unix_now().saturating_add(t.hold_left.as_secs_f64().ceil() as u64);
                        return Err(on_hold(url, until));
                    }
                    t.wait
                }
                Err(e) => {
                    tracing::warn!(host, error = %e, "asking the shared state for a host turn failed; asking again");
                    SHARED_RETRY
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    fn check_hold(&self, host: &Host, url: &Url) -> Result<(), FetchError> {
        let timing = host.timing.lock().unwrap_or_else(PoisonError::into_inner);
        match timing.hold_until {
            Some(until)
                if until.saturating_duration_since(Instant::now()) > self.hold_wait_limit() =>
            {
                Err(on_hold(url, timing.hold_until_unix))
            }
            _ => Ok(()),
        }
    }

    /// The robots.txt for the URL's origin, from the cache or fetched (politely) now.
    async fn robots_for(&self, url: &Url) -> Result<Arc<RobotsAnswer>, FetchError> {
        let origin = url.origin().ascii_serialization();
        let slot = self.inner.hosts.robots_slot(&origin);
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref() {
            if c.expires > Instant::now() {
                return Ok(Arc::clone(&c.answer));
            }
        }
        let (answer, ttl) = self.fetch_robots(url).await?;
        let answer = Arc::new(answer);
        let host_name = url.host_str().unwrap_or_default();
        let delay = answer
            .robots
            .crawl_delay(ROBOTS_TOKEN)
            .unwrap_or_default()
            .min(self.inner.cfg.max_crawl_delay);
        self.inner
            .hosts
            .host(host_name)
            .timing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .crawl_delay = delay;
        *cached = Some(CachedRobots {
            answer: Arc::clone(&answer),
            expires: Instant::now() + ttl,
        });
        Ok(answer)
    }

    /// Fetches and interprets `/robots.txt` of the URL's origin (RFC 9309 §2.3): success → the rules; a
    /// redirect chain longer than five or a 4xx (except 429) → allow all; 429, 5xx, a timeout or a network
    /// error → disallow all. An address-policy refusal is returned as the error it is.
    async fn fetch_robots(&self, url: &Url) -> Result<(RobotsAnswer, Duration), FetchError> {
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let host_name = url.host_str().unwrap_or_default().to_owned();
        let host = self.inner.hosts.host(&host_name);
        let req = Request {
            url: robots_url.clone(),
            etag: None,
            last_modified: None,
            accept: super::Accept::Any,
        };
        let ttl = self.inner.cfg.robots_ttl;
        let error_ttl = ttl.min(ROBOTS_ERROR_TTL);
        let turn = self.take_turn(&host, url).await?;
        let answer = self
            .fetch_robots_in_turn(&host, &req, &robots_url, ttl, error_ttl)
            .await;
        turn.end().await;
        answer
    }

    /// [`Fetcher::fetch_robots`] once the host's turn is taken.
    async fn fetch_robots_in_turn(
        &self,
        host: &Arc<Host>,
        req: &Request,
        robots_url: &Url,
        ttl: Duration,
        error_ttl: Duration,
    ) -> Result<(RobotsAnswer, Duration), FetchError> {
        host.robots_fetches.fetch_add(1, Ordering::SeqCst);
        let deadline = Instant::now() + self.inner.cfg.timeout;
        let mut current = robots_url.clone();
        for _ in 0..=ROBOTS_MAX_REDIRECTS {
            let opts = HopOptions {
                conditional: false,
                cap: super::robots::MAX_ROBOTS_BYTES as u64,
                overflow: Overflow::Truncate,
                deadline,
            };
            match self.hop(&current, req, opts).await {
                Ok(Hop::Done(resp)) => {
                    return Ok((RobotsAnswer::rules(Robots::parse(&resp.body)), ttl))
                }
                Ok(Hop::Redirect(next)) => current = next,
                Err(Failure { error, retry_after }) => {
                    return match error {
                        FetchError::PrivateAddress { .. } | FetchError::BadScheme { .. } => {
                            Err(error)
                        }
                        FetchError::Status { status, .. } | FetchError::Blocked { status, .. }
                            if (400..500).contains(&status) && status != 429 =>
                        {
                            Ok((RobotsAnswer::rules(Robots::allow_all()), ttl))
                        }
                        other => {
                            let cause = other.to_string();
                            let dns_failure = match &other {
                                FetchError::Dns { message, .. } => Some(message.clone()),
                                _ => None,
                            };
                            if dns_failure.is_none() {
                                tracing::info!(url = %current, cause, "robots.txt unreachable: host disallowed");
                            }
                            let _ = self.after_failure(host, &current, other, retry_after).await;
                            let answer = RobotsAnswer {
                                robots: Robots::disallow_all(),
                                unreachable: Some(cause),
                                dns_failure,
                            };
                            Ok((answer, error_ttl))
                        }
                    };
                }
            }
        }
        Ok((RobotsAnswer::rules(Robots::allow_all()), ttl))
    }
}

impl RobotsAnswer {
    fn rules(robots: Robots) -> Self {
        Self {
            robots,
            unreachable: None,
            dns_failure: None,
        }
    }
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (then the time left until it).
#[must_use]
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(value)
        .map(|z| z.timestamp())
        .ok()
        .or_else(|| parse_http_date_fallback(value))?;
    let now = jiff::Timestamp::now();
    let left = when.duration_since(now);
    Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
}

/// The two obsolete HTTP date forms: RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`).
fn parse_http_date_fallback(value: &str) -> Option<jiff::Timestamp> {
    let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    for fmt in ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"] {
        if let Ok(dt) = jiff::civil::DateTime::strptime(fmt, &collapsed) {
            return jiff::tz::Offset::UTC.to_timestamp(dt).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let asked = std::time::Instant::now();
        let future = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(100);
        let text = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&future)
            .unwrap();
        let d = parse_retry_after(&text).unwrap();
        // The date has whole seconds (up to 1 s lost) and the clock moved on while we parsed: the wait is
        // 100 s less both, measured rather than assumed small.
        let passed = asked.elapsed();
        let least = Duration::from_secs(99).saturating_sub(passed);
        assert!(
            d >= least && d <= Duration::from_secs(100),
            "{d:?} ({passed:?} passed)"
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert!(parse_retry_after("Sun Nov  6 08:49:37 1994").is_some());
    }
}
