//! Chinese news metadata patterns: publication dates and times (naive times are Beijing, +08:00),
//! 来源 (source), 作者/记者 (authors), 责编/责任编辑 (editors), and dates embedded in URLs and e-paper
//! lines. Pure functions over text; the article extractor decides where on the page to look.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use super::names::{split_names, NEXT_LABEL};
use crate::model::{Precision, Published};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in metadata regex is valid")
}

static CN_DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号](?:\s*(?P<ap>上午|下午|晚上|凌晨|早上|中午|AM|PM|am|pm)?\s*(?P<H>[01]?\d|2[0-3])\s*[:：时点]\s*(?P<M>[0-5]\d)(?:\s*[:：分]\s*(?P<S>[0-5]\d))?(?:\s*(?P<ap2>AM|PM|am|pm))?)?)?",
    )
});
static NUM_DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?-u:\b)(?P<y>(?:19|20)\d{2})(?:[-/.]|\s+)(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:(?:[ T]|\x{a0}|\x{3000}|&nbsp;)+(?P<H>[01]?\d|2[0-3])[:：](?P<M>[0-5]\d)(?:[:：](?P<S>[0-5]\d)(?:\.\d+)?)?(?:\s*(?P<ap>AM|PM|am|pm))?(?P<z>Z|[+-](?:0\d|1[0-4]):?[0-5]\d)?)?",
    )
});
/// `7/5/2005 9:23:57 PM`: month first (day first only when the first number cannot be a month).
static US_DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?-u:\b)(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})(?:\s+(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?(?:\s*(?P<ap>AM|PM|am|pm))?)?",
    )
});
/// `November 19, 2019`, `Nov. 19 2019, 9:23 pm`, `19 November 2019`, `18. Februar 2020`, `3 mars 2021`,
/// `5 de mayo de 2022`.
static EN_DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?-u:\b)(?:(?P<mon>{MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{{2}})|(?P<d2>\d{{1,2}})(?:st|nd|rd|th|\.|er)?\s+(?:de\s+)?(?P<mon2>{MON})\.?,?\s+(?:de\s+)?(?P<y2>(?:19|20)\d{{2}}))(?-u:\b)(?:,?\s+(?:at\s+|um\s+|à\s+)?(?P<H>[01]?\d|2[0-3])[:h](?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?(?:\s*(?P<ap>[ap]\.?m\.?)(?-u:\b))?)?"
    ))
});
/// The month-name alternatives [`EN_DATETIME`] reads (English, German, French, Spanish, Italian).
const MON: &str = r"jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|f[ée]vr(?:ier)?|m[aä]r(?:ch|z|s)?|apr(?:il)?|avr(?:il)?|ma[iy]|june?|juni|juin|july?|juli|juil(?:let)?|aug(?:ust)?|ao[uû]t|sep(?:t(?:ember|embre)?)?|oct(?:ober|obre)?|okt(?:ober)?|nov(?:ember|embre)?|de[cz](?:ember)?|d[ée]c(?:embre)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre";
/// `18.02.2020 14:30`: day first, with dots (German and much of Europe).
static DMY_DOTS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?-u:\b)(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>(?:19|20)\d{2})(?-u:\b)(?:,?\s+(?:um\s+)?(?P<H>[01]?\d|2[0-3])[:.](?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?)?",
    )
});
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:来\s*源\s*于|来\s*源|稿件来源|信息来源|文章来源|新闻来源|稿\s*源|出\s*处|來\s*源)\s*[:：]\s*(?P<src>[^\s|｜<>（）()【】\[\]]{2,40})|(?:来源于|本文来自|转载自|转自)\s*(?P<src2>[^\s|｜<>（）()【】\[\]，。,]{2,30})",
    )
});
/// What gets glued after an outlet name: a date or time, or an interface word.
static SOURCE_GLUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:\d{4}\s*[-/.年]|\d{1,2}[-/:：]\d{1,2}|参与互动|我要评论|发表评论|评论|字号|打印|分享|收藏|作者|责任编辑|编辑|责编|记者|点击|浏览|阅读|发布|时间|日期|大中小|进入|关闭|【|\[)",
    )
});
static EDITOR_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[（(【\[]\s*(?:责任编辑|责编|编辑|本文编辑|审核|编审)\s*[:：]\s*(?P<e>[^）)】\]\n]{1,60}?)\s*(?:[）)】\]]|$)",
    )
});
static EDITOR_PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:责任编辑|责编|本文编辑|编辑)\s*[:：]?\s*(?P<e>[\p{Han}A-Za-z·、，,\s]{2,60})")
});
static EDITOR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[（(【\[]?\s*(?:责任编辑|责编|本文编辑|编辑|值班编辑|网络编辑|审核|编审|校对|终审|审校)\s*[:：]?\s*[\p{Han}A-Za-z·、，,\s/]{2,40}[）)】\]]?$",
    )
});
static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        /n\d/(?P<y1>\d{4})/(?P<md1>\d{4})/                       # people.cn /n1/2024/0927/
      | /c/(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})/             # workercn /c/2024-09-27/
      | [/_]t(?P<y3>\d{4})(?P<m3>\d{2})(?P<d3>\d{2})_             # TRS t20240927_
      | /art/(?P<y4>\d{4})/(?P<m4>\d{1,2})/(?P<d4>\d{1,2})/       # Hanweb /art/2024/9/27/
      | /(?P<y5>\d{4})/(?P<m5>\d{2})/(?P<d5>\d{2})/               # e-paper and blogs /2024/09/27/
      | /(?P<y6>\d{4})(?P<m6>\d{2})(?P<d6>\d{2})/                 # /20240927/
      | /(?P<y7>\d{4})-(?P<m7>\d{2})-(?P<d7>\d{2})/                 # blogs /2016-04-15/slug
    ")
});
static EPAPER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"《[^》]{1,20}》\s*[（(]\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(?P<p>\d{1,3})?\s*版?\s*[）)]",
    )
});

