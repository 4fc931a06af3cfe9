//! The headline: a profile's selectors, else the title texts the page offers compared with `<title>`, and
//! the check for a spam prefix on it.

use std::collections::HashSet;
use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::ElementRef;

use super::super::dom::{Css, DocIndex};
use super::super::{meta, Profile};
use super::sel;

static H1: LazyLock<Css> = LazyLock::new(|| sel("h1"));
static H2: LazyLock<Css> = LazyLock::new(|| sel("h2"));
static HEAD_TITLE: LazyLock<Css> = LazyLock::new(|| sel("head title, title"));

pub(super) fn page_title(doc: &DocIndex<'_>) -> Option<String> {
    doc.select(&HEAD_TITLE)
        .map(|t| {
            let mut line = String::new();
            for piece in t.text() {
                super::super::dom::push_collapsed(&mut line, piece);
            }
            line.trim().to_string()
        })
        .find(|t| !t.is_empty())
}

/// The title as the page wrote it: text of `el` with whitespace collapsed, but an ideographic space
/// between words kept.
fn title_text(el: ElementRef<'_>) -> String {
    let mut raw = String::new();
    for t in el.text() {
        raw.push_str(t);
    }
    crate::clean::normalize_inline(&raw)
}

/// A heading that is not the page's headline: hidden (`hidden`, `aria-hidden`, `display:none`, or a
/// screen-reader-only class such as `sr-only`, `hide-accessible`, `visually-hidden`), or the site's name
/// (`#site-title`, `.blog-title`, `.logo`, or a heading that is only a link to the home page).
fn is_site_or_hidden_heading(h: ElementRef<'_>) -> bool {
    static SITE_OR_HIDDEN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bhidden\b|sr-only|screen-reader|visually-?hidden|hide-?accessible|site-?title|site-?name|blog-?title|blog-?name|\blogo\b|brand")
            .expect("static regex is valid")
    });
    let el = h.value();
    if super::super::dom::is_hidden(el) {
        return true;
    }
    if [el.attr("class"), el.attr("id")]
        .into_iter()
        .flatten()
        .any(|v| SITE_OR_HIDDEN.is_match(v))
    {
        return true;
    }
    // Only a link to the home page (`<h1><a href="/" rel="home">Site</a></h1>`).
    let links: Vec<ElementRef<'_>> = h
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|c| c.value().name() == "a")
        .collect();
    let only_link = links.len() == 1
        && h.children().all(|c| {
            c.value().as_text().is_none_or(|t| t.trim().is_empty())
                || ElementRef::wrap(c).is_some_and(|e| e.value().name() == "a")
        });
    let is_home = |href: &str| {
        let h = href.trim();
        if h == "/" || h == "./" {
            return true;
        }
        h.strip_prefix("https://")
            .or_else(|| h.strip_prefix("http://"))
            .or_else(|| h.strip_prefix("//"))
            .is_some_and(|r| {
                let r = r.trim_end_matches('/');
                !r.is_empty() && !r.contains('/')
            })
    };
    only_link
        && (links[0].value().attr("rel") == Some("home")
            || links[0].value().attr("href").is_some_and(is_home))
}

/// Whether a title text is long enough to be a headline rather than a column, section or site name:
/// at least six Han characters, or two words, or one long word (`Essen-Westviertel`).
fn headline_like(t: &str) -> bool {
    let han = t
        .chars()
        .filter(|c| matches!(*c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF))
        .count();
    han >= 6 || (han == 0 && (t.split_whitespace().count() >= 2 || t.chars().count() >= 12))
}

/// Whitespace-free form for comparing titles.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The chosen title, where it came from, and the other title texts the page offers.
pub(super) struct PickedTitle {
    pub(super) text: Option<String>,
    /// The profile had title selectors and none matched.
    pub(super) fallback: bool,
    /// h1s, og:title and CMS meta titles (for the spam-prefix check).
    pub(super) others: Vec<String>,
}

