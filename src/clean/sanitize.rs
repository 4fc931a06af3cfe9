//! HTML sanitising for republishing article bodies in feeds (ammonia, html5ever-based): a small allow-list of
//! structural tags, only http/https/mailto URLs, relative URLs made absolute, and safe link relations.

use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};

/// Tags kept in republished HTML.
const ALLOWED_TAGS: &[&str] = &[
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "colgroup",
    "col",
    "hr",
];

/// Elements removed together with everything inside them.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "template", "textarea", "select", "button", "form", "input", "xmp", "noembed",
    "noframes", "title", "head", "link", "meta", "base", "audio", "video", "canvas",
];

/// URL schemes allowed in `href` and `src`.
const URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// See [`crate::clean::sanitize_html`].
pub(crate) fn sanitize(html: &str, base: &url::Url) -> String {
    // html5ever's tree builder is quadratic in nesting depth: flatten pathological nesting first.
    let flat = super::nesting::flatten_nesting(html);
    let html = flat.as_ref();
    let tags: HashSet<&str> = ALLOWED_TAGS.iter().copied().collect();
    let dropped: HashSet<&str> = DROPPED_WITH_CONTENT.iter().copied().collect();
    let mut attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    attributes.insert("a", ["href", "title"].into_iter().collect());
    attributes.insert(
        "img",
        ["src", "alt", "title", "width", "height"]
            .into_iter()
            .collect(),
    );
    attributes.insert("td", ["colspan", "rowspan"].into_iter().collect());
    attributes.insert("th", ["colspan", "rowspan", "scope"].into_iter().collect());
    attributes.insert("ol", ["start"].into_iter().collect());
    let mut builder = Builder::empty();
    builder
        .tags(tags)
        .clean_content_tags(dropped)
        .tag_attributes(attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::RewriteWithBase(base.clone()))
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    builder.clean(html).to_string()
}
