//! DOM helpers shared by the extractors: iterative (stack-based, depth-guarded) text collection that
//! breaks lines at block elements, element classification, and `<meta>` lookup.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

/// Elements deeper than this are not descended into (guards against pathological nesting).
pub const MAX_DEPTH: usize = 400;

/// Tags whose content is never article text.
#[must_use]
pub fn is_skipped_tag(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "svg"
            | "canvas"
            | "object"
            | "embed"
            | "select"
            | "option"
            | "button"
            | "input"
            | "textarea"
            | "head"
            | "title"
            | "meta"
            | "link"
            | "video"
            | "audio"
            | "source"
            | "picture"
            | "map"
            | "math"
    )
}

/// Tags that start a new line of text.
#[must_use]
pub fn is_block_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "dd"
            | "dt"
            | "dl"
            | "figure"
            | "figcaption"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "main"
            | "form"
            | "hr"
            | "br"
            | "center"
            | "address"
            | "caption"
            | "tbody"
            | "thead"
            | "tfoot"
            | "body"
            | "html"
            | "details"
            | "summary"
            | "fieldset"
            | "legend"
    )
}

/// Whether the element is hidden by attribute or inline style.
#[must_use]
pub fn is_hidden(el: &scraper::node::Element) -> bool {
    if el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    el.attr("style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Appends `text` to `line`, collapsing whitespace runs (including NBSP and ideographic spaces) to one space.
pub fn push_collapsed(line: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' {
            if !line.is_empty() && !line.ends_with(' ') {
                line.push(' ');
            }
        } else {
            line.push(c);
        }
    }
}

fn flush(line: &mut String, out: &mut Vec<String>) {
    let t = line.trim();
    if !t.is_empty() {
        out.push(t.to_string());
    }
    line.clear();
}

/// Lines of visible text under `root`: a new line at each block element and `<br>`; skipped tags,
/// hidden elements and nodes for which `skip` is true are left out. Iterative, depth-guarded.
pub fn text_lines<F>(root: NodeRef<'_, Node>, skip: F) -> Vec<String>
where
    F: Fn(NodeRef<'_, Node>) -> bool,
{
    let mut out = Vec::new();
    let mut line = String::new();
    // (node, depth, leaving)
    let mut stack: Vec<(NodeRef<'_, Node>, usize, bool)> = vec![(root, 0, false)];
    while let Some((node, depth, leaving)) = stack.pop() {
        match node.value() {
            Node::Text(t) if !leaving => push_collapsed(&mut line, t),
            Node::Element(el) => {
                let name = el.name();
                let block = is_block_tag(name);
                if leaving {
                    if block {
                        flush(&mut line, &mut out);
                    }
                    continue;
                }
                if is_skipped_tag(name) || is_hidden(el) || (depth > 0 && skip(node)) {
                    if block {
                        flush(&mut line, &mut out);
                    }
                    continue;
                }
                if block {
                    flush(&mut line, &mut out);
                }
                if name == "img" {
                    continue;
                }
                if depth >= MAX_DEPTH {
                    continue;
                }
                stack.push((node, depth, true));
                let children: Vec<_> = node.children().collect();
                for c in children.into_iter().rev() {
                    stack.push((c, depth + 1, false));
                }
            }
            Node::Document | Node::Fragment if depth < MAX_DEPTH => {
                let children: Vec<_> = node.children().collect();
                for c in children.into_iter().rev() {
                    stack.push((c, depth + 1, false));
                }
            }
            _ => {}
        }
    }
    flush(&mut line, &mut out);
    out
}

/// The visible text of `el` on one line (whitespace collapsed).
#[must_use]
pub fn inline_text(el: ElementRef<'_>) -> String {
    text_lines(*el, |_| false).join(" ")
}

/// The first non-empty text of an element matching any selector, in selector order.
#[must_use]
pub fn first_text(doc: &Html, selectors: &[Selector]) -> Option<String> {
    selectors.iter().find_map(|s| {
        doc.select(s)
            .map(inline_text)
            .find(|t| !t.trim().is_empty())
            .map(|t| t.trim().to_string())
    })
}

/// The `content` of `<meta name=…>` or `<meta property=…>` (case-insensitive name), first non-empty.
#[must_use]
pub fn meta_content<'a>(doc: &'a Html, name: &str) -> Option<&'a str> {
    static META: std::sync::LazyLock<Selector> =
        std::sync::LazyLock::new(|| Selector::parse("meta").expect("static selector is valid"));
    doc.select(&META).find_map(|m| {
        let el = m.value();
        let key = el
            .attr("name")
            .or_else(|| el.attr("property"))
            .or_else(|| el.attr("itemprop"))?;
        if key.trim().eq_ignore_ascii_case(name) {
            el.attr("content").map(str::trim).filter(|c| !c.is_empty())
        } else {
            None
        }
    })
}

/// The node ids matched by any of `selectors`.
#[must_use]
pub fn matched_ids(doc: &Html, selectors: &[Selector]) -> HashSet<NodeId> {
    selectors
        .iter()
        .flat_map(|s| doc.select(s).map(|e| e.id()))
        .collect()
}

/// Resolves `href` against `base`, keeping only http(s) results.
#[must_use]
pub fn resolve_http(base: &url::Url, href: &str) -> Option<url::Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let lower = href.to_ascii_lowercase();
    if lower.starts_with("javascript:")
        || lower.starts_with("mailto:")
        || lower.starts_with("data:")
    {
        return None;
    }
    let mut u = base.join(href).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    u.set_fragment(None);
    Some(u)
}

