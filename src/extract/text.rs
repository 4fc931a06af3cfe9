//! Input that is not a web page: sniffing what a byte stream is (HTML, plain text, or a binary format that
//! is refused), and plain-text articles. A text article is the lines of a Chinese news page as copied:
//! a breadcrumb, the title, a byline, a date/来源 line, the paragraphs and a `(责编：…)` line. It is laid
//! out as a minimal page (the breadcrumb, the title as `<h1>`, every other line a paragraph) and goes
//! through the same extraction as HTML, so every field is read and validated the same way.

use url::Url;

use super::{article, ExtractError, Extracted};

/// What the first bytes of an input say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An HTML (or XHTML) document.
    Html,
    /// Plain text.
    Text,
    /// A binary format, named (`an ELF executable`, `a PNG image`…).
    Binary(&'static str),
}

/// Leading bytes ("magic numbers") of binary formats, with what they are called in errors.
const MAGIC: [(&[u8], &str); 22] = [
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O or Java class file"),
    (b"\0asm", "a WebAssembly module"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\0", "a TIFF image"),
    (b"MM\0*", "a TIFF image"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\0", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"%PDF-", "a PDF document"),
    (b"SQLite format 3\0", "an SQLite database"),
];

/// How many leading bytes [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 8192;

/// What `head` (the first bytes of an input, up to [`SNIFF_BYTES`]) is: a known binary format by its magic
/// number, binary data (NUL bytes or mostly control bytes), HTML (a tag near the start), else text.
#[must_use]
pub fn sniff(head: &[u8]) -> Kind {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        return Kind::Binary("a WebP image");
    }
    if head.get(4..8) == Some(b"ftyp") {
        return Kind::Binary("an MP4/ISO media file");
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Kind::Binary("an MS Office document");
    }
    for (magic, name) in MAGIC {
        if head.starts_with(magic) {
            // `MZ`/`BM` are two letters a text could start with: only with binary bytes after them.
            if magic.len() <= 2 && magic[0].is_ascii_alphabetic() && !looks_binary(head) {
                continue;
            }
            return Kind::Binary(name);
        }
    }
    // UTF-16 text starts with a BOM; without one, NULs mean binary.
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return if is_html_text(&String::from_utf16_lossy(&utf16_units(head))) {
            Kind::Html
        } else {
            Kind::Text
        };
    }
    if looks_binary(head) {
        return Kind::Binary("binary data");
    }
    let text = String::from_utf8_lossy(head);
    if is_html_text(&text) {
        Kind::Html
    } else {
        Kind::Text
    }
}

fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    let le = bytes.starts_with(b"\xff\xfe");
    bytes[2..]
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect()
}

/// NUL bytes, or more than one byte in ten a control character other than whitespace.
fn looks_binary(head: &[u8]) -> bool {
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    controls * 10 > head.len().max(1)
}

/// Whether decoded text is an HTML document: after a BOM and whitespace it opens with a tag, a doctype, a
/// comment or an XML declaration, or it holds `<html`, `<body`, `<head`, `<p>` or `<div` near the start.
#[must_use]
pub fn is_html_text(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    // Most pages open with one of these: decided from the first nine characters.
    let opening = t.chars().take(9).collect::<String>().to_ascii_lowercase();
    if [
        "<!doctype",
        "<html",
        "<!--",
        "<?xml",
        "<head",
        "<meta",
        "<body",
    ]
    .iter()
    .any(|start| opening.starts_with(start))
    {
        return true;
    }
    let window: String = t
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "<html", "<body", "<head", "<p>", "<p ", "<div", "<br", "<title",
    ]
    .iter()
    .any(|tag| window.contains(tag))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether a line is a breadcrumb (`中国共产党新闻网>>中国工会新闻`, `首页 > 新闻`).
fn is_breadcrumb(line: &str) -> bool {
    line.chars().count() <= 80
        && (line.contains(">>")
            || line.contains('＞')
            || line.contains(" > ")
            || line.contains('»')
            || line.contains("->")
            || line.starts_with("当前位置")
            || line.starts_with("您的位置")
            || line.starts_with("您当前的位置"))
}

