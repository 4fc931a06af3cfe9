//! One fetch on the wire: redirects, size caps (declared, chunked, gzip bomb), timeouts, statuses, content
//! types, private-address refusal (with fake public host names), and conditional GET.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use bytes::Bytes;
use unionwire::fetch::{Accept, FetchError, Request};

use super::{fetcher, raw_server, serve_logged, test_config, url, Raw};

fn redirect_router() -> axum::Router {
    axum::Router::new()
        .route(
            "/chain/{n}",
            get(|Path(n): Path<u32>| async move {
                if n == 0 {
                    "<html>end</html>".into_response()
                } else {
                    Redirect::temporary(&format!("/chain/{}", n - 1)).into_response()
                }
            }),
        )
        .route("/loop", get(|| async { Redirect::to("/loop") }))
        .route(
            "/to",
            get(
                |axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| async move {
                    (
                        StatusCode::FOUND,
                        [(header::LOCATION, q.get("loc").cloned().unwrap_or_default())],
                    )
                },
            ),
        )
}

#[tokio::test]
async fn a_chain_of_ten_redirects_is_followed() {
    let (server, log) = serve_logged([127, 0, 0, 1], redirect_router()).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let resp = f
        .get(&Request::html(url(&server.url("/chain/10"))))
        .await
        .unwrap();
    assert_eq!(resp.url.path(), "/chain/0");
    assert_eq!(resp.body, Bytes::from_static(b"<html>end</html>"));
    assert_eq!(log.count("/chain/"), 11);
}

#[tokio::test]
async fn an_eleventh_redirect_fails_without_being_followed() {
    let (server, log) = serve_logged([127, 0, 0, 1], redirect_router()).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&server.url("/chain/11"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::TooManyRedirects { max: 10, .. }),
        "{err:?}"
    );
    assert_eq!(log.count("/chain/"), 11, "the 12th URL is never requested");
    assert_eq!(log.count("/chain/0"), 0);
}

#[tokio::test]
async fn a_redirect_loop_is_hit_exactly_one_plus_max_times() {
    let (server, log) = serve_logged([127, 0, 0, 1], redirect_router()).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&server.url("/loop"))))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "too_many_redirects");
    assert_eq!(log.count("/loop"), 11);
}

#[tokio::test]
async fn redirects_to_other_schemes_are_refused() {
    let (server, _log) = serve_logged([127, 0, 0, 1], redirect_router()).await;
    let ftp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ftp.set_nonblocking(true).unwrap();
    let ftp_port = ftp.local_addr().unwrap().port();
    let f = fetcher(test_config(), &["127.0.0.1"]);
    for target in [
        "file:///etc/passwd".to_owned(),
        format!("ftp://127.0.0.1:{ftp_port}/"),
        "data:text/html,hello".to_owned(),
        "gopher://127.0.0.1/".to_owned(),
    ] {
        let mut u = url(&server.url("/to"));
        u.query_pairs_mut().append_pair("loc", &target);
        let err = f.get(&Request::html(u)).await.unwrap_err();
        match &err {
            FetchError::BadScheme { scheme, .. } => assert!(target.starts_with(scheme.as_str())),
            other => panic!("{target}: {other:?}"),
        }
    }
    assert!(ftp.accept().is_err(), "the ftp listener saw no connection");
    let err = f
        .get(&Request::html(url("ftp://127.0.0.1/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "bad_scheme");
}

#[tokio::test]
async fn declared_oversize_body_is_refused_before_it_is_read() {
    // The server declares 50 MiB, sends 10 bytes and goes silent: reading the body would time out, so a
    // TooLarge error proves the refusal happened on the header alone.
    let (addr, _) = raw_server(Raw::HugeDeclared).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&format!("http://{addr}/big"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit, .. } if limit == 1 << 20),
        "{err:?}"
    );
}

#[tokio::test]
async fn endless_chunked_body_stops_at_the_cap() {
    let produced = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&produced);
    let router = axum::Router::new().route(
        "/endless",
        get(move || {
            let counter = Arc::clone(&counter);
            async move {
                let chunk = Bytes::from(vec![b'a'; 64 * 1024]);
                let stream = futures::stream::repeat_with(move || {
                    counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    Ok::<_, std::io::Error>(chunk.clone())
                });
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    Body::from_stream(stream),
                )
            }
        }),
    );
    let (server, _log) = serve_logged([127, 0, 0, 1], router).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&server.url("/endless"))))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The stream is endless; it stopped because the client hung up (socket buffers allow some slack).
    assert!(produced.load(Ordering::SeqCst) < 64 << 20);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn gzip_router(bomb: Vec<u8>, fine: Vec<u8>) -> axum::Router {
    axum::Router::new()
        .route(
            "/bomb",
            get(move || {
                let bomb = bomb.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        bomb,
                    )
                }
            }),
        )
        .route(
            "/fine",
            get(move || {
                let fine = fine.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        fine,
                    )
                }
            }),
        )
}

