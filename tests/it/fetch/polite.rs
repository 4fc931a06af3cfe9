//! Politeness of `get_polite`: one request in flight per host, gaps between request starts to one host
//! (robots.txt included, raised by Crawl-delay) while another host proceeds, Retry-After (seconds and
//! HTTP date) held for the whole host, long holds failing fast, and exact retry counts.
//!
//! Gaps are measured on the server, when each request arrives. The fetcher spaces request *starts*; the
//! arrival of the first request on a fresh connection trails its start by the loopback connect, so server
//! gaps may read shorter than the configured delay, by more on a loaded machine: [`waited`] allows a fifth
//! of the delay for that (a fetcher that did not wait shows gaps far below four fifths).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use unionwire::fetch::{FetchError, Request};

use super::{fetcher, raw_server, serve_logged, test_config, url, Hit, Log, Raw};
use crate::support::waited;

fn slow_router() -> axum::Router {
    axum::Router::new()
        .route(
            "/slow/{i}",
            get(|Path(i): Path<u32>| async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                format!("<html>{i}</html>")
            }),
        )
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
}

fn arrivals(log: &Log, prefix: &str) -> Vec<Instant> {
    let mut at: Vec<Instant> = log.hits_on(prefix).iter().map(|h: &Hit| h.at).collect();
    at.sort();
    at
}

fn assert_gaps(at: &[Instant], min: Duration) {
    for pair in at.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(waited(gap, min), "gap {gap:?} shorter than {min:?}");
    }
}

#[tokio::test]
async fn one_request_in_flight_per_host_with_gaps_while_another_host_proceeds() {
    let (a, log_a) = serve_logged([127, 0, 0, 1], slow_router()).await;
    let (b, log_b) = serve_logged([127, 0, 0, 2], slow_router()).await;
    let mut cfg = test_config();
    cfg.per_host_delay = Duration::from_millis(300);
    let f = fetcher(cfg, &["127.0.0.1", "127.0.0.2"]);
    let mut jobs = Vec::new();
    for i in 0..4 {
        for server in [&a, &b] {
            let f = f.clone();
            let req = Request::html(url(&server.url(&format!("/slow/{i}"))));
            jobs.push(async move { f.get_polite(&req).await });
        }
    }
    for r in futures::future::join_all(jobs).await {
        r.unwrap();
    }
    for (log, host) in [(&log_a, "127.0.0.1"), (&log_b, "127.0.0.2")] {
        assert_eq!(log.count("/slow/"), 4);
        assert_eq!(log.max_in_flight(), 1, "{host}: one request in flight");
        assert_gaps(&arrivals(log, "/slow/"), Duration::from_millis(300));
        let stats = f.host_stats(host);
        assert_eq!(stats.max_in_flight, 1);
        assert_eq!(stats.requests, 4);
    }
    // The hosts were served side by side, not one after the other.
    let (a_at, b_at) = (arrivals(&log_a, "/slow/"), arrivals(&log_b, "/slow/"));
    assert!(b_at[0] < a_at[3] && a_at[0] < b_at[3], "hosts interleave");
}

#[tokio::test]
async fn the_robots_txt_fetch_counts_as_a_start_and_crawl_delay_raises_the_gap() {
    let router = axum::Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nCrawl-delay: 0.6\nAllow: /\n" }),
        )
        .route(
            "/p/{i}",
            get(|Path(i): Path<u32>| async move { format!("<p>{i}</p>") }),
        );
    let (server, log) = serve_logged([127, 0, 0, 1], router).await;
    let mut cfg = test_config();
    cfg.obey_robots = true;
    cfg.per_host_delay = Duration::from_millis(250);
    let f = fetcher(cfg, &["127.0.0.1"]);
    for i in 0..3 {
        f.get_polite(&Request::html(url(&server.url(&format!("/p/{i}")))))
            .await
            .unwrap();
    }
    let all: Vec<Instant> = {
        let mut v: Vec<Instant> = log.hits().iter().map(|h| h.at).collect();
        v.sort();
        v
    };
    assert_eq!(log.hits()[0].path, "/robots.txt");
    assert_eq!(all.len(), 4);
    // robots.txt → first page: the per-host delay (the Crawl-delay was not known yet).
    assert!(waited(all[1] - all[0], Duration::from_millis(250)));
    // Between pages: the Crawl-delay of 0.6 s.
    assert_gaps(&all[1..], Duration::from_millis(600));
}

