//! The pinyin-annotated Traditional spam mirror (sites.md §3): the gate that recognises it, the repair of the
//! byte-level artefacts its rewriting tool leaves (`日?qǐng)?bào)`), annotation stripping, Traditional→Simplified
//! conversion, and the marking of characters lost beyond repair. Works on plain text and on whole HTML documents,
//! where only text runs and a few human-readable attribute values are touched.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;
use regex::{Captures, Regex};

/// Tone-marked vowels (and the rare syllabic nasals) that make a parenthesised token unmistakably pinyin.
const TONES: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ";

/// Minimum number of tone-marked annotations for the gate (sites.md §3.3 step 1).
pub(crate) const GATE_MIN_MATCHES: usize = 5;
/// Minimum share of Han characters that carry an annotation for the gate.
pub(crate) const GATE_MIN_SHARE: f64 = 0.02;

/// Exact sequences seen in mirror copies, replaced before anything else (sites.md §3.2). The general rule in
/// [`repair_straddles`] reproduces these, the table keeps the known cases independent of the annotation data.
const REPAIR_TABLE: &[(&str, &str)] = &[
    ("日?qǐng)?bào)", "日報"),
    ("日\u{FFFD}(qǐng)\u{FFFD}(bào)", "日報"),
    ("重?cái)U(kuò)", "重擴"),
    ("重\u{FFFD}(cái)U(kuò)", "重擴"),
];

/// What one repair produced.
pub(crate) struct Outcome {
    pub(crate) text: String,
    pub(crate) degraded: bool,
}

/// How aggressively to repair: `gate` = the document passed the mirror gate (toneless syllables are stripped too);
/// `evidence` = at least one tone-marked annotation was seen (emoji insertions and lost `?` are handled).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mode {
    pub(crate) gate: bool,
    pub(crate) evidence: bool,
}

struct Patterns {
    /// `X(pīnyīn)` or `?(pīnyīn)` with an optional opening paren and an optional trailing space.
    tone: Regex,
    /// `X(de)`: toneless token right after a Han character, checked against the syllable inventory.
    toneless: Regex,
    /// `(🍢)` emoji insertions.
    emoji: Regex,
    /// A split character: `X?pz)A(py)` (trail byte survived as ASCII) or `X?pz)?py)` (annotated trail).
    straddle: Regex,
    /// A run of lost-character marks.
    lost: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let syl = format!("[a-zü{TONES}]{{0,6}}[{TONES}][a-zü{TONES}]{{0,6}}");
        let build = |re: &str| Regex::new(re).expect("built-in pattern is valid");
        Patterns {
            tone: build(&format!(r"(\p{{Han}}|\?|\x{{FFFD}})[(（]?({syl}) ?[)）]")),
            toneless: build(r"(\p{Han})[(（]([a-zü]{1,6}) ?[)）]"),
            emoji: build(r"[(（]\p{Extended_Pictographic}\x{FE0F}?[)）]"),
            straddle: build(&format!(
                r"(\p{{Han}})[?\x{{FFFD}}][(（]?({syl})[)）](?:([\x40-\x7E])[(（]({syl}) ?[)）]|[?\x{{FFFD}}][(（]?({syl}) ?[)）])"
            )),
            lost: build(r"\?+"),
        }
    })
}

/// An annotated character with its two GBK bytes.
type Coded = (char, [u8; 2]);

/// The annotation set: (GBK lead byte, pinyin) → characters, with each character's GBK bytes.
struct Annotated {
    by_lead: HashMap<(u8, &'static str), Vec<Coded>>,
}

fn annotated() -> &'static Annotated {
    static A: OnceLock<Annotated> = OnceLock::new();
    A.get_or_init(|| {
        let mut by_lead: HashMap<(u8, &'static str), Vec<Coded>> = HashMap::new();
        for line in include_str!("data/annotated.txt").lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(ch), Some(py)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Some(c) = ch.chars().next() else { continue };
            if let Some(bytes) = gbk_pair(c) {
                by_lead.entry((bytes[0], py)).or_default().push((c, bytes));
            }
        }
        Annotated { by_lead }
    })
}

fn syllables() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        include_str!("data/pinyin.txt")
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    })
}

fn converter() -> Option<&'static OpenCC> {
    static C: OnceLock<Option<OpenCC>> = OnceLock::new();
    C.get_or_init(|| match OpenCC::from_config(BuiltinConfig::T2s) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::error!(error = %e, "building the embedded opencc t2s converter failed; text stays unconverted");
            None
        }
    })
    .as_ref()
}

