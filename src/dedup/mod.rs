//! Deduplication: every article once, every story once.
//!
//! This module owns URL canonicalisation ([`canonical_url`]), the recovery of a people.com.cn original
//! from a spam mirror's URL ([`mirror_origin`]), the identity key an [`ArticleId`] is hashed from
//! ([`url_key`], [`article_id`]), and the near-duplicate fingerprint that groups articles into stories:
//! a 64-bit SimHash over character shingles of the text normalised for comparison ([`simhash`]),
//! plus clause "anchors" ([`fingerprint`]) that catch reposts which add or drop a paragraph —
//! an edit that moves a whole-text SimHash by 5–9 bits, past [`MAX_DISTANCE`]. Both are looked up
//! through index keys in the store, never by scanning. Nothing here does I/O.

use std::ops::Range;

use url::Url;

use crate::model::{Article, ArticleId};

#[cfg(test)]
mod equivalence;
#[cfg(test)]
mod reference;
pub mod story;

/// Two fingerprints within this many differing bits are near-duplicates (Manku et al., WWW'07: k = 3).
pub const MAX_DISTANCE: u32 = 3;

/// Number of 16-bit bands a SimHash is cut into for the index (pigeonhole: ≤ 3 differing bits leave
/// at least one of 4 bands identical).
pub const BANDS: u32 = 4;

/// Query keys dropped as tracking parameters (compared case-insensitively), besides every `utm_*` key.
pub(crate) const TRACKING_PARAMS: &[&str] = &[
    "spm",
    "from",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "ref",
    "ref_src",
    "isappinstalled",
    "share_token",
    "share_from",
    "sharer_shareid",
    "sharer_sharetime",
    "scene",
    "clicktime",
    "enterid",
    "wfr",
    "tt_from",
    "jsessionid",
    "phpsessid",
    "_",
];

/// people.com.cn catalog (column) ids whose subdomain is known, for rebuilding a mirror's origin URL.
pub(crate) const PEOPLE_CATALOGS: &[(u64, &str)] = &[
    // 中国工会新闻 (sites.md §1.1; the seed's breadcrumb).
    (67502, "acftu"),
    // 时政 (politics.people.com.cn/n1/…/c1001-….html).
    (1001, "politics"),
    // 江苏频道 (js.people.com.cn/n2/2018/1220/c360300-32429943.html).
    (360300, "js"),
];

/// Canonicalises an absolute URL for deduplication while keeping it fetchable.
///
/// Scheme and host lower-case (the `url` crate does this and IDNA on parse), trailing dots of the host
/// removed, default ports dropped, empty user info dropped, fragment removed, `;jsessionid=…` path
/// parameters removed, `//` in the path collapsed, `.`/`..` resolved, percent-escapes upper-cased and
/// escapes of unreserved characters decoded; query pairs split on `&`, tracking keys (`TRACKING_PARAMS`,
/// `utm_*`) dropped, every pair re-encoded one way (`+` for space, `%XX` for everything but unreserved
/// characters, `key=` for a bare key) and sorted. http/https and `www.` are kept here (the URL must stay
/// fetchable); [`url_key`] folds them for identity.
#[must_use]
pub fn canonical_url(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if out.cannot_be_a_base() {
        return out;
    }
    if let Some(url::Host::Domain(host)) = out.host() {
        let trimmed = host.trim_end_matches('.');
        if trimmed != host && !trimmed.is_empty() {
            let trimmed = trimmed.to_owned();
            // A host that parsed once re-parses without its trailing dots.
            let _ = out.set_host(Some(&trimmed));
        }
    }
    if out.username().is_empty() && out.password() == Some("") {
        let _ = out.set_password(None);
    }
    let path = normalise_path(out.path());
    out.set_path(&path);
    match out.query() {
        Some(q) => {
            let q = normalise_query(q);
            out.set_query(if q.is_empty() { None } else { Some(&q) });
        }
        None => out.set_query(None),
    }
    out
}

