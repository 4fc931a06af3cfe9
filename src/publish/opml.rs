//! OPML 2.0: one document listing every feed the server publishes (all stories, each source, each
//! tag), written with `quick-xml` so a feed reader can import the lot in one step.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use url::Url;

use super::{one_line, xml_text, FeedScope};
use crate::config::Config;

/// `base` with a trailing slash, so that joining keeps its path prefix.
#[must_use]
pub fn base_dir(base: &Url) -> Url {
    let mut b = base.clone();
    b.set_query(None);
    b.set_fragment(None);
    if !b.path().ends_with('/') {
        let p = format!("{}/", b.path());
        b.set_path(&p);
    }
    b
}

/// The absolute URL of a feed (`rss`, `atom` or `json` as `ext`) under `base`.
#[must_use]
pub fn feed_url(base: &Url, scope: &FeedScope, ext: &str) -> Url {
    let dir = base_dir(base);
    // A scope path is built from validated ids, so the join cannot fail; fall back to the base.
    dir.join(&format!("{}.{ext}", scope.path())).unwrap_or(dir)
}

struct Outline<'a> {
    text: String,
    xml_url: Option<String>,
    html_url: Option<&'a str>,
}

fn write_outline(w: &mut Writer<Vec<u8>>, o: &Outline<'_>, children: &[Outline<'_>]) {
    let mut el = BytesStart::new("outline");
    el.push_attribute(("text", o.text.as_str()));
    el.push_attribute(("title", o.text.as_str()));
    if let Some(x) = &o.xml_url {
        el.push_attribute(("type", "rss"));
        el.push_attribute(("xmlUrl", x.as_str()));
    }
    if let Some(h) = o.html_url {
        el.push_attribute(("htmlUrl", h));
    }
    if children.is_empty() {
        ev(w, Event::Empty(el));
    } else {
        ev(w, Event::Start(el));
        for c in children {
            write_outline(w, c, &[]);
        }
        ev(w, Event::End(BytesEnd::new("outline")));
    }
}

fn ev(w: &mut Writer<Vec<u8>>, e: Event<'_>) {
    w.write_event(e)
        .expect("writing XML into a Vec<u8> cannot fail");
}

/// Renders the OPML 2.0 list of every feed: the all-stories feed, one outline per source (in a
/// `来源` folder) and one per tag (in a `标签` folder), each pointing at its RSS 2.0 variant under `base`,
/// with an `<?xml-stylesheet?>` pointing at [`stylesheet_url`] so a browser shows it as a page.
#[must_use]
pub fn render_opml(base: &Url, cfg: &Config) -> String {
    let home = base_dir(base);
    let home_str = xml_text(home.as_str());
    let mut w = Writer::new(Vec::new());
    ev(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let mut root = BytesStart::new("opml");
    root.push_attribute(("version", "2.0"));
    ev(&mut w, Event::Start(root));

    ev(&mut w, Event::Start(BytesStart::new("head")));
    let title = one_line(&cfg.feeds.title);
    ev(&mut w, Event::Start(BytesStart::new("title")));
    ev(&mut w, Event::Text(BytesText::new(&title)));
    ev(&mut w, Event::End(BytesEnd::new("title")));
    ev(&mut w, Event::Start(BytesStart::new("docs")));
    ev(
        &mut w,
        Event::Text(BytesText::new("http://opml.org/spec2.opml")),
    );
    ev(&mut w, Event::End(BytesEnd::new("docs")));
    ev(&mut w, Event::End(BytesEnd::new("head")));

    ev(&mut w, Event::Start(BytesStart::new("body")));
    let all = Outline {
        text: title.clone(),
        xml_url: Some(xml_text(feed_url(base, &FeedScope::All, "rss").as_str())),
        html_url: Some(&home_str),
    };
    write_outline(&mut w, &all, &[]);

    let sources: Vec<Outline<'_>> = cfg
        .sources
        .iter()
        .map(|s| Outline {
            text: {
                let n = one_line(&s.name);
                if n.is_empty() {
                    s.id.to_string()
                } else {
                    n
                }
            },
            xml_url: Some(xml_text(
                feed_url(base, &FeedScope::Source(s.id.clone()), "rss").as_str(),
            )),
            html_url: Some(s.url.as_str()),
        })
        .collect();
    if !sources.is_empty() {
        let folder = Outline {
            text: "来源".to_owned(),
            xml_url: None,
            html_url: None,
        };
        write_outline(&mut w, &folder, &sources);
    }

    let tags: Vec<Outline<'_>> = cfg
        .tags()
        .into_iter()
        .map(|t| Outline {
            text: format!("{title} · {t}"),
            xml_url: Some(xml_text(
                feed_url(base, &FeedScope::Tag(t.to_owned()), "rss").as_str(),
            )),
            html_url: Some(&home_str),
        })
        .collect();
    if !tags.is_empty() {
        let folder = Outline {
            text: "标签".to_owned(),
            xml_url: None,
            html_url: None,
        };
        write_outline(&mut w, &folder, &tags);
    }
    ev(&mut w, Event::End(BytesEnd::new("body")));
    ev(&mut w, Event::End(BytesEnd::new("opml")));
    let xml = String::from_utf8(w.into_inner())
        .expect("the XML writer only writes the UTF-8 strings it is given");
    super::render::with_stylesheet(xml, stylesheet_url(base).as_ref())
}

/// The path of the XSLT stylesheet that renders the feeds and the OPML in a browser.
pub const STYLESHEET_PATH: &str = "feed.xsl";

/// The absolute URL of the XSLT stylesheet under `base`.
#[must_use]
pub fn stylesheet_url(base: &Url) -> Option<Url> {
    base_dir(base).join(STYLESHEET_PATH).ok()
}
