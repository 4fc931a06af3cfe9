//! The HTML index page at `/`: every feed with a copyable subscribe link, the latest stories, and
//! each source's health. Every value from the store or the config is HTML-escaped, links are only
//! ever http(s), and the page is served with a CSP that allows no script at all.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{base_url, AppState};
use crate::model::SourceId;
use crate::publish::{feed_url, is_web_url, FeedFormat, FeedItem, FeedScope};
use crate::store::SourceState;

/// Stories listed on the index page.
pub const INDEX_STORIES: usize = 20;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STYLE: &str = "body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;line-height:1.5}\
input{width:32em;max-width:100%;font-family:monospace}table{border-collapse:collapse}\
td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}.bad{color:#b00}.ok{color:#070}";

/// The health of every configured source (blocking: reads the store).
pub(super) fn health(state: &AppState) -> Vec<(SourceId, SourceState)> {
    state
        .cfg
        .sources
        .iter()
        .filter_map(|s| {
            crate::publish::source_state(&state.store, &s.id).map(|st| (s.id.clone(), st))
        })
        .collect()
}

fn feed_row(out: &mut String, label: &str, base: &url::Url, scope: &FeedScope) {
    let _ = write!(out, "<tr><td>{}</td><td>", text(label));
    for f in FeedFormat::ALL {
        let u = feed_url(base, scope, f.extension());
        let _ = write!(
            out,
            "<a href=\"{0}\">{1}</a> <input readonly value=\"{0}\" aria-label=\"{1}\"> ",
            attr(u.as_str()),
            f.extension().to_uppercase()
        );
    }
    out.push_str("</td></tr>\n");
}

fn story_row(out: &mut String, item: &FeedItem) {
    let when = item
        .published
        .map(|p| p.to_rfc3339().chars().take(16).collect::<String>())
        .unwrap_or_default();
    out.push_str("<li>");
    if is_web_url(&item.link) {
        let _ = write!(
            out,
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            attr(&item.link),
            text(&item.title)
        );
    } else {
        out.push_str(&text(&item.title));
    }
    let _ = write!(
        out,
        " <small>{} {}",
        text(item.category.as_deref().unwrap_or_default()),
        text(&when)
    );
    if !item.also_carried_by.is_empty() {
        let _ = write!(out, " · 另有 {} 家转载", item.also_carried_by.len());
    }
    out.push_str("</small></li>\n");
}

/// Builds the page (blocking: reads the store).
fn page(state: &AppState, base: &url::Url) -> String {
    let cfg = &state.cfg;
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{0}</title>\
<meta name=\"viewport\" content=\"width=device-width\"><style>{STYLE}</style>\
<link rel=\"alternate\" type=\"application/rss+xml\" title=\"{1}\" href=\"{2}\"></head><body>\n<h1>{0}</h1>\n<p>{3}</p>\n",
        text(&cfg.feeds.title),
        attr(&cfg.feeds.title),
        attr(feed_url(base, &FeedScope::All, "rss").as_str()),
        text(&cfg.feeds.description),
    );
    let opml = base.join("opml").map(|u| u.to_string()).unwrap_or_default();
    let _ = write!(
        out,
        "<h2>订阅 (feeds)</h2>\n<p>复制链接到阅读器；<a href=\"{}\">OPML</a> 可一次导入全部。查询参数：<code>?q=关键词&amp;limit=N</code>。</p>\n<table>\n",
        attr(&opml)
    );
    feed_row(&mut out, "全部 (all)", base, &FeedScope::All);
    for s in &cfg.sources {
        feed_row(&mut out, &s.name, base, &FeedScope::Source(s.id.clone()));
    }
    for t in cfg.tags() {
        feed_row(
            &mut out,
            &format!("标签 {t}"),
            base,
            &FeedScope::Tag(t.to_owned()),
        );
    }
    out.push_str("</table>\n<h2>最新 (latest)</h2>\n<ol>\n");
    match crate::publish::load_items(&state.store, cfg, &FeedScope::All, None, INDEX_STORIES) {
        Ok(items) => {
            for item in &items {
                story_row(&mut out, item);
            }
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "reading stories for the index page");
            out.push_str("<li class=\"bad\">stories unavailable</li>\n");
        }
    }
    out.push_str(
        "</ol>\n<h2>来源状态 (source health)</h2>\n<table><tr><th>source</th><th>state</th></tr>\n",
    );
    let health = health(state);
    for s in &cfg.sources {
        let state_html = match health.iter().find(|(id, _)| *id == s.id) {
            Some((_, st)) => crate::publish::health_summary(st),
            None => (true, "not crawled yet".to_owned()),
        };
        let class = if state_html.0 { "ok" } else { "bad" };
        let _ = writeln!(
            out,
            "<tr><td>{} <small>{}</small></td><td class=\"{class}\">{}</td></tr>",
            text(&s.name),
            text(s.id.as_str()),
            text(&state_html.1)
        );
    }
    out.push_str("</table>\n</body></html>\n");
    out
}

pub(super) async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&state.cfg, &headers);
    let st = state.clone();
    match tokio::task::spawn_blocking(move || page(&st, &base)).await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_SECURITY_POLICY, CSP),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            html,
        )
            .into_response(),
        Err(_) => super::plain(StatusCode::INTERNAL_SERVER_ERROR, "index unavailable"),
    }
}
