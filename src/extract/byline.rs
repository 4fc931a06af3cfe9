//! Bylines as validated candidates: who wrote an article, found in the places Chinese pages put it
//! (the meta line under the title, the lead `本报讯（记者 叶婉）`, a closing `（记者 胡晓蓉）`, a labelled
//! `作者：…` / `采写：…` line, a `[ 黄宇 ]` line, an outlet-prefixed `中青报·中青网记者 魏其濛` line), and
//! the test every candidate must pass before it is published: it looks like a person's name, and it is
//! not the site, the outlet, the column, a place, or an interface word. No author beats a wrong one.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::meta::split_names;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in byline regex is valid")
}

/// Common Chinese surnames (the few hundred that cover nearly everyone), for names that carry no label.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由";

/// Two-character surnames: a four-character name starting with one of these is one person.
const COMPOUND_SURNAMES: [&str; 20] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "西门", "独孤", "南宫", "万俟",
];

static SURNAME_SET: LazyLock<HashSet<char>> = LazyLock::new(|| SURNAMES.chars().collect());

/// Whether `c` is a common surname.
#[must_use]
pub fn is_common_surname(c: char) -> bool {
    SURNAME_SET.contains(&c)
}

/// Exact values that are never a person, whatever they look like.
const NOT_NAMES: &[&str] = &[
    "搜索",
    "微信",
    "微博",
    "打印",
    "打印本页",
    "调整字体",
    "字号",
    "字号减小",
    "字号增大",
    "发表评论",
    "评论",
    "分享",
    "分享到",
    "控制面板",
    "评论管理",
    "专业平台",
    "政策",
    "首页",
    "返回",
    "关闭",
    "关闭窗口",
    "收藏",
    "登录",
    "注册",
    "点击",
    "浏览",
    "阅读",
    "来源",
    "编辑",
    "责编",
    "责任编辑",
    "记者",
    "通讯员",
    "作者",
    "摄影",
    "本报",
    "本刊",
    "本站",
    "本网",
    "本报记者",
    "实习生",
    "新华社",
    "中新社",
    "日电",
    "电",
    "待续",
    "未完",
    "全文完",
    "完",
    "未完待续",
    "供图",
    "资料图",
    "网络",
    "图片",
    "视频",
    "专题",
    "更多",
    "相关",
    "推荐",
    "热门",
    "原标题",
    "出品",
    "策划",
    "监制",
    "统筹",
    "制作",
    "设计",
    "审核",
    "校对",
    "终审",
    "编审",
    "主编",
    "值班",
    "纠错",
    "举报",
    "投稿",
    "下载",
    "客户端",
    "二维码",
    "扫码",
    "公众号",
    "链接",
    "手机",
    "邮箱",
    "电话",
    "地址",
    "版权",
    "所有",
    "转载",
    "原创",
    "独家",
    "快讯",
    "直播",
    "新闻",
    "资讯",
    "要闻",
    "动态",
    "头条",
    "正文",
    "内容",
    "标题",
    "时间",
    "日期",
    "发布",
    "发布时间",
    "更新",
    "上一篇",
    "下一篇",
    "上一页",
    "下一页",
    "大",
    "中",
    "小",
    "大中小",
    "默认",
    "繁体",
    "简体",
    "无障碍",
    "English",
    "Share",
    "Print",
    "Search",
    "Email",
    "Home",
    "Admin",
    "admin",
    "Editor",
    "Staff",
    "News",
    "Comments",
    "Login",
    "Menu",
    "Subscribe",
    "Unknown",
    "Anonymous",
    "By",
    "and",
];

/// Substrings that mark an interface, navigation or organisation phrase.
const NOT_NAME_PARTS: &[&str] = &[
    "搜索",
    "微信",
    "打印",
    "字体",
    "字号",
    "评论",
    "分享",
    "控制",
    "管理",
    "平台",
    "政策",
    "首页",
    "返回",
    "关闭",
    "收藏",
    "登录",
    "注册",
    "点击",
    "浏览",
    "阅读",
    "来源",
    "编辑",
    "责编",
    "记者",
    "通讯员",
    "作者",
    "本报",
    "本站",
    "本网",
    "新闻",
    "频道",
    "专题",
    "视频",
    "图片",
    "客户端",
    "公众号",
    "二维码",
    "链接",
    "下载",
    "网站",
    "版权",
    "纠错",
    "投稿",
    "更多",
    "相关",
    "推荐",
    "热门",
    "发布",
    "日报",
    "晚报",
    "晨报",
    "时报",
    "杂志",
    "工会",
    "委员会",
    "政府",
    "办公",
    "中心",
    "协会",
    "学会",
    "集团",
    "公司",
    "大学",
    "学院",
    "研究",
    "部门",
    "栏目",
    "互动",
    "参与",
    "留言",
    "举报",
    "www",
    "http",
    ".com",
    ".cn",
    ".net",
    ".org",
    "@",
];

