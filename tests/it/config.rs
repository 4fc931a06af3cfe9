//! Integration tests: configuration files.

use std::time::Duration;

use unionwire::config::Config;
use unionwire::server::ServerLimits;

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

/// The `[server]` keys with a value in config/example.toml.
const SERVER_KEYS: [&str; 10] = [
    "listen",
    "request_timeout",
    "max_connections",
    "header_timeout",
    "idle_timeout",
    "write_timeout",
    "max_head_bytes",
    "max_body_bytes",
    "refresh",
    "notify",
];

fn example_text() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/example.toml")).unwrap()
}

#[test]
fn example_server_section_documents_every_limit_with_its_default() {
    let text = example_text();
    let server = text
        .split("\n[server]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [server] section");
    for key in SERVER_KEYS {
        let line = server
            .lines()
            .position(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("server.{key} has no value line in example.toml"));
        assert!(
            line > 0
                && server
                    .lines()
                    .nth(line - 1)
                    .is_some_and(|l| l.starts_with('#')),
            "server.{key} has no comment above it"
        );
    }
    let cfg = Config::from_toml(&text, "config/example.toml").unwrap();
    let example = ServerLimits::from_config(&cfg.server);
    assert_eq!(
        example,
        ServerLimits::default(),
        "example.toml shows the defaults"
    );
    let d = ServerLimits::default();
    assert_eq!(cfg.server.refresh, Duration::from_secs(5));
    assert!(cfg.server.notify);
    let default = Config::from_toml("", "empty.toml").unwrap();
    assert_eq!(default.server.refresh, Duration::from_secs(5));
    assert!(default.server.notify);
    assert_eq!(d.header_timeout, Duration::from_secs(10));
    assert_eq!(d.idle_timeout, Duration::from_secs(60));
    assert_eq!(d.write_timeout, Duration::from_secs(30));
    assert_eq!(d.max_head_bytes, 64 * 1024);
    assert_eq!(d.max_body_bytes, 16 * 1024);
    // A file without the keys gets the same limits.
    let bare = Config::from_toml("[server]\nlisten = \"127.0.0.1:9\"\n", "bare.toml").unwrap();
    assert_eq!(ServerLimits::from_config(&bare.server), d);
}

#[test]
fn server_limits_are_read_from_the_file() {
    let text = "[server]\nheader_timeout = \"2s\"\nidle_timeout = \"1m 30s\"\nwrite_timeout = \"750ms\"\n\
                max_head_bytes = 16384\nmax_body_bytes = 1\nrequest_timeout = \"5s\"\nmax_connections = 3\n";
    let cfg = Config::from_toml(text, "x.toml").unwrap();
    let l = ServerLimits::from_config(&cfg.server);
    assert_eq!(l.header_timeout, Duration::from_secs(2));
    assert_eq!(l.idle_timeout, Duration::from_secs(90));
    assert_eq!(l.write_timeout, Duration::from_millis(750));
    assert_eq!(l.max_head_bytes, 16384);
    assert_eq!(l.max_body_bytes, 1);
    assert_eq!(l.request_timeout, Duration::from_secs(5));
    assert_eq!(l.max_connections, 3);
    // The bounds themselves are accepted.
    let edges =
        "[server]\nheader_timeout = \"100ms\"\nidle_timeout = \"1h\"\nmax_head_bytes = 8192\n\
                 max_body_bytes = 16777216\n";
    let cfg = Config::from_toml(edges, "x.toml").unwrap();
    assert_eq!(cfg.server.header_timeout, Duration::from_millis(100));
    assert_eq!(cfg.server.idle_timeout, Duration::from_secs(3600));
    assert_eq!(cfg.server.max_head_bytes, 8192);
    assert_eq!(cfg.server.max_body_bytes, 16 * 1024 * 1024);
}

