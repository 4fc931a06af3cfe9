//! Site profiles: per-CMS CSS selectors (with fallbacks) for each article field, and what chooses a
//! profile for a page: its host/URL patterns, or else its page signature (the CMS's own meta tags,
//! characteristic containers, URL shapes, template comments), so that a CMS page saved, mirrored or
//! served from another domain still gets its profile. The built-in profiles live in
//! `config/sites/*.toml` and are embedded in the binary; they are parsed once.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::dom::{Css, DocIndex};
use super::ExtractError;
use crate::model::ProfileMatch;

/// The embedded profile files, in matching order (most specific first).
const BUILTIN: [(&str, &str); 12] = [
    (
        "workercn-epaper.toml",
        include_str!("../../config/sites/workercn-epaper.toml"),
    ),
    (
        "workercn.toml",
        include_str!("../../config/sites/workercn.toml"),
    ),
    (
        "people.toml",
        include_str!("../../config/sites/people.toml"),
    ),
    (
        "xinhua.toml",
        include_str!("../../config/sites/xinhua.toml"),
    ),
    ("gmw.toml", include_str!("../../config/sites/gmw.toml")),
    (
        "chinanews.toml",
        include_str!("../../config/sites/chinanews.toml"),
    ),
    (
        "china-com-cn.toml",
        include_str!("../../config/sites/china-com-cn.toml"),
    ),
    (
        "southcn.toml",
        include_str!("../../config/sites/southcn.toml"),
    ),
    (
        "gov-ucap.toml",
        include_str!("../../config/sites/gov-ucap.toml"),
    ),
    ("vsb.toml", include_str!("../../config/sites/vsb.toml")),
    (
        "hanweb.toml",
        include_str!("../../config/sites/hanweb.toml"),
    ),
    ("trs.toml", include_str!("../../config/sites/trs.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    description: String,
    /// Host names or suffixes (`people.com.cn` matches `acftu.people.com.cn`).
    #[serde(default)]
    hosts: Vec<String>,
    /// Regexes over the whole URL; a profile matches when a host matches (if any are given) and a
    /// pattern matches (if any are given).
    #[serde(default)]
    url_patterns: Vec<String>,
    /// Separator of the site suffix in `<title>` (`--` on people.cn, `-` on workercn).
    #[serde(default)]
    title_separator: Option<String>,
    /// 来源 to assume when the page names none.
    #[serde(default)]
    default_source: Option<String>,
    #[serde(default)]
    fields: RawFields,
    /// Nodes removed before any field is read.
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    native_ids: Vec<RawNativeId>,
    /// Page signatures: any one that matches chooses this profile when no profile's URL patterns do.
    #[serde(default)]
    signatures: Vec<RawSignature>,
}

/// One page signature: every condition it lists must hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    /// What the signature recognises (documentation only).
    #[serde(default)]
    note: String,
    /// `<meta name>` → regex its `content` must match (`""`: present and non-empty).
    #[serde(default)]
    meta: BTreeMap<String, String>,
    /// CSS selectors; each must match at least one element.
    #[serde(default)]
    selectors: Vec<String>,
    /// A regex the page URL must match (a URL shape, on any host).
    #[serde(default)]
    url: Option<String>,
    /// Strings the raw HTML must contain, case-sensitively (template comments, script paths).
    #[serde(default)]
    html: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFields {
    #[serde(default)]
    title: Vec<String>,
    #[serde(default)]
    lead_title: Vec<String>,
    #[serde(default)]
    subtitle: Vec<String>,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    date: Vec<String>,
    #[serde(default)]
    source: Vec<String>,
    #[serde(default)]
    editors: Vec<String>,
    #[serde(default)]
    body: Vec<String>,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    next_pages: Vec<String>,
    #[serde(default)]
    meta_title: Vec<String>,
    #[serde(default)]
    meta_date: Vec<String>,
    #[serde(default)]
    meta_source: Vec<String>,
    #[serde(default)]
    meta_author: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNativeId {
    name: String,
    #[serde(default)]
    meta: Option<String>,
    #[serde(default)]
    url_regex: Option<String>,
}

/// A site-native id rule: a `<meta name>` to read, or a URL regex whose first group is the id.
#[derive(Debug)]
pub struct NativeIdRule {
    /// The id's name (`contentid`, `catalog`, `docid`…).
    pub name: String,
    /// `<meta name="…">` holding the id.
    pub meta: Option<String>,
    /// A regex over the URL; group 1 is the id.
    pub url_regex: Option<Regex>,
}

/// A compiled page signature (see `config/example.toml`): every listed condition must hold.
#[derive(Debug)]
pub struct Signature {
    /// What it recognises.
    pub note: String,
    meta: Vec<(String, Regex)>,
    selectors: Vec<Css>,
    url: Option<Regex>,
    html: Vec<String>,
}

impl Signature {
    /// How many conditions the signature checks; among matching profiles that read the page's body equally
    /// well, the one whose signature checks the most wins (a CMS's meta tags plus its body container beat the
    /// meta tags alone; see [`Profiles::choose`]).
    #[must_use]
    pub(crate) fn strength(&self) -> usize {
        self.meta.len() + self.selectors.len() + usize::from(self.url.is_some()) + self.html.len()
    }

    /// Whether the page at `url` with source `html`, parsed as `doc`, carries this signature.
    #[must_use]
    pub fn matches(&self, url: &url::Url, html: &str, doc: &DocIndex<'_>) -> bool {
        // Cheapest checks first.
        self.url.as_ref().is_none_or(|r| r.is_match(url.as_str()))
            && self.html.iter().all(|h| html.contains(h.as_str()))
            && self
                .meta
                .iter()
                .all(|(name, re)| doc.meta(name).is_some_and(|c| re.is_match(c)))
            && self
                .selectors
                .iter()
                .all(|s| doc.select(s).next().is_some())
    }
}

/// CSS selectors for each article field, tried in order.
#[derive(Debug, Default)]
pub struct FieldSelectors {
    /// Headline.
    pub title: Vec<Css>,
    /// 引题.
    pub lead_title: Vec<Css>,
    /// 副题.
    pub subtitle: Vec<Css>,
    /// Byline.
    pub authors: Vec<Css>,
    /// Node whose text holds the date and time.
    pub date: Vec<Css>,
    /// Node whose text holds 来源.
    pub source: Vec<Css>,
    /// Editor credit.
    pub editors: Vec<Css>,
    /// Body container.
    pub body: Vec<Css>,
    /// Body images.
    pub images: Vec<Css>,
    /// Links to the article's further pages.
    pub next_pages: Vec<Css>,
    /// `<meta name>`s holding the title.
    pub meta_title: Vec<String>,
    /// `<meta name>`s holding the date.
    pub meta_date: Vec<String>,
    /// `<meta name>`s holding 来源.
    pub meta_source: Vec<String>,
    /// `<meta name>`s holding the author.
    pub meta_author: Vec<String>,
}

/// One site profile (a CMS family), parsed and compiled.
#[derive(Debug)]
pub struct Profile {
    /// Profile name (file stem), recorded on articles.
    pub name: String,
    /// What the profile covers.
    pub description: String,
    hosts: Vec<String>,
    url_patterns: Vec<Regex>,
    /// Separator of the site suffix in `<title>`.
    pub title_separator: Option<String>,
    /// 来源 to assume when the page names none.
    pub default_source: Option<String>,
    /// Field selectors.
    pub fields: FieldSelectors,
    /// Selectors of nodes dropped before extraction.
    pub remove: Vec<Css>,
    /// Native id rules.
    pub native_ids: Vec<NativeIdRule>,
    /// Page signatures (any one chooses the profile when no URL pattern does).
    pub signatures: Vec<Signature>,
}

fn selectors(file: &str, field: &str, list: &[String]) -> Result<Vec<Css>, ExtractError> {
    list.iter()
        .map(|s| {
            Css::parse(s).map_err(|e| ExtractError::Profile {
                file: file.to_string(),
                reason: format!("field {field}: selector {s:?}: {e}"),
            })
        })
        .collect()
}

/// A profile regex that only ever runs on a URL's serialisation (`Url::as_str`, always ASCII: anything else
/// is percent-encoded or punycode). Compiled with Unicode off where the pattern allows it: `\d`, `\w`, `\s`,
/// `\b` and `(?i)` answer the same on ASCII text, and the automaton is a fraction of the size (compiling the
/// built-in profiles is a large part of the process start); a pattern that needs Unicode mode (a bare `.`)
/// is compiled as written.
fn url_regex(pattern: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .or_else(|_| Regex::new(pattern))
}

impl Profile {
    /// Parses one profile from TOML text; `file` names it in errors.
    ///
    /// # Errors
    /// [`ExtractError::Profile`] for TOML errors, unknown keys, bad CSS selectors or bad regexes.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, ExtractError> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| ExtractError::Profile {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
        let bad_regex = |p: &str, e: regex::Error| ExtractError::Profile {
            file: file.to_string(),
            reason: format!("regex {p:?}: {e}"),
        };
        let url_patterns = raw
            .url_patterns
            .iter()
            .map(|p| url_regex(p).map_err(|e| bad_regex(p, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let native_ids = raw
            .native_ids
            .into_iter()
            .map(|n| {
                let url_regex = match n.url_regex {
                    Some(p) => Some(url_regex(&p).map_err(|e| bad_regex(&p, e))?),
                    None => None,
                };
                Ok(NativeIdRule {
                    name: n.name,
                    meta: n.meta,
                    url_regex,
                })
            })
            .collect::<Result<Vec<_>, ExtractError>>()?;
        let signatures = raw
            .signatures
            .into_iter()
            .enumerate()
            .map(|(i, sig)| {
                let what = |reason: String| ExtractError::Profile {
                    file: file.to_string(),
                    reason: format!("signatures[{i}]: {reason}"),
                };
                let meta = sig
                    .meta
                    .into_iter()
                    .map(|(name, p)| {
                        Regex::new(&p)
                            .map(|r| (name, r))
                            .map_err(|e| what(format!("meta regex {p:?}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let selectors = sig
                    .selectors
                    .iter()
                    .map(|s| Css::parse(s).map_err(|e| what(format!("selector {s:?}: {e}"))))
                    .collect::<Result<Vec<_>, _>>()?;
                let url = match sig.url {
                    Some(p) => {
                        Some(url_regex(&p).map_err(|e| what(format!("url regex {p:?}: {e}")))?)
                    }
                    None => None,
                };
                let compiled = Signature {
                    note: sig.note,
                    meta,
                    selectors,
                    url,
                    html: sig.html,
                };
                if compiled.strength() == 0 {
                    return Err(what("a signature needs at least one condition".to_string()));
                }
                Ok(compiled)
            })
            .collect::<Result<Vec<_>, ExtractError>>()?;
        let f = &raw.fields;
        let fields = FieldSelectors {
            title: selectors(file, "title", &f.title)?,
            lead_title: selectors(file, "lead_title", &f.lead_title)?,
            subtitle: selectors(file, "subtitle", &f.subtitle)?,
            authors: selectors(file, "authors", &f.authors)?,
            date: selectors(file, "date", &f.date)?,
            source: selectors(file, "source", &f.source)?,
            editors: selectors(file, "editors", &f.editors)?,
            body: selectors(file, "body", &f.body)?,
            images: selectors(file, "images", &f.images)?,
            next_pages: selectors(file, "next_pages", &f.next_pages)?,
            meta_title: f.meta_title.clone(),
            meta_date: f.meta_date.clone(),
            meta_source: f.meta_source.clone(),
            meta_author: f.meta_author.clone(),
        };
        Ok(Self {
            remove: selectors(file, "remove", &raw.remove)?,
            name: raw.name,
            description: raw.description,
            hosts: raw
                .hosts
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            url_patterns,
            title_separator: raw.title_separator,
            default_source: raw.default_source,
            fields,
            native_ids,
            signatures,
        })
    }

    /// The strongest of this profile's signatures that the page carries, as its strength.
    #[must_use]
    pub(crate) fn signature_strength(
        &self,
        url: &url::Url,
        html: &str,
        doc: &DocIndex<'_>,
    ) -> Option<usize> {
        self.signatures
            .iter()
            .filter(|s| s.matches(url, html, doc))
            .map(Signature::strength)
            .max()
    }

    /// Whether this profile applies to `url`.
    #[must_use]
    pub fn matches(&self, url: &url::Url) -> bool {
        if self.hosts.is_empty() && self.url_patterns.is_empty() {
            return false;
        }
        let host_ok = self.hosts.is_empty()
            || url.host_str().is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                self.hosts
                    .iter()
                    .any(|s| h == *s || h.ends_with(&format!(".{s}")))
            });
        let url_ok = self.url_patterns.is_empty()
            || self.url_patterns.iter().any(|p| p.is_match(url.as_str()));
        host_ok && url_ok
    }
}

/// All site profiles, in matching order.
#[derive(Debug)]
pub struct Profiles {
    list: Vec<Profile>,
}

static BUILTIN_PROFILES: LazyLock<Profiles> = LazyLock::new(|| {
    // A broken embedded profile is a build defect caught by the unit tests; skip it rather than panic.
    let list = BUILTIN
        .iter()
        .filter_map(|(file, text)| match Profile::from_toml(file, text) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::error!(error = %e, "skipping broken built-in site profile");
                None
            }
        })
        .collect();
    Profiles { list }
});

impl Profiles {
    /// The profiles embedded from `config/sites/*.toml`, parsed once.
    #[must_use]
    pub fn builtin() -> &'static Profiles {
        &BUILTIN_PROFILES
    }

    /// Parses every embedded profile, reporting the first error (used by tests and `check`).
    ///
    /// # Errors
    /// [`ExtractError::Profile`] naming the broken file.
    pub fn parse_builtin() -> Result<Profiles, ExtractError> {
        let list = BUILTIN
            .iter()
            .map(|(file, text)| Profile::from_toml(file, text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Profiles { list })
    }

    /// Builds a set from already parsed profiles (matching order = vector order).
    #[must_use]
    pub fn from_profiles(list: Vec<Profile>) -> Self {
        Self { list }
    }

    /// The first profile whose host and URL patterns match `url`.
    #[must_use]
    pub fn for_url(&self, url: &url::Url) -> Option<&Profile> {
        self.list.iter().find(|p| p.matches(url))
    }

    /// The profile for a page: the first whose URL patterns match `url`; else, among the profiles whose
    /// signature the page carries, one whose body selectors find a container on the page (a profile that
    /// cannot read the page's body would hand it to the generic extractor anyway), then the one whose
    /// strongest matching signature checks the most conditions, then the earlier profile; else none.
    #[must_use]
    pub fn choose(
        &self,
        url: &url::Url,
        html: &str,
        doc: &DocIndex<'_>,
    ) -> Option<(&Profile, ProfileMatch)> {
        if let Some(p) = self.for_url(url) {
            return Some((p, ProfileMatch::Url));
        }
        let mut best: Option<(&Profile, (bool, usize))> = None;
        for p in &self.list {
            if let Some(strength) = p.signature_strength(url, html, doc) {
                let reads_body = p.fields.body.iter().any(|s| doc.select(s).next().is_some());
                let rank = (reads_body, strength);
                if best.is_none_or(|(_, b)| rank > b) {
                    best = Some((p, rank));
                }
            }
        }
        best.map(|(p, _)| (p, ProfileMatch::Signature))
    }

    /// The profile called `name`.
    #[must_use]
    pub fn by_name(&self, name: &str) -> Option<&Profile> {
        self.list.iter().find(|p| p.name == name)
    }

    /// Profile names in matching order.
    #[must_use]
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.name.as_str()).collect()
    }
}

/// The profile to extract a page with, and why: the caller's (`named`), else the built-in one chosen
/// from the page (`url` or `signature`), else none.
pub(super) fn resolve<'p>(
    named: Option<&'p Profile>,
    url: &url::Url,
    html: &str,
    doc: &DocIndex<'_>,
) -> (Option<&'p Profile>, ProfileMatch) {
    if let Some(p) = named {
        return (Some(p), ProfileMatch::Named);
    }
    match Profiles::builtin().choose(url, html, doc) {
        Some((p, how)) => (Some(p), how),
        None => (None, ProfileMatch::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every URL pattern of the built-in profiles (`url_patterns`, `native_ids.url_regex`, `signatures.url`).
    fn builtin_url_patterns() -> Vec<String> {
        fn walk(v: &toml::Value, key: &str, out: &mut Vec<String>) {
            match v {
                toml::Value::String(s) if matches!(key, "url_patterns" | "url_regex" | "url") => {
                    out.push(s.clone());
                }
                toml::Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
                toml::Value::Table(t) => t.iter().for_each(|(k, x)| walk(x, k, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (_, text) in BUILTIN {
            let v: toml::Value = toml::from_str(text).unwrap();
            walk(&v, "", &mut out);
        }
        out
    }

    /// Each built-in URL pattern with its Unicode-off and Unicode-mode compilations, built once for all cases.
    static COMPILED: std::sync::LazyLock<Vec<(String, Regex, Regex)>> =
        std::sync::LazyLock::new(|| {
            builtin_url_patterns()
                .into_iter()
                .map(|p| {
                    let (fast, full) = (url_regex(&p).unwrap(), Regex::new(&p).unwrap());
                    (p, fast, full)
                })
                .collect()
        });

    const URL_PIECES: &[&str] = &[
        "http://",
        "https://",
        "www.",
        "people.com.cn",
        "workercn.cn",
        "/",
        "n1",
        "c",
        "-",
        "_",
        "2024",
        "0927",
        "09",
        "27",
        "40320000",
        "content_",
        "art_",
        ".html",
        ".shtml",
        ".htm",
        "t",
        "node_",
        "a1f",
        "%E5%B7%A5",
        "xn--fiq228c",
        "?id=",
        "#x",
        "-1",
        "202409",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// On URLs (always ASCII once parsed) every built-in URL pattern compiled with Unicode off finds
        /// what the same pattern in Unicode mode finds.
        #[test]
        fn url_patterns_answer_as_in_unicode_mode(
            parts in proptest::collection::vec(0..URL_PIECES.len(), 1..12)
        ) {
            let text: String = parts.iter().map(|&i| URL_PIECES[i]).collect();
            let Ok(url) = url::Url::parse(&text) else { return Ok(()) };
            for (p, fast, full) in COMPILED.iter() {
                let group = |r: &Regex| {
                    r.captures(url.as_str()).map(|c| c.get(1).map(|m| m.as_str().to_string()))
                };
                proptest::prop_assert_eq!(group(fast), group(full), "{} on {}", p, url);
            }
        }
    }

    #[test]
    fn every_embedded_profile_parses() {
        let all = Profiles::parse_builtin().unwrap();
        assert_eq!(all.names().len(), BUILTIN.len());
        assert_eq!(Profiles::builtin().names(), all.names());
    }

    #[test]
    fn profiles_are_chosen_by_host_and_path() {
        let p = Profiles::builtin();
        let name = |u: &str| {
            p.for_url(&url::Url::parse(u).unwrap())
                .map(|p| p.name.clone())
        };
        assert_eq!(
            name("http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html").as_deref(),
            Some("people")
        );
        assert_eq!(
            name("https://www.workercn.cn/c/2024-09-27/8300000.shtml").as_deref(),
            Some("workercn")
        );
        assert_eq!(
            name("https://www.workercn.cn/papers/grrb/2024/09/27/2/news-3.html").as_deref(),
            Some("workercn-epaper")
        );
        assert_eq!(
            name("https://www.jsgh.org/art/2024/9/27/art_3577_123456.html").as_deref(),
            Some("hanweb")
        );
        assert_eq!(
            name("https://www.acftu.org/xwdt/ghyw/202409/t20240927_999999.html").as_deref(),
            Some("trs")
        );
        assert_eq!(name("https://example.com/news/1.html"), None);
        assert!(p.by_name("people").is_some());
    }

    #[test]
    fn broken_profiles_are_reported_with_the_file() {
        let err = Profile::from_toml("x.toml", "name = \"x\"\nbogus = 1\n").unwrap_err();
        assert!(err.to_string().contains("x.toml"));
        let err = Profile::from_toml("y.toml", "name = \"y\"\n[fields]\ntitle = [\"h1[\"]\n")
            .unwrap_err();
        assert!(err.to_string().contains("y.toml"));
    }
}