/// Endings of outlet, column, organisation and place names (a person's name does not end so).
const NOT_NAME_ENDINGS: &[&str] = &[
    "网", "报", "社", "台", "刊", "站", "频道", "中心", "处", "厅", "局", "部", "委", "办", "院",
    "所", "校", "馆", "司", "厂", "省", "市", "县", "区", "乡", "村", "组", "队", "团", "会", "室",
    "科",
];

/// Characters that (nearly) never occur in a Chinese personal name: function words and the vocabulary of
/// page furniture (`高清组图`, `专题活动`, `这些`).
const NOT_NAME_CHARS: &str = "图组的了是与及等频网报议讯版栏页篇们这些么吗呢吧啊哪谁个将把被让给从对此而或但因所即已再又也都只就还最很太无未没不别要能该须着过去里内场局厅部委办动态活题稿刊载评论请您我你他她它";

/// What a page calls itself (site name, outlet, 来源, column, host): never an author on that page.
#[derive(Debug, Default, Clone)]
pub struct NotPersons {
    names: Vec<String>,
}

impl NotPersons {
    /// Adds a site, outlet or column name (ignored when empty).
    pub fn add(&mut self, name: &str) {
        let n = name.trim();
        if n.chars().count() >= 2 && !self.names.iter().any(|x| x == n) {
            self.names.push(n.to_string());
        }
    }

    /// Whether `name` is one of them, or part of one (a site `云南网` holds `云南`).
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        let lower = name.to_lowercase();
        let han = lower.chars().any(super::generic::is_han);
        self.names.iter().any(|s| {
            let s = s.to_lowercase();
            // Han names may hide in a site name (`云南` in `云南网`); Latin ones are compared whole.
            s == lower
                || (han && lower.chars().count() >= 2 && (s.contains(&lower) || lower.contains(&s)))
        })
    }
}

static LATIN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\p{Lu}[\p{L}'’.-]*(?: (?:\p{Lu}[\p{L}'’.-]*|van|von|de|der|den|da|di|du|la|le|bin|al|el|ter|ten|y))*(?: \p{Lu}[\p{L}'’.-]*)?$",
    )
});
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)[a-z0-9-]+\.[a-z]{2,}"));

fn is_name_char(c: char) -> bool {
    super::generic::is_han(c) || c == '·' || c == '•'
}

/// Whether `name` (one name, trimmed) looks like a person's: two to four Han characters, a transliterated
/// name joined by `·`, or a capitalised Latin name; and not an interface word, an outlet, a column, a
/// place, an organisation or one of `not`.
#[must_use]
pub fn is_person_name(name: &str, not: &NotPersons) -> bool {
    let n = name.trim();
    if n.is_empty() || NOT_NAMES.contains(&n) || not.contains(n) {
        return false;
    }
    let lower = n.to_lowercase();
    if NOT_NAME_PARTS.iter().any(|p| lower.contains(p)) || DOMAIN.is_match(n) {
        return false;
    }
    let chars = n.chars().count();
    if n.chars().all(is_name_char) {
        let han = n.chars().filter(|c| super::generic::is_han(*c)).count();
        let dotted = n.contains(['·', '•']);
        let ok_len = if dotted {
            (3..=16).contains(&chars) && !n.starts_with(['·', '•']) && !n.ends_with(['·', '•'])
        } else {
            (2..=4).contains(&han)
        };
        // Outlet endings reject even a two-character name (`新华社`'s `华社` is no one); the other
        // organisation and place endings only longer ones (`王会` may be a person).
        let min_len = |e: &str| {
            if ["网", "报", "社", "台", "刊", "站"].contains(&e) {
                2
            } else {
                3
            }
        };
        let bad_ending = NOT_NAME_ENDINGS
            .iter()
            .any(|e| n.ends_with(e) && chars >= min_len(e));
        return ok_len
            && !bad_ending
            && !n.chars().any(|c| NOT_NAME_CHARS.contains(c))
            && !crate::clean::is_place_name(n);
    }
    // Latin names: capitalised words, no digits, no job titles or organisation words.
    const NOT_LATIN: [&str; 61] = [
        "staff",
        "writer",
        "reporter",
        "correspondent",
        "contributor",
        "editor",
        "editors",
        "news",
        "press",
        "agency",
        "team",
        "desk",
        "newsroom",
        "published",
        "updated",
        "posted",
        "comments",
        "share",
        "shares",
        "follow",
        "subscribe",
        "associated",
        "by",
        "foto",
        "photo",
        "photos",
        "credits",
        "credit",
        "quelle",
        "source",
        "accueil",
        "home",
        "author",
        "autor",
        "alle",
        "artikel",
        "admin",
        "on",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
        "january",
        "february",
        "september",
        "october",
        "november",
        "december",
        "januar",
        "februar",
        "oktober",
    ];
    let lower_words: Vec<&str> = lower.split([' ', '-', '.']).collect();
    if lower_words.iter().any(|w| NOT_LATIN.contains(w)) {
        return false;
    }
    (3..=40).contains(&chars)
        && n.chars().any(char::is_alphabetic)
        && !n.chars().any(|c| c.is_ascii_digit())
        && LATIN_NAME.is_match(n)
        && n.split(' ').count() <= 5
}