#[test]
fn zero_and_absurd_server_limits_are_refused_naming_file_line_and_key() {
    let cases = [
        ("header_timeout", "\"0\""),
        ("header_timeout", "\"0s\""),
        ("header_timeout", "\"50ms\""),
        ("header_timeout", "\"2h\""),
        ("idle_timeout", "\"0\""),
        ("idle_timeout", "\"365days\""),
        ("write_timeout", "\"0ms\""),
        ("write_timeout", "\"100years\""),
        ("request_timeout", "\"0\""),
        ("refresh", "\"0s\""),
        ("refresh", "\"10ms\""),
        ("refresh", "\"2h\""),
        ("max_connections", "0"),
        ("max_connections", "10000000"),
        ("max_head_bytes", "0"),
        ("max_head_bytes", "8191"),
        ("max_head_bytes", "1073741824"),
        ("max_head_bytes", "-1"),
        ("max_body_bytes", "0"),
        ("max_body_bytes", "-16384"),
        ("max_body_bytes", "1099511627776"),
    ];
    for (key, value) in cases {
        let text = format!("# limits\n[server]\nlisten = \"127.0.0.1:8080\"\n{key} = {value}\n");
        let err = Config::from_toml(&text, "limits.toml")
            .expect_err(&format!("server.{key} = {value} must be refused"))
            .to_string();
        assert!(err.starts_with("limits.toml:4: "), "{key} = {value}: {err}");
        assert!(
            err.contains(&format!("server.{key}")),
            "{key} = {value}: {err}"
        );
        assert!(err.contains("out of range"), "{key} = {value}: {err}");
    }
}

#[test]
fn malformed_server_limits_are_refused_naming_file_line_and_key() {
    for (key, value, says) in [
        ("header_timeout", "\"soon\"", "invalid duration"),
        ("idle_timeout", "\"-5s\"", "invalid duration"),
        ("write_timeout", "30", "string"),
        ("max_head_bytes", "\"64KiB\"", "whole number"),
        ("max_body_bytes", "1.5", "whole number"),
        ("refresh", "\"often\"", "invalid duration"),
        ("refresh", "5", "string"),
    ] {
        let text = format!("[server]\n\n{key} = {value}\n");
        let err = Config::from_toml(&text, "bad.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bad.toml:3: "), "{key} = {value}: {err}");
        assert!(
            err.contains(&format!("server.{key}: ")),
            "{key} = {value}: {err}"
        );
        assert!(err.contains(says), "{key} = {value}: {err}");
    }
    // Unknown server keys are still refused.
    let err = Config::from_toml("[server]\nread_timeout = \"1s\"\n", "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bad.toml:2: "), "{err}");
    assert!(err.contains("read_timeout"), "{err}");
}

/// Runs `unionwire --config FILE check` on `toml` (with no `UNIONWIRE_…` variables but `env`) and returns
/// the exit code and stderr.
fn check_file(toml: &str, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, toml).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_unionwire"));
    for (k, _) in std::env::vars() {
        if k.starts_with("UNIONWIRE_") {
            cmd.env_remove(k);
        }
    }
    cmd.arg("--config")
        .arg(&path)
        .args(args)
        .envs(env.iter().copied());
    if !args.iter().any(|a| *a == "run" || *a == "serve") {
        cmd.arg("check");
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        path.display().to_string(),
    )
}

const SOURCE: &str = "[[sources]]\nid = \"testunion\"\nname = \"Test union\"\nkind = \"listing\"\nurl = \"http://union.test/news/\"\nlinks = \"ul.list a\"\n";

/// Every kind of configuration mistake is reported with the file, the line and the key, and exit 2:
/// unknown keys, wrong types, bad values the parser sees, values only validation refuses, a bad CSS
/// selector or regex (in words), a profile that does not exist, and a scheme that cannot be crawled.
#[test]
fn every_bad_config_names_file_line_and_key() {
    let cases: &[(&str, String, usize, &str, &str)] = &[
        (
            "unknown key",
            "[crawl]\nspeed = 3\n".into(),
            2,
            "speed",
            "unknown field",
        ),
        (
            "wrong type",
            "[crawl]\nconcurrency = \"many\"\n".into(),
            2,
            "crawl.concurrency",
            "invalid type",
        ),
        (
            "bad duration",
            "[crawl]\n\nper_host_delay = \"soon\"\n".into(),
            3,
            "crawl.per_host_delay",
            "duration",
        ),
        (
            "validation: jitter",
            "[crawl]\nconcurrency = 4\njitter = 3.5\n".into(),
            3,
            "crawl.jitter",
            "between 0.0 and 1.0",
        ),
        (
            "validation: every",
            format!("{SOURCE}every = \"5s\"\n"),
            7,
            "sources[0] (testunion).every",
            "at least 1m",
        ),
        (
            "validation: second source",
            format!(
                "{SOURCE}\n{}pages = 0\n",
                SOURCE.replace("testunion", "other")
            ),
            14,
            "sources[1] (other).pages",
            "at least 1",
        ),
        (
            "css selector",
            SOURCE.replace("ul.list a", "li a[=x]"),
            6,
            "sources[0] (testunion).links",
            "attribute",
        ),
        (
            "regex",
            format!("{SOURCE}pattern = \"(unclosed\"\n"),
            7,
            "sources[0] (testunion).pattern",
            "unclosed",
        ),
        (
            "profile typo",
            format!("{SOURCE}profile = \"peopel\"\n"),
            7,
            "sources[0] (testunion).profile",
            "no site profile is named \"peopel\"",
        ),
        (
            "scheme",
            SOURCE.replace("http://union.test/news/", "ftp://union.test/news/"),
            5,
            "sources[0] (testunion).url",
            "ftp scheme is not supported",
        ),
        (
            "bad lease_ttl",
            "[crawl]\nlease_ttl = \"a minute\"\n".into(),
            2,
            "crawl.lease_ttl",
            "duration",
        ),
        (
            "validation: lease_ttl",
            "[crawl]\nconcurrency = 4\nlease_ttl = \"500ms\"\n".into(),
            3,
            "crawl.lease_ttl",
            "at least 1s",
        ),
        (
            "bad listen",
            "[server]\nlisten = \"nowhere\"\n".into(),
            2,
            "server.listen",
            "no port",
        ),
    ];
    for (what, toml, line, key, words) in cases {
        let (code, err, path) = check_file(toml, &[], &[]);
        assert_eq!(code, 2, "{what}: exit {code}: {err}");
        assert!(
            err.contains(&format!("{path}:{line}:")),
            "{what}: no {path}:{line}: in {err}"
        );
        assert!(err.contains(key), "{what}: no key {key} in {err}");
        assert!(err.contains(words), "{what}: no {words:?} in {err}");
        assert!(
            !err.contains("report this to the developer"),
            "{what}: {err}"
        );
    }
}

