//! The client of the control API ([`crate::server::control`]): when a running daemon holds the store,
//! `sources`, `db stats`, `export` and `crawl --once --source ID` ask it instead of failing. The daemon is
//! found at the configured `server.listen` (an unspecified address such as `0.0.0.0` is reached on
//! loopback), with `server.admin_token` when set, and must say it holds the same store.

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::{anyhow, Context};
use url::Url;

use crate::commands::{Failure, EXIT_FAILURE, EXIT_STORE_LOCKED};
use crate::config::Config;
use crate::crawl::SourceSummary;
use crate::store::{SourceState, StoreError};

/// How long connecting to the daemon may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest silence in an answer (a crawl reports progress every 2 s; an export streams).
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// A running daemon that answered on its control API and holds this command's store.
pub struct Daemon {
    base: Url,
    token: Option<String>,
    client: reqwest::Client,
    rt: tokio::runtime::Runtime,
    pid: Option<u64>,
}

/// The address to reach a server listening on `listen`: an unspecified address (`0.0.0.0`, `::`) is
/// reached on loopback.
#[must_use]
pub(crate) fn reach_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

fn is_locked(e: &StoreError) -> bool {
    matches!(e, StoreError::Locked { .. })
}

/// `Some(daemon)` when opening the store failed because it is locked and a daemon holding it answers;
/// `None` when the error is something else (the caller reports it as before).
///
/// # Errors
/// Exit 3 when the store is locked but no daemon holding it could be asked, saying why.
pub(crate) fn daemon_for(cfg: &Config, open_error: &StoreError) -> Result<Option<Daemon>, Failure> {
    if !is_locked(open_error) {
        return Ok(None);
    }
    Daemon::reach(cfg, open_error).map(Some)
}

/// The first line of an error answer: its `{"error": …}` message, else its status.
async fn error_text(res: reqwest::Response) -> String {
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status}"))
}

