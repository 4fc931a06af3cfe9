//! `unionwire fetch URL_OR_FILE…`: fetch (or read) pages, extract and clean the articles, print them as readable
//! text or one JSON object per line. Needs no store and no config file, so it runs beside a daemon.
//! Inputs are http(s) URLs, files (HTML or plain text, told apart by their first bytes) and `-` (standard
//! input, HTML or text). Anything else that is not a page (an executable, an image, an archive) is refused
//! after its first bytes are read, so memory stays bounded; other URL schemes are refused by name.
//! A failing input prints one line naming it and the reason; the others still run; the exit code is then 1.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use futures::stream::{self, StreamExt};
use url::Url;

use crate::cli::{Cli, FetchArgs};
use crate::commands::{load_config, CmdResult, Failure, EXIT_FAILURE, EXIT_USAGE};
use crate::config::Overrides;
use crate::crawl::assemble::{self, LaterPage, Page};
use crate::extract::{self, text::SNIFF_BYTES, Kind, Profile, Profiles};
use crate::fetch::{FetchConfig, Fetcher, Request};
use crate::model::{Article, Precision};

/// Inputs handled at once.
const PARALLEL: usize = 8;

/// Runs `fetch`.
///
/// # Errors
/// A usage failure for a bad flag; a failure (exit 1) when any input failed.
pub fn run(cli: &Cli, args: &FetchArgs) -> CmdResult {
    let cfg = load_config(cli, Overrides::default())?;
    let profiles = Profiles::builtin();
    let profile = match &args.profile {
        Some(name) => Some(profiles.by_name(name).ok_or_else(|| {
            Failure::new(
                EXIT_USAGE,
                anyhow!(
                    "unknown profile {name:?}; known profiles: {}",
                    profiles.names().join(", ")
                ),
            )
        })?),
        None => None,
    };
    let base_url = match &args.base_url {
        Some(b) => Some(
            Url::parse(b)
                .map_err(|e| Failure::new(EXIT_USAGE, anyhow!("--base-url {b:?}: {e}")))?,
        ),
        None => None,
    };
    let fetch_cfg = FetchConfig::from(&cfg.crawl);
    let limit = fetch_cfg.max_body_bytes;
    // The HTTP client (TLS roots and all) is built only when some input is a URL: files and standard input
    // never need it, and building it is a good part of the process start.
    let fetcher = if args.inputs.iter().any(|i| is_http(i)) {
        Some(Fetcher::new(fetch_cfg).map_err(|e| Failure::new(EXIT_FAILURE, e))?)
    } else {
        None
    };
    let rt = crate::commands::runtime()?;
    let failed = rt.block_on(async {
        let mut out = std::io::stdout().lock();
        let mut failed = 0usize;
        let mut results = stream::iter(args.inputs.iter())
            .map(|input| {
                one(
                    fetcher.as_ref(),
                    limit,
                    input,
                    profile,
                    base_url.as_ref(),
                    !args.no_pages,
                )
            })
            .buffered(PARALLEL);
        while let Some((input, r)) = results.next().await {
            match r {
                Ok(article) => {
                    let printed = if args.json {
                        serde_json::to_string(&article)
                            .map_err(std::io::Error::other)
                            .and_then(|line| writeln!(out, "{line}"))
                    } else {
                        write!(out, "{}", render_text(&article))
                    };
                    if printed.is_err() {
                        // stdout closed (e.g. piped into `head`): stop quietly.
                        break;
                    }
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("unionwire: {input}: {e:#}");
                }
            }
        }
        failed
    });
    if failed > 0 {
        return Err(Failure::new(
            EXIT_FAILURE,
            anyhow!("{failed} of {} inputs failed", args.inputs.len()),
        ));
    }
    Ok(())
}

/// Whether an input is an http(s) URL (read through the HTTP client).
fn is_http(input: &str) -> bool {
    input.starts_with("http://") || input.starts_with("https://")
}

