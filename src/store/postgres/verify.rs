//! `db verify` on PostgreSQL: every JSON value decodes, every index row points at a readable article,
//! story members exist, the counters match, and no fetch state's validators claim an article the store
//! lacks; and `db repair`'s removal of such fetch states. Problem keys are printed as the sled engine
//! prints its keys (`a/<hex id>`, `s/<hex id>`, `u/<url key>`, `B/<hex band key>`, `H/<hex anchor>`,
//! `F/<url key>`, `S/<source>`, `m/<counter>`).

use std::collections::{HashMap, HashSet};

use deadpool_postgres::GenericClient;

use super::ingest::id_of;
use super::read::{meta, url_id};
use super::{cached, pg_err};
use crate::dedup::story::Member;
use crate::model::{ArticleId, FetchState, PageRole, SourceState, StoredArticle, StoryId};
use crate::store::{Problem, StoreError, VerifyReport};

/// Rows read per round trip of a scan.
const STEP: i64 = 1000;

fn problem(key: String, what: impl Into<String>) -> Problem {
    Problem {
        key,
        what: what.into(),
    }
}

/// What is wrong with the fetch state of `url_key` (JSON `json`), if anything: undecodable, or
/// validators that claim an article the store lacks.
async fn fetch_state_problem(
    c: &impl GenericClient,
    url_key: &str,
    json: &str,
) -> Result<Option<String>, StoreError> {
    let st: FetchState = match serde_json::from_str(json) {
        Ok(st) => st,
        Err(e) => return Ok(Some(format!("undecodable value: {e}"))),
    };
    if !st.claims_article() {
        return Ok(None);
    }
    let stored = match url_id(c, url_key).await? {
        Some(id) => super::read::get(c, &id).await?.is_some(),
        None => false,
    };
    if stored {
        return Ok(None);
    }
    Ok(Some(match st.role {
        PageRole::Unknown => "fetch state (from before page roles were recorded) has validators, but no \
                              article is stored for its URL: if it is an article page, a 304 hides the article"
            .to_owned(),
        _ => "fetch state claims an article the store lacks: its validators would hide it behind a 304"
            .to_owned(),
    }))
}

/// Every fetch state with a problem.
async fn fetch_state_problems(c: &impl GenericClient) -> Result<Vec<Problem>, StoreError> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let rows = cached::query(c, "SELECT url_key, state::text FROM uw_fetch_state WHERE url_key > $1 ORDER BY url_key LIMIT $2",
                &[&after, &STEP],
            )
            .await
            .map_err(pg_err("scan fetch state"))?;
        let done = rows.len() < usize::try_from(STEP).unwrap_or(usize::MAX);
        for r in rows {
            let k: String = r.get(0);
            if let Some(what) = fetch_state_problem(c, &k, r.get(1)).await? {
                out.push(problem(format!("F/{k}"), what));
            }
            after = k;
        }
        if done {
            return Ok(out);
        }
    }
}

/// Removes every fetch state [`verify`] reports; returns what was removed.
pub(super) async fn repair_fetch_states(
    c: &impl GenericClient,
) -> Result<Vec<Problem>, StoreError> {
    let removed = fetch_state_problems(c).await?;
    let keys: Vec<&str> = removed
        .iter()
        .filter_map(|p| p.key.strip_prefix("F/"))
        .collect();
    cached::execute(
        c,
        "DELETE FROM uw_fetch_state WHERE url_key = ANY($1)",
        &[&keys],
    )
    .await
    .map_err(pg_err("remove fetch state"))?;
    Ok(removed)
}

