//! The generic extractor for pages no profile covers (and for fields a profile misses): a text- and
//! punctuation-density scorer tuned for Chinese. Text blocks score by length (a Han character weighs
//! three Latin ones) and punctuation (full-width and ASCII); scores flow up to ancestors; link-dense and
//! boilerplate-named (`share`, `related`, `footer`, `rm_relevant`…) nodes are penalised or dropped; the
//! best container and its qualifying siblings give the body. Traversal is iterative and depth-guarded.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::{Html, Node};

use super::dom::{is_hidden, is_skipped_tag, text_lines, MAX_DEPTH};

static UNLIKELY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)-ad-|\bads?\b|adsense|advert|banner|breadcrumb|combx|comment|community|cookie|cover-wrap|disqus|extra|footer|gdpr|\bheader\b|legends|masthead|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|popup|promo|newsletter|subscribe|share|sharing|recommend|ranking|rm_relevant|rm_ranking|rm_nav|paper_num|rwb_tjyd|tjyd|copyright|disclaimer|toolbar|pagination|pager|\bnav\b|navbar|topbar|\bcrumbs?\b|signup|login|widget|outbrain|taboola|hot_?news|hotlist|xgxw|xgwz|tuijian|\bfx\b|bdsharebuttonbox|bshare",
    )
    .expect("static regex is valid")
});
static MAYBE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)and|article|body|column|content|main|shadow|story|entry|post|text|zw|txt|zoom|trs_editor|ccontent|show_text")
        .expect("static regex is valid")
});
static POSITIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story|news_txt|post_text|rm_txt|show_text|trs_editor|\bzoom\b|ccontent|\bzw\b|_zw|txt_con")
        .expect("static regex is valid")
});
static NEGATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|byline|author|dateline|writtenby|caption|subscribe|newsletter|recommend|ranking|copyright|edit\b|\bedit|zdfy|channel")
        .expect("static regex is valid")
});

/// Per-element text statistics.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Weighted text length (Han characters count 3, other non-space characters 1).
    pub weight: u32,
    /// Weighted length of text inside links.
    pub link_weight: u32,
    /// Punctuation characters.
    pub punct: u32,
    /// Weighted length of the element's own (direct) text.
    pub own_weight: u32,
    /// `<p>` descendants.
    pub paras: u32,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.weight += o.weight;
        self.link_weight += o.link_weight;
        self.punct += o.punct;
        self.paras += o.paras;
    }

    /// Share of the text that is link text.
    #[must_use]
    pub fn link_density(&self) -> f64 {
        if self.weight == 0 {
            0.0
        } else {
            f64::from(self.link_weight) / f64::from(self.weight)
        }
    }
}

/// Whether `c` is a CJK ideograph.
#[must_use]
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{2ffff}')
}

fn is_punct(c: char) -> bool {
    "，。！？、；：“”‘’《》（）,.?!;:%\"'()".contains(c)
}

fn text_stats(t: &str) -> Stats {
    let mut s = Stats::default();
    for c in t.chars() {
        if c.is_whitespace() {
            continue;
        }
        if is_han(c) {
            s.weight += 3;
        } else {
            s.weight += 1;
        }
        if is_punct(c) {
            s.punct += 1;
        }
    }
    s.own_weight = s.weight;
    s
}

fn class_id(el: &scraper::node::Element) -> String {
    let mut s = String::new();
    if let Some(c) = el.attr("class") {
        s.push_str(c);
    }
    if let Some(i) = el.attr("id") {
        s.push(' ');
        s.push_str(i);
    }
    s
}

/// Whether an element looks like page chrome by its class/id/role (navigation, sharing, related lists…).
#[must_use]
pub fn is_unlikely(el: &scraper::node::Element) -> bool {
    let name = el.name();
    if matches!(name, "body" | "html" | "article" | "main" | "a") {
        return false;
    }
    if matches!(name, "nav" | "aside" | "footer" | "form") {
        return true;
    }
    if matches!(
        el.attr("role"),
        Some("navigation" | "complementary" | "banner" | "contentinfo" | "dialog" | "menu")
    ) {
        return true;
    }
    let ci = class_id(el);
    !ci.is_empty() && UNLIKELY.is_match(&ci) && !MAYBE.is_match(&ci)
}

