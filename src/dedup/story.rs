//! Story policy, as pure functions over plain values: which version of an article a new fetch leaves
//! stored ([`next_version`]), which copy leads a story ([`order_members`]), which anchors are stock phrases
//! ([`is_stock_anchor`]) and which stored near-duplicate a new article joins ([`closest`]). Every store
//! engine gathers the candidates its indexes give and stores what these decide, so the engines agree.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{hamming, same_story, shared_anchors, Fingerprint, MAX_ANCHOR_STORIES, MAX_DISTANCE};
use crate::model::{Article, ArticleId, Flag, SourceId, StoredArticle};

/// One article of a story, with what its lead order needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The article.
    pub id: ArticleId,
    /// The source it is stored under.
    pub source: SourceId,
    /// That source's priority.
    pub priority: i32,
    /// Published, else first seen (unix seconds).
    pub time: i64,
    /// First seen (unix seconds).
    pub first_seen: i64,
}

impl Member {
    /// The member a stored article makes.
    #[must_use]
    pub fn of(a: &StoredArticle) -> Self {
        Self {
            id: a.id,
            source: a.source_id.clone(),
            priority: a.priority,
            time: a.sort_time().as_second(),
            first_seen: a.first_seen.as_second(),
        }
    }
}

/// Puts a story's members in lead order: earliest published (else first seen) first; ties go to the
/// higher source priority, then the copy seen first, then the lower id.
pub fn order_members(members: &mut [Member]) {
    members.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then(b.priority.cmp(&a.priority))
            .then(a.first_seen.cmp(&b.first_seen))
            .then(a.id.cmp(&b.id))
    });
}

/// Puts `member` into `members` (replacing its earlier entry) in lead order. Returns whether the lead
/// changed.
pub fn place_member(members: &mut Vec<Member>, member: Member) -> bool {
    let old_lead = members.first().map(|m| m.id);
    members.retain(|m| m.id != member.id);
    members.push(member);
    order_members(members);
    old_lead != members.first().map(|m| m.id)
}

/// Whether an article is a mirror's copy (pinyin or spam mirror, or text damaged past repair): such a copy
/// never replaces a clean one, and never leads a story with a clean copy of the same time.
#[must_use]
pub fn is_mirror_copy(a: &Article) -> bool {
    a.has_flag(Flag::PinyinMirror) || a.has_flag(Flag::SpamMirror) || a.has_flag(Flag::Degraded)
}

/// Whether two versions of an article show the same thing (the URL it was fetched from aside).
#[must_use]
pub fn same_content(a: &Article, b: &Article) -> bool {
    Article {
        url: String::new(),
        ..a.clone()
    } == Article {
        url: String::new(),
        ..b.clone()
    }
}

/// What a new fetch of a stored article leaves stored.
#[derive(Debug, Clone)]
pub struct NextVersion {
    /// The record to store (`last_seen` is `now`; `changed_at` is `now` when `changed`).
    pub record: StoredArticle,
    /// The stored text was kept: the new copy was a mirror's and the stored one is clean.
    pub kept_old: bool,
    /// What the article shows changed.
    pub changed: bool,
}

/// The version merge: a new fetch of a stored article replaces its content unless it is a mirror's copy
/// and the stored one is clean. The replacement keeps every native id seen, the stored publication time
/// when the new copy has none, and the first spelling of the canonical URL; a clean copy replacing a
/// mirror's takes over its source and priority.
#[must_use]
pub fn next_version(
    old: &StoredArticle,
    article: Article,
    source: &SourceId,
    priority: i32,
    now: Timestamp,
) -> NextVersion {
    let kept_old = is_mirror_copy(&article) && !is_mirror_copy(&old.article);
    let mut rec = old.clone();
    rec.last_seen = now;
    if !kept_old {
        let mut native = old.article.native_ids.clone();
        for n in &article.native_ids {
            if !native.contains(n) {
                native.push(n.clone());
            }
        }
        let mut next = article;
        next.native_ids = native;
        if next.published.is_none() {
            next.published = old.article.published;
            next.published_precision = old.article.published_precision;
        }
        // The first spelling of the canonical URL stays (the id is the same either way).
        next.canonical_url.clone_from(&old.article.canonical_url);
        if is_mirror_copy(&old.article) && !is_mirror_copy(&next) {
            rec.source_id = source.clone();
            rec.priority = priority;
        }
        rec.article = next;
    }
    let changed = !same_content(&rec.article, &old.article);
    if changed {
        rec.changed_at = Some(now);
    }
    NextVersion {
        record: rec,
        kept_old,
        changed,
    }
}

