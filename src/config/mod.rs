//! The one typed [`Config`]: `config/default.toml` embedded in the binary, then a user file
//! (`--config FILE` or `UNIONWIRE_CONFIG`), then `UNIONWIRE_…` environment overrides, then CLI flags.
//! It is validated once at start-up; unknown keys are rejected and errors name the file, line and key.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod crawl;
mod feeds;
mod locate;
mod server;
mod sources;
mod store;
mod validate;
mod values;

use locate::Seg;

pub use crawl::CrawlConfig;
pub use feeds::FeedsConfig;
pub(crate) use server::SERVER_HEAD_BYTES_MIN;
pub use server::{parse_listen, AdminToken, ServerConfig, ADMIN_TOKEN_MIN_CHARS};
pub use sources::{SourceConfig, SourceKind};
pub use store::{parse_retention, StoreConfig, StoreUrl, RETENTION_MIN};
pub use values::{parse_duration, selector_error_words};

/// The embedded default configuration (the real union sources and safe defaults).
pub(crate) const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// The environment variable naming a user config file.
pub(crate) const CONFIG_ENV: &str = "UNIONWIRE_CONFIG";

/// A configuration error, with where it happened.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The TOML did not parse or did not match the schema.
    #[error("{origin}:{line}: {message}")]
    Parse {
        /// File name, or `<embedded default>`.
        origin: String,
        /// 1-based line, 0 when unknown.
        line: usize,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A value parsed but is not acceptable.
    #[error("{origin}{}: {key}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// File name, environment variable or flag.
        origin: String,
        /// 1-based line in the file, `None` for an environment variable or a flag.
        line: Option<usize>,
        /// The key (dotted path, e.g. `sources[2] (acftu).every`).
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store lives.
    #[serde(default)]
    pub store: StoreConfig,
    /// The HTTP server.
    #[serde(default)]
    pub server: ServerConfig,
    /// The crawler and its politeness.
    #[serde(default)]
    pub crawl: CrawlConfig,
    /// What the published feeds look like.
    #[serde(default)]
    pub feeds: FeedsConfig,
    /// The sources to crawl.
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// The document it was read from, kept so that checks made after loading still name the line.
    #[serde(skip)]
    document: Document,
}

/// Where a configuration came from: its name in errors and, for a file, its text.
#[derive(Clone, Default)]
struct Document {
    origin: String,
    text: Option<std::sync::Arc<str>>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.origin)
    }
}

impl Document {
    /// An [`ConfigError::Invalid`] for the key at `path`, shown as `key`, with its line when the
    /// document has it.
    fn invalid(&self, key: String, path: &[Seg<'_>], message: String) -> ConfigError {
        ConfigError::Invalid {
            origin: self.origin.clone(),
            line: self.text.as_deref().and_then(|t| locate::line_of(t, path)),
            key,
            message,
        }
    }
}

/// Overrides that come from the command line (`None` = not given, so lower layers win).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--store`
    pub store_path: Option<PathBuf>,
    /// `--listen`
    pub listen: Option<SocketAddr>,
    /// `--delay`
    pub per_host_delay: Option<Duration>,
}

impl Config {
    /// The embedded default alone.
    ///
    /// # Errors
    /// Only if the embedded file is broken (a build defect, caught by tests).
    pub fn embedded() -> Result<Self, ConfigError> {
        Self::from_toml(DEFAULT_TOML, "<embedded default>")
    }

