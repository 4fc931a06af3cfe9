//! Connecting to PostgreSQL: the libpq-style URL (`postgres://user@host:port/db`), the password, and the
//! address shown in messages (never with the password).
//!
//! tokio-postgres takes the password only from the URL. Like libpq, this engine also reads it from
//! `PGPASSWORD`, and else from the password file (`PGPASSFILE`, else `~/.pgpass`; lines
//! `host:port:database:user:password` with `*` wildcards and `\:` / `\\` escapes, ignored unless only its
//! owner may read it). The URL's own password wins, then `PGPASSWORD`, then the file.

use std::path::PathBuf;
use std::str::FromStr;

use tokio_postgres::config::Host;

use crate::store::StoreError;

/// A parsed store URL: what to connect with, and how to name it.
pub(super) struct Target {
    /// The connection settings, password included.
    pub(super) config: tokio_postgres::Config,
    /// `postgres://user@host:port/db`, without the password.
    pub(super) location: String,
}

/// Whether `url` names a PostgreSQL store.
#[must_use]
pub fn is_postgres_url(url: &str) -> bool {
    let u = url.trim_start();
    u.starts_with("postgres://") || u.starts_with("postgresql://")
}

/// Parses `url` and finds its password.
pub(super) fn target(url: &str) -> Result<Target, StoreError> {
    let mut config =
        tokio_postgres::Config::from_str(url.trim()).map_err(|e| StoreError::Unavailable {
            location: redact(url),
            detail: format!("not a PostgreSQL URL (postgres://user@host:port/database): {e}"),
        })?;
    if config.get_user().is_none() {
        if let Ok(user) = std::env::var("PGUSER").or_else(|_| std::env::var("USER")) {
            config.user(user);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    config.application_name("unionwire");
    let location = location_of(&config);
    if config.get_password().is_none() {
        if let Some(pw) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
            config.password(pw.as_encoded_bytes());
        } else if let Some(pw) = passfile_password(&config) {
            config.password(pw);
        }
    }
    Ok(Target { config, location })
}

/// `postgres://user@host:port/db` of a configuration, without its password.
fn location_of(c: &tokio_postgres::Config) -> String {
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    let user = c.get_user().unwrap_or_default();
    let db = c.get_dbname().unwrap_or(user);
    let at = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    format!("postgres://{at}{host}:{port}/{db}")
}

/// A URL as given, with any password replaced by `***` (for a URL that does not even parse).
pub(super) fn redact(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(unparsable store URL)".to_owned();
    };
    let (auth, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match auth.rsplit_once('@') {
        Some((cred, host)) => {
            let user = cred.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// The password the password file gives for this host, port, database and user, if any.
fn passfile_password(c: &tokio_postgres::Config) -> Option<Vec<u8>> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
    let meta = std::fs::metadata(&path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(file = %path.display(), "ignoring the password file: group or others may read it (chmod 0600)");
            return None;
        }
    }
    if !meta.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_owned(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432).to_string();
    let user = c.get_user().unwrap_or_default().to_owned();
    let db = c.get_dbname().map_or_else(|| user.clone(), str::to_owned);
    let want = [host, port, db, user];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(passfile_fields)
        .find(|f| {
            f.len() == 5
                && f.iter()
                    .zip(&want)
                    .all(|(field, want)| field == "*" || field == want)
        })
        .and_then(|mut f| f.pop())
        .map(String::into_bytes)
}

/// The `:`-separated fields of a password-file line (`\:` and `\\` escaped).
fn passfile_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_redacted_urls_never_show_the_password() {
        let t = target("postgres://uw:s3cret@db.example:5433/news").expect("parses");
        assert_eq!(t.location, "postgres://uw@db.example:5433/news");
        assert_eq!(t.config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(
            redact("postgresql://uw:s3cret@db.example/news"),
            "postgresql://uw@db.example/news"
        );
        assert!(!redact("postgres://a:b:c@h/d").contains('b'));
        assert!(is_postgres_url("postgresql://h/d") && !is_postgres_url("/var/lib/unionwire"));
    }

    #[test]
    fn password_file_lines_split_on_unescaped_colons() {
        assert_eq!(
            passfile_fields(r"db.example:5432:*:uw:pa\:ss\\word"),
            vec!["db.example", "5432", "*", "uw", r"pa:ss\word"]
        );
    }
}
