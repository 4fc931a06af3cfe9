//! SEO/link-farm stuffing (sites.md §3.4): the lexical detector of keyword-stuffed blocks (county and city names,
//! gambling and porn words, `|`-separated short tokens), the stripping of such a tail inside a paragraph, and
//! title cleaning (stuffed `_…_` segments and site-name suffixes such as `--中国工会新闻--人民网`).

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;

use super::mirror::is_han;

/// Separators of stuffed blocks.
const BLOCK_SEPARATORS: &[char] = &['|', '｜', '_', '＿', '¦'];
/// Minimum tokens for a place-name block.
const MIN_PLACE_TOKENS: usize = 6;
/// Minimum share of place tokens in a place-name block.
const MIN_PLACE_SHARE: f64 = 0.4;
/// Minimum tokens for a block flagged by one gambling/porn token.
const MIN_GAMBLE_TOKENS: usize = 4;
/// A stuffed token is short; longer tokens are prose.
const MAX_TOKEN_CHARS: usize = 12;
/// Whitespace-only lists need more evidence: this many tokens, this share of places.
const MIN_SPACED_TOKENS: usize = 8;
const MIN_SPACED_PLACE_SHARE: f64 = 0.6;

/// Outlets whose names end a page title after a separator.
const SITE_NAMES: &[&str] = &[
    "人民网",
    "中国共产党新闻网",
    "中国工会新闻",
    "中工网",
    "工人日报",
    "工人日报客户端",
    "中华全国总工会",
    "全总",
    "新华网",
    "新华社",
    "央视网",
    "中国网",
    "光明网",
    "中国新闻网",
    "中新网",
    "中国日报网",
    "中国政府网",
    "澎湃新闻",
    "江苏工会",
    "江苏工会网",
    "首页",
    "正文",
];

struct Lexicon {
    strong: Vec<&'static str>,
    weak: HashSet<&'static str>,
    places: HashSet<&'static str>,
    place_suffix: Regex,
    site_suffix: Regex,
}

fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        let mut strong = Vec::new();
        let mut weak = HashSet::new();
        for line in include_str!("data/spam_words.txt").lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            match line.split_once(' ') {
                Some(("strong", w)) => strong.push(w.trim()),
                Some(("weak", w)) => {
                    weak.insert(w.trim());
                }
                _ => {}
            }
        }
        let places = include_str!("data/places.txt")
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect();
        let build = |re: &str| Regex::new(re).expect("built-in pattern is valid");
        Lexicon {
            strong,
            weak,
            places,
            place_suffix: build(r"^\p{Han}{1,8}(?:省|市|县|区|旗|州|盟|镇|自治县|自治旗)$"),
            site_suffix: build(
                r"^(?:[\p{Han}A-Za-z0-9]{1,10}(?:网|频道|客户端|门户网站|门户|官网|官方网站|日报|晚报|晨报|新闻网|总工会)|[A-Za-z0-9.-]+\.(?:cn|com|net|org|gov\.cn|com\.cn|org\.cn))$",
            ),
        }
    })
}

/// Whether a token is a place name (gazetteer, or the administrative suffix rule).
pub(crate) fn is_place(token: &str) -> bool {
    let lx = lexicon();
    lx.places.contains(token) || lx.place_suffix.is_match(token)
}

/// Whether a token is gambling/porn stuffing: it contains a strong word, or is exactly a weak one.
fn is_gamble_token(token: &str) -> bool {
    let lx = lexicon();
    let lower = token.to_lowercase();
    lx.strong.iter().any(|w| lower.contains(w)) || lx.weak.contains(lower.as_str())
}

/// Whether a title segment reads as porn/gambling stuffing: a strong word, or at least two weak words.
fn is_spam_segment(segment: &str) -> bool {
    let lx = lexicon();
    let lower = segment.to_lowercase();
    if lx.strong.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let weak_hits = lx
        .weak
        .iter()
        .filter(|w| w.chars().count() >= 2 && lower.contains(*w))
        .count();
    weak_hits >= 2
}

