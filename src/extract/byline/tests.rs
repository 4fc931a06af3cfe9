use super::*;
use crate::extract::names::is_person_name;

fn none() -> NotPersons {
    NotPersons::default()
}

#[test]
fn person_names_pass_and_interface_words_do_not() {
    for ok in [
        "黄洪涛",
        "叶婉",
        "格桑边觉",
        "艾力·买买提",
        "欧阳晓明",
        "Jane Doe",
    ] {
        assert!(is_person_name(ok, &none()), "{ok}");
    }
    for bad in [
        "高清组图",
        "这些",
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
        "人民日报",
        "文化频道",
        "全总办公厅",
        "104665",
        "中国工会新闻",
    ] {
        assert!(!is_person_name(bad, &none()), "{bad}");
    }
    let mut site = NotPersons::default();
    site.add("云南网");
    assert!(!is_person_name("云南", &site));
}

#[test]
fn lead_credits() {
    assert_eq!(
        from_lead("本报讯（记者 叶婉）近日，昆明市……", &none()),
        vec!["叶婉"]
    );
    assert_eq!(
        from_lead("据新华社拉萨电（记者 格桑边觉）西藏自治区……", &none()),
        vec!["格桑边觉"]
    );
    assert_eq!(
        from_lead("本报记者罗科苏盈发自北京 国家统计局……", &none()),
        vec!["罗科", "苏盈"]
    );
    assert_eq!(
        from_lead("新华社北京9月27日电（记者张三、李四）全国总工会……", &none()),
        vec!["张三", "李四"]
    );
    assert_eq!(
        from_lead("本报实习生 王小五 本报记者 赵六 近日，……", &none()),
        vec!["王小五", "赵六"]
    );
    assert!(from_lead("9月24日，江苏省总工会在镇江举办推进会。", &none()).is_empty());
}

#[test]
fn closing_and_labelled_lines() {
    assert_eq!(from_line("（记者 胡晓蓉）", &none()), vec!["胡晓蓉"]);
    assert_eq!(from_line("（张巨峰）", &none()), vec!["张巨峰"]);
    assert_eq!(from_line("(文/图 李明)", &none()), vec!["李明"]);
    assert_eq!(from_line("[ 黄宇 ]", &none()), vec!["黄宇"]);
    assert_eq!(from_line("(Jane Doe)", &none()), vec!["Jane Doe"]);
    assert_eq!(
        from_line("中青报·中青网记者 魏其濛", &none()),
        vec!["魏其濛"]
    );
    assert_eq!(from_line("作者：李华", &none()), vec!["李华"]);
    assert_eq!(from_line("采写：王芳 刘强", &none()), vec!["王芳", "刘强"]);
    assert_eq!(
        from_line("作者: 赵 培 ：北京物资学院", &none()),
        vec!["赵培"]
    );
    assert_eq!(
        from_line("本报记者 王  磊 通讯员 李卓尔", &none()),
        vec!["王磊", "李卓尔"]
    );
    assert_eq!(
        from_line("By Jane Doe and John Smith", &none()),
        vec!["Jane Doe", "John Smith"]
    );
    assert_eq!(
        from_line("By Jane Doe | Nov 19, 2019", &none()),
        vec!["Jane Doe"]
    );
    assert!(!is_person_name("Staff Writer", &none()));
    for not in [
        "（完）",
        "（待续）",
        "【纠错】",
        "[ 图集 ]",
        "（图片来源：网络）",
        "(责编：闫涵)",
        "(Okay)",
        "(Reuters)",
        "(Update)",
    ] {
        assert!(from_line(not, &none()).is_empty(), "{not}");
    }
}

#[test]
fn latin_names_keep_diacritics_and_lose_glued_date_words() {
    use crate::extract::names::split_names;
    assert_eq!(split_names("Carola Pönisch"), vec!["Carola Pönisch"]);
    assert_eq!(split_names("Alex Durán"), vec!["Alex Durán"]);
    assert_eq!(
        split_names("JEFFREY GETTLEMAN JAN."),
        vec!["JEFFREY GETTLEMAN"]
    );
    assert_eq!(split_names("Tomas Spahn Fr"), vec!["Tomas Spahn"]);
    // A month inside a name, or a name that is a month, stays.
    assert_eq!(
        split_names("Laura June Topolsky"),
        vec!["Laura June Topolsky"]
    );
    assert_eq!(split_names("April Roach"), vec!["April Roach"]);
    assert_eq!(split_names("Veröffentlicht von HansG"), vec!["HansG"]);
}

#[test]
fn organisations_and_placeholders_are_not_persons() {
    for bad in [
        "Deutsches Rotes Kreuz",
        "NATURSTROM AG",
        "Perform Media Deutschland GmbH",
        "Bundesverband WindEnergie",
        "Wikimedia Foundation",
        "Betty Crocker Kitchens",
        "Unknown",
        "PhD",
        "NDR",
        "EFE",
        "AgE",
        "Redacción EC",
        "AUTO ZEITUNG",
    ] {
        assert!(!is_person_name(bad, &none()), "{bad}");
    }
    assert!(is_person_name("Jack Ma", &none()));
}

#[test]
fn json_ld_authors_are_persons_only() {
    let graph = r##"{"@context":"https://schema.org","@graph":[{"@type":"BlogPosting","author":{"@id":"#p1"}},{"@type":"Person","@id":"#p1","name":"Helge Fahrnberger"}]}"##;
    assert_eq!(from_json_ld(graph, &none()), vec!["Helge Fahrnberger"]);
    let list = r#"{"@type":"NewsArticle","author":[{"@type":"Person","name":"Sarah Hinger"},{"@type":"Person","name":"Sylvia Torres-Guillén"}]}"#;
    assert_eq!(
        from_json_ld(list, &none()),
        vec!["Sarah Hinger", "Sylvia Torres-Guillén"]
    );
    let org = r#"{"@type":"NewsArticle","author":{"@type":"Organization","name":"Reuters"}}"#;
    assert!(from_json_ld(org, &none()).is_empty());
    let chinese = r#"{"@type":"NewsArticle","author":{"@type":"Person","name":"张三"}}"#;
    assert_eq!(from_json_ld(chinese, &none()), vec!["张三"]);
    assert!(from_json_ld("{not json", &none()).is_empty());
}
