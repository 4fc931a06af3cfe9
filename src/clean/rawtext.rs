//! A pre-pass over page text before the article parse: the bodies of `<script>` (all but JSON-LD), `<style>`
//! and `<noscript>` elements are cut to one space, so html5ever tokenizes and copies far fewer bytes (on the
//! AEB pages they are over half of the text). The extractor never reads those bodies as text (they are
//! skipped tags everywhere; JSON-LD is kept whole), and a non-empty body becomes one space rather than
//! nothing, so the parsed tree has exactly the same nodes, in the same order and with the same ids: only
//! the text inside those elements differs.
//!
//! The scan follows the HTML tokenizer where it matters: comments, bogus comments, quoted attribute values
//! (a `>` inside one does not end the tag), the raw-text and RCDATA elements whose content is not markup
//! (`title`, `textarea`, `xmp`, `iframe`, `noembed`, `noframes`), and the script-data escape states (inside
//! `<!-- … -->` in a script, `<script>` … `</script>` does not end the outer script). Wherever the parser's
//! state depends on more than that — inside `<select>` (where a `<style>` tag is ignored and its content is
//! markup), SVG or MathML content other than plain drawing elements, `<frameset>`, `<plaintext>`, CDATA, an
//! unterminated element — the scan stops and copies the rest of the page unchanged, which is always safe.

use std::borrow::Cow;

/// Elements whose body is cut (when non-empty). JSON-LD scripts are kept whole.
fn is_thinned(name: &[u8]) -> bool {
    matches!(name, b"script" | b"style" | b"noscript")
}

/// Elements whose content the tokenizer reads as raw text up to their end tag (scripting enabled, as the
/// extractor's parser runs), other than `script`.
fn is_rawtext(name: &[u8]) -> bool {
    matches!(
        name,
        b"style" | b"xmp" | b"iframe" | b"noembed" | b"noframes" | b"noscript"
    )
}

