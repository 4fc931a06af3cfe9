//! Text repair that is not extraction: detecting and repairing pinyin-annotated Traditional spam mirrors
//! (annotation stripping, the repair of characters split by the mirror tool, Traditional→Simplified, lost
//! characters marked with U+FFFD), removing SEO keyword-stuffed blocks and stuffed title segments, whitespace
//! normalisation, the normalised text used for near-duplicate comparison, the post-extraction pass over an
//! [`Article`], the size and nesting guards every HTML parse goes through ([`nesting`]), the article parse's
//! raw-text thinning ([`rawtext`]), and HTML sanitising for republishing. Nothing here imports `extract`,
//! nothing does I/O and nothing panics on any input; compiled patterns, the embedded data files and the
//! OpenCC converter are built once on first use.

mod html;
mod mirror;
pub(crate) mod nesting;
pub(crate) mod rawtext;
mod sanitize;
mod spam;

use crate::model::{Article, Flag};

/// A repaired text and whether characters were lost beyond repair (marked with U+FFFD).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The repaired text (Simplified, annotations removed).
    pub text: String,
    /// True when the text contains characters lost beyond repair (U+FFFD).
    pub degraded: bool,
}

/// Gate of sites.md §3.3 step 1: ≥5 tone-marked annotation matches covering ≥2% of Han chars.
#[must_use]
pub fn is_pinyin_mirror(text: &str) -> bool {
    mirror::passes_gate(text)
}

/// Whether a raw HTML document can be a pinyin mirror copy at all, decided before parsing: false when its
/// text holds no tone-marked vowel, neither as a character nor as a character reference that could decode
/// to one (then [`is_pinyin_mirror`] is false for any text of the parsed page).
#[must_use]
pub fn may_be_pinyin_mirror(raw_html: &str) -> bool {
    mirror::may_hold_tones(raw_html)
}

/// Repairs a pinyin-mirror text: applies the repair table and rebuilds characters the mirror tool split in half,
/// strips tone-marked annotations (toneless ones from the pinyin inventory only when the text passes the gate),
/// removes emoji insertions, converts Traditional→Simplified, and turns remaining lost-character `?` after Han
/// characters into U+FFFD. Also works on a whole HTML document: only text runs and human-readable attribute
/// values (`title`, `alt`, `content`…) change; tags, attribute names, URLs, comments, scripts and styles stay
/// byte-identical.
#[must_use]
pub fn repair_mirror(text: &str) -> Repaired {
    let out = mirror::repair_document(text);
    Repaired {
        text: out.text,
        degraded: out.degraded,
    }
}

/// sites.md §3.4: a keyword-stuffed block (county/city names, gambling/porn words, `|`-separated short tokens,
/// no `。`). False for ordinary prose, for `中国(China)`, for short lists in real articles.
#[must_use]
pub fn is_spam_block(text: &str) -> bool {
    spam::is_spam_block(text)
}

/// Whether a token is a Chinese place name (gazetteer, or an administrative suffix such as 县, 市, 区).
#[must_use]
pub fn is_place_name(token: &str) -> bool {
    spam::is_place(token)
}

/// Removes stuffed suffix/prefix segments of a title (`…_国产…_亚洲…`) and site suffixes like
/// `--中国工会新闻--人民网`, `-工人日报-中工网`; returns the cleaned, whitespace-normalised title.
#[must_use]
pub fn clean_title(title: &str) -> String {
    spam::clean_title(title).0
}

/// Collapses whitespace runs (to one space, or to one newline when the run holds a line break), strips
/// whitespace including full-width indentation (U+3000) and nbsp at both ends and around line breaks, removes
/// zero-width spaces, BOMs and soft hyphens (U+00AD: a hyphenation hint, invisible unless a line breaks there,
/// which would otherwise split a word for every search and comparison); inner CJK text is kept as it is.
#[must_use]
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending: Option<bool> = None; // Some(has_newline) while inside a whitespace run
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A run of bytes that begin no whitespace or zero-width character is copied as it is. The bytes that
        // stop it are ASCII or lead bytes, so `i` always sits on a character boundary.
        let run = bytes[i..]
            .iter()
            .position(|&b| MAY_START_SPACE[usize::from(b)])
            .unwrap_or(bytes.len() - i);
        if run > 0 {
            if let Some(nl) = pending.take() {
                if !out.is_empty() {
                    out.push(if nl { '\n' } else { ' ' });
                }
            }
            out.push_str(&text[i..i + run]);
            i += run;
            continue;
        }
        let Some(c) = text.get(i..).and_then(|t| t.chars().next()) else {
            break;
        };
        i += c.len_utf8();
        if matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{2060}' | '\u{AD}') {
            continue;
        }
        if c.is_whitespace() {
            let nl = matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
            pending = Some(pending.unwrap_or(false) || nl);
            continue;
        }
        if let Some(nl) = pending.take() {
            if !out.is_empty() {
                out.push(if nl { '\n' } else { ' ' });
            }
        }
        out.push(c);
    }
    out
}

