//! `faultd`: a fault-injecting HTTP server for the reliability tests. It speaks HTTP/1.1 over raw TCP (one
//! request per connection, then close) so that it can misbehave at any byte: stall before the headers, hang
//! after them, trickle, declare or stream oversize bodies, send compression bombs, truncated or malformed
//! responses, resets, redirect loops and chains, redirects to other schemes or private addresses, 429/503
//! with `Retry-After`, and any canned response (robots.txt variants, wrong charsets, hostile feeds and pages).
//! Every listener records its accepted connections, each request's raw header lines, arrival times, when
//! its answer was done ([`Faultd::spans`]) and the body bytes it managed to write, so tests can assert on
//! hits, headers, timings and requests in flight. The stalling routes
//! (`/wait`, `/hang-after-headers`, `/trickle`) also record when the client gave up on them ([`Faultd::cuts`]):
//! the server's own view of a client-side timeout, for checking what happened before and after it.
//!
//! Routes (query parameters in brackets):
//! - `/wait`: read the request, never answer;
//! - `/hang-after-headers`: headers declaring 1000 bytes, 100 of them, then silence;
//! - `/trickle[?ms=100]`: one body byte every `ms` milliseconds, forever;
//! - `/big?cl=N`: declare `Content-Length: N` and stream zeros until the client goes away;
//! - `/chunked-infinite`: a chunked body of zeros that never ends;
//! - `/bomb?alg=gzip|deflate|br`: the bomb registered with [`Faultd::set_bomb`], with `Content-Encoding`;
//! - `/partial`: `Content-Length: 1024`, 512 bytes, close;
//! - `/broken-chunked`: a chunk-size line that is not hex;
//! - `/gz-truncated`: a gzip body cut in half (its declared length matches what is sent);
//! - `/bad-header`: a header line without a colon;
//! - `/garbage`: a status line that is not HTTP;
//! - `/reset`: headers and part of the body, then a TCP reset (`SO_LINGER 0`);
//! - `/redirect-to?loc=URL[&code=302]`, `/chain?n=N` (N hops to `/chain?n=0`), `/loop`;
//! - `/set-cookie-redirect?loc=URL`: sets a cookie and redirects;
//! - `/status?code=C[&ra=VALUE]`: that status, with `Retry-After: VALUE` when given;
//! - anything registered with [`Faultd::set`]; every other path is a small HTML page.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A canned response for one path.
#[derive(Clone, Debug)]
pub struct Canned {
    /// Status code.
    pub status: u16,
    /// Extra header lines (`Content-Length` is added).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Canned {
    /// A 200 with this content type and body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A response with this status, no headers and this body.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
            body: body.into(),
        }
    }
}

/// One request a listener received.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Path and query, as on the request line.
    pub path: String,
    /// Header lines in arrival order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// When the request head was read.
    pub at: Instant,
    /// The connection it came on (one request per connection).
    pub conn: usize,
}

impl Hit {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A client that went away from a stalling route: the request's path and when the server saw it go.
#[derive(Clone, Debug)]
pub struct Cut {
    /// Path and query of the request the client gave up on.
    pub path: String,
    /// When the server saw the connection end.
    pub at: Instant,
}

#[derive(Default)]
struct State {
    hits: Mutex<Vec<Hit>>,
    /// When each connection's handling ended (its answer written and the socket shut), by connection.
    ends: Mutex<HashMap<usize, Instant>>,
    cuts: Mutex<Vec<Cut>>,
    conns: AtomicUsize,
    body_bytes_sent: AtomicU64,
    canned: Mutex<HashMap<String, Canned>>,
    bombs: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

/// One fault-server listener.
#[derive(Clone)]
pub struct Faultd {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl Faultd {
    /// Starts a listener on an ephemeral port of 127.0.0.1 in the current runtime.
    pub async fn start() -> Self {
        Self::start_on([127, 0, 0, 1]).await
    }

    /// Starts a listener on an ephemeral port of `ip` in the current runtime.
    pub async fn start_on(ip: [u8; 4]) -> Self {
        let listener = TcpListener::bind(SocketAddr::from((ip, 0)))
            .await
            .expect("bind faultd");
        let addr = listener.local_addr().expect("faultd addr");
        let state = Arc::new(State::default());
        let st = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let conn = st.conns.fetch_add(1, Ordering::SeqCst);
                let st = Arc::clone(&st);
                tokio::spawn(async move {
                    let _ = serve_one(sock, Arc::clone(&st), conn).await;
                    st.ends.lock().unwrap().insert(conn, Instant::now());
                });
            }
        });
        Self { addr, state }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `http://HOST:PORT` + `path`, for a fake host name mapped to this listener.
    pub fn url_as(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{}", self.addr.port(), path)
    }

    /// Registers a canned response for an exact path (query included when the request has one).
    pub fn set(&self, path: &str, canned: Canned) {
        self.state
            .canned
            .lock()
            .unwrap()
            .insert(path.to_owned(), canned);
    }

