//! The HTML pages besides the index: `/stories/{id}` (a story's clean text and every copy),
//! `/sources/{id}` (a source's health, schedule and recent stories) and `/search?q=` (titles and text,
//! newest first, paged with `before=`), and the page frame they share with `/`. Pages are rendered on
//! the server, carry no script, escape every value from the store or the configuration, link only
//! http(s) URLs and our own paths, and are served with a CSP that allows no script, no images, forms
//! only to this server, and no framing. The one stylesheet is inline and lays out at any width from
//! 320 px (nothing wider than the viewport: long URLs and words break, tables fold into blocks).

use std::fmt::Write as _;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{base_url, parse_query, AppState};
use crate::model::{Article, Flag, Published, SourceId, StoryId};
use crate::publish::{
    copies_in_order, feed_url, is_mirror, is_web_url, FeedFormat, FeedItem, FeedScope,
};
use crate::store::query::{Cursor, StoryPage};
use crate::store::{SourceState, StoryFilter, StoryView};

/// Stories on one page of search results or of a source's page.
pub const PAGE_STORIES: usize = 20;

/// The Content-Security-Policy of every page: no script, no images, no plugins, forms only here.
pub(super) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The one stylesheet (inline; the CSP allows inline style only).
const STYLE: &str = "*{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%}\
body{font-family:system-ui,sans-serif;max-width:60em;margin:0 auto;padding:.5em 1em 2em;line-height:1.6;overflow-wrap:anywhere;word-break:normal}\
h1{font-size:1.5em;line-height:1.3}h2{font-size:1.2em;margin-top:1.6em}\
a{color:#0645ad}small,.meta{color:#555}\
table{border-collapse:collapse;width:100%}\
td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}\
input{font:inherit;max-width:100%}\
input.copy{width:100%;font-family:monospace;font-size:.85em}\
.fmt a{display:inline-block;margin-right:.8em}\
form.search{display:flex;gap:.5em;margin:1em 0}form.search input[type=search]{flex:1 1 auto;min-width:0}\
ol.stories li,ul.stories li{margin:.4em 0}\
.bad{color:#b00}.ok{color:#070}.warn{color:#a60}\
.empty{color:#555;font-style:italic}\
.text p{margin:.8em 0}\
nav.crumbs{margin:.5em 0;font-size:.9em}\
@media (max-width:40em){table.fold,table.fold tbody,table.fold tr,table.fold td,table.fold th{display:block;width:100%}\
table.fold tr{border-bottom:1px solid #ddd;padding:.3em 0}table.fold td,table.fold th{border:0;padding:.1em 0}\
table.fold thead{display:none}}";

/// A whole page: the frame around `body` (already HTML), with `title` escaped.
pub(super) fn frame(title: &str, head_extra: &str, body: &str, base: &url::Url) -> String {
    let home = base.as_str();
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style>{head_extra}</head><body>\n\
<nav class=\"crumbs\"><a href=\"{h}\">首页</a> · <a href=\"{s}\">搜索</a></nav>\n{body}</body></html>\n",
        t = text(title),
        h = attr(home),
        s = attr(&join(base, "search")),
    )
}

/// A page response with the security headers every page carries.
pub(super) fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

/// `base` joined with a relative path (`stories/…`), as a string; the base when the join fails.
pub(super) fn join(base: &url::Url, rel: &str) -> String {
    base.join(rel)
        .map_or_else(|_| base.to_string(), |u| u.to_string())
}

/// The page of a story under `base`.
pub(super) fn story_url(base: &url::Url, id: &StoryId) -> String {
    join(base, &format!("stories/{}", id.to_hex()))
}

/// The page of a source under `base`.
pub(super) fn source_url(base: &url::Url, id: &SourceId) -> String {
    join(base, &format!("sources/{id}"))
}

/// `2024-09-27 11:01` in the page's own offset.
fn when(p: Option<Published>) -> String {
    p.map(|p| {
        p.to_rfc3339()
            .chars()
            .take(16)
            .collect::<String>()
            .replace('T', " ")
    })
    .unwrap_or_default()
}

