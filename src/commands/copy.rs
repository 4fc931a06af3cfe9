//! `unionwire db copy --from STORE --to STORE`: moves a store between engines (a sled directory or a
//! `postgres://` URL on either side). Stories are copied as they are — each story's articles with their
//! records (ids, first-seen times, versions), the fingerprints they are indexed under and the story's lead
//! order — rather than ingested again, since ingesting again would give new first-seen times and, where an
//! article changed after others joined its story, could group them differently. Each story is one atomic
//! write in the target, and a story the target has already is skipped, so an interrupted copy run again
//! goes on where it stopped and a finished one copies nothing. Fetch states and source states are then
//! written where the target's differ. Last, both sides are counted and checksummed (articles, stories with
//! their members in order, fetch states, source states) and printed; exit 1 when they differ.

use std::collections::{BTreeSet, HashMap};
use std::io::Write as _;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::commands::{CmdResult, Failure, Stdout, EXIT_FAILURE, EXIT_USAGE};
use crate::model::StoryId;
use crate::store::{SharedStore, Store};

/// Stories between two progress lines.
const PROGRESS_EVERY: u64 = 1000;

/// What one side holds: counts and SHA-256 checksums.
#[derive(Debug, PartialEq, Eq)]
struct Side {
    articles: u64,
    stories: u64,
    fetch_states: u64,
    source_states: u64,
    articles_sum: String,
    stories_sum: String,
    states_sum: String,
}

/// Runs `db copy`.
///
/// # Errors
/// A store that cannot be opened (the source must exist), the same store on both sides (exit 2), an
/// engine failure while copying, or sides that differ at the end (exit 1).
pub fn run(from: &str, to: &str) -> CmdResult {
    let source = crate::store::open_url_existing(from)?;
    let target = crate::store::open_url(to)?;
    if source.location() == target.location()
        || std::fs::canonicalize(from)
            .ok()
            .is_some_and(|f| std::fs::canonicalize(to).ok().is_some_and(|t| f == t))
    {
        return Err(Failure::new(
            EXIT_USAGE,
            anyhow::anyhow!("--from and --to are the same store ({})", source.location()),
        ));
    }
    let mut out = Stdout::new();
    let (from_at, to_at) = (source.location(), target.location());
    writeln!(out, "copying {from_at} -> {to_at}")?;
    out.flush()?;

    // Stories, in id order, each whole.
    let ids = story_ids(source.as_ref())?;
    let (mut copied, mut articles, mut skipped, mut unreadable) = (0u64, 0u64, 0u64, 0u64);
    for (n, id) in (1u64..).zip(&ids) {
        if target.story(id)?.is_some() {
            skipped += 1;
        } else if let Some(view) = source.story(id)? {
            let mut members = Vec::with_capacity(1 + view.also.len());
            for a in std::iter::once(view.lead).chain(view.also) {
                let fp = match source.fingerprint(&a.id)? {
                    Some(fp) => fp,
                    None => crate::dedup::fingerprint_article(&a.article),
                };
                members.push((a, fp));
            }
            let n_members = members.len() as u64;
            if target
                .import_story(id, members)
                .with_context(|| format!("copying story {}", hex::encode(id.0)))?
            {
                copied += 1;
                articles += n_members;
            } else {
                skipped += 1;
            }
        } else {
            unreadable += 1;
            tracing::warn!(story = %hex::encode(id.0), "a story of the source cannot be read; not copied");
        }
        if n % PROGRESS_EVERY == 0 {
            // What was copied so far stays copied if the run is stopped (sled writes become durable here).
            target.flush()?;
            tracing::info!(done = n, of = ids.len(), copied, skipped, "copying stories");
        }
    }

    // Fetch states and source states, where the target's differ.
    let theirs: HashMap<String, crate::store::FetchState> =
        target.fetch_states()?.into_iter().collect();
    let mut fetch_copied = 0u64;
    for (k, st) in source.fetch_states()? {
        if theirs.get(&k) != Some(&st) {
            target.set_fetch_state(&k, &st)?;
            fetch_copied += 1;
        }
    }
    let theirs: HashMap<_, _> = target.source_states()?.into_iter().collect();
    let mut source_copied = 0u64;
    for (id, st) in source.source_states()? {
        if theirs.get(&id) != Some(&st) {
            target.set_source_state(&id, &st)?;
            source_copied += 1;
        }
    }
    target.flush()?;
    writeln!(
        out,
        "copied {copied} stories ({articles} articles), {fetch_copied} fetch states, {source_copied} \
         source states; {skipped} stories were there already{}",
        if unreadable > 0 {
            format!("; {unreadable} unreadable stories not copied")
        } else {
            String::new()
        }
    )?;

    let a = side(&source)?;
    let b = side(&target)?;
    writeln!(
        out,
        "{:<6} {:>9} {:>9} {:>12} {:>13}  checksums (articles, stories, states)",
        "", "articles", "stories", "fetch_states", "source_states"
    )?;
    for (name, s) in [("from", &a), ("to", &b)] {
        writeln!(
            out,
            "{name:<6} {:>9} {:>9} {:>12} {:>13}  {} {} {}",
            s.articles,
            s.stories,
            s.fetch_states,
            s.source_states,
            &s.articles_sum[..16],
            &s.stories_sum[..16],
            &s.states_sum[..16]
        )?;
    }
    if a == b {
        writeln!(out, "both sides are identical")?;
        out.flush()?;
        Ok(())
    } else {
        out.flush()?;
        Err(Failure::new(
            EXIT_FAILURE,
            anyhow::anyhow!(
                "the copy differs from its source ({from_at} vs {to_at}): see the table"
            ),
        ))
    }
}

