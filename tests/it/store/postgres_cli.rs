//! The commands on a PostgreSQL store, chosen by `--store postgres://…`, `UNIONWIRE_STORE_URL` or
//! `[store] url`: `db migrate` applies the schema once and then says it is up to date, `db stats`,
//! `db verify` and `export` read what was stored, a wrong password is a clear error (exit 1) that never
//! shows the password, and `db salvage` (a sled tool) is refused.

use std::process::Output;

use super::postgres::{new_database, server};
use super::{article, sid, story_text};

fn unionwire(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = crate::support::unionwire_command();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run the unionwire binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_commands_work_on_a_postgres_store_named_by_flag_env_or_config() {
    let Some(server) = server("store::postgres_cli") else {
        return;
    };
    let place = new_database(&server);
    let url = place.url.clone().expect("url");

    let out = unionwire(&["db", "migrate", "--store", &url], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("schema 0 -> 2"),
        "{}",
        text(&out.stdout)
    );
    let out = unionwire(&["db", "migrate", "--store", &url], &[]);
    assert!(
        text(&out.stdout).contains("schema 2, up to date"),
        "{}",
        text(&out.stdout)
    );

    {
        let store = unionwire::store::open_url(&url).expect("open");
        store
            .ingest_batch(vec![(
                article(
                    "http://a.example/1.html",
                    "安康杯竞赛推进会召开",
                    &story_text(),
                ),
                sid("a"),
                0,
            )
                .into()])
            .expect("ingest");
    }
    // By environment.
    let out = unionwire(&["db", "stats", "--json"], &[("UNIONWIRE_STORE_URL", &url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (v["articles"].as_u64(), v["stories"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    // By the config file.
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, format!("[store]\nurl = \"{url}\"\n")).expect("write config");
    let c = cfg.to_string_lossy().into_owned();
    let out = unionwire(&["--config", &c, "db", "verify"], &[]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out = unionwire(&["--config", &c, "export", "--format", "jsonl"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("安康杯竞赛推进会召开"));

    // A sled-only tool is refused with the reason.
    let out = unionwire(
        &[
            "db",
            "salvage",
            "--store",
            &url,
            "--to",
            &dir.path().join("s").to_string_lossy(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("sled store"),
        "{}",
        text(&out.stderr)
    );

    // A wrong password: exit 1, the server's reason, never the password.
    let mut bad = url::Url::parse(&url).expect("a URL");
    bad.set_password(Some("not-the-Password-42"))
        .expect("password");
    let out = unionwire(
        &["db", "stats", "--store", bad.as_str()],
        &[("PGPASSWORD", "")],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("not-the-Password-42"), "{err}");
    assert!(err.contains("password authentication failed"), "{err}");
}
