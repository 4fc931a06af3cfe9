//! The fingerprint as it was computed before this session's rewrites (commit 8c3a73e: a string per
//! folded clause and per paragraph, byte-buffer shingle hashing, bit-by-bit counting, the comparison
//! functions of [`crate::clean::reference`]), kept only to check the fast code against: stored
//! fingerprints must never change. It shares nothing with the code it checks but the constants.

use std::collections::HashSet;

use super::{Fingerprint, MAX_ANCHORS, MIN_ANCHOR, MIN_PARAGRAPH, SHINGLE, TITLE_WEIGHT};
use crate::clean::reference::{comparison_fold, comparison_source, comparison_text};

fn comparison_chars(text: &str) -> Vec<char> {
    comparison_text(text).chars().collect()
}

fn folded_chars(prepared: &str) -> Vec<char> {
    comparison_fold(prepared).chars().collect()
}

/// [`super::stable_hash`].
pub(super) fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

fn shingle_hash(chars: &[char]) -> u64 {
    let mut buf = [0u8; 4 * SHINGLE];
    let mut n = 0;
    for c in chars {
        n += c.encode_utf8(&mut buf[n..]).len();
    }
    stable_hash(&buf[..n])
}

fn add_shingles(acc: &mut [i64; 64], chars: &[char], weight: i64) {
    let mut ones = [0u32; 64];
    let mut n: i64 = 0;
    let mut count = |h: u64| {
        for (bit, c) in ones.iter_mut().enumerate() {
            *c += u32::from((h >> bit) & 1 == 1);
        }
        n += 1;
    };
    if chars.len() < SHINGLE {
        if !chars.is_empty() {
            count(shingle_hash(chars));
        }
    } else {
        for w in chars.windows(SHINGLE) {
            count(shingle_hash(w));
        }
    }
    for (slot, c) in acc.iter_mut().zip(ones) {
        *slot += weight * (2 * i64::from(c) - n);
    }
}

/// [`super::simhash`].
pub(super) fn simhash(title: &str, body: &str) -> u64 {
    simhash_prepared(title, &comparison_source(body))
}

fn simhash_prepared(title: &str, prepared: &str) -> u64 {
    let mut acc = [0i64; 64];
    let mut any = false;
    for para in prepared.split('\n') {
        let chars = folded_chars(para);
        if chars.len() >= MIN_PARAGRAPH {
            add_shingles(&mut acc, &chars, 1);
            any = true;
        }
    }
    if !any {
        add_shingles(&mut acc, &folded_chars(prepared), 1);
    }
    add_shingles(&mut acc, &comparison_chars(title), TITLE_WEIGHT);
    acc.iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .fold(0u64, |h, (bit, _)| h | (1u64 << bit))
}

fn sentences(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        let end = match c {
            '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n' | '，' | ',' | '、' | '：' | ':' => {
                true
            }
            '.' => {
                let prev = i.checked_sub(1).and_then(|j| chars.get(j)).map(|x| x.1);
                let next = chars.get(i + 1).map(|x| x.1);
                !(prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_ascii_digit()))
            }
            _ => false,
        };
        if end {
            out.push(&body[start..pos]);
            start = pos + c.len_utf8();
        }
    }
    out.push(&body[start..]);
    out
}

/// [`super::fingerprint`].
pub(super) fn fingerprint(title: &str, body: &str) -> Fingerprint {
    let prepared = comparison_source(body);
    let mut anchors: Vec<u64> = sentences(&prepared)
        .into_iter()
        .map(comparison_fold)
        .filter(|c| c.chars().count() >= MIN_ANCHOR)
        .map(|c| stable_hash(c.as_bytes()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    anchors.sort_unstable();
    anchors.truncate(MAX_ANCHORS);
    Fingerprint {
        simhash: simhash_prepared(title, &prepared),
        anchors,
    }
}