/// First and one-past-last code point of the ranges indexed by [`changing`].
const INDEXED: [(u32, u32); 2] = [(0x3400, 0xA000), (0xF900, 0xFB00)];

/// Bitset over [`INDEXED`]: the characters that OpenCC t2s changes on their own. Built once with a single
/// conversion of every indexed character, each on its own line.
fn changing() -> &'static Vec<u64> {
    static B: OnceLock<Vec<u64>> = OnceLock::new();
    B.get_or_init(|| {
        let total: u32 = INDEXED.iter().map(|(a, b)| b - a).sum();
        let mut bits = vec![0u64; (total as usize).div_ceil(64)];
        let Some(cc) = converter() else { return bits };
        let chars: Vec<char> = INDEXED
            .iter()
            .flat_map(|&(a, b)| (a..b).filter_map(char::from_u32))
            .collect();
        let mut joined = String::with_capacity(chars.len() * 4);
        for c in &chars {
            joined.push(*c);
            joined.push('\n');
        }
        let converted = cc.convert(&joined);
        for (i, (c, line)) in chars.iter().zip(converted.split('\n')).enumerate() {
            let mut buf = [0u8; 4];
            if line != c.encode_utf8(&mut buf) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        bits
    })
}

/// Whether t2s may change text containing `c` (conservative outside the indexed ranges).
fn may_change(c: char) -> bool {
    changes(changing(), c)
}

/// [`may_change`] against the change index `bits` (loaded once by callers that test many characters).
#[inline]
fn changes(bits: &[u64], c: char) -> bool {
    let cp = c as u32;
    if cp < INDEXED[0].0 {
        // ASCII, Latin, general punctuation, CJK symbols: below every indexed range and every
        // supplementary ideograph.
        return false;
    }
    let mut offset = 0;
    for &(a, b) in &INDEXED {
        if (a..b).contains(&cp) {
            let i = (offset + cp - a) as usize;
            return bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
        }
        offset += b - a;
    }
    cp >= 0x20000 && is_han(c)
}

/// The two GBK bytes of a character, if it has a double-byte GBK encoding.
fn gbk_pair(c: char) -> Option<[u8; 2]> {
    let mut buf = [0u8; 4];
    let s = c.encode_utf8(&mut buf);
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(s);
    match (&*bytes, had_errors) {
        (&[a, b], false) => Some([a, b]),
        _ => None,
    }
}

/// Whether `c` is a Han ideograph (CJK unified ideographs, extensions, compatibility ideographs, 〇 and 々).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3007}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

/// Whether `text` holds any tone-marked vowel (a cheap pre-check before the annotation patterns).
pub(crate) fn has_tone(text: &str) -> bool {
    // Every tone-marked vowel is U+00E0..U+01FA (UTF-8 lead byte C3..C7) or U+1E3F (lead byte E1): a byte scan
    // rules out the common case (Chinese text is E3..E9-led) before decoding any character.
    // The scan runs over fixed-size blocks without an early exit inside a block, which the compiler
    // turns into vector compares.
    let lead = |b: u8| u8::from(b.wrapping_sub(0xC3) < 5) | u8::from(b == 0xE1);
    let mut blocks = text.as_bytes().chunks_exact(32);
    let any_lead = blocks
        .by_ref()
        .any(|block| block.iter().fold(0u8, |a, &b| a | lead(b)) != 0)
        || blocks.remainder().iter().any(|&b| lead(b) != 0);
    if !any_lead {
        return false;
    }
    // Decode only at the lead bytes (always the first byte of a character, so `i` is a boundary).
    text.bytes().enumerate().any(|(i, b)| {
        lead(b) != 0
            && text
                .get(i..)
                .and_then(|t| t.chars().next())
                .is_some_and(|c| {
                    let cp = c as u32;
                    ((0xE0..0x1FA).contains(&cp) || cp == 0x1E3F) && TONES.contains(c)
                })
    })
}

