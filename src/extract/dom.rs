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
            Node::Text(t) => {
                if !leaving {
                    push_collapsed(&mut line, t);
                }
            }
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
            Node::Document | Node::Fragment => {
                if depth < MAX_DEPTH {
                    let children: Vec<_> = node.children().collect();
                    for c in children.into_iter().rev() {
                        stack.push((c, depth + 1, false));
                    }
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

/// Whether `node` lies inside (or is) one of the nodes in `set`.
#[must_use]
pub fn inside(node: NodeRef<'_, Node>, set: &HashSet<NodeId>) -> bool {
    if set.is_empty() {
        return false;
    }
    let mut cur = Some(node);
    let mut steps = 0;
    while let Some(n) = cur {
        if set.contains(&n.id()) {
            return true;
        }
        steps += 1;
        if steps > MAX_DEPTH * 4 {
            return false;
        }
        cur = n.parent();
    }
    false
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