impl Daemon {
    /// Asks the daemon at the configured address for its status and checks that it holds `cfg`'s store.
    ///
    /// # Errors
    /// Exit 3, with `locked` and the reason the daemon could not be asked.
    pub fn connect(cfg: &Config, locked: &StoreError) -> Result<Self, Failure> {
        let addr = reach_address(cfg.server.listen);
        let base = Url::parse(&format!("http://{addr}/"))
            .map_err(|e| Failure::new(EXIT_FAILURE, anyhow!("daemon address {addr}: {e}")))?;
        let refuse = |why: String| {
            Failure::new(
                EXIT_STORE_LOCKED,
                anyhow!("{locked}; the daemon could not be asked instead: {why}"),
            )
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .user_agent(concat!("unionwire-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| refuse(format!("building an HTTP client: {e}")))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| refuse(format!("starting the async runtime: {e}")))?;
        let mut daemon = Self {
            base,
            token: cfg
                .server
                .admin_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
            client,
            rt,
            pid: None,
        };
        let url = daemon.url("api/status");
        let status: serde_json::Value = daemon.rt.block_on(async {
            let res = daemon
                .request(reqwest::Method::GET, "api/status")
                .send()
                .await
                .map_err(|e| refuse(format!("nothing answered at {url} ({})", crate::model::error_chain(&e))))?;
            match res.status() {
                reqwest::StatusCode::OK => {}
                reqwest::StatusCode::UNAUTHORIZED => {
                    let why = if daemon.token.is_some() {
                        "it refused the token in server.admin_token (is it the daemon's?)"
                    } else {
                        "it needs a token: set server.admin_token (or UNIONWIRE_ADMIN_TOKEN) to the \
                         daemon's"
                    };
                    return Err(refuse(format!("{url}: {why}")));
                }
                s if s.is_client_error() || s.is_server_error() => {
                    let text = error_text(res).await;
                    return Err(refuse(format!("{url}: {text}")));
                }
                s => return Err(refuse(format!("{url} answered HTTP {s}"))),
            }
            let text = res
                .text()
                .await
                .map_err(|e| refuse(format!("reading {url} ({})", crate::model::error_chain(&e))))?;
            serde_json::from_str(&text)
                .map_err(|e| refuse(format!("{url} is not a unionwire control API ({e})")))
        })?;
        if status["service"] != "unionwire" {
            return Err(refuse(format!("{url} is not a unionwire control API")));
        }
        let theirs = status["store"].as_str().map(std::path::PathBuf::from);
        let ours =
            std::fs::canonicalize(&cfg.store.path).unwrap_or_else(|_| cfg.store.path.clone());
        if theirs.as_deref() != Some(ours.as_path()) {
            return Err(refuse(format!(
                "the daemon at {} holds store {}, not {}",
                daemon.base,
                theirs.map_or_else(|| "(unknown)".to_owned(), |p| p.display().to_string()),
                ours.display()
            )));
        }
        daemon.pid = status["pid"].as_u64();
        Ok(daemon)
    }

    /// [`Daemon::connect`], then says on standard error (one line) that the command asks the daemon.
    ///
    /// # Errors
    /// As [`Daemon::connect`].
    pub fn reach(cfg: &Config, locked: &StoreError) -> Result<Self, Failure> {
        let daemon = Self::connect(cfg, locked)?;
        eprintln!(
            "note: a running unionwire daemon{} holds the store; asking it at {}api/ instead",
            daemon
                .pid
                .map(|p| format!(" (pid {p})"))
                .unwrap_or_default(),
            daemon.base
        );
        Ok(daemon)
    }

    /// The daemon's process id, as it reported it.
    #[must_use]
    pub fn pid(&self) -> Option<u64> {
        self.pid
    }

    /// The daemon's base URL.
    #[must_use]
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Sends a request and returns the answer when it is a 200.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> Result<reqwest::Response, Failure> {
        let url = self.url(path);
        let res = self.request(method, path).send().await.map_err(|e| {
            anyhow!(
                "asking the daemon at {url}: {}",
                crate::model::error_chain(&e)
            )
        })?;
        if res.status() != reqwest::StatusCode::OK {
            let text = error_text(res).await;
            return Err(Failure::new(
                EXIT_FAILURE,
                anyhow!("the daemon at {url} refused: {text}"),
            ));
        }
        Ok(res)
    }

    /// The health record of each source, by id, as the daemon's store has it.
    ///
    /// # Errors
    /// When the daemon cannot be asked or answers something else.
    pub(crate) fn source_health(&self) -> Result<HashMap<String, SourceState>, Failure> {
        let body = self.rt.block_on(async {
            let res = self.call(reqwest::Method::GET, "api/sources").await?;
            res.text().await.map_err(|e| {
                Failure::new(EXIT_FAILURE, anyhow!("reading the daemon's sources: {e}"))
            })
        })?;
        let mut out = HashMap::new();
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value =
                serde_json::from_str(line).context("the daemon's sources are not JSON lines")?;
            let Some(id) = v["id"].as_str() else { continue };
            if !v["health"].is_null() {
                let st: SourceState = serde_json::from_value(v["health"].clone())
                    .with_context(|| format!("the daemon's health record of {id}"))?;
                out.insert(id.to_owned(), st);
            }
        }
        Ok(out)
    }

    /// The daemon's `db stats --json` object.
    ///
    /// # Errors
    /// When the daemon cannot be asked or answers something else.
    pub fn db_stats(&self) -> Result<serde_json::Value, Failure> {
        self.rt.block_on(async {
            let res = self.call(reqwest::Method::GET, "api/db/stats").await?;
            let text = res.text().await.map_err(|e| {
                Failure::new(EXIT_FAILURE, anyhow!("reading the daemon's stats: {e}"))
            })?;
            serde_json::from_str(&text).map_err(|e| {
                Failure::new(
                    EXIT_FAILURE,
                    anyhow!("the daemon's stats are not JSON: {e}"),
                )
            })
        })
    }

    /// Has the daemon prune the stories not current since `cutoff` and returns its report.
    ///
    /// # Errors
    /// When the daemon cannot be asked or answers something else.
    pub fn prune(&self, cutoff: jiff::Timestamp) -> Result<crate::store::PruneReport, Failure> {
        let path = format!("api/db/prune?before={cutoff}");
        self.rt.block_on(async {
            let res = self.call(reqwest::Method::POST, &path).await?;
            let text = res.text().await.map_err(|e| {
                Failure::new(
                    EXIT_FAILURE,
                    anyhow!("reading the daemon's prune report: {e}"),
                )
            })?;
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Failure::new(
                    EXIT_FAILURE,
                    anyhow!("the daemon's prune report is not JSON: {e}"),
                )
            })?;
            let n = |k: &str| v[k].as_u64().unwrap_or(0);
            Ok(crate::store::PruneReport {
                stories: n("stories"),
                articles: n("articles"),
                url_entries: n("url_entries"),
                fetch_states: n("fetch_states"),
            })
        })
    }