/// A date and optional time found in text, before it is placed in a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    /// The calendar date.
    pub date: Date,
    /// Hour, minute, second, when the text gave a time.
    pub time: Option<(i8, i8, i8)>,
    /// The offset in seconds, when the text stated one (`Z`, `+08:00`).
    pub offset_seconds: Option<i32>,
    /// Byte position of the match in the searched text.
    pub at: usize,
    /// How much the text gave: month, day, minute or second.
    pub precision: Precision,
}

impl FoundDate {
    /// A date with no time of day, found at byte `at`.
    #[must_use]
    pub fn day(date: Date, at: usize) -> Self {
        Self {
            date,
            time: None,
            offset_seconds: None,
            at,
            precision: Precision::Day,
        }
    }

    /// The instant: the stated offset, else Beijing time; midnight when there was no time.
    #[must_use]
    pub fn to_published(&self) -> Option<Published> {
        let (h, mi, s) = self.time.unwrap_or((0, 0, 0));
        match self.offset_seconds {
            None => Published::beijing(
                self.date.year(),
                self.date.month(),
                self.date.day(),
                h,
                mi,
                s,
            ),
            Some(secs) => {
                let offset = jiff::tz::Offset::from_seconds(secs).ok()?;
                let dt = self
                    .date
                    .to_datetime(jiff::civil::Time::new(h, mi, s, 0).ok()?);
                let instant = offset.to_timestamp(dt).ok()?;
                Some(Published { instant, offset })
            }
        }
    }
}

fn num(c: &regex::Captures<'_>, name: &str) -> Option<i64> {
    c.name(name).and_then(|m| m.as_str().parse().ok())
}

fn make_date(y: i64, m: i64, d: i64) -> Option<Date> {
    let y = i16::try_from(y).ok()?;
    let m = i8::try_from(m).ok()?;
    let d = i8::try_from(d).ok()?;
    Date::new(y, m, d).ok()
}

