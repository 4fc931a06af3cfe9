//! Integration tests: the site profile is chosen from the page — by its URL patterns, else by its page
//! signature (the CMS's meta tags, containers, URL shapes, template comments) — and the output says which
//! profile and why (`profile`, `profile_match`). One fixture per outlet or CMS under `tests/fixtures/<profile>/`,
//! written the way that CMS lays out its article pages.

use std::process::Command;

use unionwire::extract::{self, Profiles};
use unionwire::model::{Article, ProfileMatch};
use url::Url;

use crate::support::{fixture, fixture_text};

/// A URL on a host no profile knows and with no profile's URL shape: only a signature can choose.
const ELSEWHERE: &str = "https://saved.example.org/archive/page.html";

fn extract_at(rel: &str, u: &str) -> Article {
    let u = Url::parse(u).unwrap();
    extract::extract_article(&fixture_text(rel), &u, None)
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .article
}

/// Checks the body: `n` paragraphs, the first starting with `first`, none of the `noise` anywhere.
fn assert_body(a: &Article, n: usize, first: &str, noise: &[&str]) {
    assert_eq!(a.paragraphs.len(), n, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[0].starts_with(first), "{:?}", a.paragraphs[0]);
    let body = a.body_text();
    for x in noise {
        assert!(!body.contains(x), "{x:?} left in the body: {body}");
    }
}

/// The fixture is extracted the same way at its own URL (chosen by URL) and on another host (by signature).
fn both_ways(rel: &str, own_url: &str, profile: &str) -> (Article, Article) {
    let own = extract_at(rel, own_url);
    assert_eq!(own.profile, profile, "{rel} at {own_url}");
    assert_eq!(own.profile_match, ProfileMatch::Url, "{rel} at {own_url}");
    let saved = extract_at(rel, ELSEWHERE);
    assert_eq!(saved.profile, profile, "{rel} saved elsewhere");
    assert_eq!(
        saved.profile_match,
        ProfileMatch::Signature,
        "{rel} saved elsewhere"
    );
    assert_eq!(saved.title, own.title);
    assert_eq!(saved.paragraphs, own.paragraphs);
    assert_eq!(saved.source, own.source);
    assert_eq!(saved.editors, own.editors);
    (own, saved)
}

#[test]
fn xinhua_news_cn_2021_template() {
    let (a, saved) = both_ways(
        "xinhua/article.html",
        "http://www.news.cn/politics/20240927/5b1d0c0e8d8c4b8e9b9f2d6f0a1c3e57/c.html",
        "xinhua",
    );
    assert_eq!(a.title, "全总：今年新发展新就业形态劳动者会员超300万人");
    assert_eq!(a.source.as_deref(), Some("新华网"));
    assert_eq!(a.editors, vec!["王洋"]);
    assert_body(
        &a,
        4,
        "新华社北京9月27日电",
        &[
            "纠错",
            "责任编辑",
            "阅读排行",
            "上一篇",
            "字体",
            "分享到",
            "Copyright",
        ],
    );
    assert!(a.published.unwrap().to_rfc3339().starts_with("2024-09-27"));
    assert_eq!(
        a.native_ids,
        vec![(
            "xinhua".to_string(),
            "5b1d0c0e8d8c4b8e9b9f2d6f0a1c3e57".to_string()
        )]
    );
    assert!(saved.native_ids.is_empty(), "no id without the news.cn URL");
}

#[test]
fn gmw_cn_template_wins_over_the_shared_cms_meta_tags() {
    // gmw.cn carries the same contentid/publishdate/catalogs meta tags as people.cn: its own containers
    // must make it gmw, not people.
    let (a, _) = both_ways(
        "gmw/article.html",
        "https://news.gmw.cn/2024-09/27/content_37600123.htm",
        "gmw",
    );
    assert_eq!(a.title, "职工书屋开进项目工地");
    assert_eq!(a.source.as_deref(), Some("光明日报"));
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T07:45:00+08:00"
    );
    assert_eq!(a.authors, vec!["周立"]);
    assert_eq!(a.editors, vec!["刘晓宁"]);
    assert!(
        !a.authors.contains(&"刘晓宁".to_string()),
        "the editor is not the author"
    );
    assert_body(
        &a,
        4,
        "晚上八点",
        &[
            "责任编辑",
            "版权声明",
            "工会驿站温暖",
            "enpproperty",
            "首页",
        ],
    );
    assert_eq!(
        a.native_ids,
        vec![("contentid".to_string(), "37600123".to_string())]
    );
}

