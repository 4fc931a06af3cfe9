//! Publication dates as scored candidates. The article extractor collects every date it can find in the
//! places a page states its publication time (the profile's date node, the meta line under the title, a
//! leading dateline, the lines after the body, `<meta>` tags, JSON-LD, `<time datetime>`, the e-paper line,
//! the URL path); each candidate scores by where it was found and by the label in front of it (发布时间,
//! 发表于, 日期 beat a bare date; 建立于, 更新时间, 今天是, comment and copyright dates are not candidates at
//! all). The best candidate wins, and a candidate for the same day that gives the time of day lends its
//! precision. Precision is kept: a page that shows a day publishes a day, not midnight.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use super::meta::{self, FoundDate};
use crate::model::{Precision, Published};

/// Base scores by place.
pub mod place {
    /// The profile's own date node.
    pub(crate) const PROFILE: i32 = 100;
    /// The meta line(s) between the title and the body.
    pub(crate) const HEADER: i32 = 90;
    /// A dateline that opens the body (`2022.01.20 16:31 来源：河南日报客户端`).
    pub(crate) const DATELINE: i32 = 88;
    /// JSON-LD `datePublished`.
    pub(crate) const JSON_LD: i32 = 85;
    /// A publication `<meta>` tag (`article:published_time`, `PubDate`, `publishdate`…).
    pub(crate) const META: i32 = 80;
    /// `<time datetime>` marked as the publication time.
    pub(crate) const TIME_PUB: i32 = 80;
    /// A labelled line after the body (`发布日期：…`, `发表于:…`).
    pub(crate) const AFTER_LABELLED: i32 = 75;
    /// A plain `<time datetime>`.
    pub const TIME: i32 = 68;
    /// The e-paper line `《工人日报》（2024年09月27日 02版）`.
    pub(crate) const EPAPER: i32 = 65;
    /// A generic `<meta name=date>` style tag.
    pub(crate) const META_WEAK: i32 = 55;
    /// An element whose class only says "date" (`span.date`, `.entry-meta`).
    pub(crate) const DATE_CLASS: i32 = 50;
    /// A short labelled date line somewhere on the page (`Datum: 03.11.2021`).
    pub(crate) const PAGE_LABELLED: i32 = 45;
    /// A short line after the body holding only a date: weaker than the URL's date, since lists of
    /// related stories after the body are full of such lines.
    pub(crate) const AFTER_BARE: i32 = 28;
    /// The date in the URL path.
    pub const URL: i32 = 30;
}

/// Labels in front of a date that say it is the publication time.
static GOOD_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:发布时间|发布日期|发表时间|发表日期|发表于|发布于|刊发时间|出版日期|时间|日期|发布|发表|于|published|posted|date|on|datum|veröffentlicht(?: am)?|erstellt am|publiziert am|publié le|publicado(?: el)?|stand)\s*[:：-]?\s*$")
        .expect("static regex is valid")
});
/// Words near a date that say it is not the article's: site founding, updates, today's date, comments,
/// copyright lines, an earlier publication elsewhere (`Originally published at … on November 18, 2011`).
static BAD_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)建立于|建站|创建于|成立于|开通于|更新时间|更新于|最后更新|最近更新|修改时间|修改于|今天是|今日是|今天|当前时间|现在时间|现在是|评论|回复|留言|网友|注册时间|加入时间|访问|截止|截至|版权|copyright|©|icp|备案|农历|last (?:updated|modified)|updated|modified|comment|reply|today")
        .expect("static regex is valid")
});
/// How far before a date its label is read (bytes).
const LABEL_WINDOW: usize = 36;