/// Bytes that can begin a whitespace or zero-width character in UTF-8: the ASCII spaces, and the lead bytes
/// of U+0085, U+00A0 and U+00AD (0xC2), U+1680 (0xE1), U+2000–U+2060 (0xE2), U+3000 (0xE3) and U+FEFF (0xEF).
/// Every other byte (most of a Chinese text: the CJK lead bytes 0xE4–0xE9 and all continuation bytes)
/// needs no decoding to know it is neither.
pub(crate) static MAY_START_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = matches!(
            i as u8,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C | 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF
        );
        i += 1;
    }
    t
};

/// One line of text as a page wrote it: whitespace runs collapse to one space, except a run of
/// ideographic spaces (U+3000) between words, which a Chinese title uses on purpose and which is kept;
/// zero-width characters are removed and both ends trimmed. (Soft hyphens stay: title selection compares
/// `<title>` with the headings as the page wrote them.)
#[must_use]
pub fn normalize_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let mut in_run = false;
    for c in text.chars() {
        if matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{2060}') {
            continue;
        }
        if c.is_whitespace() {
            run.push(c);
            in_run = true;
            continue;
        }
        if in_run {
            if !out.is_empty() {
                if run.chars().all(|r| r == '\u{3000}') {
                    out.push_str(&run);
                } else {
                    out.push(' ');
                }
            }
            run.clear();
            in_run = false;
        }
        out.push(c);
    }
    out
}

/// Traditional → Simplified (OpenCC t2s via ferrous-opencc, built once and reused). ASCII is left untouched.
#[must_use]
pub fn to_simplified(text: &str) -> String {
    mirror::t2s(text)
}

/// Text normalised for near-duplicate comparison: mirror-repaired, Simplified, pinyin annotations and
/// keyword-stuffed lines removed, full-width ASCII folded to ASCII, all punctuation, symbols and whitespace
/// removed, lower-case.
#[must_use]
pub fn comparison_text(text: &str) -> String {
    comparison_fold(&comparison_source(text))
}

/// The first half of [`comparison_text`], for callers that split the text before folding it: the text
/// mirror-repaired (when the whole text is a mirror) and Simplified, keyword-stuffed lines and tails
/// dropped, punctuation and line breaks kept.
#[must_use]
pub fn comparison_source(text: &str) -> String {
    let repaired = mirror::repair_document_text(text);
    let mut out = String::with_capacity(repaired.len() + 1);
    for line in repaired.lines() {
        match spam::strip_tail(line) {
            Some(head) => push_unless_spam(&mut out, &head),
            None => push_unless_spam(&mut out, line),
        }
    }
    out
}

/// Appends `line` and a newline unless it is a keyword-stuffed block.
fn push_unless_spam(out: &mut String, line: &str) {
    if !spam::is_spam_block(line) {
        out.push_str(line);
        out.push('\n');
    }
}

/// The second half of [`comparison_text`]: full-width ASCII folded to ASCII, only letters and digits kept,
/// lower-cased.
#[must_use]
pub fn comparison_fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_each(text, |c| out.push(c));
    out
}

/// [`comparison_fold`] one character at a time: calls `push` with every character of the fold of
/// `text`, in order (for callers that hash or collect the characters without building a string).
pub(crate) fn fold_each(text: &str, mut push: impl FnMut(char)) {
    for c in text.chars() {
        fold_char(c, &mut push);
    }
}

/// General punctuation and the CJK punctuation blocks without a letter or digit in them (checked by a
/// test over every character of the ranges): the fold drops them all.
#[inline]
fn is_plain_punctuation(c: char) -> bool {
    matches!(c, '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3020}')
}

