//! Hanweb JCMS (大汉) listings: the first page's items are embedded in
//! `<script type="text/xml">…<record><![CDATA[<li>…</li>]]></record>` (invisible to an HTML parser),
//! and further pages come from `/module/web/jpage/dataproxy.jsp`, configured by the page's inline
//! `jpage` settings (`proxyUrl`, `columnid`, `unitid`, `totalRecord`, `perPage`).

use std::sync::LazyLock;

use regex::Regex;
use scraper::Selector;
use url::Url;

use super::listing::links_in;
use super::Link;

fn re(p: &str) -> Regex {
    Regex::new(p).expect("static regex is valid")
}

static RECORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?s)<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>"));
static TOTAL_PAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)<totalpage>\s*(\d+)\s*</totalpage>"));
static PROXY: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)proxyUrl\s*:\s*['"]([^'"]+)['"]"#));
static COLUMN: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)\bcolumnid\s*[:=]\s*['"]?(\d+)"#));
static UNIT: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)\bunitid\s*[:=]\s*['"]?(\d+)"#));
static WEB: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)\bwebid\s*[:=]\s*['"]?(\d+)"#));
static TOTAL_RECORD: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)totalRecord\s*:\s*['"]?(\d+)"#));
static PER_PAGE: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)perPage\s*:\s*['"]?(\d+)"#));
static COL_IN_URL: LazyLock<Regex> = LazyLock::new(|| re(r"/col/col(\d+)/"));
static ANY_A: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector is valid"));

/// Default items per dataproxy page when the listing does not say.
pub(crate) const DEFAULT_PER_PAGE: u32 = 15;

/// The jpage settings of a Hanweb listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jpage {
    /// The absolute dataproxy URL (without query).
    pub proxy_url: Url,
    /// Column id.
    pub columnid: String,
    /// jpage unit id.
    pub unitid: String,
    /// Site id, when given.
    pub webid: Option<String>,
    /// Total number of records, when given.
    pub total_record: Option<u32>,
    /// Records per page.
    pub perpage: u32,
}

fn records(xml: &str, base: &Url) -> Vec<Link> {
    let mut html = String::new();
    for c in RECORD.captures_iter(xml) {
        if let Some(m) = c.get(1) {
            html.push_str(m.as_str());
            html.push('\n');
        }
    }
    if html.is_empty() {
        return Vec::new();
    }
    let doc = super::dom::parse_fragment(&format!("<ul>{html}</ul>"));
    links_in(&doc, base, &ANY_A, None)
}

/// The links embedded as CDATA records in the listing page's `<script type="text/xml">` datastore.
#[must_use]
pub fn embedded_links(html: &str, base: &Url) -> Vec<Link> {
    records(html, base)
}

fn cap(re: &Regex, s: &str) -> Option<String> {
    re.captures(s)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// The jpage settings in a listing page's inline script (`columnid` falls back to `/col/colNNNN/`,
/// `unitid` to the `uid` query parameter). `None` when the page has no usable jpage.
#[must_use]
pub fn jpage(html: &str, base: &Url) -> Option<Jpage> {
    let proxy = cap(&PROXY, html).unwrap_or_else(|| "/module/web/jpage/dataproxy.jsp".to_string());
    let proxy = proxy.split('?').next().unwrap_or(&proxy).to_string();
    let mut proxy_url = base.join(&proxy).ok()?;
    proxy_url.set_query(None);
    proxy_url.set_fragment(None);
    if !matches!(proxy_url.scheme(), "http" | "https") {
        return None;
    }
    let columnid = cap(&COLUMN, html).or_else(|| cap(&COL_IN_URL, base.path()))?;
    let unitid = cap(&UNIT, html)
        .or_else(|| {
            base.query_pairs()
                .find(|(k, _)| k == "uid")
                .map(|(_, v)| v.to_string())
        })
        .filter(|u| u.chars().all(|c| c.is_ascii_digit()))?;
    let webid = cap(&WEB, html);
    let total_record = cap(&TOTAL_RECORD, html).and_then(|t| t.parse().ok());
    let perpage = cap(&PER_PAGE, html)
        .and_then(|p| p.parse().ok())
        .filter(|p| *p > 0)
        .unwrap_or(DEFAULT_PER_PAGE);
    Some(Jpage {
        proxy_url,
        columnid,
        unitid,
        webid,
        total_record,
        perpage,
    })
}

/// The dataproxy request for listing page `page` (1-based).
#[must_use]
pub fn dataproxy_url(j: &Jpage, page: u32) -> Url {
    let mut u = j.proxy_url.clone();
    u.query_pairs_mut()
        .clear()
        .append_pair("page", &page.to_string())
        .append_pair("appid", "1")
        .append_pair("webid", j.webid.as_deref().unwrap_or(""))
        .append_pair("path", "/")
        .append_pair("columnid", &j.columnid)
        .append_pair("unitid", &j.unitid)
        .append_pair("permissiontype", "0");
    u
}

/// The links and the `<totalpage>` of a dataproxy XML answer.
#[must_use]
pub fn parse_dataproxy(xml: &str, base: &Url) -> (Vec<Link>, Option<u32>) {
    let total = cap(&TOTAL_PAGE, xml).and_then(|t| t.parse().ok());
    (records(xml, base), total)
}