/// The identity key of a URL: its [`canonical_url`] with `https` folded to `http` and a leading `www.`
/// removed, because the news sites we crawl serve the same article under all four spellings. This string
/// is what an [`ArticleId`] is hashed from; it is never fetched.
#[must_use]
pub fn url_key(url: &Url) -> String {
    let mut c = canonical_url(url);
    if c.scheme() == "https" {
        let port = c.port();
        if c.set_scheme("http").is_ok() && port.is_none() {
            let _ = c.set_port(None);
        }
    }
    if let Some(url::Host::Domain(host)) = c.host() {
        if let Some(rest) = host.strip_prefix("www.") {
            if rest.contains('.') {
                let rest = rest.to_owned();
                let _ = c.set_host(Some(&rest));
            }
        }
    }
    c.into()
}

/// The identity key of a URL given as text; unparsable text is its own key (trimmed).
#[must_use]
pub fn url_key_str(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(u) => url_key(&u),
        Err(_) => url.trim().to_owned(),
    }
}

/// The [`ArticleId`] of an article: the hash of the identity key of [`canonical_article_url`].
#[must_use]
pub fn article_id(article: &Article) -> ArticleId {
    ArticleId::from_canonical_url(&url_key_str(&canonical_article_url(article)))
}

/// For a spam mirror that copies a people.com.cn article path (`/n1/YYYY/MMDD/cCATALOG-CONTENTID.html`,
/// `n2` for provincial channels, an optional `-N` page suffix) onto another host, the original's URL
/// `http://<sub>.people.com.cn/<path>`, when the catalog's subdomain is known (`PEOPLE_CATALOGS`).
/// `None` on people.com.cn itself and for any other path.
#[must_use]
pub fn mirror_origin(url: &Url) -> Option<Url> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    if host == "people.com.cn"
        || host.ends_with(".people.com.cn")
        || host == "people.cn"
        || host.ends_with(".people.cn")
    {
        return None;
    }
    let catalog = people_article_catalog(url.path())?;
    let sub = PEOPLE_CATALOGS
        .iter()
        .find(|(id, _)| *id == catalog)
        .map(|(_, sub)| *sub)?;
    Url::parse(&format!("http://{sub}.people.com.cn{}", url.path())).ok()
}

/// The catalog id of a people.com.cn article path, if `path` has that shape.
fn people_article_catalog(path: &str) -> Option<u64> {
    let mut parts = path.strip_prefix('/')?.split('/');
    let edition = parts.next()?;
    let year = parts.next()?;
    let monthday = parts.next()?;
    let file = parts.next()?;
    if parts.next().is_some() || !(edition == "n1" || edition == "n2") {
        return None;
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(monthday, 4) {
        return None;
    }
    let stem = file.strip_suffix(".html")?.strip_prefix('c')?;
    let mut nums = stem.split('-');
    let catalog = nums.next()?;
    let content = nums.next()?;
    let page = nums.next();
    if nums.next().is_some() {
        return None;
    }
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(catalog) || !all_digits(content) || page.is_some_and(|p| !all_digits(p)) {
        return None;
    }
    catalog.parse().ok()
}

/// The canonical URL of an article: the mirror origin if its URL (or declared canonical URL) is a
/// recognised people.com.cn mirror, else the [`canonical_url`] of `article.canonical_url` (or of
/// `article.url` when that is empty or unparsable). Text that is not a URL at all (a file path) is
/// returned trimmed.
#[must_use]
pub fn canonical_article_url(article: &Article) -> String {
    let declared = Url::parse(article.canonical_url.trim()).ok();
    let fetched = Url::parse(article.url.trim()).ok();
    for u in [&declared, &fetched].into_iter().flatten() {
        if let Some(origin) = mirror_origin(u) {
            return canonical_url(&origin).into();
        }
    }
    match declared.or(fetched) {
        Some(u) => canonical_url(&u).into(),
        None if !article.canonical_url.trim().is_empty() => article.canonical_url.trim().to_owned(),
        None => article.url.trim().to_owned(),
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escaped(out: &mut String, b: u8) {
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 15)]));
}