/// A bad value from an environment variable or a flag names the variable or the flag instead of a line.
#[test]
fn bad_values_from_the_environment_and_flags_name_them() {
    let (code, err, _) = check_file(SOURCE, &[("UNIONWIRE_PER_HOST_DELAY", "soon")], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("UNIONWIRE_PER_HOST_DELAY: crawl.per_host_delay:"),
        "{err}"
    );
    let (code, err, _) = check_file(SOURCE, &[("UNIONWIRE_LISTEN", "localhost")], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("UNIONWIRE_LISTEN: server.listen:"), "{err}");
    let (code, err, _) = check_file(SOURCE, &[], &["serve", "--listen", "localhost:notaport"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--listen"), "{err}");
    assert!(err.contains("not a number"), "{err}");
}

/// `listen` takes host names and `:PORT` as well as socket addresses.
#[test]
fn listen_accepts_host_names_and_a_bare_port() {
    use unionwire::config::parse_listen;
    assert_eq!(
        parse_listen(":8080").unwrap(),
        "0.0.0.0:8080".parse::<std::net::SocketAddr>().unwrap()
    );
    assert_eq!(
        parse_listen("127.0.0.1:9").unwrap(),
        "127.0.0.1:9".parse::<std::net::SocketAddr>().unwrap()
    );
    assert_eq!(
        parse_listen("[::1]:9").unwrap(),
        "[::1]:9".parse::<std::net::SocketAddr>().unwrap()
    );
    assert!(parse_listen("localhost:8080").unwrap().ip().is_loopback());
    let cfg = Config::from_toml("[server]\nlisten = \"localhost:8081\"\n", "x.toml").unwrap();
    assert!(cfg.server.listen.ip().is_loopback());
    assert_eq!(cfg.server.listen.port(), 8081);
    for bad in ["8080", "localhost:99999", "no such host.invalid:80", ""] {
        assert!(parse_listen(bad).is_err(), "{bad:?} accepted");
    }
}

/// With no `[store] path`, the store lives in the user's data directory, not in the directory the command
/// runs in: `$XDG_DATA_HOME/unionwire/store`, else `~/.local/share/unionwire/store`.
#[test]
fn the_default_store_is_in_the_users_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let show = |env: &[(&str, &std::path::Path)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_unionwire"));
        for (k, _) in std::env::vars() {
            if k.starts_with("UNIONWIRE_") || k == "XDG_DATA_HOME" || k == "HOME" {
                cmd.env_remove(k);
            }
        }
        let out = cmd
            .arg("check")
            .current_dir(dir.path())
            .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let xdg = dir.path().join("xdg");
    let home = dir.path().join("home");
    let (code, out) = show(&[("XDG_DATA_HOME", &xdg), ("HOME", &home)]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&xdg.join("unionwire/store").display().to_string()),
        "{out}"
    );
    let (code, out) = show(&[("HOME", &home)]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(
            &home
                .join(".local/share/unionwire/store")
                .display()
                .to_string()
        ),
        "{out}"
    );
    let (code, out) = show(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("store.path: no store directory"), "{out}");
}