fn time_of(c: &regex::Captures<'_>) -> Option<(i8, i8, i8)> {
    let mut h = i8::try_from(num(c, "H")?).ok()?;
    let m = i8::try_from(num(c, "M")?).ok()?;
    let s = num(c, "S").and_then(|s| i8::try_from(s).ok()).unwrap_or(0);
    let marker = c
        .name("ap")
        .or_else(|| c.name("ap2"))
        .map(|m| m.as_str().to_ascii_lowercase().replace('.', ""));
    match marker.as_deref() {
        Some("pm" | "下午" | "晚上") if (1..12).contains(&h) => h += 12,
        Some("pm" | "下午" | "晚上" | "am" | "上午" | "凌晨" | "早上") if h > 12 => {
            return None
        }
        Some("am" | "凌晨") if h == 12 => h = 0,
        _ => {}
    }
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

fn precision_of(c: &regex::Captures<'_>, time: Option<(i8, i8, i8)>) -> Precision {
    match time {
        Some(_) if c.name("S").is_some() => Precision::Second,
        Some(_) => Precision::Minute,
        None => Precision::Day,
    }
}

fn month_number(name: &str) -> Option<i64> {
    let n = name
        .to_lowercase()
        .replace(['é', 'è'], "e")
        .replace(['ä'], "a")
        .replace(['û', 'ù'], "u");
    const TABLE: [(&str, i64); 38] = [
        ("janv", 1),
        ("jan", 1),
        ("ene", 1),
        ("gen", 1),
        ("feb", 2),
        ("fev", 2),
        ("mar", 3),
        ("apr", 4),
        ("avr", 4),
        ("abr", 4),
        ("mai", 5),
        ("may", 5),
        ("mag", 5),
        ("juin", 6),
        ("juni", 6),
        ("june", 6),
        ("jun", 6),
        ("giu", 6),
        ("juil", 7),
        ("juli", 7),
        ("july", 7),
        ("jul", 7),
        ("lug", 7),
        ("aug", 8),
        ("aou", 8),
        ("ago", 8),
        ("sep", 9),
        ("set", 9),
        ("oct", 10),
        ("okt", 10),
        ("ott", 10),
        ("nov", 11),
        ("dec", 12),
        ("dez", 12),
        ("dic", 12),
        ("mars", 3),
        ("marz", 3),
        ("maggio", 5),
    ];
    // Longest prefix first where two share a start (`mars` before `mar`, `juin` before `jun`).
    let mut best: Option<(usize, i64)> = None;
    for (p, m) in TABLE {
        if n.starts_with(p) && best.is_none_or(|(l, _)| p.len() > l) {
            best = Some((p.len(), m));
        }
    }
    best.map(|(_, m)| m)
}

fn offset_of(z: &str) -> Option<i32> {
    if z == "Z" {
        return Some(0);
    }
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let digits: String = z.chars().filter(char::is_ascii_digit).collect();
    let h: i32 = digits.get(..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4)?.parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// All dates in `text`, in text order: `YYYY年MM月DD日[HH:mm[:ss]]` (also `HH时MM分`, 上午/下午),
/// `YYYY年M月` (month only), `YYYY-MM-DD[ HH:mm[:ss]][offset]`, `YYYY/MM/DD`, `YYYY.MM.DD`,
/// `M/D/YYYY [h:mm[:ss] AM]` and English month names (`November 19, 2019`, `19 Nov 2019`).
/// Impossible dates are skipped.
#[must_use]
pub(crate) fn find_dates(text: &str) -> Vec<FoundDate> {
    let mut out: Vec<FoundDate> = Vec::new();
    if text.contains('年') {
        for c in CN_DATETIME.captures_iter(text) {
            let (Some(y), Some(m)) = (num(&c, "y"), num(&c, "m")) else {
                continue;
            };
            let at = c.get(0).map_or(0, |m| m.start());
            match num(&c, "d") {
                Some(d) => {
                    if let Some(date) = make_date(y, m, d) {
                        let time = time_of(&c);
                        out.push(FoundDate {
                            date,
                            time,
                            offset_seconds: None,
                            at,
                            precision: precision_of(&c, time),
                        });
                    }
                }
                None => {
                    if let Some(date) = make_date(y, m, 1) {
                        out.push(FoundDate {
                            date,
                            time: None,
                            offset_seconds: None,
                            at,
                            precision: Precision::Month,
                        });
                    }
                }
            }
        }
    }
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return out;
    }
    for c in NUM_DATETIME.captures_iter(text) {
        let (Some(y), Some(m), Some(d)) = (num(&c, "y"), num(&c, "m"), num(&c, "d")) else {
            continue;
        };
        if let Some(date) = make_date(y, m, d) {
            let at = c.get(0).map_or(0, |m| m.start());
            let time = time_of(&c);
            let offset_seconds = if time.is_some() {
                c.name("z").and_then(|z| offset_of(z.as_str()))
            } else {
                None
            };
            out.push(FoundDate {
                date,
                time,
                offset_seconds,
                at,
                precision: precision_of(&c, time),
            });
        }
    }
    if text.contains('/') {
        for c in US_DATETIME.captures_iter(text) {
            let (Some(a), Some(b), Some(y)) = (num(&c, "m"), num(&c, "d"), num(&c, "y")) else {
                continue;
            };
            // Month first with a 12-hour clock (US); day first when the first number cannot be a
            // month; both at most 12 and no clock: ambiguous, so no date at all.
            let us = c.name("ap").is_some();
            let date = if a > 12 {
                make_date(y, b, a)
            } else if b > 12 || us || a == b {
                make_date(y, a, b)
            } else {
                None
            };
            if let Some(date) = date {
                let time = time_of(&c);
                out.push(FoundDate {
                    date,
                    time,
                    offset_seconds: None,
                    at: c.get(0).map_or(0, |m| m.start()),
                    precision: precision_of(&c, time),
                });
            }
        }
    }
    if text.contains('.') {
        for c in DMY_DOTS.captures_iter(text) {
            let (Some(d), Some(m), Some(y)) = (num(&c, "d"), num(&c, "m"), num(&c, "y")) else {
                continue;
            };
            if let Some(date) = make_date(y, m, d) {
                let time = time_of(&c);
                out.push(FoundDate {
                    date,
                    time,
                    offset_seconds: None,
                    at: c.get(0).map_or(0, |m| m.start()),
                    precision: precision_of(&c, time),
                });
            }
        }
    }
    if text.bytes().any(|b| b.is_ascii_alphabetic()) {
        for c in EN_DATETIME.captures_iter(text) {
            let mon = c.name("mon").or_else(|| c.name("mon2"));
            let d = num(&c, "d").or_else(|| num(&c, "d2"));
            let y = num(&c, "y").or_else(|| num(&c, "y2"));
            let (Some(mon), Some(d), Some(y)) = (mon, d, y) else {
                continue;
            };
            if let Some(date) = month_number(mon.as_str()).and_then(|m| make_date(y, m, d)) {
                let time = time_of(&c);
                out.push(FoundDate {
                    date,
                    time,
                    offset_seconds: None,
                    at: c.get(0).map_or(0, |m| m.start()),
                    precision: precision_of(&c, time),
                });
            }
        }
    }
    out.sort_by_key(|f| f.at);
    out
}

/// The first date in `text` (with its time when given).
#[must_use]
pub(crate) fn first_date(text: &str) -> Option<FoundDate> {
    find_dates(text).into_iter().next()
}

/// The first date-time in `text` as an instant (+08:00 unless the text states an offset).
#[must_use]
pub fn parse_datetime(text: &str) -> Option<Published> {
    first_date(text).and_then(|f| f.to_published())
}

/// A `<meta>` date value: RFC 3339 with its own offset first, then the Chinese and numeric forms.
#[must_use]
pub(crate) fn parse_meta_datetime(value: &str) -> Option<FoundDate> {
    let value = value.trim();
    if let Some(p) = Published::parse_rfc3339(value) {
        let dt = p.offset.to_datetime(p.instant);
        let precision = if value.contains('T') || value.contains(' ') {
            Precision::Second
        } else {
            Precision::Day
        };
        return Some(FoundDate {
            date: dt.date(),
            time: (precision == Precision::Second).then(|| (dt.hour(), dt.minute(), dt.second())),
            offset_seconds: Some(p.offset.seconds()),
            at: 0,
            precision,
        });
    }
    // Compact forms some CMSs write: `20240927`, `20240927113000`.
    if value.len() >= 8 && value.bytes().all(|b| b.is_ascii_digit()) && value.len() <= 14 {
        let n = |r: std::ops::Range<usize>| value.get(r).and_then(|s| s.parse::<i64>().ok());
        if let (Some(y), Some(m), Some(d)) = (n(0..4), n(4..6), n(6..8)) {
            if (1900..2100).contains(&y) {
                if let Some(date) = make_date(y, m, d) {
                    return Some(FoundDate::day(date, 0));
                }
            }
        }
    }
    first_date(value)
}

/// The publication date encoded in a news URL path (`/n1/2024/0927/`, `/c/2024-09-27/`, `t20240927_`,
/// `/art/2024/9/27/`, `/2024/09/27/`).
#[must_use]
pub(crate) fn date_from_url(url: &url::Url) -> Option<Date> {
    let path = url.path();
    for c in URL_DATE.captures_iter(path) {
        let get = |n: &str| num(&c, n);
        let date = if let (Some(y), Some(md)) = (get("y1"), c.name("md1")) {
            let md = md.as_str();
            let m = md.get(..2).and_then(|s| s.parse().ok());
            let d = md.get(2..).and_then(|s| s.parse().ok());
            m.zip(d).and_then(|(m, d)| make_date(y, m, d))
        } else {
            let mut found = None;
            for i in 2..=7 {
                if let (Some(y), Some(m), Some(d)) = (
                    get(&format!("y{i}")),
                    get(&format!("m{i}")),
                    get(&format!("d{i}")),
                ) {
                    found = make_date(y, m, d);
                    break;
                }
            }
            found
        };
        if date.is_some() {
            return date;
        }
    }
    None
}

/// The date of an e-paper line such as `《工人日报》（2024年09月27日 02版）`, with the page number.
#[must_use]
pub(crate) fn epaper_line(text: &str) -> Option<(Date, Option<u32>)> {
    if !text.contains('《') {
        return None; // the pattern's first literal: most lines are rejected without running the regex
    }
    let c = EPAPER_LINE.captures(text)?;
    let date = make_date(num(&c, "y")?, num(&c, "m")?, num(&c, "d")?)?;
    let page = c.name("p").and_then(|p| p.as_str().parse().ok());
    Some((date, page))
}

/// Normalises a 来源 value: strips a `来源：` (`来源于`, `稿源`, `出处`) prefix, a ` 原创稿` suffix, and what
/// pages glue after the outlet (a date, `参与互动`, `字号`…). The outlet and channel stay as written
/// (`人民网-文化频道`), and so does `本站原创`. `None` when nothing usable is left.
#[must_use]
pub(crate) fn clean_source(value: &str) -> Option<String> {
    let mut s = value.trim().replace(['\u{a0}', '\u{3000}'], " ");
    loop {
        let before = s.len();
        for prefix in [
            "来源于",
            "来源",
            "來源",
            "稿件来源",
            "文章来源",
            "信息来源",
            "新闻来源",
            "稿源",
            "出处",
        ] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.trim_start_matches([':', '：', ' ']).trim().to_string();
            }
        }
        if s.len() == before {
            break;
        }
    }
    if let Some(m) = SOURCE_GLUE.find(&s) {
        if m.start() > 0 {
            s.truncate(m.start());
        }
    }
    let whole_original = matches!(s.trim(), "本站原创" | "本网原创" | "原创");
    if !whole_original {
        for suffix in [" 原创稿", "原创稿", " 原创"] {
            if let Some(rest) = s.strip_suffix(suffix) {
                s = rest.trim().to_string();
            }
        }
    }
    let s = s.trim_matches(|c: char| c.is_whitespace() || "|｜:：,，。-－—".contains(c));
    let n = s.chars().count();
    let has_text = s.chars().any(char::is_alphabetic);
    (has_text && (2..=40).contains(&n)).then(|| s.to_string())
}