/// One input: `fetcher` is there whenever some input [`is_http`]; `limit` is the page-size cap.
async fn one<'a>(
    fetcher: Option<&Fetcher>,
    limit: u64,
    input: &'a str,
    profile: Option<&'static Profile>,
    base_url: Option<&Url>,
    follow_pages: bool,
) -> (&'a str, anyhow::Result<Article>) {
    let r = if input == "-" {
        match from_stdin(base_url, limit) {
            Ok(page) => from_bytes(page, profile, None).await,
            Err(e) => Err(e),
        }
    } else if is_http(input) {
        match fetcher {
            Some(f) => from_url(f, input, profile, follow_pages).await,
            None => Err(anyhow!("no HTTP client was built for this run")),
        }
    } else {
        let path = if let Some(scheme) = other_scheme(input) {
            if scheme.eq_ignore_ascii_case("file") {
                Url::parse(input)
                    .ok()
                    .and_then(|u| u.to_file_path().ok())
                    .ok_or_else(|| anyhow!("not a valid file URL"))
            } else {
                Err(anyhow!(
                    "unsupported URL scheme {scheme:?}: fetch reads http and https URLs, files and - (stdin)"
                ))
            }
        } else {
            Ok(PathBuf::from(input))
        };
        match path.and_then(|p| from_file(&p, base_url, limit).map(|page| (page, p))) {
            Ok((page, p)) => from_bytes(page, profile, follow_pages.then_some(p)).await,
            Err(e) => Err(e),
        }
    };
    (input, r)
}

/// The scheme of an input written as `scheme://…` (a URL that is not http or https).
fn other_scheme(input: &str) -> Option<&str> {
    let (scheme, _) = input.split_once("://")?;
    let mut chars = scheme.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(scheme)
}

/// Reads an input, refusing it after its first bytes when they are not HTML or text, and refusing more than
/// `limit` bytes. Returns the bytes and what they are.
fn read_input(mut r: impl Read, what: &str, limit: u64) -> anyhow::Result<(Vec<u8>, Kind)> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut r)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {what}"))?;
    let kind = extract::sniff(&head);
    if let Kind::Binary(name) = kind {
        return Err(anyhow!(
            "{what} looks like {name}, not an HTML page or text; refused"
        ));
    }
    let mut bytes = head;
    r.take(limit.saturating_add(1).saturating_sub(bytes.len() as u64))
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {what}"))?;
    if bytes.len() as u64 > limit {
        return Err(anyhow!(
            "{what} is larger than the {limit}-byte page limit (crawl.max_body_bytes); refused"
        ));
    }
    Ok((bytes, kind))
}

/// An article from an input read whole: its first page extracted on a blocking thread, later pages found
/// beside it by file name (a saved multi-page article) when `siblings_of` is given.
async fn from_bytes(
    page: Page,
    profile: Option<&'static Profile>,
    siblings_of: Option<PathBuf>,
) -> anyhow::Result<Article> {
    let done = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let first = assemble::extract_page(page, profile)?;
        let later = |next: Url| {
            let sibling = siblings_of.as_deref().and_then(|path| {
                let name = next.path_segments().and_then(|mut s| s.next_back())?;
                let sibling = path.with_file_name(name);
                (sibling != path && sibling.is_file()).then_some(sibling)
            });
            let read = match sibling {
                None => LaterPage::Failed("no file of that name beside the first page".into()),
                Some(f) => match std::fs::read(&f) {
                    Err(e) => LaterPage::Failed(format!("reading {}: {e}", f.display())),
                    Ok(b) => match assemble::extract_page(
                        Page {
                            url: next,
                            body: b.into(),
                            content_type: None,
                        },
                        profile,
                    ) {
                        Ok(x) => LaterPage::Read(Box::new(x.extracted)),
                        Err(e) => LaterPage::Failed(e.to_string()),
                    },
                },
            };
            std::future::ready(read)
        };
        // Every later page is read synchronously here: the future is ready at once.
        let follow = siblings_of.is_some();
        Ok(
            futures::executor::block_on(assemble::assemble(first, follow, later))
                .ok_or_else(|| anyhow!("cancelled"))??,
        )
    })
    .await??;
    warn_skipped(&done.skipped);
    Ok(done.article)
}

/// Says on stderr which later pages of an article could not be read (the article is printed without them).
fn warn_skipped(skipped: &[(Url, String)]) {
    for (url, why) in skipped {
        eprintln!("unionwire: warning: page {url} of the article was skipped: {why}");
    }
}

