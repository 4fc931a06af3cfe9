//! Integration tests: the fields around the body (issue #14) on pages written the way real CMS pages are —
//! bylines in the meta line, the lead, closing lines, labelled lines and byline elements, validated so that
//! no interface word, site or outlet becomes an author; dates as scored candidates with their precision;
//! body ends without editor lines, 公众号 prompts, pagers or widgets; titles compared with `<title>`; sources
//! as written; and plain-text input (the seed).

use unionwire::extract::{self, Profiles};
use unionwire::model::{Article, Flag, Precision};
use url::Url;

use crate::support::{data, fixture_text};

/// Extracts `tests/fixtures/extract/<name>` as if fetched from `u` (no profile unless the URL selects one).
fn extract_at(name: &str, u: &str) -> Article {
    let u = Url::parse(u).unwrap();
    let html = fixture_text(&format!("extract/{name}"));
    let mut a = extract::extract_article(&html, &u, Profiles::builtin().for_url(&u))
        .unwrap()
        .article;
    unionwire::crawl::finish_article(&mut a);
    a
}

fn published(a: &Article) -> (String, Precision) {
    (
        a.published.expect("a date").to_rfc3339(),
        a.published_precision.expect("a precision"),
    )
}

fn body(a: &Article) -> String {
    a.body_text()
}

/// Words that must never be published as an author.
const NOT_AUTHORS: [&str; 16] = [
    "搜索",
    "微信",
    "打印",
    "打印本页",
    "调整字体",
    "字号减小",
    "发表评论",
    "分享到",
    "控制面板",
    "评论管理",
    "专业平台",
    "政策",
    "云南网",
    "www.yunnan.cn",
    "新华网",
    "求是网",
];

fn assert_no_non_person(a: &Article) {
    for w in NOT_AUTHORS {
        assert!(
            !a.authors.iter().any(|x| x == w),
            "{w} as an author: {:?}",
            a.authors
        );
    }
    assert!(
        !a.authors.iter().any(|x| a.editors.contains(x)),
        "an editor as an author"
    );
}

#[test]
fn lead_credit_beats_a_site_name_in_meta_author_and_ui_words() {
    let a = extract_at(
        "lead_reporter.html",
        "https://gh.yunnan.example/2024/0718/12345.html",
    );
    assert_eq!(a.title, "昆明市总工会为户外劳动者送清凉");
    assert_eq!(a.authors, vec!["叶婉"], "本报讯（记者 叶婉）");
    assert_no_non_person(&a);
    assert_eq!(a.source.as_deref(), Some("云南网"));
    assert_eq!(a.editors, vec!["姚昊"], "【编辑：姚昊】 goes to editors");
    assert_eq!(
        published(&a),
        ("2024-07-18T09:12:00+08:00".to_string(), Precision::Minute),
        "the meta line, not the header's 今天是 or the footer's 建立于"
    );
    let b = body(&a);
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[0].starts_with("本报讯（记者 叶婉）7月17日"));
    for leak in ["公众号", "编辑", "下一页", "1234", "热点推荐", "建立于"] {
        assert!(!b.contains(leak), "{leak} leaked into the body: {b}");
    }
}

#[test]
fn closing_credit_labelled_day_date_and_a_short_opening_quote() {
    let a = extract_at(
        "closing_reporter.html",
        "http://www.ghxx.example/gzdt/2024/0926/1001.html",
    );
    assert_eq!(
        a.title, "全省职工职业技能大赛开幕",
        "site suffix left out of the title"
    );
    assert_eq!(a.authors, vec!["胡晓蓉"], "（记者 胡晓蓉） after the body");
    assert_eq!(
        published(&a),
        ("2024-09-26T00:00:00+08:00".to_string(), Precision::Day),
        "发布时间 with a day only is a day, not the header's today or the footer's 更新时间"
    );
    assert_eq!(a.paragraphs.len(), 4, "{:#?}", a.paragraphs);
    assert_eq!(
        a.paragraphs[0], "“技能成就梦想，匠心铸就未来。”",
        "the short opening quote stays"
    );
    assert!(!body(&a).contains("记者"));
}

