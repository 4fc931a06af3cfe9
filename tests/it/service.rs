//! Integration tests: the systemd unit in `config/unionwire.service`: systemd's own checker accepts it, and
//! the command line it starts is one the binary accepts.

const UNIT: &str = include_str!("../../config/unionwire.service");
const BIN: &str = env!("CARGO_BIN_EXE_unionwire");

fn exec_start() -> Vec<String> {
    UNIT.lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has ExecStart")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// `systemd-analyze verify` (from Debian's systemd package) accepts the unit, with ExecStart pointed at the
/// binary Cargo built.
#[test]
fn systemd_accepts_the_unit() {
    let dir = tempfile::tempdir().unwrap();
    let installed = exec_start()[0].clone();
    let unit = UNIT.replace(&installed, BIN);
    let path = dir.path().join("unionwire.service");
    std::fs::write(&path, unit).unwrap();
    let out = match std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(e) if std::env::var_os("UNIONWIRE_REQUIRE_SYSTEMD").is_none() => {
            crate::support::skip(
                "service::systemd_accepts_the_unit",
                &format!("systemd-analyze cannot run ({e})"),
            );
            return;
        }
        Err(e) => panic!("systemd-analyze: {e}"),
    };
    assert!(
        out.status.success(),
        "systemd-analyze verify:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The unit's ExecStart, with `check` in place of `run` and the example config in place of
/// /etc/unionwire/config.toml, parses and validates: its flags are the binary's flags.
#[test]
fn the_units_command_line_is_accepted() {
    let mut args = exec_start();
    assert_eq!(args.last().map(String::as_str), Some("run"));
    args.pop();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config/example.toml");
    let i = args.iter().position(|a| a == "--config").expect("--config");
    args[i + 1] = config.to_owned();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args(&args[1..])
        .arg("check")
        .env("UNIONWIRE_STORE_PATH", dir.path().join("store"))
        .env_remove("UNIONWIRE_LISTEN")
        .env_remove("UNIONWIRE_PER_HOST_DELAY")
        .env_remove("UNIONWIRE_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    for key in [
        "UNIONWIRE_STORE_PATH=",
        "StateDirectory=unionwire",
        "KillSignal=SIGTERM",
    ] {
        assert!(UNIT.contains(key), "the unit lacks {key}");
    }
}
