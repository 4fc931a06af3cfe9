//! Bylines as validated candidates: who wrote an article, found in the places Chinese pages put it
//! (the meta line under the title, the lead `本报讯（记者 叶婉）`, a closing `（记者 胡晓蓉）`, a labelled
//! `作者：…` / `采写：…` line, a `[ 黄宇 ]` line, an outlet-prefixed `中青报·中青网记者 魏其濛` line), and
//! the test every candidate must pass before it is published: it looks like a person's name, and it is
//! not the site, the outlet, the column, a place, or an interface word. No author beats a wrong one.

use std::sync::LazyLock;

use regex::Regex;

pub use super::names::NotPersons;
use super::names::{split_names, validated_names, NEXT_LABEL, ROLE_WORDS};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in byline regex is valid")
}
/// Role words that label a byline (the person follows).
const ROLE: &str = r"(?:本报|本刊|本台|本网|本站)?(?:特约|见习|实习|特派|首席|主任|驻[\p{Han}]{1,4})?(?:记者|通讯员|实习生|摄影记者|摄影|摄像|撰稿|撰文|采写|作者)";

static LEAD_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[^。！？!?（(]{0,40}?(?:讯|电|报道)\s*[（(](?P<inner>[^）)]{2,60})[）)]")
});
static LEAD_GLUED: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:据)?(?P<role>{ROLE})\s*(?P<names>[\p{{Han}}·、\s]{{2,24}}?)\s*(?P<end>发自|报道|[（(]|$|[，,：:]|\d)"
    ))
});
static CLOSING_PAREN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[（(\[【]\s*(?P<inner>[^）)\]】]{2,40}?)\s*[）)\]】]$"));
static TRAILING_PAREN: LazyLock<Regex> =
    LazyLock::new(|| re(r"[。！？!?”」][（(]\s*(?P<inner>[^）)]{2,40}?)\s*[）)]$"));
static ROLE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<outlet>[\p{{Han}}A-Za-z·]{{0,14}}?)(?P<role>{ROLE})\s*[:：]?\s*(?P<names>[^，。！？,!?：:]{{2,40}})$"
    ))
});
static LABEL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:作\s*者|采\s*写|撰\s*文|撰\s*稿|文\s*字|记\s*者|文\s*/\s*图|图\s*/\s*文|文|By|by|BY)\s*[:：/／|｜丨︱]\s*(?P<names>.{2,60})$",
    )
});
static LABEL_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:作\s*者|采\s*写|撰\s*文|撰\s*稿|记\s*者)\s*[:：]\s*(?P<names>[^|｜:：()（）\[\]【】]{2,40})",
    )
});
static ENGLISH_BY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:By|BY|by)\s+(?P<names>\p{Lu}[\p{L}'’.-]+(?:\s+\p{Lu}[\p{L}'’.-]+){0,3}(?:\s*(?:,|and|&)\s*\p{Lu}[\p{L}'’.-]+(?:\s+\p{Lu}[\p{L}'’.-]+){0,3})*)\s*$",
    )
});
/// Where a byline span ends: the next label, a date, a separator.
static SPAN_END: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:来\s*源|稿源|出处|责任编辑|责编|编辑|发布|时间|日期|浏览|点击|阅读|字号|更新|【|\[|[|｜]|\d{4}\s*[-年/.]|[:：]|[（(])",
    )
});
/// Role words in a span (split points between groups of names).
static ROLE_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| re(ROLE));

fn cut_span(span: &str) -> &str {
    let end = SPAN_END.find(span).map_or(span.len(), |m| m.start());
    span.get(..end).unwrap_or(span).trim()
}