#[test]
fn chinanews_template() {
    let (a, _) = both_ways(
        "chinanews/article.html",
        "https://www.chinanews.com.cn/gn/2024/09-27/10293456.shtml",
        "chinanews",
    );
    assert_eq!(a.title, "浙江表彰一批职工技能竞赛优胜者");
    assert_eq!(a.source.as_deref(), Some("中国新闻网"));
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T16:52:00+08:00"
    );
    assert_eq!(a.editors, vec!["姚昊"]);
    assert_body(
        &a,
        4,
        "中新网杭州9月27日电",
        &["编辑：", "广告", "相关新闻", "分享到", "刊用本网站稿件"],
    );
    assert_eq!(
        a.native_ids,
        vec![("chinanews".to_string(), "10293456".to_string())]
    );
}

#[test]
fn china_com_cn_template() {
    let (a, _) = both_ways(
        "china-com-cn/article.html",
        "http://news.china.com.cn/2024-09/27/content_117452345.shtml",
        "china-com-cn",
    );
    assert_eq!(a.title, "大国工匠论坛举行 劳模工匠代表共话技能成才");
    assert_eq!(a.source.as_deref(), Some("中国网"));
    assert_eq!(a.authors, vec!["孙婉秋"]);
    assert_eq!(a.editors, vec!["郭晓婷"]);
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T14:20:05+08:00"
    );
    assert_body(
        &a,
        3,
        "中国网9月27日讯",
        &["责任编辑", "字号", "打印", "相关新闻", "版权所有"],
    );
}

#[test]
fn southcn_template() {
    let (a, _) = both_ways(
        "southcn/article.html",
        "https://news.southcn.com/node_54a44f01a2/d305b3250e.shtml",
        "southcn",
    );
    assert_eq!(a.title, "广东工会推出十项职工服务举措");
    assert_eq!(a.source.as_deref(), Some("南方日报"));
    assert_eq!(a.authors, vec!["黄叙浩"]);
    assert_eq!(a.editors, vec!["刘稚青"]);
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T09:12:00+08:00"
    );
    assert_body(
        &a,
        3,
        "广东省总工会27日发布",
        &["编辑：", "相关阅读", "分享"],
    );
}

#[test]
fn gov_cn_ucap_template() {
    let (a, _) = both_ways(
        "gov-ucap/article.html",
        "https://www.gov.cn/lianbo/bumen/202409/content_6976543.htm",
        "gov-ucap",
    );
    assert_eq!(a.title, "全国总工会部署加强新就业形态劳动者服务工作");
    assert_eq!(a.source.as_deref(), Some("工人日报"));
    assert_eq!(a.editors, vec!["邱越"]);
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T18:32:00+08:00"
    );
    assert_body(
        &a,
        3,
        "近日，中华全国总工会印发",
        &[
            "纠错",
            "责任编辑",
            "字体",
            "打印",
            "相关稿件",
            "国务院办公厅",
        ],
    );
    assert_eq!(
        a.native_ids,
        vec![("manuscript".to_string(), "6976543".to_string())]
    );
}

#[test]
fn vsb_template() {
    let (a, _) = both_ways(
        "vsb/article.html",
        "https://gh.example.edu.cn/info/1012/12345.htm",
        "vsb",
    );
    assert_eq!(a.title, "学校工会举办教职工趣味运动会");
    assert_eq!(a.authors, vec!["王丽"]);
    assert_eq!(a.source.as_deref(), Some("校工会"));
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T17:05:00+08:00"
    );
    assert_body(
        &a,
        3,
        "9月26日下午",
        &["上一条", "下一条", "点击数", "当前位置", "版权所有"],
    );
}

#[test]
fn hanweb_jcms_template_by_its_content_comments() {
    let (a, _) = both_ways(
        "hanweb/article_jcms.html",
        "https://www.example-gh.org.cn/art/2024/9/27/art_1234_567890.html",
        "hanweb",
    );
    assert_eq!(a.title, "市总工会开展金秋助学活动");
    assert_eq!(a.source.as_deref(), Some("市总工会保障部"));
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T15:08:00+08:00"
    );
    assert_body(
        &a,
        3,
        "9月以来，市总工会开展",
        &["打印本页", "关闭窗口", "大汉"],
    );
}