/// The 来源 named in a line of text (`…来源：<outlet>…`, `来源于…`, `稿源：…`, `出处：…`).
#[must_use]
pub fn parse_source(text: &str) -> Option<String> {
    let text = text.replace('\u{a0}', " ");
    let c = SOURCE.captures(&text)?;
    clean_source(c.name("src").or_else(|| c.name("src2"))?.as_str())
}

/// Editors from `(责编：闫涵、张鑫)`, `（责任编辑：…）`, `【编辑：姚昊】` or `责任编辑：李四`.
#[must_use]
pub(crate) fn parse_editors(text: &str) -> Vec<String> {
    let text = text.replace('\u{a0}', " ");
    let not = super::names::NotPersons::default();
    let keep = |names: Vec<String>| -> Vec<String> {
        names
            .into_iter()
            .filter(|n| super::names::is_person_name(n, &not))
            .collect()
    };
    if let Some(c) = EDITOR_PAREN.captures(&text) {
        return keep(split_names(c.name("e").map_or("", |m| m.as_str())));
    }
    if let Some(c) = EDITOR_PLAIN.captures(&text) {
        let span = c.name("e").map_or("", |m| m.as_str());
        let end = NEXT_LABEL.find(span).map_or(span.len(), |n| n.start());
        return keep(split_names(span.get(..end).unwrap_or(span)));
    }
    Vec::new()
}

