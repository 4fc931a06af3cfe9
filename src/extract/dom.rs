//! DOM helpers shared by the extractors: iterative (stack-based, depth-guarded) text collection that
//! breaks lines at block elements, element classification, and `<meta>` lookup.

use std::collections::{HashMap, HashSet};

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

/// Elements deeper than this are not descended into (guards against pathological nesting).
pub(crate) const MAX_DEPTH: usize = 400;

/// Tags whose content is never article text. `rt`/`rp` are ruby annotations (pinyin, zhuyin or kana
/// readings over the characters, and the parentheses shown where ruby is unsupported): kept, they would be
/// glued into the line and double every annotated word.
#[must_use]
pub(crate) fn is_skipped_tag(name: &str) -> bool {
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
            | "rt"
            | "rp"
    )
}

/// Tags that start a new line of text.
#[must_use]
pub(crate) fn is_block_tag(name: &str) -> bool {
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
    // One pass over the attributes by name: `Element::attr` interns its argument on every call.
    for (name, value) in el.attrs() {
        match name {
            "hidden" => return true,
            "aria-hidden" if value == "true" => return true,
            "style" if style_hides(value) => return true,
            _ => {}
        }
    }
    false
}

/// Whether an inline style, with whitespace removed and ASCII lower-cased, says `display:none` or
/// `visibility:hidden` (checked in place, without building the squashed copy).
fn style_hides(style: &str) -> bool {
    style.char_indices().any(|(i, c)| {
        (c.eq_ignore_ascii_case(&'d') && squashed_starts_with(&style[i..], b"display:none"))
            || (c.eq_ignore_ascii_case(&'v')
                && squashed_starts_with(&style[i..], b"visibility:hidden"))
    })
}

/// Whether `text`, whitespace skipped and ASCII lower-cased, starts with the ASCII `needle`.
fn squashed_starts_with(text: &str, needle: &[u8]) -> bool {
    let mut want = needle.iter();
    let mut next = want.next();
    for c in text.chars() {
        let Some(&w) = next else { return true };
        if c.is_whitespace() {
            continue;
        }
        if !c.is_ascii() || c.to_ascii_lowercase() as u8 != w {
            return false;
        }
        next = want.next();
    }
    next.is_none()
}

/// Whether the UTF-8 text starting at `i` begins with a whitespace character; returns its length.
#[inline]
fn whitespace_at(bytes: &[u8], text: &str, i: usize) -> Option<usize> {
    let b = bytes[i];
    if b < 0x80 {
        return matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C).then_some(1);
    }
    // Non-ASCII whitespace (U+0085, U+00A0, U+1680, U+2000–U+205F, U+3000) starts with one of these bytes.
    if !matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
        return None;
    }
    let c = text.get(i..)?.chars().next()?;
    c.is_whitespace().then(|| c.len_utf8())
}

/// Appends `text` to `line`, collapsing whitespace runs (including NBSP and ideographic spaces) to one space.
pub(crate) fn push_collapsed(line: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0; // start of the pending run copied verbatim
    let mut i = 0;
    while i < bytes.len() {
        // Skip ahead to the next byte that may begin whitespace (a table lookup per byte, no decoding).
        match bytes[i..]
            .iter()
            .position(|&b| crate::clean::MAY_START_SPACE[usize::from(b)])
        {
            Some(n) => i += n,
            None => break,
        }
        if bytes[i] == b' ' {
            // A lone space after a non-space is kept as it is: it stays inside the verbatim run.
            let kept = if i > start {
                bytes[i - 1] != b' '
            } else {
                start == 0 && !line.is_empty() && !line.ends_with(' ')
            };
            if kept {
                i += 1;
                continue;
            }
        }
        if let Some(len) = whitespace_at(bytes, text, i) {
            line.push_str(&text[start..i]);
            if !line.is_empty() && !line.ends_with(' ') {
                line.push(' ');
            }
            i += len;
            start = i;
        } else {
            i += 1;
        }
    }
    line.push_str(&text[start..]);
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
pub(crate) fn text_lines<F>(root: NodeRef<'_, Node>, skip: F) -> Vec<String>
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
                stack.extend(node.children().rev().map(|c| (c, depth + 1, false)));
            }
            Node::Document | Node::Fragment if depth < MAX_DEPTH => {
                stack.extend(node.children().rev().map(|c| (c, depth + 1, false)));
            }
            _ => {}
        }
    }
    flush(&mut line, &mut out);
    out
}

/// The visible text of `el` on one line (whitespace collapsed).
#[must_use]
pub(crate) fn inline_text(el: ElementRef<'_>) -> String {
    text_lines(*el, |_| false).join(" ")
}