/// Whether a document's raw text (markup included, before parsing) can hold a tone-marked vowel once parsed:
/// one written as a character ([`has_tone`]), or a character reference that may decode to one: any numeric
/// reference (`&#…`), or a named one of a tone letter (a base letter, then `acute`, `grave`, `macr` or
/// `caron`: `&amacr;`, `&ecaron;`, `&nacute;`…, with or without its `;`). Without any, neither the page's
/// text nor its body can pass the gate, so the page needs no mirror repair.
pub(crate) fn may_hold_tones(raw: &str) -> bool {
    if has_tone(raw) {
        return true;
    }
    let bytes = raw.as_bytes();
    memchr::memchr_iter(b'&', bytes).any(|i| {
        let name = &bytes[i + 1..];
        match name.split_first() {
            Some((b'#', _)) => true,
            Some((base, rest)) if b"aeioun".contains(base) => {
                [&b"acute"[..], b"grave", b"macr", b"caron"]
                    .iter()
                    .any(|m| rest.starts_with(m))
            }
            _ => false,
        }
    })
}

/// Number of tone-marked annotations in `text`.
pub(crate) fn annotation_count(text: &str) -> usize {
    if !has_tone(text) {
        return 0;
    }
    patterns().tone.find_iter(text).count()
}

/// The gate of sites.md §3.3 step 1.
pub(crate) fn passes_gate(text: &str) -> bool {
    gate_with_count(text, annotation_count(text))
}

fn gate_with_count(text: &str, matches: usize) -> bool {
    if matches < GATE_MIN_MATCHES {
        return false;
    }
    let han = text.chars().filter(|&c| is_han(c)).count();
    han > 0 && (matches as f64) >= GATE_MIN_SHARE * (han as f64)
}

/// Traditional → Simplified; ASCII is never touched (only non-ASCII runs go through the converter).
pub(crate) fn t2s(text: &str) -> String {
    let Some(cc) = converter() else {
        return text.to_owned();
    };
    if text.is_ascii() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii_len = rest.bytes().take_while(u8::is_ascii).count();
        out.push_str(&rest[..ascii_len]);
        rest = &rest[ascii_len..];
        let wide_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii())
            .map_or(rest.len(), |(i, _)| i);
        if wide_len > 0 {
            let run = &rest[..wide_len];
            if run.chars().any(may_change) {
                out.push_str(&cc.convert(run));
            } else {
                out.push_str(run);
            }
        }
        rest = &rest[wide_len..];
    }
    out
}

/// Whether [`t2s`] would change any character of `text` (the change index loaded once).
fn any_may_change(text: &str) -> bool {
    let bits = changing();
    text.chars().any(|c| changes(bits, c))
}

/// The text of [`repair_document`], borrowed when nothing changes. Without a tone-marked vowel there is
/// no annotation (no repair-table entry, no gate, no evidence), so repair is [`t2s`] of each text run,
/// and nothing at all when no character is one t2s changes; with one, this is [`repair_document`].
pub(crate) fn repair_document_text(text: &str) -> Cow<'_, str> {
    if has_tone(text) {
        return Cow::Owned(repair_document(text).text);
    }
    if converter().is_none() || !any_may_change(text) {
        return Cow::Borrowed(text);
    }
    if !text.contains('<') {
        // No markup: the whole text is one text run.
        return Cow::Owned(t2s(text));
    }
    let mut out = String::with_capacity(text.len());
    for seg in crate::clean::html::segments(text) {
        match seg {
            crate::clean::html::Segment::Markup(m) => out.push_str(m),
            crate::clean::html::Segment::Text(t) => out.push_str(&t2s(t)),
        }
    }
    Cow::Owned(out)
}

/// Repairs a document: decides the mode from the whole text, then repairs its text runs.
pub(crate) fn repair_document(text: &str) -> Outcome {
    let count = annotation_count(text);
    let gate = gate_with_count(text, count);
    let evidence = count > 0;
    let mode = Mode { gate, evidence };
    let mut out = String::with_capacity(text.len());
    let mut degraded = false;
    for seg in crate::clean::html::segments(text) {
        match seg {
            crate::clean::html::Segment::Markup(m) => out.push_str(m),
            crate::clean::html::Segment::Text(t) => {
                let r = repair_text(t, mode);
                degraded |= r.degraded;
                out.push_str(&r.text);
            }
        }
    }
    Outcome {
        text: out,
        degraded,
    }
}

