//! Integration tests: `unionwire crawl --once` on a real terminal (a pseudo-terminal from util-linux's
//! `script`), as a person sees it: the progress bar appears only once there is something to count, log
//! lines print whole above it, and each source's summary line prints once.

use std::time::Duration;

use axum::extract::Path;
use axum::response::Html;
use axum::routing::get;
use axum::Router;

const ARTICLES: usize = 30;

async fn listing() -> Html<String> {
    let links: String = (0..ARTICLES)
        .map(|i| format!("<li><a href=\"/news/{i}.html\">工会新闻第{i}篇</a></li>"))
        .collect();
    Html(format!(
        "<html><head><meta charset=\"utf-8\"><title>工会新闻</title></head><body><ul class=\"list\">{links}</ul></body></html>"
    ))
}

async fn article(Path(name): Path<String>) -> Html<String> {
    // Slow enough that the bar is drawn while the crawl runs.
    tokio::time::sleep(Duration::from_millis(40)).await;
    let n = name.trim_end_matches(".html");
    let body: String = (0..4)
        .map(|p| format!("<p>第{n}篇第{p}段：全国总工会部署职工技能培训和劳动权益保障工作，各级工会组织认真落实，推动企业开展集体协商。</p>"))
        .collect();
    Html(format!(
        "<html><head><meta charset=\"utf-8\"><title>工会新闻第{n}篇</title></head><body><h1>工会新闻第{n}篇</h1><div class=\"info\">2024年09月27日11:01 来源：工人日报</div><div class=\"content\">{body}</div></body></html>"
    ))
}

/// The lines a terminal shows for `raw`, line by line as written: a carriage return or an erase-line
/// sequence (`ESC [ … K`) starts the line again (a redraw), other escape sequences are dropped, and a
/// newline keeps the line. Text written after a redraw without its own carriage return stays glued to
/// what was drawn, which is what a torn progress bar looks like.
fn screen_lines(raw: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if d.is_ascii_alphabetic() {
                            if d == 'K' {
                                line.clear();
                            }
                            break;
                        }
                    }
                }
            }
            // A pseudo-terminal writes each newline as CR LF.
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => line.clear(),
            '\n' => lines.push(std::mem::take(&mut line)),
            _ => line.push(c),
        }
    }
    lines.push(line);
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_on_a_terminal_shows_the_bar_only_with_work_and_log_lines_whole() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("util-linux `script` is needed for a pseudo-terminal (apt-get install util-linux)");
    }
    let router = Router::new()
        .route("/list/index.html", get(listing))
        .route("/news/{name}", get(article));
    let server = crate::support::serve(router).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[store]\npath = {:?}\n[crawl]\nper_host_delay = \"0s\"\njitter = 0.0\n[[sources]]\nid = \"term-src\"\nname = \"t\"\nkind = \"listing\"\nurl = \"{}\"\nlinks = \"ul.list a\"\nevery = \"30m\"\n",
            dir.path().join("s").display().to_string(),
            server.url("/list/index.html")
        ),
    )
    .unwrap();
    let command = format!(
        "{} --config {} crawl --once --all",
        env!("CARGO_BIN_EXE_unionwire"),
        cfg.display()
    );
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new("script");
        for (k, _) in std::env::vars() {
            if k.starts_with("UNIONWIRE_") {
                cmd.env_remove(k);
            }
        }
        cmd.args(["-qefc", &command, "/dev/null"])
            .env("TERM", "xterm")
            .env("COLUMNS", "160")
            .env("RUST_LOG", "unionwire=info")
            .stdin(std::process::Stdio::null())
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{raw}");
    let lines = screen_lines(&raw);
    let text = lines.join("\n");
    // The bar was drawn, and never as an empty 0/0 bar.
    assert!(
        raw.contains("articles ·"),
        "no progress bar was drawn:\n{raw}"
    );
    assert!(
        !raw.contains(" 0/0 articles"),
        "an empty bar was drawn:\n{raw}"
    );
    // It was taken down at the end.
    assert!(
        !text.contains("articles ·"),
        "the bar stayed on screen:\n{text}"
    );
    // The per-source line prints once, in the summary.
    let source_lines = text
        .lines()
        .filter(|l| l.contains("term-src") && l.contains("new articles"))
        .count();
    assert_eq!(source_lines, 1, "{text}");
    assert!(
        text.contains(&format!("total: {}", 1 + ARTICLES))
            || text.contains(&format!("{ARTICLES} new articles")),
        "{text}"
    );
    // Every log line stands whole on its own line: never glued to the bar.
    let logs: Vec<&String> = lines.iter().filter(|l| l.contains(" INFO ")).collect();
    assert!(
        !logs.is_empty(),
        "no log line reached the terminal:\n{text}"
    );
    for l in logs {
        assert!(!l.contains("articles ·"), "a log line tore the bar: {l:?}");
    }
}