/// The headline. A profile's selectors first. Otherwise the title texts the page offers (`<h1>`, `og:title`,
/// CMS meta titles such as `ArticleTitle`, then `<h2>`) are compared with `<title>`: the one `<title>`
/// contains, with whatever site prefix or suffix `<title>` adds around it left out. With no agreement: the
/// first `<h1>`, else a meta title, else `<title>` cut at its site separator — each only when it is long
/// enough to be a headline ([`headline_like`]), then the same order without that condition.
pub(super) fn pick_title(
    doc: &DocIndex<'_>,
    profile: Option<&Profile>,
    exclude: &HashSet<NodeId>,
) -> PickedTitle {
    let head = page_title(doc).unwrap_or_default();
    let h1s: Vec<String> = doc
        .select(&H1)
        .filter(|h| !exclude.contains(&h.id()) && !is_site_or_hidden_heading(*h))
        .map(title_text)
        .filter(|t| t.chars().count() >= 2)
        .collect();
    let mut metas: Vec<String> = Vec::new();
    let profile_meta = profile
        .map(|p| p.fields.meta_title.clone())
        .unwrap_or_default();
    for key in profile_meta.iter().map(String::as_str).chain([
        "og:title",
        "twitter:title",
        "ArticleTitle",
        "title",
        "headline",
    ]) {
        if let Some(v) = doc.meta(key) {
            let v = crate::clean::normalize_inline(v);
            if v.chars().count() >= 2 && !metas.contains(&v) {
                metas.push(v);
            }
        }
    }
    let mut others: Vec<String> = h1s.clone();
    others.extend(metas.iter().cloned());

    if let Some(p) = profile {
        let from_profile = p
            .fields
            .title
            .iter()
            .find_map(|s| doc.select(s).map(title_text).find(|t| !t.is_empty()));
        let mut t = from_profile.or_else(|| {
            p.fields
                .meta_title
                .iter()
                .find_map(|m| doc.meta(m))
                .map(crate::clean::normalize_inline)
        });
        if let (Some(t), Some(sep)) = (t.as_mut(), p.title_separator.as_deref()) {
            // A title taken from <title> still carries the site suffix.
            if t.contains(sep) && head.trim() == t.trim() {
                *t = t.split(sep).next().unwrap_or(t).trim().to_string();
            }
        }
        if t.is_some() {
            return PickedTitle {
                text: t,
                fallback: false,
                others,
            };
        }
    }
    let fallback = profile.is_some_and(|p| !p.fields.title.is_empty());
    let head_sq = squash(&head);
    let h2s: Vec<String> = doc
        .select(&H2)
        .filter(|h| !exclude.contains(&h.id()))
        .take(6)
        .map(title_text)
        .filter(|t| t.chars().count() >= 4)
        .collect();
    // Candidates that <title> holds: the page's own headline, without the site's additions. The site's
    // name (a logo `<h1>` on many blogs) is held too, so the longest one that is not the site name wins.
    let site: Vec<String> = ["og:site_name", "application-name"]
        .iter()
        .filter_map(|k| doc.meta(k))
        .map(squash)
        .collect();
    // A candidate equal to the whole <title> (a meta title that copies it) only counts when nothing
    // shorter agrees.
    let mut agreed: Option<&String> = None;
    let mut whole: Option<&String> = None;
    for c in h1s.iter().chain(metas.iter()).chain(h2s.iter()) {
        let sq = squash(c);
        if sq.chars().count() < 2 || !head_sq.contains(&sq) || site.contains(&sq) {
            continue;
        }
        if sq == head_sq {
            whole = whole.or(Some(c));
        } else if agreed.is_none_or(|a| c.chars().count() > a.chars().count()) {
            agreed = Some(c);
        }
    }
    let agreed = agreed.or(whole).cloned();
    let text = agreed
        .or_else(|| {
            // A meta title that <title> starts with (site suffix) or ends with (site prefix).
            metas
                .iter()
                .find(|m| {
                    let m = squash(m);
                    m.chars().count() >= 4 && (head_sq.starts_with(&m) || head_sq.ends_with(&m))
                })
                .cloned()
        })
        .or_else(|| h1s.first().filter(|h| headline_like(h)).cloned())
        .or_else(|| metas.iter().find(|m| headline_like(m)).cloned())
        .or_else(|| {
            // A short `<h1>` that `<title>` does not hold is a column or section name (`工会动态`,
            // `News`) more often than the headline: the `<title>` without its site part comes first.
            let t = meta::title_from_head(&head);
            headline_like(&t).then_some(t)
        })
        .or_else(|| h1s.first().cloned())
        .or_else(|| metas.first().cloned())
        .or_else(|| {
            let t = meta::title_from_head(&head);
            (!t.is_empty()).then_some(t)
        });
    PickedTitle {
        text,
        fallback,
        others,
    }
}

/// Words a legitimate bracketed title tag uses (`【独家】`, `[视频]`).
const TITLE_TAGS: [&str; 24] = [
    "独家",
    "专题",
    "视频",
    "图解",
    "快讯",
    "评论",
    "原创",
    "聚焦",
    "关注",
    "组图",
    "图文",
    "直播",
    "专访",
    "深度",
    "时评",
    "社论",
    "转载",
    "热点",
    "特稿",
    "头条",
    "要闻",
    "权威发布",
    "工会",
    "新闻",
];
/// Words of a commercial spam prefix.
static SPAM_PREFIX_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)化妆品|官网|官方网站|公司|商城|代理|加盟|品牌|招商|厂家|批发|彩票|娱乐|棋牌|博彩|平台|网站|医院|整形|减肥|美容|珠宝|游戏|贷款|装修|培训|app|\.com|\.cn|www")
        .expect("static regex is valid")
});

/// A bracketed spam prefix on a title (`[某某化妆品]江苏工会…`): the title without it, when the bracket is
/// not a newsroom tag and either reads as an advertisement or is missing from the page's other titles.
pub(super) fn spam_title_prefix(title: &str, others: &[String]) -> Option<String> {
    let t = title.trim();
    let (open, close) = match t.chars().next()? {
        '[' => ('[', ']'),
        '【' => ('【', '】'),
        '［' => ('［', '］'),
        _ => return None,
    };
    let end = t.find(close)?;
    let inner = t[open.len_utf8()..end].trim();
    let rest = t[end + close.len_utf8()..].trim();
    let n = inner.chars().count();
    if !(2..=20).contains(&n)
        || rest.chars().count() < 4
        || TITLE_TAGS.iter().any(|w| inner.contains(w))
    {
        return None;
    }
    let rest_sq = squash(rest);
    let others_lack_it = others
        .iter()
        .any(|o| squash(o) == rest_sq || (squash(o).contains(&rest_sq) && !o.contains(inner)));
    (SPAM_PREFIX_WORD.is_match(inner) || others_lack_it).then(|| rest.to_string())
}
