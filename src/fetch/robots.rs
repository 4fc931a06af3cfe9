//! robots.txt (RFC 9309) parsing and matching, with the lenient behaviour of Google's reference parser:
//! a leading UTF-8 BOM is skipped, `\n`, `\r` and `\r\n` all end a line, keys are matched by
//! case-insensitive prefix (with common misspellings such as `dissallow`), a missing `:` may be replaced by
//! whitespace, user-agent lines are compared on their `[A-Za-z_-]` prefix, and the most specific (longest)
//! matching rule wins, `Allow` winning ties. `Crawl-delay` (not in the RFC) is read for politeness.
//!
//! The parsed file is kept as its sequence of directives and replayed for each query, so group boundaries
//! follow exactly the rules of the reference: a group ends at the first user-agent line after a rule.

use std::time::Duration;

/// The most of a robots.txt body that is parsed (RFC 9309 asks for at least 500 KiB).
pub(crate) const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// The longest line that is read; the rest of a longer line is ignored (as in Google's parser).
const MAX_LINE_BYTES: usize = 2083 * 8;

/// One directive of a robots.txt file, in file order.
#[derive(Debug, Clone, PartialEq)]
enum Directive {
    /// `User-agent:` with its raw value.
    UserAgent(String),
    /// `Allow:` with its pattern (non-ASCII bytes percent-encoded, escapes upper-cased).
    Allow(Vec<u8>),
    /// `Disallow:` with its pattern.
    Disallow(Vec<u8>),
    /// `Crawl-delay:` in seconds.
    CrawlDelay(f64),
}

/// A parsed robots.txt file, or one of the two blanket answers RFC 9309 prescribes when there is no file
/// (allow all after a 4xx) or the file is unreachable (disallow all after a 5xx or a network error).
#[derive(Debug, Clone, PartialEq)]
pub struct Robots {
    directives: Vec<Directive>,
    sitemaps: Vec<String>,
    blanket: Option<bool>,
}

/// What one query found while replaying the directives.
#[derive(Default)]
struct Verdict {
    allow_specific: i64,
    disallow_specific: i64,
    allow_global: i64,
    disallow_global: i64,
    ever_specific: bool,
    delay_specific: Option<f64>,
    delay_global: Option<f64>,
}

impl Robots {
    /// Parses a robots.txt body. Never fails: lines that are not understood are ignored, and only the first
    /// `MAX_ROBOTS_BYTES` are read.
    #[must_use]
    pub fn parse(body: &[u8]) -> Self {
        let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
        let mut robots = Self {
            directives: Vec::new(),
            sitemaps: Vec::new(),
            blanket: None,
        };
        for line in split_lines(skip_bom(body)) {
            robots.parse_line(line);
        }
        robots
    }

    /// The answer for a robots.txt that does not exist (4xx): everything is allowed.
    #[must_use]
    pub(crate) fn allow_all() -> Self {
        Self {
            directives: Vec::new(),
            sitemaps: Vec::new(),
            blanket: Some(true),
        }
    }

    /// The answer for a robots.txt that could not be reached (5xx, network error): nothing is allowed.
    #[must_use]
    pub(crate) fn disallow_all() -> Self {
        Self {
            directives: Vec::new(),
            sitemaps: Vec::new(),
            blanket: Some(false),
        }
    }

    /// Whether `user_agent_token` (a product token such as `unionwire`) may fetch `path_and_query`
    /// (the URL's path, parameters and query, e.g. `/n1/index.html?x=1`; an empty string means `/`).
    #[must_use]
    pub fn is_allowed(&self, user_agent_token: &str, path_and_query: &str) -> bool {
        if let Some(answer) = self.blanket {
            return answer;
        }
        let path = if path_and_query.is_empty() {
            "/"
        } else {
            path_and_query
        };
        let v = self.replay(user_agent_token, path.as_bytes());
        if v.allow_specific > 0 || v.disallow_specific > 0 {
            return v.disallow_specific <= v.allow_specific;
        }
        if v.ever_specific {
            // A group names us but has no rule that matches with a non-empty pattern.
            return true;
        }
        if v.allow_global > 0 || v.disallow_global > 0 {
            return v.disallow_global <= v.allow_global;
        }
        true
    }

