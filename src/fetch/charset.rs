//! Character decoding of fetched bytes, in the order browsers use (WHATWG HTML "determining the character
//! encoding"), adapted to Chinese news sites: a byte order mark, then the HTTP `charset`, then the XML
//! declaration or a `<meta>` prescan of the first 1024 bytes, then a `chardetng` guess (UTF-8 allowed, the
//! host's top-level domain as a prior), and last GBK for `*.people.com.cn` and UTF-8 elsewhere.
//!
//! The GB2312, GBK and x-gbk labels all decode as GB18030, which is a superset and also reads the four-byte
//! sequences some pages contain. Bytes that do not decode become U+FFFD; decoding never fails.
//!
//! A declared charset is not trusted blindly ([`Decoded::charset_mismatch`]): a page that declares a legacy
//! charset (gb2312, gbk, big5…) but is valid UTF-8 with Han text is decoded as UTF-8, and a declared decoding
//! full of U+FFFD or of implausible characters gives way to `chardetng`'s reading of the bytes when that
//! decodes better. Whatever still decodes badly is marked [`Decoded::degraded`], so it is never stored as if
//! it were clean text.

use bytes::Bytes;
use encoding_rs::{
    Encoding, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED,
};

use crate::model::Flag;

/// How many bytes the `<meta>` prescan reads.
pub(crate) const PRESCAN_BYTES: usize = 1024;

/// How many bytes `chardetng` is first given to guess from. A longer body is cut there (at a tag or line
/// start, which is a character boundary in every encoding it can guess) when that prefix already holds
/// [`DETECT_MIN_NON_ASCII`] non-ASCII bytes; otherwise the prefix doubles until it does, or is the whole
/// body. The whole body is decoded either way. (Feeding all of a 40 KB GBK page cost 8.6 ms.)
pub(crate) const DETECT_BYTES: usize = 16 * 1024;

/// Non-ASCII bytes a prefix must hold for `chardetng` to judge from it alone (about 500 Chinese characters).
pub(crate) const DETECT_MIN_NON_ASCII: usize = 1024;

/// Han characters a valid-UTF-8 body must hold to overrule a declared legacy charset.
pub(crate) const UTF8_OVERRULE_MIN_HAN: usize = 2;

/// Share of U+FFFD among the non-ASCII characters of a decoding from which on it is bad — the page is
/// `degraded` — (with at least [`BAD_MIN_REPLACEMENTS`] of them): a few broken bytes are common on real pages
/// (a Latin-1 `alt` text on a UTF-8 page), a run of them is not.
pub(crate) const BAD_REPLACEMENT_SHARE: f64 = 0.05;

/// Fewest U+FFFD that make a decoding bad.
pub(crate) const BAD_MIN_REPLACEMENTS: usize = 8;

/// Share of U+FFFD from which on a declared charset is taken to be wrong and `chardetng`'s reading is tried:
/// the declaration then misreads much of the page, not a few stray bytes. (Below it the declared decoding
/// stays: a single-byte reading would decode without a U+FFFD but turn every correct character into mojibake.)
pub(crate) const OVERRULE_REPLACEMENT_SHARE: f64 = 0.25;

/// Non-ASCII bytes a body needs before a declared charset that decodes badly may be overruled by a guess
/// (a few stray bytes say nothing about the encoding; they only make the page `degraded`).
pub(crate) const OVERRULE_MIN_NON_ASCII: usize = 32;

/// Double-byte pairs a GB-family body needs before its plausibility is judged.
pub(crate) const PLAUSIBILITY_MIN_PAIRS: usize = 40;

/// Least share of GB2312 characters (lead bytes A1–F7, trail bytes A1–FE: the common Hanzi and full-width
/// punctuation) among the double-byte pairs of a GB-family body. Real Simplified Chinese pages are above
/// 0.95 (GBK's extension characters are rare in news text); Big5 bytes read as GBK fall to about 0.6, because
/// two in five Big5 trail bytes lie in 40–7E, where GB2312 has no characters.
pub(crate) const GB2312_MIN_SHARE: f64 = 0.8;

/// Text decoded from bytes, with the encoding that was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text (invalid sequences replaced by U+FFFD).
    pub text: String,
    /// The encoding used (GB2312/GBK labels are reported as GB18030).
    pub encoding: &'static Encoding,
    /// The page declared a charset (HTTP, XML declaration or `<meta>`) that its bytes contradict; the text
    /// was decoded as the bytes support instead.
    pub charset_mismatch: bool,
    /// The text still decodes badly (many U+FFFD, or implausible characters): characters were lost.
    pub degraded: bool,
}

