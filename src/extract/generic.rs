//! The generic extractor for pages no profile covers (and for fields a profile misses): a text- and
//! punctuation-density scorer tuned for Chinese. Text blocks score by length (a Han character weighs
//! three Latin ones) and punctuation (full-width and ASCII); scores flow up to ancestors; link-dense and
//! boilerplate-named (`share`, `related`, `footer`, `rm_relevant`…) nodes are penalised or dropped; the
//! best container and its qualifying siblings give the body. Traversal is iterative and depth-guarded.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::{ElementRef, Html, Node};

use super::dom::{
    inline_text, is_hidden, is_skipped_tag, text_lines, AsciiAlternatives, FastMap, KeyHasher,
    MAX_DEPTH,
};

static UNLIKELY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)-ad-|\bads?\b|adsense|advert|banner|breadcrumb|combx|comment|community|cookie|cover-wrap|disqus|extra|footer|gdpr|\bheader\b|legends|masthead|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|popup|promo|newsletter|subscribe|share|sharing|recommend|ranking|rm_relevant|rm_ranking|rm_nav|paper_num|rwb_tjyd|tjyd|copyright|disclaimer|toolbar|pagination|pager|\bnav\b|navbar|topbar|\bcrumbs?\b|signup|login|widget|post-?ratings?|(?:^|[\s_-])ratings?\b|outbrain|taboola|author-?bio|about-?the-?author|author-?(?:box|info|card|profile)|hot_?news|hotlist|xgxw|xgwz|tuijian|\bfx\b|bdsharebuttonbox|bshare",
    )
    .expect("static regex is valid")
});
/// Interface words that stand alone on a line inside article containers (ad slots, gallery controls,
/// print and share buttons, a back-to-the-list link), in English, Chinese and the European languages
/// whose pages we see most, optionally in dashes or brackets (`- Anzeige -`).
static CHROME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[-–—\[(]?\s*(?:advertisement|story continues below(?: advertisement)?|continue reading(?: below)?|caption|close|back to gallery|subscribe|share(?: this(?: article| story)?)?|print|email|comments?|read more|skip ad|loading|highlights|广告|anzeige|werbung|publicité|publicidad|pubblicità|reklama|(?:rezept |artikel |seite )?drucken|drukuj|imprimer|imprimir|stampa|teilen(?: sie dies mit)?|partager|compartir|condividi|udostępnij|zurück(?: zur (?:übersicht|listenansicht|startseite))?|kommentare? schreiben|quellen (?:ausblenden|einblenden))\s*[-–—\])]?[:：]?$")
        .expect("static regex is valid")
});
/// A dateline such as `Published 11:11 PM EST Nov 19, 2019`, `Updated on: November 19, 2019`,
/// `Publiziert: 03.04.2020, 12:35` or `Mis à jour le 3 avril 2020`.
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:published|updated|posted|last updated|first published|publiziert|aktualisiert|zuletzt aktualisiert|veröffentlicht|erschienen|publié|mis à jour|publicado|actualizado|pubblicato|aggiornato|opublikowano|zaktualizowano|gepubliceerd|bijgewerkt)\b[^.!?]{0,40}\d")
        .expect("static regex is valid")
});

/// Whether a body line is page furniture: a lone interface word or a short published/updated dateline.
#[must_use]
pub(crate) fn is_chrome_line(line: &str) -> bool {
    let t = line.trim();
    CHROME_LINE.is_match(t) || (DATELINE.is_match(t) && t.split_whitespace().count() <= 16)
}

/// Figure captions, photo credits, reader comments, cookie-consent banners and a post's meta box (its date,
/// categories and tags: `entry-meta`, `entry-utility`, `postmetadata`): never article body, whatever
/// else the class says (a consent dialog's prose would otherwise win on a page whose article is short). The
/// fields a meta box carries are read from the page's lines, not from the body.
static CAPTION_OR_COMMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bentry-?(?:meta|utility)\b|entry__meta|postmetadata|\bpost-?meta\b|\bcat-links\b|caption|\blegend\b|credit|img-?desc|image-?desc|photo-?desc|pic-?desc|\bcomments?\b|commentlist|comment-(list|body|content|text|item|area|form|respond|meta|author|wrap)|\brespond\b|disqus|cookies?[-_]?(?:banner|consent|notice|bar|policy|settings|layer|customi[sz]e|preferences?|law|message|popup|modal|overlay|wall|hint|info|dialog)|\bconsent|gdpr|onetrust|cookiebot|usercentrics|didomi")
        .expect("static regex is valid")
});
/// A modal dialog (`modal`, `modal-body`, `modal__dialog`, `login-dialog`: a login box, a share box with
/// its QR code, a disclosure or age-check notice): hidden until opened, so never the article, and its
/// `-body` or `-content` part must not vouch for it. Only a class that ends in the dialog or one of its
/// parts names one: `modal-open`, `modal-trigger` or Drupal's page-wide `dialog-off-canvas-main-canvas`
/// do not. A page saved with a dialog open (its `html` or `body` says `modal-open`) shows the dialog:
/// there it may hold the article ([`page_shows_a_dialog`]).
static DIALOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[\s_-])(?:modal|dialog)(?:[-_]{1,2}(?:dialog|content|body|inner|box|wrap(?:per)?|container))?(?:$|\s)")
        .expect("static regex is valid")
});
static MAYBE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)and|article|body|column|content|main|shadow|story|entry|post|text|zw|txt|zoom|trs_editor|ccontent|show_text")
        .expect("static regex is valid")
});
/// Chrome names that have a content word glued into them as their object (`jp-relatedposts`,
/// `like-post-wrapper`, `post-share`, `post-ratings`): the content word must not vouch for the element as
/// [`MAYBE`] otherwise would (see [`names_chrome`]).
static CHROME_COMPOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)related[-_]?(?:posts?|articles?|content|stor(?:y|ies)|entr(?:y|ies))|(?:posts?|articles?|entry)[-_]?related|(?:share|sharing|likes?|rating)[-_]?(?:posts?|articles?|entry|content|story)|(?:posts?|articles?|entry|content|story)[-_]?(?:share|sharing|likes?|ratings?|social)|sharedaddy")
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