/// Whether a line is an editor credit (so it can be kept out of the body): `(责编：单芳、陈悦)`,
/// `【编辑：姚昊】`, `责任编辑：李四`, `编辑 王五`, `[责任编辑:赵六]`.
#[must_use]
pub(crate) fn is_editor_line(text: &str) -> bool {
    let t = text.trim();
    t.chars().count() <= 80
        && (EDITOR_PAREN
            .find(t)
            .is_some_and(|m| m.start() == 0 && m.end() == t.len())
            || t.starts_with("责任编辑")
            || t.starts_with("责编")
            || (EDITOR_LINE.is_match(t) && !parse_editors(t).is_empty()))
}

/// The paragraph without an editor credit glued to its end (`…。（责任编辑：王五）`, `…。【编辑：姚昊】`).
#[must_use]
pub(crate) fn strip_trailing_editor(paragraph: &str) -> Option<String> {
    let t = paragraph.trim_end();
    let m = EDITOR_PAREN.find_iter(t).last()?;
    if m.end() != t.len() || m.start() == 0 {
        return None;
    }
    Some(t[..m.start()].trim_end().to_string())
}

static DOMAIN_LIKE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"));

/// `t` split at the first `sep` that separates a site part: a bare `-` or `_` between two ASCII letters or
/// digits joins a word (`night-shift`, `page_2`) and is passed over.
fn split_site<'a>(t: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let joins_words = sep == "-" || sep == "_";
    t.match_indices(sep).find_map(|(i, m)| {
        let (before, after) = (&t[..i], &t[i + m.len()..]);
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if joins_words && word(before.chars().next_back()) && word(after.chars().next()) {
            return None;
        }
        Some((before, after))
    })
}