/// Source nesting deeper than this is flattened before parsing: the HTML tree builder scans its stack of
/// open elements for many start tags, so pathological nesting would cost quadratic time.
pub const MAX_SOURCE_DEPTH: usize = 256;

/// Page text above this size (bytes) is cut before parsing; no news page is anywhere near it.
pub const MAX_HTML_BYTES: usize = 16 * 1024 * 1024;

/// Elements that close implicitly (or never nest in practice); they do not count towards depth.
fn is_flat_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "li"
            | "td"
            | "th"
            | "tr"
            | "dt"
            | "dd"
            | "option"
            | "tbody"
            | "thead"
            | "tfoot"
            | "colgroup"
            | "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "param"
            | "html"
            | "head"
            | "body"
    )
}

fn tag_name(bytes: &[u8], mut i: usize) -> (String, usize) {
    let start = i;
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':')
    {
        i += 1;
    }
    (
        String::from_utf8_lossy(&bytes[start..i]).to_ascii_lowercase(),
        i,
    )
}

fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

/// Drops start and end tags nested deeper than `max` (their text is kept), in one linear scan.
/// Returns `None` when the page never nests that deep (the common case: nothing is copied).
fn flatten_deep(html: &str, max: usize) -> Option<String> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut suppressed = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0usize; // bytes of `html` already copied to `out`
    let mut i = 0usize;
    while let Some(lt) = memchr_lt(bytes, i) {
        i = lt + 1;
        if bytes[lt..].starts_with(b"<!--") {
            i = find_from(bytes, lt + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let (name, after) = tag_name(bytes, name_start);
        if name.is_empty() {
            continue;
        }
        let end = find_from(bytes, after, b">").map_or(bytes.len(), |e| e + 1);
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        i = end;
        if !closing
            && matches!(
                name.as_str(),
                "script" | "style" | "textarea" | "title" | "xmp" | "plaintext"
            )
        {
            let close = format!("</{name}");
            i = find_from(bytes, end, close.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if is_flat_tag(&name) || self_closing {
            continue;
        }
        let drop = if closing {
            if suppressed > 0 {
                suppressed -= 1;
                true
            } else {
                depth = depth.saturating_sub(1);
                false
            }
        } else if depth >= max {
            suppressed += 1;
            true
        } else {
            depth += 1;
            false
        };
        if drop {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..lt]);
            copied = end.min(html.len());
        }
    }
    out.map(|mut o| {
        o.push_str(&html[copied..]);
        o
    })
}

fn memchr_lt(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'<')
        .map(|p| p + from)
}

fn cap_len(html: &str) -> &str {
    if html.len() <= MAX_HTML_BYTES {
        return html;
    }
    let mut end = MAX_HTML_BYTES;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    &html[..end]
}

/// `html` with nesting deeper than [`MAX_SOURCE_DEPTH`] flattened (text kept), for the other html5ever user,
/// the sanitiser: without it 50,000 nested `div`s cost it over a minute.
pub(crate) fn flatten_nesting(html: &str) -> std::borrow::Cow<'_, str> {
    match flatten_deep(html, MAX_SOURCE_DEPTH) {
        Some(flat) => std::borrow::Cow::Owned(flat),
        None => std::borrow::Cow::Borrowed(html),
    }
}

/// Parses a document after capping its size and flattening pathological nesting.
#[must_use]
pub fn parse_document(html: &str) -> Html {
    let html = cap_len(html);
    match flatten_deep(html, MAX_SOURCE_DEPTH) {
        Some(flat) => Html::parse_document(&flat),
        None => Html::parse_document(html),
    }
}

/// Parses a fragment with the same guards as [`parse_document`].
#[must_use]
pub fn parse_fragment(html: &str) -> Html {
    let html = cap_len(html);
    match flatten_deep(html, MAX_SOURCE_DEPTH) {
        Some(flat) => Html::parse_fragment(&flat),
        None => Html::parse_fragment(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_flattened_and_text_kept() {
        let html = format!(
            "{}<p>正文</p>{}",
            "<div>".repeat(1000),
            "</div>".repeat(1000)
        );
        let flat = flatten_deep(&html, 10).unwrap();
        assert_eq!(flat.matches("<div>").count(), 10);
        assert_eq!(flat.matches("</div>").count(), 10);
        assert!(flat.contains("<p>正文</p>"));
        assert!(flatten_deep("<div><p>a<p>b</div><script>if (a<b) {}</script>", 10).is_none());
    }

    #[test]
    fn tag_like_bytes_in_odd_places_do_not_panic() {
        for s in [
            "<",
            "</",
            "<!--",
            "<a",
            "<div/",
            "</div",
            "<script>",
            "<\u{4e2d}>",
            "<<>>",
            "<a\u{e9}>",
        ] {
            let _ = flatten_deep(&s.repeat(300), 5);
        }
    }
}