/// Whether a band posting with SimHash `h` nominates a candidate for `fp`.
#[must_use]
pub fn band_candidate(h: u64, fp: &Fingerprint) -> bool {
    hamming(h, fp.simhash) <= MAX_DISTANCE
}

/// Whether an anchor found in these stories is a stock phrase of union news (切实维护职工合法权益…): it
/// then neither nominates candidates nor counts as shared text.
#[must_use]
pub fn is_stock_anchor(stories: usize) -> bool {
    stories > MAX_ANCHOR_STORIES
}

/// The near-duplicate choice: among `candidates` (article, fingerprint), the one in the same story as `fp`
/// (stock anchors left out on both sides) with the fewest differing SimHash bits, then the most shared
/// anchors, then the lowest id.
#[must_use]
pub fn closest(
    fp: &Fingerprint,
    stock: &[u64],
    candidates: impl IntoIterator<Item = (ArticleId, Fingerprint)>,
) -> Option<ArticleId> {
    let own = without_stock(fp, stock);
    let mut best: Option<(u32, usize, ArticleId)> = None;
    let mut seen = BTreeSet::new();
    let mut all: Vec<(ArticleId, Fingerprint)> = candidates
        .into_iter()
        .filter(|(id, _)| seen.insert(*id))
        .collect();
    all.sort_by_key(|(id, _)| *id);
    for (c, cfp) in all {
        let cfp = without_stock(&cfp, stock);
        if !same_story(&own, &cfp) {
            continue;
        }
        let d = hamming(fp.simhash, cfp.simhash);
        let shared = shared_anchors(&own.anchors, &cfp.anchors);
        let better =
            best.is_none_or(|(bd, bs, _)| (d, usize::MAX - shared) < (bd, usize::MAX - bs));
        if better {
            best = Some((d, shared, c));
        }
    }
    best.map(|(_, _, c)| c)
}

