//! Integration tests: the store. [`conformance`] is one suite written against the `Store` trait and run
//! on every engine (sled here, always; PostgreSQL when `UNIONWIRE_TEST_PG` names a server); [`sled`]
//! holds what only the sled engine has (its directory lock, damage, schema migration, salvage), and
//! [`postgres`] what only the PostgreSQL engine has (schema versions, a server that is down, writers in
//! parallel).

use std::path::Path;
use std::process::Output;

use jiff::Timestamp;
use unionwire::model::{Article, SourceId};
use unionwire::store::{FetchState, PageRole, SharedStore};

mod conformance;
mod copy;
mod faults;
pub(crate) mod postgres;
mod postgres_cli;
mod serving;
mod sled;

/// A store engine under test.
pub struct Backend {
    /// A new, empty store, and the place that keeps it (dropped last).
    pub fresh: fn() -> (Place, SharedStore),
    /// The store at a place again (its earlier handle dropped).
    pub reopen: fn(&Place) -> SharedStore,
}

/// Where a store under test lives: a temporary directory (removed when dropped), or a database (dropped
/// by `cleanup` when the place is dropped).
pub struct Place {
    /// The directory.
    pub dir: tempfile::TempDir,
    /// The database URL, for a PostgreSQL store.
    pub url: Option<String>,
    /// Run when the place is dropped (drops the test database).
    pub cleanup: Option<Box<dyn FnOnce() + Send>>,
}

impl Place {
    /// A temporary directory.
    pub fn dir(dir: tempfile::TempDir) -> Self {
        Self {
            dir,
            url: None,
            cleanup: None,
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(f) = self.cleanup.take() {
            f();
        }
    }
}

fn sled_backend() -> Option<Backend> {
    Some(Backend {
        fresh: || {
            let dir = tempfile::tempdir().expect("temp dir");
            let store =
                unionwire::store::open(&dir.path().join("store")).expect("open a sled store");
            (Place::dir(dir), store)
        },
        reopen: |place| {
            unionwire::store::open(&place.dir.path().join("store")).expect("reopen the sled store")
        },
    })
}

/// One `#[test]` per conformance case for an engine; an engine whose backend is `None` (not available
/// here) has said why and is skipped.
macro_rules! conformance_suite {
    ($engine:ident, $backend:expr) => {
        mod $engine {
            conformance_suite!(@cases $backend;
                reingesting_the_same_article_updates_it_and_keeps_first_seen,
                a_mirror_copy_joins_its_origin_and_never_replaces_clean_text,
                stories_group_reposts_and_mirrors_and_keep_same_topic_stories_apart,
                lead_is_earliest_published_then_higher_priority_and_feeds_are_newest_first,
                fetch_and_source_state_round_trip_and_survive_reopen,
                ingest_refuses_an_article_without_url,
                stock_phrases_shared_by_many_stories_do_not_merge_different_stories,
                an_article_pages_fetch_state_lands_in_the_articles_own_batch_under_the_asked_url,
                verify_reports_fetch_states_that_claim_a_missing_article_and_repair_removes_only_those,
                changed_at_is_set_only_when_the_content_changes,
                feed_queries_page_newest_first_with_cursors_filters_and_search,
                the_near_duplicate_lookup_finds_the_story_a_copy_would_join,
                what_a_flushed_batch_acknowledges_survives_reopening,
                prune_removes_expired_stories_with_everything_they_hold_and_verify_stays_clean,
                a_batch_stops_at_an_article_without_url_and_keeps_the_ones_before,
                an_imported_story_reads_back_as_it_was_and_importing_it_again_changes_nothing,
                one_batch_decides_as_the_same_items_written_one_at_a_time,
                source_leases_give_each_source_to_one_owner_until_released_or_expired,
            );
        }
    };
    (@cases $backend:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                if let Some(b) = $backend {
                    super::conformance::$case(&b);
                }
            }
        )*
    };
}

conformance_suite!(sled_engine, super::sled_backend());
conformance_suite!(postgres_engine, super::postgres::pg_backend());

pub fn sid(s: &str) -> SourceId {
    SourceId::new(s).unwrap()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn article(url: &str, title: &str, paras: &[&str]) -> Article {
    Article {
        url: url.into(),
        title: title.into(),
        paragraphs: paras.iter().map(|s| (*s).to_owned()).collect(),
        ..Article::default()
    }
}

pub fn story_text() -> Vec<&'static str> {
    vec![
        "9月24日，江苏省总工会在镇江举办全省工会“安康杯”竞赛推进会暨劳动保护监督检查员培训，提出重点抓好“四赛”。",
        "近年来，江苏省各级工会与应急管理、卫生健康部门密切配合，共同组织开展了全省“安康杯”竞赛活动，发挥了积极作用。",
        "无锡市总工会实施劳动保护“百千万”培训工程，每年组织安全讲坛进一百家企业，培训劳动保护干部不少于一千名。",
    ]
}

/// Runs the built binary against a store directory, hermetically (no user config, no env overrides).
pub fn unionwire(store: &Path, args: &[&str]) -> Output {
    let mut cmd = crate::support::unionwire_command();
    cmd.arg("--store").arg(store).args(args);
    cmd.output().expect("run the unionwire binary")
}

pub fn validators(role: PageRole) -> FetchState {
    FetchState {
        etag: Some("\"v1\"".into()),
        last_modified: Some("Mon, 02 Jun 2025 08:00:00 GMT".into()),
        last_status: Some(200),
        fetched_at: Some(ts("2025-06-02T08:00:00Z")),
        next_due: None,
        role,
    }
}