    /// Registers the compressed body served by `/bomb?alg=ALG`.
    pub fn set_bomb(&self, alg: &str, body: Arc<Vec<u8>>) {
        self.state
            .bombs
            .lock()
            .unwrap()
            .insert(alg.to_owned(), body);
    }

    /// Every request so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// Every request so far with when its handling ended (`None` while it is still being answered), in
    /// arrival order.
    pub fn spans(&self) -> Vec<(Hit, Option<Instant>)> {
        let hits = self.hits();
        let ends = self.state.ends.lock().unwrap();
        hits.into_iter()
            .map(|h| {
                let end = ends.get(&h.conn).copied();
                (h, end)
            })
            .collect()
    }

    /// Requests whose path starts with `prefix`.
    pub fn hits_on(&self, prefix: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.path.starts_with(prefix))
            .collect()
    }

    /// How many requests had a path starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.hits_on(prefix).len()
    }

    /// TCP connections accepted (whether or not a request followed).
    pub fn connections(&self) -> usize {
        self.state.conns.load(Ordering::SeqCst)
    }

    /// Clients that went away from `/wait`, `/hang-after-headers` or `/trickle`, in order.
    pub fn cuts(&self) -> Vec<Cut> {
        self.state.cuts.lock().unwrap().clone()
    }

    /// Body bytes written to clients so far by the streaming routes (`/big`, `/chunked-infinite`, `/trickle`).
    pub fn body_bytes_sent(&self) -> u64 {
        self.state.body_bytes_sent.load(Ordering::SeqCst)
    }
}

/// Reads one request head (up to 64 KiB); `None` when the client closed first.
async fn read_head(sock: &mut TcpStream) -> Option<(String, Vec<(String, String)>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = text.split("\r\n");
            let request_line = lines.next()?.to_owned();
            let path = request_line.split(' ').nth(1)?.to_owned();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            return Some((path, headers));
        }
        if buf.len() > 65536 {
            return None;
        }
    }
}