#[test]
fn people_pages_saved_under_another_domain_keep_the_people_profile() {
    for rel in [
        "people/rm_txt.html",
        "people/text_c.html",
        "people/box01.html",
    ] {
        let own = extract_at(
            rel,
            "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html",
        );
        assert_eq!(
            (own.profile.as_str(), own.profile_match),
            ("people", ProfileMatch::Url)
        );
        let saved = extract_at(rel, ELSEWHERE);
        assert_eq!(saved.profile, "people", "{rel}");
        assert_eq!(saved.profile_match, ProfileMatch::Signature, "{rel}");
        assert_eq!(saved.title, own.title, "{rel}");
        assert_eq!(saved.paragraphs, own.paragraphs, "{rel}");
        // 来源 as the page writes it (outlet and channel kept, issue #14), the same wherever it is saved.
        assert_eq!(saved.source, own.source, "{rel}");
        assert!(
            saved
                .source
                .as_deref()
                .is_some_and(|s| s.ends_with("工人日报客户端")),
            "{rel}: {:?}",
            saved.source
        );
        assert!(
            saved.native_ids.iter().any(|(k, _)| k == "contentid"),
            "{rel}: contentid comes from the meta tag: {:?}",
            saved.native_ids
        );
        assert!(
            !saved.has_flag(unionwire::model::Flag::GenericFallback),
            "{rel}"
        );
    }
}

#[test]
fn people_cms_meta_tags_alone_choose_the_people_profile() {
    // A page whose template no profile knows, but whose head carries the people.cn CMS meta tags.
    let html = "<html><head><meta charset=\"utf-8\"><title>某地工会召开会议--人民网</title>\
        <meta name=\"publishdate\" content=\"2024-09-27\"><meta name=\"contentid\" content=\"40320099\">\
        <meta name=\"catalogs\" content=\"67502\"></head><body><h1>某地工会召开会议</h1>\
        <div class=\"newbody\"><p>9月27日，某地总工会召开全委会议，总结前三季度工作，部署下一阶段重点任务，要求各级工会围绕中心服务大局。</p>\
        <p>会议强调，要持续深化产业工人队伍建设改革，做好困难职工帮扶和新就业形态劳动者服务工作。</p></div></body></html>";
    let a = extract::extract_article(html, &Url::parse(ELSEWHERE).unwrap(), None)
        .unwrap()
        .article;
    assert_eq!(
        (a.profile.as_str(), a.profile_match),
        ("people", ProfileMatch::Signature)
    );
    assert_eq!(a.title, "某地工会召开会议");
    assert_eq!(a.paragraphs.len(), 2, "{:?}", a.paragraphs);
    assert!(a
        .native_ids
        .contains(&("contentid".to_string(), "40320099".to_string())));
    // Without the meta tags the same page is generic.
    let bare = html
        .replace("contentid", "x-id")
        .replace("publishdate", "x-date");
    let g = extract::extract_article(&bare, &Url::parse(ELSEWHERE).unwrap(), None)
        .unwrap()
        .article;
    assert_eq!(
        (g.profile.as_str(), g.profile_match),
        ("generic", ProfileMatch::None)
    );
}

#[test]
fn trs_pages_elsewhere_are_recognised_by_container_meta_and_url_shape() {
    // The acftu.org (TRS) article saved elsewhere: TRS_Editor + ArticleTitle.
    let a = extract_at("acftu/article.html", ELSEWHERE);
    assert_eq!(
        (a.profile.as_str(), a.profile_match),
        ("trs", ProfileMatch::Signature)
    );
    assert_eq!(a.title, "全总召开书记处会议");
    assert_eq!(a.source.as_deref(), Some("全总办公厅"));
    assert_eq!(a.paragraphs.len(), 3);
    // TRS document URLs, also with a page suffix and .htm, on any host, are the trs profile by URL.
    for u in [
        "http://www.example-gh.gov.cn/xwzx/202409/t20240927_4567.htm",
        "https://www.acftu.org/xwdt/ghyw/202409/t20240927_999999_1.html",
        "http://zgh.example.cn/gzdt/202409/t20240927_12.shtml",
    ] {
        let a = extract_at("acftu/article.html", u);
        assert_eq!(
            (a.profile.as_str(), a.profile_match),
            ("trs", ProfileMatch::Url),
            "{u}"
        );
    }
    // The government-site meta tags alone (no known container) choose trs too.
    let html = "<html><head><meta name=\"ArticleTitle\" content=\"区总工会慰问环卫工人\">\
        <meta name=\"PubDate\" content=\"2024-09-27 09:00\"><meta name=\"ContentSource\" content=\"区总工会\">\
        </head><body><div class=\"wz\"><p>9月27日，区总工会走访慰问环卫工人，为他们送去防暑降温用品和慰问金，感谢他们辛勤付出。</p>\
        <p>区总工会负责人表示，将持续关心关爱户外劳动者，建好用好工会驿站。</p></div></body></html>";
    let a = extract::extract_article(html, &Url::parse(ELSEWHERE).unwrap(), None)
        .unwrap()
        .article;
    assert_eq!(
        (a.profile.as_str(), a.profile_match),
        ("trs", ProfileMatch::Signature)
    );
    assert_eq!(a.title, "区总工会慰问环卫工人");
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2024-09-27T09:00:00+08:00"
    );
}