/// What an element must carry to match one comma-separated part of a selector: the id, a class or the tag
/// name of its rightmost compound.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Need {
    Id(String),
    Class(String),
    Tag(String),
    /// An attribute of this name (ASCII case-insensitive: foreign elements keep `viewBox`).
    Attr(String),
}

/// A parsed CSS selector together with what a matching element must carry (see [`DocIndex::select`]), so
/// a query looks its candidates up instead of matching the selector against every element of the page.
#[derive(Debug, Clone)]
pub struct Css {
    selector: Selector,
    /// One need per comma-separated part; `None` when some part has no simple id, class or tag.
    needs: Option<Vec<Need>>,
}

impl Css {
    /// Parses a selector group.
    ///
    /// # Errors
    /// The CSS parser's error when `text` is not a valid selector group.
    pub fn parse(text: &str) -> Result<Self, scraper::error::SelectorErrorKind> {
        let selector = Selector::parse(text)?;
        Ok(Self {
            selector,
            needs: needs_of(text),
        })
    }

    /// The compiled selector.
    #[must_use]
    pub fn selector(&self) -> &Selector {
        &self.selector
    }
}

impl std::ops::Deref for Css {
    type Target = Selector;

    fn deref(&self) -> &Selector {
        &self.selector
    }
}

/// The needs of every comma-separated part of a selector group, or `None` when one part has none that
/// is certain (escapes, strings, functional pseudo-classes, namespaces, a bare `*`).
fn needs_of(text: &str) -> Option<Vec<Need>> {
    if text.contains(['\\', '"', '\'', '(', ')', '|']) {
        return None;
    }
    text.split(',')
        .map(|part| {
            // Attribute conditions only narrow a compound further: leave them out (they never nest).
            let mut plain = String::with_capacity(part.len());
            let mut in_brackets = false;
            for c in part.chars() {
                match c {
                    '[' => in_brackets = true,
                    ']' => in_brackets = false,
                    _ if !in_brackets => plain.push(c),
                    _ => {}
                }
            }
            if plain.trim().is_empty() {
                // Only attribute conditions (`[itemprop=author]`): the element carries the first one's name.
                attr_need(part)
            } else {
                need_of_part(&plain)
            }
        })
        .collect()
}

/// The name of the first attribute condition of a part made only of attribute conditions.
fn attr_need(part: &str) -> Option<Need> {
    let inner = part.trim().strip_prefix('[')?;
    let end = inner.find(['=', '~', '^', '$', '*', ']'])?;
    let name = inner[..end].trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some(Need::Attr(name.to_ascii_lowercase()))
}

fn need_of_part(part: &str) -> Option<Need> {
    let last = part
        .trim()
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '>' | '+' | '~'))
        .next()?;
    // Pseudo-classes only narrow the compound further.
    let compound = last.split(':').next()?;
    let is_name = |s: &str| !s.is_empty() && !s.contains(['.', '#', '*']);
    let mut tag = None;
    let mut id = None;
    let mut class = None;
    let mut rest = compound;
    let head_len = rest.find(['.', '#']).unwrap_or(rest.len());
    if head_len > 0 {
        let head = &rest[..head_len];
        // An upper-case tag name would match foreign (SVG) elements case-sensitively: no tag need then.
        if head != "*"
            && head
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            tag = Some(head);
        } else if head != "*" && !is_name(head) {
            return None;
        }
    }
    rest = &rest[head_len..];
    while let Some(kind) = rest.chars().next() {
        let body = &rest[1..];
        let len = body.find(['.', '#']).unwrap_or(body.len());
        let name = &body[..len];
        if !is_name(name) {
            return None;
        }
        if kind == '#' {
            id = Some(name);
        } else if class.is_none() {
            class = Some(name);
        }
        rest = &body[len..];
    }
    id.map(|i| Need::Id(i.to_string()))
        .or_else(|| class.map(|c| Need::Class(c.to_string())))
        .or_else(|| tag.map(|t| Need::Tag(t.to_string())))
}

/// A small, fast hasher for per-page maps: the short id/class/tag keys of [`DocIndex`] and the node ids
/// the generic scorer keys its statistics by (keys come from one page and only live while it is
/// extracted, so flooding resistance buys nothing here).
#[derive(Default, Clone, Copy)]
pub(super) struct KeyHasher(u64);