/// Path: escapes upper-cased, unreserved escapes decoded, `//` collapsed, `;jsessionid=` removed.
fn normalise_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                let v = h * 16 + l;
                if is_unreserved(v) {
                    out.push(char::from(v));
                } else {
                    push_escaped(&mut out, v);
                }
                i += 3;
                continue;
            }
        }
        if b == b'/' && out.ends_with('/') {
            i += 1;
            continue;
        }
        // The path of a parsed URL is ASCII (the url crate escapes everything else).
        out.push(char::from(b));
        i += 1;
    }
    let lower = out.to_ascii_lowercase();
    if let Some(pos) = lower.find(";jsessionid=") {
        let end = out[pos + 1..].find('/').map_or(out.len(), |e| pos + 1 + e);
        out.replace_range(pos..end, "");
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Decodes one form-encoded query component to bytes (`+` is a space).
fn decode_component(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn encode_component(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

fn is_tracking(key: &[u8]) -> bool {
    let key = String::from_utf8_lossy(key).to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str())
}

/// Query: pairs decoded, tracking keys dropped, re-encoded one way, sorted by (key, value).
fn normalise_query(query: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(p), Vec::new()),
        })
        .filter(|(k, _)| !k.is_empty() && !is_tracking(k))
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(query.len());
    for (k, v) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode_component(k));
        out.push('=');
        out.push_str(&encode_component(v));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Fingerprints
// ---------------------------------------------------------------------------------------------

/// Characters per shingle.
const SHINGLE: usize = 3;
/// Weight of a title shingle relative to a body shingle.
const TITLE_WEIGHT: i64 = 3;
/// Paragraphs shorter than this (in comparison characters) are left out of the SimHash: repost
/// boilerplate (`来源：…`, `（责任编辑：…）`) is that short, and a story's paragraphs are not.
const MIN_PARAGRAPH: usize = 20;
/// Clauses shorter than this (in comparison characters) are not anchors.
const MIN_ANCHOR: usize = 8;
/// At most this many anchors are kept (the smallest hashes: a sample both copies agree on).
pub const MAX_ANCHORS: usize = 32;
/// Two articles share a story by anchors when they share at least this many …
pub(crate) const MIN_SHARED_ANCHORS: usize = 2;
/// … and at least this share (in percent) of the smaller article's anchors.
pub(crate) const MIN_SHARED_ANCHOR_PERCENT: usize = 30;
/// An anchor already indexed under more than this many different stories is a stock phrase, not evidence.
pub const MAX_ANCHOR_STORIES: usize = 3;

/// The text as compared: [`crate::clean::comparison_text`] (Simplified, pinyin, spam and punctuation
/// removed, letters and digits only, lower-cased), as characters.
#[must_use]
pub(crate) fn comparison_chars(text: &str) -> Vec<char> {
    let source = crate::clean::comparison_source(text);
    let mut chars = Vec::with_capacity(source.len() / 3 + 1);
    crate::clean::fold_each(&source, |c| chars.push(c));
    chars
}

/// FNV-1a over bytes followed by the splitmix64 finaliser: a stable 64-bit hash (fingerprints are
/// persisted, so `std`'s unspecified hasher will not do).
#[must_use]
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(Fnv::START, |h, &b| h.byte(b)).finish()
}

/// The running state of [`stable_hash`], fed bytes or characters (as their UTF-8 bytes, so that
/// feeding the characters of a string hashes exactly its bytes).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    const START: Fnv = Fnv(0xcbf2_9ce4_8422_2325);
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    #[inline(always)]
    fn byte(self, b: u8) -> Fnv {
        Fnv((self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME))
    }

    /// Feeds the UTF-8 encoding of `c` (written out, so no buffer is filled and re-read).
    #[inline(always)]
    fn char(self, c: char) -> Fnv {
        // The masks make each truncation to a byte exact.
        #[allow(clippy::cast_possible_truncation)]
        let byte = |x: u32| (x & 0xFF) as u8;
        let cp = u32::from(c);
        if cp < 0x80 {
            self.byte(byte(cp))
        } else if cp < 0x800 {
            self.byte(byte(0xC0 | (cp >> 6)))
                .byte(byte(0x80 | (cp & 0x3F)))
        } else if cp < 0x1_0000 {
            self.byte(byte(0xE0 | (cp >> 12)))
                .byte(byte(0x80 | ((cp >> 6) & 0x3F)))
                .byte(byte(0x80 | (cp & 0x3F)))
        } else {
            self.byte(byte(0xF0 | (cp >> 18)))
                .byte(byte(0x80 | ((cp >> 12) & 0x3F)))
                .byte(byte(0x80 | ((cp >> 6) & 0x3F)))
                .byte(byte(0x80 | (cp & 0x3F)))
        }
    }

    /// The splitmix64 finaliser over the FNV state.
    #[inline(always)]
    fn finish(self) -> u64 {
        let mut h = self.0;
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }
}