    /// Copies the daemon's export to `out` as it streams in.
    ///
    /// # Errors
    /// When the daemon cannot be asked, the export is cut short, or `out` cannot be written.
    pub fn export(&self, out: &mut dyn Write) -> Result<(), Failure> {
        self.rt.block_on(async {
            let mut res = self
                .call(reqwest::Method::GET, "api/export?format=jsonl")
                .await?;
            loop {
                let chunk = res.chunk().await.map_err(|e| {
                    Failure::new(
                        EXIT_FAILURE,
                        anyhow!(
                            "the daemon's export was cut short: {}",
                            crate::model::error_chain(&e)
                        ),
                    )
                })?;
                let Some(chunk) = chunk else { break };
                out.write_all(&chunk).context("writing the export")?;
            }
            Ok(())
        })
    }

    /// Has the daemon crawl `source` now and returns its summary; `progress(queued, done)` follows it.
    ///
    /// # Errors
    /// When the daemon cannot be asked (an unknown source, a crawl already running) or stops answering
    /// before the summary.
    pub fn crawl(
        &self,
        source: &str,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<SourceSummary, Failure> {
        let path = format!("api/sources/{source}/crawl");
        self.rt.block_on(async {
            let mut res = self.call(reqwest::Method::POST, &path).await?;
            let mut pending: Vec<u8> = Vec::new();
            loop {
                let chunk = res.chunk().await.map_err(|e| {
                    Failure::new(
                        EXIT_FAILURE,
                        anyhow!(
                            "the daemon stopped answering while crawling {source}: {}",
                            crate::model::error_chain(&e)
                        ),
                    )
                })?;
                let Some(chunk) = chunk else { break };
                pending.extend_from_slice(&chunk);
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let v: serde_json::Value = serde_json::from_slice(&line)
                        .context("the daemon's crawl answer is not JSON lines")?;
                    match v["event"].as_str() {
                        Some("progress") => progress(
                            v["queued"].as_u64().unwrap_or(0),
                            v["done"].as_u64().unwrap_or(0),
                        ),
                        Some("finished") => {
                            let s: RemoteSummary = serde_json::from_value(v["summary"].clone())
                                .context("the daemon's crawl summary")?;
                            return Ok(s.into());
                        }
                        _ => {}
                    }
                }
            }
            Err(Failure::new(
                EXIT_FAILURE,
                anyhow!(
                    "the daemon's answer ended before the summary of {source} (did it stop?); \
                     `unionwire sources` shows the source's last run"
                ),
            ))
        })
    }
}

/// [`SourceSummary`] as it arrives in JSON.
#[derive(serde::Deserialize)]
#[serde(default)]
#[derive(Default)]
struct RemoteSummary {
    source: String,
    pages_fetched: u64,
    not_modified: u64,
    conditional_misses: u64,
    links_found: u64,
    already_stored: u64,
    new_articles: u64,
    updated_articles: u64,
    new_stories: u64,
    skipped: u64,
    errors: Vec<String>,
    error_url: Option<String>,
    failed: bool,
    cancelled: bool,
    took_ms: u64,
}

impl From<RemoteSummary> for SourceSummary {
    fn from(r: RemoteSummary) -> Self {
        Self {
            source: r.source,
            pages_fetched: r.pages_fetched,
            not_modified: r.not_modified,
            conditional_misses: r.conditional_misses,
            links_found: r.links_found,
            already_stored: r.already_stored,
            new_articles: r.new_articles,
            updated_articles: r.updated_articles,
            new_stories: r.new_stories,
            skipped: r.skipped,
            errors: r.errors,
            error_kind: None,
            error_url: r.error_url,
            failed: r.failed,
            cancelled: r.cancelled,
            took_ms: r.took_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_listen_addresses_are_reached_on_loopback() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(reach_address(a("0.0.0.0:8080")), a("127.0.0.1:8080"));
        assert_eq!(reach_address(a("[::]:9")), a("[::1]:9"));
        assert_eq!(reach_address(a("192.0.2.7:80")), a("192.0.2.7:80"));
    }
}
