//! The three feed serializers: RSS 2.0 through the `rss` crate, Atom 1.0 through `atom_syndication`,
//! JSON Feed 1.1 through `serde_json`. Each takes the same [`FeedMeta`] and [`FeedItem`]s, strips
//! characters XML 1.0 forbids, keeps dates in the offset the page gave (+08:00 for Chinese pages),
//! and lists the other sites that carried a story at the end of its HTML.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{is_web_url, one_line, xml_text, FeedItem, FeedMeta};
use crate::model::{beijing, Published};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const GENERATOR: &str = concat!("unionwire ", env!("CARGO_PKG_VERSION"));
const LANGUAGE: &str = "zh-cn";
/// The title given to an item whose headline is empty (RSS and Atom both want one).
const UNTITLED: &str = "(无标题)";

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
    let mut others = item
        .also_carried_by
        .iter()
        .filter(|(_, url)| is_web_url(url))
        .peekable();
    if others.peek().is_some() {
        html.push_str("<hr><p>同一报道亦见于：</p><ul>");
        for (name, url) in others {
            let mut label = one_line(name);
            if label.is_empty() {
                label = url::Url::parse(url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default();
            }
            html.push_str("<li><a href=\"");
            html.push_str(&html_escape::encode_double_quoted_attribute(&xml_text(url)));
            html.push_str("\" rel=\"noopener noreferrer\">");
            html.push_str(&html_escape::encode_text(&label));
            html.push_str("</a></li>");
        }
        html.push_str("</ul>");
    }
    html
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
    channel.extensions.insert(
        "atom".to_owned(),
        BTreeMap::from([("link".to_owned(), vec![self_link])]),
    );

    channel.items = items.iter().map(rss_item).collect();

    let bytes = channel
        .write_to(Vec::new())
        .expect("writing XML into a Vec<u8> cannot fail");
    String::from_utf8(bytes).expect("the XML writer only writes the UTF-8 strings it is given")
}

fn rss_item(item: &FeedItem) -> rss::Item {
    let link = item_link(item);
    let creators = authors(item);
    let dc = (!creators.is_empty()).then(|| rss::extension::dublincore::DublinCoreExtension {
        creators,
        ..Default::default()
    });
    let categories = clean_opt(item.category.as_ref())
        .map(|name| rss::Category { name, domain: None })
        .into_iter()
        .collect();
    // `source` needs a URL; the credited outlet is tied to the article it was credited on.
    let source = match (clean_opt(item.source.as_ref()), &link) {
        (Some(title), Some(url)) => Some(rss::Source {
            url: url.clone(),
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

/// Renders an Atom 1.0 document: feed id (the self URL), title, subtitle, `updated`, self and
/// alternate links, a feed-level author; per entry the GUID as id, `published` and `updated` in the
/// page's offset, authors, the source name as category, 来源 as a category in the
/// `urn:unionwire:laiyuan` scheme, a plain-text summary and the full HTML as `content type="html"`.
#[must_use]
pub fn render_atom(meta: &FeedMeta, items: &[FeedItem]) -> String {
    let feed_updated = meta
        .updated
        .or_else(|| items.iter().filter_map(item_instant).max())
        .map(|t| atom_date(beijing_time(t)))
        .unwrap_or_default();
    let entries = items
        .iter()
        .map(|item| atom_entry(item, feed_updated))
        .collect();
    let feed = atom_syndication::Feed {
        title: atom_syndication::Text::plain(one_line(&meta.title)),
        id: xml_text(meta.self_url.as_str()),
        updated: feed_updated,
        authors: vec![atom_syndication::Person {
            name: "unionwire".to_owned(),
            email: None,
            uri: Some(xml_text(meta.home_url.as_str())),
            ..atom_syndication::Person::default()
        }],
        generator: Some(atom_syndication::Generator {
            value: "unionwire".to_owned(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        links: vec![
            atom_link(meta.self_url.as_str(), "self", "application/atom+xml"),
            atom_link(meta.home_url.as_str(), "alternate", "text/html"),
        ],
        subtitle: Some(atom_syndication::Text::plain(one_line(&meta.description))),
        entries,
        lang: Some(LANGUAGE.to_owned()),
        ..atom_syndication::Feed::default()
    };
    let bytes = feed
        .write_to(Vec::new())
        .expect("writing XML into a Vec<u8> cannot fail");
    String::from_utf8(bytes).expect("the XML writer only writes the UTF-8 strings it is given")
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
    if let Some(name) = clean_opt(item.category.as_ref()) {
        categories.push(atom_syndication::Category {
            term: name,
            scheme: None,
            label: None,
        });
    }
    if let Some(credit) = clean_opt(item.source.as_ref()) {
        categories.push(atom_syndication::Category {
            term: credit,
            scheme: Some("urn:unionwire:laiyuan".to_owned()),
            label: Some("来源".to_owned()),
        });
    }
    let summary = one_line(&item.summary);
    atom_syndication::Entry {
        title: atom_syndication::Text::plain(item_title(item)),
        id: xml_text(&item.guid),
        updated,
        published: item.published.map(atom_date),
        authors: authors(item)
            .into_iter()
            .map(|name| atom_syndication::Person {
                name,
                ..atom_syndication::Person::default()
            })
            .collect(),
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
    authors: [JsonAuthor; 1],
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
        authors: [JsonAuthor {
            name: "unionwire".to_owned(),
        }],
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
        date_modified: item
            .updated
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
                .filter(|(_, url)| is_web_url(url))
                .map(|(name, url)| JsonLink {
                    name: one_line(name),
                    url: xml_text(url),
                })
                .collect(),
        },
    }
}