impl Decoded {
    /// The article flags this decoding calls for: [`Flag::CharsetMismatch`], [`Flag::Degraded`].
    #[must_use]
    pub fn flags(&self) -> Vec<Flag> {
        let mut out = Vec::new();
        if self.charset_mismatch {
            out.push(Flag::CharsetMismatch);
        }
        if self.degraded {
            out.push(Flag::Degraded);
        }
        out
    }
}

/// Where the encoding of a [`Decoded`] came from (see [`detect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A byte order mark.
    Bom,
    /// The `charset` parameter of the HTTP `Content-Type`.
    Http,
    /// An XML declaration's `encoding`.
    XmlDeclaration,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 1024 bytes.
    Meta,
    /// A `chardetng` guess.
    Detected,
    /// Nothing said anything: GBK for people.com.cn, UTF-8 elsewhere.
    Fallback,
}

impl Source {
    /// Whether the page (or its server) named this encoding, rather than it being guessed.
    #[must_use]
    pub(crate) fn is_declared(self) -> bool {
        matches!(self, Self::Http | Self::XmlDeclaration | Self::Meta)
    }
}

/// Decodes `bytes` using the rules of this module. `content_type` is the HTTP `Content-Type` value, `host`
/// the host the bytes came from (used as a prior for detection and for the people.com.cn fallback).
#[must_use]
pub fn decode(bytes: &[u8], content_type: Option<&str>, host: Option<&str>) -> Decoded {
    let (encoding, source, skip) = detect(bytes, content_type, host);
    let body = bytes.get(skip..).unwrap_or_default();
    if let Some(text) = utf8_overrules(encoding, source, body) {
        return Decoded {
            text: text.to_owned(),
            encoding: UTF_8,
            charset_mismatch: true,
            degraded: false,
        };
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    checked(text.into_owned(), had_errors, encoding, source, body, host)
}

/// [`decode`] that takes the body by value: a valid UTF-8 body becomes the text without a copy.
#[must_use]
pub fn decode_bytes(bytes: Bytes, content_type: Option<&str>, host: Option<&str>) -> Decoded {
    let (encoding, source, skip) = detect(&bytes, content_type, host);
    let body = bytes.get(skip..).unwrap_or_default();
    let overruled = utf8_overrules(encoding, source, body).is_some();
    if encoding == UTF_8 || overruled {
        let mut owned = Vec::from(bytes);
        owned.drain(..skip.min(owned.len()));
        return match String::from_utf8(owned) {
            Ok(text) => Decoded {
                text,
                encoding: UTF_8,
                charset_mismatch: overruled,
                degraded: false,
            },
            Err(e) => {
                let (text, _had_errors) = UTF_8.decode_without_bom_handling(e.as_bytes());
                let text = text.into_owned();
                checked(text, true, UTF_8, source, e.as_bytes(), host)
            }
        };
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    checked(text.into_owned(), had_errors, encoding, source, body, host)
}

/// A declared legacy charset contradicted by a body that is valid UTF-8 with Han text: that text.
fn utf8_overrules<'a>(
    encoding: &'static Encoding,
    source: Source,
    body: &'a [u8],
) -> Option<&'a str> {
    if !source.is_declared() || encoding == UTF_8 || body.is_ascii() {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    (text
        .chars()
        .filter(|&c| is_han(c))
        .take(UTF8_OVERRULE_MIN_HAN)
        .count()
        >= UTF8_OVERRULE_MIN_HAN)
        .then_some(text)
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// How a decoding went: the share of U+FFFD among its non-ASCII characters (zero below
/// [`BAD_MIN_REPLACEMENTS`]), and whether its characters are implausible for the encoding (asked only when
/// `plausibility` is set).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Quality {
    replaced_share: f64,
    implausible: bool,
}

impl Quality {
    /// Bad enough to flag the page `degraded`.
    fn is_bad(self) -> bool {
        self.implausible || self.replaced_share >= BAD_REPLACEMENT_SHARE
    }

    /// Bad enough to doubt a declared charset.
    fn doubts_the_declaration(self) -> bool {
        self.implausible || self.replaced_share >= OVERRULE_REPLACEMENT_SHARE
    }

    /// Better than `other`.
    fn beats(self, other: Quality) -> bool {
        (!self.implausible && other.implausible)
            || (self.implausible == other.implausible && self.replaced_share < other.replaced_share)
    }
}

fn quality(
    text: &str,
    had_errors: bool,
    encoding: &'static Encoding,
    body: &[u8],
    plausibility: bool,
) -> Quality {
    let mut replaced_share = 0.0;
    if had_errors {
        let (mut replaced, mut non_ascii) = (0usize, 0usize);
        for c in text.chars().filter(|c| !c.is_ascii()) {
            non_ascii += 1;
            replaced += usize::from(c == '\u{FFFD}');
        }
        if replaced >= BAD_MIN_REPLACEMENTS {
            #[allow(clippy::cast_precision_loss)]
            let share = replaced as f64 / non_ascii.max(1) as f64;
            replaced_share = share;
        }
    }
    let implausible = plausibility
        && encoding == GB18030
        && gb2312_share(body).is_some_and(|s| s < GB2312_MIN_SHARE);
    Quality {
        replaced_share,
        implausible,
    }
}

/// The share of GB2312 characters among the double-byte pairs of `body` read as GBK, or `None` when there
/// are too few pairs to judge (see [`GB2312_MIN_SHARE`]).
#[must_use]
pub fn gb2312_share(body: &[u8]) -> Option<f64> {
    let (mut pairs, mut gb2312) = (0usize, 0usize);
    let mut i = 0;
    while i + 1 < body.len() {
        let (lead, trail) = (body[i], body[i + 1]);
        if (0x81..=0xFE).contains(&lead) {
            if (0x30..=0x39).contains(&trail) {
                i += 4; // a GB18030 four-byte sequence
                continue;
            }
            pairs += 1;
            gb2312 += usize::from((0xA1..=0xF7).contains(&lead) && (0xA1..=0xFE).contains(&trail));
            i += 2;
        } else {
            i += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    (pairs >= PLAUSIBILITY_MIN_PAIRS).then(|| gb2312 as f64 / pairs as f64)
}

/// Checks a decoding: a declared charset that misreads much of the page gives way to `chardetng`'s reading
/// of the bytes when that reading is better; whatever stays bad is `degraded`.
fn checked(
    text: String,
    had_errors: bool,
    encoding: &'static Encoding,
    source: Source,
    body: &[u8],
    host: Option<&str>,
) -> Decoded {
    // A guessed GB encoding is chardetng's judgement of plausibility already; only a declared one is checked.
    let q = quality(&text, had_errors, encoding, body, source.is_declared());
    if source.is_declared()
        && q.doubts_the_declaration()
        && body
            .iter()
            .filter(|b| !b.is_ascii())
            .take(OVERRULE_MIN_NON_ASCII)
            .count()
            >= OVERRULE_MIN_NON_ASCII
    {
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        detector.feed(detection_prefix(body), true);
        let host = host.map(str::to_ascii_lowercase);
        let tld = host.as_deref().and_then(top_level_domain);
        let guess = widen(detector.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Allow));
        if guess != encoding {
            let (alt, alt_errors) = guess.decode_without_bom_handling(body);
            let alt_q = quality(&alt, alt_errors, guess, body, true);
            if alt_q.beats(q) {
                return Decoded {
                    text: alt.into_owned(),
                    encoding: guess,
                    charset_mismatch: true,
                    degraded: alt_q.is_bad(),
                };
            }
        }
    }
    Decoded {
        text,
        encoding,
        charset_mismatch: false,
        degraded: q.is_bad(),
    }
}

/// Chooses the encoding for `bytes` and says why; the third value is the length of a BOM to skip.
#[must_use]
pub fn detect(
    bytes: &[u8],
    content_type: Option<&str>,
    host: Option<&str>,
) -> (&'static Encoding, Source, usize) {
    if let Some((enc, len)) = Encoding::for_bom(bytes) {
        return (enc, Source::Bom, len);
    }
    if let Some(enc) = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
    {
        return (widen(enc), Source::Http, 0);
    }
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    if let Some(enc) = xml_declaration_encoding(head) {
        return (widen(enc), Source::XmlDeclaration, 0);
    }
    if let Some(enc) = prescan_meta(head) {
        return (widen(enc), Source::Meta, 0);
    }
    let host = host.map(str::to_ascii_lowercase);
    // Checking UTF-8 first gives chardetng's answer without its cost (its candidates read every byte, and a
    // page with little non-ASCII is fed whole: 45 % of the CPU of extracting the English AEB pages). A body
    // that is valid UTF-8 and not all ASCII is what chardetng, allowed UTF-8, calls UTF-8; an all-ASCII
    // body gives it nothing to judge (`feed` says so), which leaves the fallback below.
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.is_ascii() => return (UTF_8, Source::Detected, 0),
        Ok(_) => {}
        Err(_) => {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            if detector.feed(detection_prefix(bytes), true) {
                let tld = host.as_deref().and_then(top_level_domain);
                let guess = detector.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Allow);
                return (widen(guess), Source::Detected, 0);
            }
        }
    }
    let people = host
        .as_deref()
        .is_some_and(|h| h == "people.com.cn" || h.ends_with(".people.com.cn"));
    let enc = if people { GB18030 } else { UTF_8 };
    (enc, Source::Fallback, 0)
}