/// A router whose `/limited` answers 429 (or 503) with the given Retry-After once, then 200.
fn limited_router(
    status: StatusCode,
    retry_after: impl Fn() -> String + Send + Sync + 'static,
) -> axum::Router {
    let calls = Arc::new(AtomicUsize::new(0));
    let retry_after = Arc::new(retry_after);
    axum::Router::new()
        .route(
            "/limited",
            get(move || {
                let calls = Arc::clone(&calls);
                let retry_after = Arc::clone(&retry_after);
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        (status, [(header::RETRY_AFTER, retry_after())], "slow down")
                            .into_response()
                    } else {
                        "<html>ok</html>".into_response()
                    }
                }
            }),
        )
        .route("/other", get(|| async { "<html>other</html>" }))
}

async fn wait_for_hit(log: &Log, prefix: &str) -> Instant {
    loop {
        if let Some(h) = log.hits_on(prefix).first() {
            return h.at;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn retry_after_seconds_holds_the_whole_host_but_not_others() {
    // A hold as long as the hang guard: "the other host did not wait" then means it was served during the
    // hold, however slow the machine, and a hold wrongly applied to it would delay it by the whole hold.
    let hold = crate::support::HANG / 2;
    let (a, log_a) = serve_logged(
        [127, 0, 0, 1],
        limited_router(StatusCode::TOO_MANY_REQUESTS, move || {
            hold.as_secs().to_string()
        }),
    )
    .await;
    let (b, log_b) =
        serve_logged([127, 0, 0, 2], limited_router(StatusCode::OK, String::new)).await;
    let mut cfg = test_config();
    cfg.retries = 1;
    cfg.max_retry_after = hold * 2;
    cfg.max_crawl_delay = hold * 2;
    let f = fetcher(cfg, &["127.0.0.1", "127.0.0.2"]);
    let first = {
        let f = f.clone();
        let req = Request::html(url(&a.url("/limited")));
        tokio::spawn(async move { f.get_polite(&req).await })
    };
    let t429 = wait_for_hit(&log_a, "/limited").await;
    // The fetcher counts the retry after it has put the host on hold: from then on the hold is on.
    while f.host_stats("127.0.0.1").retries == 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Another path on the same host, and another host, asked for while the hold is on.
    let (req_a, req_b) = (
        Request::html(url(&a.url("/other"))),
        Request::html(url(&b.url("/other"))),
    );
    let other_a = f.get_polite(&req_a);
    let other_b = f.get_polite(&req_b);
    let (ra, rb) = tokio::join!(other_a, other_b);
    ra.unwrap();
    rb.unwrap();
    first.await.unwrap().unwrap();

    let limited = arrivals(&log_a, "/limited");
    assert_eq!(limited.len(), 2, "one retry");
    assert!(
        waited(limited[1] - t429, hold),
        "retry waited for Retry-After"
    );
    assert!(
        waited(arrivals(&log_a, "/other")[0] - t429, hold),
        "same host waited"
    );
    // The other host was served while this one was held: before its retry, and before the hold ended.
    let b_at = arrivals(&log_b, "/other")[0];
    assert!(
        b_at < limited[1] && b_at < t429 + hold,
        "other host did not wait"
    );
    assert_eq!(f.host_stats("127.0.0.1").retries, 1);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let date = || {
        let when = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
        jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&when)
            .unwrap()
    };
    let (a, log) = serve_logged(
        [127, 0, 0, 1],
        limited_router(StatusCode::SERVICE_UNAVAILABLE, date),
    )
    .await;
    let mut cfg = test_config();
    cfg.retries = 1;
    let f = fetcher(cfg, &["127.0.0.1"]);
    f.get_polite(&Request::html(url(&a.url("/limited"))))
        .await
        .unwrap();
    let at = arrivals(&log, "/limited");
    assert_eq!(at.len(), 2);
    // The date has whole seconds: "now + 2 s" leaves between 1 and 2 s to wait.
    assert!(
        waited(at[1] - at[0], Duration::from_secs(1)),
        "waited {:?}",
        at[1] - at[0]
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_we_wait_puts_the_host_on_hold() {
    let (a, log_a) = serve_logged(
        [127, 0, 0, 1],
        limited_router(StatusCode::TOO_MANY_REQUESTS, || "3600".to_owned()),
    )
    .await;
    let (b, log_b) =
        serve_logged([127, 0, 0, 2], limited_router(StatusCode::OK, String::new)).await;
    let mut cfg = test_config();
    cfg.retries = 2;
    cfg.max_crawl_delay = Duration::from_secs(1);
    cfg.max_retry_after = Duration::from_secs(60);
    let f = fetcher(cfg, &["127.0.0.1", "127.0.0.2"]);
    let err = f
        .get_polite(&Request::html(url(&a.url("/limited"))))
        .await
        .unwrap_err();
    let FetchError::HostOnHold { until_secs, .. } = err else {
        panic!("{err:?}")
    };
    let now = jiff::Timestamp::now().as_second() as u64;
    assert!(
        until_secs > now && until_secs <= now + 61,
        "held for max_retry_after, not an hour"
    );
    let err = f
        .get_polite(&Request::html(url(&a.url("/other"))))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "host_on_hold");
    assert_eq!(log_a.count("/limited"), 1, "no retry into a hold");
    assert_eq!(log_a.count("/other"), 0);
    f.get_polite(&Request::html(url(&b.url("/other"))))
        .await
        .unwrap();
    assert_eq!(log_b.count("/other"), 1);
}

#[tokio::test]
async fn retries_exactly_as_configured_on_retryable_failures_only() {
    let router = axum::Router::new().route(
        "/status/{code}",
        get(|Path(code): Path<u16>| async move { StatusCode::from_u16(code).unwrap() }),
    );
    let (server, log) = serve_logged([127, 0, 0, 1], router).await;
    let mut cfg = test_config();
    cfg.retries = 2;
    let f = fetcher(cfg, &["127.0.0.1"]);
    for (code, hits) in [
        (503u16, 3usize),
        (500, 3),
        (408, 3),
        (429, 3),
        (404, 1),
        (403, 1),
        (412, 1),
    ] {
        let path = format!("/status/{code}");
        let err = f
            .get_polite(&Request::html(url(&server.url(&path))))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(code), "{err:?}");
        assert_eq!(log.count(&path), hits, "status {code}");
    }
    assert_eq!(f.host_stats("127.0.0.1").retries, 8);
}

#[tokio::test]
async fn timeouts_are_retried() {
    let (addr, conns) = raw_server(Raw::Stall).await;
    let mut cfg = test_config();
    cfg.retries = 2;
    cfg.read_timeout = Duration::from_millis(200);
    let f = fetcher(cfg, &["127.0.0.1"]);
    let err = f
        .get_polite(&Request::html(url(&format!("http://{addr}/wait"))))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "timeout");
    assert_eq!(conns.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn redirect_hops_on_another_host_are_checked_against_its_robots_txt() {
    let (b, log_b) = serve_logged(
        [127, 0, 0, 2],
        axum::Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nDisallow: /secret\n" }),
            )
            .route("/secret", get(|| async { "no" })),
    )
    .await;
    let target = b.url("/secret");
    let (a, _log_a) = serve_logged(
        [127, 0, 0, 1],
        axum::Router::new()
            .route("/robots.txt", get(|| async { StatusCode::NOT_FOUND }))
            .route(
                "/go",
                get(move || {
                    let target = target.clone();
                    async move { axum::response::Redirect::temporary(&target) }
                }),
            ),
    )
    .await;
    let mut cfg = test_config();
    cfg.obey_robots = true;
    let f = fetcher(cfg, &["127.0.0.1", "127.0.0.2"]);
    let err = f
        .get_polite(&Request::html(url(&a.url("/go"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::RobotsDisallowed { .. }),
        "{err:?}"
    );
    assert_eq!(log_b.count("/secret"), 0);
    assert_eq!(log_b.count("/robots.txt"), 1);
}