fn query(path: &str) -> HashMap<String, String> {
    url::Url::parse(&format!("http://x{path}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn head(status: u16, headers: &[(&str, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (n, v) in headers {
        out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

async fn full(sock: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &[u8]) {
    let mut hs = headers.to_vec();
    hs.push(("Content-Length", body.len().to_string()));
    let mut out = head(status, &hs);
    out.extend_from_slice(body);
    let _ = sock.write_all(&out).await;
    let _ = sock.shutdown().await;
}

/// Waits (silently) until the client goes away, or 60 s; records the cut when the client went away.
async fn linger(sock: &mut TcpStream, st: &State, path: &str) {
    let mut buf = [0u8; 1024];
    let gone = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(n) = sock.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    if gone.is_ok() {
        st.cut(path);
    }
}

impl State {
    fn cut(&self, path: &str) {
        self.cuts.lock().unwrap().push(Cut {
            path: path.to_owned(),
            at: Instant::now(),
        });
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip in memory");
    e.finish().expect("gzip in memory")
}

async fn serve_one(mut sock: TcpStream, st: Arc<State>, conn: usize) -> std::io::Result<()> {
    let Some((path, headers)) = read_head(&mut sock).await else {
        return Ok(());
    };
    st.hits.lock().unwrap().push(Hit {
        path: path.clone(),
        headers,
        at: Instant::now(),
        conn,
    });
    let q = query(&path);
    let route = path.split('?').next().unwrap_or_default().to_owned();
    let html = ("Content-Type", "text/html; charset=utf-8".to_owned());
    let canned = {
        let map = st.canned.lock().unwrap();
        map.get(&path).or_else(|| map.get(&route)).cloned()
    };
    if let Some(c) = canned {
        let hs: Vec<(&str, String)> = c
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.clone()))
            .collect();
        full(&mut sock, c.status, &hs, &c.body).await;
        return Ok(());
    }
    match route.as_str() {
        "/wait" => linger(&mut sock, &st, &path).await,
        "/hang-after-headers" => {
            let mut out = head(200, &[html, ("Content-Length", "1000".to_owned())]);
            out.extend_from_slice(&[b'a'; 100]);
            sock.write_all(&out).await?;
            linger(&mut sock, &st, &path).await;
        }
        "/trickle" => {
            let ms = q.get("ms").and_then(|v| v.parse().ok()).unwrap_or(100);
            sock.write_all(&head(
                200,
                &[html, ("Content-Length", "1000000".to_owned())],
            ))
            .await?;
            loop {
                if let Err(e) = sock.write_all(b"a").await {
                    st.cut(&path);
                    return Err(e);
                }
                st.body_bytes_sent.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
        }
        "/big" => {
            let cl: u64 = q.get("cl").and_then(|v| v.parse().ok()).unwrap_or(50 << 20);
            sock.write_all(&head(200, &[html, ("Content-Length", cl.to_string())]))
                .await?;
            let zeros = vec![b'0'; 16384];
            let mut sent = 0u64;
            while sent < cl {
                let n = zeros
                    .len()
                    .min(usize::try_from(cl - sent).unwrap_or(usize::MAX));
                sock.write_all(&zeros[..n]).await?;
                sent += n as u64;
                st.body_bytes_sent.fetch_add(n as u64, Ordering::SeqCst);
            }
        }
        "/chunked-infinite" => {
            sock.write_all(&head(
                200,
                &[html, ("Transfer-Encoding", "chunked".to_owned())],
            ))
            .await?;
            let mut chunk = b"4000\r\n".to_vec();
            chunk.extend_from_slice(&[b' '; 0x4000]);
            chunk.extend_from_slice(b"\r\n");
            loop {
                sock.write_all(&chunk).await?;
                st.body_bytes_sent.fetch_add(0x4000, Ordering::SeqCst);
            }
        }
        "/bomb" => {
            let alg = q.get("alg").cloned().unwrap_or_else(|| "gzip".to_owned());
            let body = st.bombs.lock().unwrap().get(&alg).cloned();
            let Some(body) = body else {
                full(&mut sock, 404, &[], b"no such bomb").await;
                return Ok(());
            };
            let mut out = head(
                200,
                &[
                    html,
                    ("Content-Encoding", alg.clone()),
                    ("Content-Length", body.len().to_string()),
                ],
            );
            out.extend_from_slice(&body);
            sock.write_all(&out).await?;
            st.body_bytes_sent
                .fetch_add(body.len() as u64, Ordering::SeqCst);
            let _ = sock.shutdown().await;
        }
        "/partial" => {
            let mut out = head(200, &[html, ("Content-Length", "1024".to_owned())]);
            out.extend_from_slice(&[b'x'; 512]);
            sock.write_all(&out).await?;
            let _ = sock.shutdown().await;
        }
        "/broken-chunked" => {
            let mut out = head(200, &[html, ("Transfer-Encoding", "chunked".to_owned())]);
            out.extend_from_slice(b"10\r\n<html><p>first</p\r\nzz-not-hex\r\nmore\r\n0\r\n\r\n");
            sock.write_all(&out).await?;
            let _ = sock.shutdown().await;
        }
        "/gz-truncated" => {
            let page = "<html><body><p>truncated gzip</p></body></html>".repeat(200);
            let gz = gzip(page.as_bytes());
            let cut = &gz[..gz.len() / 2];
            let mut out = head(
                200,
                &[
                    html,
                    ("Content-Encoding", "gzip".to_owned()),
                    ("Content-Length", cut.len().to_string()),
                ],
            );
            out.extend_from_slice(cut);
            sock.write_all(&out).await?;
            let _ = sock.shutdown().await;
        }
        "/bad-header" => {
            sock.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nthis line is not a header\r\n\
                  Content-Length: 5\r\n\r\nhello",
            )
            .await?;
            let _ = sock.shutdown().await;
        }
        "/garbage" => {
            sock.write_all(b"SMTP ready\r\n\r\n<html>not http</html>")
                .await?;
            let _ = sock.shutdown().await;
        }
        "/reset" => {
            let mut out = head(200, &[html, ("Content-Length", "100000".to_owned())]);
            out.extend_from_slice(&[b'x'; 2048]);
            sock.write_all(&out).await?;
            sock.flush().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
            #[allow(deprecated)]
            sock.set_linger(Some(Duration::ZERO))?;
            drop(sock);
        }
        "/redirect-to" => {
            let loc = q.get("loc").cloned().unwrap_or_default();
            let code = q.get("code").and_then(|v| v.parse().ok()).unwrap_or(302);
            full(&mut sock, code, &[("Location", loc)], b"").await;
        }
        "/set-cookie-redirect" => {
            let loc = q.get("loc").cloned().unwrap_or_default();
            full(
                &mut sock,
                302,
                &[
                    ("Location", loc),
                    ("Set-Cookie", "session=s3cret; Path=/".to_owned()),
                ],
                b"",
            )
            .await;
        }
        "/chain" => {
            let n: u32 = q.get("n").and_then(|v| v.parse().ok()).unwrap_or(0);
            if n == 0 {
                full(&mut sock, 200, &[html], b"<html>end of chain</html>").await;
            } else {
                full(
                    &mut sock,
                    302,
                    &[("Location", format!("/chain?n={}", n - 1))],
                    b"",
                )
                .await;
            }
        }
        "/loop" => full(&mut sock, 302, &[("Location", "/loop".to_owned())], b"").await,
        "/status" => {
            let code = q.get("code").and_then(|v| v.parse().ok()).unwrap_or(500);
            let mut hs = vec![html];
            if let Some(ra) = q.get("ra") {
                hs.push(("Retry-After", ra.clone()));
            }
            full(&mut sock, code, &hs, b"<html>status</html>").await;
        }
        _ => full(&mut sock, 200, &[html], b"<html><body>ok</body></html>").await,
    }
    Ok(())
}
