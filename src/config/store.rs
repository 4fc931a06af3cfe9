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
            retention: None,
        }
    }
}