/// Names inside a parenthesised credit: `记者 叶婉`, `记者张三 李四 通讯员 王五`, `文/图 张三`, `张巨峰`.
fn names_in_credit(inner: &str, not: &NotPersons) -> Vec<String> {
    let inner = inner.trim();
    let has_role = ROLE_ANYWHERE.is_match(inner)
        || inner.starts_with("文/")
        || inner.starts_with("文／")
        || inner.starts_with("图/")
        || inner.starts_with("文|");
    // Several roles: split before each.
    let mut parts = Vec::new();
    let mut last = 0;
    for m in ROLE_ANYWHERE.find_iter(inner) {
        if m.start() > last {
            parts.push(&inner[last..m.start()]);
        }
        last = m.start();
    }
    parts.push(&inner[last..]);
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim_matches(|c: char| c.is_whitespace() || "，,、".contains(c));
        if p.is_empty() {
            continue;
        }
        let names = validated_names(cut_span_keep_colon(p), has_role, not);
        if names.is_empty() {
            return Vec::new();
        }
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// Like [`cut_span`], but a role's own colon (`记者：张三`) does not end the span.
fn cut_span_keep_colon(span: &str) -> &str {
    let start = ROLE_ANYWHERE
        .find(span)
        .filter(|m| m.start() == 0)
        .map_or(0, |m| m.end());
    let rest = &span[start..];
    let rest_trim = rest.trim_start_matches(|c: char| c.is_whitespace() || "：:/／|".contains(c));
    let skip = rest.len() - rest_trim.len();
    let end = SPAN_END
        .find(rest_trim)
        .map_or(rest_trim.len(), |m| m.start());
    span.get(..start + skip + end).unwrap_or(span).trim()
}

/// Authors credited in an article's first paragraph: `本报讯（记者 叶婉）…`, `据新华社拉萨电（记者 格桑边觉）…`,
/// `新华社北京9月27日电（记者张三、李四）…`, `本报记者罗科苏盈发自北京…`, `本报实习生 王五 …`.
#[must_use]
pub(crate) fn from_lead(paragraph: &str, not: &NotPersons) -> Vec<String> {
    let p = paragraph.trim();
    if let Some(c) = LEAD_PAREN.captures(p) {
        let inner = c.name("inner").map_or("", |m| m.as_str());
        if ROLE_ANYWHERE.is_match(inner) {
            return names_in_credit(inner, not);
        }
        return Vec::new();
    }
    if let Some(c) = LEAD_GLUED.captures(p) {
        let names = c.name("names").map_or("", |m| m.as_str()).trim();
        let end = c.name("end").map_or("", |m| m.as_str());
        // `本报记者 赵六 近日，…`: the last word before a comma opens the sentence.
        let names = match names.rfind(char::is_whitespace) {
            Some(cut) if matches!(end, "，" | "," | "：" | ":") => &names[..cut],
            _ => names,
        };
        return validated_names(names, true, not);
    }
    Vec::new()
}

/// Authors credited by a line of their own, before or after the body: `（记者 胡晓蓉）`, `（张巨峰）`,
/// `(文/图 张三)`, `[ 黄宇 ]`, `中青报·中青网记者 魏其濛`, `本报记者 王磊 李卓尔`, `作者：赵 培 ：北京物资学院`,
/// `采写：…`, `文/张三`, `By Jane Doe`.
#[must_use]
pub(crate) fn from_line(line: &str, not: &NotPersons) -> Vec<String> {
    let l = line.trim();
    let n = l.chars().count();
    if !(2..=60).contains(&n) || l.contains(['。', '！', '？']) {
        return Vec::new();
    }
    if let Some(c) = CLOSING_PAREN.captures(l) {
        return names_in_credit(c.name("inner").map_or("", |m| m.as_str()), not);
    }
    if let Some(c) = LABEL_LINE.captures(l) {
        let names = c.name("names").map_or("", |m| m.as_str());
        return validated_names(cut_span(names), true, not);
    }
    if let Some(c) = ENGLISH_BY.captures(english_head(l)) {
        let names = c.name("names").map_or("", |m| m.as_str());
        let names = names.replace(" and ", ",").replace('&', ",");
        return validated_names(&names, true, not);
    }
    if let Some(c) = ROLE_LINE.captures(l) {
        let outlet = c.name("outlet").map_or("", |m| m.as_str());
        // An outlet prefix is short and names an outlet (`中青报·中青网`), not a sentence.
        if outlet.chars().count() <= 14 {
            let from = c.name("role").map_or(0, |m| m.start());
            return names_in_credit(&l[from..], not);
        }
    }
    Vec::new()
}

/// An English byline without what follows the names (`By Jane Doe | Nov 19, 2019`, `By Jane Doe on …`).
fn english_head(line: &str) -> &str {
    static TAIL: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?:\s*[|•·—–]\s*|\s+-\s+|\s+on\s+|\s*,?\s*(?:Updated|Published|Posted)|\s*,?\s*\d)")
    });
    if !(line.starts_with("By ") || line.starts_with("by ") || line.starts_with("BY ")) {
        return line;
    }
    TAIL.find(line).map_or(line, |m| &line[..m.start()])
}