/// `2024-09-27 11:01` in Beijing time.
fn beijing(ts: jiff::Timestamp) -> String {
    when(Some(Published {
        instant: ts,
        offset: crate::model::beijing(),
    }))
}

/// An external link (http(s) only, else the label as text).
fn ext_link(url: &str, label: &str) -> String {
    if is_web_url(url) {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            attr(url),
            text(label)
        )
    } else {
        text(label).into_owned()
    }
}

/// One line of a story list: the title (to the story page), source, time and how many others carried it.
pub(super) fn story_line(out: &mut String, item: &FeedItem, base: &url::Url) {
    out.push_str("<li>");
    let page = item.story.as_ref().map(|id| story_url(base, id));
    let title = if item.title.is_empty() {
        "(无标题)"
    } else {
        item.title.as_str()
    };
    match &page {
        Some(p) => {
            let _ = write!(out, "<a href=\"{}\">{}</a>", attr(p), text(title));
        }
        None => out.push_str(&text(title)),
    }
    let _ = write!(
        out,
        " <small>{} {}",
        text(item.category.as_deref().unwrap_or_default()),
        text(&when(item.published))
    );
    if !item.also_carried_by.is_empty() {
        let n = item.also_carried_by.len();
        match &page {
            Some(p) => {
                let _ = write!(out, " · <a href=\"{}#copies\">另有 {n} 家转载</a>", attr(p));
            }
            None => {
                let _ = write!(out, " · 另有 {n} 家转载");
            }
        }
    }
    out.push_str("</small></li>\n");
}

/// The search form (`/search?q=`), with `q` filled in.
pub(super) fn search_form(out: &mut String, base: &url::Url, q: &str) {
    let _ = writeln!(
        out,
        "<form class=\"search\" method=\"get\" action=\"{}\" role=\"search\">\
<input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"搜索标题和正文\" aria-label=\"搜索\" maxlength=\"{}\">\
<button type=\"submit\">搜索</button></form>",
        attr(&join(base, "search")),
        attr(q),
        crate::publish::MAX_QUERY_CHARS
    );
}

fn not_found_page(base: &url::Url, what: &str, why: &str) -> Response {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"empty\">{}</p>\n",
        text(what),
        text(why)
    );
    html_response(StatusCode::NOT_FOUND, frame(what, "", &body, base))
}

fn unavailable(base: &url::Url) -> Response {
    html_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        frame(
            "暂时无法读取",
            "",
            "<h1>暂时无法读取</h1><p class=\"bad\">存储暂时无法读取，请稍后再试。</p>",
            base,
        ),
    )
}