/// The part of `bytes` given to `chardetng`: see [`DETECT_BYTES`].
#[must_use]
pub(crate) fn detection_prefix(bytes: &[u8]) -> &[u8] {
    let mut limit = DETECT_BYTES;
    while limit < bytes.len() {
        // Cut just before a `<` or a line feed in the second half of the window: neither byte occurs inside
        // a multi-byte character of UTF-8, GBK/GB18030, Big5, Shift_JIS or EUC, so no character is split.
        let window = &bytes[limit / 2..limit];
        if let Some(i) = window.iter().rposition(|&b| b == b'<' || b == b'\n') {
            let prefix = &bytes[..limit / 2 + i];
            if prefix.iter().filter(|b| !b.is_ascii()).count() >= DETECT_MIN_NON_ASCII {
                return prefix;
            }
        }
        limit = limit.saturating_mul(2);
    }
    bytes
}

/// GBK (and so gb2312, x-gbk) decodes as its superset GB18030.
fn widen(enc: &'static Encoding) -> &'static Encoding {
    if enc == GBK {
        GB18030
    } else {
        enc
    }
}

/// The rightmost label of a host name when it is a plain lower-case ASCII label (what chardetng accepts).
fn top_level_domain(host: &str) -> Option<&str> {
    let host = host.trim_end_matches('.');
    let tld = host.rsplit('.').next()?;
    let ok = !tld.is_empty()
        && tld
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !tld.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(tld)
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
#[must_use]
pub(crate) fn charset_param(content_type: &str) -> Option<String> {
    for param in content_type.split(';').skip(1) {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
            if !value.is_empty() {
                return Some(value.to_owned());
            }
        }
    }
    None
}

/// `<?xml version="1.0" encoding="…"?>` at the very start of the document.
fn xml_declaration_encoding(head: &[u8]) -> Option<&'static Encoding> {
    let rest = head.strip_prefix(b"<?xml")?;
    let end = find(rest, b"?>")?;
    let decl = &rest[..end];
    let pos = find_ignore_case(decl, b"encoding")?;
    let mut i = pos + b"encoding".len();
    while decl.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if decl.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while decl.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    let quote = *decl.get(i)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let start = i + 1;
    let len = decl.get(start..)?.iter().position(|&b| b == quote)?;
    let enc = Encoding::for_label(&decl[start..start + len])?;
    // A declaration read as ASCII cannot really be UTF-16.
    Some(if enc == UTF_16BE || enc == UTF_16LE {
        UTF_8
    } else {
        enc
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_case(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// A simplified WHATWG prescan: walks tags in `head`, skipping comments and other markup, and returns the
/// encoding named by the first `<meta charset>` or `<meta http-equiv="content-type" content="…charset=…">`.
fn prescan_meta(head: &[u8]) -> Option<&'static Encoding> {
    let mut i = 0;
    while i < head.len() {
        if head[i..].starts_with(b"<!--") {
            i = match find(&head[i + 4..], b"-->") {
                Some(end) => i + 4 + end + 3,
                None => return None,
            };
            continue;
        }
        let is_meta = head[i..].len() > 5
            && head[i..i + 5].eq_ignore_ascii_case(b"<meta")
            && (head[i + 5].is_ascii_whitespace() || head[i + 5] == b'/');
        if is_meta {
            let (found, next) = meta_attributes(head, i + 5);
            if let Some(enc) = found {
                return Some(enc);
            }
            i = next;
            continue;
        }
        if head[i] == b'<'
            && head
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/')
        {
            // Another tag: skip its attributes so that quoted `>` do not confuse us.
            let (_, next) = tag_attributes(head, i + 1);
            i = next;
            continue;
        }
        if head[i] == b'<' && matches!(head.get(i + 1), Some(b'!' | b'?')) {
            i = match head[i..].iter().position(|&b| b == b'>') {
                Some(end) => i + end + 1,
                None => return None,
            };
            continue;
        }
        i += 1;
    }
    None
}

/// Reads the attributes of a `<meta` tag whose name ends before `start`; returns the encoding it declares
/// and the position after the tag.
fn meta_attributes(head: &[u8], start: usize) -> (Option<&'static Encoding>, usize) {
    let (attrs, next) = tag_attributes(head, start);
    let mut charset = None;
    let mut http_equiv_content_type = false;
    let mut content = None;
    for (name, value) in attrs {
        if name.eq_ignore_ascii_case(b"charset") && charset.is_none() {
            charset = Some(value);
        } else if name.eq_ignore_ascii_case(b"http-equiv") {
            http_equiv_content_type |= value.trim_ascii().eq_ignore_ascii_case(b"content-type");
        } else if name.eq_ignore_ascii_case(b"content") && content.is_none() {
            content = Some(value);
        }
    }
    let label = if let Some(c) = charset {
        Some(c)
    } else if http_equiv_content_type {
        content.and_then(|c| charset_from_content(&c))
    } else {
        None
    };
    let enc = label
        .and_then(|l| Encoding::for_label(l.trim_ascii()))
        .map(|enc| {
            if enc == UTF_16BE || enc == UTF_16LE {
                UTF_8
            } else if enc == X_USER_DEFINED {
                WINDOWS_1252
            } else {
                enc
            }
        });
    (enc, next)
}

/// `text/html; charset=gb2312` → `gb2312` (the WHATWG "extract a character encoding from a meta element").
fn charset_from_content(content: &[u8]) -> Option<Vec<u8>> {
    let pos = find_ignore_case(content, b"charset")?;
    let mut i = pos + b"charset".len();
    while content.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if content.get(i) != Some(&b'=') {
        return charset_from_content(content.get(pos + 7..)?);
    }
    i += 1;
    while content.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    let rest = content.get(i..)?;
    match rest.first() {
        Some(&q @ (b'"' | b'\'')) => {
            let end = rest[1..].iter().position(|&b| b == q)?;
            Some(rest[1..1 + end].to_vec())
        }
        Some(_) => {
            let end = rest
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b';')
                .unwrap_or(rest.len());
            Some(rest[..end].to_vec())
        }
        None => None,
    }
}

type Attr = (Vec<u8>, Vec<u8>);

/// Parses `name=value` attributes from `start` up to the closing `>`; returns them and the position after
/// the tag (or the end of `head` when the tag is cut off).
fn tag_attributes(head: &[u8], start: usize) -> (Vec<Attr>, usize) {
    let mut attrs = Vec::new();
    let mut i = start;
    // Skip the tag name, if we are still on it.
    while i < head.len() && !head[i].is_ascii_whitespace() && head[i] != b'>' && head[i] != b'/' {
        i += 1;
    }
    loop {
        while i < head.len() && (head[i].is_ascii_whitespace() || head[i] == b'/') {
            i += 1;
        }
        if i >= head.len() {
            return (attrs, head.len());
        }
        if head[i] == b'>' {
            return (attrs, i + 1);
        }
        let name_start = i;
        while i < head.len()
            && !head[i].is_ascii_whitespace()
            && !matches!(head[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = head[name_start..i].to_vec();
        while i < head.len() && head[i].is_ascii_whitespace() {
            i += 1;
        }
        if head.get(i) != Some(&b'=') {
            attrs.push((name, Vec::new()));
            if i == name_start {
                // A lone '=' or similar: step over it.
                i += 1;
            }
            continue;
        }
        i += 1;
        while i < head.len() && head[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match head.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let vstart = i + 1;
                match head[vstart..].iter().position(|&b| b == q) {
                    Some(len) => {
                        i = vstart + len + 1;
                        head[vstart..vstart + len].to_vec()
                    }
                    None => return (attrs, head.len()),
                }
            }
            _ => {
                let vstart = i;
                while i < head.len() && !head[i].is_ascii_whitespace() && head[i] != b'>' {
                    i += 1;
                }
                head[vstart..i].to_vec()
            }
        };
        attrs.push((name, value));
    }
}

#[cfg(test)]
mod tests;