/// The per-node maps that scoring fills for every element of the page: one multiply per id instead of
/// SipHash.
type IdMap<V> = FastMap<NodeId, V>;
type IdSet = HashSet<NodeId, BuildHasherDefault<KeyHasher>>;

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
    pub(crate) fn link_density(&self) -> f64 {
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
    matches!(
        c,
        '，' | '。'
            | '！'
            | '？'
            | '、'
            | '；'
            | '：'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '《'
            | '》'
            | '（'
            | '）'
            | ','
            | '.'
            | '?'
            | '!'
            | ';'
            | ':'
            | '%'
            | '"'
            | '\''
            | '('
            | ')'
    )
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

/// Whether a class token names no role, only the framework that drew the block, and so must not be read
/// as one: Elementor's structural `elementor-widget*` classes on every block, text included (its real
/// widgets' types, `elementor-widget-nav-menu` or `-share-buttons`, still count); the media object that
/// sets text beside a picture (`media`, `o-media--left`, `media-body`, `o-media__body`); and, in a
/// WordPress post's class list, the post's own `tag-…` and `category-…` terms (`tag-creditshelf` names a
/// company the post is about, not a credit line).
fn is_framework_token(token: &str, post_terms: bool) -> bool {
    let t = token.to_ascii_lowercase();
    if let Some(rest) = t.strip_prefix("elementor-widget") {
        return matches!(
            rest,
            "" | "-container" | "-wrap" | "-text-editor" | "-theme-post-content" | "-heading"
        );
    }
    let media = t.strip_prefix("o-").unwrap_or(&t);
    if let Some(rest) = media.strip_prefix("media") {
        return rest.is_empty()
            || rest.starts_with("--")
            || matches!(rest, "-body" | "__body" | "_body");
    }
    post_terms && (t.starts_with("tag-") || t.starts_with("category-"))
}

/// An element's class list without its framework tokens ([`is_framework_token`]). Borrowed when there are
/// none, which is nearly always.
fn role_classes(class: &str) -> std::borrow::Cow<'_, str> {
    let lower_has = |needle: &str| {
        class
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    if !lower_has("elementor-widget")
        && !lower_has("media")
        && !lower_has("tag-")
        && !lower_has("category-")
    {
        return std::borrow::Cow::Borrowed(class);
    }
    let post_terms = class.split_ascii_whitespace().any(|t| {
        t.eq_ignore_ascii_case("hentry")
            || t.eq_ignore_ascii_case("status-publish")
            || t.to_ascii_lowercase().starts_with("type-")
    });
    let kept: Vec<&str> = class
        .split_ascii_whitespace()
        .filter(|t| !is_framework_token(t, post_terms))
        .collect();
    std::borrow::Cow::Owned(kept.join(" "))
}

fn class_id(el: &scraper::node::Element) -> String {
    let mut s = String::new();
    if let Some(c) = el.attr("class") {
        s.push_str(&role_classes(c));
    }
    if let Some(i) = el.attr("id") {
        s.push(' ');
        s.push_str(i);
    }
    s
}

/// The same pattern as `re` for ASCII text (class and id values nearly always are): it answers exactly as
/// `re` does there, without a large automaton to determinize at run time ([`AsciiAlternatives`]).
fn ascii_twin(re: &Regex) -> AsciiAlternatives {
    AsciiAlternatives::new(re.as_str())
}

static CAPTION_OR_COMMENT_ASCII: LazyLock<AsciiAlternatives> =
    LazyLock::new(|| ascii_twin(&CAPTION_OR_COMMENT));
static UNLIKELY_ASCII: LazyLock<AsciiAlternatives> = LazyLock::new(|| ascii_twin(&UNLIKELY));
static DIALOG_ASCII: LazyLock<AsciiAlternatives> = LazyLock::new(|| ascii_twin(&DIALOG));
static MAYBE_ASCII: LazyLock<AsciiAlternatives> = LazyLock::new(|| ascii_twin(&MAYBE));
static CHROME_COMPOUND_ASCII: LazyLock<AsciiAlternatives> =
    LazyLock::new(|| ascii_twin(&CHROME_COMPOUND));
static POSITIVE_ASCII: LazyLock<AsciiAlternatives> = LazyLock::new(|| ascii_twin(&POSITIVE));
static NEGATIVE_ASCII: LazyLock<AsciiAlternatives> = LazyLock::new(|| ascii_twin(&NEGATIVE));
static LEAD_ASCII: LazyLock<AsciiAlternatives> = LazyLock::new(|| ascii_twin(&LEAD));
static DECK_ASCII: LazyLock<AsciiAlternatives> = LazyLock::new(|| ascii_twin(&DECK));

/// `re.is_match(text)`, through its ASCII twin when `text` is ASCII.
fn is_match_ascii_first(re: &Regex, twin: &AsciiAlternatives, text: &str) -> bool {
    if text.is_ascii() {
        twin.is_match(text)
    } else {
        re.is_match(text)
    }
}

#[cfg(test)]
mod ascii_twin_tests {
    use proptest::prelude::*;

    use super::*;

    /// Words and pieces the patterns look for, and separators, to build class values from.
    const PIECES: &[&str] = &[
        "lead",
        "leadin",
        "intro",
        "excerpt",
        "dek",
        "summary",
        "ad",
        "ads",
        "-ad-",
        "header",
        "nav",
        "navbar",
        "crumb",
        "crumbs",
        "hid",
        "edit",
        "editor",
        "fx",
        "comment",
        "comments",
        "comment-list",
        "author",
        "author-box",
        "authorbox",
        "about-the-author",
        "caption",
        "img-desc",
        "imgdesc",
        "respond",
        "zw",
        "_zw",
        "zoom",
        "main",
        "content",
        "Article",
        "SIDEBAR",
        "Share",
        "hot_news",
        "hotnews",
        "cookie",
        "cookies",
        "Cookie_",
        "consent",
        "customise",
        "customize",
        "banner",
        "related",
        "posts",
        "post",
        "like",
        "sharedaddy",
        "gdpr",
        "modal",
        "modals",
        "dialog",
        "dialogue",
        "modal-body",
        "dialog-off-canvas",
        "x",
        "k",
        "s",
        "_",
        "-",
        " ",
        "  ",
        "1",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// On ASCII class and id values every twin answers as its Unicode pattern does.
        #[test]
        fn twins_answer_as_the_patterns_do(parts in prop::collection::vec(0..PIECES.len(), 0..6)) {
            let text: String = parts.iter().map(|&i| PIECES[i]).collect();
            for (re, twin) in [
                (&*CAPTION_OR_COMMENT, &*CAPTION_OR_COMMENT_ASCII),
                (&*UNLIKELY, &*UNLIKELY_ASCII),
                (&*DIALOG, &*DIALOG_ASCII),
                (&*MAYBE, &*MAYBE_ASCII),
                (&*CHROME_COMPOUND, &*CHROME_COMPOUND_ASCII),
                (&*POSITIVE, &*POSITIVE_ASCII),
                (&*NEGATIVE, &*NEGATIVE_ASCII),
                (&*LEAD, &*LEAD_ASCII),
                (&*DECK, &*DECK_ASCII),
            ] {
                prop_assert_eq!(twin.is_match(&text), re.is_match(&text), "{:?} on {:?}", re.as_str(), text);
            }
        }
    }

    #[test]
    fn twins_split_words_from_patterns() {
        // A word, a word with a boundary, an anchored alternative and a group all answer.
        assert!(UNLIKELY_ASCII.is_match("site-Sidebar"));
        assert!(UNLIKELY_ASCII.is_match("top ads"));
        assert!(!UNLIKELY_ASCII.is_match("loads"));
        assert!(UNLIKELY_ASCII.is_match("author-card"));
        assert!(NEGATIVE_ASCII.is_match("hid"));
        assert!(!NEGATIVE_ASCII.is_match("hidx"));
    }
}

/// Whether scoring drops an element as chrome outright. Always: a figure, figure caption, photo credit or
/// reader comment (by tag, class or id). When `unlikely` is set, also navigation and other page chrome by
/// tag or role, and lists, tables and other non-wrapper elements whose class or id names them chrome
/// (on a wrapper such a name is weighed later: [`is_chrome_named`]). The class and id are read once and
/// the regexes run only on elements that carry one.
fn is_chrome(el: &scraper::node::Element, unlikely: bool) -> bool {
    let name = el.name();
    if matches!(name, "figcaption" | "figure") {
        return true;
    }
    if matches!(name, "body" | "html" | "main") {
        return false;
    }
    if unlikely && !matches!(name, "article" | "a") {
        if matches!(name, "nav" | "aside" | "footer" | "form") {
            return true;
        }
        if matches!(
            el.attr("role"),
            Some("navigation" | "complementary" | "banner" | "contentinfo" | "dialog" | "menu")
        ) {
            return true;
        }
    }
    if el.attr("class").is_none() && el.attr("id").is_none() {
        return false;
    }
    let ci = class_id(el);
    if ci.is_empty() {
        return false;
    }
    is_match_ascii_first(&CAPTION_OR_COMMENT, &CAPTION_OR_COMMENT_ASCII, &ci)
        || (unlikely
            && !matches!(name, "article" | "a")
            && !matches!(name, "div" | "section" | "td" | "span" | "font" | "center")
            && names_chrome(&ci))
}

/// Whether a class-and-id value names page chrome: it matches [`UNLIKELY`], and no class or id in it
/// suggests content ([`MAYBE`]), except one where the content word is only the object of a chrome word
/// ([`CHROME_COMPOUND`]: WordPress's `sharedaddy` like box with its `like-post-wrapper` id, its
/// `jp-relatedposts` list, a `post-share` bar). A content name of its own (`entry-content`) still vouches.
fn names_chrome(ci: &str) -> bool {
    if !is_match_ascii_first(&UNLIKELY, &UNLIKELY_ASCII, ci) {
        return false;
    }
    if !is_match_ascii_first(&MAYBE, &MAYBE_ASCII, ci) {
        return true;
    }
    if !is_match_ascii_first(&CHROME_COMPOUND, &CHROME_COMPOUND_ASCII, ci) {
        return false;
    }
    !ci.split_ascii_whitespace().any(|t| {
        is_match_ascii_first(&MAYBE, &MAYBE_ASCII, t)
            && !is_match_ascii_first(&CHROME_COMPOUND, &CHROME_COMPOUND_ASCII, t)
    })
}

/// Whether the element's class or id alone names it page chrome (`sidebar`, `widget`, `sharing`…) when
/// `unlikely` is set, unless the class also suggests content. Such a name on a wrapper (`div`, `section`,
/// `td`, inline wrappers) is only a hint: scoring keeps the wrapper after all when its text reads as an
/// article (see [`reads_as_article`]); templates put whole articles in an `above-footer` or a
/// `widget Blog`. On a list, a table or a paragraph (a gallery's `legends`, a `related` list) it is final.
fn is_chrome_named(el: &scraper::node::Element, unlikely: bool) -> bool {
    let name = el.name();
    if !unlikely || !matches!(name, "div" | "section" | "td" | "span" | "font" | "center") {
        return false;
    }
    if el.attr("class").is_none() && el.attr("id").is_none() {
        return false;
    }
    names_chrome(&class_id(el))
}

/// Whether the element's class or id names a modal dialog ([`DIALOG`]). The page itself never is one (a
/// theme's `enable-search-modal` on `body` says that the page has one).
fn is_dialog(el: &scraper::node::Element) -> bool {
    if matches!(el.name(), "body" | "html" | "main") {
        return false;
    }
    [el.attr("class"), el.attr("id")]
        .into_iter()
        .flatten()
        .any(|v| is_match_ascii_first(&DIALOG, &DIALOG_ASCII, v))
}

/// Whether the page was saved with a modal dialog open: its `html` or `body` element carries the
/// `modal-open` class that dialog scripts set while one shows (a news site that opens its articles in an
/// overlay).
fn page_shows_a_dialog(doc: &Html) -> bool {
    doc.tree
        .root()
        .descendants()
        .filter_map(|n| n.value().as_element())
        .filter(|e| matches!(e.name(), "html" | "body"))
        .take(2)
        .any(|e| {
            e.attr("class").is_some_and(|c| {
                c.split_ascii_whitespace()
                    .any(|t| t.eq_ignore_ascii_case("modal-open"))
            })
        })
}

/// Weighted text length from which a chrome-named element may be an article after all.
const ARTICLE_WEIGHT: u32 = 1200;

/// Whether a subtree's text reads as an article rather than page chrome: long, several paragraphs,
/// punctuated like prose and barely linked. Sidebars, share bars, widgets and navigation never are;
/// a documentation section whose id happens to say `sharing-…`, or a blog engine's `widget Blog`
/// that holds the posts, is.
fn reads_as_article(s: &Stats) -> bool {
    s.weight >= ARTICLE_WEIGHT
        && s.paras >= 3
        && s.punct >= 20
        && s.link_density() < 0.2
        && f64::from(s.punct) * 120.0 >= f64::from(s.weight)
}

/// Text weight under which a content-suggesting class or id ([`POSITIVE`]) adds only its share of its
/// bonus (a third of it under a third of this weight): a name vouches for text, it does not make any.
const VOUCHED_WEIGHT: f64 = 500.0;

fn class_weight(el: &scraper::node::Element) -> f64 {
    let mut w = 0.0;
    let class = el.attr("class").map(role_classes);
    for v in [class.as_deref(), el.attr("id")].into_iter().flatten() {
        if is_match_ascii_first(&NEGATIVE, &NEGATIVE_ASCII, v) {
            w -= 25.0;
        }
        if is_match_ascii_first(&POSITIVE, &POSITIVE_ASCII, v) {
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
    stats: IdMap<Stats>,
    dropped: IdSet,
    exclude: &'a HashSet<NodeId>,
    strip_unlikely: bool,
    /// Whether the page was saved with a dialog open: then a dialog is not dropped.
    dialog_shown: bool,
}

impl<'a> Scorer<'a> {
    fn new(doc: &Html, exclude: &'a HashSet<NodeId>, strip_unlikely: bool) -> Self {
        Self {
            stats: IdMap::default(),
            dropped: IdSet::default(),
            exclude,
            strip_unlikely,
            dialog_shown: page_shows_a_dialog(doc),
        }
    }

    fn drop_node(&self, node: NodeRef<'_, Node>, el: &scraper::node::Element) -> bool {
        is_skipped_tag(el.name())
            || is_hidden(el)
            || self.exclude.contains(&node.id())
            || is_chrome(el, self.strip_unlikely)
            || (!self.dialog_shown && is_dialog(el))
    }

    /// Post-order statistics over the whole document, iterative. An element whose class or id names it
    /// chrome is measured like any other and dropped on the way out unless its text reads as an article
    /// (its descendants' statistics go with it, so nothing below it is scored).
    fn collect(&mut self, root: NodeRef<'_, Node>) {
        // (node, depth, leaving, chrome-named)
        let mut stack: Vec<(NodeRef<'_, Node>, usize, bool, bool)> = vec![(root, 0, false, false)];
        let mut acc: Vec<Stats> = vec![Stats::default()];
        while let Some((node, depth, leaving, named)) = stack.pop() {
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
                        if named && !reads_as_article(&s) {
                            self.dropped.insert(node.id());
                            for d in node.descendants().skip(1) {
                                self.stats.remove(&d.id());
                            }
                            continue;
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
                    let named = is_chrome_named(el, self.strip_unlikely);
                    stack.push((node, depth, true, named));
                    if depth < MAX_DEPTH {
                        stack.extend(node.children().rev().map(|c| (c, depth + 1, false, false)));
                    }
                }
                Node::Document | Node::Fragment => {
                    stack.extend(node.children().rev().map(|c| (c, depth + 1, false, false)));
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
pub(crate) const RETRY_BELOW_WEIGHT: usize = 500;

/// Finds the article body in `doc`; nodes in `exclude` (and their subtrees) are ignored. Chrome-named
/// nodes are dropped first; when that leaves too little text, the page is scored again without dropping
/// them and the longer body wins.
#[must_use]
pub(crate) fn extract_body(doc: &Html, exclude: &HashSet<NodeId>) -> Body {
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

/// Whether `id` is `best`, one of its ancestors or one of its descendants: a candidate on the best
/// container's own line of the tree, never an alternative to it.
fn on_line_of(doc: &Html, best: NodeRef<'_, Node>, id: NodeId) -> bool {
    id == best.id()
        || best.ancestors().any(|a| a.id() == id)
        || doc
            .tree
            .get(id)
            .is_some_and(|n| n.ancestors().any(|a| a.id() == best.id()))
}

/// Top-scoring alternatives considered when the article is split over several sibling containers.
const ALTERNATIVES: usize = 5;
/// How many close alternatives an ancestor must hold to replace the best container.
const MIN_ALTERNATIVES: usize = 3;

/// When the article is split into several containers (one `div` per paragraph or per column, as many
/// publishing systems render it), the best single container holds only part of it. If an ancestor of
/// the best (within a few levels, below `body`) holds at least [`MIN_ALTERNATIVES`] of the next-best
/// containers scoring close to it, that ancestor is the article.
///
/// `ranked` holds every candidate with its link-discounted score, in page order.
fn common_container(
    doc: &Html,
    mut ranked: Vec<(NodeId, f64)>,
    scorer: &Scorer<'_>,
    best_id: NodeId,
    best_score: f64,
) -> Option<NodeId> {
    let best = doc.tree.get(best_id)?;
    let related = |id: NodeId| -> bool { on_line_of(doc, best, id) };
    // Stable sort: ties keep page order, as if the related ones had been left out first.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let close: Vec<NodeId> = ranked
        .iter()
        .filter(|(id, _)| !related(*id))
        .take(ALTERNATIVES)
        .filter(|(_, s)| *s >= best_score * 0.75)
        .map(|(id, _)| *id)
        .collect();
    if close.len() < MIN_ALTERNATIVES {
        return None;
    }
    for (level, anc) in best.ancestors().enumerate() {
        if level >= 6 {
            break;
        }
        let Some(el) = anc.value().as_element() else {
            break;
        };
        if matches!(el.name(), "body" | "html") || scorer.dropped.contains(&anc.id()) {
            break;
        }
        let held = close
            .iter()
            .filter(|id| {
                doc.tree
                    .get(**id)
                    .is_some_and(|n| n.ancestors().any(|a| a.id() == anc.id()))
            })
            .count();
        if held >= MIN_ALTERNATIVES {
            return Some(anc.id());
        }
    }
    None
}

/// How far up from the best container [`dominant_ancestor`] looks.
const DOMINANT_LEVELS: usize = 6;
/// How much more text than the best container the dominant ancestor holds.
const DOMINANT_WEIGHT: f64 = 3.0;
/// The dominant ancestor's score, as a share of the best container's, at least.
const DOMINANT_SCORE: f64 = 0.5;
/// Another block under the dominant ancestor scores at least this share of the best container's.
const DOMINANT_OTHER: f64 = 0.7;

/// An article in sections of different shapes (an introduction, a table, a few questions and their answers
/// in an accordion) has one section score best, while the article's container scores less per word than
/// that section because the table and the headings dilute it. When an ancestor of the best (within
/// [`DOMINANT_LEVELS`], below `body`) holds [`DOMINANT_WEIGHT`] times its text, barely linked, still scores
/// [`DOMINANT_SCORE`] of it, and holds another block that scores nearly as well ([`DOMINANT_OTHER`]),
/// that ancestor is the article. [`common_container`] asks for three such blocks instead, at a closer
/// score, and needs no weight.
fn dominant_ancestor(
    doc: &Html,
    scorer: &Scorer<'_>,
    discounted: &IdMap<f64>,
    best_id: NodeId,
    best_score: f64,
) -> Option<NodeId> {
    let best = doc.tree.get(best_id)?;
    let best_weight = f64::from(scorer.get(best_id).weight);
    for anc in best.ancestors().take(DOMINANT_LEVELS) {
        let el = anc.value().as_element()?;
        if matches!(el.name(), "body" | "html") || scorer.dropped.contains(&anc.id()) {
            break;
        }
        let Some(score) = discounted.get(&anc.id()).copied() else {
            continue;
        };
        let st = scorer.get(anc.id());
        if f64::from(st.weight) < best_weight * DOMINANT_WEIGHT
            || score < best_score * DOMINANT_SCORE
            || st.link_density() >= 0.3
        {
            continue;
        }
        let another = anc.descendants().any(|d| {
            discounted
                .get(&d.id())
                .is_some_and(|s| *s >= best_score * DOMINANT_OTHER)
                && !on_line_of(doc, best, d.id())
        });
        if another {
            return Some(anc.id());
        }
    }
    None
}

/// How far up from the best container [`repeated_parts`] looks for its repeats.
const REPEAT_LEVELS: usize = 3;

/// Publishing systems that cut an article into chunks (around ads or pull quotes) give every chunk the
/// same tag and class. When the best container's tag and class recur near it (under an ancestor at most
/// [`REPEAT_LEVELS`] up, at the same place below it: the same tags and classes between, bare inline
/// wrappers aside) on other kept elements that carry punctuated,
/// barely linked text, all of them (in page order) are the body. When no exact repeat turns up, templates
/// that give each block its own modifier classes are matched loosely (see [`repeated_parts_with`]); the
/// loose match also wins when it holds every exact repeat and more (most chunks share one class list, a
/// few carry an extra modifier such as `after-quote`).
/// Returns no parts when the best container has no class or no repeat.
fn repeated_parts(scorer: &Scorer<'_>, best: NodeRef<'_, Node>) -> Vec<NodeId> {
    let exact = repeated_parts_with(scorer, best, false);
    let loose = repeated_parts_with(scorer, best, true);
    if exact.is_empty() || (loose.len() > exact.len() && exact.iter().all(|e| loose.contains(e))) {
        loose
    } else {
        exact
    }
}

/// How far up [`repeated_parts`] looks when it matches classes loosely.
const LOOSE_REPEAT_LEVELS: usize = 5;
/// How many chunks a loose match must find.
const LOOSE_REPEATS: usize = 3;

/// Whether two class attributes name the same kind of element: equal or, when `loose`, sharing a class
/// (`article-text c-gray-1` and `article-text c-gray-1 Array`, or a layout cell with and without a
/// modifier class).
fn classes_alike(a: Option<&str>, b: Option<&str>, loose: bool) -> bool {
    match (a, b) {
        (Some(x), Some(y)) if loose => x
            .split_whitespace()
            .any(|t| y.split_whitespace().any(|u| u == t)),
        _ => a == b,
    }
}

/// [`repeated_parts`], matching classes exactly or (`loose`) by a shared class, then further up (at most
/// [`LOOSE_REPEAT_LEVELS`]) and only when at least [`LOOSE_REPEATS`] chunks turn up: templates that give each
/// block of an article its own modifier classes.
fn repeated_parts_with(scorer: &Scorer<'_>, best: NodeRef<'_, Node>, loose: bool) -> Vec<NodeId> {
    let levels = if loose {
        LOOSE_REPEAT_LEVELS
    } else {
        REPEAT_LEVELS
    };
    // A loose match already asks for more chunks; a chunk of it may be one short paragraph.
    let (min_weight, min_punct) = if loose { (50, 1) } else { (200, 5) };
    let Some(bel) = best.value().as_element() else {
        return Vec::new();
    };
    let Some(class) = bel.attr("class").filter(|c| !c.trim().is_empty()) else {
        return Vec::new();
    };
    let mut found: Vec<NodeId> = Vec::new();
    let mut found_strong = 0;
    let best_shape = {
        let mut shape = Vec::new();
        for a in best.ancestors().take(levels) {
            if let Some(el) = a.value().as_element() {
                if !is_bare_wrapper(el) {
                    shape.push((el.name(), el.attr("class")));
                }
            }
        }
        shape
    };
    let mut shape_len = 0;
    for (level, anc) in best.ancestors().enumerate() {
        if level >= levels {
            break;
        }
        let Some(ael) = anc.value().as_element() else {
            break;
        };
        if matches!(ael.name(), "body" | "html") || scorer.dropped.contains(&anc.id()) {
            break;
        }
        let level = shape_len;
        if !is_bare_wrapper(ael) {
            shape_len += 1;
        }
        let mut here: Vec<NodeId> = Vec::new();
        // How many of `here` carry a chunk's worth of text on their own (the best container does).
        let mut strong = 0;
        for n in anc.descendants() {
            let Some(el) = n.value().as_element() else {
                continue;
            };
            if el.name() != bel.name() || !classes_alike(el.attr("class"), Some(class), loose) {
                continue;
            }
            // Only kept nodes have statistics; a repeat inside another repeat is already covered.
            let Some(st) = scorer.stats.get(&n.id()) else {
                continue;
            };
            let is_strong = n.id() == best.id()
                || (st.weight >= min_weight && st.punct >= min_punct && st.link_density() <= 0.3);
            if n.id() != best.id()
                && (!shapes_alike(&path_shape(n, anc.id()), &best_shape[..level], loose)
                    || !(is_strong || (!loose && is_short_chunk(st))))
            {
                continue;
            }
            if n.ancestors().any(|a| here.contains(&a.id())) {
                continue;
            }
            here.push(n.id());
            if is_strong {
                strong += 1;
            }
        }
        if strong > found_strong {
            found_strong = strong;
            found = here;
        }
    }
    // Short chunks (a one-sentence step between ads) ride along with the repeats that carry the article;
    // they never make a repeat on their own.
    if found_strong < if loose { LOOSE_REPEATS } else { 2 } {
        return Vec::new();
    }
    found
}

/// Weighted text length from which a short chunk of an exactly repeated container joins (the smallest
/// text block that scores at all).
const SHORT_CHUNK_WEIGHT: u32 = 25;

/// A chunk too short to establish a repeat but, once the repeat is established by longer chunks of the
/// same tag, class and place, still part of the article: some prose (a sentence's punctuation), barely
/// linked.
fn is_short_chunk(st: &Stats) -> bool {
    st.weight >= SHORT_CHUNK_WEIGHT && st.punct >= 1 && st.link_density() <= 0.3
}

/// Whether two [`path_shape`]s match: the same tags, with [`classes_alike`] classes.
fn shapes_alike(a: &[(&str, Option<&str>)], b: &[(&str, Option<&str>)], loose: bool) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && classes_alike(x.1, y.1, loose))
}

/// An inline wrapper without class or id (`<span>`, `<font>`): templates wrap some chunks of an
/// article in one and not others, so it does not count in a chunk's place.
fn is_bare_wrapper(el: &scraper::node::Element) -> bool {
    matches!(el.name(), "span" | "font" | "b" | "i" | "em" | "strong")
        && el.attr("class").is_none_or(|c| c.trim().is_empty())
        && el.attr("id").is_none()
}

/// The tags and classes between `n` and its ancestor `top` (exclusive), nearest first, bare inline
/// wrappers left out: where a chunk sits below the ancestor its repeats share.
fn path_shape(n: NodeRef<'_, Node>, top: NodeId) -> Vec<(&str, Option<&str>)> {
    n.ancestors()
        .take_while(|a| a.id() != top)
        .filter_map(|a| a.value().as_element())
        .filter(|el| !is_bare_wrapper(el))
        .map(|el| (el.name(), el.attr("class")))
        .collect()
}

/// The element's parent when it is an element below `body` that scoring kept: how far the walks up from
/// the best container ([`lift_only_child`], [`lead_blocks`]) may go.
fn kept_parent<'a>(
    scorer: &Scorer<'_>,
    n: NodeRef<'a, Node>,
) -> Option<(NodeRef<'a, Node>, &'a scraper::node::Element)> {
    let parent = n.parent()?;
    let el = parent.value().as_element()?;
    (!matches!(el.name(), "body" | "html") && !scorer.dropped.contains(&parent.id()))
        .then_some((parent, el))
}

/// A container that is its parent's only kept element child (no text beside it) says nothing the
/// parent does not: lift it, so that the parent's siblings (the article's other columns) are compared.
/// A table section (`tbody`, `thead`, `tfoot`) is lifted to its table even beside a caption or header
/// row.
fn lift_only_child(doc: &Html, scorer: &Scorer<'_>, mut id: NodeId) -> NodeId {
    for _ in 0..MAX_DEPTH {
        let Some(node) = doc.tree.get(id) else {
            break;
        };
        let Some((parent, pel)) = kept_parent(scorer, node) else {
            break;
        };
        // A table's body is the table: its caption and header row belong with it, and the text around
        // the table is its siblings'.
        if pel.name() == "table"
            && node
                .value()
                .as_element()
                .is_some_and(|e| matches!(e.name(), "tbody" | "thead" | "tfoot"))
        {
            id = parent.id();
            continue;
        }
        let mut kept = 0;
        let mut text = false;
        for c in parent.children() {
            match c.value() {
                Node::Element(_) if !scorer.dropped.contains(&c.id()) => kept += 1,
                Node::Text(t) if !t.trim().is_empty() => text = true,
                _ => {}
            }
        }
        if kept != 1 || text {
            break;
        }
        id = parent.id();
    }
    id
}

/// The element's tag name, or nothing for other nodes.
fn tag_of<'a>(n: NodeRef<'a, Node>) -> &'a str {
    n.value().as_element().map_or("", |e| e.name())
}

/// Whether `sib` is another block of the template that made `anchor`: the same unclassed tag, wrapping a
/// first element of the same tag and (non-empty) class. Page builders set an article as a column of
/// `<section><div class="wysiwyg">…` blocks, one per section of text and one per gallery between them;
/// a short section of text is as much the article as a long one.
fn same_template_block<'a>(anchor: NodeRef<'a, Node>, sib: NodeRef<'a, Node>) -> bool {
    let (Some(a), Some(b)) = (anchor.value().as_element(), sib.value().as_element()) else {
        return false;
    };
    if a.name() != b.name() || a.attr("class").is_some() || b.attr("class").is_some() {
        return false;
    }
    let first = |n: NodeRef<'a, Node>| -> Option<(&'a str, Option<&'a str>)> {
        n.children()
            .find_map(|c| c.value().as_element().map(|e| (e.name(), e.attr("class"))))
    };
    match (first(anchor), first(sib)) {
        (Some((ta, Some(ca))), Some((tb, Some(cb)))) => {
            ta == tb && ca == cb && !ca.trim().is_empty()
        }
        _ => false,
    }
}

/// Longest weighted text of a heading that [`join_inner_blocks`] takes for a section title.
const HEADING_WEIGHT: u32 = 300;

/// Articles cut into sections put each section's heading, and the lists and tables that belong to the
/// text, beside the paragraphs' containers rather than inside them; on their own these score too low to
/// join the body. Given the best container's element siblings in page order (with whether each joined
/// on its own score), this also takes:
/// - a section heading (`h2`–`h6`, short, barely linked) whose next sibling joined: the title of the
///   section that follows;
/// - a run of section headings and lists, definition lists or tables that read as text, not navigation
///   (link density under 0.2), that sits between two siblings that joined: a section's title, its list,
///   the next section's title… all belong to the article around them, so the run joins as a whole.
///
/// Link-dense lists are navigation and stay out wherever they sit, and so does a run that anything
/// else (a short paragraph, a box that did not join) breaks.
fn join_inner_blocks(scorer: &Scorer<'_>, row: &[(NodeRef<'_, Node>, bool)]) -> Vec<bool> {
    let on_own: Vec<bool> = row.iter().map(|(_, j)| *j).collect();
    let is_heading = |n: NodeRef<'_, Node>| -> bool {
        let st = scorer.get(n.id());
        matches!(tag_of(n), "h2" | "h3" | "h4" | "h5" | "h6")
            && st.weight <= HEADING_WEIGHT
            && st.link_density() < 0.3
    };
    let is_text_list = |n: NodeRef<'_, Node>| -> bool {
        matches!(tag_of(n), "ul" | "ol" | "dl" | "table") && scorer.get(n.id()).link_density() < 0.2
    };
    let mut joined = on_own.clone();
    for (i, (node, own)) in row.iter().enumerate() {
        if !own && is_heading(*node) && on_own.get(i + 1) == Some(&true) {
            joined[i] = true;
        }
    }
    let mut i = 0;
    while i < row.len() {
        if on_own[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < row.len() && !on_own[i] && (is_heading(row[i].0) || is_text_list(row[i].0)) {
            i += 1;
        }
        if i == start {
            i += 1;
            continue;
        }
        if start > 0 && on_own[start - 1] && on_own.get(i) == Some(&true) {
            joined[start..i].fill(true);
        }
    }
    joined
}

