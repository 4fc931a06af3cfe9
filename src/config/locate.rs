//! Where a key sits in a TOML document, so that every configuration error names its line: the key path
//! of a value-level failure found after parsing (`sources[2].every`), and the key under a span the TOML
//! parser reported without naming its key (a wrong type, a bad duration).

use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    /// `crawl` in `crawl.jitter`.
    Key(&'a str),
    /// `2` in `sources[2]`.
    Index(usize),
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    let end = floor_char_boundary(text, offset.min(text.len()));
    text[..end].matches('\n').count() + 1
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The 1-based line of `path` in `text`: the line of its last key, or, when the document lacks that key
/// (a required key left out), of the deepest part of the path it has. `None` when the text does not
/// parse or holds none of the path.
pub(crate) fn line_of(text: &str, path: &[Seg<'_>]) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut found = None;
    let mut value: Option<&DeValue<'_>> = None;
    for seg in path {
        match (*seg, value) {
            (Seg::Key(k), None | Some(DeValue::Table(_))) => {
                if let Some(DeValue::Table(t)) = value {
                    table = t;
                }
                let Some((key, v)) = table.iter().find(|(key, _)| key.get_ref().as_ref() == k)
                else {
                    break;
                };
                found = Some(key.span().start);
                value = Some(v.get_ref());
            }
            (Seg::Index(i), Some(DeValue::Array(a))) => {
                let Some(item) = a.get(i) else { break };
                // An element of an array of tables spans its own keys; the line before its first key
                // is its `[[header]]`, which is where a reader looks for it.
                let start = match item.get_ref() {
                    DeValue::Table(t) => t
                        .iter()
                        .map(|(k, _)| k.span().start)
                        .min()
                        .unwrap_or(item.span().start),
                    _ => item.span().start,
                };
                found = Some(start);
                value = Some(item.get_ref());
            }
            _ => break,
        }
    }
    found.map(|at| line_at(text, at))
}

/// The dotted path (`crawl.speed`, `sources[2].every`) of the deepest key whose key or value covers
/// byte range `span` of `text`, or `None` when no key does (or the text does not parse).
pub(crate) fn key_at(text: &str, span: std::ops::Range<usize>) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = String::new();
    descend_table(doc.get_ref(), &span, &mut path).then_some(path)
}

fn covers(outer: &std::ops::Range<usize>, inner: &std::ops::Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end.max(outer.start + 1)
}

fn descend_table(table: &DeTable<'_>, span: &std::ops::Range<usize>, path: &mut String) -> bool {
    for (k, v) in table.iter() {
        if covers(&k.span(), span) || covers(&v.span(), span) {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k.get_ref());
            descend_value(v.get_ref(), span, path);
            return true;
        }
    }
    // Arrays of tables: an element's span may not cover its header, so look inside each value too.
    for (k, v) in table.iter() {
        let mark = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(k.get_ref());
        if descend_value(v.get_ref(), span, path) {
            return true;
        }
        path.truncate(mark);
    }
    false
}

fn descend_value(value: &DeValue<'_>, span: &std::ops::Range<usize>, path: &mut String) -> bool {
    match value {
        DeValue::Table(t) => descend_table(t, span, path),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                let mark = path.len();
                path.push_str(&format!("[{i}]"));
                if covers(&item.span(), span) {
                    descend_value(item.get_ref(), span, path);
                    return true;
                }
                if descend_value(item.get_ref(), span, path) {
                    return true;
                }
                path.truncate(mark);
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[crawl]\njitter = 2.0\n\n[[sources]]\nid = \"a\"\nevery = \"1m\"\n\n[[sources]]\nid = \"b\"\nname = \"B\"\nevery = \"5s\"\n";

    #[test]
    fn finds_keys_in_tables_and_arrays_of_tables() {
        assert_eq!(
            line_of(DOC, &[Seg::Key("crawl"), Seg::Key("jitter")]),
            Some(2)
        );
        let every = [Seg::Key("sources"), Seg::Index(1), Seg::Key("every")];
        assert_eq!(line_of(DOC, &every), Some(11));
        // A key the element lacks: the element's first key.
        let links = [Seg::Key("sources"), Seg::Index(1), Seg::Key("links")];
        assert_eq!(line_of(DOC, &links), Some(9));
        assert_eq!(line_of(DOC, &[Seg::Key("server")]), None);
    }

    #[test]
    fn names_the_key_under_a_span() {
        let at = DOC.find("\"5s\"").unwrap();
        assert_eq!(key_at(DOC, at..at + 4).as_deref(), Some("sources[1].every"));
        let at = DOC.find("2.0").unwrap();
        assert_eq!(key_at(DOC, at..at + 3).as_deref(), Some("crawl.jitter"));
    }
}