    /// Parses and validates one TOML document. `origin` names it in errors.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] with the line and key, or [`ConfigError::Invalid`].
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let mut cfg: Self = toml::from_str(text).map_err(|e| {
            let span = e.span();
            let line = span.clone().map_or(0, |s| locate::line_at(text, s.start));
            let message = e.message().trim().to_owned();
            // The parser names the key for unknown and missing fields; for a wrong type or a bad value
            // it names only the value, so say whose value it is.
            let message = match span.and_then(|s| locate::key_at(text, s)) {
                Some(key) if !message.contains(&format!("`{key}`")) => format!("{key}: {message}"),
                _ => message,
            };
            ConfigError::Parse {
                origin: origin.to_owned(),
                line,
                message,
            }
        })?;
        cfg.document = Document {
            origin: origin.to_owned(),
            text: Some(text.into()),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Loads the layered configuration: the user file (`path`, else `$UNIONWIRE_CONFIG`, else the
    /// embedded default), then `UNIONWIRE_STORE_PATH`, `UNIONWIRE_LISTEN`, `UNIONWIRE_ADMIN_TOKEN`, `UNIONWIRE_PER_HOST_DELAY`, then
    /// `overrides`.
    ///
    /// A user file replaces the embedded default as a whole document; keys it leaves out take their
    /// built-in defaults, and `[[sources]]` come only from it.
    ///
    /// # Errors
    /// Any [`ConfigError`], naming where.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let env_path = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
        let chosen = path.map(Path::to_path_buf).or(env_path);
        let mut cfg = match chosen {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?;
                Self::from_toml(&text, &p.display().to_string())?
            }
            None => Self::embedded()?,
        };
        if let Some(v) = std::env::var_os("UNIONWIRE_STORE_PATH") {
            // A directory named here selects the embedded store.
            cfg.store.path = PathBuf::from(v);
            cfg.store.url = None;
        }
        if let Ok(v) = std::env::var("UNIONWIRE_STORE_URL") {
            cfg.store.url = Some(StoreUrl::parse(&v).map_err(|message| ConfigError::Invalid {
                origin: "UNIONWIRE_STORE_URL".into(),
                line: None,
                key: "store.url".into(),
                message,
            })?);
        }
        if let Ok(v) = std::env::var("UNIONWIRE_LISTEN") {
            cfg.server.listen = parse_listen(&v).map_err(|message| ConfigError::Invalid {
                origin: "UNIONWIRE_LISTEN".into(),
                line: None,
                key: "server.listen".into(),
                message,
            })?;
        }
        if let Ok(v) = std::env::var("UNIONWIRE_ADMIN_TOKEN") {
            cfg.server.admin_token =
                Some(AdminToken::new(&v).map_err(|m| ConfigError::Invalid {
                    origin: "UNIONWIRE_ADMIN_TOKEN".into(),
                    line: None,
                    key: "server.admin_token".into(),
                    message: m,
                })?);
        }
        if let Ok(v) = std::env::var("UNIONWIRE_PER_HOST_DELAY") {
            cfg.crawl.per_host_delay =
                parse_duration(&v).map_err(|message| ConfigError::Invalid {
                    origin: "UNIONWIRE_PER_HOST_DELAY".into(),
                    line: None,
                    key: "crawl.per_host_delay".into(),
                    message,
                })?;
        }
        if let Some(p) = &overrides.store_path {
            // `--store postgres://…` selects PostgreSQL; `--store DIR` the embedded store at DIR.
            let text = p.to_string_lossy();
            if StoreUrl::looks_like(&text) {
                cfg.store.url =
                    Some(
                        StoreUrl::parse(&text).map_err(|message| ConfigError::Invalid {
                            origin: "--store".into(),
                            line: None,
                            key: "store.url".into(),
                            message,
                        })?,
                    );
            } else {
                cfg.store.path.clone_from(p);
                cfg.store.url = None;
            }
        }
        if let Some(l) = overrides.listen {
            cfg.server.listen = l;
        }
        if let Some(d) = overrides.per_host_delay {
            cfg.crawl.per_host_delay = d;
        }
        if cfg.store.url.is_none() && cfg.store.path.as_os_str().is_empty() {
            return Err(cfg.document.invalid(
                "store.path".into(),
                &[Seg::Key("store"), Seg::Key("path")],
                "no store directory: set [store] path, --store or UNIONWIRE_STORE_PATH, or HOME or \
                 XDG_DATA_HOME for the default"
                    .into(),
            ));
        }
        Ok(cfg)
    }

    /// The source with this id.
    #[must_use]
    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id.as_str() == id)
    }

    /// Every tag used by a source, sorted.
    #[must_use]
    pub fn tags(&self) -> BTreeSet<&str> {
        self.sources
            .iter()
            .flat_map(|s| s.tags.iter().map(String::as_str))
            .collect()
    }

    /// Checks that every `sources[].profile` names one of `known` (the site profiles the binary has).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the file, line and key, and the profiles there are.
    pub fn check_profiles(&self, known: &[&str]) -> Result<(), ConfigError> {
        for (i, s) in self.sources.iter().enumerate() {
            if let Some(p) = &s.profile {
                if !known.contains(&p.as_str()) {
                    return Err(self.document.invalid(
                        format!("sources[{i}] ({}).profile", s.id),
                        &[Seg::Key("sources"), Seg::Index(i), Seg::Key("profile")],
                        format!(
                            "no site profile is named {p:?}; there are: {}",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses() {
        let cfg = Config::embedded().unwrap();
        assert!(cfg.sources.len() >= 5);
        assert_eq!(cfg.crawl.per_host_delay, Duration::from_secs(1));
    }

    #[test]
    fn unknown_keys_name_the_line_and_key() {
        let err = Config::from_toml("[crawl]\nper_host_delay = \"1s\"\nspeed = 3\n", "x.toml")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("x.toml:3:"), "{msg}");
        assert!(msg.contains("speed"), "{msg}");
    }

    #[test]
    fn bad_durations_are_reported() {
        let err = Config::from_toml("[crawl]\nper_host_delay = \"soon\"\n", "x.toml").unwrap_err();
        assert!(err.to_string().contains("x.toml:2"), "{err}");
        assert!(err.to_string().contains("duration"), "{err}");
    }

    #[test]
    fn bad_source_values_name_the_source() {
        let text = "[[sources]]\nid = \"a\"\nname = \"A\"\nkind = \"listing\"\nurl = \"http://a.example/\"\nlinks = \"li a[\"\n";
        let err = Config::from_toml(text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("sources[0] (a).links"), "{err}");
    }
}
