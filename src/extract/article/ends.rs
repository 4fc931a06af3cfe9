//! The body's lines made paragraphs: header, byline, editor and boilerplate lines left out, and page
//! furniture trimmed from both ends.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::super::{byline, date, generic, meta};
use super::Layout;

static BOILERPLATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:分享让更多人看到|【纠错】|【打印】|【关闭】|【返回顶部】|人\s*民\s*网\s*版\s*权\s*所\s*有.*|扫一扫.*|分享到[:：]?.*|责任编辑[:：]?\s*|推荐阅读|相关新闻|上一篇.*|下一篇.*|打印本页|关闭窗口|【字号.*|字号[:：].*|\?)$")
        .expect("static regex is valid")
});

/// The paragraphs of the body `layout.lines`, and whether a spam block was dropped. With a `generic_body`,
/// lines that repeat the title, the header block or the breadcrumb above the title are dropped too.
pub(super) fn body_paragraphs(
    layout: &Layout<'_>,
    title: &str,
    generic_body: bool,
) -> (Vec<String>, bool) {
    let Layout {
        lines,
        page_lines,
        title_idx,
        opening,
        header,
        ..
    } = layout;
    let title_idx = *title_idx;
    // Body cleanup.
    let header_set: HashSet<&str> = header.iter().map(String::as_str).collect();
    let mut spam_removed = false;
    let mut paragraphs = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim();
        if l.is_empty()
            || BOILERPLATE_LINE.is_match(l)
            || meta::is_editor_line(l)
            || meta::epaper_line(l).is_some_and(|_| l.chars().count() < 40)
        {
            continue;
        }
        if generic_body {
            if l == title
                || (header_set.contains(l) && l.chars().count() < 80 && !opening.contains(l))
            {
                continue;
            }
            if title_idx.is_some()
                && i < 6
                && page_lines
                    .iter()
                    .take(title_idx.unwrap_or(0))
                    .any(|p| p == l)
                && l.chars().count() < 60
            {
                continue; // breadcrumb or kicker above the title
            }
        }
        if byline::is_byline(l) {
            continue;
        }
        if crate::clean::is_spam_block(l) {
            spam_removed = true;
            continue;
        }
        let l = meta::strip_trailing_editor(l).unwrap_or_else(|| l.to_string());
        paragraphs.push(l);
    }
    trim_ends(&mut paragraphs, title);
    (paragraphs, spam_removed)
}

/// A line of metadata rather than prose: a dateline, or labels such as 来源, 作者, 发布时间, 编辑, 浏览 with no
/// sentence in it.
pub(super) fn is_meta_line(line: &str) -> bool {
    static LABELS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"来\s*源|稿源|作\s*者|发布时间|发布日期|发表时间|时间[:：]|日期[:：]|编辑[:：]|浏览|点击|阅读[:：数量]|字号")
            .expect("static regex is valid")
    });
    let l = line.trim();
    let n = l.chars().count();
    n < 120
        && !l.contains('。')
        && (date::is_dateline(l)
            || LABELS.find_iter(l).count() >= 2
            || (LABELS.is_match(l) && meta::first_date(l).is_some()))
}

/// A short line that opens an article as a sentence (a quote, a bold lead-in), not as page furniture.
pub(super) fn is_opening_sentence(line: &str) -> bool {
    let l = line.trim();
    let n = l.chars().count();
    (4..20).contains(&n)
        && l.chars().any(generic::is_han)
        && !date::is_dateline(l)
        && meta::parse_source(l).is_none()
        && !byline::is_byline(l)
        && !meta::is_editor_line(l)
        && !is_end_noise(l)
        && (l.ends_with(['。', '！', '？', '”', '」', '…', '!', '?'])
            || l.starts_with(['“', '「', '"'])
            || (l.contains('，') && n >= 8))
}

/// Page furniture that leaks into the first or last lines of a body: editor credits, QR and 公众号
/// prompts, pagers, share/like/gallery widgets, 原标题/出品/策划 credit blocks, 【纠错】-style links,
/// view counters, "related" headings, datelines, the site's footer (copyright, registration, contact).
fn is_end_noise(line: &str) -> bool {
    let l = line.trim();
    if l.is_empty()
        || meta::is_editor_line(l)
        || END_NOISE.is_match(l)
        || generic::is_site_footer_line(l)
    {
        return true;
    }
    let n = l.chars().count();
    if n <= 40 && (l.contains("下一页") || l.contains("上一页") || l.contains("尾页")) {
        let mut stripped = l.to_string();
        for w in ["下一页", "上一页", "首页", "尾页", "末页", "共", "页", "第"] {
            stripped = stripped.replace(w, "");
        }
        let rest: String = stripped
            .chars()
            .filter(|c| {
                !c.is_ascii_digit() && !c.is_whitespace() && !"[]【】<>«»‹›:：|".contains(*c)
            })
            .collect();
        return rest.is_empty();
    }
    false
}

static END_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?x)^(?:
        [+＋]\s*1
      | (?:图集|组图|点赞|赞|收藏|分享|打印|关闭|返回|返回顶部|顶部|举报|纠错|评论|复制链接|\s|\||｜)+
      | (?:【[^】]{1,8}】\s*)+
      | (?:\[[^\]]{1,8}\]\s*)+
      | .{0,20}(?:扫码|扫一扫|长按|识别二维码|扫描二维码|微信扫描).{0,40}
      | .{0,20}关注.{0,12}(?:公众号|微信号|客户端|视频号|抖音号).{0,40}
      | (?:原标题|出品|策划|监制|统筹|制作|设计|校对|审核|终审|编审|视频|海报|图片来源|题图|封面图)\s*[:：].{0,80}
      | .{0,8}(?:阅读|浏览|点击)(?:量|数|次数)?\s*[:：]?\s*\d+.{0,10}
      | (?:相关(?:新闻|阅读|链接|文章|报道)|推荐阅读|延伸阅读|热点推荐|猜你喜欢|往期回顾)\s*[:：]?
      | (?:本文|文章|稿件|信息)?来源\s*[:：].{0,30}
      | (?:本文)?转(?:载)?自.{0,30}
      | (?:声明|免责声明|版权声明)\s*[:：].{0,200}
      | 点击(?:进入|查看|阅读).{0,40}
      | (?:\s*[【\[（(]?\s*(?:编辑|责编|责任编辑|审核|校对|终审|编审|初审|复审|统筹|策划|监制|制作|设计|出品|作者|记者|摄影|视频|文字|图片|海报|来源|翻译|排版)\s*[:：丨︱|｜/]\s*[^:：。]{1,24}?\s*[】\]）)]?\s*[|｜丨;；,，]?\s*){1,6}
    )$")
    .expect("static regex is valid")
});

/// Drops page furniture from both ends of a body (see [`is_end_noise`]), and a dateline that opens it.
fn trim_ends(paragraphs: &mut Vec<String>, title: &str) {
    while paragraphs
        .first()
        .is_some_and(|p| is_end_noise(p) || is_meta_line(p) || p == title)
    {
        paragraphs.remove(0);
    }
    while paragraphs.last().is_some_and(|p| {
        is_end_noise(p)
            || (p.chars().count() <= 40 && date::is_dateline(p))
            || (p.chars().count() <= 60
                && !p.contains('。')
                && date::is_labelled_after_line(p)
                && meta::first_date(p).is_some())
    }) {
        paragraphs.pop();
    }
}
