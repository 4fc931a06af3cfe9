//! A minimal, lossless splitter of a document into markup and text runs, so that text repair can run on a raw
//! HTML page without touching tags, attribute names, URLs, comments, scripts or styles. Concatenating the
//! segments always gives back the input byte for byte. Plain text without tags is one text segment.
//! Human-readable attribute values (`title`, `alt`, `content`, …) are returned as text segments too.

/// One piece of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    /// Tags, comments, doctype, script/style bodies, URL-bearing attribute values: never altered.
    Markup(&'a str),
    /// Character data (or a human-readable attribute value) that repair may rewrite.
    Text(&'a str),
}

/// Elements whose content is not text (raw text elements and friends).
const RAW_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "xmp",
    "textarea",
    "noscript",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
    "template",
    "svg",
    "math",
];

/// Attributes whose quoted values are human-readable text.
const TEXT_ATTRIBUTES: &[&str] = &[
    "title",
    "alt",
    "content",
    "placeholder",
    "aria-label",
    "summary",
];

/// Splits `input` into markup and text segments (lossless).
pub(crate) fn segments(input: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let bytes = input.as_bytes();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let Some(tag) = scan_markup(input, i) else {
            i += 1;
            continue;
        };
        if text_start < i {
            out.push(Segment::Text(&input[text_start..i]));
        }
        push_tag(input, &tag, &mut out);
        i = tag.end;
        if let Some(name) = tag.raw_element {
            let close = find_close(input, i, name);
            if close > i {
                out.push(Segment::Markup(&input[i..close]));
            }
            i = close;
        }
        text_start = i;
    }
    if text_start < bytes.len() {
        out.push(Segment::Text(&input[text_start..]));
    }
    out
}

struct Tag {
    start: usize,
    end: usize,
    /// Byte ranges of quoted text-attribute values, in order.
    text_values: Vec<(usize, usize)>,
    /// Set when the tag opens a raw-text element whose body is markup.
    raw_element: Option<&'static str>,
}

fn push_tag<'a>(input: &'a str, tag: &Tag, out: &mut Vec<Segment<'a>>) {
    let mut pos = tag.start;
    for &(s, e) in &tag.text_values {
        out.push(Segment::Markup(&input[pos..s]));
        if e > s {
            out.push(Segment::Text(&input[s..e]));
        }
        pos = e;
    }
    out.push(Segment::Markup(&input[pos..tag.end]));
}

/// Recognises markup starting at `start` (which holds `<`); `None` when it is a literal `<` in text.
fn scan_markup(input: &str, start: usize) -> Option<Tag> {
    let bytes = input.as_bytes();
    let next = *bytes.get(start + 1)?;
    let simple = |end: usize| Tag {
        start,
        end,
        text_values: Vec::new(),
        raw_element: None,
    };
    if input[start..].starts_with("<!--") {
        let end = input[start + 4..]
            .find("-->")
            .map_or(input.len(), |p| start + 4 + p + 3);
        return Some(simple(end));
    }
    if next == b'!' || next == b'?' {
        let end = input[start..].find('>').map(|p| start + p + 1)?;
        return Some(simple(end));
    }
    let closing = next == b'/';
    let name_start = if closing { start + 2 } else { start + 1 };
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut i = name_start;
    while i < bytes.len()
        && !matches!(
            bytes[i],
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'
        )
    {
        i += 1;
    }
    let name = &input[name_start..i];
    let mut text_values = Vec::new();
    // Attributes.
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        if bytes[i] == b'>' {
            i += 1;
            break;
        }
        let attr_start = i;
        while i < bytes.len()
            && !matches!(
                bytes[i],
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'='
            )
        {
            i += 1;
        }
        let attr = &input[attr_start..i];
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            i += 1;
        }
        match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let value_start = i + 1;
                let value_end = input[value_start..]
                    .find(q as char)
                    .map(|p| value_start + p)?;
                if !closing && TEXT_ATTRIBUTES.iter().any(|t| t.eq_ignore_ascii_case(attr)) {
                    text_values.push((value_start, value_end));
                }
                i = value_end + 1;
            }
            Some(_) => {
                while i < bytes.len()
                    && !matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>')
                {
                    i += 1;
                }
            }
            None => return None,
        }
    }
    let raw_element = if closing {
        None
    } else {
        RAW_ELEMENTS
            .iter()
            .copied()
            .find(|r| r.eq_ignore_ascii_case(name))
    };
    let self_closing = i >= 2 && bytes[i - 2] == b'/';
    Some(Tag {
        start,
        end: i,
        text_values,
        raw_element: raw_element.filter(|_| !self_closing),
    })
}

/// Byte offset of the `</name` that closes a raw element starting at `from`, or the end of input.
fn find_close(input: &str, from: usize, name: &str) -> usize {
    let bytes = input.as_bytes();
    let mut i = from;
    while let Some(p) = input[i..].find("</") {
        let at = i + p;
        let name_end = at + 2 + name.len();
        if name_end <= bytes.len()
            && input.is_char_boundary(name_end)
            && input[at + 2..name_end].eq_ignore_ascii_case(name)
        {
            return at;
        }
        i = at + 2;
    }
    input.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(segs: &[Segment<'_>]) -> String {
        segs.iter()
            .map(|s| match s {
                Segment::Markup(m) | Segment::Text(m) => *m,
            })
            .collect()
    }

    #[test]
    fn splitting_is_lossless_and_finds_text() {
        let doc = "<!DOCTYPE html><html><head><title>中國(guó)</title><script>var a='中(zhōng)';</script>\
                   <meta name=\"description\" content=\"來(lái)源\"></head><body><a href=\"/搜?索\" title='標題'>x &lt; y</a>a < b<!-- c --></body>";
        let segs = segments(doc);
        assert_eq!(join(&segs), doc);
        let texts: Vec<&str> = segs
            .iter()
            .filter_map(|s| match s {
                Segment::Text(t) => Some(*t),
                Segment::Markup(_) => None,
            })
            .collect();
        assert_eq!(
            texts,
            vec!["中國(guó)", "來(lái)源", "標題", "x &lt; y", "a < b"]
        );
    }

    #[test]
    fn unterminated_markup_is_text_or_markup_but_never_lost() {
        for doc in [
            "<a href=\"x",
            "<script>中(zhōng)",
            "<!-- 中",
            "< 中 >",
            "<a",
            "<",
            "<\u{FFFD}",
        ] {
            assert_eq!(join(&segments(doc)), doc);
        }
    }
}