/// A class or id that names an article's lead: the standfirst, intro or summary paragraph that templates
/// set above the body, apart from it (`article-intro`, `p.lead`, a BEM `Post__lead`, `leadIn`,
/// `atc-IntroText`, `excerpt`, `summary`, `article__abstract`, `epigraph`, `vorspann`, `bajada`, 摘要 as
/// `zhaiyao`, 导读 as `daodu`). Not `subtitle`: on a Chinese page that is the headline's 副标题, which goes
/// to the article's `subtitle` field, not into the body.
static LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b|_)lead(?:in|text)?\b|\bintro(?:text)?\b|standfirst|\bexcerpt\b|\bsummary\b|zhaiyao|daodu|abstract|bajada|vorspann|epigraph")
        .expect("static regex is valid")
});

/// A deck (`dek`): the headline's second line, a subtitle to the title rather than the body's opening.
static DECK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bdek\b").expect("static regex is valid"));

/// How many levels above the best container [`lead_blocks`] looks for the lead.
const LEAD_LEVELS: usize = 4;
/// Longest weighted text a lead may have: a paragraph or two, not a column of its own.
const LEAD_MAX_WEIGHT: u32 = 1500;
/// Shortest weighted text a lead may have (a kicker or a label is no lead).
const LEAD_MIN_WEIGHT: u32 = 40;

