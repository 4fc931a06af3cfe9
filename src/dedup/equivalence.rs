//! The fast fingerprint path against [`super::reference`] (the straightforward code it replaced), on
//! arbitrary text and on text assembled from the pieces that take the unusual paths: Traditional
//! characters, full-width ASCII, tone-marked pinyin annotations and split characters of the spam mirror,
//! keyword-stuffed lines, emoji, case-changing letters, markup and many line breaks.

use proptest::prelude::*;

use super::{comparison_chars, fingerprint, reference, simhash, stable_hash, Fnv};

/// Pieces of text, each picked with equal chance.
const PIECES: &[&str] = &[
    "工",
    "会",
    "职",
    "安",
    "康",
    "杯",
    "竞",
    "赛",
    "镇",
    "江",
    "省",
    "总",
    "的",
    "一",
    "二",
    "三",
    "國",
    "會",
    "報",
    "動",
    "產",
    "業",
    "勞",
    "護",
    "權",
    "長",
    "來",
    "時",
    "書",
    "們",
    "這",
    "個",
    "𠀀",
    "𪚥",
    "㐀",
    "豈",
    "〇",
    "々",
    "，",
    "。",
    "！",
    "？",
    "；",
    "：",
    "、",
    "“",
    "”",
    "（",
    "）",
    "—",
    "…",
    "·",
    "Ａ",
    "ｂ",
    "１",
    "，",
    "！",
    "\u{3000}",
    "\u{A0}",
    "\u{200B}",
    "\u{FEFF}",
    "a",
    "B",
    "z",
    "7",
    "0",
    ".",
    ",",
    ";",
    ":",
    "!",
    "?",
    "(",
    ")",
    "<",
    ">",
    "/",
    "\"",
    "=",
    "|",
    "_",
    "-",
    " ",
    "\t",
    "\r",
    "\n",
    "\n",
    "\n",
    "\n\n",
    "1.5",
    "3.14",
    "É",
    "ß",
    "İ",
    "Σ",
    "ǅ",
    "Ω",
    "ﬁ",
    "é",
    "ü",
    "ǖ",
    "ā",
    "ǎ",
    "ń",
    "ḿ",
    "😀",
    "🍢",
    "❤\u{FE0F}",
    "\u{FFFD}",
    "\u{0307}",
    "(guó)",
    "(huì)",
    "(bào)",
    "（láo）",
    "(dòng )",
    "(men)",
    "(de)",
    "(China)",
    "(🍢)",
    "?(qǐng)",
    "日?qǐng)?bào)",
    "重?cái)U(kuò)",
    "張?chǎng)?",
    "日\u{FFFD}(qǐng)\u{FFFD}(bào)",
    "??",
    "???",
    "岚皋县|",
    "秦皇岛市| ",
    "怀安县| ",
    "札达县|",
    "彩票|",
    "夏津县| ",
    "汉寿县|",
    "阿尔山市|",
    "开户|",
    "南京市 ",
    "苏州市 ",
    "无锡市 ",
    "常州市 ",
    "<p>",
    "</p>",
    "<b title=\"中國\">",
    "</b>",
    "<script>國</script>",
    "<!-- 國 -->",
    "中國(guó)工會(huì)新聞(wén)網(wǎng)。",
    "近年來(lái),江蘇省各級(jí)工會(huì)與應(yīng)急管理部門密切配合。",
    "镇江市总工会紧紧围绕维护广大职工劳动安全健康权益，以抓创建融特色为基础。",
];

fn pieces(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..max).prop_map(|v| v.concat())
}

/// Text for the properties: assembled from [`PIECES`], or arbitrary Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => pieces(400),
        1 => any::<String>(),
        1 => prop::collection::vec(any::<char>(), 0..200)
            .prop_map(|v| v.into_iter().collect::<String>()),
    ]
}

/// Short title-like text.
fn title() -> impl Strategy<Value = String> {
    prop_oneof![3 => pieces(30), 1 => any::<String>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn fingerprint_equals_the_reference(title in title(), body in text()) {
        prop_assert_eq!(fingerprint(&title, &body), reference::fingerprint(&title, &body));
    }

    #[test]
    fn simhash_equals_the_reference(title in title(), body in text()) {
        prop_assert_eq!(simhash(&title, &body), reference::simhash(&title, &body));
    }

    #[test]
    fn comparison_text_equals_the_reference(text in text()) {
        let fast = crate::clean::comparison_text(&text);
        prop_assert_eq!(&fast, &crate::clean::reference::comparison_text(&text));
        prop_assert_eq!(comparison_chars(&text), fast.chars().collect::<Vec<_>>());
        prop_assert_eq!(
            crate::clean::comparison_source(&text),
            crate::clean::reference::comparison_source(&text)
        );
    }

    #[test]
    fn hashing_chars_hashes_their_utf8_bytes(text in any::<String>()) {
        let by_chars = text.chars().fold(Fnv::START, Fnv::char).finish();
        prop_assert_eq!(by_chars, stable_hash(text.as_bytes()));
        prop_assert_eq!(by_chars, reference::stable_hash(text.as_bytes()));
    }
}

/// Long texts: the bit counters are emptied every 255 shingles, so paragraphs longer than that must
/// count the same.
#[test]
fn long_paragraphs_equal_the_reference() {
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dedup/corpus.txt"
    ))
    .expect("the dedup corpus fixture is readable");
    let one_line: String = corpus.lines().filter(|l| !l.starts_with('#')).collect();
    for body in [corpus.as_str(), one_line.as_str(), &one_line.repeat(3)] {
        for title in [
            "",
            "江苏工会重点抓好四赛",
            &one_line[..one_line.len().min(3000)],
        ] {
            assert_eq!(
                fingerprint(title, body),
                reference::fingerprint(title, body)
            );
            assert_eq!(simhash(title, body), reference::simhash(title, body));
        }
    }
}

/// Every code point, one UTF-8 length class after another, hashes as its bytes do.
#[test]
fn every_char_hashes_as_its_utf8_bytes() {
    for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
        let mut buf = [0u8; 4];
        assert_eq!(
            Fnv::START.char(c).finish(),
            stable_hash(c.encode_utf8(&mut buf).as_bytes()),
            "{c:?}"
        );
    }
}
