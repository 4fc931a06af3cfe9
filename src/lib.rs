//! unionwire: a crawler and aggregator for Chinese trade-union (工会) news.
//!
//! # Architecture
//!
//! ```text
//! config ─► crawl::scheduler ─► crawl: discover ─► fetch ─► crawl::assemble ─► dedup::fingerprint_article ─► crawl writer ─► store
//!                                                           (extract, whose last step is clean)                              │
//!                                                                                      server ◄─ publish ◄─ Store trait ◄──┘
//! ```
//!
//! Layers, bottom up (a module imports only modules below it; `tests/it/layers.rs` enforces the table):
//! `model` · `config` · `cli` · `clean` · `fetch` · `extract` · `dedup` · `store` · `metrics` · `publish` ·
//! `crawl` · `server` · `commands`.
//!
//! | module | owns |
//! |---|---|
//! | [`config`] | the one typed `Config`: embedded `config/default.toml`, user file, `UNIONWIRE_…` env, CLI overrides; errors located by file, line and key (`config::locate`) |
//! | [`model`] | domain types shared by the stages: `Article`, `ArticleId`, `StoryId`, `SourceId`, `Published`, `Flag`; what the store keeps (`StoredArticle`, `StoryView`, `Ingested`) and what the crawler records (`FetchState`, `PageRole`, `SourceState`, `SourceStatus`); `error_chain` (an error and its causes on one line, for every layer's messages) |
//! | [`fetch`] | the one HTTP client: timeouts, decoded-size cap, redirects, SSRF refusal, charset decoding, robots.txt, per-host politeness (shared between processes through the `SharedHosts` trait it defines), retries, conditional GET |
//! | [`extract`] | DOM → `Article` in named steps (parse and choose the profile, repair a mirror copy via `clean`, extract the fields, clean them via `clean::clean_article`, check content); site profiles from `config/sites/*.toml`, chosen by URL or page signature, generic density extractor, Chinese metadata, validated bylines, scored dates with their precision, multi-page merge; plain-text articles and input sniffing; listings/feeds/e-paper → links. Calls `clean`, never the reverse |
//! | [`clean`] | text repair: pinyin-mirror stripping, Traditional→Simplified, SEO/spam block removal, whitespace, the post-extraction pass over an `Article`; the size and nesting guards every HTML parse goes through, and the article parse's raw-text thinning (`clean::rawtext`: script, style and noscript bodies cut to one space, the tree node for node the same); HTML sanitising for republishing. Imports nothing from `extract` |
//! | [`dedup`] | URL canonicalisation, mirror → origin URLs, SimHash fingerprints (`fingerprint_article`, computed once per article by the pipeline), and story policy as pure functions (`dedup::story`: the version merge, mirror precedence, lead order, the near-duplicate choice) |
//! | [`store`] | the `Store` trait (≈20 synchronous operations, run on worker threads), its neutral `StoreError`, `Incoming`, paging cursors; source leases and host turns (`store::lease`); the sled engine in `store::sled` (keys and codecs, ingest, reads, paged queries, verify, migration, salvage, retention `prune`, `db copy`'s import) — the only code that names sled; the PostgreSQL engine in `store::postgres`; the `ChangeCounter` servers wait on |
//! | [`crawl`] | the engine: `scheduler` (due sources leased through the store: `Crawler::claim_due`, `Crawler::crawl_claimed`); `hosts` (the fetcher's per-host politeness shared through the store, for crawlers on PostgreSQL); `discover` per source kind; `article` (which links need fetching, the conditional fetch); `assemble` (the one path from bytes to a finished article, shared with `fetch`); `writer` (the one store-writer thread: articles with their fetch states, index validators, source health); `health` (status and error kinds); `CrawlError` |
//! | [`publish`] | feed building (`build_feed`: the query, the items, the page links, title and max-age, the rendering), the lead-copy rule (clean copies before mirrors), pages of a feed with a `before` cursor, RSS 2.0, Atom, JSON Feed 1.1, OPML; the server adds only HTTP (cache, `ETag`, 304) |
//! | [`metrics`] | process counters (crawl, HTTP requests by route and status, feed render time) and the store's pool gauges in the Prometheus text format |
//! | [`server`] | axum router on its own hyper HTTP/1.1 accept loop: feeds, OPML, the index, story, source and search pages, the XSLT view of the feeds, `/healthz` (503 while the store is unreachable), `/metrics`, the feeds' generation kept by a task (`server::refresh`: every `server.refresh`, on this process's writes, on PostgreSQL NOTIFY), ETag/304 per content coding, compression, connection/header/idle/write/body limits; the control API under `/api/` (`server::control`) |
//! | [`cli`], [`commands`] | clap definitions and one file per command; store errors → exit codes (`commands::exit_code_for`); `commands::control` asks a running daemon's control API when it holds the store |

pub mod clean;
pub mod cli;
pub mod commands;
pub mod config;
pub mod crawl;
pub mod dedup;
pub mod extract;
pub mod fetch;
pub mod metrics;
pub mod model;
pub mod publish;
pub mod server;
pub mod store;