    /// Whether `user_agent_token` may fetch `url` (its path and query as the `url` crate serialises them).
    #[must_use]
    pub(crate) fn is_allowed_url(&self, user_agent_token: &str, url: &url::Url) -> bool {
        let mut path = url.path().to_owned();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        self.is_allowed(user_agent_token, &path)
    }

    /// The `Crawl-delay` of the group that applies to `user_agent_token` (its own group, else `*`), if any.
    #[must_use]
    pub(crate) fn crawl_delay(&self, user_agent_token: &str) -> Option<Duration> {
        if self.blanket.is_some() {
            return None;
        }
        let v = self.replay(user_agent_token, b"/");
        let secs = if v.ever_specific {
            v.delay_specific
        } else {
            v.delay_global
        }?;
        Duration::try_from_secs_f64(secs).ok()
    }

    /// The `Sitemap:` URLs listed in the file, as written.
    #[must_use]
    pub fn sitemaps(&self) -> &[String] {
        &self.sitemaps
    }

    fn parse_line(&mut self, line: &[u8]) {
        let Some((key, value)) = key_and_value(line) else {
            return;
        };
        let value_str = String::from_utf8_lossy(value);
        if is_user_agent_key(key) {
            self.directives
                .push(Directive::UserAgent(value_str.into_owned()));
        } else if starts_with_ignore_case(key, b"allow") {
            self.directives
                .push(Directive::Allow(escape_pattern(value)));
        } else if is_disallow_key(key) {
            self.directives
                .push(Directive::Disallow(escape_pattern(value)));
        } else if starts_with_ignore_case(key, b"sitemap")
            || starts_with_ignore_case(key, b"site-map")
        {
            self.sitemaps.push(value_str.into_owned());
        } else if key.eq_ignore_ascii_case(b"crawl-delay") {
            if let Ok(secs) = value_str.trim().parse::<f64>() {
                if secs.is_finite() && secs >= 0.0 {
                    self.directives.push(Directive::CrawlDelay(secs));
                }
            }
        }
    }

    /// Runs the group state machine of the reference parser over the directives for one query.
    fn replay(&self, agent: &str, path: &[u8]) -> Verdict {
        let mut v = Verdict {
            allow_specific: -1,
            disallow_specific: -1,
            allow_global: -1,
            disallow_global: -1,
            ..Verdict::default()
        };
        let mut in_global = false;
        let mut in_specific = false;
        let mut after_rule = false;
        for d in &self.directives {
            match d {
                Directive::UserAgent(value) => {
                    if after_rule {
                        in_global = false;
                        in_specific = false;
                        after_rule = false;
                    }
                    let bytes = value.as_bytes();
                    if bytes.first() == Some(&b'*')
                        && bytes.get(1).is_none_or(|b| b.is_ascii_whitespace())
                    {
                        in_global = true;
                    } else if !agent.is_empty() && agent_token(value).eq_ignore_ascii_case(agent) {
                        in_specific = true;
                        v.ever_specific = true;
                    }
                }
                Directive::Allow(pattern) | Directive::Disallow(pattern) => {
                    if !(in_global || in_specific) {
                        continue;
                    }
                    after_rule = true;
                    let allow = matches!(d, Directive::Allow(_));
                    let mut priority = match_priority(path, pattern);
                    if allow {
                        if let Some(index_pattern) = index_html_pattern(pattern) {
                            priority = priority.max(match_priority(path, &index_pattern));
                        }
                    }
                    if priority < 0 {
                        continue;
                    }
                    let slot = match (in_specific, allow) {
                        (true, true) => &mut v.allow_specific,
                        (true, false) => &mut v.disallow_specific,
                        (false, true) => &mut v.allow_global,
                        (false, false) => &mut v.disallow_global,
                    };
                    *slot = (*slot).max(priority);
                }
                Directive::CrawlDelay(secs) => {
                    if in_specific {
                        v.delay_specific.get_or_insert(*secs);
                    } else if in_global {
                        v.delay_global.get_or_insert(*secs);
                    }
                }
            }
        }
        v
    }
}