#[tokio::test]
async fn gzip_bomb_is_capped_on_decoded_bytes() {
    // 64 MiB of zeros compress to about 64 KiB: far under the cap on the wire, far over it decoded.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let fine_plain: Vec<u8> = b"<html>".iter().copied().cycle().take(900 * 1024).collect();
    let fine = gzip(&fine_plain);
    let (server, _log) = serve_logged([127, 0, 0, 1], gzip_router(bomb, fine)).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&server.url("/bomb"))))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    let ok = f
        .get(&Request::html(url(&server.url("/fine"))))
        .await
        .unwrap();
    assert_eq!(
        ok.body.len(),
        900 * 1024,
        "decoded body under the cap is delivered whole"
    );
    assert_eq!(&ok.body[..], &fine_plain[..]);
}

#[tokio::test]
async fn stall_before_headers_is_a_headers_timeout() {
    let (addr, conns) = raw_server(Raw::Stall).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&format!("http://{addr}/wait"))))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Timeout {
                phase: "headers",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(conns.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn silence_after_headers_is_a_read_timeout() {
    let (addr, _) = raw_server(Raw::HangAfterHeaders).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&format!("http://{addr}/hang"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Timeout { phase: "read", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_trickling_body_hits_the_total_timeout() {
    // One byte every 50 ms never trips the 400 ms read timeout; the 1 s total deadline ends it.
    let (addr, _) = raw_server(Raw::Trickle).await;
    let mut cfg = test_config();
    cfg.timeout = std::time::Duration::from_secs(1);
    let f = fetcher(cfg, &["127.0.0.1"]);
    let err = f
        .get(&Request::html(url(&format!("http://{addr}/trickle"))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Timeout { phase: "total", .. }),
        "{err:?}"
    );
}

fn status_router() -> axum::Router {
    axum::Router::new()
        .route(
            "/status/{code}",
            get(|Path(code): Path<u16>| async move {
                (
                    StatusCode::from_u16(code).unwrap(),
                    "<html>challenge</html>",
                )
            }),
        )
        .route(
            "/typed/{kind}",
            get(|Path(kind): Path<String>| async move {
                let (ct, body): (&str, &[u8]) = match kind.as_str() {
                    "pdf" => ("application/pdf", b"%PDF-1.4 ..."),
                    "png" => ("image/png", b"\x89PNG\r\n\x1a\n"),
                    "zip" => ("application/zip", b"PK\x03\x04"),
                    "octet-pdf" => ("application/octet-stream", b"%PDF-1.4 ..."),
                    "octet-html" => (
                        "application/octet-stream",
                        b"\n<!DOCTYPE html><html></html>",
                    ),
                    "xhtml" => ("application/xhtml+xml", b"<html/>"),
                    "rss" => ("application/rss+xml", b"<rss/>"),
                    _ => ("text/plain", b"plain"),
                };
                ([(header::CONTENT_TYPE, ct)], body.to_vec())
            }),
        )
}

#[tokio::test]
async fn error_statuses_and_anti_bot_challenges() {
    let (server, _log) = serve_logged([127, 0, 0, 1], status_router()).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    for code in [404u16, 500, 403, 410] {
        let err = f
            .get(&Request::html(url(&server.url(&format!("/status/{code}")))))
            .await
            .unwrap_err();
        assert!(
            matches!(err, FetchError::Status { status, .. } if status == code),
            "{err:?}"
        );
        assert_eq!(err.is_retryable(), code == 500);
        assert!(err.url().ends_with(&format!("/status/{code}")));
    }
    for code in [412u16, 521] {
        let err = f
            .get(&Request::html(url(&server.url(&format!("/status/{code}")))))
            .await
            .unwrap_err();
        assert!(
            matches!(err, FetchError::Blocked { status, .. } if status == code),
            "{err:?}"
        );
        assert_eq!(err.kind(), "blocked");
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn content_types_that_are_not_what_was_asked_for_are_refused() {
    let (server, _log) = serve_logged([127, 0, 0, 1], status_router()).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let get = |kind: &str, accept: Accept| {
        let f = f.clone();
        let u = url(&server.url(&format!("/typed/{kind}")));
        async move {
            let mut req = Request::html(u);
            req.accept = accept;
            f.get(&req).await
        }
    };
    for kind in ["pdf", "png", "zip", "octet-pdf"] {
        let err = get(kind, Accept::Html).await.unwrap_err();
        assert!(matches!(err, FetchError::NotHtml { .. }), "{kind}: {err:?}");
    }
    for kind in ["octet-html", "xhtml", "plain"] {
        get(kind, Accept::Html)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
    get("rss", Accept::Feed).await.unwrap();
    assert_eq!(
        get("png", Accept::Feed).await.unwrap_err().kind(),
        "not_html"
    );
    get("png", Accept::Any).await.unwrap();
}

async fn counting_server(ip: [u8; 4]) -> (SocketAddr, super::Log) {
    let router = axum::Router::new()
        .route("/", get(|| async { "<html>secret</html>" }))
        .route("/x", get(|| async { "<html>secret</html>" }));
    let (server, log) = serve_logged(ip, router).await;
    (server.addr, log)
}

#[tokio::test]
async fn hosts_resolving_to_private_addresses_are_refused_unless_trusted() {
    let (private_addr, private_log) = counting_server([127, 0, 0, 2]).await;
    let (front, front_log) = serve_logged([127, 0, 0, 1], redirect_router()).await;
    let f = fetcher(test_config(), &["news.test"])
        .with_host_override("news.test", front.addr)
        .with_host_override("evil.test", private_addr)
        .with_host_override("metadata.test", "169.254.169.254:80".parse().unwrap())
        .with_host_override("intranet.test", "10.0.0.1:80".parse().unwrap());

    // Hop 1 (trusted news.test) goes through; hop 2 resolves to 127.0.0.2 and is refused at connect time.
    let targets = [
        format!("http://evil.test:{}/x", private_addr.port()),
        format!("http://127.0.0.2:{}/x", private_addr.port()),
        format!("http://[::ffff:127.0.0.2]:{}/x", private_addr.port()),
        "http://2130706433/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "http://metadata.test/".to_owned(),
        "http://intranet.test/".to_owned(),
        "http://0.0.0.0/".to_owned(),
    ];
    for target in &targets {
        let mut u = url(&format!("http://news.test:{}/to", front.addr.port()));
        u.query_pairs_mut().append_pair("loc", target);
        let err = f.get(&Request::html(u)).await.unwrap_err();
        assert!(
            matches!(err, FetchError::PrivateAddress { .. }),
            "{target}: {err:?}"
        );
        // Content URLs met directly are refused the same way.
        let err = f.get(&Request::html(url(target))).await.unwrap_err();
        assert!(
            matches!(err, FetchError::PrivateAddress { .. }),
            "{target}: {err:?}"
        );
    }
    assert_eq!(
        private_log.hits().len(),
        0,
        "the private server saw no request"
    );
    assert_eq!(
        front_log.count("/to"),
        targets.len(),
        "every first hop went through"
    );

    // Untrusted loopback is refused too, so the first hop above passed only because news.test is trusted.
    let err = f
        .get(&Request::html(url(&front.url("/chain/0"))))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "private_address");

    // Once the operator trusts evil.test it may be fetched.
    f.trust_host("evil.test");
    f.get(&Request::html(url(&format!(
        "http://evil.test:{}/x",
        private_addr.port()
    ))))
    .await
    .unwrap();
    assert_eq!(private_log.hits().len(), 1);
}

#[tokio::test]
async fn allow_private_lets_loopback_through() {
    let (addr, log) = counting_server([127, 0, 0, 2]).await;
    let mut cfg = test_config();
    cfg.allow_private = true;
    let f = fetcher(cfg, &[]);
    f.get(&Request::html(url(&format!("http://{addr}/x"))))
        .await
        .unwrap();
    assert_eq!(log.hits().len(), 1);
}

#[tokio::test]
async fn conditional_get_sends_validators_and_a_304_is_not_modified() {
    let router = axum::Router::new().route(
        "/feed",
        get(|headers: HeaderMap| async move {
            let etag = "\"v1\"";
            let lm = "Wed, 01 Jan 2025 00:00:00 GMT";
            if headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                == Some(etag)
            {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
            (
                [
                    (header::ETAG, etag),
                    (header::LAST_MODIFIED, lm),
                    (header::CONTENT_TYPE, "application/rss+xml"),
                ],
                "<rss/>",
            )
                .into_response()
        }),
    );
    let (server, log) = serve_logged([127, 0, 0, 1], router).await;
    let f = fetcher(test_config(), &["127.0.0.1"]);
    let first = f
        .get(&Request::feed(url(&server.url("/feed"))))
        .await
        .unwrap();
    assert!(!first.not_modified);
    assert_eq!(first.status, 200);
    assert_eq!(first.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        first.last_modified.as_deref(),
        Some("Wed, 01 Jan 2025 00:00:00 GMT")
    );

    let again = Request::feed(url(&server.url("/feed")))
        .with_validators(first.etag.clone(), first.last_modified.clone());
    let second = f.get(&again).await.unwrap();
    assert!(second.not_modified);
    assert_eq!(second.status, 304);
    assert!(second.body.is_empty());
    assert_eq!(second.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        second.last_modified.as_deref(),
        Some("Wed, 01 Jan 2025 00:00:00 GMT"),
        "validators carried over from the request"
    );

    let hits = log.hits_on("/feed");
    assert_eq!(hits.len(), 2);
    assert!(hits[0].headers.get(header::IF_NONE_MATCH).is_none());
    assert_eq!(hits[1].headers[header::IF_NONE_MATCH], "\"v1\"");
    assert_eq!(
        hits[1].headers[header::IF_MODIFIED_SINCE],
        "Wed, 01 Jan 2025 00:00:00 GMT"
    );
    for hit in &hits {
        assert_eq!(
            hit.headers
                .get(header::USER_AGENT)
                .map(|v| v.to_str().unwrap()),
            Some(test_config().user_agent.as_str()),
            "the configured user agent is sent: {:?}",
            hit.headers
        );
    }
}

#[tokio::test]
async fn odd_urls_are_errors_not_panics() {
    let f = fetcher(test_config(), &[]);
    for u in [
        "mailto:someone@example.org",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ] {
        let err = f.get(&Request::html(url(u))).await.unwrap_err();
        assert!(
            matches!(err.kind(), "bad_scheme" | "invalid_url"),
            "{u}: {err:?}"
        );
    }
}
