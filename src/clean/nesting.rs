//! Guards run before any html5ever parse (the extractor's and the sanitiser's): page text is capped at
//! [`MAX_HTML_BYTES`] and nesting deeper than [`MAX_SOURCE_DEPTH`] is flattened in one linear scan (text kept),
//! because the HTML tree builder scans its stack of open elements for many start tags and pathological
//! nesting would cost quadratic time.

/// Source nesting deeper than this is flattened before parsing: the HTML tree builder scans its stack of
/// open elements for many start tags, so pathological nesting would cost quadratic time.
pub(crate) const MAX_SOURCE_DEPTH: usize = 256;

/// Page text above this size (bytes) is cut before parsing; no news page is anywhere near it.
pub(crate) const MAX_HTML_BYTES: usize = 16 * 1024 * 1024;

/// Elements that close implicitly (or never nest in practice); they do not count towards depth.
fn is_flat_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "li"
            | "td"
            | "th"
            | "tr"
            | "dt"
            | "dd"
            | "option"
            | "tbody"
            | "thead"
            | "tfoot"
            | "colgroup"
            | "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "param"
            | "html"
            | "head"
            | "body"
    )
}

/// The tag name starting at `i` (ASCII letters, digits, `-`, `:`) and the index after it.
fn tag_name(bytes: &[u8], mut i: usize) -> (&[u8], usize) {
    let start = i;
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':')
    {
        i += 1;
    }
    (&bytes[start..i], i)
}

/// Longest tag name [`flatten_deep`] needs to tell apart; longer names are ordinary nesting tags.
const SHORT_NAME: usize = 16;

/// `raw` lower-cased into `buf` when it is short; a long name gives a placeholder no list contains.
fn lower_name<'b>(raw: &[u8], buf: &'b mut [u8; SHORT_NAME]) -> &'b str {
    if raw.len() > SHORT_NAME {
        return "-long-";
    }
    for (b, r) in buf.iter_mut().zip(raw) {
        *b = r.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..raw.len()]).unwrap_or("-long-")
}

/// The first index at or after `from` where `needle` occurs (ASCII case-insensitive; the needle's first
/// byte is not a letter).
fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut at = from;
    while at < hay.len() {
        let p = at + memchr::memchr(first, &hay[at..])?;
        if hay
            .get(p + 1..p + 1 + rest.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(rest))
        {
            return Some(p);
        }
        at = p + 1;
    }
    None
}

/// Drops start and end tags nested deeper than `max` (their text is kept), in one linear scan.
/// Returns `None` when the page never nests that deep (the common case: nothing is copied).
fn flatten_deep(html: &str, max: usize) -> Option<String> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut suppressed = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0usize; // bytes of `html` already copied to `out`
    let mut i = 0usize;
    while let Some(lt) = memchr_lt(bytes, i) {
        i = lt + 1;
        if bytes[lt..].starts_with(b"<!--") {
            i = find_from(bytes, lt + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let (raw_name, after) = tag_name(bytes, name_start);
        if raw_name.is_empty() {
            continue;
        }
        let mut name_buf = [0u8; SHORT_NAME];
        let name = lower_name(raw_name, &mut name_buf);
        let end = find_from(bytes, after, b">").map_or(bytes.len(), |e| e + 1);
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        i = end;
        if !closing
            && matches!(
                name,
                "script" | "style" | "textarea" | "title" | "xmp" | "plaintext"
            )
        {
            let mut close = [0u8; SHORT_NAME + 2];
            close[..2].copy_from_slice(b"</");
            close[2..2 + name.len()].copy_from_slice(name.as_bytes());
            i = find_from(bytes, end, &close[..2 + name.len()]).unwrap_or(bytes.len());
            continue;
        }
        if is_flat_tag(name) || self_closing {
            continue;
        }
        let drop = if closing {
            if suppressed > 0 {
                suppressed -= 1;
                true
            } else {
                depth = depth.saturating_sub(1);
                false
            }
        } else if depth >= max {
            suppressed += 1;
            true
        } else {
            depth += 1;
            false
        };
        if drop {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..lt]);
            copied = end.min(html.len());
        }
    }
    out.map(|mut o| {
        o.push_str(&html[copied..]);
        o
    })
}

fn memchr_lt(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'<', bytes.get(from..)?).map(|p| p + from)
}

/// `html` cut at [`MAX_HTML_BYTES`] (on a character boundary).
pub(crate) fn cap_len(html: &str) -> &str {
    if html.len() <= MAX_HTML_BYTES {
        return html;
    }
    let mut end = MAX_HTML_BYTES;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    &html[..end]
}

/// `html` with nesting deeper than [`MAX_SOURCE_DEPTH`] flattened (text kept). The extractor parses through
/// [`guarded`]; the sanitiser calls this directly: without it 50,000 nested `div`s cost it over a minute.
pub(crate) fn flatten_nesting(html: &str) -> std::borrow::Cow<'_, str> {
    match flatten_deep(html, MAX_SOURCE_DEPTH) {
        Some(flat) => std::borrow::Cow::Owned(flat),
        None => std::borrow::Cow::Borrowed(html),
    }
}

/// `html` capped at [`MAX_HTML_BYTES`] and with pathological nesting flattened: what every parse of page
/// text goes through.
pub(crate) fn guarded(html: &str) -> std::borrow::Cow<'_, str> {
    flatten_nesting(cap_len(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_flattened_and_text_kept() {
        let html = format!(
            "{}<p>正文</p>{}",
            "<div>".repeat(1000),
            "</div>".repeat(1000)
        );
        let flat = flatten_deep(&html, 10).unwrap();
        assert_eq!(flat.matches("<div>").count(), 10);
        assert_eq!(flat.matches("</div>").count(), 10);
        assert!(flat.contains("<p>正文</p>"));
        assert!(flatten_deep("<div><p>a<p>b</div><script>if (a<b) {}</script>", 10).is_none());
    }

    #[test]
    fn tag_like_bytes_in_odd_places_do_not_panic() {
        for s in [
            "<",
            "</",
            "<!--",
            "<a",
            "<div/",
            "</div",
            "<script>",
            "<\u{4e2d}>",
            "<<>>",
            "<a\u{e9}>",
        ] {
            let _ = flatten_deep(&s.repeat(300), 5);
        }
    }
}