/// The article's lead when its template sets it apart, before the body's container: in an element whose
/// class or id names a lead ([`LEAD`]), that sits before the best container under one of its ancestors
/// (at most [`LEAD_LEVELS`] up, below `body`): in the article's header beside the title, or in a column
/// of its own. Scored alone, a paragraph or two never joins the body, and the article loses its first
/// sentences. Only punctuated, barely linked text of a paragraph's length counts, and never one that
/// holds the title (`h1`) or is the whole column of text (heavier than the body). A deck ([`DECK`]) or a
/// summary inside a byline or meta box (a class [`NEGATIVE`] names) is the title's companion, not the
/// body's opening: it stays out. So do excerpts that share their tag and class: a list of posts, each with
/// its teaser. (The caller also leaves out a lead that only repeats the body's opening.)
fn lead_blocks(scorer: &Scorer<'_>, best: NodeRef<'_, Node>, parts: &[NodeId]) -> Vec<NodeId> {
    let body_weight = scorer.get(best.id()).weight;
    let mut found = Vec::new();
    let mut child = best;
    for _ in 0..LEAD_LEVELS {
        let Some((anc, _)) = kept_parent(scorer, child) else {
            break;
        };
        for sib in anc.children() {
            if sib.id() == child.id() {
                break;
            }
            let mut stack = vec![sib];
            while let Some(n) = stack.pop() {
                let Some(el) = n.value().as_element() else {
                    continue;
                };
                if scorer.dropped.contains(&n.id()) || parts.contains(&n.id()) {
                    continue;
                }
                let ci = class_id(el);
                if is_match_ascii_first(&NEGATIVE, &NEGATIVE_ASCII, &ci) {
                    continue;
                }
                let named = !ci.is_empty()
                    && is_match_ascii_first(&LEAD, &LEAD_ASCII, &ci)
                    && !is_match_ascii_first(&DECK, &DECK_ASCII, &ci);
                if named && is_lead(scorer, n, body_weight) {
                    found.push(n.id());
                    continue;
                }
                stack.extend(n.children().rev());
            }
        }
        child = anc;
    }
    // Excerpts that share their tag and class are a list of posts, each with its teaser: not one lead.
    let shape = |id: &NodeId| {
        best.tree()
            .get(*id)
            .and_then(|n| n.value().as_element())
            .map(|e| (e.name(), e.attr("class")))
    };
    let shapes: Vec<_> = found.iter().map(shape).collect();
    found
        .into_iter()
        .zip(&shapes)
        .filter(|(_, s)| shapes.iter().filter(|o| o == s).count() == 1)
        .map(|(id, _)| id)
        .collect()
}