fn class_weight(el: &scraper::node::Element) -> f64 {
    let mut w = 0.0;
    for v in [el.attr("class"), el.attr("id")].into_iter().flatten() {
        if NEGATIVE.is_match(v) {
            w -= 25.0;
        }
        if POSITIVE.is_match(v) {
            w += 25.0;
        }
    }
    w
}

/// The body paragraphs the generic extractor finds, and the container it chose.
#[derive(Debug, Default)]
pub struct Body {
    /// The chosen container.
    pub root: Option<NodeId>,
    /// Paragraph texts in page order.
    pub paragraphs: Vec<String>,
    /// Nodes whose text went into the body (the container and any siblings).
    pub parts: Vec<NodeId>,
}

struct Scorer<'a> {
    stats: HashMap<NodeId, Stats>,
    dropped: HashSet<NodeId>,
    exclude: &'a HashSet<NodeId>,
    strip_unlikely: bool,
}

impl<'a> Scorer<'a> {
    fn new(exclude: &'a HashSet<NodeId>, strip_unlikely: bool) -> Self {
        Self {
            stats: HashMap::new(),
            dropped: HashSet::new(),
            exclude,
            strip_unlikely,
        }
    }

    fn drop_node(&self, node: NodeRef<'_, Node>, el: &scraper::node::Element) -> bool {
        is_skipped_tag(el.name())
            || is_hidden(el)
            || self.exclude.contains(&node.id())
            || (self.strip_unlikely && is_unlikely(el))
    }

