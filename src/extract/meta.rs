//! Chinese news metadata patterns: publication dates and times (naive times are Beijing, +08:00),
//! 来源 (source), 作者/记者 (authors), 责编/责任编辑 (editors), and dates embedded in URLs and e-paper
//! lines. Pure functions over text; the article extractor decides where on the page to look.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use crate::model::Published;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in metadata regex is valid")
}

static CN_DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(?:(?P<H>[01]?\d|2[0-3])\s*[:：时]\s*(?P<M>[0-5]\d)(?:\s*[:：分]\s*(?P<S>[0-5]\d))?)?",
    )
});
static NUM_DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:(?:[ T]|\x{a0}|&nbsp;)+(?P<H>[01]?\d|2[0-3])[:：](?P<M>[0-5]\d)(?:[:：](?P<S>[0-5]\d)(?:\.\d+)?)?(?P<z>Z|[+-](?:0\d|1[0-4]):?[0-5]\d)?)?",
    )
});
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:来\s*源|稿件来源|信息来源|文章来源|來\s*源)\s*[:：]\s*(?P<src>[^\s|｜<>（）()]{2,40})")
});
static EDITOR_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"[（(]\s*责(?:任)?编(?:辑)?\s*[:：]\s*(?P<e>[^）)\n]{1,60}?)\s*(?:[）)]|$)")
});
static EDITOR_PLAIN: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<e>[\p{Han}A-Za-z·、，,\s]{2,60})"));
static AUTHOR_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:作者|记者|撰文|文\s*/|通讯员)\s*[:：/]?\s*(?P<a>[^|｜:：()（）]{2,60})")
});
static ROLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:本报特约记者|本报通讯员|本报记者|特约记者|通讯员|实习生|记者|作者|撰文|摄影|文/|文／|图/|文|图)\s*[:：/／]?\s*",
    )
});
static NEXT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:来\s*源|来源|责任编辑|责编|编辑|发布时间|时间|日期|浏览|点击|字号|\d{4}[-年/])")
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
}

impl FoundDate {
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
    let h = i8::try_from(num(c, "H")?).ok()?;
    let m = i8::try_from(num(c, "M")?).ok()?;
    let s = num(c, "S").and_then(|s| i8::try_from(s).ok()).unwrap_or(0);
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
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

/// All dates in `text`, in text order: `YYYY年MM月DD日[HH:mm[:ss]]`, `YYYY年MM月DD日 HH时MM分`,
/// `YYYY-MM-DD[ HH:mm[:ss]][offset]`, `YYYY/MM/DD`, `YYYY.MM.DD`. Impossible dates are skipped.
#[must_use]
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    let mut out = Vec::new();
    for c in CN_DATETIME.captures_iter(text) {
        let (Some(y), Some(m), Some(d)) = (num(&c, "y"), num(&c, "m"), num(&c, "d")) else {
            continue;
        };
        if let Some(date) = make_date(y, m, d) {
            let at = c.get(0).map_or(0, |m| m.start());
            out.push(FoundDate {
                date,
                time: time_of(&c),
                offset_seconds: None,
                at,
            });
        }
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
            });
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
        return Some(FoundDate {
            date: dt.date(),
            time: Some((dt.hour(), dt.minute(), dt.second())),
            offset_seconds: Some(p.offset.seconds()),
            at: 0,
        });
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