#[test]
fn a_date_after_the_body_in_a_forum_post_and_site_dates_lose() {
    let a = extract_at(
        "after_body_dates.html",
        "http://bbs.ghxx.example/thread-1234-1-1.html",
    );
    assert_eq!(
        published(&a),
        ("2005-08-12T16:12:21+08:00".to_string(), Precision::Second),
        "本贴由 X 于…发表, not 建立于"
    );
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
    assert!(!body(&a).contains("发表"), "the post line is not body");
}

#[test]
fn a_forum_date_line_under_the_subject_and_reply_dates_lose() {
    let a = extract_at(
        "forum_dates.html",
        "http://bbs.ghxx.example/viewthread.php?tid=88",
    );
    assert_eq!(a.title, "关于职工疗休养的几点建议");
    assert_eq!(
        published(&a),
        ("2005-07-31T12:30:00+08:00".to_string(), Precision::Minute)
    );
    assert!(a.authors.is_empty(), "{:?}", a.authors);
    assert!(!body(&a).contains("支持"));
}

#[test]
fn leading_dateline_is_a_date_and_leaves_the_body_and_widgets_go() {
    let a = extract_at(
        "dateline_first.html",
        "https://www.henan.example/news/2022/01-20/2345.html",
    );
    assert_eq!(
        published(&a),
        ("2022-01-20T16:31:00+08:00".to_string(), Precision::Minute)
    );
    assert_eq!(a.source.as_deref(), Some("河南日报客户端"));
    assert_eq!(a.authors, vec!["李点"], "河南日报客户端记者 李点");
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[0].starts_with("1月20日"));
    for leak in ["2022.01.20", "+1", "图集", "记者"] {
        assert!(!body(&a).contains(leak), "{leak} in {:?}", a.paragraphs);
    }
}

#[test]
fn labelled_author_with_affiliation_source_kept_whole_and_credit_block_dropped() {
    let a = extract_at(
        "labelled_bylines.html",
        "http://www.zgzgzj.example/llyj/202305/t20230516_8812.html",
    );
    assert_eq!(a.title, "新就业形态劳动者权益保障的几点思考");
    assert_eq!(a.authors, vec!["赵培"], "作者: 赵 培 ：北京物资学院");
    assert_no_non_person(&a);
    assert_eq!(
        a.source.as_deref(),
        Some("本站原创"),
        "本站原创 stays whole"
    );
    assert_eq!(
        published(&a),
        ("2023-05-16T08:30:00+08:00".to_string(), Precision::Minute),
        "the day of 发布时间, with the time PubDate gives for that day"
    );
    assert_eq!(a.paragraphs.len(), 4, "{:#?}", a.paragraphs);
    assert_eq!(
        a.paragraphs[0], "编者按：平台经济快速发展，劳动者权益保障面临新课题。",
        "the bold opening sentence stays"
    );
    assert!(!body(&a).contains("原标题"));
}

#[test]
fn author_span_beside_font_buttons_json_ld_date_and_full_width_title_space() {
    let a = extract_at(
        "span_author_baidu.html",
        "https://www.ghxx.example/xwzx/2024-03/05/content_1.htm",
    );
    assert_eq!(
        a.title, "职工书屋建到工地上　送去精神食粮",
        "the full-width space is the page's"
    );
    assert_eq!(a.authors, vec!["黄宇"], "span#author_baidu");
    assert_no_non_person(&a);
    assert_eq!(a.source.as_deref(), Some("某市工会网"), "稿源 is read");
    assert_eq!(a.editors, vec!["吴敏"]);
    assert_eq!(
        published(&a),
        ("2024-03-05T10:20:00+08:00".to_string(), Precision::Second),
        "JSON-LD datePublished"
    );
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
    assert!(!body(&a).contains("纠错"));
}

#[test]
fn people_channel_source_glued_lead_byline_and_editors() {
    let a = extract_at(
        "people_channel_source.html",
        "http://culture.people.com.cn/n1/2024/0513/c1013-40234567.html",
    );
    assert_eq!(a.profile, "people");
    assert_eq!(a.title, "非遗工坊里的“工匠之家”");
    assert_eq!(
        a.source.as_deref(),
        Some("人民网-文化频道"),
        "outlet and channel as written"
    );
    assert_eq!(a.authors, vec!["罗科", "苏盈"], "本报记者罗科苏盈发自北京");
    assert_eq!(a.editors, vec!["单芳", "陈悦"]);
    assert_eq!(
        published(&a),
        ("2024-05-13T08:21:00+08:00".to_string(), Precision::Minute)
    );
    assert!(a.authors.iter().all(|x| x != "104665"));
}