/// Whether a lead-named element reads as the article's lead (see [`lead_blocks`]).
fn is_lead(scorer: &Scorer<'_>, n: NodeRef<'_, Node>, body_weight: u32) -> bool {
    let st = scorer.get(n.id());
    st.weight >= LEAD_MIN_WEIGHT
        && st.weight <= LEAD_MAX_WEIGHT
        && st.weight < body_weight
        && st.punct > 0
        && st.link_density() < 0.2
        && !matches!(tag_of(n), "h1" | "a" | "ul" | "ol" | "li")
        && !n.descendants().any(|d| tag_of(d) == "h1")
}

/// Unlinked text from which a mostly linked paragraph is still prose (see [`reads_on_into_link`]).
const PROSE_BEFORE_LINK_WEIGHT: u32 = 30;

/// Whether a mostly linked paragraph is a sentence that runs on into its one link (`He was the insurer's
/// spokesman <a>at Link4, where he ran its press relations.</a>`) rather than a link with a label
/// (`Read more: <a>…</a>`, 相关链接：) or a list of links: punctuated, with a clause of its own before
/// the link.
fn reads_on_into_link(n: NodeRef<'_, Node>, st: &Stats) -> bool {
    if st.punct < 2 {
        return false;
    }
    let mut links = 0;
    let mut before = 0;
    for d in n.descendants() {
        match d.value() {
            Node::Element(e) if e.name() == "a" => links += 1,
            Node::Text(t) if links == 0 && !d.ancestors().any(|a| tag_of(a) == "a") => {
                before += text_stats(t).weight;
            }
            _ => {}
        }
    }
    links == 1 && before >= PROSE_BEFORE_LINK_WEIGHT
}

