//! `[store]`: where the store lives.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::parse_duration;

/// `[store]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Directory of the sled store (default: `$XDG_DATA_HOME/unionwire/store`, else
    /// `~/.local/share/unionwire/store`).
    #[serde(default = "default_store_path")]
    pub path: PathBuf,
    /// A PostgreSQL store instead of the sled directory: `postgres://user@host:port/db` (the password may
    /// also come from `PGPASSWORD` or a passfile). Set, it wins over `path`.
    #[serde(default, deserialize_with = "de_store_url")]
    pub url: Option<StoreUrl>,
    /// How long stories are kept: a story whose newest copy is older than this is removed by
    /// `db prune` and by `run` (at start, then daily). `None` (the default) keeps everything.
    #[serde(default, deserialize_with = "de_retention")]
    pub retention: Option<Duration>,
}

/// Shortest `store.retention` accepted: anything shorter would drop stories a crawl just stored.
pub const RETENTION_MIN: Duration = Duration::from_secs(24 * 3600);

fn de_retention<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let s = String::deserialize(d)?;
    parse_retention(&s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// Parses a retention (`"730d"`, `"26w"`, `"1y"`): a duration of at least [`RETENTION_MIN`].
///
/// # Errors
/// A message saying what a retention looks like.
pub fn parse_retention(s: &str) -> Result<Duration, String> {
    let t = parse_duration(s)?;
    if t < RETENTION_MIN {
        return Err(format!(
            "{s:?} is shorter than one day; write e.g. \"730d\" (leave store.retention out to keep \
             everything)"
        ));
    }
    Ok(t)
}

/// The store's default place: `$XDG_DATA_HOME/unionwire/store`, else `~/.local/share/unionwire/store`
/// (the XDG base directory rule), so that it does not depend on the directory a command runs in. Empty
/// when neither variable is set; validation then asks for `[store] path`.
fn default_store_path() -> PathBuf {
    let xdg = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|h| h.join(".local/share"))
    };
    xdg.or_else(home)
        .map(|d| d.join("unionwire/store"))
        .unwrap_or_default()
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: default_store_path(),
            url: None,
            retention: None,
        }
    }
}

/// A PostgreSQL store's address. Printed (`Debug`, `Display`) without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl(String);

impl StoreUrl {
    /// Checks that `s` is a `postgres://` or `postgresql://` URL.
    ///
    /// # Errors
    /// A message saying what a store URL looks like.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let ok = url::Url::parse(s)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "postgres" | "postgresql") && u.has_host());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "{} is not a PostgreSQL URL; write postgres://USER@HOST:PORT/DATABASE (or use [store] \
                 path for the embedded store)",
                redacted(s)
            ))
        }
    }

    /// The URL as given (with its password, if it has one): for the database client only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `s` names a PostgreSQL store rather than a directory.
    #[must_use]
    pub fn looks_like(s: &str) -> bool {
        let s = s.trim_start();
        s.starts_with("postgres://") || s.starts_with("postgresql://")
    }
}

/// `s` with any password in it replaced by `***`.
fn redacted(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "the value".to_owned(),
    }
}

impl std::fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redacted(&self.0))
    }
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

fn de_store_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StoreUrl>, D::Error> {
    let s = String::deserialize(d)?;
    StoreUrl::parse(&s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_are_postgres_urls_and_never_print_their_password() {
        let u = StoreUrl::parse("postgres://uw:s3cret@db.example:5433/news").expect("a URL");
        assert_eq!(u.expose(), "postgres://uw:s3cret@db.example:5433/news");
        assert!(!u.to_string().contains("s3cret"), "{u}");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert!(StoreUrl::parse("postgresql://db.example/news").is_ok());
        let e = StoreUrl::parse("mysql://uw:s3cret@db.example/news").expect_err("not postgres");
        assert!(!e.contains("s3cret") && e.contains("postgres://"), "{e}");
        assert!(StoreUrl::parse("/var/lib/unionwire").is_err());
        assert!(StoreUrl::looks_like("postgres://x/y") && !StoreUrl::looks_like("./store"));
    }
}
