//! A server sees its own process's writes at once: with `server.refresh` at an hour, a feed asked for
//! right after an ingest in the same process (as `run`'s crawl does) already carries it, every time; and
//! `/healthz` says `ok` while the store answers.

use std::time::Duration;

use super::{article, client, config, corpus, sid, start_with};

/// The all-stories Atom feed as the server gives it now.
async fn atom(c: &reqwest::Client, r: &super::Running) -> String {
    let feed = c.get(r.url("/feeds/all.atom")).send().await.unwrap();
    feed.text().await.unwrap()
}

#[tokio::test]
async fn a_write_in_this_process_shows_in_the_next_feed_request_without_waiting_for_the_refresh() {
    let mut cfg = config();
    cfg.server.refresh = Duration::from_secs(3600);
    let r = start_with(cfg, corpus()).await;
    let c = client();
    for round in 0..5usize {
        let before = atom(&c, &r).await;
        let title = format!("第{round}次职工代表大会召开");
        assert!(!before.contains(&title), "round {round}");
        let store = r.store.clone();
        let a = article(
            &format!("http://a.example/n/new-{round}.html"),
            &title,
            100 + round,
            25,
        );
        tokio::task::spawn_blocking(move || store.ingest_batch(vec![(a, sid("a-src"), 0).into()]))
            .await
            .unwrap()
            .unwrap();
        let after = atom(&c, &r).await;
        assert!(after.contains(&title), "round {round}: {after}");
    }
    let h = c.get(r.url("/healthz")).send().await.unwrap();
    assert_eq!(h.status(), 200);
    assert_eq!(h.text().await.unwrap().trim(), "ok");
    r.token.cancel();
    r.task.await.unwrap().unwrap();
}