fn flag_name(f: Flag) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn flags_of(a: &Article) -> String {
    a.flags
        .iter()
        .map(|f| flag_name(*f))
        .collect::<Vec<_>>()
        .join(" ")
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `/stories/{id}`: the story through its lead copy, then every copy.
fn story_page(state: &AppState, base: &url::Url, view: &StoryView) -> String {
    let cfg = &state.cfg;
    let copies = copies_in_order(view);
    let lead = copies[0];
    let a = &lead.article;
    let mut out = String::with_capacity(16 * 1024);
    let title = if a.title.trim().is_empty() {
        "(无标题)"
    } else {
        a.title.as_str()
    };
    let _ = write!(
        out,
        "<article>\n<h1>{}</h1>\n<p class=\"meta\">",
        text(title)
    );
    let _ = write!(
        out,
        "<time>{}</time>",
        text(&when(a.published).if_empty("发布时间未知"))
    );
    let _ = write!(
        out,
        " · <a href=\"{}\">{}</a>",
        attr(&source_url(base, &lead.source_id)),
        text(&crate::publish::source_name(cfg, &lead.source_id))
    );
    if let Some(credit) = a.source.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = write!(out, " · 来源：{}", text(credit));
    }
    if !a.authors.is_empty() {
        let _ = write!(out, " · 作者：{}", text(&a.authors.join("、")));
    }
    let link = crate::publish::article_link(a);
    let _ = write!(out, " · {}", ext_link(&link, "原文"));
    out.push_str("</p>\n<div class=\"text\">");
    let base_for_text = url::Url::parse(&link)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| url::Url::parse("about:blank").expect("a fixed URL parses"));
    let body = crate::publish::body_html(a);
    if body.is_empty() {
        out.push_str("<p class=\"empty\">这篇报道没有提取到正文（页面正文为空或无法识别）。</p>");
    } else {
        out.push_str(&crate::clean::sanitize_html(&body, &base_for_text));
    }
    out.push_str("</div>\n</article>\n");
    let _ = write!(
        out,
        "<h2 id=\"copies\">同一报道的 {} 个副本</h2>\n<table class=\"fold copies\"><thead><tr><th>网站</th><th>链接</th><th>发布时间</th><th>标记</th></tr></thead><tbody>\n",
        copies.len()
    );
    for (i, c) in copies.iter().enumerate() {
        let url = crate::publish::article_link(&c.article);
        let mut marks = flags_of(&c.article);
        if i == 0 {
            marks = format!("首选副本 {marks}");
        }
        if is_mirror(&c.article) {
            marks = format!("{marks} {}", crate::publish::MIRROR_MARK);
        }
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td><a href=\"{}\">{}</a> <small>{}</small></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if is_mirror(&c.article) { "mirror" } else { "clean" },
            attr(&source_url(base, &c.source_id)),
            text(&crate::publish::source_name(cfg, &c.source_id)),
            text(&host_of(&url)),
            ext_link(&url, &url),
            text(&when(c.article.published)),
            text(marks.trim()),
        );
    }
    out.push_str("</tbody></table>\n");
    frame(title, "", &out, base)
}

trait IfEmpty {
    fn if_empty(self, other: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, other: &str) -> String {
        if self.is_empty() {
            other.to_owned()
        } else {
            self
        }
    }
}

pub(super) async fn story(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&state.cfg, &headers);
    let Some(sid) = (id.len() == 32).then(|| StoryId::from_hex(&id)).flatten() else {
        return not_found_page(&base, "没有这篇报道", "报道编号应为 32 位十六进制数字。");
    };
    let st = state.clone();
    let b = base.clone();
    let res = tokio::task::spawn_blocking(move || {
        st.store
            .story(&sid)
            .map(|v| v.map(|view| story_page(&st, &b, &view)))
    })
    .await;
    match res {
        Ok(Ok(Some(html))) => html_response(StatusCode::OK, html),
        Ok(Ok(None)) => not_found_page(
            &base,
            "没有这篇报道",
            "存储中没有这个编号的报道（编号有误，或报道已不在存储中）。",
        ),
        Ok(Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "reading a story for its page");
            unavailable(&base)
        }
        Err(_) => unavailable(&base),
    }
}

/// The health line and class of a source.
fn health_cell(st: Option<&SourceState>, enabled: bool) -> (&'static str, String) {
    match st {
        None if !enabled => ("warn", "已停用，从未抓取".to_owned()),
        None => ("warn", "尚未抓取 (not crawled yet)".to_owned()),
        Some(st) => {
            let (ok, line) = crate::publish::health_summary(st);
            (if ok { "ok" } else { "bad" }, line)
        }
    }
}

/// A list of stories with a "next page" link, or a message saying why it is empty.
fn story_list(
    out: &mut String,
    state: &AppState,
    base: &url::Url,
    page: &StoryPage,
    next_href: impl Fn(&Cursor) -> String,
    empty: &str,
) {
    if page.stories.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">{}</p>", text(empty));
        return;
    }
    out.push_str("<ol class=\"stories\">\n");
    let views: Vec<StoryView> = page.stories.iter().map(|(v, _)| v.clone()).collect();
    for item in crate::publish::items_from_stories(&views, &state.cfg, base) {
        story_line(out, &item, base);
    }
    out.push_str("</ol>\n");
    if let Some(c) = &page.next {
        let _ = writeln!(
            out,
            "<p><a rel=\"next\" href=\"{}\">更早的报道 →</a></p>",
            attr(&next_href(c))
        );
    }
}