/// The score of the first date in `line` found in a place scoring `base`, or `None` when the line has no
/// date or the date is a site, update, "today" or comment date.
#[must_use]
pub(crate) fn line_candidate(line: &str, base: i32) -> Option<(FoundDate, i32)> {
    // A note that the text appeared elsewhere first (`Originally published at … on November 18, 2011`,
    // `Zuerst erschienen in …`) dates that other publication, not this page.
    static EARLIER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)originally (?:published|posted|appeared)|first (?:published|appeared) (?:at|in|on)|zuerst erschienen|erstmals erschienen")
            .expect("static regex is valid")
    });
    if EARLIER.is_match(line) {
        return None;
    }
    let found = meta::first_date(line)?;
    let before = &line[..found.at];
    let mut from = before.len().saturating_sub(LABEL_WINDOW);
    while !before.is_char_boundary(from) {
        from += 1;
    }
    let window = &before[from..];
    if BAD_CONTEXT.is_match(window) {
        return None;
    }
    // A bad word right after the date (`2024-09-27 更新`) also disqualifies it.
    let after: String = line[found.at..].chars().take(30).collect();
    if BAD_CONTEXT.is_match(&after) && !after.contains("来源") {
        return None;
    }
    let mut score = base;
    if GOOD_LABEL.is_match(window) {
        score += 8;
    }
    if line.contains("来源") || line.contains("來源") {
        score += 4;
    }
    score += match found.precision {
        Precision::Second | Precision::Minute => 3,
        Precision::Day => 0,
        Precision::Month => -10,
    };
    Some((found, score))
}

/// Whether a line after the body carries a publication label (`发布日期：…`, `发表于:…`,
/// `本贴由 X 于2005年8月12日16:12:21发表`, `发布时间 2005/05/17 22:11:42 by …`).
#[must_use]
pub(crate) fn is_labelled_after_line(line: &str) -> bool {
    static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)发布时间|发布日期|发表时间|发表日期|发表于|发布于|于\s*\d{4}.{0,20}发表|^\s*(?:时间|日期)\s*[:：]|posted|published")
            .expect("static regex is valid")
    });
    LABELLED.is_match(line)
}

/// Whether a short line is a labelled publication date (`Datum: 03.11.2021`, `Veröffentlicht am 4. Mai 2022`,
/// `Published on March 3, 2020`, `发布时间：2024-05-13`): a label, then the date, and little else.
#[must_use]
pub(crate) fn is_labelled_date_line(line: &str) -> bool {
    static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*(?:datum|veröffentlicht(?: am)?|erstellt am|publiziert am|publié le|publicado(?: el)?|published(?: on)?|posted(?: on)?|date|发布时间|发布日期|发表时间|发表日期|日期)\s*[:：-]?\s*\S")
            .expect("static regex is valid")
    });
    let l = line.trim();
    l.chars().count() <= 60
        && LABELLED.is_match(l)
        && meta::first_date(l).is_some_and(|f| f.at <= 40)
}

/// Whether a line is only a dateline: a date and time, maybe with 来源 / 作者 / 编辑 / view counts, and
/// nothing that reads as a sentence.
#[must_use]
pub(crate) fn is_dateline(line: &str) -> bool {
    let l = line.trim();
    let n = l.chars().count();
    if n > 80 || l.contains(['。', '！', '？']) {
        return false;
    }
    let Some(found) = meta::first_date(l) else {
        return false;
    };
    // The date comes first (after an optional label).
    let head = &l[..found.at];
    let head_ok = head.chars().count() <= 8
        && (head.trim().is_empty()
            || GOOD_LABEL.is_match(head)
            || head.trim_end().ends_with(['：', ':']));
    if !head_ok {
        return false;
    }
    // The rest holds only labels and short values.
    let rest_len = l.chars().count() - head.chars().count();
    rest_len <= 70 && !l.contains('，')
}

/// Scored date candidates of one page.
#[derive(Debug, Default, Clone)]
pub(crate) struct Candidates {
    list: Vec<(FoundDate, i32)>,
}

impl Candidates {
    /// Adds a candidate with its score.
    pub fn push(&mut self, found: FoundDate, score: i32) {
        self.list.push((found, score));
    }

    /// Adds the first date of `line` found in a place scoring `base` (see [`line_candidate`]).
    pub(crate) fn push_line(&mut self, line: &str, base: i32) -> bool {
        match line_candidate(line, base) {
            Some((f, s)) => {
                self.list.push((f, s));
                true
            }
            None => false,
        }
    }