impl KeyHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.mix(u64::from(b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

/// A map with [`KeyHasher`].
pub(super) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<KeyHasher>>;

type KeyMap<'a> = FastMap<&'a str, Vec<u32>>;

/// A page's elements indexed once by id, class and tag name, so that each selector query visits only the
/// elements that can match it; results come in the order [`Html::select`] gives them.
pub struct DocIndex<'a> {
    doc: &'a Html,
    elements: Vec<ElementRef<'a>>,
    by_id: KeyMap<'a>,
    by_class: KeyMap<'a>,
    by_tag: KeyMap<'a>,
    metas: std::cell::OnceCell<Vec<(&'a str, Option<&'a str>)>>,
}

impl std::fmt::Debug for DocIndex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocIndex")
            .field("elements", &self.elements.len())
            .finish_non_exhaustive()
    }
}

impl<'a> DocIndex<'a> {
    /// Indexes every element of `doc` (one pass over its nodes).
    #[must_use]
    pub fn new(doc: &'a Html) -> Self {
        let mut idx = Self {
            doc,
            elements: Vec::new(),
            by_id: KeyMap::default(),
            by_class: KeyMap::default(),
            by_tag: KeyMap::default(),
            metas: std::cell::OnceCell::new(),
        };
        for node in doc.tree.nodes() {
            let Some(el) = ElementRef::wrap(node) else {
                continue;
            };
            if el.parent().is_none() {
                continue;
            }
            let Ok(pos) = u32::try_from(idx.elements.len()) else {
                break;
            };
            idx.elements.push(el);
            let v = el.value();
            idx.by_tag.entry(v.name()).or_default().push(pos);
            for (name, value) in v.attrs() {
                match name {
                    "id" => idx.by_id.entry(value).or_default().push(pos),
                    "class" => {
                        for c in value.split_ascii_whitespace() {
                            let list = idx.by_class.entry(c).or_default();
                            // `class="a a"`: one entry per element.
                            if list.last() != Some(&pos) {
                                list.push(pos);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        idx
    }

    /// The document.
    #[must_use]
    pub fn doc(&self) -> &'a Html {
        self.doc
    }

    fn postings(&self, need: &Need) -> std::borrow::Cow<'_, [u32]> {
        let list = match need {
            Need::Id(i) => self.by_id.get(i.as_str()),
            Need::Class(c) => self.by_class.get(c.as_str()),
            Need::Tag(t) => self.by_tag.get(t.as_str()),
            Need::Attr(a) => {
                // Not indexed (rarely asked): one pass over the elements' attribute names.
                let found = (0u32..)
                    .zip(&self.elements)
                    .filter(|(_, el)| {
                        el.value()
                            .attrs()
                            .any(|(name, _)| name.eq_ignore_ascii_case(a))
                    })
                    .map(|(pos, _)| pos)
                    .collect();
                return std::borrow::Cow::Owned(found);
            }
        };
        std::borrow::Cow::Borrowed(list.map_or(&[], Vec::as_slice))
    }

    /// The elements matching `css`, in the same order as `doc.select(css)`.
    pub fn select<'s>(&'s self, css: &'s Css) -> Box<dyn Iterator<Item = ElementRef<'a>> + 's> {
        let Some(needs) = &css.needs else {
            return Box::new(self.doc.select(&css.selector));
        };
        let matches = move |&pos: &u32| {
            let el = self.elements[pos as usize];
            css.selector.matches(&el).then_some(el)
        };
        match needs.as_slice() {
            [one] => match self.postings(one) {
                std::borrow::Cow::Borrowed(list) => Box::new(list.iter().filter_map(matches)),
                std::borrow::Cow::Owned(list) => {
                    Box::new(list.into_iter().filter_map(move |p| matches(&p)))
                }
            },
            many => {
                let mut all: Vec<u32> = many
                    .iter()
                    .flat_map(|n| self.postings(n).into_owned())
                    .collect();
                all.sort_unstable();
                all.dedup();
                Box::new(all.into_iter().filter_map(move |p| matches(&p)))
            }
        }
    }

    /// The first non-empty text of an element matching any selector, in selector order.
    #[must_use]
    pub(crate) fn first_text(&self, selectors: &[Css]) -> Option<String> {
        selectors.iter().find_map(|s| {
            self.select(s)
                .map(inline_text)
                .find(|t| !t.trim().is_empty())
                .map(|t| t.trim().to_string())
        })
    }

    /// The `content` of `<meta name=…>` or `<meta property=…>` (case-insensitive name), first non-empty.
    #[must_use]
    pub fn meta(&self, name: &str) -> Option<&'a str> {
        self.metas().iter().find_map(|&(key, content)| {
            if key.trim().eq_ignore_ascii_case(name) {
                content.map(str::trim).filter(|c| !c.is_empty())
            } else {
                None
            }
        })
    }

    /// Every `<meta>` element's key (its `name`, else `property`, else `itemprop`) and `content`, in
    /// document order; read once per page, on the first [`DocIndex::meta`] query.
    fn metas(&self) -> &[(&'a str, Option<&'a str>)] {
        self.metas.get_or_init(|| {
            self.by_tag
                .get("meta")
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .filter_map(|&pos| {
                    let el = self.elements[pos as usize].value();
                    let (mut name, mut property, mut itemprop, mut content) =
                        (None, None, None, None);
                    // One pass over the attributes: `Element::attr` interns its argument on every call.
                    for (k, v) in el.attrs() {
                        match k {
                            "name" => name = Some(v),
                            "property" => property = Some(v),
                            "itemprop" => itemprop = Some(v),
                            "content" => content = Some(v),
                            _ => {}
                        }
                    }
                    Some((name.or(property).or(itemprop)?, content))
                })
                .collect()
        })
    }

    /// The node ids matched by any of `selectors`.
    #[must_use]
    pub(crate) fn matched_ids(&self, selectors: &[Css]) -> HashSet<NodeId> {
        selectors
            .iter()
            .flat_map(|s| self.select(s).map(|e| e.id()))
            .collect()
    }
}

/// A case-insensitive alternation written for the Unicode regex engine (`(?i)word|other|\bshort\b…`), run on
/// ASCII text: the alternatives that are plain words (letters, digits, `_`, `-`, spaces) go to one
/// Aho–Corasick automaton with ASCII case folding, the others to a regex with Unicode off. On ASCII text
/// that answers `is_match` exactly as the Unicode regex does (`(?i)` folds only ASCII letters onto ASCII
/// letters there, and `\b` sees only ASCII characters), without determinizing a large automaton lazily
/// at run time.
#[derive(Debug)]
pub(crate) struct AsciiAlternatives {
    words: aho_corasick::AhoCorasick,
    rest: Option<regex::Regex>,
}

impl AsciiAlternatives {
    /// Splits `pattern` (which must start with `(?i)`, else it all goes to the regex) into its top-level
    /// alternatives.
    ///
    /// # Panics
    /// When `pattern` is not a valid regex: for built-in patterns only.
    #[must_use]
    pub(crate) fn new(pattern: &str) -> Self {
        let (words, rest): (Vec<&str>, Vec<&str>) = match pattern.strip_prefix("(?i)") {
            Some(body) => top_level_alternatives(body).into_iter().partition(|a| {
                a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b' '))
            }),
            None => (Vec::new(), vec![pattern]),
        };
        let rest = (!rest.is_empty()).then(|| {
            let joined = rest.join("|");
            let pattern = if pattern.starts_with("(?i)") {
                format!("(?i-u:{joined})")
            } else {
                format!("(?-u:{joined})")
            };
            regex::Regex::new(&pattern).expect("built-in pattern is valid")
        });
        let words = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .expect("built-in word list is valid");
        Self { words, rest }
    }

