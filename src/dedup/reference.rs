//! The fingerprint as it was computed before the fast paths (straightforward shingle hashing and bit
//! counting, a string per folded clause, the comparison functions of [`crate::clean::reference`]), kept
//! only to check the fast code against: stored fingerprints must never change.

use std::ops::Range;

use super::TITLE_WEIGHT;
use super::{clauses, stable_hash, Fingerprint, MAX_ANCHORS, MIN_ANCHOR, MIN_PARAGRAPH, SHINGLE};
use crate::clean::reference::{comparison_fold, comparison_source, comparison_text};

fn comparison_chars(text: &str) -> Vec<char> {
    comparison_text(text).chars().collect()
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
    let prepared = comparison_source(body);
    let mut chars = Vec::new();
    let mut paragraphs = Vec::new();
    for para in prepared.split('\n') {
        let start = chars.len();
        chars.extend(comparison_fold(para).chars());
        paragraphs.push(start..chars.len());
    }
    simhash_folded(title, &chars, &paragraphs)
}

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
        add_shingles(&mut acc, chars, 1);
    }
    add_shingles(&mut acc, &comparison_chars(title), TITLE_WEIGHT);
    acc.iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .fold(0u64, |h, (bit, _)| h | (1u64 << bit))
}

/// [`super::fingerprint`].
pub(super) fn fingerprint(title: &str, body: &str) -> Fingerprint {
    let prepared = comparison_source(body);
    let mut chars: Vec<char> = Vec::new();
    let mut paragraphs = Vec::new();
    let mut anchors = Vec::new();
    let mut para_start = 0;
    for (clause, ends_paragraph) in clauses(&prepared) {
        let folded = comparison_fold(clause);
        let before = chars.len();
        chars.extend(folded.chars());
        if chars.len() - before >= MIN_ANCHOR {
            anchors.push(stable_hash(folded.as_bytes()));
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