/// Weighted text from which an unlinked paragraph is prose of its own.
const PROSE_PARAGRAPH_WEIGHT: u32 = 40;

/// Whether one of the element's child paragraphs is prose: punctuated, barely linked text of its own. A
/// box of links with such a paragraph (a section's introduction above its list of links) keeps the
/// paragraph; the links still go, as linked blocks of their own.
fn holds_prose_paragraph(scorer: &Scorer<'_>, n: NodeRef<'_, Node>) -> bool {
    n.children().any(|c| {
        tag_of(c) == "p" && {
            let st = scorer.get(c.id());
            st.weight >= PROSE_PARAGRAPH_WEIGHT && st.punct > 0 && st.link_density() < 0.2
        }
    })
}

/// A box that names itself related or recommended reading (`jp-relatedposts`, `related-stories`).
static RELATED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)related|recommend").expect("static regex is valid"));

/// The kept teaser boxes of the page ([`is_teaser_box`]), found once per scoring pass: no candidate inside
/// one is the article, and the body's text skips them. Empty on nearly every page: only elements whose
/// class or id says related or recommended are looked into.
fn teaser_boxes(doc: &Html, scorer: &Scorer<'_>) -> IdSet {
    doc.tree
        .root()
        .descendants()
        .filter(|n| {
            n.value().as_element().is_some_and(|el| {
                scorer.stats.contains_key(&n.id()) && is_teaser_box(scorer, *n, el)
            })
        })
        .map(|n| n.id())
        .collect()
}

