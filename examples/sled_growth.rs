//! How sled 0.34 itself grows, with none of unionwire's code in the way: writes synthetic "articles" into a
//! raw sled tree with the store's cache setting (8 MiB) and prints the write rate, the process's resident
//! memory and the size on disk every twentieth of the run.
//!
//! usage: `cargo run --release --example sled_growth -- DIR ARTICLES RANDOM_KEYS VALUE_BYTES [lowspace|split]`
//!
//! Each article is one atomic batch: one record of VALUE_BYTES under a random 8-byte id, RANDOM_KEYS small
//! keys at random places in the tree (each read first, as the store reads a posting list before writing it:
//! the shape of the anchor and band postings), and one key at the end of a time-ordered range (the shape of
//! the story-time and source indexes). The tree is flushed every 16 articles, as the crawler's batches are.
//! Comparing RANDOM_KEYS 0 with 32, and VALUE_BYTES 200 with 3000, separates what grows with the number of
//! keys from what grows with the bytes stored. `lowspace` selects sled's `Mode::LowSpace`; `split` writes the
//! random keys into a second tree (a separate batch, so not atomic with the record: a measurement of the
//! layout, not one the store could use as is). DIR is emptied first.

use std::time::Instant;

/// sled's cache in the store (`store::sled::CACHE_BYTES`).
const CACHE_BYTES: u64 = 8 * 1024 * 1024;

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> Result<T, String> {
    args.get(i)
        .ok_or_else(|| format!("missing {what}"))?
        .parse()
        .map_err(|_| format!("{what} must be a number, not {:?}", args[i]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: sled_growth DIR ARTICLES RANDOM_KEYS VALUE_BYTES [lowspace|split]";
    let dir = args.get(1).ok_or(usage)?;
    let articles: u64 = arg(&args, 2, "ARTICLES").map_err(|e| format!("{e}; {usage}"))?;
    let random_keys: u64 = arg(&args, 3, "RANDOM_KEYS").map_err(|e| format!("{e}; {usage}"))?;
    let value_bytes: usize = arg(&args, 4, "VALUE_BYTES").map_err(|e| format!("{e}; {usage}"))?;
    let option = args.get(5).map(String::as_str);
    let low_space = option == Some("lowspace");
    let split = option == Some("split");
    if option.is_some() && !low_space && !split {
        return Err(format!("unknown option {option:?}; {usage}").into());
    }

    let _ = std::fs::remove_dir_all(dir);
    let mut config = sled::Config::new().path(dir).cache_capacity(CACHE_BYTES);
    if low_space {
        config = config.mode(sled::Mode::LowSpace);
    }
    let db = config.open()?;
    let tree = db.open_tree("probe")?;
    let postings = if split {
        db.open_tree("postings")?
    } else {
        tree.clone()
    };

    // xorshift64: a fixed, cheap stream of random keys.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let record = vec![b'x'; value_bytes];
    let step = (articles / 20).max(1);
    println!(
        "sled 0.34 probe: {articles} articles, {random_keys} random keys each, {value_bytes}-byte records, cache {} MiB{}",
        CACHE_BYTES >> 20,
        match (low_space, split) {
            (true, _) => ", LowSpace mode",
            (_, true) => ", random keys in their own tree",
            _ => "",
        }
    );
    println!("| articles | articles/s (this step) | RSS MB | on disk MB |");
    println!("|---|---|---|---|");
    let mut started = Instant::now();
    for i in 0..articles {
        let id = random().to_be_bytes();
        let mut batch = sled::Batch::default();
        let mut posting_batch = sled::Batch::default();
        batch.insert([&b"a"[..], &id].concat(), record.as_slice());
        for _ in 0..random_keys {
            let key = [&b"H"[..], &random().to_be_bytes()].concat();
            let _ = postings.get(&key)?;
            if split {
                posting_batch.insert(key, &id[..]);
            } else {
                batch.insert(key, &id[..]);
            }
        }
        batch.insert([&b"t"[..], &i.to_be_bytes()].concat(), &[][..]);
        if split {
            postings.apply_batch(posting_batch)?;
        }
        tree.apply_batch(batch)?;
        if i % 16 == 15 {
            db.flush()?;
        }
        if (i + 1) % step == 0 {
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            println!(
                "| {} | {:.0} | {:.1} | {} |",
                i + 1,
                step as f64 / secs,
                rss_mb(),
                db.size_on_disk()? >> 20
            );
            started = Instant::now();
        }
    }
    Ok(())
}