/// The ids of every story that has a readable article, in order.
fn story_ids(store: &dyn Store) -> anyhow::Result<BTreeSet<StoryId>> {
    let mut ids = BTreeSet::new();
    for a in store.articles() {
        ids.insert(a?.story);
    }
    Ok(ids)
}

/// Counts and checksums of one store: every article record (in id order), every story (id, then its
/// members' ids in lead order), every fetch and source state.
fn side(store: &SharedStore) -> anyhow::Result<Side> {
    let mut articles = Sha256::new();
    let mut n_articles = 0u64;
    let mut ids = BTreeSet::new();
    for a in store.articles() {
        let a = a?;
        ids.insert(a.story);
        articles.update(serde_json::to_vec(&a).context("encoding an article")?);
        articles.update(b"\n");
        n_articles += 1;
    }
    let mut stories = Sha256::new();
    let mut n_stories = 0u64;
    for id in &ids {
        if let Some(view) = store.story(id)? {
            stories.update(id.0);
            for m in std::iter::once(&view.lead).chain(&view.also) {
                stories.update(m.id.0);
            }
            stories.update(b"\n");
            n_stories += 1;
        }
    }
    let mut states = Sha256::new();
    let mut fetch = store.fetch_states()?;
    fetch.sort_by(|x, y| x.0.cmp(&y.0));
    for (k, st) in &fetch {
        states.update(k.as_bytes());
        states.update(serde_json::to_vec(st).context("encoding a fetch state")?);
        states.update(b"\n");
    }
    let mut sources = store.source_states()?;
    sources.sort_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
    for (id, st) in &sources {
        states.update(id.as_str().as_bytes());
        states.update(serde_json::to_vec(st).context("encoding a source state")?);
        states.update(b"\n");
    }
    Ok(Side {
        articles: n_articles,
        stories: n_stories,
        fetch_states: fetch.len() as u64,
        source_states: sources.len() as u64,
        articles_sum: hex::encode(articles.finalize()),
        stories_sum: hex::encode(stories.finalize()),
        states_sum: hex::encode(states.finalize()),
    })
}
