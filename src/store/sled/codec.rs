//! The sled engine's key layout and value codecs: one-byte key prefixes, checked JSON values, the
//! fingerprint record, the band and anchor posting lists (read and edited in memory during one write) and
//! the story record.

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::sled_err;
use crate::dedup::story::{order_members, Member};
use crate::dedup::{self, Fingerprint};
use crate::model::{ArticleId, SourceId, StoryId};
use crate::store::StoreError;

pub(super) const TREE: &str = "unionwire/v1";
/// Format byte of a checked JSON value.
pub(super) const ENVELOPE_V1: u8 = 1;
/// At most this many postings are kept under one band key (random SimHashes put about one in 65,536 of
/// the store there; a band shared by thousands of pages is boilerplate, not a story).
pub(super) const MAX_BAND_POSTINGS: usize = 1024;
/// At most this many postings are kept under one anchor key (an anchor in more than
/// [`dedup::MAX_ANCHOR_STORIES`] stories is a stock phrase, whatever else carries it).
pub(super) const MAX_ANCHOR_POSTINGS: usize = 64;
/// Bytes of one band posting: SimHash (8) + article id (16).
pub(super) const BAND_POSTING: usize = 24;
/// Bytes of one anchor posting: article id (16) + story id (16).
pub(super) const ANCHOR_POSTING: usize = 32;

/// A story as stored: its members in lead order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoryRecord {
    /// Members in lead order (the first is the lead).
    pub(super) members: Vec<Member>,
    /// The lead's sort time (unix seconds), the `t` index key.
    pub(super) time: i64,
}

impl StoryRecord {
    /// Puts the members in lead order ([`order_members`]) and takes the lead's time.
    pub(super) fn order(&mut self) {
        order_members(&mut self.members);
        self.time = self.members.first().map_or(0, |m| m.time);
    }
}

pub(super) fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    k.push(prefix);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

/// Order-preserving encoding of a signed time.
pub(super) fn time_bytes(t: i64) -> [u8; 8] {
    (u64::from_ne_bytes(t.to_ne_bytes()) ^ (1 << 63)).to_be_bytes()
}

pub(super) fn article_key(id: &ArticleId) -> Vec<u8> {
    key(b'a', &[&id.0])
}
pub(super) fn fp_key(id: &ArticleId) -> Vec<u8> {
    key(b'f', &[&id.0])
}
pub(super) fn url_index_key(url_key: &str) -> Vec<u8> {
    key(b'u', &[url_key.as_bytes()])
}
pub(super) fn story_key(id: &StoryId) -> Vec<u8> {
    key(b's', &[&id.0])
}
pub(super) fn story_time_key(time: i64, id: &StoryId) -> Vec<u8> {
    key(b't', &[&time_bytes(time), &id.0])
}
pub(super) fn band_key(n: u8, band: u16) -> Vec<u8> {
    key(b'B', &[&[n], &band.to_be_bytes()])
}
pub(super) fn anchor_key(anchor: u64) -> Vec<u8> {
    key(b'H', &[&anchor.to_be_bytes()])
}
pub(super) fn fetch_state_key(url: &str) -> Vec<u8> {
    key(b'F', &[dedup::url_key_str(url).as_bytes()])
}
pub(super) fn source_time_key(source: &SourceId, time: i64, id: &ArticleId) -> Vec<u8> {
    key(
        b'x',
        &[source.as_str().as_bytes(), &[0], &time_bytes(time), &id.0],
    )
}
pub(super) const META_SCHEMA: &[u8] = b"mschema";
pub(super) const META_GENERATION: &[u8] = b"mgeneration";
pub(super) const META_ARTICLES: &[u8] = b"marticles";
pub(super) const META_STORIES: &[u8] = b"mstories";

pub(super) fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(value).map_err(|source| StoreError::Encode { what, source })?;
    let mut out = Vec::with_capacity(json.len() + 9);
    out.push(ENVELOPE_V1);
    out.extend_from_slice(&dedup::stable_hash(&json).to_be_bytes());
    out.extend_from_slice(&json);
    Ok(out)
}

pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let (&format, rest) = bytes.split_first().ok_or("empty value")?;
    if format != ENVELOPE_V1 {
        return Err(format!("unknown value format {format}"));
    }
    if rest.len() < 8 {
        return Err("truncated value".into());
    }
    let (sum, json) = rest.split_at(8);
    if sum != dedup::stable_hash(json).to_be_bytes() {
        return Err("checksum mismatch (torn or damaged value)".into());
    }
    serde_json::from_slice(json).map_err(|e| format!("undecodable value: {e}"))
}

pub(super) fn encode_fp(fp: &Fingerprint) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * (1 + fp.anchors.len()));
    out.extend_from_slice(&fp.simhash.to_be_bytes());
    for a in &fp.anchors {
        out.extend_from_slice(&a.to_be_bytes());
    }
    out
}

pub(super) fn decode_fp(bytes: &[u8]) -> Option<Fingerprint> {
    if bytes.len() < 8 || bytes.len() % 8 != 0 {
        return None;
    }
    let mut words = bytes
        .chunks_exact(8)
        .map(|c| u64::from_be_bytes(c.try_into().unwrap_or([0; 8])));
    let simhash = words.next()?;
    Some(Fingerprint {
        simhash,
        anchors: words.collect(),
    })
}

pub(super) fn u64_value(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

pub(super) fn id_from(bytes: &[u8]) -> Option<ArticleId> {
    Some(ArticleId(bytes.try_into().ok()?))
}

/// The two posting lists: their layout and bounds.
#[derive(Debug, Clone, Copy)]
pub(super) enum List {
    /// `B` keys: SimHash (8) + article id (16) per posting.
    Band,
    /// `H` keys: article id (16) + story id (16) per posting.
    Anchor,
}

impl List {
    pub(super) fn width(self) -> usize {
        match self {
            List::Band => BAND_POSTING,
            List::Anchor => ANCHOR_POSTING,
        }
    }

    /// Where the article id starts in a posting.
    pub(super) fn id_at(self) -> usize {
        match self {
            List::Band => 8,
            List::Anchor => 0,
        }
    }

    pub(super) fn cap(self) -> usize {
        match self {
            List::Band => MAX_BAND_POSTINGS,
            List::Anchor => MAX_ANCHOR_POSTINGS,
        }
    }

    /// The length of a well-formed key of this list.
    pub(super) fn key_len(self) -> usize {
        match self {
            List::Band => 4,
            List::Anchor => 9,
        }
    }

    pub(super) fn id_of(self, posting: &[u8]) -> Option<ArticleId> {
        posting
            .get(self.id_at()..self.id_at() + 16)
            .and_then(id_from)
    }
}

pub(super) fn band_posting(simhash: u64, id: &ArticleId) -> [u8; BAND_POSTING] {
    let mut p = [0u8; BAND_POSTING];
    p[..8].copy_from_slice(&simhash.to_be_bytes());
    p[8..].copy_from_slice(&id.0);
    p
}

pub(super) fn anchor_posting(id: &ArticleId, story: &StoryId) -> [u8; ANCHOR_POSTING] {
    let mut p = [0u8; ANCHOR_POSTING];
    p[..16].copy_from_slice(&id.0);
    p[16..].copy_from_slice(&story.0);
    p
}

/// The (SimHash, article) postings of a band list (a torn tail is ignored).
pub(super) fn band_postings(list: &[u8]) -> impl Iterator<Item = (u64, ArticleId)> + '_ {
    list.chunks_exact(BAND_POSTING).filter_map(|p| {
        let (h, id) = p.split_at(8);
        Some((u64_value(h)?, id_from(id)?))
    })
}

/// The (article, story) postings of an anchor list (a torn tail is ignored).
pub(super) fn anchor_postings(list: &[u8]) -> impl Iterator<Item = (ArticleId, StoryId)> + '_ {
    list.chunks_exact(ANCHOR_POSTING).filter_map(|p| {
        let (id, story) = p.split_at(16);
        Some((id_from(id)?, StoryId(id_from(story)?.0)))
    })
}