/// Splits a page `<title>` on the site suffix separators (`--`, `-`, `_`, `|`) and returns the
/// first part when it is substantial (at least 4 characters); else cuts a short site name after the last
/// ` – `, ` — `, ` · ` or ` :: `; else the whole title. A site prefix written as
/// a domain (`example.de // » Title`) gives the part after it.
#[must_use]
pub(crate) fn title_from_head(title: &str) -> String {
    let t = title.trim();
    // A site prefix written as a domain (`mediaarchitecture.de // » Jens Weber`): the part after it.
    for sep in [" // ", " » ", " :: ", " | ", " - ", " – ", " — "] {
        if let Some((first, rest)) = t.split_once(sep) {
            let rest = rest.trim().trim_start_matches(['»', '›', '>', '|']).trim();
            if DOMAIN_LIKE.is_match(first.trim()) && rest.chars().count() >= 4 {
                return rest.to_string();
            }
        }
    }
    for sep in ["--", " - ", "_", "|", "｜", "-"] {
        if let Some((first, _)) = split_site(t, sep) {
            let first = first.trim();
            if first.chars().count() >= 4 {
                return first.to_string();
            }
        }
    }
    // Dashes and dots that also appear inside headlines (`Brexit – what next – The Site`): only the last
    // one is taken as the site's, and only when what follows it is short beside what precedes it.
    for sep in [" – ", " — ", " · ", " :: "] {
        if let Some((first, site)) = t.rsplit_once(sep) {
            let (first, site) = (first.trim(), site.trim());
            let (n_first, n_site) = (first.chars().count(), site.chars().count());
            if n_first >= 4 && n_site <= 40 && n_site < n_first {
                return first.to_string();
            }
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests;