    /// The publication time and its precision: the best-scoring candidate (earliest added on a tie;
    /// +15 when it agrees with the URL's date), with the time of day taken from another candidate for
    /// the same day when the best gives none. Dates in the future (more than a day ahead) never win.
    #[must_use]
    pub fn pick(&self, url_date: Option<Date>) -> Option<(Published, Precision)> {
        let tomorrow = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(36))
            .ok();
        let mut best: Option<(usize, i32, Published)> = None;
        for (i, (f, s)) in self.list.iter().enumerate() {
            let Some(p) = f.to_published() else { continue };
            if tomorrow.is_some_and(|t| p.instant > t) {
                continue;
            }
            let s = *s + if url_date == Some(f.date) { 15 } else { 0 };
            if best.is_none_or(|(_, b, _)| s > b) {
                best = Some((i, s, p));
            }
        }
        let (i, _, mut published) = best?;
        let (found, _) = self.list[i];
        let mut precision = found.precision;
        if matches!(precision, Precision::Day | Precision::Month) {
            let better = self
                .list
                .iter()
                .filter(|(f, s)| {
                    *s >= place::AFTER_BARE
                        && f.precision > precision
                        && f.precision >= Precision::Minute
                        && local_date(f) == Some(found.date)
                })
                .max_by_key(|(f, s)| (*s, f.precision));
            if let Some((f, _)) = better {
                if let Some(p) = f.to_published() {
                    published = p;
                    precision = f.precision;
                }
            }
        }
        Some((published, precision))
    }
}

/// The calendar date of a candidate in the offset it was written in.
fn local_date(f: &FoundDate) -> Option<Date> {
    Some(f.date)
}

/// `datePublished` values of the page's JSON-LD blocks (first found).
#[must_use]
pub(crate) fn json_ld_published(script_text: &str) -> Option<FoundDate> {
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""(?:datePublished|dateCreated|uploadDate)"\s*:\s*"(?P<v>[^"]{8,40})""#)
            .expect("static regex is valid")
    });
    KEY.captures(script_text)
        .and_then(|c| c.name("v"))
        .and_then(|v| meta::parse_meta_datetime(v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(lines: &[(&str, i32)]) -> Option<String> {
        let mut c = Candidates::default();
        for (l, s) in lines {
            c.push_line(l, *s);
        }
        c.pick(None)
            .map(|(p, pr)| format!("{} {}", p.to_rfc3339(), pr.as_str()))
    }

    #[test]
    fn labels_and_places_decide() {
        assert_eq!(
            pick(&[
                ("建立于:2004年10月6日", place::HEADER),
                ("发布日期：2024-05-13", place::AFTER_LABELLED)
            ])
            .as_deref(),
            Some("2024-05-13T00:00:00+08:00 day")
        );
        assert_eq!(pick(&[("今天是2026年12月3日 星期四", place::HEADER)]), None);
        assert_eq!(
            pick(&[(
                "Originally published at www.example.com on November 18, 2011.",
                place::AFTER_LABELLED
            )]),
            None
        );
        assert_eq!(
            pick(&[("发表于:2005-07-31 12:30", place::AFTER_LABELLED)]).as_deref(),
            Some("2005-07-31T12:30:00+08:00 minute")
        );
        assert_eq!(
            pick(&[(
                "本贴由 老张 于2005年8月12日16:12:21发表",
                place::AFTER_LABELLED
            )])
            .as_deref(),
            Some("2005-08-12T16:12:21+08:00 second")
        );
        assert_eq!(
            pick(&[(
                "发布时间 2005/05/17 22:11:42 by 管理员",
                place::AFTER_LABELLED
            )])
            .as_deref(),
            Some("2005-05-17T22:11:42+08:00 second")
        );
        assert_eq!(
            pick(&[("7/5/2005 9:23:57 PM", place::HEADER)]).as_deref(),
            Some("2005-07-05T21:23:57+08:00 second")
        );
        assert_eq!(
            pick(&[("2003年5月", place::HEADER)]).as_deref(),
            Some("2003-05-01T00:00:00+08:00 month")
        );
    }

    #[test]
    fn a_same_day_candidate_lends_its_time() {
        let mut c = Candidates::default();
        c.push(
            meta::parse_meta_datetime("2024-09-27").unwrap(),
            place::META,
        );
        c.push_line("2024年09月27日11:01 来源：工人日报", place::AFTER_BARE);
        let (p, pr) = c.pick(None).unwrap();
        assert_eq!(p.to_rfc3339(), "2024-09-27T11:01:00+08:00");
        assert_eq!(pr, Precision::Minute);
    }

    #[test]
    fn datelines() {
        assert!(is_dateline("2022.01.20 16:31 来源：河南日报客户端"));
        assert!(is_dateline(
            "发布时间：2024-09-27 10:30 来源：江苏省总工会 浏览次数：128"
        ));
        assert!(!is_dateline(
            "2024年9月24日，江苏省总工会在镇江举办推进会。"
        ));
    }
}