/// Repairs one run of text (no markup in it) in the given mode.
pub(crate) fn repair_text(text: &str, mode: Mode) -> Outcome {
    if text.is_ascii() {
        return Outcome {
            text: text.to_owned(),
            degraded: false,
        };
    }
    let p = patterns();
    let mut s = text.to_owned();
    for (from, to) in REPAIR_TABLE {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    if has_tone(&s) {
        s = repair_straddles(&s);
        s = p.tone.replace_all(&s, "$1").into_owned();
    }
    let parens = s.contains(['(', '（']);
    if mode.gate && parens {
        s = p
            .toneless
            .replace_all(&s, |c: &Captures<'_>| {
                if syllables().contains(&c[2]) {
                    c[1].to_owned()
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned();
    }
    if mode.evidence && parens {
        s = p.emoji.replace_all(&s, "").into_owned();
    }
    s = t2s(&s);
    if mode.evidence {
        s = mark_lost(&s);
    }
    let degraded = s.contains('\u{FFFD}');
    Outcome { text: s, degraded }
}

/// Rebuilds characters split by the tool's byte-level insertion (sites.md §3.2). For `X?pz)…`, the spurious
/// annotated character Z starts with X's trail byte; the lost character Y starts with Z's trail byte and ends
/// either with the ASCII byte that survived (`U` in `重?cái)U(kuò)` → 擴) or is identified by its own annotation.
fn repair_straddles(text: &str) -> String {
    let p = patterns();
    if !text.contains(['?', '\u{FFFD}']) {
        return text.to_owned();
    }
    p.straddle
        .replace_all(text, |c: &Captures<'_>| {
            let whole = c[0].to_owned();
            let Some(x) = c[1].chars().next() else {
                return whole;
            };
            let Some(xb) = gbk_pair(x) else { return whole };
            let Some(z) = unique(annotated().by_lead.get(&(xb[1], &c[2]))) else {
                return whole;
            };
            let y = if let (Some(ascii), Some(_)) = (c.get(3), c.get(4)) {
                let tail = ascii.as_str().as_bytes().first().copied().unwrap_or(0);
                decode_gbk_pair([z.1[1], tail])
            } else if let Some(py) = c.get(5) {
                unique(annotated().by_lead.get(&(z.1[1], py.as_str()))).map(|y| y.0)
            } else {
                None
            };
            match y {
                Some(y) => format!("{x}{y}"),
                None => whole,
            }
        })
        .into_owned()
}

fn unique(v: Option<&Vec<Coded>>) -> Option<Coded> {
    match v.map(Vec::as_slice) {
        Some(&[one]) => Some(one),
        _ => None,
    }
}

fn decode_gbk_pair(bytes: [u8; 2]) -> Option<char> {
    let (s, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
    let mut chars = s.chars();
    match (chars.next(), chars.next(), had_errors) {
        (Some(c), None, false) if is_han(c) => Some(c),
        _ => None,
    }
}

/// Turns lost-character `?` into U+FFFD: a run after a Han character (or U+FFFD) when the run is longer than one,
/// or when it sits between two Han characters. A single `?` ending a clause stays (it may be a question mark).
fn mark_lost(text: &str) -> String {
    if !text.contains('?') {
        return text.to_owned();
    }
    patterns()
        .lost
        .replace_all(text, |c: &Captures<'_>| {
            let m = c.get(0).map_or("", |m| m.as_str());
            let start = c.get(0).map_or(0, |m| m.start());
            let end = c.get(0).map_or(0, |m| m.end());
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            let after_han = before.is_some_and(|b| is_han(b) || b == '\u{FFFD}');
            let before_han = after.is_some_and(|a| is_han(a) || a == '\u{FFFD}');
            if after_han && (m.len() > 1 || before_han) {
                "\u{FFFD}".repeat(m.len())
            } else {
                m.to_owned()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Mode {
        Mode {
            gate: true,
            evidence: true,
        }
    }

    #[test]
    fn raw_text_rules_out_a_mirror_only_without_any_possible_tone() {
        // Ordinary pages: common references, no tone letters.
        assert!(!may_hold_tones(
            "<p>工会&nbsp;职工&amp;劳模&ldquo;工匠&rdquo;&mdash;&hellip;</p><a href='?a=1&b=2'>x</a>"
        ));
        assert!(!may_hold_tones("&"));
        // A tone letter as a character, or any reference that may decode to one.
        assert!(may_hold_tones("<p>工(gōng)会</p>"));
        assert!(may_hold_tones("<p>工(g&#333;ng)会</p>"));
        assert!(may_hold_tones("<p>工(g&#x14D;ng)会</p>"));
        assert!(may_hold_tones("<p>工(g&omacr;ng)会</p>"));
        assert!(may_hold_tones("<p>人(r&eacute;n)</p>"));
        assert!(may_hold_tones("<p>嗯(&ncaron;)</p>"));
        assert!(may_hold_tones("<p>(&agrave</p>"));
        // Whenever the parsed text passes the gate, the raw text was not ruled out.
        let mirror = "工(gōng)會(huì)職(zhí)工(gōng)權(quán)益(yì)";
        assert!(passes_gate(mirror) && may_hold_tones(mirror));
    }

    #[test]
    fn split_character_with_annotated_trail_is_rebuilt() {
        assert_eq!(repair_straddles("工人日?qǐng)?bào)客"), "工人日報客");
        assert_eq!(
            repair_straddles("工人日\u{FFFD}(qǐng)\u{FFFD}(bào)客"),
            "工人日報客"
        );
    }

    #[test]
    fn split_character_with_ascii_trail_is_rebuilt() {
        assert_eq!(repair_straddles("注重?cái)U(kuò)展"), "注重擴展");
    }

    #[test]
    fn unrecoverable_split_becomes_replacement_characters() {
        let r = repair_text("(責(zé)編:閆涵、張?chǎng)?", full());
        assert_eq!(r.text, "(责编:闫涵、张\u{FFFD}\u{FFFD}");
        assert!(r.degraded);
    }

    #[test]
    fn simplified_variant_with_space_and_emoji() {
        let r = repair_text(
            "劳动(dòng )者(🍢)",
            Mode {
                gate: false,
                evidence: true,
            },
        );
        assert_eq!(r.text, "劳动者");
        assert!(!r.degraded);
    }

    #[test]
    fn toneless_only_from_inventory_and_only_under_the_gate() {
        let gated = repair_text("我們(men)的(de)中國(China)", full());
        assert_eq!(gated.text, "我们的中国(China)");
        let ungated = repair_text(
            "我們(men)的(de)",
            Mode {
                gate: false,
                evidence: true,
            },
        );
        assert_eq!(ungated.text, "我们(men)的(de)");
    }

    #[test]
    fn question_mark_closing_a_clause_is_kept() {
        let r = repair_text("怎麼(me)辦?\n", full());
        assert_eq!(r.text, "怎么办?\n");
        assert!(!r.degraded);
    }

    #[test]
    fn t2s_leaves_ascii_alone() {
        assert_eq!(t2s("a<b class=\"x\">中國</b>"), "a<b class=\"x\">中国</b>");
    }

    #[test]
    fn change_index_knows_traditional_from_simplified() {
        assert!(may_change('國'));
        assert!(may_change('報'));
        assert!(!may_change('国'));
        assert!(!may_change('工'));
        assert!(!may_change('，'));
        assert_eq!(t2s("工人日报客户端，中国"), "工人日报客户端，中国");
    }

    /// [`repair_document_text`] skips the repair table when the text has no tone mark: every entry
    /// must hold one.
    #[test]
    fn every_repair_table_entry_holds_a_tone_mark() {
        for (from, _) in REPAIR_TABLE {
            assert!(has_tone(from), "{from}");
        }
    }

    #[test]
    fn repair_document_text_equals_repair_document() {
        for t in [
            "",
            "abc",
            "工人日报客户端，中国",
            "中國工會",
            "a<b title=\"中國\">中國</b><script>國</script>",
            "江蘇工會(huì)重點(diǎn)",
            "日?qǐng)?bào)",
            "𠀀𪚥 中國 (men)的(de)?",
        ] {
            assert_eq!(repair_document_text(t), repair_document(t).text, "{t}");
        }
    }

    #[test]
    fn has_tone_finds_a_tone_mark_at_any_offset() {
        for mark in ["ǎ", "é", "ḿ", "ǜ", "ç", "·", "×", "中"] {
            let want = TONES.contains(mark);
            for (before, after) in [
                (0, 0),
                (1, 0),
                (0, 40),
                (10, 1),
                (30, 30),
                (31, 2),
                (32, 0),
                (70, 9),
            ] {
                let text = format!("{}{mark}{}", "a".repeat(before), "工".repeat(after));
                assert_eq!(has_tone(&text), want, "{text}");
            }
        }
    }

    #[test]
    fn gbk_pairs_match_the_research_bytes() {
        assert_eq!(gbk_pair('日'), Some([0xC8, 0xD5]));
        assert_eq!(gbk_pair('報'), Some([0x88, 0xF3]));
        assert_eq!(gbk_pair('a'), None);
    }
}
