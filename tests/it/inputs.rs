//! Integration tests: what `unionwire fetch` accepts (issue #14 part 7) — plain-text files and `-` (standard
//! input, HTML or text), text served as `text/plain` — and what it refuses at once: executables, images and
//! archives (named in the error, after their first bytes only), and URL schemes other than http(s).

use std::process::Stdio;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use tokio::io::AsyncWriteExt;

use crate::support;

const BIN: &str = env!("CARGO_BIN_EXE_unionwire");

/// Hang guard for a child process.
const GUARD: Duration = Duration::from_secs(60);

fn seed_path() -> String {
    support::data("seeds/000_72cd3a6619c5879e.txt")
        .to_string_lossy()
        .into_owned()
}

async fn run(args: &[&str], stdin: Option<Vec<u8>>) -> std::process::Output {
    let mut child = tokio::process::Command::new(BIN)
        .args(args)
        .env_remove("UNIONWIRE_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unionwire");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(&bytes).await.expect("write stdin");
        drop(pipe);
    }
    tokio::time::timeout(GUARD, child.wait_with_output())
        .await
        .expect("fetch finished")
        .expect("fetch output")
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn assert_seed_fields(v: &serde_json::Value) {
    assert_eq!(
        v["title"],
        "江苏工会重点抓好“四赛”,深入推进“安康杯”竞赛活动"
    );
    assert_eq!(v["authors"], serde_json::json!(["黄洪涛"]));
    assert_eq!(v["published"], "2024-09-27T11:01:00+08:00");
    assert_eq!(v["published_precision"], "minute");
    assert_eq!(v["source"], "工人日报客户端");
    assert_eq!(v["editors"][0], "闫涵");
    assert_eq!(v["paragraphs"].as_array().unwrap().len(), 7);
    let flags: Vec<&str> = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    for f in ["pinyin_mirror", "spam_removed", "degraded"] {
        assert!(flags.contains(&f), "{f} missing in {flags:?}");
    }
    let body = v["paragraphs"].to_string();
    assert!(
        !body.contains("岚皋县") && !body.contains("(guó)"),
        "{body}"
    );
}

#[tokio::test]
async fn fetch_reads_the_seed_text_file() {
    let out = run(&["fetch", "--json", &seed_path()], None).await;
    let v = json(&out);
    assert_seed_fields(&v);
    assert_eq!(v["profile"], "text");
}

#[tokio::test]
async fn fetch_reads_text_and_html_from_stdin() {
    let seed = std::fs::read(seed_path()).unwrap();
    let v = json(&run(&["fetch", "--json", "-"], Some(seed)).await);
    assert_seed_fields(&v);

    let html = support::fixture_text("extract/closing_reporter.html");
    let v = json(&run(&["fetch", "--json", "-"], Some(html.into_bytes())).await);
    assert_eq!(v["title"], "全省职工职业技能大赛开幕");
    assert_eq!(v["authors"], serde_json::json!(["胡晓蓉"]));
    assert_eq!(v["published_precision"], "day");
    assert_ne!(v["profile"], "text");
}

#[tokio::test]
async fn text_served_as_text_plain_is_read_as_text() {
    let seed = std::fs::read_to_string(seed_path()).unwrap();
    let router = Router::new().route(
        "/seed.txt",
        get(move || {
            let s = seed.clone();
            async move { ([("content-type", "text/plain; charset=utf-8")], s) }
        }),
    );
    let s = support::serve(router).await;
    let v = json(&run(&["fetch", "--json", &s.url("/seed.txt")], None).await);
    assert_seed_fields(&v);
}

fn refused(out: &std::process::Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "exit code");
    assert!(out.stdout.is_empty(), "nothing printed for a refused input");
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().next().unwrap_or_default();
    assert!(first.contains(needle), "{needle} not named in: {err}");
    assert!(err.lines().count() <= 2, "one line per input: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn binary_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "a.out",
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0",
            "ELF executable",
        ),
        (
            "pic.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
            "PNG image",
        ),
        ("pic.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01", "JPEG image"),
        ("pages.zip", b"PK\x03\x04\x14\0\0\0\x08\0", "zip archive"),
        (
            "page.html.gz",
            b"\x1f\x8b\x08\0\0\0\0\0\0\x03",
            "gzip archive",
        ),
    ];
    for (name, head, what) in cases {
        let path = dir.path().join(name);
        let f = std::fs::File::create(&path).unwrap();
        {
            use std::io::Write;
            let mut w = &f;
            w.write_all(head).unwrap();
            w.write_all(&[0u8; 4096]).unwrap();
        }
        // A 90 MB file (sparse): refused after its first bytes, never read whole.
        f.set_len(90 * 1024 * 1024).unwrap();
        let out = run(&["fetch", path.to_str().unwrap()], None).await;
        refused(&out, what);
    }
}

#[tokio::test]
async fn binary_stdin_is_refused_before_its_end() {
    // The pipe is never closed: fetch must refuse after the first bytes instead of waiting for the end.
    let mut child = tokio::process::Command::new(BIN)
        .args(["fetch", "-"])
        .env_remove("UNIONWIRE_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unionwire");
    let mut pipe = child.stdin.take().expect("stdin");
    let mut head = b"\x7fELF\x02\x01\x01".to_vec();
    head.resize(16 * 1024, 0);
    // Fits the pipe's buffer; an error would only mean fetch already stopped reading.
    let _ = pipe.write_all(&head).await;
    let out = tokio::time::timeout(GUARD, child.wait_with_output())
        .await
        .expect("fetch refused a binary stdin without waiting for its end")
        .expect("output");
    drop(pipe);
    refused(&out, "ELF executable");
}

#[tokio::test]
async fn other_url_schemes_are_named_not_taken_for_files() {
    let out = run(&["fetch", "ftp://ftp.example.org/pub/news.html"], None).await;
    refused(&out, "unsupported URL scheme \"ftp\"");
    let out = run(&["fetch", "gopher://example.org/1"], None).await;
    refused(&out, "unsupported URL scheme \"gopher\"");
}