/// The [`stable_hash`] of the UTF-8 bytes of `chars`.
#[inline]
fn chars_hash(chars: &[char]) -> u64 {
    chars.iter().fold(Fnv::START, |h, &c| h.char(c)).finish()
}

/// `SPREAD[b]` has bit `i` of `b` in the lowest bit of byte `i`: adding it to a `u64` counts the eight
/// bits of a byte in eight byte-wide lanes at once.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            if b & (1 << i) != 0 {
                table[b] |= 1 << (8 * i);
            }
            i += 1;
        }
        b += 1;
    }
    table
};

/// Per-position counts of the set bits of many 64-bit hashes.
struct BitCounts {
    ones: [u32; 64],
    n: i64,
}

impl BitCounts {
    /// Hashes counted per call of [`BitCounts::add_block`]: a byte-wide lane holds at most 255.
    const BLOCK: usize = 255;

    fn new() -> Self {
        BitCounts {
            ones: [0; 64],
            n: 0,
        }
    }

    /// Counts the bits of up to [`BitCounts::BLOCK`] hashes. Byte `j` of a hash is counted in
    /// `lanes[j]`, one byte-wide lane per bit (eight table adds per hash instead of 64 bit tests),
    /// and the lanes are emptied into `ones` at the end.
    fn add_block(&mut self, hashes: &[u64]) {
        debug_assert!(hashes.len() <= Self::BLOCK);
        let mut lanes = [0u64; 8];
        for &h in hashes {
            for (j, lane) in lanes.iter_mut().enumerate() {
                *lane += SPREAD[((h >> (8 * j)) & 0xFF) as usize];
            }
        }
        for (lane, ones) in lanes.iter().zip(self.ones.chunks_exact_mut(8)) {
            for (one, count) in ones.iter_mut().zip(lane.to_le_bytes()) {
                *one += u32::from(count);
            }
        }
        self.n += hashes.len() as i64;
    }

    /// Adds `weight × (ones − zeros)` per position to `acc`.
    fn apply(self, acc: &mut [i64; 64], weight: i64) {
        for (slot, c) in acc.iter_mut().zip(self.ones) {
            *slot += weight * (2 * i64::from(c) - self.n);
        }
    }
}

/// Adds the shingles of `chars` (the whole of it when shorter than a shingle) to the SimHash sums.
fn add_shingles(acc: &mut [i64; 64], chars: &[char], weight: i64) {
    let mut counts = BitCounts::new();
    if chars.len() < SHINGLE {
        if !chars.is_empty() {
            counts.add_block(&[chars_hash(chars)]);
        }
    } else {
        // Hashes are made a block at a time and then counted, two tight loops.
        let mut hashes = [0u64; BitCounts::BLOCK];
        let shingles = chars.len() - SHINGLE + 1;
        let mut start = 0;
        while start < shingles {
            let n = (shingles - start).min(BitCounts::BLOCK);
            shingle_hashes(&chars[start..start + n + SHINGLE - 1], &mut hashes[..n]);
            counts.add_block(&hashes[..n]);
            start += n;
        }
    }
    counts.apply(acc, weight);
}

/// The hash of every shingle of `chars` (`out` holds one slot per shingle). Four shingles are hashed
/// at a time, their states advanced one character each in turn: four independent multiply chains the
/// processor overlaps, where one chain at a time waits on every multiply.
fn shingle_hashes(chars: &[char], out: &mut [u64]) {
    let mut slots = out.chunks_exact_mut(LANES);
    let mut i = 0;
    for slot in slots.by_ref() {
        let w = &chars[i..i + LANES + SHINGLE - 1];
        let mut st = [Fnv::START; LANES];
        for p in 0..SHINGLE {
            for (k, s) in st.iter_mut().enumerate() {
                *s = s.char(w[k + p]);
            }
        }
        for (o, s) in slot.iter_mut().zip(st) {
            *o = s.finish();
        }
        i += LANES;
    }
    for (o, w) in slots
        .into_remainder()
        .iter_mut()
        .zip(chars[i..].windows(SHINGLE))
    {
        *o = chars_hash(w);
    }
}

