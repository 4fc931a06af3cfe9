//! Chinese news metadata patterns: publication dates and times (naive times are Beijing, +08:00),
//! 来源 (source), 作者/记者 (authors), 责编/责任编辑 (editors), and dates embedded in URLs and e-paper
//! lines. Pure functions over text; the article extractor decides where on the page to look.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

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
static AUTHOR_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:作者|记者|撰文|文\s*/|通讯员)\s*[:：/]?\s*(?P<a>[^|｜:：()（）]{2,60})")
});
static ROLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:本报|本刊|本台|本网|本站|新华社|中新社)?(?:特约|见习|实习|特派|首席|主任)?(?:记者|通讯员|实习生|摄影记者|摄影|摄像|撰稿|撰文|采写|作者)\s*[:：/／|｜]?\s*|(?:文\s*[/／|｜]\s*图|图\s*[/／|｜]\s*文|文字|文|图|摄)(?:\s*[:：/／|｜]\s*|\s+))",
    )
});
/// A label in front of a Latin-script byline: `By`, `Par`, `Por`, `Von`, `Door`, `Author:`.
static LATIN_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:(?i:by|par|por|von|door)\s+|(?i:author|autor|text|texte)\s*:\s*)"));
/// Credits after a name: `张三 摄`, `李四 报道`, `王五/文`.
static TRAILING_ROLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\s+(?:摄|报道|整理|编译|供图|文|图)|\s*[/／](?:文|图|摄))$"));
static NEXT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:来\s*源|来源|稿源|出处|责任编辑|责编|编辑|发布|时间|日期|浏览|点击|阅读|字号|更新|【|\d{4}[-年/.])",
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
    ")
});
static EPAPER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"《[^》]{1,20}》\s*[（(]\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(?P<p>\d{1,3})?\s*版?\s*[）)]",
    )
});
static HAN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:\p{Han}{2,5}|\p{Han}{1,4}·\p{Han}{1,8}|[A-Za-z][A-Za-z .'-]{1,30})$")
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
pub fn find_dates(text: &str) -> Vec<FoundDate> {
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
pub fn first_date(text: &str) -> Option<FoundDate> {
    find_dates(text).into_iter().next()
}

/// The first date-time in `text` as an instant (+08:00 unless the text states an offset).
#[must_use]
pub fn parse_datetime(text: &str) -> Option<Published> {
    first_date(text).and_then(|f| f.to_published())
}

/// A `<meta>` date value: RFC 3339 with its own offset first, then the Chinese and numeric forms.
#[must_use]
pub fn parse_meta_datetime(value: &str) -> Option<FoundDate> {
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
pub fn date_from_url(url: &url::Url) -> Option<Date> {
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
            for i in 2..=6 {
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
pub fn epaper_line(text: &str) -> Option<(Date, Option<u32>)> {
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
pub fn clean_source(value: &str) -> Option<String> {
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

/// Splits a list of names on spaces, `、`, `，`, `,` and `/`, re-joining names that were padded
/// with spaces (`王  磊` → `王磊`). Role words (`本报记者`, `通讯员`…) are dropped.
#[must_use]
pub fn split_names(text: &str) -> Vec<String> {
    let text = text.replace(['\u{a0}', '\u{3000}'], " ");
    let mut names = Vec::new();
    for group in text.split(['、', '，', ',', '/', '／', ';', '；', '|', '｜']) {
        let mut rest = TRAILING_ROLE.replace(group.trim(), "").trim().to_string();
        loop {
            let stripped = ROLE_WORDS.replace(&rest, "").to_string();
            if stripped == rest {
                break;
            }
            rest = stripped;
        }
        if !rest.chars().any(is_han) {
            // A Latin name keeps its spaces (`Jane Doe`); a leading `By` is a label.
            let t = rest.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut t = LATIN_LABEL.replace(&t, "").to_string();
            // A full stop after a word (not an initial) ends a sentence, not a name.
            if t.ends_with('.')
                && t.split(' ')
                    .next_back()
                    .is_some_and(|w| w.chars().count() > 2)
            {
                t.pop();
            }
            if !t.is_empty() {
                names.push(t);
            }
            continue;
        }
        let tokens: Vec<&str> = rest.split_whitespace().collect();
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            if t.chars().count() == 1 && t.chars().all(is_han) {
                let mut run = vec![t];
                while i + run.len() < tokens.len() {
                    let next = tokens[i + run.len()];
                    if next.chars().count() == 1 && next.chars().all(is_han) {
                        run.push(next);
                    } else {
                        break;
                    }
                }
                i += run.len();
                if run.len() % 2 == 0 && run.len() > 2 {
                    for pair in run.chunks(2) {
                        names.push(pair.concat());
                    }
                } else {
                    names.push(run.concat());
                }
            } else {
                let t = ROLE_WORDS.replace(t, "").to_string();
                if !t.is_empty() {
                    names.push(t);
                }
                i += 1;
            }
        }
    }
    names.retain(|n| HAN_NAME.is_match(n) && !is_role_or_label(n));
    let mut seen = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

fn is_role_or_label(n: &str) -> bool {
    const WORDS: [&str; 14] = [
        "本报记者",
        "记者",
        "通讯员",
        "作者",
        "来源",
        "责编",
        "编辑",
        "责任编辑",
        "摄影",
        "本报",
        "实习生",
        "新华社",
        "日电",
        "字号",
    ];
    WORDS.contains(&n)
}

/// Authors named in a byline: `本报记者  王  磊  李卓尔`, `作者：本报记者 张三`, `黄洪涛`. Every name is
/// validated as a person's (see [`super::byline::is_person_name`]); a purely numeric value (people.cn's staff
/// id in `meta author`) yields nothing.
#[must_use]
pub fn parse_authors(text: &str) -> Vec<String> {
    parse_authors_not(text, &super::byline::NotPersons::default())
}

/// [`parse_authors`], also refusing the page's own site and outlet names.
#[must_use]
pub fn parse_authors_not(text: &str, not: &super::byline::NotPersons) -> Vec<String> {
    let text = text.trim();
    if text.is_empty()
        || text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace())
    {
        return Vec::new();
    }
    let found = super::byline::from_line(text, not);
    if !found.is_empty() {
        return found;
    }
    // A labelled byline inside a longer info line: take the span after the label, up to the next label.
    if let Some(c) = AUTHOR_LABEL.captures(text) {
        if let Some(m) = c.name("a") {
            let span = &text[m.start()..];
            let end = NEXT_LABEL.find(span).map_or(span.len(), |n| n.start());
            let names = super::byline::validated_names(span.get(..end).unwrap_or(span), true, not);
            if !names.is_empty() {
                return names;
            }
        }
    }
    let found = super::byline::from_labelled(text, not);
    if !found.is_empty() {
        return found;
    }
    let end = NEXT_LABEL.find(text).map_or(text.len(), |n| n.start());
    super::byline::validated_names(text.get(..end).unwrap_or(text), true, not)
}

/// Whether a line is only a byline (`本报记者 赵六`, `通讯员 李卓尔`, `（记者 胡晓蓉）`), so it can be kept
/// out of the body.
#[must_use]
pub fn is_byline(line: &str) -> bool {
    let l = line.trim();
    let labelled_role = l.chars().count() <= 30
        && !l.contains(['，', '。', ',', '；'])
        && ROLE_WORDS
            .find(l)
            .is_some_and(|m| m.as_str().trim().chars().count() >= 2)
        && !split_names(l).is_empty();
    labelled_role || super::byline::is_byline_line(l, &super::byline::NotPersons::default())
}

/// Whether a `meta author` value is a placeholder rather than a name (all digits, an e-mail, too short or long).
#[must_use]
pub fn is_bogus_author(value: &str) -> bool {
    let v = value.trim();
    let n = v.chars().count();
    !(2..=30).contains(&n) || v.chars().all(|c| c.is_ascii_digit()) || v.contains('@')
}

/// Editors from `(责编：闫涵、张鑫)`, `（责任编辑：…）`, `【编辑：姚昊】` or `责任编辑：李四`.
#[must_use]
pub fn parse_editors(text: &str) -> Vec<String> {
    let text = text.replace('\u{a0}', " ");
    let not = super::byline::NotPersons::default();
    let keep = |names: Vec<String>| -> Vec<String> {
        names
            .into_iter()
            .filter(|n| super::byline::is_person_name(n, &not))
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
pub fn is_editor_line(text: &str) -> bool {
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
pub fn strip_trailing_editor(paragraph: &str) -> Option<String> {
    let t = paragraph.trim_end();
    let m = EDITOR_PAREN.find_iter(t).last()?;
    if m.end() != t.len() || m.start() == 0 {
        return None;
    }
    Some(t[..m.start()].trim_end().to_string())
}

/// Splits a page `<title>` on the site suffix separators (`--`, `-`, `_`, `|`) and returns the
/// first part when it is substantial (at least 4 characters), else the whole title.
#[must_use]
pub fn title_from_head(title: &str) -> String {
    let t = title.trim();
    for sep in ["--", " - ", "_", "|", "｜", "-"] {
        if let Some((first, _)) = t.split_once(sep) {
            let first = first.trim();
            if first.chars().count() >= 4 {
                return first.to_string();
            }
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(s: &str) -> String {
        parse_datetime(s)
            .map(|p| p.to_rfc3339())
            .unwrap_or_default()
    }

    #[test]
    fn chinese_date_time_forms_are_beijing_time() {
        assert_eq!(
            rfc("2024年09月27日11:01  来源：工人日报"),
            "2024-09-27T11:01:00+08:00"
        );
        assert_eq!(rfc("2024年9月27日 11:01:05"), "2024-09-27T11:01:05+08:00");
        assert_eq!(rfc("2024年09月27日 11时01分"), "2024-09-27T11:01:00+08:00");
        assert_eq!(rfc("发布时间：2024年09月27日"), "2024-09-27T00:00:00+08:00");
    }

    #[test]
    fn numeric_forms_and_stated_offsets() {
        assert_eq!(rfc("2024-09-27 07:30:01 来源"), "2024-09-27T07:30:01+08:00");
        assert_eq!(rfc("2024/09/27"), "2024-09-27T00:00:00+08:00");
        assert_eq!(rfc("2024-09-27 10:30"), "2024-09-27T10:30:00+08:00");
        let m = parse_meta_datetime("2024-09-27T03:01:00+00:00").and_then(|f| f.to_published());
        assert_eq!(
            m.map(|p| p.to_rfc3339()).unwrap_or_default(),
            "2024-09-27T03:01:00+00:00"
        );
    }

    #[test]
    fn impossible_dates_are_skipped() {
        assert_eq!(
            rfc("2024年13月40日 and later 2024-02-03"),
            "2024-02-03T00:00:00+08:00"
        );
        assert!(parse_datetime("no date here 12:30").is_none());
    }

    #[test]
    fn european_and_month_name_dates() {
        assert_eq!(rfc("18.02.2020 14:30"), "2020-02-18T14:30:00+08:00");
        assert_eq!(
            rfc("Veröffentlicht am 18. Februar 2020"),
            "2020-02-18T00:00:00+08:00"
        );
        assert_eq!(rfc("le 3 mars 2021"), "2021-03-03T00:00:00+08:00");
        assert_eq!(rfc("5 de mayo de 2022"), "2022-05-05T00:00:00+08:00");
        assert_eq!(rfc("November 19, 2019"), "2019-11-19T00:00:00+08:00");
        assert_eq!(rfc("13/05/2022"), "2022-05-13T00:00:00+08:00");
        assert!(
            parse_datetime("07/05/2022").is_none(),
            "ambiguous day and month"
        );
        assert_eq!(rfc("7/5/2005 9:23:57 PM"), "2005-07-05T21:23:57+08:00");
    }

    #[test]
    fn dates_in_urls() {
        let cases = [
            (
                "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html",
                "2024-09-27",
            ),
            (
                "https://www.workercn.cn/c/2024-09-27/8300000.shtml",
                "2024-09-27",
            ),
            (
                "https://www.acftu.org/xwdt/ghyw/202409/t20240927_999999.html",
                "2024-09-27",
            ),
            (
                "https://www.jsgh.org/art/2024/9/7/art_3577_123456.html",
                "2024-09-07",
            ),
            (
                "https://www.workercn.cn/papers/grrb/2024/09/27/2/news-3.html",
                "2024-09-27",
            ),
        ];
        for (u, d) in cases {
            let url = url::Url::parse(u).unwrap();
            assert_eq!(
                date_from_url(&url).map(|d| d.to_string()).as_deref(),
                Some(d),
                "{u}"
            );
        }
    }

    #[test]
    fn epaper_line_gives_date_and_page() {
        let (d, p) = epaper_line("《工人日报》（2024年09月27日 02版）").unwrap();
        assert_eq!(d.to_string(), "2024-09-27");
        assert_eq!(p, Some(2));
    }

    #[test]
    fn sources_are_cleaned() {
        assert_eq!(
            clean_source("来源：工人日报客户端").as_deref(),
            Some("工人日报客户端")
        );
        assert_eq!(
            clean_source("来源：人民网 原创稿").as_deref(),
            Some("人民网")
        );
        assert_eq!(
            clean_source("人民网-文化频道").as_deref(),
            Some("人民网-文化频道")
        );
        assert_eq!(
            clean_source("人民日报2024-05-13").as_deref(),
            Some("人民日报")
        );
        assert_eq!(clean_source("求是网参与互动").as_deref(), Some("求是网"));
        assert_eq!(clean_source("本站原创").as_deref(), Some("本站原创"));
        assert_eq!(
            parse_source("来源于：中国职工之家").as_deref(),
            Some("中国职工之家")
        );
        assert_eq!(parse_source("稿源：新华网").as_deref(), Some("新华网"));
        assert_eq!(parse_source("出处：光明日报").as_deref(), Some("光明日报"));
        assert_eq!(
            parse_source("2024年09月27日11:01 | 来源：工人日报客户端").as_deref(),
            Some("工人日报客户端")
        );
        assert_eq!(
            parse_source("2024年09月27日11:01\u{a0}\u{a0}来源：人民网-人民日报").as_deref(),
            Some("人民网-人民日报")
        );
    }

    #[test]
    fn authors_padding_and_roles() {
        assert_eq!(
            parse_authors("本报记者  王  磊  李卓尔"),
            vec!["王磊", "李卓尔"]
        );
        assert_eq!(parse_authors("黄洪涛"), vec!["黄洪涛"]);
        assert_eq!(
            parse_authors("2024-09-27 07:30:01 来源：工人日报 作者：本报记者 张三"),
            vec!["张三"]
        );
        assert_eq!(
            parse_authors("本报记者 耿磊、通讯员 李卓尔"),
            vec!["耿磊", "李卓尔"]
        );
        assert!(parse_authors("104665").is_empty());
        assert!(is_byline("本报记者 赵六"));
        assert!(!is_byline("记者从全国总工会获悉，改革持续深化。"));
        assert!(is_bogus_author("104665"));
        assert!(!is_bogus_author("黄洪涛"));
    }

    #[test]
    fn editors_in_either_paren_style() {
        assert_eq!(parse_editors("(责编：闫涵、张鑫)"), vec!["闫涵", "张鑫"]);
        assert_eq!(parse_editors("（责编：闫涵、张鑫）"), vec!["闫涵", "张鑫"]);
        assert_eq!(parse_editors("（责任编辑：袁勃）"), vec!["袁勃"]);
        assert_eq!(parse_editors("责任编辑：李四"), vec!["李四"]);
        assert!(is_editor_line("(责编：单芳、陈悦)"));
        assert!(!is_editor_line("江苏省总工会在镇江举办推进会。"));
    }

    #[test]
    fn head_titles_lose_their_site_suffix() {
        assert_eq!(
            title_from_head("某某工会开展职工技能比赛--中国工会新闻--人民网"),
            "某某工会开展职工技能比赛"
        );
        assert_eq!(
            title_from_head("职工书屋建到工地上-工人日报-中工网"),
            "职工书屋建到工地上"
        );
        assert_eq!(
            title_from_head("以文化滋养精神家园 --时政--人民网"),
            "以文化滋养精神家园"
        );
    }
}
