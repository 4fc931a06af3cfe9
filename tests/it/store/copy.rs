//! `db copy` with the real binary: sled → PostgreSQL → sled gives the same `export` output, the same
//! stories and states (both sides' counts and checksums printed and equal); a second run copies nothing;
//! a copy killed part way, run again, copies only the rest and ends identical.

use std::path::Path;
use std::process::{Output, Stdio};

use unionwire::store::{Incoming, PageRole, SourceState, SourceStatus};

use super::postgres::{new_database, server};
use super::{article, sid, story_text, ts, validators};
use crate::support::HANG;

fn cli(args: &[&str]) -> Output {
    crate::support::unionwire_command()
        .args(args)
        .env("RUST_LOG", "unionwire=warn")
        .output()
        .expect("run unionwire")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Six paragraphs of deterministic Chinese text for `seed`: different seeds, different stories.
fn paras(seed: usize) -> Vec<String> {
    let mut x = (seed as u64 + 11).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..6)
        .map(|_| {
            (0..60)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from_u32(0x4E00 + u32::try_from(x % 0x51A5).unwrap()).unwrap()
                })
                .collect::<String>()
                + "。"
        })
        .collect()
}

/// A sled store at `dir` with `n` distinct stories, a story carried by three sites, an article updated
/// after it was first stored, fetch states (with an article and alone) and source states.
fn fill_sled(dir: &Path, n: usize) {
    let store = unionwire::store::open(dir).expect("open sled");
    let mut batch: Vec<Incoming> = Vec::new();
    for i in 0..n {
        let p = paras(i);
        let p: Vec<&str> = p.iter().map(String::as_str).collect();
        let a = article(
            &format!("http://s{}.example/n/{i}.html", i % 7),
            &format!("新闻{i}"),
            &p,
        );
        batch.push(
            Incoming::new(
                a,
                sid(&format!("src-{}", i % 7)),
                i32::try_from(i % 3).unwrap(),
            )
            .at(ts("2025-06-01T00:00:00Z") + jiff::SignedDuration::from_secs(i as i64 * 60))
            .with_fetch_state(
                format!("http://s{}.example/n/{i}.html", i % 7),
                validators(PageRole::Article),
            ),
        );
        if batch.len() == 200 {
            store
                .ingest_batch(std::mem::take(&mut batch))
                .expect("ingest");
        }
    }
    store.ingest_batch(batch).expect("ingest");
    for (site, when) in [
        ("a", "2025-07-01T08:00:00Z"),
        ("b", "2025-07-01T09:00:00Z"),
        ("c", "2025-07-02T10:00:00Z"),
    ] {
        store
            .ingest_at(
                article(
                    &format!("http://{site}.example/akb.html"),
                    "安康杯竞赛推进会召开",
                    &story_text(),
                ),
                &sid(site),
                0,
                ts(when),
            )
            .expect("ingest a copy");
    }
    let mut changed = story_text();
    changed.push("会议要求各地工会进一步加强劳动保护监督检查。");
    store
        .ingest_at(
            article(
                "http://a.example/akb.html",
                "安康杯竞赛推进会召开",
                &changed,
            ),
            &sid("a"),
            0,
            ts("2025-07-03T08:00:00Z"),
        )
        .expect("an update");
    store
        .set_fetch_state(
            "http://s1.example/list.html",
            &validators(PageRole::NoArticle),
        )
        .expect("a fetch state");
    for i in 0..7 {
        store
            .set_source_state(
                &sid(&format!("src-{i}")),
                &SourceState {
                    status: SourceStatus::Healthy,
                    last_run: Some(ts("2025-07-03T08:00:00Z")),
                    runs: i,
                    articles_total: 10 * i,
                    ..SourceState::default()
                },
            )
            .expect("a source state");
    }
    store.flush().expect("flush");
}