/// Hash chains advanced side by side.
const LANES: usize = 4;

/// The 64-bit SimHash of an article: character 3-shingles of the body's paragraphs (paragraphs are
/// separated by newlines; those shorter than 20 comparison characters are skipped) and of the title
/// (weighted 3×), each shingle hashed with [`stable_hash`], counted with its frequency.
#[must_use]
pub fn simhash(title: &str, body: &str) -> u64 {
    let prepared = crate::clean::comparison_source(body);
    let mut chars = Vec::with_capacity(prepared.len() / 3 + 1);
    let mut paragraphs = Vec::new();
    for para in prepared.split('\n') {
        let start = chars.len();
        crate::clean::fold_each(para, |c| chars.push(c));
        paragraphs.push(start..chars.len());
    }
    simhash_folded(title, &chars, &paragraphs)
}

/// [`simhash`] of a title and a body already folded into comparison characters (`chars`), whose
/// paragraphs are the given ranges of `chars`, in order and covering it.
fn simhash_folded(title: &str, chars: &[char], paragraphs: &[Range<usize>]) -> u64 {
    let mut acc = [0i64; 64];
    let mut any = false;
    for para in paragraphs {
        let para = chars.get(para.clone()).unwrap_or_default();
        if para.len() >= MIN_PARAGRAPH {
            add_shingles(&mut acc, para, 1);
            any = true;
        }
    }
    if !any {
        // A short body is still better than none.
        add_shingles(&mut acc, chars, 1);
    }
    add_shingles(&mut acc, &comparison_chars(title), TITLE_WEIGHT);
    acc.iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .fold(0u64, |h, (bit, _)| h | (1u64 << bit))
}

/// The number of differing bits: a population count, with the CPU's instruction where it has one
/// ([`popcount`]).
#[must_use]
pub fn hamming(a: u64, b: u64) -> u32 {
    popcount(a ^ b)
}

/// The number of set bits. On x86-64 the `POPCNT` instruction is used when the CPU has it (detected at run
/// time, once: the build targets every x86-64, and the baseline has no such instruction); elsewhere, and on
/// CPUs without it, [`popcount_portable`], which is the reference both are tested against.
#[must_use]
pub(crate) fn popcount(x: u64) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU was just found to support POPCNT, the only feature `popcount_popcnt` enables.
            return unsafe { popcount_popcnt(x) };
        }
    }
    popcount_portable(x)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn popcount_popcnt(x: u64) -> u32 {
    // With the feature enabled for this function, `count_ones` compiles to one POPCNT.
    x.count_ones()
}