    /// Post-order statistics over the whole document, iterative.
    fn collect(&mut self, root: NodeRef<'_, Node>) {
        let mut stack: Vec<(NodeRef<'_, Node>, usize, bool)> = vec![(root, 0, false)];
        let mut acc: Vec<Stats> = vec![Stats::default()];
        while let Some((node, depth, leaving)) = stack.pop() {
            match node.value() {
                Node::Text(t) => {
                    let s = text_stats(t);
                    if let Some(top) = acc.last_mut() {
                        top.add(&s);
                        top.own_weight += s.own_weight;
                    }
                }
                Node::Element(el) => {
                    if leaving {
                        let mut s = acc.pop().unwrap_or_default();
                        if el.name() == "a" {
                            s.link_weight = s.weight;
                        }
                        if el.name() == "p" {
                            s.paras += 1;
                        }
                        self.stats.insert(node.id(), s);
                        if let Some(top) = acc.last_mut() {
                            top.add(&s);
                        }
                        continue;
                    }
                    if self.drop_node(node, el) {
                        self.dropped.insert(node.id());
                        continue;
                    }
                    acc.push(Stats::default());
                    stack.push((node, depth, true));
                    if depth < MAX_DEPTH {
                        let children: Vec<_> = node.children().collect();
                        for c in children.into_iter().rev() {
                            stack.push((c, depth + 1, false));
                        }
                    }
                }
                Node::Document | Node::Fragment => {
                    let children: Vec<_> = node.children().collect();
                    for c in children.into_iter().rev() {
                        stack.push((c, depth + 1, false));
                    }
                }
                _ => {}
            }
        }
    }

    fn get(&self, id: NodeId) -> Stats {
        self.stats.get(&id).copied().unwrap_or_default()
    }
}

fn tag_base(name: &str) -> f64 {
    match name {
        "div" | "article" | "section" | "main" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

fn is_text_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "pre"
            | "td"
            | "blockquote"
            | "div"
            | "section"
            | "article"
            | "font"
            | "span"
            | "li"
            | "dd"
    )
}

/// Weighted text length under which the body is retried without dropping chrome-named nodes
/// (a page whose main column carries a class such as `right-sidebar`).
pub const RETRY_BELOW_WEIGHT: usize = 500;

/// Finds the article body in `doc`; nodes in `exclude` (and their subtrees) are ignored. Chrome-named
/// nodes are dropped first; when that leaves too little text, the page is scored again without dropping
/// them and the longer body wins.
#[must_use]
pub fn extract_body(doc: &Html, exclude: &HashSet<NodeId>) -> Body {
    let first = extract_body_with(doc, exclude, true);
    let weight = |b: &Body| -> usize {
        b.paragraphs
            .iter()
            .map(|p| text_stats(p).weight as usize)
            .sum()
    };
    if weight(&first) >= RETRY_BELOW_WEIGHT {
        return first;
    }
    let second = extract_body_with(doc, exclude, false);
    if weight(&second) > weight(&first) {
        second
    } else {
        first
    }
}

fn extract_body_with(doc: &Html, exclude: &HashSet<NodeId>, strip_unlikely: bool) -> Body {
    let mut scorer = Scorer::new(exclude, strip_unlikely);
    let root = doc.tree.root();
    scorer.collect(root);

    // Score text blocks and propagate to ancestors.
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    let mut order: Vec<NodeId> = Vec::new();
    for node in root.descendants() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        let Some(st) = scorer.stats.get(&node.id()).copied() else {
            continue;
        };
        let name = el.name();
        if !is_text_block(name) {
            continue;
        }
        // Containers only count for their own text (so a wrapper is not scored twice).
        let w = if matches!(name, "p" | "pre" | "td" | "blockquote") {
            st.weight
        } else {
            st.own_weight
        };
        let text_w = w.saturating_sub(if matches!(name, "p" | "pre" | "td" | "blockquote") {
            st.link_weight
        } else {
            0
        });
        if text_w < 25 {
            continue;
        }
        let punct = if matches!(name, "p" | "pre" | "td" | "blockquote") {
            st.punct
        } else {
            st.punct.min(text_w / 10)
        };
        let block_score = 1.0 + f64::from(punct.min(40)) + (f64::from(text_w) / 100.0).min(3.0);
        let mut anc = node.parent();
        let mut level = 0;
        while let Some(a) = anc {
            if level >= 4 {
                break;
            }
            let Some(ael) = a.value().as_element() else {
                break;
            };
            let entry = scores.entry(a.id()).or_insert_with(|| {
                order.push(a.id());
                tag_base(ael.name()) + class_weight(ael)
            });
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                l => f64::from(l) * 3.0,
            };
            *entry += block_score / divider;
            anc = a.parent();
            level += 1;
        }
    }

    let mut best: Option<(NodeId, f64)> = None;
    for id in &order {
        let raw = scores.get(id).copied().unwrap_or(0.0);
        let st = scorer.get(*id);
        let s = raw * (1.0 - st.link_density());
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((*id, s));
        }
    }
    let Some((best_id, best_score)) = best else {
        return Body::default();
    };
    let Some(best_node) = doc.tree.get(best_id) else {
        return Body::default();
    };

    // Siblings that look like more of the same article.
    let threshold = (best_score * 0.2).max(10.0);
    let best_class = best_node
        .value()
        .as_element()
        .and_then(|e| e.attr("class"))
        .unwrap_or("");
    let mut parts = Vec::new();
    let siblings: Vec<_> = match best_node.parent() {
        Some(p) if p.value().as_element().is_some_and(|e| e.name() != "html") => {
            p.children().collect()
        }
        _ => vec![best_node],
    };
    for sib in siblings {
        if sib.id() == best_id {
            parts.push(sib.id());
            continue;
        }
        let Some(el) = sib.value().as_element() else {
            continue;
        };
        if scorer.dropped.contains(&sib.id()) {
            continue;
        }
        let st = scorer.get(sib.id());
        let mut bonus = 0.0;
        if !best_class.is_empty() && el.attr("class") == Some(best_class) {
            bonus += best_score * 0.2;
        }
        let s = scores.get(&sib.id()).copied().unwrap_or(0.0) * (1.0 - st.link_density()) + bonus;
        let append = if s >= threshold {
            true
        } else if el.name() == "p" {
            let ld = st.link_density();
            (st.weight > 80 && ld < 0.25)
                || (st.weight > 0 && st.weight <= 80 && ld == 0.0 && st.punct > 0)
        } else {
            false
        };
        if append {
            parts.push(sib.id());
        }
    }

    let mut paragraphs = Vec::new();
    for id in &parts {
        let Some(node) = doc.tree.get(*id) else {
            continue;
        };
        let skip = |n: NodeRef<'_, Node>| -> bool {
            if scorer.dropped.contains(&n.id()) {
                return true;
            }
            let Some(el) = n.value().as_element() else {
                return false;
            };
            let st = scorer.get(n.id());
            match el.name() {
                "ul" | "ol" | "div" | "table" | "section" | "dl" | "p" | "li" => {
                    st.weight > 0
                        && st.link_density() > 0.5
                        && !(el.name() == "p" && st.weight > 300)
                }
                "h1" => true,
                _ => false,
            }
        };
        let lines = text_lines(node, skip);
        paragraphs.extend(lines);
    }
    Body {
        root: Some(best_id),
        paragraphs,
        parts,
    }
}