fn copy(from: &str, to: &str) -> String {
    let out = cli(&["db", "copy", "--from", from, "--to", to]);
    assert!(
        out.status.success(),
        "db copy {from} -> {to}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn export(store: &str) -> String {
    let out = cli(&["--store", store, "export", "--format", "jsonl"]);
    assert!(
        out.status.success(),
        "export {store}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn verify_clean(store: &str) {
    let out = cli(&["--store", store, "db", "verify"]);
    assert!(
        out.status.success(),
        "db verify {store}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn sled_to_postgres_and_back_gives_the_same_export_and_a_second_run_copies_nothing() {
    let Some(server) = server("store::copy") else {
        return;
    };
    let place = new_database(&server);
    let pg = place.url.clone().expect("url");
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first");
    let back = dir.path().join("back");
    fill_sled(&first, 60);
    let (first_s, back_s) = (first.display().to_string(), back.display().to_string());

    let out = copy(&first_s, &pg);
    assert!(
        out.contains("copied 61 stories (63 articles), 61 fetch states, 7 source states"),
        "{out}"
    );
    assert!(out.contains("both sides are identical"), "{out}");
    let again = copy(&first_s, &pg);
    assert!(
        again.contains("copied 0 stories (0 articles), 0 fetch states, 0 source states; 61 stories were there already"),
        "{again}"
    );
    assert!(again.contains("both sides are identical"), "{again}");
    verify_clean(&pg);

    let out = copy(&pg, &back_s);
    assert!(out.contains("both sides are identical"), "{out}");
    verify_clean(&back_s);
    let original = export(&first_s);
    assert_eq!(original.lines().count(), 63);
    assert_eq!(export(&pg), original, "PostgreSQL exports what sled did");
    assert_eq!(
        export(&back_s),
        original,
        "the round trip exports the same lines"
    );

    // The copies keep what export does not show: the story's three copies in lead order, the update
    // time, the fetch and source states.
    let a = unionwire::store::open(&first).expect("open");
    let b = unionwire::store::open(&back).expect("open");
    let akb = a.by_url("http://b.example/akb.html").unwrap().unwrap();
    let (sa, sb) = (
        a.story(&akb.story).unwrap().unwrap(),
        b.story(&akb.story).unwrap().unwrap(),
    );
    assert_eq!(sa, sb);
    assert_eq!(1 + sb.also.len(), 3);
    let updated = b.by_url("http://a.example/akb.html").unwrap().unwrap();
    assert!(updated.changed_at.is_some(), "the update time came along");
    assert_eq!(a.fetch_states().unwrap(), b.fetch_states().unwrap());
    assert_eq!(a.source_states().unwrap(), b.source_states().unwrap());
    assert_eq!(
        b.fetch_state("http://s1.example/list.html").unwrap(),
        Some(validators(PageRole::NoArticle))
    );
    // A copy's story grows by ingest like the original's.
    let near = a.near_duplicate_story(&unionwire::dedup::fingerprint_article(&article(
        "http://d.example/x.html",
        "安康杯",
        &story_text(),
    )));
    assert_eq!(
        near.unwrap(),
        b.near_duplicate_story(&unionwire::dedup::fingerprint_article(&article(
            "http://d.example/x.html",
            "安康杯",
            &story_text(),
        )))
        .unwrap()
    );
}

#[test]
fn a_copy_killed_part_way_and_run_again_copies_the_rest_and_ends_identical() {
    let Some(server) = server("store::copy") else {
        return;
    };
    let place = new_database(&server);
    let pg = place.url.clone().expect("url");
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    let n = 3000;
    fill_sled(&src, n);
    let src_s = src.display().to_string();

    // Killed once it reports its first thousand stories.
    let mut child = crate::support::unionwire_command()
        .args([
            "--log-format",
            "json",
            "db",
            "copy",
            "--from",
            &src_s,
            "--to",
            &pg,
        ])
        .env("RUST_LOG", "unionwire=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start db copy");
    let stderr = child.stderr.take().expect("stderr");
    let (rx, log) = crate::support::watch_lines(stderr, |line| {
        line.contains("copying stories").then_some(())
    });
    rx.recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("no progress line: {:?}", log.lock().unwrap()));
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "killed part way");
    let stored_then = unionwire::store::open_url_existing(&pg)
        .expect("open")
        .stats()
        .expect("stats")
        .stories;
    assert!(
        stored_then >= 1000 && stored_then < (n + 1) as u64,
        "{stored_then} stories copied before the kill"
    );

    let t = std::time::Instant::now();
    let out = copy(&src_s, &pg);
    let resumed_took = t.elapsed();
    assert!(out.contains("both sides are identical"), "{out}");
    let resumed: u64 = out
        .split("copied ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("the copied count");
    assert_eq!(
        resumed,
        (n + 1) as u64 - stored_then,
        "only the rest: {out}"
    );
    verify_clean(&pg);
    assert_eq!(export(&pg), export(&src_s));
    // The whole store back into a new sled directory, for the figures.
    let back = dir.path().join("back").display().to_string();
    let t = std::time::Instant::now();
    let out = copy(&pg, &back);
    let back_took = t.elapsed();
    assert!(out.contains(&format!("copied {} stories", n + 1)), "{out}");
    eprintln!(
        "db copy: resumed sled -> PostgreSQL {resumed} stories in {resumed_took:?}; PostgreSQL -> sled {} \
         stories in {back_took:?} (each run includes opening both stores and the closing counts and \
         checksums of both sides)",
        n + 1
    );
}
