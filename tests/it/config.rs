//! Integration tests: configuration files.

use unionwire::config::Config;

#[test]
fn example_config_parses_and_documents_every_source_kind() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/example.toml"))
        .unwrap();
    let cfg = Config::from_toml(&text, "config/example.toml").unwrap();
    let kinds: std::collections::BTreeSet<_> =
        cfg.sources.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["epaper", "feed", "hanweb", "listing"]
    );
}

#[test]
fn embedded_default_has_the_real_union_sources() {
    let cfg = Config::embedded().unwrap();
    for id in [
        "acftu-people",
        "workercn",
        "grrb-epaper",
        "acftu-org",
        "jsgh",
    ] {
        assert!(cfg.source(id).is_some(), "missing source {id}");
    }
}
