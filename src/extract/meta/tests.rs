use super::*;
use crate::extract::byline::{is_bogus_author, is_byline, parse_authors};

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
        (
            "https://www.blog.example/2016-04-15/was-ist-der-unterschied/",
            "2016-04-15",
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
    // WordPress writes "Post – Site"; only the last dash is the site's.
    assert_eq!(
        title_from_head("Lorem ipsum dolor sit amet – My website"),
        "Lorem ipsum dolor sit amet"
    );
    assert_eq!(
        title_from_head("Brexit – what comes next – The Daily"),
        "Brexit – what comes next"
    );
    assert_eq!(
        title_from_head("standalone WebAssembly binaries · V8"),
        "standalone WebAssembly binaries"
    );
    // A hyphen inside a word is not a separator.
    assert_eq!(
        title_from_head("Night-shift nurses win back pay - Labour News"),
        "Night-shift nurses win back pay"
    );
    assert_eq!(title_from_head("COVID-19 Update"), "COVID-19 Update");
    // A dash whose right side is not a short site name stays.
    assert_eq!(
        title_from_head("Short – a much longer second half of the headline"),
        "Short – a much longer second half of the headline"
    );
}