/// Authors credited inside a longer line, after a label: `2024-09-27 来源：工人日报 作者：本报记者 张三`.
#[must_use]
pub(crate) fn from_labelled(text: &str, not: &NotPersons) -> Vec<String> {
    for c in LABEL_INLINE.captures_iter(text) {
        let names = c.name("names").map_or("", |m| m.as_str());
        let found = validated_names(cut_span(names), true, not);
        if !found.is_empty() {
            return found;
        }
    }
    // `记者 张三` after other metadata on the same line.
    if let Some(m) = ROLE_ANYWHERE.find(text) {
        let span = &text[m.start()..];
        let found = names_in_credit(cut_span_keep_colon(span), not);
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// A credit in parentheses glued to the end of the last paragraph: `…正式开通。（记者 胡晓蓉）`.
#[must_use]
pub(crate) fn from_paragraph_end(paragraph: &str, not: &NotPersons) -> Vec<String> {
    TRAILING_PAREN
        .captures(paragraph.trim())
        .map(|c| names_in_credit(c.name("inner").map_or("", |m| m.as_str()), not))
        .unwrap_or_default()
}

/// Whether the line is only a byline (so it stays out of the body): a role-labelled or parenthesised credit
/// whose names all validate.
#[must_use]
pub(crate) fn is_byline_line(line: &str, not: &NotPersons) -> bool {
    let l = line.trim();
    if l.chars().count() > 40 {
        return false;
    }
    let labelled = CLOSING_PAREN.is_match(l)
        || LABEL_LINE.is_match(l)
        || ROLE_LINE.is_match(l)
        || ENGLISH_BY.is_match(english_head(l));
    labelled && !from_line(l, not).is_empty()
}

/// A header line that is only a short list of names (`黄洪涛`, `王磊 李卓尔`).
#[must_use]
pub(crate) fn bare_names(line: &str, not: &NotPersons) -> Vec<String> {
    let l = line.trim();
    let n = l.chars().count();
    let shape = (2..=24).contains(&n)
        && l.chars().all(|c| {
            super::generic::is_han(c) || c == ' ' || c == '、' || c == '·' || c == '\u{3000}'
        });
    if !shape {
        return Vec::new();
    }
    validated_names(l, false, not)
}

static AUTHOR_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:作者|记者|撰文|文\s*/|通讯员)\s*[:：/]?\s*(?P<a>[^|｜:：()（）]{2,60})")
});

/// Authors named in a byline: `本报记者  王  磊  李卓尔`, `作者：本报记者 张三`, `黄洪涛`. Every name is
/// validated as a person's (see [`super::names::is_person_name`]); a purely numeric value (people.cn's staff
/// id in `meta author`) yields nothing.
#[must_use]
pub fn parse_authors(text: &str) -> Vec<String> {
    parse_authors_not(text, &NotPersons::default())
}

/// [`parse_authors`], also refusing the page's own site and outlet names.
#[must_use]
pub(crate) fn parse_authors_not(text: &str, not: &NotPersons) -> Vec<String> {
    let text = text.trim();
    if text.is_empty()
        || text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace())
    {
        return Vec::new();
    }
    let found = from_line(text, not);
    if !found.is_empty() {
        return found;
    }
    // A labelled byline inside a longer info line: take the span after the label, up to the next label.
    if let Some(c) = AUTHOR_LABEL.captures(text) {
        if let Some(m) = c.name("a") {
            let span = &text[m.start()..];
            let end = NEXT_LABEL.find(span).map_or(span.len(), |n| n.start());
            let names = validated_names(span.get(..end).unwrap_or(span), true, not);
            if !names.is_empty() {
                return names;
            }
        }
    }
    let found = from_labelled(text, not);
    if !found.is_empty() {
        return found;
    }
    let end = NEXT_LABEL.find(text).map_or(text.len(), |n| n.start());
    validated_names(text.get(..end).unwrap_or(text), true, not)
}