/// Whether an element inside the article's container is a box of teasers for other stories: its class
/// or id says related or recommended, and it holds at least two headings that are links (each teaser's
/// title). Such a box survives the chrome filters when its excerpts read as prose (and its class also
/// says `post` or `story`), but it is never the article.
fn is_teaser_box(scorer: &Scorer<'_>, n: NodeRef<'_, Node>, el: &scraper::node::Element) -> bool {
    if !matches!(el.name(), "div" | "section" | "aside" | "ul" | "ol") {
        return false;
    }
    if ![el.attr("class"), el.attr("id")]
        .into_iter()
        .flatten()
        .any(|v| RELATED.is_match(v))
    {
        return false;
    }
    n.descendants()
        .filter(|d| matches!(tag_of(*d), "h2" | "h3" | "h4" | "h5" | "h6"))
        .filter(|d| {
            let st = scorer.get(d.id());
            st.weight > 0 && st.link_weight * 2 >= st.weight
        })
        .nth(1)
        .is_some()
}

/// Weighted text up to which a page that no block scores on is read whole (see [`short_page_body`]).
const SHORT_PAGE_WEIGHT: u32 = 300;

/// Whether `a` is a script trigger (`href="javascript:…"`) rather than a link to another page.
fn is_script_anchor(el: &scraper::node::Element) -> bool {
    el.attr("href").is_some_and(|h| {
        h.trim_start()
            .get(..11)
            .is_some_and(|p| p.eq_ignore_ascii_case("javascript:"))
    })
}

/// Marks of a Chinese site's footer line: copyright, ICP and police registration numbers, the
/// publisher's credits.
static FOOTER_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)版权所有|icp\s*[备证]|公网安备|备案号|(?:主办|承办|协办)单位\s*[:：]|技术支持\s*[:：]|建议使用.{0,12}浏览器")
        .expect("static regex is valid")
});
/// A copyright notice in Latin script (`© 2024 Example Union. All rights reserved.`).
static LATIN_COPYRIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:©|\(c\)|copyright)|all rights reserved").expect("static regex is valid")
});

/// Whether a line is a Chinese site's footer (`主办单位：某某市总工会 地址：… 备案号：京ICP备…`) rather than
/// the page's own text: on a page whose article is an image or a file, the footer is what is left, and it
/// is not the article; at the end of a body it is page furniture. A sentence (`。`) is never one, and
/// neither is a line of contact details alone (a notice's own `报名地址：… 电话：…` is its text).
pub(crate) fn is_site_footer_line(line: &str) -> bool {
    !line.contains('。') && FOOTER_MARK.is_match(line)
}

/// The body of a page so short that no block of it reaches the scoring floor: a one-line notice, a
/// test page, a headline and its photo, text wrapped in a script-trigger anchor. When the page's visible
/// text (chrome already dropped) is at most [`SHORT_PAGE_WEIGHT`] and mostly not link text (script
/// triggers are not links), that text is the body, without link-dense lists and boxes and without the
/// site's footer and copyright lines. A page of links (a bare navigation or error page), or one whose
/// only text is its footer (an article that is an image or a file), stays empty.
fn short_page_body(doc: &Html, scorer: &Scorer<'_>) -> Body {
    let Some(body) = doc
        .tree
        .root()
        .descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
    else {
        return Body::default();
    };
    let st = scorer.get(body.id());
    if st.weight == 0 || st.weight > SHORT_PAGE_WEIGHT {
        return Body::default();
    }
    let link_weight: u32 = body
        .descendants()
        .filter(|n| {
            n.value()
                .as_element()
                .is_some_and(|e| e.name() == "a" && !is_script_anchor(e))
        })
        .map(|n| scorer.get(n.id()).weight)
        .sum();
    if link_weight * 2 > st.weight {
        return Body::default();
    }
    let skip = |n: NodeRef<'_, Node>| -> bool {
        if scorer.dropped.contains(&n.id()) {
            return true;
        }
        let Some(el) = n.value().as_element() else {
            return false;
        };
        matches!(
            el.name(),
            "ul" | "ol" | "div" | "table" | "section" | "dl" | "li"
        ) && scorer.get(n.id()).link_density() > 0.5
    };
    let paragraphs: Vec<String> = text_lines(body, skip)
        .into_iter()
        .filter(|l| !is_chrome_line(l) && !is_site_footer_line(l) && !LATIN_COPYRIGHT.is_match(l))
        .collect();
    if paragraphs.is_empty() {
        return Body::default();
    }
    Body {
        root: Some(body.id()),
        paragraphs,
        parts: vec![body.id()],
    }
}

/// The deepest element that holds every node of `ids` (itself one of them when it holds the others).
fn lowest_common_ancestor<'a>(doc: &'a Html, ids: &[NodeId]) -> Option<NodeRef<'a, Node>> {
    let first = doc.tree.get(*ids.first()?)?;
    let mut chain: Vec<NodeRef<'a, Node>> =
        std::iter::once(first).chain(first.ancestors()).collect();
    for id in &ids[1..] {
        let n = doc.tree.get(*id)?;
        let path: IdSet = std::iter::once(n)
            .chain(n.ancestors())
            .map(|a| a.id())
            .collect();
        let keep = chain.iter().position(|c| path.contains(&c.id()))?;
        chain.drain(..keep);
    }
    chain.first().copied()
}

/// A heading is the start of what follows it: one that ends the body has lost its section (a related-posts
/// or further-reading list that scoring dropped, or that the page fills in later by script), and is not
/// article text. Trailing lines that are the text of a heading inside the body's parts are dropped.
fn drop_trailing_headings(doc: &Html, parts: &[NodeId], paragraphs: &mut Vec<String>) {
    let Some(last) = paragraphs.last() else {
        return;
    };
    if last.chars().count() > 120 {
        return;
    }
    let mut headings: Vec<String> = Vec::new();
    for id in parts {
        let Some(node) = doc.tree.get(*id) else {
            continue;
        };
        for d in node.descendants() {
            if matches!(tag_of(d), "h2" | "h3" | "h4" | "h5" | "h6") {
                if let Some(el) = ElementRef::wrap(d) {
                    headings.push(inline_text(el));
                }
            }
        }
    }
    // A heading of two sentences or more is a standfirst set as a heading, whose section may be hidden
    // (paywalled) rather than gone: it stays.
    let one_phrase = |l: &str| {
        let inner = l.trim_end_matches(['.', '!', '?', '。', '！', '？', ':', '：']);
        !inner.contains(['。', '！', '？'])
            && !inner.contains(". ")
            && !inner.contains("! ")
            && !inner.contains("? ")
    };
    // A body made of headings alone (a page of captioned pictures) keeps its first.
    while paragraphs.len() > 1
        && paragraphs
            .last()
            .is_some_and(|l| one_phrase(l) && headings.iter().any(|h| h == l))
    {
        paragraphs.pop();
    }
}