/// Skips a UTF-8 byte order mark, or any leading part of one.
fn skip_bom(body: &[u8]) -> &[u8] {
    const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
    let n = body
        .iter()
        .zip(BOM.iter())
        .take_while(|(a, b)| a == b)
        .count();
    &body[n..]
}

/// Splits on `\n`, `\r` and `\r\n`, truncating over-long lines.
fn split_lines(body: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\n' => {
                lines.push(&body[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&body[start..i]);
                if body.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&body[start..]);
    for line in &mut lines {
        if line.len() > MAX_LINE_BYTES - 1 {
            *line = &line[..MAX_LINE_BYTES - 1];
        }
    }
    lines
}

/// Splits a line into key and value: comments removed, `:` as separator, or a single run of whitespace
/// when the line is exactly two words.
fn key_and_value(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = match line.iter().position(|&b| b == b'#') {
        Some(hash) => &line[..hash],
        None => line,
    };
    let line = line.trim_ascii();
    if line.is_empty() {
        return None;
    }
    let (key, value) = if let Some(colon) = line.iter().position(|&b| b == b':') {
        (&line[..colon], &line[colon + 1..])
    } else {
        let ws = line.iter().position(|&b| b == b' ' || b == b'\t')?;
        let value = line[ws..].trim_ascii();
        if value.iter().any(|&b| b == b' ' || b == b'\t') {
            return None;
        }
        (&line[..ws], value)
    };
    let key = key.trim_ascii();
    if key.is_empty() {
        return None;
    }
    Some((key, value.trim_ascii()))
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn is_user_agent_key(key: &[u8]) -> bool {
    [&b"user-agent"[..], b"useragent", b"user agent"]
        .iter()
        .any(|p| starts_with_ignore_case(key, p))
}

fn is_disallow_key(key: &[u8]) -> bool {
    [
        &b"disallow"[..],
        b"dissallow",
        b"dissalow",
        b"disalow",
        b"diasllow",
        b"disallaw",
    ]
    .iter()
    .any(|p| starts_with_ignore_case(key, p))
}

/// The product token of a user-agent line: its leading `[A-Za-z_-]` characters.
fn agent_token(value: &str) -> &str {
    let end = value
        .bytes()
        .position(|b| !(b.is_ascii_alphabetic() || b == b'-' || b == b'_'))
        .unwrap_or(value.len());
    &value[..end]
}

/// Percent-encodes bytes outside ASCII and upper-cases the hex digits of existing escapes.
fn escape_pattern(value: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b == b'%'
            && value.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && value.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            out.push(b'%');
            out.push(value[i + 1].to_ascii_uppercase());
            out.push(value[i + 2].to_ascii_uppercase());
            i += 3;
            continue;
        }
        if b >= 0x80 {
            out.push(b'%');
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0x0F)]);
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// For `Allow: …/index.htm[l…]`, the extra pattern `…/$` (the directory itself is allowed too).
fn index_html_pattern(pattern: &[u8]) -> Option<Vec<u8>> {
    let slash = pattern.iter().rposition(|&b| b == b'/')?;
    if !pattern[slash..].starts_with(b"/index.htm") {
        return None;
    }
    let mut p = pattern[..=slash].to_vec();
    p.push(b'$');
    Some(p)
}

/// The pattern's length when it matches the start of `path`, else -1. `*` matches any run of bytes and a
/// final `$` anchors the end.
fn match_priority(path: &[u8], pattern: &[u8]) -> i64 {
    if pattern_matches(path, pattern) {
        i64::try_from(pattern.len()).unwrap_or(i64::MAX)
    } else {
        -1
    }
}