/// A name that stands with no role word in front of it must also start with a common surname (or be a
/// transliterated name), so a bare `（待续）` or `[ 图集 ]` is not taken for a person.
#[must_use]
pub fn is_unlabelled_name(name: &str, not: &NotPersons) -> bool {
    if !is_person_name(name, not) {
        return false;
    }
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if super::generic::is_han(c) => {
            is_common_surname(c)
                || COMPOUND_SURNAMES.iter().any(|s| name.starts_with(s))
                || name.contains('·')
        }
        Some(_) => true,
        None => false,
    }
}

/// Splits a four-character run that is two glued two-character names (`罗科苏盈` → `罗科`, `苏盈`):
/// both halves start with a common surname and the first is not a compound surname.
fn split_glued(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() == 4
        && chars.iter().all(|c| super::generic::is_han(*c))
        && is_common_surname(chars[0])
        && is_common_surname(chars[2])
        && !COMPOUND_SURNAMES.iter().any(|s| name.starts_with(s))
    {
        return vec![chars[..2].iter().collect(), chars[2..].iter().collect()];
    }
    vec![name.to_string()]
}

/// Names in a list after its role words (see [`split_names`]), each validated. `labelled` says a role
/// word or label stood in front, so surnames are not required. Empty when any token is not a person:
/// a list that holds a non-person is not a byline.
#[must_use]
pub fn validated_names(text: &str, labelled: bool, not: &NotPersons) -> Vec<String> {
    let names = split_names(text);
    if names.is_empty() || names.len() > 8 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for n in names {
        let ok = if labelled {
            is_person_name(&n, not)
        } else {
            is_unlabelled_name(&n, not)
        };
        if !ok {
            return Vec::new();
        }
        for part in split_glued(&n) {
            if !out.contains(&part) {
                out.push(part);
            }
        }
    }
    out
}

/// Role words that label a byline (the person follows).
const ROLE: &str = r"(?:本报|本刊|本台|本网|本站)?(?:特约|见习|实习|特派|首席|主任|驻[\p{Han}]{1,4})?(?:记者|通讯员|实习生|摄影记者|摄影|摄像|撰稿|撰文|采写|作者)";

static LEAD_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[^。！？!?（(]{0,40}?(?:讯|电|报道)\s*[（(](?P<inner>[^）)]{2,60})[）)]")
});
static LEAD_GLUED: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:据)?(?P<role>{ROLE})\s*(?P<names>[\p{{Han}}·、\s]{{2,24}}?)\s*(?P<end>发自|报道|[（(]|$|[，,：:]|\d)"
    ))
});
static CLOSING_PAREN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[（(\[【]\s*(?P<inner>[^）)\]】]{2,40}?)\s*[）)\]】]$"));
static TRAILING_PAREN: LazyLock<Regex> =
    LazyLock::new(|| re(r"[。！？!?”」][（(]\s*(?P<inner>[^）)]{2,40}?)\s*[）)]$"));