#[test]
fn xinhua_lead_credit_meta_time_and_chuping_block() {
    let a = extract_at(
        "xinhua_lead.html",
        "http://www.xinhuanet.example/local/2024-08/15/c_1130.htm",
    );
    assert_eq!(a.title, "西藏：职工服务驿站覆盖全区县");
    assert_eq!(
        a.authors,
        vec!["格桑边觉"],
        "据新华社拉萨电（记者 格桑边觉）"
    );
    assert_eq!(a.editors, vec!["王小龙"], "【责任编辑：王小龙】");
    assert_eq!(a.source.as_deref(), Some("新华网"));
    let (when, precision) = published(&a);
    assert_eq!(
        when, "2024-08-15T02:02:33+00:00",
        "article:published_time, its own offset"
    );
    assert_eq!(precision, Precision::Second);
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
    for leak in ["出品", "纠错", "责任编辑"] {
        assert!(!body(&a).contains(leak), "{leak}");
    }
}

#[test]
fn outlet_prefixed_closing_byline_and_glued_source() {
    let a = extract_at(
        "closing_credits.html",
        "http://www.qstheory.example/qn/2024-06/02/c_1.htm",
    );
    assert_eq!(a.title, "青年职工的“技能赛场”");
    assert_eq!(a.authors, vec!["魏其濛"], "中青报·中青网记者 魏其濛");
    assert_eq!(
        a.source.as_deref(),
        Some("求是网"),
        "求是网参与互动 → 求是网"
    );
    assert_eq!(
        published(&a),
        ("2024-06-02T17:45:10+08:00".to_string(), Precision::Second)
    );
    assert_eq!(a.paragraphs.len(), 3, "{:#?}", a.paragraphs);
}

#[test]
fn spam_title_prefix_is_removed_and_flagged() {
    let a = extract_at(
        "spam_prefix_title.html",
        "http://mirror.example/n1/2024/0927/c67502-40320000.html",
    );
    assert_eq!(a.title, "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动");
    assert!(a.has_flag(Flag::SpamTitlePrefix), "{:?}", a.flags);
    // A newsroom tag is not spam.
    let html = fixture_text("extract/spam_prefix_title.html").replace("[某某化妆品]", "【独家】");
    let u = Url::parse("http://www.ghxx.example/a/1.html").unwrap();
    let b = extract::extract_article(&html, &u, None).unwrap().article;
    assert!(!b.has_flag(Flag::SpamTitlePrefix));
    assert!(b.title.starts_with("【独家】"), "{}", b.title);
}

/// Bylines in the shapes of issue #14, one page each: each page's byline line sits under the title.
#[test]
fn every_byline_shape_under_the_title() {
    let cases: [(&str, &[&str]); 10] = [
        ("本报记者  王  磊  李卓尔", &["王磊", "李卓尔"]),
        ("本报记者 耿磊 通讯员 李卓尔", &["耿磊", "李卓尔"]),
        ("本报特约记者 张一鸣", &["张一鸣"]),
        ("本报实习生 刘畅 本报记者 赵六", &["刘畅", "赵六"]),
        ("采写：王芳 刘强", &["王芳", "刘强"]),
        ("作者：李华、陈明", &["李华", "陈明"]),
        ("文/图 孙悦", &["孙悦"]),
        ("[ 黄宇 ]", &["黄宇"]),
        ("记者 胡晓蓉 摄影 唐光明", &["胡晓蓉", "唐光明"]),
        ("打印 | 关闭 | 搜索 | 微信", &[]),
    ];
    for (line, want) in cases {
        let html = format!(
            "<html><head><title>职工之家建设取得新进展_工会新闻_某市总工会</title></head><body>\
             <div class=\"art\"><h1>职工之家建设取得新进展</h1><div class=\"info\">{line}</div>\
             <div class=\"txt\"><p>近日，市总工会对全市职工之家建设情况进行了检查，各单位普遍建立了职工活动室、阅览室和健身房。</p>\
             <p>检查组要求，要进一步完善职工之家的服务功能，让职工群众在工会组织中感受到家的温暖。</p></div></div></body></html>"
        );
        let u = Url::parse("http://www.ghxx.example/ghxw/2024/1.html").unwrap();
        let a = extract::extract_article(&html, &u, None).unwrap().article;
        assert_eq!(a.authors, want.to_vec(), "{line}");
        assert_eq!(a.paragraphs.len(), 2, "{line}: {:?}", a.paragraphs);
    }
}

