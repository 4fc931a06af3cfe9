//! Integration tests: the `unionwire` binary as users run it — exit codes, one error line per failing input,
//! configuration errors that name file, line and key.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::support;

const ARTICLE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>某某工会开展职工技能比赛--中国工会新闻--人民网</title></head>
<body><div class="layout rm_txt cf"><div class="col col-1 fl"><h1>某某工会开展职工技能比赛</h1>
<div class="col-1-1 fl">2024年09月27日11:01 | 来源：<a href="/">工人日报客户端</a></div>
<div class="rm_txt_con cf" id="rm_txt_zw">
<p style="text-indent: 2em;">9月26日，某某市总工会在市职业技术学院举办第三届职工技能比赛，来自全市42家企业的186名选手参加了数控车工、焊工和电工三个项目的角逐。</p>
<p style="text-indent: 2em;">比赛分理论考试和实际操作两部分，评委由行业专家和高级技师担任，获奖选手将按规定晋升相应职业技能等级。</p>
<p style="text-indent: 2em;">市总工会有关负责人表示，将持续深化劳动和技能竞赛，为产业工人成长成才搭建平台。</p>
</div><div class="edit cf">(责编：闫涵、张鑫)</div></div></div></body></html>"#;

async fn site() -> support::TestServer {
    let router = Router::new()
        .route(
            "/ok.html",
            get(|| async { ([("content-type", "text/html; charset=utf-8")], ARTICLE) }),
        )
        .route("/missing.html", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/challenge.html",
            get(|| async {
                (
                    StatusCode::PRECONDITION_FAILED,
                    "<html><script>var _0x1=1;document.cookie='x';</script></html>",
                )
                    .into_response()
            }),
        )
        .route(
            "/report.pdf",
            get(|| async { ([("content-type", "application/pdf")], "%PDF-1.4 ...") }),
        )
        .route(
            "/huge.html",
            get(|| async {
                let body = "<p>工会</p>".repeat(1_200_000);
                ([("content-type", "text/html")], body)
            }),
        );
    support::serve(router).await
}

async fn unionwire(args: &[&str]) -> std::process::Output {
    support::unionwire_command_async()
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("run unionwire")
}