/// Normalises a 来源 value: strips a `来源：` prefix and a ` 原创稿` suffix, and reduces
/// `人民网-人民日报` to `人民日报`. `None` when nothing usable is left.
#[must_use]
pub fn clean_source(value: &str) -> Option<String> {
    let mut s = value.trim().replace('\u{a0}', " ");
    for prefix in [
        "来源：",
        "来源:",
        "來源：",
        "來源:",
        "来源",
        "稿件来源：",
        "文章来源：",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim().to_string();
        }
    }
    for suffix in ["原创稿", "原创"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim().to_string();
        }
    }
    let s = s.trim_matches(|c: char| c.is_whitespace() || "|｜:：,，。".contains(c));
    let s = match s
        .split(['-', '－', '—'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()[..]
    {
        [first, last] if first.ends_with('网') && !last.is_empty() => last.to_string(),
        _ => s.to_string(),
    };
    let n = s.chars().count();
    (2..=40).contains(&n).then_some(s)
}

/// The 来源 named in a line of text (`…来源：<outlet>…`).
#[must_use]
pub fn parse_source(text: &str) -> Option<String> {
    let text = text.replace('\u{a0}', " ");
    let c = SOURCE.captures(&text)?;
    clean_source(c.name("src")?.as_str())
}

/// Splits a list of names on spaces, `、`, `，`, `,` and `/`, re-joining names that were padded
/// with spaces (`王  磊` → `王磊`). Role words (`本报记者`, `通讯员`…) are dropped.
#[must_use]
pub fn split_names(text: &str) -> Vec<String> {
    let text = text.replace(['\u{a0}', '\u{3000}'], " ");
    let mut names = Vec::new();
    for group in text.split(['、', '，', ',', '/', '／', ';', '；', '|', '｜']) {
        let mut rest = group.trim().to_string();
        loop {
            let stripped = ROLE_WORDS.replace(&rest, "").to_string();
            if stripped == rest {
                break;
            }
            rest = stripped;
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

/// Authors named in a byline: `本报记者  王  磊  李卓尔`, `作者：本报记者 张三`, `黄洪涛`.
/// A purely numeric value (people.cn's staff id in `meta author`) yields nothing.
#[must_use]
pub fn parse_authors(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty()
        || text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace())
    {
        return Vec::new();
    }
    // A labelled byline inside a longer info line: take the span after the label, up to the next label.
    if let Some(c) = AUTHOR_LABEL.captures(text) {
        if let Some(m) = c.name("a") {
            let span = &text[m.start()..];
            let end = NEXT_LABEL.find(span).map_or(span.len(), |n| n.start());
            let names = split_names(span.get(..end).unwrap_or(span));
            if !names.is_empty() {
                return names;
            }
        }
    }
    let end = NEXT_LABEL.find(text).map_or(text.len(), |n| n.start());
    split_names(text.get(..end).unwrap_or(text))
}

/// Whether a line is only a byline (`本报记者 赵六`, `通讯员 李卓尔`), so it can be kept out of the body.
#[must_use]
pub fn is_byline(line: &str) -> bool {
    let l = line.trim();
    l.chars().count() <= 30
        && !l.contains(['，', '。', ',', '；'])
        && ROLE_WORDS
            .find(l)
            .is_some_and(|m| m.as_str().chars().count() >= 2)
        && !split_names(l).is_empty()
}

/// Whether a `meta author` value is a placeholder rather than a name (all digits, an e-mail, too short or long).
#[must_use]
pub fn is_bogus_author(value: &str) -> bool {
    let v = value.trim();
    let n = v.chars().count();
    !(2..=30).contains(&n) || v.chars().all(|c| c.is_ascii_digit()) || v.contains('@')
}

/// Editors from `(责编：闫涵、张鑫)`, `（责任编辑：…）` or `责任编辑：李四`.
#[must_use]
pub fn parse_editors(text: &str) -> Vec<String> {
    let text = text.replace('\u{a0}', " ");
    if let Some(c) = EDITOR_PAREN.captures(&text) {
        return split_names(c.name("e").map_or("", |m| m.as_str()));
    }
    if let Some(c) = EDITOR_PLAIN.captures(&text) {
        let span = c.name("e").map_or("", |m| m.as_str());
        let end = NEXT_LABEL.find(span).map_or(span.len(), |n| n.start());
        return split_names(span.get(..end).unwrap_or(span));
    }
    Vec::new()
}

/// Whether a line is an editor credit (so it can be kept out of the body).
#[must_use]
pub fn is_editor_line(text: &str) -> bool {
    let t = text.trim();
    t.chars().count() <= 80
        && (EDITOR_PAREN.is_match(t) || (t.starts_with("责任编辑") || t.starts_with("责编")))
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
        assert_eq!(clean_source("人民网-人民日报").as_deref(), Some("人民日报"));
        assert_eq!(
            clean_source("人民网－人民日报").as_deref(),
            Some("人民日报")
        );
        assert_eq!(
            parse_source("2024年09月27日11:01 | 来源：工人日报客户端").as_deref(),
            Some("工人日报客户端")
        );
        assert_eq!(
            parse_source("2024年09月27日11:01\u{a0}\u{a0}来源：人民网-人民日报").as_deref(),
            Some("人民日报")
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