/// Dates in the formats and places of issue #14.
#[test]
fn every_date_shape() {
    let cases: [(&str, &str, Precision); 7] = [
        (
            "发布时间：2024年09月27日 11:01",
            "2024-09-27T11:01:00+08:00",
            Precision::Minute,
        ),
        (
            "日期：2003年5月",
            "2003-05-01T00:00:00+08:00",
            Precision::Month,
        ),
        (
            "7/5/2005 9:23:57 PM",
            "2005-07-05T21:23:57+08:00",
            Precision::Second,
        ),
        (
            "发布时间 2005/05/17 22:11:42 by admin",
            "2005-05-17T22:11:42+08:00",
            Precision::Second,
        ),
        (
            "2024-09-27 来源：工人日报",
            "2024-09-27T00:00:00+08:00",
            Precision::Day,
        ),
        (
            "2024年09月27日 下午3:05",
            "2024-09-27T15:05:00+08:00",
            Precision::Minute,
        ),
        (
            "Published November 19, 2019 9:05 am",
            "2019-11-19T09:05:00+08:00",
            Precision::Minute,
        ),
    ];
    for (line, want, precision) in cases {
        let html = format!(
            "<html><head><title>关于做好职工疗休养工作的通知</title></head><body>\
             <div class=\"top\">今天是2026年12月1日</div>\
             <div class=\"art\"><h1>关于做好职工疗休养工作的通知</h1><div class=\"info\">{line}</div>\
             <div class=\"txt\"><p>各基层工会：为进一步做好职工疗休养工作，切实保障职工休息休养权利，现将有关事项通知如下。</p>\
             <p>各单位要高度重视，精心组织，确保疗休养工作安全有序开展，并于月底前报送工作总结。</p></div></div>\
             <div class=\"foot\">更新时间：2026年11月30日</div></body></html>"
        );
        let u = Url::parse("http://www.ghxx.example/tzgg/1.html").unwrap();
        let a = extract::extract_article(&html, &u, None).unwrap().article;
        assert_eq!(
            a.published.map(|p| p.to_rfc3339()).as_deref(),
            Some(want),
            "{line}"
        );
        assert_eq!(a.published_precision, Some(precision), "{line}");
    }
}