#[test]
fn a_named_profile_is_used_as_named_and_unknown_pages_stay_generic() {
    let u = Url::parse(ELSEWHERE).unwrap();
    let people = Profiles::builtin().by_name("people").unwrap();
    let a = extract::extract_article(&fixture_text("gmw/article.html"), &u, Some(people))
        .unwrap()
        .article;
    assert_eq!(
        (a.profile.as_str(), a.profile_match),
        ("people", ProfileMatch::Named)
    );
    let html = "<html><head><title>Union news</title></head><body><article><h1>Union news</h1>\
        <p>The union held its annual meeting on Friday and elected a new board for the coming two years.</p>\
        <p>Members also voted on a motion about safety at work and on next year's budget.</p></article></body></html>";
    let g = extract::extract_article(html, &u, None).unwrap().article;
    assert_eq!(
        (g.profile.as_str(), g.profile_match),
        ("generic", ProfileMatch::None)
    );
}

#[test]
fn signatures_are_validated_when_a_profile_is_parsed() {
    for (toml, what) in [
        (
            "name = \"x\"\n[[signatures]]\nnote = \"nothing\"\n",
            "at least one condition",
        ),
        (
            "name = \"x\"\n[[signatures]]\nselectors = [\"div[\"]\n",
            "selector",
        ),
        (
            "name = \"x\"\n[[signatures]]\nmeta = { a = '(' }\n",
            "meta regex",
        ),
        ("name = \"x\"\n[[signatures]]\nurl = '['\n", "url regex"),
        ("name = \"x\"\n[[signatures]]\nbogus = 1\n", "bogus"),
    ] {
        let err = unionwire::extract::Profile::from_toml("x.toml", toml)
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.toml") && err.contains(what), "{err}");
    }
    for p in Profiles::parse_builtin().unwrap().names() {
        assert!(Profiles::builtin().by_name(p).is_some());
    }
}

#[test]
fn fetch_json_says_which_profile_and_why() {
    let out = Command::new(env!("CARGO_BIN_EXE_unionwire"))
        .args(["fetch", "--json", "--base-url", ELSEWHERE])
        .arg(fixture("chinanews/article.html"))
        .env_remove("UNIONWIRE_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profile"], "chinanews");
    assert_eq!(v["profile_match"], "signature");
    let out = Command::new(env!("CARGO_BIN_EXE_unionwire"))
        .args([
            "fetch",
            "--json",
            "--profile",
            "gmw",
            "--base-url",
            ELSEWHERE,
        ])
        .arg(fixture("chinanews/article.html"))
        .env_remove("UNIONWIRE_CONFIG")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["profile"].as_str(), v["profile_match"].as_str()),
        (Some("gmw"), Some("named"))
    );
}

#[test]
fn among_matching_signatures_the_profile_that_reads_the_body_wins() {
    // A TRS-built outlet that also carries the people.cn-family meta tags (youth.cn does): the people
    // signature matches on the meta tags alone, but only the TRS profile finds the body container.
    let html = "<html><head><meta charset=\"utf-8\"><title>青年职工技能大赛举行_中国青年网</title>\
        <meta name=\"publishdate\" content=\"2024-09-27\"><meta name=\"contentid\" content=\"9260562\">\
        <meta name=\"catalogs\" content=\"y_112572\"><meta name=\"catalogs\" content=\"112572\"></head><body>\
        <div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/jy/\">教育</a></div><h1>青年职工技能大赛举行</h1>\
        <div class=\"TRS_Editor\"><p>出国前后关注点大不同</p>\
        <p>9月27日，第三届全国青年职工技能大赛在京举行，来自各地的600余名青年职工同台竞技，展示过硬本领。</p>\
        <p>大赛设置了数控车、焊接、电工等8个赛项，获奖选手将按规定获得相应职业技能等级证书。</p></div>\
        <div class=\"footer\">中国青年网 版权所有</div></body></html>";
    let a = extract::extract_article(html, &Url::parse(ELSEWHERE).unwrap(), None)
        .unwrap()
        .article;
    assert_eq!(
        (a.profile.as_str(), a.profile_match),
        ("trs", ProfileMatch::Signature)
    );
    assert_eq!(a.paragraphs.len(), 3, "{:?}", a.paragraphs);
    assert_eq!(
        a.paragraphs[0], "出国前后关注点大不同",
        "the short opening line is body too"
    );
    assert!(!a.has_flag(unionwire::model::Flag::GenericFallback));
}