/// Whether a line can be a title: 2–100 characters, not a date line, not a sentence.
fn can_be_title(line: &str) -> bool {
    let n = line.chars().count();
    (2..=100).contains(&n)
        && !super::date::is_dateline(line)
        && !line.ends_with(['。', '；'])
        && super::meta::parse_source(line).is_none()
}

/// A plain-text article laid out as a minimal HTML page: the breadcrumb (if the first line is one) in a
/// `nav`, the first line that can be a title as `<title>` and `<h1>`, every other non-empty line a `<p>`.
#[must_use]
pub(crate) fn text_to_html(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'))
        .filter(|l| !l.is_empty())
        .collect();
    let mut i = 0;
    let mut crumb = None;
    if lines.first().is_some_and(|l| is_breadcrumb(l)) {
        crumb = Some(lines[0]);
        i = 1;
    }
    let title = lines.get(i).filter(|l| can_be_title(l)).copied();
    if title.is_some() {
        i += 1;
    }
    let mut html = String::with_capacity(text.len() + 256);
    html.push_str("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
    html.push_str(&escape(title.unwrap_or("")));
    html.push_str("</title></head><body>\n");
    if let Some(c) = crumb {
        html.push_str("<div class=\"breadcrumb\">");
        html.push_str(&escape(c));
        html.push_str("</div>\n");
    }
    html.push_str("<div class=\"article\">\n");
    if let Some(t) = title {
        html.push_str("<h1>");
        html.push_str(&escape(t));
        html.push_str("</h1>\n");
    }
    for l in &lines[i..] {
        html.push_str("<p>");
        html.push_str(&escape(l));
        html.push_str("</p>\n");
    }
    html.push_str("</div></body></html>\n");
    html
}

/// Extracts the article in a plain-text copy of a page (see the module docs); the profile is `text`.
///
/// # Errors
/// [`ExtractError::NoContent`] when the text has neither a title nor paragraphs.
pub fn extract_text(text: &str, url: &Url) -> Result<Extracted, ExtractError> {
    let html = text_to_html(text);
    let mut out = article::extract_article(&html, url, None)?;
    out.article.profile = "text".to_string();
    out.next_pages.clear();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_formats_are_named() {
        assert_eq!(
            sniff(b"\x7fELF\x02\x01\x01\0\0\0"),
            Kind::Binary("an ELF executable")
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Kind::Binary("a PNG image")
        );
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"),
            Kind::Binary("a JPEG image")
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Kind::Binary("a GIF image"));
        assert_eq!(sniff(b"PK\x03\x04\x14\0"), Kind::Binary("a zip archive"));
        assert_eq!(sniff(b"\x1f\x8b\x08\0\0\0"), Kind::Binary("a gzip archive"));
        assert_eq!(sniff(b"abc\0def"), Kind::Binary("binary data"));
    }

    #[test]
    fn html_and_text_are_told_apart() {
        assert_eq!(sniff(b"  <!DOCTYPE html><html>"), Kind::Html);
        assert_eq!(sniff("\u{feff}<html><body>".as_bytes()), Kind::Html);
        assert_eq!(sniff("标题\n\n<p>正文</p>".as_bytes()), Kind::Html);
        assert_eq!(
            sniff("中国工会新闻\n\n标题\n\n正文。".as_bytes()),
            Kind::Text
        );
        assert_eq!(sniff(b"MZ is the start of this sentence."), Kind::Text);
        assert_eq!(sniff(b"BMW and Audi"), Kind::Text);
    }

    #[test]
    fn text_layout_puts_the_title_in_h1() {
        let html = text_to_html("首页>>新闻\n\n标题<一>\n\n张三\n\n正文第一段。\n");
        assert!(html.contains("<div class=\"breadcrumb\">首页&gt;&gt;新闻</div>"));
        assert!(html.contains("<h1>标题&lt;一&gt;</h1>"));
        assert!(html.contains("<p>张三</p>"));
    }
}
