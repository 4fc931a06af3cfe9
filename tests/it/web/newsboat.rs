//! newsboat (Debian's package) reads our RSS and Atom feeds: `newsboat -x reload` with a urls file and
//! a fresh cache, then its sqlite cache is read with python3's sqlite3 module. Every author of a
//! multi-author item must be there (newsboat keeps only the last of repeated `dc:creator`), and every
//! item links the story's lead copy.
//!
//! Without newsboat the test prints `SKIP web::newsboat: <reason>` and passes, unless
//! `UNIONWIRE_REQUIRE_NEWSBOAT=1` (as in `.ci/run`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{start, ORIGIN_URL};

/// Hang guard for one newsboat or python3 run.
const GUARD: Duration = Duration::from_secs(60);

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn skip(reason: &str) {
    if std::env::var("UNIONWIRE_REQUIRE_NEWSBOAT").as_deref() == Ok("1") {
        panic!("web::newsboat: {reason} (UNIONWIRE_REQUIRE_NEWSBOAT=1)");
    }
    crate::support::skip("web::newsboat", reason);
}

async fn run(cmd: &mut tokio::process::Command) -> std::process::Output {
    cmd.kill_on_drop(true);
    tokio::time::timeout(GUARD, cmd.output())
        .await
        .expect("hang guard")
        .expect("spawn")
}

/// (title, author, url, feedurl) of every item in a newsboat cache.
async fn cached_items(python: &Path, cache: &Path) -> Vec<(String, String, String, String)> {
    let script = "import json, sqlite3, sys\n\
c = sqlite3.connect(sys.argv[1])\n\
print(json.dumps(c.execute('select title, author, url, feedurl from rss_item order by id').fetchall()))\n";
    let out = run(tokio::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(cache))
    .await;
    assert!(
        out.status.success(),
        "reading the cache: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("rows as JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newsboat_reads_rss_and_atom_with_every_author() {
    let Some(newsboat) = find_in_path("newsboat") else {
        skip("newsboat not found (apt-get install newsboat)");
        return;
    };
    let Some(python) = find_in_path("python3") else {
        skip("python3 not found (needed to read newsboat's sqlite cache)");
        return;
    };
    let r = start().await;
    let tmp = tempfile::tempdir().expect("temp dir");
    let rss = r.url("/feeds/all.rss");
    let atom = r.url("/feeds/all.atom");
    let config = tmp.path().join("config");
    std::fs::write(&config, "").expect("config file");
    // One cache per feed: newsboat keys items by GUID, and both feeds carry the same story GUIDs.
    let mut items = Vec::new();
    for (i, feed) in [&rss, &atom].into_iter().enumerate() {
        let urls = tmp.path().join(format!("urls-{i}"));
        std::fs::write(&urls, format!("{feed}\n")).expect("urls file");
        let cache = tmp.path().join(format!("cache-{i}.db"));
        let out = run(tokio::process::Command::new(&newsboat)
            .env("HOME", tmp.path())
            .env("XDG_CONFIG_HOME", tmp.path())
            .env("XDG_DATA_HOME", tmp.path())
            .arg("-u")
            .arg(&urls)
            .arg("-c")
            .arg(&cache)
            .arg("-C")
            .arg(&config)
            .arg("-x")
            .arg("reload"))
        .await;
        assert!(
            out.status.success(),
            "newsboat reload {feed}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        items.extend(cached_items(&python, &cache).await);
    }
    let stories = r
        .store
        .recent_stories(&unionwire::store::StoryFilter::default(), 100)
        .expect("stories")
        .len();
    for (feed, joined) in [(&rss, "张三、李四、王五"), (&atom, "张三, 李四, 王五")] {
        let mine: Vec<_> = items.iter().filter(|i| &i.3 == feed).collect();
        assert_eq!(mine.len(), stories, "{feed}: {items:?}");
        let multi = mine
            .iter()
            .find(|i| i.0 == "三位记者联合报道职工之家建设")
            .unwrap_or_else(|| panic!("{feed}: multi-author item missing: {mine:?}"));
        assert_eq!(multi.1, joined, "{feed}: newsboat shows {:?}", multi.1);
        for name in ["张三", "李四", "王五"] {
            assert!(multi.1.contains(name), "{feed}: {name} not shown");
        }
        let mirror_story = mine
            .iter()
            .find(|i| i.0.starts_with("江苏工会重点抓好"))
            .expect("mirror story");
        assert_eq!(
            mirror_story.2, ORIGIN_URL,
            "{feed}: newsboat links the mirror"
        );
    }
}