/// The portable population count (SWAR: bits summed in pairs, nibbles, then bytes), the reference for
/// [`popcount`].
#[must_use]
pub(crate) fn popcount_portable(x: u64) -> u32 {
    let x = x - ((x >> 1) & 0x5555_5555_5555_5555);
    let x = (x & 0x3333_3333_3333_3333) + ((x >> 2) & 0x3333_3333_3333_3333);
    let x = (x + (x >> 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    // The byte sums, added up in the top byte; at most 64, so the shift leaves the whole count.
    u32::try_from(x.wrapping_mul(0x0101_0101_0101_0101) >> 56).unwrap_or(64)
}

/// The 16-bit bands of a SimHash, most significant first: the index keys that find every stored
/// fingerprint within [`MAX_DISTANCE`].
#[must_use]
pub fn bands(h: u64) -> [u16; 4] {
    // Truncation is the point: each band is one 16-bit slice.
    #[allow(clippy::cast_possible_truncation)]
    [
        (h >> 48) as u16,
        (h >> 32) as u16,
        (h >> 16) as u16,
        h as u16,
    ]
}

/// Splits text into clauses on Chinese and ASCII sentence and clause punctuation (a `.` between digits
/// is a decimal point), so that one lost character spoils one clause, not a whole sentence.
#[cfg(test)]
fn sentences(body: &str) -> Vec<&str> {
    clauses(body).map(|(c, _)| c).collect()
}

/// The clauses of [`sentences`], each with whether a line break ends it (the end of a paragraph).
/// Every separator is punctuation that [`crate::clean::comparison_fold`] drops, so folding the clauses
/// of a line one by one gives the fold of the whole line.
fn clauses(body: &str) -> impl Iterator<Item = (&str, bool)> + '_ {
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut it = body.char_indices().peekable();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while let Some((pos, c)) = it.next() {
            let end = match c {
                '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n' | '，' | ',' | '、' | '：'
                | ':' => true,
                '.' => {
                    let next = it.peek().map(|x| x.1);
                    !(prev.is_some_and(|p| p.is_ascii_digit())
                        && next.is_some_and(|n| n.is_ascii_digit()))
                }
                _ => false,
            };
            prev = Some(c);
            if end {
                let clause = &body[start..pos];
                start = pos + c.len_utf8();
                return Some((clause, c == '\n'));
            }
        }
        done = true;
        Some((&body[start..], true))
    })
}

/// A story fingerprint: the SimHash plus clause anchors.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// [`simhash`] of title and body.
    pub simhash: u64,
    /// Hashes of the body's normalised clauses (at least 8 comparison characters), the
    /// [`MAX_ANCHORS`] smallest, sorted and distinct.
    pub anchors: Vec<u64>,
}

/// The fingerprint of an article as the store files it: of its title and body text. The pipeline computes
/// it once per article, from the cleaned article, before the store.
#[must_use]
pub fn fingerprint_article(a: &Article) -> Fingerprint {
    fingerprint(&a.title, &a.body_text())
}

/// The [`Fingerprint`] of an article's title and body (paragraphs separated by newlines).
#[must_use]
pub fn fingerprint(title: &str, body: &str) -> Fingerprint {
    // Mirror repair, Simplified conversion and spam removal run once over the whole body; clauses and
    // paragraphs are folded from that.
    // Each clause is folded once, straight into the body's characters, its anchor hash computed on the
    // way (the hash of the clause's fold as a string).
    let prepared = crate::clean::comparison_source(body);
    let mut chars: Vec<char> = Vec::with_capacity(prepared.len() / 3 + 1);
    let mut paragraphs = Vec::new();
    let mut anchors = Vec::new();
    let mut para_start = 0;
    for (clause, ends_paragraph) in clauses(&prepared) {
        let before = chars.len();
        let mut h = Fnv::START;
        crate::clean::fold_each(clause, |c| {
            chars.push(c);
            h = h.char(c);
        });
        if chars.len() - before >= MIN_ANCHOR {
            anchors.push(h.finish());
        }
        if ends_paragraph {
            paragraphs.push(para_start..chars.len());
            para_start = chars.len();
        }
    }
    anchors.sort_unstable();
    anchors.dedup();
    anchors.truncate(MAX_ANCHORS);
    Fingerprint {
        simhash: simhash_folded(title, &chars, &paragraphs),
        anchors,
    }
}

/// The number of anchors two fingerprints share (both lists are sorted).
#[must_use]
pub(crate) fn shared_anchors(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Whether two articles tell the same story: SimHash within [`MAX_DISTANCE`], or enough shared
/// clause anchors (≥ `MIN_SHARED_ANCHORS` and ≥ `MIN_SHARED_ANCHOR_PERCENT` % of the smaller set).
#[must_use]
pub fn same_story(a: &Fingerprint, b: &Fingerprint) -> bool {
    if hamming(a.simhash, b.simhash) <= MAX_DISTANCE {
        return true;
    }
    let shared = shared_anchors(&a.anchors, &b.anchors);
    let smaller = a.anchors.len().min(b.anchors.len());
    shared >= MIN_SHARED_ANCHORS && shared * 100 >= smaller * MIN_SHARED_ANCHOR_PERCENT
}

#[cfg(test)]
mod tests;