/// SVG and MathML elements that are plain foreign elements (not HTML integration points, no special
/// tokenizer state, never break out to HTML): inside `<svg>` or `<math>` only these are followed.
fn is_plain_foreign(name: &[u8]) -> bool {
    matches!(
        name,
        b"g" | b"path"
            | b"circle"
            | b"ellipse"
            | b"line"
            | b"polyline"
            | b"polygon"
            | b"rect"
            | b"use"
            | b"defs"
            | b"symbol"
            | b"lineargradient"
            | b"radialgradient"
            | b"stop"
            | b"clippath"
            | b"mask"
            | b"pattern"
            | b"text"
            | b"tspan"
            | b"image"
            | b"filter"
            | b"fegaussianblur"
            | b"feoffset"
            | b"feblend"
            | b"fecolormatrix"
            | b"feflood"
            | b"fecomposite"
            | b"femerge"
            | b"femergenode"
            | b"marker"
            | b"animate"
            | b"animatetransform"
            | b"mrow"
            | b"msup"
            | b"msub"
            | b"mfrac"
            | b"msqrt"
            | b"mroot"
    )
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

/// Why the scan stopped early: the rest is copied unchanged.
struct Stop;

/// The page with script, style and noscript bodies cut to one space (see the module documentation), or the
/// page itself when nothing was cut.
#[must_use]
pub(crate) fn thin_raw_text(html: &str) -> Cow<'_, str> {
    let mut scan = Scan {
        bytes: html.as_bytes(),
        cuts: Vec::new(),
        in_select: false,
        foreign: Vec::new(),
    };
    // Either way the cuts found so far are sound: each one is a body the parser reads as raw text.
    let _ = scan.run();
    if scan.cuts.is_empty() {
        return Cow::Borrowed(html);
    }
    let removed: usize = scan.cuts.iter().map(|(s, e)| e - s).sum();
    let mut out = String::with_capacity(html.len() - removed + scan.cuts.len());
    let mut copied = 0;
    for (start, end) in scan.cuts {
        // Cut points sit next to ASCII `>` and `<`, so they are character boundaries.
        out.push_str(&html[copied..start]);
        out.push(' ');
        copied = end;
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

struct Scan<'a> {
    bytes: &'a [u8],
    /// Byte ranges of bodies to replace by one space, in order.
    cuts: Vec<(usize, usize)>,
    /// A `<select>` may be open (its insertion mode ignores `<style>` and the like).
    in_select: bool,
    /// Open `<svg>`/`<math>` roots.
    foreign: Vec<&'static [u8]>,
}

/// A tag's lower-cased name (at most 24 bytes kept; longer names never matter here).
struct Name {
    buf: [u8; 24],
    len: usize,
}

impl Name {
    fn get(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Scan<'_> {
    fn run(&mut self) -> Result<(), Stop> {
        let b = self.bytes;
        let mut i = 0;
        while let Some(p) = memchr::memchr(b'<', &b[i..]) {
            let lt = i + p;
            let next = b.get(lt + 1).copied();
            i = match next {
                Some(b'!') => self.markup_declaration(lt)?,
                Some(b'?') => bogus_comment_end(b, lt + 2),
                Some(b'/') => self.end_tag(lt)?,
                Some(c) if c.is_ascii_alphabetic() => self.start_tag(lt)?,
                _ => lt + 1,
            };
        }
        Ok(())
    }

    /// `<!…`: a comment, a DOCTYPE or another bogus comment; CDATA stops the scan inside foreign content.
    fn markup_declaration(&self, lt: usize) -> Result<usize, Stop> {
        let b = self.bytes;
        if b[lt..].starts_with(b"<!--") {
            return Ok(comment_end(b, lt + 4));
        }
        if b[lt..].starts_with(b"<![CDATA[") && !self.foreign.is_empty() {
            return Err(Stop);
        }
        Ok(bogus_comment_end(b, lt + 2))
    }

    fn end_tag(&mut self, lt: usize) -> Result<usize, Stop> {
        let b = self.bytes;
        match b.get(lt + 2) {
            None => Ok(b.len()),
            Some(b'>') => Ok(lt + 3),
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, after) = tag_name(b, lt + 2);
                let (end, _) = tag_end(b, after).ok_or(Stop)?;
                let name = name.get();
                if self.foreign.is_empty() {
                    if name == b"select" {
                        self.in_select = false;
                    }
                } else if let Some(pos) = self.foreign.iter().rposition(|f| *f == name) {
                    self.foreign.truncate(pos);
                } else if !is_plain_foreign(name) {
                    return Err(Stop);
                }
                Ok(end)
            }
            Some(_) => Ok(bogus_comment_end(b, lt + 2)),
        }
    }

    fn start_tag(&mut self, lt: usize) -> Result<usize, Stop> {
        let b = self.bytes;
        let (name, after) = tag_name(b, lt + 1);
        let (end, self_closing) = tag_end(b, after).ok_or(Stop)?;
        let name = name.get();
        let root: Option<&'static [u8]> = match name {
            b"svg" => Some(b"svg"),
            b"math" => Some(b"math"),
            _ => None,
        };
        if let Some(root) = root {
            if !self_closing {
                self.foreign.push(root);
            }
            return Ok(end);
        }
        if !self.foreign.is_empty() {
            return if is_plain_foreign(name) {
                Ok(end)
            } else {
                Err(Stop)
            };
        }
        match name {
            b"frameset" | b"plaintext" => Err(Stop),
            b"select" => {
                self.in_select = true;
                Ok(end)
            }
            b"script" => {
                let close = script_end(b, end).ok_or(Stop)?;
                let json_ld = contains_ignore_case(&b[after..end], b"ld+json");
                if !json_ld {
                    self.cut(end, close);
                }
                Ok(close)
            }
            b"title" | b"textarea" => {
                if name == b"title" && self.in_select {
                    return Err(Stop);
                }
                if name == b"textarea" {
                    self.in_select = false;
                }
                raw_end(b, end, name).ok_or(Stop)
            }
            _ if is_rawtext(name) => {
                if self.in_select {
                    return Err(Stop);
                }
                let close = raw_end(b, end, name).ok_or(Stop)?;
                if is_thinned(name) {
                    self.cut(end, close);
                }
                Ok(close)
            }
            _ => Ok(end),
        }
    }

    /// Records `start..end` as a body to cut when it is more than whitespace.
    fn cut(&mut self, start: usize, end: usize) {
        if self.bytes[start..end].iter().any(|&c| !is_space(c)) {
            self.cuts.push((start, end));
        }
    }
}

/// The lower-cased tag name starting at `i` (up to whitespace, `/` or `>`) and the index after it.
fn tag_name(b: &[u8], mut i: usize) -> (Name, usize) {
    let mut name = Name {
        buf: [0; 24],
        len: 0,
    };
    let mut long = false;
    while let Some(&c) = b.get(i) {
        if is_space(c) || c == b'/' || c == b'>' {
            break;
        }
        if name.len < name.buf.len() {
            name.buf[name.len] = c.to_ascii_lowercase();
            name.len += 1;
        } else {
            long = true;
        }
        i += 1;
    }
    if long {
        // No name this scan cares about is that long; keep it from matching a short one.
        name.buf[0] = b'-';
    }
    (name, i)
}