/// Whether a line is only a byline (`本报记者 赵六`, `通讯员 李卓尔`, `（记者 胡晓蓉）`), so it can be kept
/// out of the body.
#[must_use]
pub(crate) fn is_byline(line: &str) -> bool {
    let l = line.trim();
    let labelled_role = l.chars().count() <= 30
        && !l.contains(['，', '。', ',', '；'])
        && ROLE_WORDS
            .find(l)
            .is_some_and(|m| m.as_str().trim().chars().count() >= 2)
        && !split_names(l).is_empty();
    labelled_role || is_byline_line(l, &NotPersons::default())
}

/// Whether a `meta author` value is a placeholder rather than a name (all digits, an e-mail, too short or long).
#[must_use]
pub(crate) fn is_bogus_author(value: &str) -> bool {
    let v = value.trim();
    let n = v.chars().count();
    !(2..=30).contains(&n) || v.chars().all(|c| c.is_ascii_digit()) || v.contains('@')
}

/// Authors named in a JSON-LD block: the `author` of an article-like object (`Article`, `NewsArticle`,
/// `BlogPosting`, `Report`, `WebPage`…), as a string, a `Person` object, a list of them, or an `@id` that names
/// a `Person` elsewhere in the same `@graph`. Organisations are never authors; every name is validated.
#[must_use]
pub(crate) fn from_json_ld(script_text: &str, not: &NotPersons) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(script_text.trim()) else {
        return Vec::new();
    };
    // Every object of the block, breadth-first (top level, lists, `@graph`), bounded.
    let mut objects: Vec<&serde_json::Value> = Vec::new();
    let mut queue: std::collections::VecDeque<&serde_json::Value> =
        std::iter::once(&value).collect();
    while let Some(v) = queue.pop_front() {
        if objects.len() >= 256 {
            break;
        }
        match v {
            serde_json::Value::Array(items) => queue.extend(items.iter()),
            serde_json::Value::Object(map) => {
                objects.push(v);
                if let Some(g) = map.get("@graph") {
                    queue.push_back(g);
                }
            }
            _ => {}
        }
    }
    let type_is = |v: &serde_json::Value, pred: &dyn Fn(&str) -> bool| match v.get("@type") {
        Some(serde_json::Value::String(t)) => pred(t),
        Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).any(pred),
        _ => false,
    };
    let is_person = |v: &serde_json::Value| type_is(v, &|t| t == "Person");
    let by_id = |id: &str| {
        objects
            .iter()
            .find(|o| o.get("@id").and_then(|i| i.as_str()) == Some(id))
            .copied()
    };
    let article_like = |t: &str| {
        t.ends_with("Article")
            || matches!(
                t,
                "BlogPosting" | "Report" | "WebPage" | "ItemPage" | "Blog" | "Recipe" | "Review"
            )
    };
    let mut out: Vec<String> = Vec::new();
    for obj in objects.iter().filter(|o| type_is(o, &article_like)) {
        let Some(author) = obj.get("author") else {
            continue;
        };
        let list: Vec<&serde_json::Value> = match author {
            serde_json::Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let mut names = Vec::new();
        for a in list {
            let name = match a {
                serde_json::Value::String(s) => Some(s.as_str()),
                serde_json::Value::Object(_) => {
                    let target = match (a.get("name"), a.get("@id").and_then(|i| i.as_str())) {
                        (None, Some(id)) => by_id(id).unwrap_or(a),
                        _ => a,
                    };
                    // An untyped author object is taken for a person; an organisation is not.
                    let typed = target.get("@type").is_some();
                    if typed && !is_person(target) {
                        None
                    } else {
                        target.get("name").and_then(|n| n.as_str())
                    }
                }
                _ => None,
            };
            if let Some(n) = name {
                let n = crate::clean::normalize_inline(n);
                if is_person_name_or_list(&n, not) {
                    for x in split_names(&n) {
                        if !names.contains(&x) {
                            names.push(x);
                        }
                    }
                }
            }
        }
        if !names.is_empty() {
            out = names;
            break;
        }
    }
    out
}

/// Whether `text` is one person's name, or a short list of them, every one validated.
fn is_person_name_or_list(text: &str, not: &NotPersons) -> bool {
    let names = split_names(text);
    !names.is_empty()
        && names.len() <= 8
        && names.iter().all(|n| super::names::is_person_name(n, not))
}

#[cfg(test)]
mod tests;
