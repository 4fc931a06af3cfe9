//! Scores the generic extractor on the Scrapinghub Article Extraction Benchmark and prints F1,
//! precision, recall and accuracy next to the peers' published predictions, scored the same way.
//!
//! `cargo run --release --example aeb -- ../shared/eval/scrapinghub-aeb [--worst N] [--show KEY] [--dump DIR]`
//!
//! Metric (the benchmark's README): `\w+` tokens, 4-token shingles as multisets, per-document tp/fp/fn
//! normalised to sum 1, precision/recall averaged over documents, F1 from the averages; accuracy is the
//! share of documents whose token list equals the truth.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use regex::Regex;

struct Score {
    f1: f64,
    precision: f64,
    recall: f64,
    accuracy: f64,
}

fn tokens(text: &str, word: &Regex) -> Vec<String> {
    word.find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

fn shingles(t: &[String]) -> HashMap<&[String], i64> {
    let mut m = HashMap::new();
    if t.len() < 4 {
        *m.entry(t).or_insert(0) += 1;
    } else {
        for w in t.windows(4) {
            *m.entry(w).or_insert(0) += 1;
        }
    }
    m
}

/// Per-document (precision, recall, has_pred, has_truth, exact).
fn doc_score(truth: &str, pred: &str, word: &Regex) -> (f64, f64, bool, bool, bool) {
    let tt = tokens(truth, word);
    let pt = tokens(pred, word);
    let exact = tt == pt;
    let a = shingles(&tt);
    let b = shingles(&pt);
    let (mut tp, mut fp, mut fn_) = (0i64, 0i64, 0i64);
    for (s, &c) in &a {
        let d = b.get(s).copied().unwrap_or(0);
        tp += c.min(d);
        fn_ += (c - d).max(0);
    }
    for (s, &d) in &b {
        let c = a.get(s).copied().unwrap_or(0);
        fp += (d - c).max(0);
    }
    let total = (tp + fp + fn_) as f64;
    let (tp, fp, fn_) = if total > 0.0 {
        (tp as f64 / total, fp as f64 / total, fn_ as f64 / total)
    } else {
        (0.0, 0.0, 0.0)
    };
    let (p, r) = if fp == 0.0 && fn_ == 0.0 {
        (1.0, 1.0)
    } else {
        let p = if tp == 0.0 && fp == 0.0 {
            0.0
        } else {
            tp / (tp + fp)
        };
        let r = if tp == 0.0 && fn_ == 0.0 {
            0.0
        } else {
            tp / (tp + fn_)
        };
        (p, r)
    };
    (p, r, tp + fp > 0.0, tp + fn_ > 0.0, exact)
}

fn score(truth: &HashMap<String, String>, pred: &HashMap<String, String>, word: &Regex) -> Score {
    let (mut ps, mut pn, mut rs, mut rn, mut acc) = (0.0, 0usize, 0.0, 0usize, 0usize);
    for (k, t) in truth {
        let p = pred.get(k).map_or("", String::as_str);
        let (pp, rr, hp, ht, exact) = doc_score(t, p, word);
        if hp {
            ps += pp;
            pn += 1;
        }
        if ht {
            rs += rr;
            rn += 1;
        }
        if exact {
            acc += 1;
        }
    }
    let precision = ps / pn.max(1) as f64;
    let recall = rs / rn.max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Score {
        f1,
        precision,
        recall,
        accuracy: acc as f64 / truth.len().max(1) as f64,
    }
}

fn read_json(path: &Path) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn bodies(v: &serde_json::Value) -> HashMap<String, String> {
    let map = v.get("output").unwrap_or(v);
    map.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v["articleBody"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "../shared/eval/scrapinghub-aeb".into()),
    );
    let mut worst = 0usize;
    let mut show: Option<String> = None;
    let mut dump: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        if a == "--worst" {
            worst = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
        } else if a == "--show" {
            show = args.next();
        } else if a == "--dump" {
            dump = args.next().map(PathBuf::from);
        }
    }
    if let Some(d) = &dump {
        std::fs::create_dir_all(d)?;
    }
    let word = Regex::new(r"\w+")?;
    let gt = read_json(&dir.join("ground-truth.json"))?;
    let truth = bodies(&gt);
    let urls: HashMap<String, String> = gt
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v["url"].as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();

    let mut keys: Vec<&String> = truth.keys().collect();
    keys.sort();
    let mut ours = HashMap::new();
    let mut bytes = 0usize;
    let mut took = std::time::Duration::ZERO;
    for k in &keys {
        let mut html = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(
            dir.join("html").join(format!("{k}.html.gz")),
        )?)
        .read_to_string(&mut html)?;
        bytes += html.len();
        let url = url::Url::parse(urls.get(*k).map_or("", String::as_str))
            .or_else(|_| url::Url::parse("http://example.com/"))?;
        let start = Instant::now();
        let result = unionwire::extract::extract_article(&html, &url, None);
        if show.as_deref() == Some(k.as_str()) {
            println!("{result:#?}");
        }
        let body = result
            .map(|e| e.article.paragraphs.join("\n"))
            .unwrap_or_default();
        took += start.elapsed();
        if let Some(d) = &dump {
            std::fs::write(d.join(format!("{k}.txt")), &body)?;
        }
        ours.insert((*k).clone(), body);
    }
    let s = score(&truth, &ours, &word);
    println!("AEB: {} pages, {:.1} MB", keys.len(), bytes as f64 / 1e6);
    println!(
        "extraction time: {:.2} ms/page, {:.1} MB/s",
        took.as_secs_f64() * 1e3 / keys.len().max(1) as f64,
        bytes as f64 / 1e6 / took.as_secs_f64().max(1e-9)
    );
    println!(
        "{:<24} {:>6} {:>6} {:>6} {:>6}",
        "system", "F1", "P", "R", "acc"
    );
    println!(
        "{:<24} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
        "unionwire (generic)", s.f1, s.precision, s.recall, s.accuracy
    );
    let mut peers: Vec<(String, Score)> = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir.join("output")) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json") {
                let name = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                if let Ok(v) = read_json(&p) {
                    peers.push((name, score(&truth, &bodies(&v), &word)));
                }
            }
        }
    }
    peers.sort_by(|a, b| b.1.f1.total_cmp(&a.1.f1));
    for (name, s) in &peers {
        println!(
            "{:<24} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
            name, s.f1, s.precision, s.recall, s.accuracy
        );
    }
    if worst > 0 {
        let mut per: Vec<(f64, f64, &String)> = keys
            .iter()
            .map(|k| {
                let (p, r, _, _, _) =
                    doc_score(&truth[*k], ours.get(*k).map_or("", String::as_str), &word);
                (p, r, *k)
            })
            .collect();
        per.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
        for (p, r, k) in per.iter().take(worst) {
            println!(
                "worst: P {p:.2} R {r:.2} {k} {}",
                urls.get(*k).map_or("", String::as_str)
            );
        }
    }
    Ok(())
}