/// Checks every row; reports each bad key; changes nothing.
pub(super) async fn verify(c: &impl GenericClient) -> Result<VerifyReport, StoreError> {
    let mut report = VerifyReport::default();
    let mut problems = Vec::new();
    let mut records = 0u64;

    // Articles: records decode and hold their own id.
    let mut good: HashMap<ArticleId, StoryId> = HashMap::new();
    let mut bad: Vec<Vec<u8>> = Vec::new();
    let mut after: Vec<u8> = Vec::new();
    loop {
        let rows = cached::query(
            c,
            "SELECT id, record::text FROM uw_articles WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after, &STEP],
        )
        .await
        .map_err(pg_err("scan articles"))?;
        let done = rows.len() < usize::try_from(STEP).unwrap_or(usize::MAX);
        for r in rows {
            records += 1;
            let raw: Vec<u8> = r.get(0);
            let key = format!("a/{}", hex::encode(&raw));
            match serde_json::from_str::<StoredArticle>(r.get(1)) {
                Err(e) => {
                    problems.push(problem(key, format!("undecodable value: {e}")));
                    bad.push(raw.clone());
                }
                Ok(a) if id_of(&raw) != Some(a.id) => {
                    problems.push(problem(key, format!("record holds article {}", a.id)));
                    bad.push(raw.clone());
                }
                Ok(a) => {
                    good.insert(a.id, a.story);
                }
            }
            after = raw;
        }
        if done {
            break;
        }
    }

    // Stories: members decode and exist.
    let mut stories: HashSet<StoryId> = HashSet::new();
    for r in cached::query(
        c,
        "SELECT id, members::text FROM uw_stories ORDER BY id",
        &[],
    )
    .await
    .map_err(pg_err("scan stories"))?
    {
        records += 1;
        let raw: Vec<u8> = r.get(0);
        let key = format!("s/{}", hex::encode(&raw));
        match serde_json::from_str::<Vec<Member>>(r.get(1)) {
            Err(e) => problems.push(problem(key, format!("undecodable value: {e}"))),
            Ok(members) => {
                if let Some(sid) = id_of(&raw) {
                    stories.insert(StoryId(sid.0));
                }
                if let Some(m) = members.iter().find(|m| !good.contains_key(&m.id)) {
                    problems.push(problem(
                        key,
                        format!("story member {} is missing or damaged", m.id),
                    ));
                }
            }
        }
    }
    let mut orphans: Vec<(&ArticleId, &StoryId)> =
        good.iter().filter(|(_, s)| !stories.contains(*s)).collect();
    orphans.sort();
    for (a, s) in orphans {
        problems.push(problem(
            format!("a/{}", hex::encode(a.0)),
            format!("its story {s} is missing or damaged"),
        ));
    }

    // Index rows pointing at a missing or damaged article.
    let dangling = [
        (
            "SELECT u.url_key, NULL::bytea FROM uw_urls u LEFT JOIN uw_articles a ON a.id = u.article
             WHERE a.id IS NULL OR u.article = ANY($1) ORDER BY 1",
            "URL index points at a missing or damaged article",
        ),
        (
            "SELECT DISTINCT ON (b.band_no, b.band) encode(substring(int2send(b.band_no) from 2)
                                                      || substring(int4send(b.band) from 3), 'hex'),
                    b.article
             FROM uw_bands b LEFT JOIN uw_articles a ON a.id = b.article
             WHERE a.id IS NULL OR b.article = ANY($1) ORDER BY b.band_no, b.band, b.article",
            "band",
        ),
        (
            "SELECT DISTINCT ON (h.anchor) encode(int8send(h.anchor), 'hex'), h.article
             FROM uw_anchors h LEFT JOIN uw_articles a ON a.id = h.article
             WHERE a.id IS NULL OR h.article = ANY($1) ORDER BY h.anchor, h.article",
            "anchor",
        ),
    ];
    for (sql, what) in dangling {
        let rows = cached::query(c, sql, &[&bad])
            .await
            .map_err(pg_err("scan index"))?;
        for r in rows {
            let k: String = r.get(0);
            let article: Option<Vec<u8>> = r.get(1);
            problems.push(match what {
                "band" => problem(
                    format!("B/{k}"),
                    format!(
                        "band index points at missing or damaged article {}",
                        id_text(article.as_deref())
                    ),
                ),
                "anchor" => problem(
                    format!("H/{k}"),
                    format!(
                        "anchor index points at missing or damaged article {}",
                        id_text(article.as_deref())
                    ),
                ),
                _ => problem(format!("u/{k}"), what),
            });
        }
    }
    let counts = cached::query_one(c, "SELECT (SELECT count(*) FROM uw_urls), (SELECT count(DISTINCT (band_no, band)) FROM uw_bands),
                    (SELECT count(DISTINCT anchor) FROM uw_anchors), (SELECT count(*) FROM uw_fetch_state),
                    (SELECT count(*) FROM uw_source_state), (SELECT count(*) FROM uw_meta)",
            &[],
        )
        .await
        .map_err(pg_err("count rows"))?;
    for i in 0..6 {
        records += u64::try_from(counts.get::<_, i64>(i)).unwrap_or(0);
    }

    problems.extend(fetch_state_problems(c).await?);
    for r in cached::query(
        c,
        "SELECT source, state::text FROM uw_source_state ORDER BY source",
        &[],
    )
    .await
    .map_err(pg_err("scan source state"))?
    {
        if let Err(e) = serde_json::from_str::<SourceState>(r.get(1)) {
            let k: String = r.get(0);
            problems.push(problem(format!("S/{k}"), format!("undecodable value: {e}")));
        }
    }

    if problems.is_empty() {
        let counted = meta(c, "articles").await?;
        if counted != good.len() as u64 {
            problems.push(problem(
                "m/articles".into(),
                format!("counts {counted} articles, {} are stored", good.len()),
            ));
        }
    }
    if problems.is_empty() {
        let counted = meta(c, "stories").await?;
        if counted != stories.len() as u64 {
            problems.push(problem(
                "m/stories".into(),
                format!("counts {counted} stories, {} are stored", stories.len()),
            ));
        }
    }
    report.records = records;
    report.problems = problems;
    Ok(report)
}

fn id_text(raw: Option<&[u8]>) -> String {
    raw.and_then(id_of)
        .map_or_else(|| "?".to_owned(), |id| id.to_string())
}