#[tokio::test]
async fn fetch_reports_each_failing_input_on_one_line_and_still_prints_the_others() {
    let s = site().await;
    let (ok, missing, challenge, pdf, huge) = (
        s.url("/ok.html"),
        s.url("/missing.html"),
        s.url("/challenge.html"),
        s.url("/report.pdf"),
        s.url("/huge.html"),
    );
    let out = unionwire(&[
        "fetch",
        "--json",
        &missing,
        &ok,
        &challenge,
        &pdf,
        &huge,
        "no/such/file.html",
    ])
    .await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed input makes the exit code non-zero"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["title"], "某某工会开展职工技能比赛");
    assert_eq!(v["published"], "2024-09-27T11:01:00+08:00");
    assert_eq!(v["source"], "工人日报客户端");
    assert_eq!(v["paragraphs"].as_array().unwrap().len(), 3);
    assert_eq!(v["encoding"], "UTF-8");
    assert!(v["subtitle"].is_null());

    let stderr = String::from_utf8(out.stderr).unwrap();
    let line_for = |needle: &str| -> String {
        stderr
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no error line for {needle} in:\n{stderr}"))
            .to_owned()
    };
    assert!(line_for(&missing).contains("404"), "{stderr}");
    let c = line_for(&challenge).to_lowercase();
    assert!(c.contains("412") && c.contains("block"), "{c}");
    assert!(line_for(&pdf).to_lowercase().contains("pdf"), "{stderr}");
    let h = line_for(&huge).to_lowercase();
    assert!(h.contains("large") || h.contains("limit"), "{h}");
    assert!(
        line_for("no/such/file.html").contains("reading"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn fetch_text_output_is_readable() {
    let s = site().await;
    let out = unionwire(&["fetch", &s.url("/ok.html")]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("某某工会开展职工技能比赛\n"), "{text}");
    assert!(text.contains("来源 工人日报客户端"), "{text}");
    assert!(text.contains("　　9月26日，某某市总工会"), "{text}");
    assert!(text.contains("（责编：闫涵、张鑫）"), "{text}");
}

#[tokio::test]
async fn unknown_profile_and_bad_flags_are_usage_errors() {
    let out = unionwire(&["fetch", "--profile", "nope", "x.html"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("unknown profile \"nope\"") && err.contains("known profiles"),
        "{err}"
    );

    let out = unionwire(&["fetch", "--frobnicate", "x"]).await;
    assert_eq!(out.status.code(), Some(2));

    let out = unionwire(&[
        "crawl",
        "--once",
        "--from",
        "2024-09-01",
        "--to",
        "2024-09-30",
    ])
    .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_bad_config_names_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[crawl]\nper_host_delay = \"1s\"\nper_host_dealy = \"2s\"\n",
    )
    .unwrap();
    let out = unionwire(&["--config", path.to_str().unwrap(), "check"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("{}:3", path.display())), "{err}");
    assert!(err.contains("per_host_dealy"), "{err}");

    std::fs::write(&path, "[[sources]]\nid = \"Bad Id\"\nname = \"x\"\nkind = \"feed\"\nurl = \"http://a.example/\"\n").unwrap();
    let out = unionwire(&["--config", path.to_str().unwrap(), "check"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(":2") && err.contains("Bad Id"), "{err}");
}

#[tokio::test]
async fn check_prints_the_embedded_sources() {
    let out = unionwire(&["check"]).await;
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("acftu-people") && text.contains("grrb-epaper"),
        "{text}"
    );
}

#[tokio::test]
async fn fetch_json_repairs_the_seed_mirror_page() {
    // tests/fixtures/mirror/mirror.html is an HTML page built around the seed text (tests/data/seeds/).
    let page = support::fixture("mirror/mirror.html");
    let out = unionwire(&[
        "fetch",
        "--json",
        "--base-url",
        "http://mirror.example/n1/2024/0927/c67502-40320000.html",
        page.to_str().unwrap(),
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["title"],
        "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动"
    );
    assert_eq!(v["authors"], serde_json::json!(["黄洪涛"]));
    assert_eq!(v["published"], "2024-09-27T11:01:00+08:00");
    assert_eq!(v["source"], "工人日报客户端");
    assert_eq!(
        v["canonical_url"],
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html"
    );
    let flags: Vec<&str> = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        flags.contains(&"pinyin_mirror") && flags.contains(&"degraded"),
        "{flags:?}"
    );
    let text = v["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let pinyin = regex::Regex::new(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]").unwrap();
    assert!(!pinyin.is_match(&text), "pinyin left in {text}");
    assert!(!pinyin.is_match(v["title"].as_str().unwrap()));
    for tail in ["岚皋县", "秦皇岛市", "彩票"] {
        assert!(!text.contains(tail), "SEO tail {tail} left in the body");
    }
    for traditional in ["會", "國", "競賽", "無錫"] {
        assert!(
            !text.contains(traditional),
            "Traditional {traditional} left in the body"
        );
    }
    assert!(text.starts_with("9月24日,江苏省总工会在镇江举办"), "{text}");
    // The mirror ate the editor line's closing parenthesis and half of the second name.
    assert_eq!(v["editors"][0], "闫涵");
    assert!(!text.contains("责编"), "the editor line stayed in the body");
}

/// `run --role` takes exactly `all`, `crawler` and `server`, and `--help` says what each does.
#[test]
fn run_role_names_are_all_crawler_and_server() {
    let out = support::unionwire_command()
        .args(["run", "--help"])
        .output()
        .expect("run the binary");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{help}");
    for role in ["all", "crawler", "server"] {
        assert!(help.contains(role), "no {role} in:\n{help}");
    }
    assert!(help.contains("[default: all]"), "{help}");
    let out = support::unionwire_command()
        .args(["run", "--role", "worker"])
        .output()
        .expect("run the binary");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("worker") && err.contains("crawler"), "{err}");
}

/// On sled one process holds the store whatever its role: a server started beside a running crawler is
/// refused with the lock error (exit 3), naming the store.
#[test]
fn on_sled_a_second_role_process_is_refused_with_the_lock_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("unionwire.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = {:?}\n[server]\nlisten = \"127.0.0.1:0\"\n",
            dir.path().join("db").display().to_string()
        ),
    )
    .expect("write config");
    let crawler = support::daemon::start_daemon_with(
        std::path::Path::new(support::bin()),
        &config,
        &["--role", "crawler"],
    );
    let _ = crawler.base_url(support::HANG);
    let out = support::unionwire_command()
        .arg("--config")
        .arg(&config)
        .args(["run", "--role", "server"])
        .output()
        .expect("run the binary");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("locked by another process"), "{err}");
    crawler.terminate();
    let (status, _) = crawler.finish();
    assert!(status.success(), "{status}");
}
