//! robots.txt: the 400 expectations of Google's robotstxt-spec-test, and RFC 9309's answers for a
//! missing (4xx), failing (5xx) or unreachable file, and caching, over real HTTP.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::get;
use unionwire::fetch::robots::{path_params_query, Robots};
use unionwire::fetch::{FetchError, Fetcher, Request};

use super::{fetcher, serve_logged, test_config, url};

#[test]
fn passes_every_robotstxt_spec_test_expectation() {
    let path = crate::support::data("robotstxt-spec/robotstxt-spec-tests.json");
    let text = std::fs::read_to_string(&path).expect("spec tests json");
    let files: serde_json::Value = serde_json::from_str(&text).expect("valid json");
    let mut total = 0;
    let mut failures = Vec::new();
    for (file, cases) in files.as_object().expect("object of files") {
        for case in cases.as_array().expect("array of cases") {
            // Bodies that are not UTF-8 come as {"bytes_hex": "..."}.
            let body: Vec<u8> = match &case["robotstxt"] {
                serde_json::Value::String(s) => s.as_bytes().to_vec(),
                other => hex::decode(other["bytes_hex"].as_str().expect("bytes_hex")).expect("hex"),
            };
            let robots = Robots::parse(&body);
            for e in case["test_expectations"].as_array().expect("expectations") {
                total += 1;
                let test_url = e["testurl"].as_str().expect("testurl");
                let agent = e["useragent"].as_str().expect("useragent");
                let want = e["expected_outcome"].as_str() == Some("ALLOWED");
                let got = robots.is_allowed(agent, &path_params_query(test_url));
                if got != want {
                    failures.push(format!(
                        "{file}: {test_url} as {agent:?}: expected {want}, got {got}"
                    ));
                }
            }
        }
    }
    let passed = total - failures.len();
    println!("robotstxt-spec: {passed}/{total} expectations pass");
    assert_eq!(total, 400, "the suite has 400 expectations");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn polite_config() -> unionwire::fetch::FetchConfig {
    let mut cfg = test_config();
    cfg.obey_robots = true;
    cfg
}

fn robots_router(status: StatusCode, body: &'static str) -> axum::Router {
    axum::Router::new()
        .route("/robots.txt", get(move || async move { (status, body) }))
        .route("/public", get(|| async { "<html>public</html>" }))
        .route("/private/page", get(|| async { "<html>private</html>" }))
}

#[tokio::test]
async fn disallowed_paths_get_no_request_and_allowed_ones_do() {
    let body = "User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n";
    let (server, log) = serve_logged([127, 0, 0, 1], robots_router(StatusCode::OK, body)).await;
    let f = fetcher(polite_config(), &["127.0.0.1"]);
    let err = f
        .get_polite(&Request::html(url(&server.url("/private/page"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::RobotsDisallowed { .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), "robots_disallowed");
    f.get_polite(&Request::html(url(&server.url("/public"))))
        .await
        .unwrap();
    assert_eq!(log.count("/private"), 0);
    assert_eq!(log.count("/public"), 1);
    assert_eq!(log.count("/robots.txt"), 1, "robots.txt is cached");
    assert_eq!(f.host_stats("127.0.0.1").robots_fetches, 1);
}

#[tokio::test]
async fn missing_robots_txt_allows_everything() {
    for status in [
        StatusCode::NOT_FOUND,
        StatusCode::FORBIDDEN,
        StatusCode::GONE,
    ] {
        let (server, log) =
            serve_logged([127, 0, 0, 1], robots_router(status, "Disallow: /")).await;
        let f = fetcher(polite_config(), &["127.0.0.1"]);
        f.get_polite(&Request::html(url(&server.url("/private/page"))))
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(log.count("/private/page"), 1);
    }
}

#[tokio::test]
async fn failing_robots_txt_disallows_the_whole_host() {
    for status in [
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        let (server, log) = serve_logged([127, 0, 0, 1], robots_router(status, "")).await;
        let f = fetcher(polite_config(), &["127.0.0.1"]);
        for path in ["/public", "/private/page"] {
            let err = f
                .get_polite(&Request::html(url(&server.url(path))))
                .await
                .unwrap_err();
            assert!(
                matches!(err, FetchError::RobotsDisallowed { .. }),
                "{status}: {err:?}"
            );
            let msg = err.to_string();
            assert!(
                msg.starts_with("robots.txt unreachable (")
                    && msg.contains(&format!("status {}", status.as_u16())),
                "{status}: {msg}"
            );
        }
        assert_eq!(log.count("/public") + log.count("/private"), 0, "{status}");
        assert_eq!(
            log.count("/robots.txt"),
            1,
            "{status}: the failure is cached too"
        );
    }
}

#[tokio::test]
async fn unreachable_robots_txt_disallows_the_whole_host() {
    // A port bound but never listening: connection refused, for as long as `refused` lives.
    let refused = crate::support::RefusedPort::new();
    let port = refused.addr.port();
    let f = fetcher(polite_config(), &["127.0.0.1"]);
    let err = f
        .get_polite(&Request::html(url(&format!(
            "http://127.0.0.1:{port}/page"
        ))))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            FetchError::RobotsDisallowed {
                unreachable: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("robots.txt unreachable (connecting for "),
        "the message names the cause: {msg}"
    );
    assert_eq!(f.host_stats("127.0.0.1").robots_fetches, 1);
}

#[tokio::test]
async fn robots_txt_whose_host_does_not_resolve_names_dns_as_the_cause() {
    // `.invalid` never resolves (RFC 6761): the page fails as the DNS failure it is (not as a robots.txt
    // refusal, which would read as the site blocking us), the message names the host once and the page's
    // URL once, and nothing is fetched from the host.
    let f = fetcher(polite_config(), &[]);
    let err = f
        .get_polite(&Request::html(url("http://robots-check.invalid/page")))
        .await
        .unwrap_err();
    let FetchError::Dns { url: u, message } = &err else {
        panic!("expected a DNS error, got {err:?}");
    };
    assert_eq!(u, "http://robots-check.invalid/page");
    assert!(
        !message.contains("http://"),
        "the resolver's words, no URL: {message}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("DNS lookup failed for robots-check.invalid ("),
        "{msg}"
    );
    assert_eq!(
        msg.matches("robots-check.invalid").count(),
        2,
        "host once, URL once: {msg}"
    );
    assert!(msg.ends_with(": http://robots-check.invalid/page"), "{msg}");
    assert!(!msg.contains("robots.txt"), "{msg}");
    // The answer is cached like any unreachable robots.txt: the next page fails the same way.
    let again = f
        .get_polite(&Request::html(url("http://robots-check.invalid/other")))
        .await
        .unwrap_err();
    assert_eq!(again.kind(), "dns", "{again}");
}

#[tokio::test]
async fn robots_txt_is_fetched_again_after_its_ttl() {
    // Whether a fetch falls within the TTL is decided by the clock, so the test reads the clock instead of
    // assuming speed: the cache entry expires no earlier than `ttl` after `t0`, so two fetches that ended
    // before then must share one robots.txt. A machine too slow for that gets a longer TTL, not a failure.
    let mut ttl = Duration::from_millis(500);
    loop {
        let (server, log) = serve_logged(
            [127, 0, 0, 1],
            robots_router(StatusCode::OK, "User-agent: *\nAllow: /\n"),
        )
        .await;
        let mut cfg = polite_config();
        cfg.robots_ttl = ttl;
        let f = fetcher(cfg, &["127.0.0.1"]);
        let req = Request::html(url(&server.url("/public")));
        let t0 = Instant::now();
        f.get_polite(&req).await.unwrap();
        f.get_polite(&req).await.unwrap();
        if t0.elapsed() < ttl {
            assert_eq!(log.count("/robots.txt"), 1, "cached within the ttl");
            // Now at least `ttl` after the entry was made.
            tokio::time::sleep(ttl).await;
            f.get_polite(&req).await.unwrap();
            assert_eq!(log.count("/robots.txt"), 2, "fetched again after the ttl");
            assert_eq!(log.count("/public"), 3);
            return;
        }
        assert!(
            ttl < crate::support::HANG,
            "two local fetches never fit in {ttl:?}"
        );
        ttl *= 4;
    }
}

#[tokio::test]
async fn our_own_group_and_robots_redirects_are_followed() {
    let router = axum::Router::new()
        .route(
            "/robots.txt",
            get(|| async { axum::response::Redirect::permanent("/robots-real.txt") }),
        )
        .route(
            "/robots-real.txt",
            get(|| async { "User-agent: *\nAllow: /\n\nUser-agent: unionwire\nDisallow: /no\n" }),
        )
        .route("/no", get(|| async { "no" }))
        .route("/yes", get(|| async { "yes" }));
    let (server, log) = serve_logged([127, 0, 0, 1], router).await;
    let f: Fetcher = fetcher(polite_config(), &["127.0.0.1"]);
    let err = f
        .get_polite(&Request::html(url(&server.url("/no"))))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::RobotsDisallowed {
                unreachable: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("robots.txt disallows "),
        "{err}"
    );
    f.get_polite(&Request::html(url(&server.url("/yes"))))
        .await
        .unwrap();
    assert_eq!(log.count("/no"), 0);
    assert_eq!(log.count("/robots-real.txt"), 1);
}

#[tokio::test]
async fn plain_get_ignores_robots_txt() {
    let (server, log) = serve_logged(
        [127, 0, 0, 1],
        robots_router(StatusCode::OK, "User-agent: *\nDisallow: /\n"),
    )
    .await;
    let f = fetcher(polite_config(), &["127.0.0.1"]);
    f.get(&Request::html(url(&server.url("/private/page"))))
        .await
        .unwrap();
    assert_eq!(log.count("/robots.txt"), 0);
}

#[tokio::test]
async fn robots_txt_redirects_up_to_five_are_followed_and_more_mean_unavailable() {
    // /robots.txt → /hop/1 → … → /hop/n → the real file (disallow everything).
    let router = |hops: u32| {
        axum::Router::new()
            .route(
                "/robots.txt",
                get(move || async move {
                    axum::response::Redirect::temporary(&format!("/hop/{hops}"))
                }),
            )
            .route(
                "/hop/{n}",
                get(|axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    if n <= 1 {
                        axum::response::Redirect::temporary("/real-robots.txt")
                    } else {
                        axum::response::Redirect::temporary(&format!("/hop/{}", n - 1))
                    }
                }),
            )
            .route("/real-robots.txt", get(|| async { "User-agent: *\nDisallow: /\n" }))
            .route("/page", get(|| async { "<html>page</html>" }))
    };
    // Four hops + the final file: five redirects, followed, so the file applies.
    let (server, log) = serve_logged([127, 0, 0, 1], router(4)).await;
    let f = fetcher(polite_config(), &["127.0.0.1"]);
    let err = f
        .get_polite(&Request::html(url(&server.url("/page"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::RobotsDisallowed { .. }),
        "{err:?}"
    );
    assert_eq!(log.count("/real-robots.txt"), 1);
    // Five hops + the final file: six redirects, so robots.txt counts as unavailable (allow all).
    let (server, log) = serve_logged([127, 0, 0, 1], router(5)).await;
    let f = fetcher(polite_config(), &["127.0.0.1"]);
    f.get_polite(&Request::html(url(&server.url("/page"))))
        .await
        .unwrap();
    assert_eq!(log.count("/real-robots.txt"), 0);
    assert_eq!(log.count("/page"), 1);
}

#[tokio::test]
async fn a_huge_robots_txt_is_read_up_to_500_kib() {
    // 600 KiB: a rule at the start, 600 KiB of comments, a rule past the 500 KiB limit.
    let mut body = String::from("User-agent: *\nDisallow: /early\n");
    while body.len() < 600 * 1024 {
        body.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    body.push_str("Disallow: /late\n");
    let router = axum::Router::new()
        .route("/robots.txt", get(move || async move { body.clone() }))
        .route("/early", get(|| async { "early" }))
        .route("/late", get(|| async { "late" }));
    let (server, log) = serve_logged([127, 0, 0, 1], router).await;
    let f = fetcher(polite_config(), &["127.0.0.1"]);
    let err = f
        .get_polite(&Request::html(url(&server.url("/early"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::RobotsDisallowed { .. }),
        "{err:?}"
    );
    f.get_polite(&Request::html(url(&server.url("/late"))))
        .await
        .unwrap();
    assert_eq!(log.count("/late"), 1);
}
