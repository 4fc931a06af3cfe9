//! unionwire: a crawler and aggregator for Chinese trade-union (工会) news.
//!
//! # Architecture
//!
//! ```text
//! config ─► crawl::scheduler ─► crawl (frontier, pipeline) ─► fetch ─► extract ─► clean ─► dedup ─► store ─► publish ─► server
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`config`] | the one typed `Config`: embedded `config/default.toml`, user file, `UNIONWIRE_…` env, CLI overrides; errors located by file, line and key (`config::locate`) |
//! | [`model`] | domain types shared by the stages: `Article`, `ArticleId`, `StoryId`, `SourceId`, `Published`, `Flag` |
//! | [`fetch`] | the one HTTP client: timeouts, decoded-size cap, redirects, SSRF refusal, charset decoding, robots.txt, per-host politeness, retries, conditional GET |
//! | [`extract`] | DOM → `Article` in named steps (parse and choose the profile, repair a mirror copy via `clean`, extract the fields, clean them via `clean::clean_article`, check content); site profiles from `config/sites/*.toml`, chosen by URL or page signature, generic density extractor, Chinese metadata, validated bylines, scored dates with their precision, multi-page merge; plain-text articles and input sniffing; listings/feeds/e-paper → links. Calls `clean`, never the reverse |
//! | [`clean`] | text repair: pinyin-mirror stripping, Traditional→Simplified, SEO/spam block removal, whitespace, the post-extraction pass over an `Article`; the size and nesting guards every HTML parse goes through; HTML sanitising for republishing. Imports nothing from `extract` |
//! | [`dedup`] | URL canonicalisation, mirror → origin URLs, SimHash fingerprints, the near-duplicate decision |
//! | [`store`] | the only module that names sled (schema 2, bounded cache): articles, URL index, stories, SimHash band and anchor posting lists, fetch state, source health; paged read-only queries in `store::query`; `db salvage` in `store::salvage` |
//! | [`crawl`] | the engine: scheduler, per-source crawl (listing, feed, Hanweb, e-paper), the fetch → extract → clean → dedup → store pipeline on fixed worker threads (one per core for CPU work, one store writer), source health (`crawl::health`: status, error kinds) |
//! | [`publish`] | feed queries and rendering: the lead-copy rule (clean copies before mirrors), pages of a feed with a `before` cursor, RSS 2.0, Atom, JSON Feed 1.1, OPML |
//! | [`metrics`] | process counters (crawl, HTTP requests by route and status, feed render time) in the Prometheus text format |
//! | [`server`] | axum router on its own hyper HTTP/1.1 accept loop: feeds, OPML, the index, story, source and search pages, the XSLT view of the feeds, `/healthz`, `/metrics`, ETag/304 per content coding, compression, connection/header/idle/write/body limits |
//! | [`cli`], [`commands`] | clap definitions and one file per command |

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