/// Band and anchor lists read during one write, edited in memory and written back in its batch: each
/// list is read at most once however many postings change in it.
#[derive(Default)]
pub(super) struct Postings {
    pub(super) lists: HashMap<Vec<u8>, Vec<u8>>,
    pub(super) dirty: HashSet<Vec<u8>>,
}

impl Postings {
    pub(super) fn load(
        &mut self,
        tree: &sled::Tree,
        k: Vec<u8>,
    ) -> Result<&mut Vec<u8>, StoreError> {
        use std::collections::hash_map::Entry;
        match self.lists.entry(k) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                let v = tree
                    .get(e.key())
                    .map_err(sled_err("read index"))?
                    .map(|v| v.to_vec())
                    .unwrap_or_default();
                Ok(e.insert(v))
            }
        }
    }

    /// The list under `k` as it stands (with this write's edits).
    pub(super) fn read(&mut self, tree: &sled::Tree, k: Vec<u8>) -> Result<&[u8], StoreError> {
        Ok(self.load(tree, k)?.as_slice())
    }

    /// Drops `id`'s posting from the list under `k`, if any (a torn tail, from damage, goes with it).
    pub(super) fn remove(
        &mut self,
        tree: &sled::Tree,
        k: Vec<u8>,
        list: List,
        id: &ArticleId,
    ) -> Result<(), StoreError> {
        let v = self.load(tree, k.clone())?;
        if drop_posting(v, list, id) {
            self.dirty.insert(k);
        }
        Ok(())
    }

    /// Puts `posting` (of `id`) in the list under `k`, replacing an older posting of `id`, unless the
    /// list is full.
    pub(super) fn add(
        &mut self,
        tree: &sled::Tree,
        k: Vec<u8>,
        list: List,
        id: &ArticleId,
        posting: &[u8],
    ) -> Result<(), StoreError> {
        let v = self.load(tree, k.clone())?;
        let mut changed = drop_posting(v, list, id);
        if v.len() / list.width() < list.cap() {
            v.extend_from_slice(posting);
            changed = true;
        }
        if changed {
            self.dirty.insert(k);
        }
        Ok(())
    }

    /// Writes every changed list into `batch` (an emptied list is removed).
    pub(super) fn write(self, batch: &mut sled::Batch) {
        let Postings { mut lists, dirty } = self;
        for k in dirty {
            match lists.remove(&k) {
                Some(v) if !v.is_empty() => batch.insert(k, v),
                _ => batch.remove(k),
            }
        }
    }
}

/// Takes `id`'s posting, and a torn tail (damage), out of `v` in place; whether anything was taken. A list
/// without either is left untouched (no copy).
fn drop_posting(v: &mut Vec<u8>, list: List, id: &ArticleId) -> bool {
    let (w, at) = (list.width(), list.id_at());
    let whole = v.len() - v.len() % w;
    let has = |p: &[u8]| p.get(at..at + 16) == Some(&id.0[..]);
    let found = v.chunks_exact(w).any(has);
    if !found {
        let torn = whole != v.len();
        v.truncate(whole);
        return torn;
    }
    let mut kept = Vec::with_capacity(whole);
    for p in v.chunks_exact(w).filter(|p| !has(p)) {
        kept.extend_from_slice(p);
    }
    *v = kept;
    true
}

/// A key shown to people: the prefix letter, then text if printable, else hex.
pub(super) fn printable_key(k: &[u8]) -> String {
    match k.split_first() {
        None => String::new(),
        Some((&p, rest)) => {
            let text = std::str::from_utf8(rest)
                .ok()
                .filter(|s| s.chars().all(|c| !c.is_control()));
            match text {
                Some(s) if matches!(p, b'u' | b'F' | b'S' | b'm') => {
                    format!("{}/{s}", char::from(p))
                }
                _ => format!("{}/{}", char::from(p), hex::encode(rest)),
            }
        }
    }
}

pub(super) fn decode_logged<T: DeserializeOwned>(k: &[u8], v: &[u8]) -> Option<T> {
    match decode(v) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!(key = %printable_key(k), error = %e, "skipping damaged store record");
            None
        }
    }
}