    /// Whether the pattern matches somewhere in `text` (meant for ASCII text; see the type's documentation).
    #[must_use]
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.words.is_match(text) || self.rest.as_ref().is_some_and(|r| r.is_match(text))
    }
}

/// The alternatives of a regex at the top level (outside groups and classes; escapes skipped).
fn top_level_alternatives(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut in_class, mut escaped, mut start) = (0usize, false, false, 0usize);
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out
}

/// Resolves `href` against `base`, keeping only http(s) results.
#[must_use]
pub(crate) fn resolve_http(base: &url::Url, href: &str) -> Option<url::Url> {
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

/// Parses a document after capping its size and flattening pathological nesting
/// ([`crate::clean::nesting::guarded`]).
#[must_use]
pub fn parse_document(html: &str) -> Html {
    Html::parse_document(&crate::clean::nesting::guarded(html))
}

/// Parses an article page like [`parse_document`], with the bodies of scripts (all but JSON-LD), styles and
/// `noscript` elements first cut to one space by [`crate::clean::rawtext::thin_raw_text`]: the same tree,
/// node for node, at a fraction of the tokenizing (the extractor never reads those bodies as text).
#[must_use]
pub fn parse_article_document(html: &str) -> Html {
    Html::parse_document(&article_text(html))
}

/// What [`parse_article_document`] parses: `html` capped, with pathological nesting flattened, and with
/// script (all but JSON-LD), style and noscript bodies cut to one space.
#[must_use]
pub fn article_text(html: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match crate::clean::nesting::guarded(html) {
        Cow::Borrowed(g) => crate::clean::rawtext::thin_raw_text(g),
        Cow::Owned(g) => Cow::Owned(crate::clean::rawtext::thin_raw_text(&g).into_owned()),
    }
}

/// Parses a fragment with the same guards as [`parse_document`].
#[must_use]
pub fn parse_fragment(html: &str) -> Html {
    Html::parse_fragment(&crate::clean::nesting::guarded(html))
}

#[cfg(test)]
mod tests;
