#!/usr/bin/env python3
"""Generate a deterministic local news site for crawl benchmarks.

Realistic Chinese union-news article pages (20-60 KB each: navigation, breadcrumbs, the article in the
people.com.cn rm_txt template, related-news lists with dates, rankings, a footer, and on some pages a
keyword-stuffed SEO block), listing pages that link them, spread over several hosts. About one page in five
is GBK-encoded and declares charset=GB2312. Same seed, same bytes.

usage: gensite.py OUT_DIR [--hosts 4] [--articles 2000] [--per-page 50]
Writes OUT_DIR/<host>/list/index.html, index2.html, ... and OUT_DIR/<host>/n1/2024/MMDD/c67502-N.html,
plus OUT_DIR/urls.txt (every article URL) and OUT_DIR/hosts.txt.
"""
import argparse
import os
import random

ORGS = ["全国总工会", "江苏省总工会", "浙江省总工会", "广东省总工会", "四川省总工会", "湖北省总工会", "山东省总工会",
        "北京市总工会", "上海市总工会", "天津市总工会", "重庆市总工会", "河南省总工会", "湖南省总工会", "福建省总工会"]
TOPICS = ["安康杯竞赛", "职工技能大赛", "劳模创新工作室", "职工书屋", "户外劳动者服务站点", "集体协商", "困难职工帮扶",
          "新就业形态劳动者入会", "产业工人队伍建设改革", "职工疗休养", "女职工权益保护", "工会驿站", "金秋助学",
          "送清凉活动", "劳动和技能竞赛", "职代会制度", "农民工欠薪治理", "职工心理健康服务"]
VERBS = ["开展", "推进", "部署", "召开", "举办", "启动", "深化", "组织", "落实", "总结"]
PHRASES = [
    "坚持以职工为中心的工作导向", "切实维护职工合法权益", "不断增强职工群众的获得感幸福感安全感",
    "推动工会工作高质量发展", "充分发挥工人阶级主力军作用", "把党的关怀送到职工心坎上",
    "进一步健全服务职工工作体系", "扎实做好困难职工解困脱困工作", "引导广大职工建功新时代",
    "加强基层工会组织建设", "提升职工技能素质", "营造尊重劳动尊重创造的良好氛围",
    "完善劳动关系协调机制", "深入开展劳动和技能竞赛", "做好新就业形态劳动者服务保障",
]
COUNTIES = ["岚皋县", "秦皇岛市", "怀安县", "札达县", "夏津县", "汉寿县", "阿尔山市", "三亚市", "水城县", "霍邱县",
            "永福县", "苍溪县", "新兴县", "景泰县", "河西区", "集贤县", "托克逊县", "合肥市", "南靖县", "丰都县"]