/// The fold of one character (see [`comparison_fold`]): `push` is called with each character it
/// folds to (none for punctuation, symbols and whitespace; several for a few lower-case expansions).
#[inline]
fn fold_char(c: char, mut push: impl FnMut(char)) {
    if matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}') {
        // CJK ideographs, most of a Chinese text: alphanumeric and without case (and untouched by the
        // width fold).
        push(c);
        return;
    }
    if is_plain_punctuation(c) {
        // Chinese punctuation and quotes (、。《》「」【】“”—…): dropped without a Unicode table lookup.
        return;
    }
    let c = fold_width(c);
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            push(c.to_ascii_lowercase());
        }
    } else if c.is_alphanumeric() {
        for l in c.to_lowercase() {
            push(l);
        }
    }
}

/// Full-width ASCII (U+FF01–U+FF5E) → ASCII; the ideographic space → space.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Post-extraction pass over an article: repairs mirror annotations left in the title and paragraphs (flags
/// `PinyinMirror`, and `Degraded` when characters are lost), drops keyword-stuffed paragraphs and a stuffed tail
/// inside the last paragraph (`SpamRemoved`), cleans the title (`SpamMirror` when stuffed segments were removed,
/// or when a repaired mirror also carried stuffing), normalises every text field, drops empty paragraphs, stray
/// `?` lines, and a paragraph equal to the one before it where that repeat is a mirror or spam artefact (the
/// page is a mirror copy, or spam removed here stood between the two); an ordinary page's repeated paragraph
/// stays. Idempotent.
pub fn clean_article(article: &mut Article) {
    // A pass reports whether it changed anything; the bounded loop guarantees idempotence where one step
    // exposes work for another (say, a spam paragraph hiding a stuffed tail before it). Extracted articles
    // usually need nothing, and then the one pass is all it costs.
    for _ in 0..4 {
        if !clean_pass(article) {
            break;
        }
    }
}

/// Sets `flag`, saying whether it was new.
fn set_flag(article: &mut Article, flag: Flag) -> bool {
    let new = !article.has_flag(flag);
    article.flag(flag);
    new
}

/// Whether any human-readable field holds a tone-marked vowel (without one there is no annotation).
fn any_tone(article: &Article) -> bool {
    std::iter::once(&article.title)
        .chain(&article.subtitle)
        .chain(&article.lead_title)
        .chain(&article.source)
        .chain(&article.authors)
        .chain(&article.editors)
        .chain(&article.paragraphs)
        .any(|s| mirror::has_tone(s))
}

