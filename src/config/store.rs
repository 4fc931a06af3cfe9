//! `[store]`: where the store lives.

use std::path::PathBuf;

use serde::Deserialize;

/// `[store]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Directory of the sled store (default: `$XDG_DATA_HOME/unionwire/store`, else
    /// `~/.local/share/unionwire/store`).
    #[serde(default = "default_store_path")]
    pub path: PathBuf,
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
        }
    }
}