/// `<meta>` tags and `<time datetime>` when the page shows no date.
#[test]
fn dates_only_in_meta_tags_or_time_elements() {
    let cases: [(&str, &str, Precision); 7] = [
        (
            r#"<meta name="cXenseParse:recs:publishtime" content="2024-09-27T11:10:00-03:00">"#,
            "2024-09-27T11:10:00-03:00",
            Precision::Second,
        ),
        (
            r#"<meta name="dcterms.date" content="2024-09-27T13:21:30+01:00">"#,
            "2024-09-27T13:21:30+01:00",
            Precision::Second,
        ),
        (
            r#"<meta name="firstpublishedtime" content="2024-09-27 10:00:00">"#,
            "2024-09-27T10:00:00+08:00",
            Precision::Second,
        ),
        (
            r#"<meta name="publishdate" content="2024-09-27">"#,
            "2024-09-27T00:00:00+08:00",
            Precision::Day,
        ),
        (
            r#"<meta property="article:published_time" content="2024-09-27T11:01:00+08:00">"#,
            "2024-09-27T11:01:00+08:00",
            Precision::Second,
        ),
        (
            r#"<meta name="PubDate" content="2024-09-27 10:30">"#,
            "2024-09-27T10:30:00+08:00",
            Precision::Minute,
        ),
        (
            r#"<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-09-27T09:00:00+08:00"}</script>"#,
            "2024-09-27T09:00:00+08:00",
            Precision::Second,
        ),
    ];
    for (tag, want, precision) in cases {
        let html = format!(
            "<html><head><title>市总工会开展劳模宣讲</title>{tag}</head><body><div class=\"art\"><h1>市总工会开展劳模宣讲</h1>\
             <div class=\"txt\"><p>近日，市总工会组织劳模工匠宣讲团走进企业、车间、班组，讲述奋斗故事，弘扬劳模精神。</p>\
             <p>宣讲团成员结合自身经历，分享了立足岗位、钻研技术、创新创造的心得体会，现场气氛热烈。</p></div></div></body></html>"
        );
        let u = Url::parse("http://www.ghxx.example/a/1.html").unwrap();
        let a = extract::extract_article(&html, &u, None).unwrap().article;
        assert_eq!(
            a.published.map(|p| p.to_rfc3339()).as_deref(),
            Some(want),
            "{tag}"
        );
        assert_eq!(a.published_precision, Some(precision), "{tag}");
    }
    let html = "<html><head><title>劳模宣讲</title></head><body><article><h1>劳模宣讲</h1>\
        <time datetime=\"2024-09-27T08:00:00+08:00\">9月27日</time>\
        <p>近日，市总工会组织劳模工匠宣讲团走进企业、车间、班组，讲述奋斗故事，弘扬劳模精神。</p></article></body></html>";
    let u = Url::parse("http://www.ghxx.example/a/2.html").unwrap();
    let a = extract::extract_article(html, &u, None).unwrap().article;
    assert_eq!(
        a.published.map(|p| p.to_rfc3339()).as_deref(),
        Some("2024-09-27T08:00:00+08:00")
    );
}

/// Body ends: every kind of furniture at the start and the end is dropped; prose is kept.
#[test]
fn body_end_furniture_is_dropped() {
    let furniture = [
        "【编辑：姚昊】",
        "责任编辑：李四",
        "(责编：单芳、陈悦)",
        "关注公众号：某某工会",
        "扫一扫 关注微信公众号",
        "1234下一页",
        "上一页 1 2 3 下一页",
        "+1",
        "图集",
        "【纠错】",
        "原标题：职工之家建设取得新进展",
        "出品：某某工会融媒体中心",
        "阅读量：1024",
        "文字：张三 摄影：李四 编辑：王五",
        "来源：人民日报",
        "声明：本文版权归原作者所有，如有侵权请联系删除。",
    ];
    for f in furniture {
        let html = format!(
            "<html><head><title>职工之家建设取得新进展</title></head><body><div class=\"art\"><h1>职工之家建设取得新进展</h1>\
             <div class=\"txt\"><p>{f}</p><p>近日，市总工会对全市职工之家建设情况进行了检查，各单位普遍建立了职工活动室、阅览室和健身房。</p>\
             <p>检查组要求，要进一步完善职工之家的服务功能，让职工群众在工会组织中感受到家的温暖。</p><p>{f}</p></div></div></body></html>"
        );
        let u = Url::parse("http://www.ghxx.example/ghxw/2024/1.html").unwrap();
        let a = extract::extract_article(&html, &u, None).unwrap().article;
        assert_eq!(a.paragraphs.len(), 2, "{f}: {:?}", a.paragraphs);
        assert!(a.paragraphs[0].starts_with("近日"), "{f}");
        assert!(a.paragraphs[1].starts_with("检查组"), "{f}");
    }
}

/// Sources in the shapes of issue #14.
#[test]
fn every_source_shape() {
    let cases = [
        ("来源：人民网-文化频道", Some("人民网-文化频道")),
        ("来源：人民日报2024-05-13", Some("人民日报")),
        ("来源：求是网参与互动", Some("求是网")),
        ("来源：本站原创", Some("本站原创")),
        ("来源于：中国职工之家", Some("中国职工之家")),
        ("稿源：工人日报", Some("工人日报")),
        ("出处：光明日报", Some("光明日报")),
    ];
    for (line, want) in cases {
        assert_eq!(extract::meta::parse_source(line).as_deref(), want, "{line}");
    }
}