fn tokens<'a>(text: &'a str, seps: &[char]) -> Vec<&'a str> {
    text.split(seps)
        .map(|t| t.trim_matches(|c: char| c.is_whitespace() || c == '\u{200B}'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// sites.md §3.4: a keyword-stuffed block.
pub(crate) fn is_spam_block(text: &str) -> bool {
    if text.contains('。') || !text.chars().any(is_han) {
        return false;
    }
    let toks = tokens(text, BLOCK_SEPARATORS);
    if toks.len() >= MIN_GAMBLE_TOKENS && judge(&toks, MIN_PLACE_TOKENS, MIN_PLACE_SHARE, true) {
        return true;
    }
    // A list with no separators but spaces: only place names, and many of them.
    let spaced = tokens(text, &[' ', '\u{3000}', '\u{A0}', '\t', '\n', '，', ',']);
    spaced.len() >= MIN_SPACED_TOKENS
        && judge(&spaced, MIN_SPACED_TOKENS, MIN_SPACED_PLACE_SHARE, false)
}

fn judge(
    toks: &[&str],
    min_place_tokens: usize,
    min_place_share: f64,
    gamble_counts: bool,
) -> bool {
    let n = toks.len();
    let short = toks
        .iter()
        .filter(|t| t.chars().count() <= MAX_TOKEN_CHARS)
        .count();
    if (short as f64) < 0.8 * (n as f64) {
        return false;
    }
    let places = toks.iter().filter(|t| is_place(t)).count();
    let gamble = toks.iter().filter(|t| is_gamble_token(t)).count();
    (n >= min_place_tokens && (places as f64) >= min_place_share * (n as f64))
        || (gamble_counts && n >= MIN_GAMBLE_TOKENS && gamble >= 1)
}

/// If the paragraph ends with a stuffed tail after its last sentence (or line, or closing paren), returns the
/// paragraph without it. `None` when there is no such tail or the whole paragraph is the block.
pub(crate) fn strip_tail(paragraph: &str) -> Option<String> {
    let cut = paragraph
        .char_indices()
        .filter(|(_, c)| {
            matches!(
                c,
                '。' | '！' | '？' | '!' | '?' | '；' | ')' | '）' | '”' | '\n'
            )
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back()?;
    let (head, tail) = paragraph.split_at(cut);
    if head.trim().is_empty() || tail.trim().is_empty() || !is_spam_block(tail) {
        return None;
    }
    Some(head.trim_end().to_owned())
}

/// Cleans a title; the flag says whether stuffed segments were removed (a spam-mirror marker). Idempotent:
/// one pass can expose work for another (`<||人民网` loses its site name, leaving `<|`, whose empty last
/// segment the next pass drops), so passes repeat until nothing changes.
pub(crate) fn clean_title(title: &str) -> (String, bool) {
    let (mut t, mut stuffed) = clean_title_once(title);
    // Bounded all the same: a pass that changes the title removes at least one byte.
    for _ in 0..=t.len() {
        let (next, more) = clean_title_once(&t);
        if next == t {
            break;
        }
        stuffed |= more;
        t = next;
    }
    (t, stuffed)
}

/// One pass of [`clean_title`].
fn clean_title_once(title: &str) -> (String, bool) {
    let mut t = super::normalize_inline(title);
    let mut stuffed = false;
    // Stuffed prefix/suffix segments.
    let spans = segment_spans(&t);
    if spans.len() > 1 {
        let keep: Vec<bool> = spans
            .iter()
            .map(|&(s, e)| {
                let p = t[s..e].trim();
                !p.is_empty() && !is_spam_segment(p) && !is_place(p)
            })
            .collect();
        if let (Some(first), Some(last)) =
            (keep.iter().position(|&k| k), keep.iter().rposition(|&k| k))
        {
            if first > 0 || last + 1 < spans.len() {
                stuffed = spans[..first]
                    .iter()
                    .chain(&spans[last + 1..])
                    .any(|&(s, e)| is_spam_segment(t[s..e].trim()));
                t = t[spans[first].0..spans[last].1].trim().to_owned();
            }
        }
    }
    // Site suffixes, repeatedly (`--中国工会新闻--人民网`).
    while let Some((head, tail)) = split_last_separator(&t) {
        let (head, tail) = (head.trim(), tail.trim());
        if head.chars().count() < 2 || !is_site_name(tail) {
            break;
        }
        t = head.to_owned();
    }
    (t, stuffed)
}

/// Byte spans of the segments of `t` between stuffing separators.
fn segment_spans(t: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, c) in t.char_indices() {
        if BLOCK_SEPARATORS.contains(&c) {
            spans.push((start, i));
            start = i + c.len_utf8();
        }
    }
    spans.push((start, t.len()));
    spans
}

fn is_site_name(s: &str) -> bool {
    !s.is_empty() && (SITE_NAMES.contains(&s) || lexicon().site_suffix.is_match(s))
}

/// Splits at the last title separator (`--`, ` - `, `-`, `_`, `|`, `｜`, `——`), never between two ASCII digits.
fn split_last_separator(t: &str) -> Option<(&str, &str)> {
    let chars: Vec<(usize, char)> = t.char_indices().collect();
    let mut k = chars.len();
    while k > 0 {
        k -= 1;
        let (i, c) = chars[k];
        if !matches!(c, '-' | '_' | '|' | '｜' | '—' | '－') {
            continue;
        }
        // The whole run of separator characters.
        let mut s = k;
        while s > 0 && matches!(chars[s - 1].1, '-' | '—' | '－') && c != '_' && c != '|' {
            s -= 1;
        }
        let start = chars[s].0;
        let end = i + c.len_utf8();
        let prev = t[..start].chars().next_back();
        let next = t[end..].chars().next();
        if prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit()) {
            k = s;
            continue;
        }
        return Some((&t[..start], &t[end..]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_whose_site_name_hid_an_empty_segment_is_cleaned_in_one_call() {
        // Found by the idempotence proptest: the first pass left `<|`, the second `<`.
        let once = clean_title("<||人民网").0;
        assert_eq!(once, "<");
        assert_eq!(clean_title(&once).0, once);
    }

    #[test]
    fn seed_tail_is_a_spam_block() {
        let tail = "岚皋县| 秦皇岛市| 怀安县| 札达县| 彩票| 夏津县| 汉寿县| 阿尔山市|";
        assert!(is_spam_block(tail));
        assert!(is_spam_block(
            "岚皋县| 秦皇岛市| 怀安县| 彩票| 南召县| 收藏| 兴和县| 鄱阳县|"
        ));
    }

    #[test]
    fn prose_and_short_lists_are_not_spam() {
        assert!(!is_spam_block("中国(China)"));
        assert!(!is_spam_block("南京市、苏州市和无锡市的职工代表参加了会议"));
        assert!(!is_spam_block("关键词：工会|职工|劳动"));
        assert!(!is_spam_block("相关新闻 | 江苏工会 | 安康杯"));
        assert!(!is_spam_block("岚皋县|秦皇岛市。"));
    }

    #[test]
    fn gambling_word_in_a_short_list_is_spam() {
        assert!(is_spam_block("首页|彩票|开户|下载"));
    }

    #[test]
    fn tail_after_the_last_sentence_is_stripped() {
        let p = "加强对工会劳动保护干部的教育培训。岚皋县| 秦皇岛市| 怀安县| 札达县| 彩票| 夏津县| 汉寿县|";
        assert_eq!(
            strip_tail(p).as_deref(),
            Some("加强对工会劳动保护干部的教育培训。")
        );
        assert_eq!(strip_tail("加强培训。"), None);
    }

    #[test]
    fn titles_lose_site_suffixes_and_stuffing() {
        assert_eq!(
            clean_title("某某工会开展职工技能比赛--中国工会新闻--人民网").0,
            "某某工会开展职工技能比赛"
        );
        assert_eq!(
            clean_title("职工书屋建到工地上-工人日报-中工网").0,
            "职工书屋建到工地上"
        );
        let (t, stuffed) = clean_title("亚洲国产精品无码_江苏工会重点抓好“四赛”_欧美日韩在线视频");
        assert_eq!(t, "江苏工会重点抓好“四赛”");
        assert!(stuffed);
        assert_eq!(
            clean_title("2024-2025年度职工运动会").0,
            "2024-2025年度职工运动会"
        );
        assert_eq!(
            clean_title("中国福利彩票发行中心工会举办讲座").0,
            "中国福利彩票发行中心工会举办讲座"
        );
    }
}