static ROLE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<outlet>[\p{{Han}}A-Za-z·]{{0,14}}?)(?P<role>{ROLE})\s*[:：]?\s*(?P<names>[^，。！？,!?：:]{{2,40}})$"
    ))
});
static LABEL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:作\s*者|采\s*写|撰\s*文|撰\s*稿|文\s*字|记\s*者|文\s*/\s*图|图\s*/\s*文|文|By|by|BY)\s*[:：/／|｜丨︱]\s*(?P<names>.{2,60})$",
    )
});
static LABEL_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:作\s*者|采\s*写|撰\s*文|撰\s*稿|记\s*者)\s*[:：]\s*(?P<names>[^|｜:：()（）\[\]【】]{2,40})",
    )
});
static ENGLISH_BY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:By|BY|by)\s+(?P<names>\p{Lu}[\p{L}'’.-]+(?:\s+\p{Lu}[\p{L}'’.-]+){0,3}(?:\s*(?:,|and|&)\s*\p{Lu}[\p{L}'’.-]+(?:\s+\p{Lu}[\p{L}'’.-]+){0,3})*)\s*$",
    )
});
/// Where a byline span ends: the next label, a date, a separator.
static SPAN_END: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:来\s*源|稿源|出处|责任编辑|责编|编辑|发布|时间|日期|浏览|点击|阅读|字号|更新|【|\[|[|｜]|\d{4}\s*[-年/.]|[:：]|[（(])",
    )
});
/// Role words in a span (split points between groups of names).
static ROLE_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| re(ROLE));

fn cut_span(span: &str) -> &str {
    let end = SPAN_END.find(span).map_or(span.len(), |m| m.start());
    span.get(..end).unwrap_or(span).trim()
}

/// Names inside a parenthesised credit: `记者 叶婉`, `记者张三 李四 通讯员 王五`, `文/图 张三`, `张巨峰`.
fn names_in_credit(inner: &str, not: &NotPersons) -> Vec<String> {
    let inner = inner.trim();
    let has_role = ROLE_ANYWHERE.is_match(inner)
        || inner.starts_with("文/")
        || inner.starts_with("文／")
        || inner.starts_with("图/")
        || inner.starts_with("文|");
    // Several roles: split before each.
    let mut parts = Vec::new();
    let mut last = 0;
    for m in ROLE_ANYWHERE.find_iter(inner) {
        if m.start() > last {
            parts.push(&inner[last..m.start()]);
        }
        last = m.start();
    }
    parts.push(&inner[last..]);
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim_matches(|c: char| c.is_whitespace() || "，,、".contains(c));
        if p.is_empty() {
            continue;
        }
        let names = validated_names(cut_span_keep_colon(p), has_role, not);
        if names.is_empty() {
            return Vec::new();
        }
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// Like [`cut_span`], but a role's own colon (`记者：张三`) does not end the span.
fn cut_span_keep_colon(span: &str) -> &str {
    let start = ROLE_ANYWHERE
        .find(span)
        .filter(|m| m.start() == 0)
        .map_or(0, |m| m.end());
    let rest = &span[start..];
    let rest_trim = rest.trim_start_matches(|c: char| c.is_whitespace() || "：:/／|".contains(c));
    let skip = rest.len() - rest_trim.len();
    let end = SPAN_END
        .find(rest_trim)
        .map_or(rest_trim.len(), |m| m.start());
    span.get(..start + skip + end).unwrap_or(span).trim()
}

/// Authors credited in an article's first paragraph: `本报讯（记者 叶婉）…`, `据新华社拉萨电（记者 格桑边觉）…`,
/// `新华社北京9月27日电（记者张三、李四）…`, `本报记者罗科苏盈发自北京…`, `本报实习生 王五 …`.
#[must_use]
pub fn from_lead(paragraph: &str, not: &NotPersons) -> Vec<String> {
    let p = paragraph.trim();
    if let Some(c) = LEAD_PAREN.captures(p) {
        let inner = c.name("inner").map_or("", |m| m.as_str());
        if ROLE_ANYWHERE.is_match(inner) {
            return names_in_credit(inner, not);
        }
        return Vec::new();
    }
    if let Some(c) = LEAD_GLUED.captures(p) {
        let names = c.name("names").map_or("", |m| m.as_str()).trim();
        let end = c.name("end").map_or("", |m| m.as_str());
        // `本报记者 赵六 近日，…`: the last word before a comma opens the sentence.
        let names = match names.rfind(char::is_whitespace) {
            Some(cut) if matches!(end, "，" | "," | "：" | ":") => &names[..cut],
            _ => names,
        };
        return validated_names(names, true, not);
    }
    Vec::new()
}

/// Authors credited by a line of their own, before or after the body: `（记者 胡晓蓉）`, `（张巨峰）`,
/// `(文/图 张三)`, `[ 黄宇 ]`, `中青报·中青网记者 魏其濛`, `本报记者 王磊 李卓尔`, `作者：赵 培 ：北京物资学院`,
/// `采写：…`, `文/张三`, `By Jane Doe`.
#[must_use]
pub fn from_line(line: &str, not: &NotPersons) -> Vec<String> {
    let l = line.trim();
    let n = l.chars().count();
    if !(2..=60).contains(&n) || l.contains(['。', '！', '？']) {
        return Vec::new();
    }
    if let Some(c) = CLOSING_PAREN.captures(l) {
        return names_in_credit(c.name("inner").map_or("", |m| m.as_str()), not);
    }
    if let Some(c) = LABEL_LINE.captures(l) {
        let names = c.name("names").map_or("", |m| m.as_str());
        return validated_names(cut_span(names), true, not);
    }
    if let Some(c) = ENGLISH_BY.captures(english_head(l)) {
        let names = c.name("names").map_or("", |m| m.as_str());
        let names = names.replace(" and ", ",").replace('&', ",");
        return validated_names(&names, true, not);
    }
    if let Some(c) = ROLE_LINE.captures(l) {
        let outlet = c.name("outlet").map_or("", |m| m.as_str());
        // An outlet prefix is short and names an outlet (`中青报·中青网`), not a sentence.
        if outlet.chars().count() <= 14 {
            let from = c.name("role").map_or(0, |m| m.start());
            return names_in_credit(&l[from..], not);
        }
    }
    Vec::new()
}

/// An English byline without what follows the names (`By Jane Doe | Nov 19, 2019`, `By Jane Doe on …`).
fn english_head(line: &str) -> &str {
    static TAIL: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?:\s*[|•·—–]\s*|\s+-\s+|\s+on\s+|\s*,?\s*(?:Updated|Published|Posted)|\s*,?\s*\d)")
    });
    if !(line.starts_with("By ") || line.starts_with("by ") || line.starts_with("BY ")) {
        return line;
    }
    TAIL.find(line).map_or(line, |m| &line[..m.start()])
}