/// From just after a tag's name: the index after its closing `>` (quoted attribute values may hold `>`), and
/// whether it ended with `/>`. `None` when the page ends inside the tag.
fn tag_end(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
    loop {
        // Before an attribute name.
        while b.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        match *b.get(i)? {
            b'>' => return Some((i + 1, false)),
            b'/' => {
                if b.get(i + 1) == Some(&b'>') {
                    return Some((i + 2, true));
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        // The attribute name: its first character may be `=`.
        i += 1;
        while let Some(&c) = b.get(i) {
            if is_space(c) || matches!(c, b'/' | b'>' | b'=') {
                break;
            }
            i += 1;
        }
        while b.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while b.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        match *b.get(i)? {
            q @ (b'"' | b'\'') => {
                i += 1 + memchr::memchr(q, b.get(i + 1..)?)? + 1;
            }
            b'>' => return Some((i + 1, false)),
            _ => {
                while let Some(&c) = b.get(i) {
                    if is_space(c) || c == b'>' {
                        break;
                    }
                    i += 1;
                }
            }
        }
    }
}

/// The index after a comment whose text starts at `i` (just after `<!--`): `<!-->` and `<!--->` are empty
/// comments; otherwise the comment ends at the first `-->` or `--!>`, or with the page.
fn comment_end(b: &[u8], i: usize) -> usize {
    let rest = &b[i.min(b.len())..];
    if rest.starts_with(b">") {
        return i + 1;
    }
    if rest.starts_with(b"->") {
        return i + 2;
    }
    let mut at = 0;
    while let Some(p) = memchr::memchr(b'-', &rest[at..]) {
        let d = at + p;
        if rest[d..].starts_with(b"-->") {
            return i + d + 3;
        }
        if rest[d..].starts_with(b"--!>") {
            return i + d + 4;
        }
        at = d + 1;
    }
    b.len()
}

/// The index after the `>` that ends a bogus comment whose text starts at `i`, or the page's end.
fn bogus_comment_end(b: &[u8], i: usize) -> usize {
    let i = i.min(b.len());
    memchr::memchr(b'>', &b[i..]).map_or(b.len(), |p| i + p + 1)
}

/// Whether `b[i..]` starts with `</name` followed by whitespace, `/` or `>` (ASCII case-insensitive).
fn is_close_tag(b: &[u8], i: usize, name: &[u8]) -> bool {
    b.get(i + 1) == Some(&b'/')
        && b.get(i + 2..i + 2 + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        && b.get(i + 2 + name.len())
            .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
}

/// Whether `b[i..]` starts with `<script` followed by whitespace, `/` or `>` (ASCII case-insensitive).
fn is_script_open(b: &[u8], i: usize) -> bool {
    b.get(i + 1..i + 7)
        .is_some_and(|n| n.eq_ignore_ascii_case(b"script"))
        && b.get(i + 7)
            .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
}

/// Where the end tag of a raw-text or RCDATA element whose content starts at `from` begins.
fn raw_end(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(p) = memchr::memchr(b'<', b.get(at..)?) {
        let lt = at + p;
        if is_close_tag(b, lt, name) {
            return Some(lt);
        }
        at = lt + 1;
    }
    None
}

/// Where the `</script>` that ends a script whose content starts at `from` begins, following the
/// tokenizer's script-data states: after `<!--` the script is escaped, where `<script` starts a
/// double-escaped part in which `</script` does not end the element, and `-->` returns to plain script data.
fn script_end(b: &[u8], from: usize) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut i = from;
    loop {
        let p = if state == State::Data {
            memchr::memchr(b'<', b.get(i..)?)?
        } else {
            memchr::memchr2(b'<', b'-', b.get(i..)?)?
        };
        let at = i + p;
        i = at + 1;
        if b[at] == b'-' {
            if b[at..].starts_with(b"-->") {
                state = State::Data;
                i = at + 3;
            }
            continue;
        }
        match state {
            State::Data => {
                if is_close_tag(b, at, b"script") {
                    return Some(at);
                }
                if b[at..].starts_with(b"<!--") {
                    // `<!--` leaves the tokenizer in the escaped dash-dash state: a `>` after it and any
                    // further dashes (`<!-->`, `<!--->`) goes back to script data.
                    let mut j = at + 4;
                    while b.get(j) == Some(&b'-') {
                        j += 1;
                    }
                    if b.get(j) == Some(&b'>') {
                        i = j + 1;
                    } else {
                        state = State::Escaped;
                        i = j;
                    }
                }
            }
            State::Escaped => {
                if is_close_tag(b, at, b"script") {
                    return Some(at);
                }
                if is_script_open(b, at) {
                    state = State::DoubleEscaped;
                    i = at + 7;
                }
            }
            State::DoubleEscaped => {
                if is_close_tag(b, at, b"script") {
                    state = State::Escaped;
                    i = at + 8;
                }
            }
        }
    }
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests;