/// Parses `before=` from a page's query; `Err` is the 400 message.
fn page_query(state: &AppState, raw: Option<&str>) -> Result<super::FeedQuery, String> {
    parse_query(raw, PAGE_STORIES, state.cfg.feeds.max_limit).map_err(|e| e.to_string())
}

fn bad_request(base: &url::Url, why: &str) -> Response {
    let body = format!("<h1>请求有误</h1>\n<p class=\"bad\">{}</p>\n", text(why));
    html_response(StatusCode::BAD_REQUEST, frame("请求有误", "", &body, base))
}

/// `/sources/{id}`: what the source is, its health as the store has it, its schedule, its recent stories.
fn source_page(
    state: &AppState,
    base: &url::Url,
    src: &crate::config::SourceConfig,
    before: Option<&Cursor>,
    limit: usize,
) -> Result<String, crate::store::StoreError> {
    let st = crate::publish::source_state(state.store.as_ref(), &src.id);
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p class=\"meta\">{} · {} · {}</p>",
        text(&src.name),
        text(src.id.as_str()),
        text(&format!("{:?}", src.kind).to_lowercase()),
        ext_link(src.url.as_str(), src.url.as_str())
    );
    let (class, line) = health_cell(st.as_ref(), src.enabled);
    out.push_str("<h2>状态 (health)</h2>\n<table class=\"fold\"><tbody>\n");
    let _ = writeln!(
        out,
        "<tr><th>健康</th><td class=\"{class}\">{}</td></tr>",
        text(&line)
    );
    let row = |out: &mut String, k: &str, v: &str| {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", text(k), text(v));
    };
    let every = humantime::format_duration(src.every).to_string();
    row(
        &mut out,
        "计划 (schedule)",
        &if src.enabled {
            format!("每 {every}")
        } else {
            format!("已停用（配置为每 {every}）")
        },
    );
    let ts = |t: Option<jiff::Timestamp>, none: &str| t.map_or_else(|| none.to_owned(), beijing);
    match &st {
        Some(s) => {
            row(&mut out, "下次抓取", &ts(s.next_due, "未排定"));
            row(&mut out, "上次运行", &ts(s.last_run, "从未运行"));
            row(&mut out, "上次成功", &ts(s.last_success, "从未成功"));
            row(
                &mut out,
                "上次错误",
                s.last_error
                    .as_deref()
                    .filter(|e| !e.trim().is_empty())
                    .unwrap_or("没有记录"),
            );
            row(&mut out, "连续失败", &s.consecutive_failures.to_string());
            row(
                &mut out,
                "文章",
                &format!("共 {} 篇，上次新增 {} 篇", s.articles_total, s.last_new),
            );
        }
        None => row(&mut out, "记录", "存储中还没有这个来源的运行记录"),
    }
    out.push_str("</tbody></table>\n<h2>订阅</h2>\n<p class=\"fmt\">");
    for f in FeedFormat::ALL {
        let u = feed_url(base, &FeedScope::Source(src.id.clone()), f.extension());
        let _ = write!(
            out,
            "<a href=\"{}\">{}</a>",
            attr(u.as_str()),
            f.extension().to_uppercase()
        );
    }
    out.push_str("</p>\n<h2>最近的报道</h2>\n");
    let page = state
        .store
        .source_stories_page(&src.id, None, before, limit)?;
    let empty = match &st {
        _ if before.is_some() => "没有更早的报道了。".to_owned(),
        None => "还没有文章：这个来源尚未抓取。".to_owned(),
        Some(s) if s.last_success.is_none() => match s.last_error.as_deref() {
            Some(e) => format!("还没有文章：这个来源从未抓取成功（上次错误：{e}）。"),
            None => "还没有文章：这个来源从未抓取成功。".to_owned(),
        },
        Some(_) => "还没有文章：抓取成功过，但没有找到可保存的文章。".to_owned(),
    };
    let self_url = source_url(base, &src.id);
    story_list(
        &mut out,
        state,
        base,
        &page,
        |c| older_page(&format!("{self_url}?"), limit, c),
        &empty,
    );
    Ok(frame(&src.name, "", &out, base))
}