#[test]
fn seed_text_file_gives_the_article_fields() {
    let text = std::fs::read_to_string(data("seeds/000_72cd3a6619c5879e.txt")).unwrap();
    let u = Url::parse("file:///seeds/000_72cd3a6619c5879e.txt").unwrap();
    let mut a = extract::extract_text(&text, &u).unwrap().article;
    unionwire::crawl::finish_article(&mut a);
    assert_eq!(a.title, "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动");
    assert_eq!(a.authors, vec!["黄洪涛"]);
    assert_eq!(
        published(&a),
        ("2024-09-27T11:01:00+08:00".to_string(), Precision::Minute)
    );
    assert_eq!(a.source.as_deref(), Some("工人日报客户端"));
    assert_eq!(a.editors.first().map(String::as_str), Some("闫涵"));
    // The seed holds seven paragraph lines between the date line and the editor line.
    assert_eq!(a.paragraphs.len(), 7, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[0].starts_with("9月24日,江苏省总工会在镇江举办"));
    let b = body(&a);
    let pinyin = regex::Regex::new(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]").unwrap();
    assert!(!pinyin.is_match(&b), "pinyin left");
    for traditional in ["會", "國", "競賽", "無錫", "來"] {
        assert!(!b.contains(traditional), "Traditional {traditional} left");
    }
    for tail in ["岚皋县", "彩票", "平定县", "责编"] {
        assert!(!b.contains(tail), "{tail} left in the body");
    }
    // Characters the mirror destroyed cannot all be rebuilt: the page says so.
    for f in [Flag::PinyinMirror, Flag::SpamRemoved, Flag::Degraded] {
        assert!(a.has_flag(f), "{f:?} missing in {:?}", a.flags);
    }
    assert_eq!(a.profile, "text");
}

#[test]
fn feed_entries_keep_the_offset_the_feed_wrote_and_only_person_authors() {
    let base = Url::parse("http://www.people.com.cn/rss/politics.xml").unwrap();
    let bytes = std::fs::read(crate::support::fixture("feeds/people_politics.xml")).unwrap();
    let entries = extract::feed::parse_feed(&bytes, &base).unwrap();
    let first = &entries[0];
    assert_eq!(
        first.published.unwrap().to_rfc3339(),
        "2024-09-27T11:01:00+08:00",
        "pubDate +0800 survives feed-rs's UTC"
    );
    let a = extract::feed::entry_article(first);
    assert_eq!(a.published_precision, Some(Precision::Second));
    assert!(
        a.authors.is_empty(),
        "the outlet 人民网 is not an author: {:?}",
        a.authors
    );

    let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Union news</title><id>urn:x</id><updated>2024-09-27T10:00:00-05:00</updated>
<entry><title>Strike ends</title><id>urn:1</id><link href="https://news.example/1"/>
<published>2024-09-27T09:15:00-05:00</published><updated>2024-09-27T10:00:00-05:00</updated>
<author><name>Jane Doe</name></author><summary>The strike ended.</summary></entry></feed>"#;
    let base = Url::parse("https://news.example/feed.atom").unwrap();
    let e = &extract::feed::parse_feed(atom.as_bytes(), &base).unwrap()[0];
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2024-09-27T09:15:00-05:00"
    );
    assert_eq!(extract::feed::entry_article(e).authors, vec!["Jane Doe"]);
}

/// JSON-LD authors: a `Person` named through an `@id` in a Yoast-style `@graph` (with a diacritic in the
/// name) is the author; an `Organization` author, and a `meta author` naming the outlet, never are.
#[test]
fn json_ld_person_authors_and_organisations_refused() {
    let a = extract_at(
        "jsonld_graph_author.html",
        "https://dawo.example/2023/10/30/aschenbroedel/",
    );
    assert_eq!(a.authors, vec!["Carola Pönisch"]);
    assert_eq!(
        a.title,
        "Drei Haselnüsse für Aschenbrödel: Jetzt Tickets sichern für Winterausstellung"
    );

    let a = extract_at(
        "jsonld_organisation_author.html",
        "http://www.news.example/politics/20240513/c_1130.htm",
    );
    assert!(
        a.authors.is_empty(),
        "an organisation as author: {:?}",
        a.authors
    );
    assert_no_non_person(&a);
    assert_eq!(
        published(&a),
        ("2024-05-13T10:20:00+08:00".to_string(), Precision::Second)
    );
}

