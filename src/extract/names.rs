//! Whether a string is a person's name: the name lists (common surnames, interface words, outlets and
//! places that are never names), [`NotPersons`] (what a page calls itself), the validation every byline
//! candidate must pass ([`is_person_name`], [`validated_names`]) and the splitting of a list of names
//! after its role words ([`split_names`]). Shared by [`super::byline`] (which finds candidates) and
//! [`super::meta`]; it imports neither.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in name regex is valid")
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
pub(crate) fn is_common_surname(c: char) -> bool {
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
    "PhD",
    "Ph.D.",
    "MD",
    "MA",
    "MBA",
    "MSc",
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
pub(crate) fn is_person_name(name: &str, not: &NotPersons) -> bool {
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
    const NOT_LATIN: &[&str] = &[
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
        // Organisations, outlets and their legal forms: never a person.
        "gmbh",
        "ag",
        "kg",
        "inc",
        "ltd",
        "llc",
        "corp",
        "verlag",
        "magazin",
        "magazine",
        "redaktion",
        "media",
        "foundation",
        "stiftung",
        "institut",
        "institute",
        "verband",
        "bundesverband",
        "verein",
        "deutschland",
        "deutsches",
        "deutsche",
        "germany",
        "online",
        "group",
        "gruppe",
        "university",
        "universität",
        "kitchens",
        "unknown",
        "anonymous",
        "anónimo",
        "zeitung",
        "insider",
        "redacción",
        "redaccion",
        "rédaction",
        "redazione",
        "redação",
        "agencia",
        "agence",
        "presse",
        "guest",
        "user",
    ];
    let lower_words: Vec<&str> = lower.split([' ', '-', '.']).collect();
    if lower_words.iter().any(|w| NOT_LATIN.contains(w)) {
        return false;
    }
    // One short word in capitals (`NDR`, `EFE`, `AgE`): an agency or broadcaster's acronym, not a name.
    let uppers = n.chars().filter(|c| c.is_uppercase()).count();
    if !n.contains(' ') && chars <= 5 && uppers >= 2 {
        return false;
    }
    (3..=40).contains(&chars)
        && n.chars().any(char::is_alphabetic)
        && !n.chars().any(|c| c.is_ascii_digit())
        && LATIN_NAME.is_match(n)
        && n.split(' ').count() <= 5
}

/// A name that stands with no role word in front of it must also start with a common surname (or be a
/// transliterated name), so a bare `（待续）` or `[ 图集 ]` is not taken for a person; in Latin script it
/// must be two capitalised words at least (`(Jane Doe)`, not `(Okay)`).
#[must_use]
pub(crate) fn is_unlabelled_name(name: &str, not: &NotPersons) -> bool {
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
        // Without a role or label, a lone Latin word in parentheses is a rating (`(Okay)`), an agency
        // (`(Reuters)`) or a note (`(Update)`); a person's credit there gives a given name and a surname.
        Some(_) => {
            name.split_whitespace()
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .count()
                >= 2
        }
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
pub(crate) fn validated_names(text: &str, labelled: bool, not: &NotPersons) -> Vec<String> {
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

pub(super) static ROLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:本报|本刊|本台|本网|本站|新华社|中新社)?(?:特约|见习|实习|特派|首席|主任)?(?:记者|通讯员|实习生|摄影记者|摄影|摄像|撰稿|撰文|采写|作者)\s*[:：/／|｜]?\s*|(?:文\s*[/／|｜]\s*图|图\s*[/／|｜]\s*文|文字|文|图|摄)(?:\s*[:：/／|｜]\s*|\s+))",
    )
});

/// A label in front of a Latin-script byline: `By`, `Par`, `Por`, `Von`, `Door`, `Author:`.
static LATIN_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?i:(?:veröffentlicht|geschrieben|verfasst|posted|written|published)\s+(?:von|by)|by|par|por|von|door)\s+|(?i:author|autor|text|texte)\s*:\s*)",
    )
});

/// Credits after a name: `张三 摄`, `李四 报道`, `王五/文`.
static TRAILING_ROLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\s+(?:摄|报道|整理|编译|供图|文|图)|\s*[/／](?:文|图|摄))$"));

pub(super) static NEXT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:来\s*源|来源|稿源|出处|责任编辑|责编|编辑|发布|时间|日期|浏览|点击|阅读|字号|更新|【|\d{4}[-年/.])",
    )
});

static HAN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:\p{Han}{2,5}|\p{Han}{1,4}·\p{Han}{1,8}|\p{Latin}[\p{Latin}\p{M} .'’-]{1,40})$")
});

/// Splits a list of names on spaces, `、`, `，`, `,` and `/`, re-joining names that were padded
/// with spaces (`王  磊` → `王磊`). Role words (`本报记者`, `通讯员`…) are dropped.
#[must_use]
pub(crate) fn split_names(text: &str) -> Vec<String> {
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
            let t = strip_trailing_date_words(&t);
            if !t.is_empty() {
                names.push(t.to_string());
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

/// A Latin byline's name without the date words a page glued after it (`JEFFREY GETTLEMAN JAN`,
/// `Kayla Greaves Oct`, `Tomas Spahn Fr`, `Steven Mufson March`): trailing month and weekday names and
/// their abbreviations. A month name that is the whole name, or inside it (`Laura June Topolsky`), stays.
fn strip_trailing_date_words(name: &str) -> &str {
    const DATE_WORDS: [&str; 44] = [
        "jan",
        "january",
        "januar",
        "feb",
        "february",
        "februar",
        "mar",
        "march",
        "märz",
        "apr",
        "april",
        "may",
        "mai",
        "jun",
        "june",
        "juni",
        "jul",
        "july",
        "juli",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "okt",
        "oktober",
        "nov",
        "november",
        "dec",
        "december",
        "dez",
        "dezember",
        "mo",
        "di",
        "mi",
        "do",
        "fr",
        "sa",
        "so",
        "mon",
        "tue",
        "wed",
    ];
    let mut out = name.trim_end();
    loop {
        let Some((head, last)) = out.rsplit_once(' ') else {
            return out;
        };
        let word = last.trim_end_matches(['.', ',']).to_lowercase();
        if head.trim().is_empty() || !DATE_WORDS.contains(&word.as_str()) {
            return out;
        }
        out = head.trim_end_matches([' ', ',', '|', '-', '–', '·']);
    }
}