pub(super) async fn source(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&state.cfg, &headers);
    let Some(src) = SourceId::new(&id)
        .ok()
        .and_then(|id| state.cfg.source(id.as_str()).cloned())
    else {
        return not_found_page(&base, "没有这个来源", "配置中没有这个来源编号。");
    };
    let query = match page_query(&state, raw.as_deref()) {
        Ok(q) => q,
        Err(e) => return bad_request(&base, &e),
    };
    let st = state.clone();
    let b = base.clone();
    match tokio::task::spawn_blocking(move || {
        source_page(&st, &b, &src, query.before.as_ref(), query.limit)
    })
    .await
    {
        Ok(Ok(html)) => html_response(StatusCode::OK, html),
        Ok(Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "reading a source for its page");
            unavailable(&base)
        }
        Err(_) => unavailable(&base),
    }
}

/// `/search?q=`: stories whose title or text contains `q`, newest first, `limit` (default
/// [`PAGE_STORIES`]) a page.
fn search_page(
    state: &AppState,
    base: &url::Url,
    q: Option<&str>,
    before: Option<&Cursor>,
    limit: usize,
) -> Result<String, crate::store::StoreError> {
    let mut out = String::with_capacity(16 * 1024);
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    out.push_str("<h1>搜索</h1>\n");
    search_form(&mut out, base, q.unwrap_or_default());
    let Some(q) = q else {
        out.push_str("<p class=\"empty\">输入关键词，搜索所有报道的标题和正文（英文字母不区分大小写）。</p>\n");
        return Ok(frame("搜索", "", &out, base));
    };
    let filter = StoryFilter {
        sources: None,
        q: Some(q.to_owned()),
    };
    let page = state.store.stories_page(&filter, before, limit)?;
    let _ = writeln!(
        out,
        "<p class=\"meta\">标题或正文包含“{}”的报道，新的在前{}。</p>",
        text(q),
        if before.is_some() { "（续）" } else { "" }
    );
    let empty = if before.is_some() {
        format!("没有更早的包含“{q}”的报道了。")
    } else {
        format!("没有标题或正文包含“{q}”的报道。")
    };
    let search = join(base, "search");
    let q_enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    story_list(
        &mut out,
        state,
        base,
        &page,
        |c| older_page(&format!("{search}?q={q_enc}&"), limit, c),
        &empty,
    );
    let title = format!("搜索：{q}");
    Ok(frame(&title, "", &out, base))
}

pub(super) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&state.cfg, &headers);
    let query = match page_query(&state, raw.as_deref()) {
        Ok(q) => q,
        Err(e) => return bad_request(&base, &e),
    };
    let st = state.clone();
    let b = base.clone();
    match tokio::task::spawn_blocking(move || {
        search_page(
            &st,
            &b,
            query.q.as_deref(),
            query.before.as_ref(),
            query.limit,
        )
    })
    .await
    {
        Ok(Ok(html)) => html_response(StatusCode::OK, html),
        Ok(Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "searching stories");
            unavailable(&base)
        }
        Err(_) => unavailable(&base),
    }
}

/// The link to the next (older) page: `prefix` (a URL ending in `?` or `&`), `limit` when it is not the
/// pages' default, and the cursor.
fn older_page(prefix: &str, limit: usize, cursor: impl std::fmt::Display) -> String {
    if limit == PAGE_STORIES {
        format!("{prefix}before={cursor}")
    } else {
        format!("{prefix}limit={limit}&before={cursor}")
    }
}