/// One pass of [`clean_article`]; true when it changed the article.
#[allow(clippy::too_many_lines)]
fn clean_pass(article: &mut Article) -> bool {
    let mut changed = false;
    let (gate, leftover) = if any_tone(article) {
        let joined = article_text(article);
        (
            mirror::passes_gate(&joined),
            article.has_flag(Flag::PinyinMirror) && mirror::annotation_count(&joined) > 0,
        )
    } else {
        (false, false)
    };
    if gate || leftover {
        let mode = mirror::Mode {
            gate: true,
            evidence: true,
        };
        let mut degraded = false;
        let mut fix = |s: &mut String| {
            let r = mirror::repair_text(s, mode);
            degraded |= r.degraded;
            if r.text != *s {
                changed = true;
                *s = r.text;
            }
        };
        fix(&mut article.title);
        for s in article
            .subtitle
            .iter_mut()
            .chain(article.lead_title.iter_mut())
            .chain(article.source.iter_mut())
            .chain(article.authors.iter_mut())
            .chain(article.editors.iter_mut())
            .chain(article.paragraphs.iter_mut())
        {
            fix(s);
        }
        changed |= set_flag(article, Flag::PinyinMirror);
        if degraded {
            changed |= set_flag(article, Flag::Degraded);
        }
    }

    let (title, stuffed) = spam::clean_title(&article.title);
    if title != article.title {
        changed = true;
        article.title = title;
    }
    if stuffed {
        changed |= set_flag(article, Flag::SpamMirror);
    }
    for field in [
        &mut article.subtitle,
        &mut article.lead_title,
        &mut article.source,
    ] {
        if let Some(s) = field.take() {
            let n = normalize_text(&s).replace('\n', " ");
            changed |= n != s || n.is_empty();
            if !n.is_empty() {
                *field = Some(n);
            }
        }
    }
    for list in [&mut article.authors, &mut article.editors] {
        let cleaned: Vec<String> = list
            .iter()
            .map(|s| normalize_text(s).replace('\n', " "))
            .filter(|s| !s.is_empty())
            .collect();
        if cleaned != *list {
            changed = true;
            *list = cleaned;
        }
    }

    let mut spam_removed = false;
    // A paragraph equal to the one before it is a copy only where the page is a mirror, or where what
    // stood between the two was spam this pass removes (a stuffed block or line, a lost-character `?`
    // line): the repeat is an artefact of the mirror tool or the spammer. On an ordinary page a repeated
    // paragraph (a refrain, a chorus, a quoted line) is text the page shows, and it stays.
    let mirror = article.has_flag(Flag::PinyinMirror) || article.has_flag(Flag::SpamMirror);
    let mut spam_between = false;
    let mut paragraphs: Vec<String> = Vec::with_capacity(article.paragraphs.len());
    for p in &article.paragraphs {
        let p = normalize_text(p);
        // Stuffed lines inside a paragraph, then the paragraph itself.
        let kept: Vec<&str> = p.lines().filter(|l| !spam::is_spam_block(l)).collect();
        let stuffed_lines = kept.len() != p.lines().count();
        let p = if stuffed_lines {
            spam_removed = true;
            kept.join("\n")
        } else {
            p.clone()
        };
        if spam::is_spam_block(&p) {
            spam_removed = true;
            spam_between = true;
            continue;
        }
        if p.is_empty() {
            spam_between |= stuffed_lines;
            continue;
        }
        if p.chars().all(|c| c == '?' || c == '？') {
            spam_between = true;
            continue;
        }
        if paragraphs.last() == Some(&p) && (mirror || spam_between || stuffed_lines) {
            // What stood between this copy and the next is only what was cut from this one.
            spam_between = stuffed_lines;
            continue;
        }
        paragraphs.push(p);
        // Stuffed lines cut from this paragraph stood between it and the next one.
        spam_between = stuffed_lines;
    }
    let mut tail_cut = false;
    while let Some(last) = paragraphs.last_mut() {
        match spam::strip_tail(last) {
            Some(head) => {
                spam_removed = true;
                tail_cut = true;
                *last = head;
            }
            None => break,
        }
    }
    // A stuffed tail cut from the last paragraph can leave a copy of the one before it.
    let n = paragraphs.len();
    if (tail_cut || mirror) && n >= 2 && paragraphs[n - 1] == paragraphs[n - 2] {
        paragraphs.pop();
    }
    if paragraphs != article.paragraphs {
        changed = true;
        article.paragraphs = paragraphs;
    }
    if spam_removed {
        changed |= set_flag(article, Flag::SpamRemoved);
    }
    if article.has_flag(Flag::PinyinMirror) && article.has_flag(Flag::SpamRemoved) {
        changed |= set_flag(article, Flag::SpamMirror);
    }
    changed
}

/// The human-readable fields of an article, one per line, for the mirror gate.
fn article_text(article: &Article) -> String {
    let mut s = article.title.clone();
    for part in article
        .subtitle
        .iter()
        .chain(&article.lead_title)
        .chain(&article.source)
        .chain(&article.authors)
        .chain(&article.editors)
        .chain(&article.paragraphs)
    {
        s.push('\n');
        s.push_str(part);
    }
    s
}

/// HTML for republishing (ammonia): keeps p, br, strong, em, b, i, sub, sup, ul, ol, li, blockquote, h2–h4, hr,
/// a\[href], img\[src alt], table parts, figure/figcaption; drops scripts, styles, event handlers, svg/math,
/// iframes and forms with their content; allows only http/https/mailto URLs (no `javascript:` or `data:`), makes
/// relative URLs absolute against `base`, and sets `rel="noopener noreferrer"` on links.
#[must_use]
pub fn sanitize_html(html: &str, base: &url::Url) -> String {
    sanitize::sanitize(html, base)
}

/// The comparison functions as they were before the fast paths, kept to check them against.
#[cfg(test)]
pub(crate) mod reference {
    /// [`super::comparison_text`], straightforwardly.
    pub(crate) fn comparison_text(text: &str) -> String {
        comparison_fold(&comparison_source(text))
    }

