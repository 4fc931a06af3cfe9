//! The build's boundaries: every `crate::…` path in `src/` is read, and a top-level module may name only
//! the modules [`ALLOWED`] lists for it (the layers of the README's map, bottom up). The modules' actual
//! imports must also form no cycle. Comments are not read; test modules inside `src/` are held to the same
//! table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which top-level modules each one may import, bottom layer first. `main.rs` and `lib.rs` are the
/// binary's and the library's roots and are not listed.
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("config", &["model"]),
    ("cli", &["config", "model"]),
    ("clean", &["model"]),
    ("fetch", &["config", "model"]),
    ("extract", &["clean", "model"]),
    ("dedup", &["clean", "model"]),
    ("store", &["dedup", "model"]),
    ("metrics", &["model"]),
    ("publish", &["clean", "config", "dedup", "model", "store"]),
    (
        "crawl",
        &[
            "clean", "config", "dedup", "extract", "fetch", "metrics", "model", "store",
        ],
    ),
    (
        "server",
        &[
            "clean", "config", "dedup", "metrics", "model", "publish", "store",
        ],
    ),
    (
        "commands",
        &[
            "clean", "cli", "config", "crawl", "dedup", "extract", "fetch", "metrics", "model",
            "publish", "server", "store",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments (line comments, doc comments and block comments).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else if let Some(after) = rest.strip_prefix("'\"'") {
            // The character literal of a double quote opens no string.
            out.push_str("'\"'");
            rest = after;
        } else if rest.starts_with('"') {
            // A string literal is kept whole, so a "//" inside it is not taken for a comment.
            let end = rest[1..]
                .char_indices()
                .scan(false, |escaped, (i, c)| {
                    let done = c == '"' && !*escaped;
                    *escaped = c == '\\' && !*escaped;
                    Some((i, done))
                })
                .find(|(_, done)| *done)
                .map_or(rest.len(), |(i, _)| i + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The top-level modules a file names through `crate::…` (a `use crate::{a, b}` group counts each).
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `mycrate::…`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// The import graph between top-level modules, from the code: module → (module it names → files).
fn import_graph() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a component");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for named in named_modules(&without_comments(&text)) {
            if named != module {
                graph
                    .entry(module.clone())
                    .or_default()
                    .entry(named)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
        graph.entry(module).or_default();
    }
    graph
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let graph = import_graph();
    let mut wrong = Vec::new();
    for (module, imports) in &graph {
        let Some(ok) = allowed.get(module.as_str()) else {
            wrong.push(format!(
                "src/{module}: a top-level module the layer table does not list"
            ));
            continue;
        };
        for (named, files) in imports {
            if !ok.contains(&named.as_str()) {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                wrong.push(format!(
                    "{module} must not import {named} (in {})",
                    files.join(", ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "layer violations:\n{}", wrong.join("\n"));
}

#[test]
fn the_top_level_modules_import_one_another_without_a_cycle() {
    let graph = import_graph();
    // Depth-first search for a back edge.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(true) => return None,
            Some(false) => {
                let start = path.iter().position(|p| *p == m).unwrap_or(0);
                let mut cycle: Vec<String> =
                    path[start..].iter().map(|s| (*s).to_owned()).collect();
                cycle.push(m.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        state.insert(m, false);
        path.push(m);
        for next in graph.get(m).into_iter().flat_map(|i| i.keys()) {
            if graph.contains_key(next) {
                if let Some(c) = visit(next, graph, state, path) {
                    return Some(c);
                }
            }
        }
        path.pop();
        state.insert(m, true);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(m, &graph, &mut state, &mut path) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_reader_sees_through_comments_strings_and_groups() {
    let code = without_comments(
        "use crate::{model::A, store};\n// crate::server in a comment\nlet s = \"crate::// no\";\n/* crate::x */ crate::fetch::get();\nmycrate::other();",
    );
    let named: Vec<String> = named_modules(&code).into_iter().collect();
    assert_eq!(named, vec!["fetch", "model", "store"]);
}
