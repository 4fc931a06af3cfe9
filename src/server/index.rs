//! The HTML index page at `/`: a search box, the latest stories (each linked to its story page, with
//! how many other sites carried it), every feed with a copyable subscribe link, and each source's
//! health (linked to its source page); an empty list says why it is empty. Every value from the store or
//! the config is HTML-escaped, links are only ever http(s), and the page is served with the CSP of
//! [`super::pages`], which allows no script at all.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::pages::{frame, html_response, search_form, source_url, story_line};
use super::{base_url, AppState};
use crate::model::SourceId;
use crate::publish::{feed_url, FeedFormat, FeedScope};
use crate::store::SourceState;

/// Stories listed on the index page.
pub const INDEX_STORIES: usize = 20;

/// The health of every configured source (blocking: reads the store).
pub(super) fn health(state: &AppState) -> Vec<(SourceId, SourceState)> {
    state
        .cfg
        .sources
        .iter()
        .filter_map(|s| {
            crate::publish::source_state(state.store.as_ref(), &s.id).map(|st| (s.id.clone(), st))
        })
        .collect()
}

/// One feed: its name (linked to the source page when there is one), its three formats, and the RSS
/// URL in a read-only field to copy.
fn feed_row(out: &mut String, label: &str, page: Option<&str>, base: &url::Url, scope: &FeedScope) {
    match page {
        Some(p) => {
            let _ = write!(
                out,
                "<tr><td><a href=\"{}\">{}</a></td><td class=\"fmt\">",
                attr(p),
                text(label)
            );
        }
        None => {
            let _ = write!(out, "<tr><td>{}</td><td class=\"fmt\">", text(label));
        }
    }
    for f in FeedFormat::ALL {
        let u = feed_url(base, scope, f.extension());
        let _ = write!(
            out,
            "<a href=\"{}\">{}</a>",
            attr(u.as_str()),
            f.extension().to_uppercase()
        );
    }
    let rss = feed_url(base, scope, "rss");
    let _ = writeln!(
        out,
        "<input class=\"copy\" readonly value=\"{0}\" aria-label=\"{1} RSS\"></td></tr>",
        attr(rss.as_str()),
        attr(label)
    );
}

/// Why the latest list is empty, in words.
fn empty_reason(state: &AppState, health: &[(SourceId, SourceState)]) -> &'static str {
    if state.cfg.sources.is_empty() {
        "还没有报道：配置里没有任何来源。"
    } else if health.is_empty() {
        "还没有报道：来源尚未抓取过（crawler 还没有运行，或刚刚启动）。"
    } else if health.iter().all(|(_, st)| st.last_success.is_none()) {
        "还没有报道：每个来源的抓取都失败了，见下方来源状态。"
    } else {
        "还没有报道：抓取成功了，但还没有保存任何文章。"
    }
}

/// Builds the page (blocking: reads the store).
fn page(state: &AppState, base: &url::Url) -> String {
    let cfg = &state.cfg;
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p>{}</p>\n",
        text(&cfg.feeds.title),
        text(&cfg.feeds.description),
    );
    search_form(&mut out, base, "");
    let health = health(state);
    out.push_str("<h2>最新 (latest)</h2>\n");
    match crate::publish::load_items(
        state.store.as_ref(),
        cfg,
        &FeedScope::All,
        None,
        INDEX_STORIES,
        base,
    ) {
        Ok(items) if items.is_empty() => {
            let _ = writeln!(
                out,
                "<p class=\"empty\">{}</p>",
                text(empty_reason(state, &health))
            );
        }
        Ok(items) => {
            out.push_str("<ol class=\"stories\">\n");
            for item in &items {
                story_line(&mut out, item, base);
            }
            out.push_str("</ol>\n");
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "reading stories for the index page");
            out.push_str("<p class=\"bad\">暂时无法读取报道 (stories unavailable)。</p>\n");
        }
    }
    let opml = base.join("opml").map(|u| u.to_string()).unwrap_or_default();
    let _ = write!(
        out,
        "<h2>订阅 (feeds)</h2>\n<p>复制链接到阅读器；<a href=\"{}\">OPML</a> 可一次导入全部。查询参数：<code>?q=关键词</code>、<code>limit=N</code>、<code>before=</code>（翻页）。</p>\n<table class=\"fold feeds\">\n",
        attr(&opml)
    );
    feed_row(&mut out, "全部 (all)", None, base, &FeedScope::All);
    for s in &cfg.sources {
        let page = source_url(base, &s.id);
        feed_row(
            &mut out,
            &s.name,
            Some(&page),
            base,
            &FeedScope::Source(s.id.clone()),
        );
    }
    for t in cfg.tags() {
        feed_row(
            &mut out,
            &format!("标签 {t}"),
            None,
            base,
            &FeedScope::Tag(t.to_owned()),
        );
    }
    out.push_str("</table>\n<h2>来源状态 (source health)</h2>\n");
    if cfg.sources.is_empty() {
        out.push_str("<p class=\"empty\">配置里没有任何来源。</p>\n");
    } else {
        out.push_str(
            "<table class=\"fold health\"><thead><tr><th>来源</th><th>状态</th></tr></thead><tbody>\n",
        );
        for s in &cfg.sources {
            let st = health.iter().find(|(id, _)| *id == s.id).map(|(_, st)| st);
            let (class, line) = match st {
                Some(st) => {
                    let (ok, line) = crate::publish::health_summary(st);
                    (if ok { "ok" } else { "bad" }, line)
                }
                None => ("warn", "not crawled yet".to_owned()),
            };
            let _ = writeln!(
                out,
                "<tr><td><a href=\"{}\">{}</a> <small>{}</small></td><td class=\"{class}\">{}</td></tr>",
                attr(&source_url(base, &s.id)),
                text(&s.name),
                text(s.id.as_str()),
                text(&line)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let head = format!(
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"{}\" href=\"{}\">",
        attr(&cfg.feeds.title),
        attr(feed_url(base, &FeedScope::All, "rss").as_str()),
    );
    frame(&cfg.feeds.title, &head, &out, base)
}

pub(super) async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&state.cfg, &headers);
    let st = state.clone();
    match tokio::task::spawn_blocking(move || page(&st, &base)).await {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(_) => super::plain(StatusCode::INTERNAL_SERVER_ERROR, "index unavailable"),
    }
}