fn pattern_matches(path: &[u8], pattern: &[u8]) -> bool {
    // `ends` holds, in increasing order, every position of `path` where the pattern read so far can end.
    let mut ends: Vec<usize> = vec![0];
    for (i, &c) in pattern.iter().enumerate() {
        if c == b'$' && i + 1 == pattern.len() {
            return ends.last() == Some(&path.len());
        }
        if c == b'*' {
            let first = ends.first().copied().unwrap_or(0);
            ends = (first..=path.len()).collect();
        } else {
            ends = ends
                .into_iter()
                .filter(|&p| path.get(p) == Some(&c))
                .map(|p| p + 1)
                .collect();
            if ends.is_empty() {
                return false;
            }
        }
    }
    true
}

/// The path, parameters and query of a URL written as text, taken verbatim (no normalisation), the way a
/// robots.txt matcher sees it: `http://h/a/b?x#f` → `/a/b?x`. Used to test the matcher against raw URLs.
#[must_use]
pub fn path_params_query(url: &str) -> String {
    let mut rest = url;
    // Skip the scheme and authority when present.
    if let Some(pos) = rest.find("//") {
        let scheme_part = &rest[..pos];
        let is_scheme = scheme_part.is_empty()
            || (scheme_part.ends_with(':')
                && scheme_part[..scheme_part.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'));
        if is_scheme {
            rest = &rest[pos + 2..];
            let end = rest.find(['/', '?', ';']).unwrap_or(rest.len());
            rest = &rest[end..];
        }
    }
    let rest = match rest.find('#') {
        Some(f) => &rest[..f],
        None => rest,
    };
    if rest.starts_with('/') {
        rest.to_owned()
    } else {
        format!("/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let r = Robots::parse(b"User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b\n");
        assert!(!r.is_allowed("unionwire", "/a/x"));
        assert!(r.is_allowed("unionwire", "/a/b/c"));
        assert!(r.is_allowed("unionwire", "/z"));
    }

    #[test]
    fn wildcards_and_anchor() {
        assert!(pattern_matches(b"/a/b.php?x", b"/*.php"));
        assert!(!pattern_matches(b"/a/b.php?x", b"/*.php$"));
        assert!(pattern_matches(b"/a/b.php", b"/*.php$"));
        assert!(pattern_matches(b"/anything", b""));
        assert!(pattern_matches(b"/", b"*"));
    }

    #[test]
    fn specific_group_beats_global_and_crawl_delay_is_read() {
        let r = Robots::parse(
            b"User-agent: *\nDisallow: /\nCrawl-delay: 9\n\nUser-agent: unionwire\nCrawl-delay: 2.5\nAllow: /\n",
        );
        assert!(r.is_allowed("unionwire", "/x"));
        assert!(!r.is_allowed("otherbot", "/x"));
        assert_eq!(
            r.crawl_delay("unionwire"),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(r.crawl_delay("otherbot"), Some(Duration::from_secs(9)));
    }

    #[test]
    fn blankets() {
        assert!(Robots::allow_all().is_allowed("unionwire", "/x"));
        assert!(!Robots::disallow_all().is_allowed("unionwire", "/x"));
    }

    #[test]
    fn raw_path_extraction() {
        assert_eq!(path_params_query("http://a.b/c/d?e=f#g"), "/c/d?e=f");
        assert_eq!(path_params_query("http://a.b"), "/");
        assert_eq!(path_params_query("http://a.b?q"), "/?q");
        assert_eq!(path_params_query(""), "/");
    }

    #[test]
    fn garbage_never_panics() {
        let r = Robots::parse(&[0xFF, 0xEF, b':', b'\r', 0, b'#', 0x80, b'\n', b'*']);
        let _ = r.is_allowed("", "");
        let _ = r.crawl_delay("x");
        let r = Robots::parse(b"User-agent: *\nDisallow: /%\nAllow: /\xE3\nCrawl-delay: 1e400\n");
        let _ = r.is_allowed("unionwire", "/%E3");
        assert_eq!(r.crawl_delay("unionwire"), None);
    }
}