fn extract_body_with(doc: &Html, exclude: &HashSet<NodeId>, strip_unlikely: bool) -> Body {
    let mut scorer = Scorer::new(doc, exclude, strip_unlikely);
    let root = doc.tree.root();
    scorer.collect(root);

    // Score text blocks and propagate to ancestors.
    let mut scores: IdMap<f64> = IdMap::default();
    let mut order: Vec<NodeId> = Vec::new();
    // Candidates whose class or id suggests content, with the bonus it brings.
    let mut vouched: IdMap<f64> = IdMap::default();
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
        // A container whose own text is a paragraph (text beside `<br>`s, not wrapped in `<p>`) is
        // scored as its own parent would be: it is the paragraph's container.
        let holds_text = !matches!(name, "p" | "pre" | "td" | "blockquote" | "span" | "font");
        let mut anc = if holds_text {
            Some(node)
        } else {
            node.parent()
        };
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
                let cw = class_weight(ael);
                if cw > 0.0 {
                    vouched.insert(a.id(), cw);
                }
                tag_base(ael.name()) + cw.min(0.0)
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

    // A content-suggesting class or id vouches for the text under it: below [`VOUCHED_WEIGHT`] it adds only
    // its share, so a `page-title` block holding the headline alone cannot outrank a short report's
    // paragraphs on its name.
    for (id, bonus) in vouched {
        let w = f64::from(scorer.get(id).weight);
        if let Some(s) = scores.get_mut(&id) {
            *s += bonus * (w / VOUCHED_WEIGHT).min(1.0);
        }
    }

    // Each candidate's score discounted by its link density, in page order.
    let ranked: Vec<(NodeId, f64)> = order
        .iter()
        .map(|id| {
            let raw = scores.get(id).copied().unwrap_or(0.0);
            (*id, raw * (1.0 - scorer.get(*id).link_density()))
        })
        .collect();
    // A box of teasers for other stories is never the article, whichever pass reads it.
    let teasers = teaser_boxes(doc, &scorer);
    let ranked: Vec<(NodeId, f64)> = if teasers.is_empty() {
        ranked
    } else {
        ranked
            .into_iter()
            .filter(|(id, _)| {
                !doc.tree.get(*id).is_some_and(|n| {
                    std::iter::once(n)
                        .chain(n.ancestors())
                        .any(|a| teasers.contains(&a.id()))
                })
            })
            .collect()
    };
    let mut best: Option<(NodeId, f64)> = None;
    for &(id, s) in &ranked {
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((id, s));
        }
    }
    let Some((mut best_id, best_score)) = best else {
        return short_page_body(doc, &scorer);
    };
    let discounted: IdMap<f64> = ranked.iter().copied().collect();
    if let Some(up) = common_container(doc, ranked, &scorer, best_id, best_score) {
        best_id = up;
    } else if let Some(up) = dominant_ancestor(doc, &scorer, &discounted, best_id, best_score) {
        best_id = up;
    }
    best_id = lift_only_child(doc, &scorer, best_id);
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
    let repeated = repeated_parts(&scorer, best_node);
    // The block whose siblings may join the body: the best container, or the block holding all of its
    // repeats (an accordion's lists, a column of cards), beside which a lead or a closing paragraph sits.
    // A block of repeats that is the page's whole layout (directly under `body`) is joined by nothing.
    let anchor = if repeated.is_empty() {
        best_node
    } else {
        lowest_common_ancestor(doc, &repeated).unwrap_or(best_node)
    };
    let row_parent = anchor.parent().filter(|p| {
        p.value()
            .as_element()
            .is_some_and(|e| e.name() != "html" && (repeated.is_empty() || e.name() != "body"))
    });
    let siblings: Vec<_> = match row_parent {
        Some(p) => p.children().collect(),
        None => vec![anchor],
    };
    // Each element sibling with text, and whether it joins the body on its own score.
    let mut row: Vec<(NodeRef<'_, Node>, bool)> = Vec::new();
    for sib in siblings {
        if sib.id() == anchor.id() {
            row.push((sib, true));
            continue;
        }
        let Some(el) = sib.value().as_element() else {
            continue;
        };
        if scorer.dropped.contains(&sib.id()) {
            continue;
        }
        let st = scorer.get(sib.id());
        if st.weight == 0 {
            continue;
        }
        let mut bonus = 0.0;
        if (!best_class.is_empty() && el.attr("class") == Some(best_class))
            || same_template_block(anchor, sib)
        {
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
        row.push((sib, append));
    }
    let joined = join_inner_blocks(&scorer, &row);
    let mut parts: Vec<NodeId> = Vec::new();
    for ((n, _), j) in row.iter().zip(joined) {
        if !j {
            continue;
        }
        if n.id() == anchor.id() && !repeated.is_empty() {
            parts.extend(repeated.iter().copied());
        } else {
            parts.push(n.id());
        }
    }
    let skip = |n: NodeRef<'_, Node>| -> bool {
        if scorer.dropped.contains(&n.id()) {
            return true;
        }
        let Some(el) = n.value().as_element() else {
            return false;
        };
        let st = scorer.get(n.id());
        let linked_box = match el.name() {
            "div" | "section" => {
                st.weight > 0 && st.link_density() > 0.5 && !holds_prose_paragraph(&scorer, n)
            }
            "ul" | "ol" | "table" | "dl" | "p" | "li" => {
                st.weight > 0
                    && st.link_density() > 0.5
                    && !(el.name() == "p" && (st.weight > 300 || reads_on_into_link(n, &st)))
            }
            "h1" => true,
            _ => false,
        };
        linked_box || teasers.contains(&n.id())
    };
    let lines_of = |id: NodeId| -> Vec<String> {
        doc.tree.get(id).map_or_else(Vec::new, |node| {
            text_lines(node, skip)
                .into_iter()
                .filter(|l| !is_chrome_line(l))
                .collect()
        })
    };
    let mut blocks: Vec<(NodeId, Vec<String>)> =
        parts.iter().map(|id| (*id, lines_of(*id))).collect();
    let leads = lead_blocks(&scorer, best_node, &parts);
    if !leads.is_empty() {
        // A lead that only repeats the body's opening (a summary cut from its first paragraph) stays out.
        let opening: String = blocks
            .iter()
            .flat_map(|(_, ls)| ls.iter())
            .flat_map(|l| l.chars())
            .filter(|c| !c.is_whitespace())
            .take(LEAD_MAX_WEIGHT as usize)
            .collect();
        for id in leads {
            let lines = lines_of(id);
            let text: String = lines
                .iter()
                .flat_map(|l| l.chars())
                .filter(|c| !c.is_whitespace())
                .collect();
            let text = text.trim_end_matches(['.', '…', '。']);
            if text.is_empty() || opening.contains(text) {
                continue;
            }
            parts.push(id);
            blocks.push((id, lines));
        }
        // Node ids follow page order: the lead goes before the body it opens.
        parts.sort_unstable();
        blocks.sort_unstable_by_key(|(id, _)| *id);
    }
    let mut paragraphs: Vec<String> = blocks.into_iter().flat_map(|(_, ls)| ls).collect();
    drop_trailing_headings(doc, &parts, &mut paragraphs);
    Body {
        root: Some(best_id),
        paragraphs,
        parts,
    }
}