/// A Latin byline with the date glued on (`By JEFFREY GETTLEMAN JAN. 1, 2016`) gives the name alone.
#[test]
fn latin_byline_with_a_glued_date_gives_the_name_alone() {
    let a = extract_at(
        "byline_date_glued.html",
        "https://ledger.example/business/union-drive-contract.html",
    );
    assert_eq!(a.authors, vec!["JEFFREY GETTLEMAN"]);
    assert_eq!(
        a.title,
        "Union Drive Brings New Contract for Warehouse Workers"
    );
}

/// Dates in elements rather than `<meta>`: a Blogger `abbr.published` (the time in `title`, with its own
/// offset), a `span[itemprop=datePublished]` with a `content` attribute, and a bare `span.date` above the
/// headline of a German club page.
#[test]
fn dates_in_marked_and_date_classed_elements() {
    let a = extract_at(
        "date_elements.html",
        "https://sibenlab.example/p/privacy.html",
    );
    assert_eq!(
        published(&a),
        ("2018-06-05T08:00:00-07:00".to_string(), Precision::Second)
    );
    assert!(a.authors.is_empty(), "`Unknown` is no one: {:?}", a.authors);

    let a = extract_at(
        "date_itemprop_text.html",
        "http://zgh.district.example/gzdt/5521.html",
    );
    assert_eq!(
        published(&a),
        ("2024-07-18T10:20:00+08:00".to_string(), Precision::Second)
    );

    let a = extract_at(
        "date_span_class.html",
        "https://tennis.example/news/jugendturnier",
    );
    assert_eq!(
        published(&a),
        ("2022-02-03T00:00:00+08:00".to_string(), Precision::Day)
    );
}

/// A labelled date line away from the title and the body (`Datum: 19.11.2021` in an author/date block above
/// the headline, the label and the date in separate elements) is the date; the event dates in the sidebar are not.
#[test]
fn a_labelled_date_line_in_a_block_above_the_headline() {
    let a = extract_at(
        "date_labelled_line.html",
        "https://livenet.example/themen/gesellschaft/398805-sprachregeln.html",
    );
    assert_eq!(
        published(&a),
        ("2021-11-19T00:00:00+08:00".to_string(), Precision::Day)
    );
    assert!(
        a.authors.is_empty(),
        "`Redaktion Livenet` is no one: {:?}",
        a.authors
    );
}

/// The headline is not the site's name in a logo `<h1>` (a link to the home page), nor a screen-reader-only
/// `<h1>`; a `<title>` that starts with the site's domain (`example.de // » Name`) gives the part after it.
#[test]
fn site_and_hidden_headings_never_win_the_title() {
    let a = extract_at(
        "title_site_headings.html",
        "http://www.szgh.example/gzdt/content/2024-06/12/content_881.html",
    );
    assert_eq!(a.title, "市总工会举办第三届职工技能大赛");
    assert_eq!(
        published(&a),
        ("2024-06-12T09:30:00+08:00".to_string(), Precision::Minute)
    );

    let a = extract_at(
        "title_domain_prefix.html",
        "http://mediaarchitecture.example/jens-weber/",
    );
    assert_eq!(a.title, "Jens Weber");
}

/// A short `<h1>` that `<title>` does not hold is a column name (`工会动态`), not the headline: the
/// `<title>` wins. A WordPress-style `Post – Site` title loses the site after its last dash.
#[test]
fn a_column_name_h1_and_a_dashed_site_suffix_are_not_the_title() {
    let a = extract_at(
        "title_column_h1.html",
        "http://www.qzgh.example/gzdt/2024/0718/c1.html",
    );
    assert_eq!(a.title, "区总工会为环卫工人送去夏季慰问品");

    let a = extract_at(
        "title_wordpress_dash.html",
        "http://riverside-labour.example/2024/07/back-pay/",
    );
    assert_eq!(a.title, "Union wins back pay for night-shift nurses");
}