/// A fingerprint without the given stock anchors.
fn without_stock(fp: &Fingerprint, stock: &[u64]) -> Fingerprint {
    Fingerprint {
        simhash: fp.simhash,
        anchors: fp
            .anchors
            .iter()
            .copied()
            .filter(|a| !stock.contains(a))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StoryId;

    fn stored(id: u8, flags: &[Flag], published: Option<&str>) -> StoredArticle {
        let mut article = Article {
            url: format!("http://a.example/{id}"),
            title: "标题".into(),
            paragraphs: vec!["正文".into()],
            ..Article::default()
        };
        for f in flags {
            article.flag(*f);
        }
        article.published = published.map(|p| crate::model::Published {
            instant: p.parse().expect("time"),
            offset: jiff::tz::Offset::UTC,
        });
        StoredArticle {
            id: ArticleId([id; 16]),
            story: StoryId([id; 16]),
            source_id: SourceId::new("a").expect("id"),
            priority: 0,
            first_seen: "2024-01-01T00:00:00Z".parse().expect("time"),
            last_seen: "2024-01-01T00:00:00Z".parse().expect("time"),
            changed_at: None,
            simhash: 0,
            article,
        }
    }

    #[test]
    fn a_mirror_copy_never_replaces_clean_text_and_a_clean_copy_takes_over_a_mirrors() {
        let now: Timestamp = "2024-02-01T00:00:00Z".parse().expect("time");
        let clean = stored(1, &[], None);
        let mut mirror = clean.article.clone();
        mirror.flag(Flag::PinyinMirror);
        mirror.paragraphs = vec!["被镜像的正文".into()];
        let next = next_version(&clean, mirror, &SourceId::new("m").expect("id"), 9, now);
        assert!(next.kept_old && !next.changed);
        assert_eq!(next.record.article, clean.article);
        assert_eq!(next.record.last_seen, now);

        let held = stored(2, &[Flag::SpamMirror], None);
        let mut fresh = held.article.clone();
        fresh.flags.clear();
        let next = next_version(&held, fresh, &SourceId::new("b").expect("id"), 5, now);
        assert!(!next.kept_old && next.changed);
        assert_eq!(next.record.source_id.as_str(), "b");
        assert_eq!(next.record.priority, 5);
        assert_eq!(next.record.changed_at, Some(now));
    }

    #[test]
    fn a_new_version_keeps_the_stored_date_native_ids_and_canonical_spelling() {
        let now: Timestamp = "2024-02-01T00:00:00Z".parse().expect("time");
        let mut old = stored(1, &[], Some("2024-01-01T08:00:00Z"));
        old.article.native_ids = vec![("a".into(), "1".into())];
        old.article.canonical_url = "http://a.example/1".into();
        let mut new = old.article.clone();
        new.published = None;
        new.native_ids = vec![("b".into(), "2".into())];
        new.canonical_url = "http://A.example/1".into();
        let next = next_version(&old, new, &old.source_id.clone(), 0, now);
        assert_eq!(next.record.article.published, old.article.published);
        assert_eq!(
            next.record.article.native_ids,
            vec![("a".into(), "1".into()), ("b".into(), "2".into())]
        );
        assert_eq!(next.record.article.canonical_url, "http://a.example/1");
    }

    #[test]
    fn the_lead_is_earliest_then_higher_priority_then_first_seen() {
        let m = |id: u8, time: i64, priority: i32, first_seen: i64| Member {
            id: ArticleId([id; 16]),
            source: SourceId::new("s").expect("id"),
            priority,
            time,
            first_seen,
        };
        let mut members = vec![m(1, 100, 0, 5)];
        assert!(!place_member(&mut members, m(2, 100, 0, 6)));
        assert!(place_member(&mut members, m(3, 100, 1, 7)));
        assert!(place_member(&mut members, m(4, 50, 0, 8)));
        let ids: Vec<u8> = members.iter().map(|m| m.id.0[0]).collect();
        assert_eq!(ids, vec![4, 3, 1, 2]);
        // Re-placing a member moves it rather than adding it twice.
        assert!(place_member(&mut members, m(4, 200, 0, 8)));
        let ids: Vec<u8> = members.iter().map(|m| m.id.0[0]).collect();
        assert_eq!(ids, vec![3, 1, 2, 4]);
    }

    #[test]
    fn the_closest_candidate_wins_and_stock_anchors_do_not_count() {
        let fp = Fingerprint {
            simhash: 0,
            anchors: vec![1, 2, 3, 4],
        };
        let near = (
            ArticleId([2; 16]),
            Fingerprint {
                simhash: 0b1,
                anchors: vec![1, 2, 3, 4],
            },
        );
        let nearer = (
            ArticleId([3; 16]),
            Fingerprint {
                simhash: 0,
                anchors: vec![1, 2, 3, 4],
            },
        );
        let far = (
            ArticleId([4; 16]),
            Fingerprint {
                simhash: u64::MAX,
                anchors: vec![9],
            },
        );
        assert_eq!(
            closest(&fp, &[], [near.clone(), far.clone(), nearer.clone()]),
            Some(ArticleId([3; 16]))
        );
        assert_eq!(closest(&fp, &[], [far.clone()]), None);
        // Only stock phrases in common: not the same story.
        let only_stock = (
            ArticleId([5; 16]),
            Fingerprint {
                simhash: u64::MAX,
                anchors: vec![1, 2, 3, 4],
            },
        );
        assert_eq!(
            closest(&fp, &[], [only_stock.clone()]),
            Some(ArticleId([5; 16]))
        );
        assert_eq!(closest(&fp, &[1, 2, 3, 4], [only_stock]), None);
        assert!(is_stock_anchor(MAX_ANCHOR_STORIES + 1) && !is_stock_anchor(MAX_ANCHOR_STORIES));
        assert!(band_candidate(0b111, &fp) && !band_candidate(0b1111, &fp));
    }
}