fn from_stdin(base_url: Option<&Url>, limit: u64) -> anyhow::Result<Page> {
    let (bytes, _) = read_input(std::io::stdin().lock(), "standard input", limit)?;
    let url = match base_url {
        Some(b) => b.clone(),
        None => Url::parse("file:///dev/stdin").map_err(|e| anyhow!("{e}"))?,
    };
    Ok(Page {
        url,
        body: bytes.into(),
        content_type: None,
    })
}

async fn from_url(
    fetcher: &Fetcher,
    input: &str,
    profile: Option<&'static Profile>,
    follow_pages: bool,
) -> anyhow::Result<Article> {
    let url = Url::parse(input).with_context(|| "not a valid URL")?;
    if let Some(host) = url.host_str() {
        fetcher.trust_host(host);
    }
    let resp = fetcher.get(&Request::html(url)).await?;
    let first =
        tokio::task::spawn_blocking(move || assemble::extract_page(resp.into(), profile)).await??;
    let later = |next: Url| async move {
        match fetcher.get(&Request::html(next)).await {
            Err(e) => LaterPage::Failed(e.to_string()),
            Ok(r) => {
                match tokio::task::spawn_blocking(move || assemble::extract_page(r.into(), profile))
                    .await
                {
                    Ok(Ok(x)) => LaterPage::Read(Box::new(x.extracted)),
                    Ok(Err(e)) => LaterPage::Failed(e.to_string()),
                    Err(e) => LaterPage::Failed(e.to_string()),
                }
            }
        }
    };
    let done = assemble::assemble(first, follow_pages, later)
        .await
        .ok_or_else(|| anyhow!("cancelled"))??;
    warn_skipped(&done.skipped);
    Ok(done.article)
}

fn from_file(path: &Path, base_url: Option<&Url>, limit: u64) -> anyhow::Result<Page> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let (bytes, _) = read_input(file, &path.display().to_string(), limit)?;
    let url = match base_url {
        Some(b) => b.clone(),
        None => file_url(path)?,
    };
    Ok(Page {
        url,
        body: bytes.into(),
        content_type: None,
    })
}

fn file_url(path: &Path) -> anyhow::Result<Url> {
    let abs: PathBuf = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    Url::from_file_path(&abs).map_err(|()| anyhow!("cannot make a URL of {}", abs.display()))
}

/// The readable rendering of an article.
#[must_use]
pub(crate) fn render_text(a: &Article) -> String {
    let mut s = String::new();
    if let Some(l) = &a.lead_title {
        s.push_str(l);
        s.push('\n');
    }
    s.push_str(&a.title);
    s.push('\n');
    if let Some(sub) = &a.subtitle {
        s.push_str(sub);
        s.push('\n');
    }
    let mut meta = Vec::new();
    if let Some(p) = &a.published {
        let full = p.to_rfc3339();
        let shown = match a.published_precision {
            Some(Precision::Day) => full.get(..10).unwrap_or(&full).to_string(),
            Some(Precision::Month) => full.get(..7).unwrap_or(&full).to_string(),
            _ => full,
        };
        meta.push(format!("发布 {shown}"));
    }
    if let Some(src) = &a.source {
        meta.push(format!("来源 {src}"));
    }
    if !a.authors.is_empty() {
        meta.push(format!("作者 {}", a.authors.join("、")));
    }
    if !meta.is_empty() {
        s.push_str(&meta.join(" | "));
        s.push('\n');
    }
    s.push_str(&a.canonical_url);
    s.push_str("\n\n");
    for p in &a.paragraphs {
        s.push_str("　　");
        s.push_str(p);
        s.push_str("\n\n");
    }
    if !a.editors.is_empty() {
        s.push_str(&format!("（责编：{}）\n", a.editors.join("、")));
    }
    let flags: Vec<String> = a
        .flags
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    s.push_str(&format!(
        "[profile {} · encoding {}{}]\n\n",
        a.profile,
        a.encoding,
        if flags.is_empty() {
            String::new()
        } else {
            format!(" · {}", flags.join(", "))
        }
    ));
    s
}
