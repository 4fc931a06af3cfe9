//! The three feed serializers: RSS 2.0 through the `rss` crate, Atom 1.0 through `atom_syndication`,
//! JSON Feed 1.1 through `serde_json`. Each takes the same [`FeedMeta`] and [`FeedItem`]s, strips
//! characters XML 1.0 forbids, keeps dates in the offset the page gave (+08:00 for Chinese pages),
//! and lists the other sites that carried a story at the end of its HTML.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{is_web_url, one_line, xml_text, FeedItem, FeedMeta, OtherCopy};
use crate::model::{beijing, Published};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const GENERATOR: &str = concat!("unionwire ", env!("CARGO_PKG_VERSION"));
const LANGUAGE: &str = "zh-cn";
/// The title given to an item whose headline is empty (RSS and Atom both want one).
const UNTITLED: &str = "(无标题)";
/// The category scheme (Atom) and domain (RSS) of the credited outlet (来源).
const LAIYUAN_SCHEME: &str = "urn:unionwire:laiyuan";

/// A feed-level instant written in Beijing time.
fn beijing_time(ts: jiff::Timestamp) -> Published {
    Published {
        instant: ts,
        offset: beijing(),
    }
}

/// `2024-09-27 11:01` in Beijing time.
pub(super) fn beijing_minute(ts: jiff::Timestamp) -> String {
    beijing()
        .to_datetime(ts)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn item_title(item: &FeedItem) -> String {
    let t = one_line(&item.title);
    if t.is_empty() {
        UNTITLED.to_owned()
    } else {
        t
    }
}

fn item_link(item: &FeedItem) -> Option<String> {
    is_web_url(&item.link).then(|| xml_text(&item.link))
}

fn authors(item: &FeedItem) -> Vec<String> {
    item.authors
        .iter()
        .map(|a| one_line(a))
        .filter(|a| !a.is_empty())
        .collect()
}

fn clean_opt(s: Option<&String>) -> Option<String> {
    s.map(|s| one_line(s)).filter(|s| !s.is_empty())
}

/// The item's HTML followed by the list of the other sites that carried the story.
fn full_html(item: &FeedItem) -> String {
    let mut html = xml_text(&item.content_html);
    // Clean copies first, mirrors last (the order the item builder gives, kept here for any caller).
    let mut others: Vec<&OtherCopy> = item
        .also_carried_by
        .iter()
        .filter(|c| is_web_url(&c.url))
        .collect();
    others.sort_by_key(|c| c.mirror);
    if !others.is_empty() {
        html.push_str("<hr><p>同一报道亦见于：</p><ul>");
        for c in others {
            let mut label = one_line(&c.name);
            if label.is_empty() {
                label = url::Url::parse(&c.url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default();
            }
            html.push_str("<li><a href=\"");
            html.push_str(&html_escape::encode_double_quoted_attribute(&xml_text(
                &c.url,
            )));
            html.push_str("\" rel=\"noopener noreferrer\">");
            html.push_str(&html_escape::encode_text(&label));
            html.push_str("</a>");
            if c.mirror {
                html.push(' ');
                html.push_str(MIRROR_MARK);
            }
            html.push_str("</li>");
        }
        html.push_str("</ul>");
    }
    html
}

/// How a mirror copy is marked in a copy list.
pub const MIRROR_MARK: &str = "（镜像站转载，文字经修复）";

/// The item's authors as one name list (`张三、李四`): newsboat, like several readers, shows only the
/// last of repeated `dc:creator` elements, so RSS carries them all in one.
fn joined_authors(item: &FeedItem) -> Option<String> {
    let names = authors(item);
    (!names.is_empty()).then(|| names.join("、"))
}

/// `xml` with an `<?xml-stylesheet?>` processing instruction after its XML declaration, so that a
/// browser renders it through our XSLT; readers ignore it.
pub(super) fn with_stylesheet(xml: String, stylesheet: Option<&url::Url>) -> String {
    let Some(href) = stylesheet else {
        return xml;
    };
    let pi = format!(
        "<?xml-stylesheet type=\"text/xsl\" href=\"{}\"?>",
        html_escape::encode_double_quoted_attribute(&xml_text(href.as_str()))
    );
    match xml.strip_prefix("<?xml") {
        Some(_) => match xml.find("?>") {
            Some(end) => format!("{}\n{pi}{}", &xml[..end + 2], &xml[end + 2..]),
            None => xml,
        },
        None => format!("{pi}\n{xml}"),
    }
}

/// The instant an item last changed: its `updated`, else its publication.
fn item_instant(item: &FeedItem) -> Option<jiff::Timestamp> {
    item.updated.or(item.published.map(|p| p.instant))
}

/// Renders an RSS 2.0 document: channel title, link, description, `atom:link rel="self"`,
/// `lastBuildDate`, `ttl`; per item a non-permalink GUID, `pubDate` in the page's offset,
/// `dc:creator`, the source name as category, `source` (来源), an HTML-escaped plain summary as
/// `description`, and the full HTML as `content:encoded`.
#[must_use]
pub fn render_rss(meta: &FeedMeta, items: &[FeedItem]) -> String {
    let mut channel = rss::Channel {
        title: one_line(&meta.title),
        link: xml_text(meta.home_url.as_str()),
        description: one_line(&meta.description),
        language: Some(LANGUAGE.to_owned()),
        generator: Some(GENERATOR.to_owned()),
        ttl: Some(meta.ttl_minutes.max(1).to_string()),
        last_build_date: meta.updated.map(|t| beijing_time(t).to_rfc2822()),
        ..rss::Channel::default()
    };
    channel
        .namespaces
        .insert("atom".to_owned(), ATOM_NS.to_owned());
    let self_link = rss::extension::Extension {
        name: "atom:link".to_owned(),
        value: None,
        attrs: BTreeMap::from([
            ("href".to_owned(), xml_text(meta.self_url.as_str())),
            ("rel".to_owned(), "self".to_owned()),
            ("type".to_owned(), "application/rss+xml".to_owned()),
        ]),
        children: BTreeMap::new(),
    };
    let mut links = vec![self_link];
    if let Some(next) = &meta.next_url {
        links.push(rss::extension::Extension {
            name: "atom:link".to_owned(),
            value: None,
            attrs: BTreeMap::from([
                ("href".to_owned(), xml_text(next.as_str())),
                ("rel".to_owned(), "next".to_owned()),
                ("type".to_owned(), "application/rss+xml".to_owned()),
            ]),
            children: BTreeMap::new(),
        });
    }
    channel.extensions.insert(
        "atom".to_owned(),
        BTreeMap::from([("link".to_owned(), links)]),
    );

    channel.items = items.iter().map(rss_item).collect();

    let bytes = channel
        .write_to(Vec::new())
        .expect("writing XML into a Vec<u8> cannot fail");
    let xml =
        String::from_utf8(bytes).expect("the XML writer only writes the UTF-8 strings it is given");
    with_stylesheet(xml, meta.stylesheet.as_ref())
}

fn rss_item(item: &FeedItem) -> rss::Item {
    let link = item_link(item);
    let dc = joined_authors(item).map(|names| rss::extension::dublincore::DublinCoreExtension {
        creators: vec![names],
        ..Default::default()
    });
    let mut categories: Vec<rss::Category> = clean_opt(item.category.as_ref())
        .map(|name| rss::Category { name, domain: None })
        .into_iter()
        .collect();
    if let Some(credit) = clean_opt(item.source.as_ref()) {
        categories.push(rss::Category {
            name: credit,
            domain: Some(LAIYUAN_SCHEME.to_owned()),
        });
    }
    // RSS 2.0: `source` is the channel the item came from, so it points at the source's own feed.
    let source = match (
        clean_opt(item.category.as_ref()),
        item.source_feed.as_deref().filter(|u| is_web_url(u)),
    ) {
        (Some(title), Some(url)) => Some(rss::Source {
            url: xml_text(url),
            title: Some(title),
        }),
        _ => None,
    };
    let summary = one_line(&item.summary);
    rss::Item {
        title: Some(item_title(item)),
        link,
        description: (!summary.is_empty()).then(|| html_escape::encode_text(&summary).into_owned()),
        guid: Some(rss::Guid {
            value: xml_text(&item.guid),
            permalink: false,
        }),
        pub_date: item.published.map(|p| p.to_rfc2822()),
        categories,
        source,
        content: Some(full_html(item)),
        dublin_core_ext: dc,
        ..rss::Item::default()
    }
}

/// An Atom date in the page's offset; epoch when the instant is unrepresentable.
fn atom_date(p: Published) -> atom_syndication::FixedDateTime {
    atom_syndication::FixedDateTime::parse_from_rfc3339(&p.to_rfc3339()).unwrap_or_default()
}

/// Renders an Atom 1.0 document: feed id (the self URL), title, subtitle, `updated` (when its
/// content last changed; the build time for an empty feed), self, alternate and (RFC 5005) next links,
/// and no feed-level author for entries to inherit; per entry the GUID as id, `published` and
/// `updated` in the page's offset, its authors (an entry without a byline names no person: its
/// `atom:source` names the site it came from), the source name as a category, 来源 as a category in
/// the `urn:unionwire:laiyuan` scheme labelled with the outlet's name, a plain-text summary and the
/// full HTML as `content type="html"`.
#[must_use]
pub fn render_atom(meta: &FeedMeta, items: &[FeedItem]) -> String {
    let feed_updated = atom_date(beijing_time(
        meta.updated
            .or_else(|| items.iter().filter_map(item_instant).max())
            .unwrap_or(meta.built),
    ));
    let entries = items
        .iter()
        .map(|item| atom_entry(item, feed_updated))
        .collect();
    let mut links = vec![
        atom_link(meta.self_url.as_str(), "self", "application/atom+xml"),
        atom_link(meta.home_url.as_str(), "alternate", "text/html"),
    ];
    if let Some(next) = &meta.next_url {
        links.push(atom_link(next.as_str(), "next", "application/atom+xml"));
    }
    let feed = atom_syndication::Feed {
        title: atom_syndication::Text::plain(one_line(&meta.title)),
        id: xml_text(meta.self_url.as_str()),
        updated: feed_updated,
        generator: Some(atom_syndication::Generator {
            value: "unionwire".to_owned(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        links,
        subtitle: Some(atom_syndication::Text::plain(one_line(&meta.description))),
        entries,
        lang: Some(LANGUAGE.to_owned()),
        ..atom_syndication::Feed::default()
    };
    let bytes = feed
        .write_to(Vec::new())
        .expect("writing XML into a Vec<u8> cannot fail");
    let xml =
        String::from_utf8(bytes).expect("the XML writer only writes the UTF-8 strings it is given");
    with_stylesheet(xml, meta.stylesheet.as_ref())
}

fn atom_link(href: &str, rel: &str, mime: &str) -> atom_syndication::Link {
    atom_syndication::Link {
        href: xml_text(href),
        rel: rel.to_owned(),
        mime_type: Some(mime.to_owned()),
        ..atom_syndication::Link::default()
    }
}

fn atom_entry(
    item: &FeedItem,
    feed_updated: atom_syndication::FixedDateTime,
) -> atom_syndication::Entry {
    let offset = item.published.map_or_else(beijing, |p| p.offset);
    let updated = item_instant(item)
        .map(|instant| atom_date(Published { instant, offset }))
        .unwrap_or(feed_updated);
    let mut categories = Vec::new();
    let site = clean_opt(item.category.as_ref());
    if let Some(name) = &site {
        categories.push(atom_syndication::Category {
            term: name.clone(),
            scheme: None,
            label: Some(name.clone()),
        });
    }
    if let Some(credit) = clean_opt(item.source.as_ref()) {
        categories.push(atom_syndication::Category {
            term: credit.clone(),
            scheme: Some(LAIYUAN_SCHEME.to_owned()),
            label: Some(credit),
        });
    }
    let authors: Vec<atom_syndication::Person> = authors(item)
        .into_iter()
        .map(|name| atom_syndication::Person {
            name,
            ..atom_syndication::Person::default()
        })
        .collect();
    // RFC 4287 §4.1.2: an entry without an author needs one in its atom:source (or the feed's, which
    // every such entry would inherit as if it were its byline). The source's site is the author of
    // the feed the entry came from, which is true; no person is invented.
    let source = match (&site, authors.is_empty()) {
        (Some(name), true) => Some(atom_syndication::Source {
            title: atom_syndication::Text::plain(name.clone()),
            id: item
                .source_feed
                .as_deref()
                .filter(|u| is_web_url(u))
                .map_or_else(|| format!("{}#source", xml_text(&item.guid)), xml_text),
            updated,
            authors: vec![atom_syndication::Person {
                name: name.clone(),
                ..atom_syndication::Person::default()
            }],
            links: item
                .source_feed
                .as_deref()
                .filter(|u| is_web_url(u))
                .map(|u| atom_link(u, "self", "application/rss+xml"))
                .into_iter()
                .collect(),
            ..atom_syndication::Source::default()
        }),
        _ => None,
    };
    let summary = one_line(&item.summary);
    atom_syndication::Entry {
        title: atom_syndication::Text::plain(item_title(item)),
        id: xml_text(&item.guid),
        updated,
        published: item.published.map(atom_date),
        authors,
        source,
        categories,
        links: item_link(item)
            .map(|href| atom_syndication::Link {
                href,
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..atom_syndication::Link::default()
            })
            .into_iter()
            .collect(),
        summary: (!summary.is_empty()).then(|| atom_syndication::Text::plain(summary)),
        content: Some(atom_syndication::Content {
            content_type: Some("html".to_owned()),
            value: Some(full_html(item)),
            ..atom_syndication::Content::default()
        }),
        ..atom_syndication::Entry::default()
    }
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: String,
    language: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    summary: String,
    content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(rename = "_unionwire")]
    extension: JsonExtension,
}

/// The JSON Feed extension object (keys starting with `_` are reserved for extensions).
#[derive(Serialize)]
struct JsonExtension {
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    also_carried_by: Vec<JsonLink>,
}

#[derive(Serialize)]
struct JsonLink {
    name: String,
    url: String,
    mirror: bool,
}

/// Renders a JSON Feed 1.1 document; the credited outlet (来源) and the other carriers also go in
/// the `_unionwire` extension object of each item.
#[must_use]
pub fn render_json(meta: &FeedMeta, items: &[FeedItem]) -> String {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: one_line(&meta.title),
        home_page_url: meta.home_url.as_str(),
        feed_url: meta.self_url.as_str(),
        description: one_line(&meta.description),
        language: "zh-CN",
        next_url: meta.next_url.as_ref().map(|u| u.as_str().to_owned()),
        items: items.iter().map(json_item).collect(),
    };
    serde_json::to_string(&feed).expect("serialising plain structs with string keys cannot fail")
}

fn json_item(item: &FeedItem) -> JsonItem {
    let offset = item.published.map_or_else(beijing, |p| p.offset);
    JsonItem {
        id: xml_text(&item.guid),
        url: item_link(item),
        title: item_title(item),
        summary: one_line(&item.summary),
        content_html: full_html(item),
        date_published: item.published.map(|p| p.to_rfc3339()),
        // Only a change after publication is worth a date_modified.
        date_modified: item
            .updated
            .filter(|u| item.published.is_some_and(|p| p.instant != *u))
            .map(|instant| Published { instant, offset }.to_rfc3339()),
        authors: authors(item)
            .into_iter()
            .map(|name| JsonAuthor { name })
            .collect(),
        tags: clean_opt(item.category.as_ref()).into_iter().collect(),
        extension: JsonExtension {
            source: clean_opt(item.source.as_ref()),
            also_carried_by: item
                .also_carried_by
                .iter()
                .filter(|c| is_web_url(&c.url))
                .map(|c| JsonLink {
                    name: one_line(&c.name),
                    url: xml_text(&c.url),
                    mirror: c.mirror,
                })
                .collect(),
        },
    }
}
