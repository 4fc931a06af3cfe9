//! The html5ever parse ceiling: how many of the generated pages one core can merely parse into a DOM.
//! usage: `cargo run --release --example parse_ceiling -- DIR [--all]`: the article pages (`/n1/`) of a site
//! from bench/crawl/gensite.py, or with `--all` every `.html` file under DIR (the AEB pages, say).

use std::path::{Path, PathBuf};
use std::time::Instant;

fn collect(dir: &Path, all: bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, all, out);
        } else if p.extension().is_some_and(|x| x == "html")
            && (all || p.to_string_lossy().contains("/n1/"))
        {
            out.push(p);
        }
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bench/out/crawl/site".into());
    let all = std::env::args().any(|a| a == "--all");
    let mut files = Vec::new();
    collect(Path::new(&dir), all, &mut files);
    let pages: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .map(|b| unionwire::fetch::charset::decode(&b, None, None).text)
        .collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    let t = Instant::now();
    let mut nodes = 0usize;
    for p in &pages {
        nodes += scraper::Html::parse_document(p).tree.nodes().count();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{{\"label\": \"html5ever parse\", \"pages\": {}, \"mb\": {:.1}, \"nodes\": {nodes}, \"pages_per_s\": {:.0}}}",
        pages.len(),
        bytes as f64 / 1e6,
        pages.len() as f64 / secs.max(1e-9)
    );
}