/// Authors credited inside a longer line, after a label: `2024-09-27 来源：工人日报 作者：本报记者 张三`.
#[must_use]
pub fn from_labelled(text: &str, not: &NotPersons) -> Vec<String> {
    for c in LABEL_INLINE.captures_iter(text) {
        let names = c.name("names").map_or("", |m| m.as_str());
        let found = validated_names(cut_span(names), true, not);
        if !found.is_empty() {
            return found;
        }
    }
    // `记者 张三` after other metadata on the same line.
    if let Some(m) = ROLE_ANYWHERE.find(text) {
        let span = &text[m.start()..];
        let found = names_in_credit(cut_span_keep_colon(span), not);
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// A credit in parentheses glued to the end of the last paragraph: `…正式开通。（记者 胡晓蓉）`.
#[must_use]
pub fn from_paragraph_end(paragraph: &str, not: &NotPersons) -> Vec<String> {
    TRAILING_PAREN
        .captures(paragraph.trim())
        .map(|c| names_in_credit(c.name("inner").map_or("", |m| m.as_str()), not))
        .unwrap_or_default()
}

/// Whether the line is only a byline (so it stays out of the body): a role-labelled or parenthesised credit
/// whose names all validate.
#[must_use]
pub fn is_byline_line(line: &str, not: &NotPersons) -> bool {
    let l = line.trim();
    if l.chars().count() > 40 {
        return false;
    }
    let labelled = CLOSING_PAREN.is_match(l)
        || LABEL_LINE.is_match(l)
        || ROLE_LINE.is_match(l)
        || ENGLISH_BY.is_match(english_head(l));
    labelled && !from_line(l, not).is_empty()
}

/// A header line that is only a short list of names (`黄洪涛`, `王磊 李卓尔`).
#[must_use]
pub fn bare_names(line: &str, not: &NotPersons) -> Vec<String> {
    let l = line.trim();
    let n = l.chars().count();
    let shape = (2..=24).contains(&n)
        && l.chars().all(|c| {
            super::generic::is_han(c) || c == ' ' || c == '、' || c == '·' || c == '\u{3000}'
        });
    if !shape {
        return Vec::new();
    }
    validated_names(l, false, not)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert!(from_line(not, &none()).is_empty(), "{not}");
        }
    }
}