NAMES = ["王磊", "李卓尔", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄洪涛", "周杰", "吴倩", "郑浩", "孙丽"]


WORDS = ("职工 劳动 技能 竞赛 安全 生产 权益 维护 服务 基层 组织 建设 企业 车间 班组 培训 工资 协商 帮扶 困难 慰问 "
         "环卫 快递 骑手 驿站 书屋 劳模 工匠 创新 工作室 疗休养 体检 心理 法律 援助 欠薪 工伤 认定 女职工 保护 助学 "
         "农民工 返乡 就业 岗位 夜校 学历 提升 数控 焊工 电工 比武 表彰 宣讲 调研 座谈 走访 送温暖 清凉 物资 会员 "
         "入会 普惠 平台 园区 港口 矿山 铁路 电网 医院 学校 社区 街道 乡镇 开发区 民营 国有 外资 中小微 新业态 网约车 "
         "货车司机 家政 保安 外卖 仓储 物流 制造 化工 建筑 纺织 食品 汽车 电子 软件 金融 文旅 农业 林场 渔业 "
         "签约 揭牌 启动 验收 评比 考核 督查 指导 对接 协调 推广 试点 示范 标杆 样板 品牌 机制 制度 规范 标准 "
         "一线 骨干 青年 老职工 退休 技师 工程师 学徒 师傅 班长 代表 委员 干部 志愿者 律师 医生 讲师 专家").split()


def sentence(rng, n):
    """A sentence of its own: mostly a fresh word sequence, now and then a stock phrase of union news."""
    words = "".join(rng.choice(WORDS) for _ in range(rng.randint(9, 16)))
    if rng.random() < 0.25:
        return f"{rng.choice(ORGS)}{rng.choice(VERBS)}{rng.choice(TOPICS)}，{rng.choice(PHRASES)}，{words}。"
    return f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日，{words}，共有{rng.randint(100, 99999)}名{rng.choice(WORDS)}参与。"


def nav(rng):
    items = "".join(f'<li><a href="/GB/{rng.randint(1000, 99999)}/index.html">{t}</a></li>' for t in
                    ["首页", "时政", "社会", "工会要闻", "劳模风采", "维权服务", "职工生活", "地方工会", "图片", "视频", "理论", "评论"] * 3)
    return f'<div class="rm_nav"><ul>{items}</ul></div>'


def related(rng, host, count):
    lis = "".join(
        f'<li><a href="http://{host}/n1/2023/{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}/c67502-{rng.randint(39000000, 39999999)}.html">'
        f'{rng.choice(ORGS)}{rng.choice(VERBS)}{rng.choice(TOPICS)}</a><span>2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}</span></li>'
        for _ in range(count))
    return f'<div class="rm_relevant"><h2>相关新闻</h2><ul>{lis}</ul></div>'


def article(rng, host, n, date, size_goal):
    title = f"{rng.choice(ORGS)}{rng.choice(VERBS)}{rng.choice(TOPICS)}（第{n}期）"
    paras = []
    body_goal = max(size_goal - 9000, 6000)
    while sum(len(p) for p in paras) * 3 < body_goal:
        paras.append("".join(sentence(rng, n * 100 + len(paras) * 7 + k) for k in range(rng.randint(2, 4))))
    ps = "\n".join(f'<p style="text-indent: 2em;">{p}</p>' for p in paras)
    authors = "  ".join(rng.sample(NAMES, 2))
    spam = ""
    if n % 7 == 0:
        spam = "<p>" + "| ".join(rng.sample(COUNTIES, 12) + ["彩票", "收藏"]) + "|</p>"
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="content-type" content="text/html;charset=@CHARSET@"/>
<title>{title}--中国工会新闻--人民网</title>
<meta name="publishdate" content="{date[:4]}-{date[4:6]}-{date[6:]}"/><meta name="contentid" content="{40000000 + n}"/>
<meta name="catalogs" content="67502"/><meta name="author" content="104665"/><meta name="source" content="来源：工人日报客户端"/>
<style>body{{font-family:sans-serif}} .rm_nav li{{display:inline}}</style>
<script>var _hmt=_hmt||[];(function(){{var hm=document.createElement("script");}})();</script>
</head><body>
{nav(rng)}
<div class="route"><a href="/">中国共产党新闻网</a>&gt;&gt;<a href="/GB/67502/index.html">中国工会新闻</a></div>
<div class="layout rm_txt cf"><div class="col col-1 fl">
<h3 class="pre">{rng.choice(PHRASES)}</h3>
<h1>{title}</h1>
<h4 class="sub"></h4>
<div class="author cf">本报记者  {authors}</div>
<div class="channel cf"><div class="col-1-1 fl">{date[:4]}年{date[4:6]}月{date[6:]}日{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} | 来源：<a href="http://www.workercn.cn/" target="_blank">工人日报客户端</a></div>
<div class="col-1-2 fr"><a href="#">分享到微博</a><a href="#">分享到微信</a></div></div>
<div class="rm_txt_con cf" id="rm_txt_zw">
<div class="box_pic"></div>
{ps}
{spam}
</div>
<div class="zdfy clearfix"></div>
<div class="edit cf">(责编：{rng.choice(NAMES)}、{rng.choice(NAMES)})</div>
<p class="paper_num">分享让更多人看到</p>
</div>
<div class="col col-2 fr">{related(rng, host, 12)}<div class="rm_ranking"><h2>排行榜</h2>{related(rng, host, 10)}</div></div>
</div>
<div class="foot"><p>人 民 网 版 权 所 有 ，未 经 书 面 授 权 禁 止 使 用</p><p>Copyright &copy; 1997-2026 by www.people.com.cn. all rights reserved</p></div>
</body></html>
"""
    return title, page


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--per-page", type=int, default=50)
    ap.add_argument("--port", type=int, default=8090)
    a = ap.parse_args()
    rng = random.Random(20240927)
    hosts = [f"127.0.0.{i + 2}:{a.port}" for i in range(a.hosts)]
    per_host = {h: [] for h in hosts}
    urls = []
    total_bytes = 0
    for n in range(a.articles):
        host = hosts[n % len(hosts)]
        date = f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        path = f"/n1/{date[:4]}/{date[4:]}/c67502-{40000000 + n}.html"
        size_goal = rng.randint(20_000, 60_000)
        title, page = article(rng, host, n, date, size_goal)
        gbk = n % 5 == 0
        data = page.replace("@CHARSET@", "GB2312" if gbk else "utf-8").encode("gbk" if gbk else "utf-8")
        total_bytes += len(data)
        fn = os.path.join(a.out, host.replace(":", "_"), path.lstrip("/"))
        os.makedirs(os.path.dirname(fn), exist_ok=True)
        with open(fn, "wb") as f:
            f.write(data)
        per_host[host].append((path, title, date))
        urls.append(f"http://{host}{path}")
    for host, items in per_host.items():
        pages = [items[i:i + a.per_page] for i in range(0, len(items), a.per_page)]
        for i, chunk in enumerate(pages, start=1):
            lis = "".join(f"<li><a href='{p}' target=\"_blank\">{t}</a> <i class=gray> {d[:4]}-{d[4:6]}-{d[6:]} </i></li>\n" for p, t, d in chunk)
            nxt = f'<div class="page_n"><a href="index{i + 1}.html">下一页</a></div>' if i < len(pages) else ""
            html = (f'<html><head><meta charset="utf-8"><title>中国工会新闻--人民网</title></head><body>'
                    f'<div class="ej_list_box clear"><ul>{lis}</ul></div>{nxt}</body></html>')
            name = "index.html" if i == 1 else f"index{i}.html"
            fn = os.path.join(a.out, host.replace(":", "_"), "list", name)
            os.makedirs(os.path.dirname(fn), exist_ok=True)
            with open(fn, "w", encoding="utf-8") as f:
                f.write(html)
        with open(os.path.join(a.out, host.replace(":", "_"), "robots.txt"), "w") as f:
            f.write("User-agent: *\nAllow: /\n")
    with open(os.path.join(a.out, "urls.txt"), "w") as f:
        f.write("\n".join(urls) + "\n")
    with open(os.path.join(a.out, "hosts.txt"), "w") as f:
        f.write("\n".join(hosts) + "\n")
    print(f"generated {a.articles} articles on {len(hosts)} hosts, {total_bytes / 1e6:.1f} MB, "
          f"{total_bytes / a.articles / 1024:.1f} KB/page average")


if __name__ == "__main__":
    main()
