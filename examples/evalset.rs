//! Extracts every page of an evaluation set the way `unionwire fetch` does (bytes → charset decoding →
//! profile chosen from the page → extraction → canonical URL) and writes one JSON line per page, for
//! `bench/accuracy/evalsets.py` to score.
//!
//! `cargo run --release --example evalset -- MANIFEST.json OUT.jsonl`
//!
//! The manifest is a JSON list of `{"id": …, "path": …, "url": …}`; `path` may be gzip-compressed
//! (`.gz`), `url` may be empty (the page is then extracted at `http://example.com/`). Each output line is
//! `{"id", "ms", "article"}` or `{"id", "error"}`.

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use serde_json::json;

fn read_page(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file).read_to_end(&mut bytes)?;
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(manifest), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: evalset MANIFEST.json OUT.jsonl".into());
    };
    let items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&manifest)?)?;
    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    let fallback = url::Url::parse("http://example.com/")?;
    for item in &items {
        let id = item["id"].as_str().unwrap_or_default();
        let path = Path::new(item["path"].as_str().unwrap_or_default());
        let url = item["url"]
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| fallback.clone());
        let line = match read_page(path) {
            Err(e) => json!({"id": id, "error": format!("reading {}: {e}", path.display())}),
            Ok(bytes) => {
                let start = Instant::now();
                let decoded = unionwire::fetch::charset::decode(&bytes, None, url.host_str());
                match unionwire::extract::extract_article(&decoded.text, &url, None) {
                    Ok(x) => {
                        let mut a = x.article;
                        a.encoding = decoded.encoding.name().to_owned();
                        for f in decoded.flags() {
                            a.flag(f);
                        }
                        unionwire::crawl::finish_article(&mut a);
                        json!({"id": id, "ms": start.elapsed().as_secs_f64() * 1e3, "article": a})
                    }
                    Err(e) => json!({"id": id, "error": e.to_string()}),
                }
            }
        };
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    Ok(())
}