    /// [`super::comparison_source`]: full mirror repair, then line by line.
    pub(crate) fn comparison_source(text: &str) -> String {
        let repaired = super::mirror::repair_document(text).text;
        let mut out = String::with_capacity(repaired.len());
        for line in repaired.lines() {
            let line = super::spam::strip_tail(line).unwrap_or_else(|| line.to_owned());
            if super::spam::is_spam_block(&line) {
                continue;
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// Every string of exactly `len` atoms (`atoms.len()` to the power `len` of them): the inputs the fast
    /// text passes are checked on against their definitions.
    pub(crate) fn strings_of(atoms: &[&str], len: usize) -> Vec<String> {
        let mut strings = vec![String::new()];
        for _ in 0..len {
            strings = strings
                .iter()
                .flat_map(|s| atoms.iter().map(move |a| format!("{s}{a}")))
                .collect();
        }
        strings
    }

    /// [`super::normalize_text`], char by char.
    pub(crate) fn normalize_text(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut pending: Option<bool> = None;
        for c in text.chars() {
            if matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{2060}' | '\u{AD}') {
                continue;
            }
            if c.is_whitespace() {
                let nl = matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
                pending = Some(pending.unwrap_or(false) || nl);
                continue;
            }
            if let Some(nl) = pending.take() {
                if !out.is_empty() {
                    out.push(if nl { '\n' } else { ' ' });
                }
            }
            out.push(c);
        }
        out
    }

    /// [`super::comparison_fold`], straightforwardly.
    pub(crate) fn comparison_fold(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            let c = super::fold_width(c);
            if c.is_ascii() {
                if c.is_ascii_alphanumeric() {
                    out.push(c.to_ascii_lowercase());
                }
            } else if c.is_alphanumeric() {
                out.extend(c.to_lowercase());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_collapses_runs_and_trims_fullwidth_indent() {
        assert_eq!(
            normalize_text("\u{3000}\u{3000}工会  职工\u{A0}\n\n 劳动 "),
            "工会 职工\n劳动"
        );
        assert_eq!(normalize_text("中\u{200B}国"), "中国");
        assert_eq!(
            normalize_text("Mit\u{AD}tel\u{AD}al\u{AD}ter"),
            "Mittelalter"
        );
        assert_eq!(normalize_text("   "), "");
    }

    #[test]
    fn normalize_text_equals_the_char_by_char_definition() {
        let atoms = [
            "a", " ", "\u{3000}", "\n", "工", "，", "\u{2028}", "\u{200B}", "\u{FEFF}", "\u{2060}",
            "\u{85}", "\u{A0}", "\u{A9}", "\u{AD}", "\u{1680}", "\u{2013}", "\r\n",
        ];
        let cases = reference::strings_of(&atoms, 4);
        for text in &cases {
            assert_eq!(
                normalize_text(text),
                reference::normalize_text(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn normalize_inline_keeps_ideographic_spaces_between_words() {
        assert_eq!(
            normalize_inline("\u{3000}全总　召开 \n 会议\u{3000}"),
            "全总　召开 会议"
        );
        assert_eq!(normalize_inline("a \u{3000} b"), "a b");
    }

    #[test]
    fn punctuation_ranges_skipped_by_the_fold_hold_no_letter_or_digit() {
        for c in ('\u{2000}'..='\u{206F}')
            .chain('\u{3000}'..='\u{3004}')
            .chain('\u{3008}'..='\u{3020}')
        {
            assert!(is_plain_punctuation(c));
            assert!(!c.is_alphanumeric(), "{c:?}");
            assert!(!fold_width(c).is_ascii_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn comparison_text_folds_width_and_drops_punctuation() {
        assert_eq!(
            comparison_text("Ａｂｃ，中國(guó) 工會(huì)！"),
            "abc中国工会"
        );
        assert_eq!(
            comparison_text("正文。\n岚皋县| 秦皇岛市| 怀安县| 札达县| 彩票| 夏津县|"),
            "正文"
        );
    }

    #[test]
    fn mirror_article_is_repaired_and_flagged() {
        let mut a = Article {
            title: "江蘇工會(huì)重點(diǎn)抓好“四賽”--中國(guó)工會(huì)新聞--人民網(wǎng)".into(),
            paragraphs: vec![
                "近年來(lái),江蘇省各級(jí)工會(huì)與應(yīng)急管理部門密切配合。".into(),
                "?".into(),
                "(責(zé)編:閆涵、張?chǎng)?)".into(),
                "岚皋县| 秦皇岛市| 怀安县| 札达县| 彩票| 夏津县|".into(),
            ],
            ..Article::default()
        };
        clean_article(&mut a);
        assert_eq!(a.title, "江苏工会重点抓好“四赛”");
        assert_eq!(a.paragraphs.len(), 2, "{:?}", a.paragraphs);
        assert!(a.paragraphs[1].starts_with("(责编:闫涵、张\u{FFFD}"));
        for f in [
            Flag::PinyinMirror,
            Flag::Degraded,
            Flag::SpamRemoved,
            Flag::SpamMirror,
        ] {
            assert!(a.has_flag(f), "{f:?}");
        }
        let once = a.clone();
        clean_article(&mut a);
        assert_eq!(a, once);
    }
}
